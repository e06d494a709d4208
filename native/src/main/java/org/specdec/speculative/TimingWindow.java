package org.specdec.speculative;

import java.util.Arrays;

/**
 * The last few samples of one measured time, summarised by their lower quartile. Timing noise on
 * a shared machine is one-sided (a GC pause, a page fault, another executor's burst only ever add
 * time), so slow samples must not move the estimate: with a moving average one 40 ms outlier
 * among 24 ms passes inflated the target-only baseline enough to switch a losing draft on for
 * dozens of steps, and a burst of five slow passes moved even a median. The lower quartile of the
 * last {@value #SIZE} samples is the clean cost as long as a few of them were clean, and still
 * follows a real change of cost within a window. No allocation per sample.
 */
final class TimingWindow {
    static final int SIZE = 9;

    private final double[] samples = new double[SIZE];
    private final double[] sorted = new double[SIZE];
    private int count;
    private int next;
    private double estimate = Double.NaN;

    void add(double sample) {
        samples[next] = sample;
        next = (next + 1) % SIZE;
        count = Math.min(SIZE, count + 1);
        System.arraycopy(samples, 0, sorted, 0, count);
        Arrays.sort(sorted, 0, count);
        estimate = sorted[count / 4];
    }

    /** The lower quartile of the samples in the window (the smallest of up to 3), NaN before the first. */
    double estimate() {
        return estimate;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Samples in the window (at most {@value #SIZE}). */
    int count() {
        return count;
    }
}
