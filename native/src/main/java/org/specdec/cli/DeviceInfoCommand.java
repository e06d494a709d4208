package org.specdec.cli;

import org.specdec.backend.cuda.CudaAvailability;
import org.specdec.backend.cuda.CudaBackend;
import org.specdec.util.Args;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;

/**
 * {@code device-info --device cuda:N}: opens the device as the engine would (driver version,
 * compute capability, kernel module load) and prints one line, or exits 2 with the reason. The
 * GPU check runs it first so that a machine the kernels cannot run on fails in seconds.
 */
final class DeviceInfoCommand {
    private DeviceInfoCommand() {}

    static String usage() {
        return "device-info [--device cuda:0]\n";
    }

    static int run(String[] argv, PrintStream out) {
        Args a = new Args(argv, 1, Set.of("--device"), Set.of());
        String device = a.get("--device", "cuda:0");
        if (device.equals("cpu")) {
            out.println("cpu: " + Runtime.getRuntime().availableProcessors() + " cores, Java "
                    + System.getProperty("java.version") + "; CUDA: " + (CudaAvailability.isAvailable() ? "available"
                    : CudaAvailability.check().reason()));
            return 0;
        }
        try (CudaBackend b = CudaBackend.open(device, 64, 1)) {
            long[] mem = b.memInfo();
            out.printf(Locale.ROOT, "%s: %s, compute capability %d.%d, %d SMs, driver CUDA %d.%d, %d MiB free of %d MiB,"
                            + " specdec kernels loaded%n", device, b.deviceName(), b.computeCapability() / 10,
                    b.computeCapability() % 10, b.smCount(), b.driverVersion() / 1000, b.driverVersion() % 1000 / 10,
                    mem[0] >> 20, mem[1] >> 20);
            return 0;
        } catch (IllegalStateException e) {
            System.err.println("specdec device-info: " + e.getMessage());
            return 2;
        }
    }
}
