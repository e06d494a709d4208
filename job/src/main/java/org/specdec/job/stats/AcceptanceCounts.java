package org.specdec.job.stats;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Acceptance across a run's rows: how many rows fall in each tenth of acceptance rate, and how
 * often each draft position was accepted, against the target passes of the rows that drafted.
 */
public final class AcceptanceCounts implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Bins of the per-row acceptance rate: [0, 0.1), [0.1, 0.2), ..., [0.9, 1.0]. */
    public static final int BINS = 10;

    private final long[] rowsByRate = new long[BINS];
    private long[] acceptedByPosition = new long[0];
    private long draftingPasses;

    /** A row's acceptance_rate (null: it drafted nothing), acceptance_by_position and spec_steps. */
    void add(Double acceptanceRate, int[] byPosition, int draftTokens, int specSteps) {
        if (acceptanceRate != null && !acceptanceRate.isNaN()) {
            rowsByRate[Math.max(0, Math.min(BINS - 1, (int) Math.floor(acceptanceRate * BINS)))]++;
        }
        if (draftTokens > 0) {
            draftingPasses += specSteps;
            if (byPosition != null) {
                grow(byPosition.length);
                for (int i = 0; i < byPosition.length; i++) {
                    acceptedByPosition[i] += byPosition[i];
                }
            }
        }
    }

    void merge(AcceptanceCounts o) {
        for (int i = 0; i < BINS; i++) {
            rowsByRate[i] += o.rowsByRate[i];
        }
        grow(o.acceptedByPosition.length);
        for (int i = 0; i < o.acceptedByPosition.length; i++) {
            acceptedByPosition[i] += o.acceptedByPosition[i];
        }
        draftingPasses += o.draftingPasses;
    }

    private void grow(int positions) {
        if (acceptedByPosition.length < positions) {
            acceptedByPosition = Arrays.copyOf(acceptedByPosition, positions);
        }
    }

    /** Rows whose acceptance rate falls in bin i (rows that drafted nothing are in none). */
    public long rowsInBin(int i) {
        return rowsByRate[i];
    }

    /** Draft positions seen in any row (the longest block drafted). */
    public int positions() {
        return acceptedByPosition.length;
    }

    /** Share of the drafting rows' target passes that accepted the draft token at position i (0-based). */
    public double acceptedShare(int position) {
        return draftingPasses == 0 ? 0 : acceptedByPosition[position] / (double) draftingPasses;
    }
}
