package org.specdec.cli;

import org.specdec.backend.cpu.GemmKernelBench;
import org.specdec.tensor.DType;
import org.specdec.util.Args;

import java.io.PrintStream;
import java.util.Set;

/** {@code gemm}: the CPU GEMM with the matrix read where mapped against copied into tiles (see {@link GemmKernelBench}). */
final class GemmCommand {
    private GemmCommand() {}

    static String usage() {
        return "gemm [--rows 4096] [--cols 256] [--dtype f32|bf16|f16] [--batch 1,2,4,5,8,16,24,32,40,64] "
                + "[--seconds 0.2] [--rounds 4]\n"
                + "  one [rows x cols] random matrix times each batch of input rows on one CPU thread: read where\n"
                + "  mapped (model.cpu_weights stored) as the GEMM runs it and with row-wise kernels only, and\n"
                + "  copied into tiles (tiled), alternated in one JVM after 3 s of warm-up; prints a Markdown table\n";
    }

    static int run(String[] argv, PrintStream out) {
        Args a = new Args(argv, 1, Set.of("--rows", "--cols", "--dtype", "--batch", "--seconds", "--rounds"), Set.of());
        new GemmKernelBench(DType.parse(a.get("--dtype", "f32")), a.getInt("--rows", 4096), a.getInt("--cols", 256),
                a.getDouble("--seconds", 0.2), a.getInt("--rounds", 4))
                .run(Args.intList(a.get("--batch", "1,2,4,5,8,16,24,32,40,64")), out);
        return 0;
    }
}
