package org.specdec.backend.cpu;

import org.specdec.tensor.DType;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Random;

/**
 * One matrix times batches of input rows on one thread, three ways on the same weights and inputs:
 * read where mapped as the stored layout runs (column-wise kernels from
 * {@link InputPanel#COLUMN_MIN_ROWS} rows on), the same with the row-wise kernels alone, and copied
 * into tiles ({@link TiledMatmul}, {@code model.cpu_weights: tiled}). The three alternate within
 * each round, in one JVM, because JIT state and a shared machine's load move single timings by
 * tens of percent; each is reported as its best round, after uncounted rounds that give the JIT
 * time to compile all three.
 */
public final class GemmKernelBench {
    /** Time the uncounted first rounds run, so that both ways are compiled before any is measured. */
    static final long WARM_UP_NS = 3_000_000_000L;
    private final DType dtype;
    private final int outRows;
    private final int cols;
    private final double seconds;
    private final int rounds;

    public GemmKernelBench(DType dtype, int outRows, int cols, double seconds, int rounds) {
        if (outRows <= 0 || cols <= 0 || seconds <= 0 || rounds < 1) {
            throw new IllegalArgumentException("gemm needs positive --rows, --cols and --seconds and --rounds >= 1");
        }
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("gemm: --dtype must be f32, bf16 or f16, not " + dtype);
        }
        this.dtype = dtype;
        this.outRows = outRows;
        this.cols = cols;
        this.seconds = seconds;
        this.rounds = rounds;
    }

    /** Prints a table: one line per batch size, both ways and their ratio. */
    public void run(int[] batches, PrintStream out) {
        WeightTensor w = randomTensor();
        TiledWeights tiles = TiledWeights.of(w);
        TiledMatmul.Scratch scratch = new TiledMatmul.Scratch();
        WeightRowReader reader = new WeightRowReader(cols);
        boolean paired = dtype != DType.F32;
        double[][] best = new double[batches.length][3];
        boolean[] asRun = new boolean[batches.length];
        for (double[] b : best) {
            java.util.Arrays.fill(b, Double.MAX_VALUE);
        }
        // Round 0 repeats until the JIT has had WARM_UP_NS to compile both ways, and is not counted.
        long warmUpEnd = System.nanoTime() + WARM_UP_NS;
        int round = 0;
        while (round <= rounds) {
            for (int i = 0; i < batches.length; i++) {
                int m = batches[i];
                float[] x = randomInputs(m, 1000 + m);
                float[] result = new float[m * outRows];
                for (int way = 0; way < 3; way++) {
                    InputPanel panel = new InputPanel();
                    panel.set(x, m, cols, paired, way == 0 && m >= InputPanel.COLUMN_MIN_ROWS);
                    if (way == 0) {
                        asRun[i] = panel.hasColumns();
                    }
                    panel.fill();
                    long budget = (long) (seconds * 1e9);
                    long start = System.nanoTime();
                    long calls = 0;
                    long now;
                    do {
                        if (way == 2) {
                            TiledMatmul.tiles(tiles, 0, tiles.tiles(), x, m, null, result, outRows, 0, scratch);
                        } else {
                            CpuMatmul.rows(w, 0, outRows, panel, null, result, outRows, 0, reader);
                        }
                        calls++;
                        now = System.nanoTime();
                    } while (now - start < budget);
                    if (round > 0) {
                        best[i][way] = Math.min(best[i][way], (now - start) / 1e3 / calls);
                    }
                }
            }
            if (round > 0 || System.nanoTime() >= warmUpEnd) {
                round++;
            }
        }
        out.printf(Locale.ROOT, "gemm: %s %d x %d on one thread; stored (read where mapped: column-wise from %d input "
                        + "rows, up to %d columns), stored with row-wise kernels only, and tiled, alternated, best of %d "
                        + "rounds of %.2f s after %.0f s of warm-up%n", dtype, outRows, cols, InputPanel.COLUMN_MIN_ROWS,
                InputPanel.COLUMN_MAX_COLS, rounds, seconds, WARM_UP_NS / 1e9);
        out.println("| input rows | stored as run | us | GFLOP/s | row-wise us | GFLOP/s | tiled us | GFLOP/s "
                + "| stored / tiled |");
        out.println("|---|---|---|---|---|---|---|---|---|");
        for (int i = 0; i < batches.length; i++) {
            double flops = 2.0 * batches[i] * outRows * cols;
            out.printf(Locale.ROOT, "| %d | %s | %.1f | %.0f | %.1f | %.0f | %.1f | %.0f | %.2fx |%n", batches[i],
                    asRun[i] ? "column-wise" : "row-wise", best[i][0], flops / best[i][0] / 1e3, best[i][1],
                    flops / best[i][1] / 1e3, best[i][2], flops / best[i][2] / 1e3, best[i][0] / best[i][2]);
        }
    }

    private WeightTensor randomTensor() {
        Random rnd = new Random(7);
        ByteBuffer b = ByteBuffer.allocateDirect(outRows * cols * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < outRows * cols; i++) {
            float v = (float) (rnd.nextGaussian() * 0.05);
            switch (dtype) {
                case F32 -> b.putFloat(v);
                case BF16 -> b.putShort(HalfFloats.floatToBf16(v));
                default -> b.putShort(HalfFloats.floatToF16(v));
            }
        }
        return WeightTensor.of("gemm.weight", dtype, new long[] {outRows, cols}, b.flip());
    }

    private float[] randomInputs(int m, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[m * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
