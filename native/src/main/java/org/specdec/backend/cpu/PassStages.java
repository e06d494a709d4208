package org.specdec.backend.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Where the calling thread's time in a CPU forward pass goes, stage by stage, for {@code profile}.
 * Off by default: then every {@link #lap} is a field test and nothing else. On, each lap reads the
 * clock once (about 25 ns, some 60 laps a pass) and each pass keeps its own times, so the summary
 * can show the median pass, which a slow pass (a neighbour's load, a compilation) does not move. A parallel
 * stage counts from the hand-off to the last worker's end; the caller's wait for that last worker
 * is also reported on its own ({@link WorkerPool#callerWaitNanos}).
 */
public final class PassStages {

    /** The stages of a pass. */
    public enum Stage {
        MATMUL("matrix products"),
        ATTENTION("attention"),
        INPUT_PANELS("GEMM input layouts"),
        ROPE_AND_CACHE("RoPE and KV append"),
        /** Where every row has few new positions, the attention tasks rotate and append their own heads. */
        ROPE_AND_ATTENTION("RoPE, KV append and attention"),
        NORMS_AND_ADDS("embedding, RMSNorm, residual adds"),
        SWIGLU("SwiGLU");

        private final String label;

        Stage(String label) {
            this.label = label;
        }
    }

    private static final int STAGES = Stage.values().length;
    /** Per pass: each stage's nanoseconds, then the caller's wait. */
    private final List<long[]> passes = new ArrayList<>();
    private final WorkerPool pool;
    private boolean on;
    private long[] current;
    private long last;
    private long waitAtStart;

    PassStages(WorkerPool pool) {
        this.pool = pool;
    }

    /** Starts timing ({@code true}), clearing earlier passes, or stops it. */
    void enable(boolean enabled) {
        if (enabled && !on) {
            passes.clear();
        }
        pool.timeWaits(enabled);
        on = enabled;
    }

    void startPass() {
        if (on) {
            current = new long[STAGES + 1];
            waitAtStart = pool.callerWaitNanos();
            last = System.nanoTime();
        }
    }

    /** Charges the time since the previous mark to {@code stage}. */
    void lap(Stage stage) {
        if (on) {
            long now = System.nanoTime();
            current[stage.ordinal()] += now - last;
            last = now;
        }
    }

    void endPass() {
        if (on) {
            current[STAGES] = pool.callerWaitNanos() - waitAtStart;
            record(current);
        }
    }

    /** Keeps one pass's nanoseconds: each stage's in {@link Stage} order, then the caller's wait. */
    void record(long[] pass) {
        passes.add(pass);
    }

    /** Passes timed since timing was turned on. */
    public int passes() {
        return passes.size();
    }

    /**
     * The pass whose stages add up to the median total: each stage's milliseconds, then the
     * caller's wait. One real pass rather than per-stage medians, so the parts add up.
     */
    public double[] medianPassMs() {
        double[] ms = new double[STAGES + 1];
        if (passes.isEmpty()) {
            return ms;
        }
        long[][] byTotal = passes.toArray(new long[0][]);
        Arrays.sort(byTotal, (x, y) -> Long.compare(total(x), total(y)));
        long[] median = byTotal[byTotal.length / 2];
        for (int i = 0; i <= STAGES; i++) {
            ms[i] = median[i] / 1e6;
        }
        return ms;
    }

    private static long total(long[] pass) {
        long t = 0;
        for (int i = 0; i < STAGES; i++) {
            t += pass[i];
        }
        return t;
    }

    /** One line: the median pass's stages, largest first, with their shares, then the caller's wait. */
    public String summary() {
        double[] ms = medianPassMs();
        double total = 0;
        for (int i = 0; i < STAGES; i++) {
            total += ms[i];
        }
        Stage[] order = Stage.values().clone();
        Arrays.sort(order, (x, y) -> Double.compare(ms[y.ordinal()], ms[x.ordinal()]));
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "the median of %d passes, %.3f ms: ", passes(), total));
        for (int i = 0; i < order.length; i++) {
            double v = ms[order[i].ordinal()];
            if (v == 0 && i > 0) {
                break;  // stages these passes did not run (the rest are 0 too: sorted)
            }
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.3f (%.0f%%)", order[i].label, v,
                    total > 0 ? 100 * v / total : 0));
        }
        return b.append(String.format(Locale.ROOT, "; in these the calling thread waited %.3f ms for other workers",
                ms[STAGES])).toString();
    }
}
