package org.specdec.job.stats;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * When a run's rows finished, per second of wall-clock time (epoch seconds on the executor that
 * decoded them): rows, generated tokens, target passes and time in target passes. Throughput over
 * time comes from here, exact to the second however long the job, without sampling progress.
 * One entry per second that finished a row: about 90 KB per hour of job.
 */
public final class CompletionTimeline implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final int ROWS = 0;
    private static final int TOKENS = 1;
    private static final int STEPS = 2;
    private static final int TARGET_MS = 3;

    private final TreeMap<Long, double[]> bySecond = new TreeMap<>();

    /** One second of the timeline. */
    public record Second(long epochSecond, long rows, long generatedTokens, long specSteps, double targetMs) {
    }

    void add(long epochMillis, int generatedTokens, int specSteps, double targetMs) {
        double[] b = bySecond.computeIfAbsent(Math.floorDiv(epochMillis, 1000L), s -> new double[4]);
        b[ROWS]++;
        b[TOKENS] += generatedTokens;
        b[STEPS] += specSteps;
        b[TARGET_MS] += targetMs;
    }

    void merge(CompletionTimeline o) {
        o.bySecond.forEach((s, v) -> {
            double[] b = bySecond.computeIfAbsent(s, x -> new double[4]);
            for (int i = 0; i < b.length; i++) {
                b[i] += v[i];
            }
        });
    }

    /** The seconds in which rows finished, in time order. */
    public List<Second> seconds() {
        List<Second> out = new ArrayList<>(bySecond.size());
        for (Map.Entry<Long, double[]> e : bySecond.entrySet()) {
            double[] b = e.getValue();
            out.add(new Second(e.getKey(), (long) b[ROWS], (long) b[TOKENS], (long) b[STEPS], b[TARGET_MS]));
        }
        return out;
    }

    public boolean isEmpty() {
        return bySecond.isEmpty();
    }
}
