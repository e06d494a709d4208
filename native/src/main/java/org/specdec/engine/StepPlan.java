package org.specdec.engine;

import org.specdec.speculative.DraftSwitch;
import org.specdec.stats.StepOutcome;

import java.util.List;

/**
 * Step 1 of an engine step, and the tally of its outcome: how many tokens each row of the running
 * batch drafts, which single row drafts when the draft switch probes, and whether the step's
 * times are a clean sample for the switch's cost tables. Reused across steps by the loop thread.
 */
final class StepPlan {
    /**
     * Tokens a row's target pass feeds before its drafts in a plain decoding step: the last
     * committed token, the only one its target cache lacks (more means a prompt prefill).
     */
    static final int DECODE_TOKENS = 1;
    /**
     * The draft catch-up of a row that drafted in the step before: its draft cache lacks the last
     * accepted draft and the target's token after it (the draft never ran on either). More means
     * the row skipped drafting for a while and its draft pass re-reads a backlog, which would
     * inflate the measured draft cost.
     */
    static final int STEADY_DRAFT_BACKLOG = 2;

    private final boolean hasDrafter;
    /** Turns drafting off at batch sizes where it does not pay; null = always draft. */
    private final DraftSwitch draftSwitch;

    private int[] k = new int[8];
    private int rows;
    private int draftTokens;
    private int draftingRows;
    private boolean probe;
    private boolean clean;
    private int acceptedTokens;
    private int rejectedBlocks;

    StepPlan(boolean hasDrafter, DraftSwitch draftSwitch) {
        this.hasDrafter = hasDrafter;
        this.draftSwitch = draftSwitch;
    }

    /** Plans the next step over {@code active}, in its order. */
    void decide(List<Sequence> active) {
        rows = active.size();
        if (k.length < rows) {
            k = new int[rows * 2];
        }
        // Never draft past max_tokens or the context window.
        for (int i = 0; i < rows; i++) {
            Sequence s = active.get(i);
            k[i] = hasDrafter ? Math.max(0, Math.min(s.k, s.draftRoom())) : 0;
        }
        count();
        probe = false;
        if (draftSwitch != null && draftTokens > 0) {
            // Does drafting pay at this batch size, and up to which k? At 0 this step is plain target decoding.
            DraftSwitch.Decision decision = draftSwitch.decide(rows, draftTokens / (double) rows);
            probe = decision.probe();
            int onlyRow = probe ? freshestDraftRow(active) : -1;
            for (int i = 0; i < rows; i++) {
                k[i] = onlyRow >= 0 && i != onlyRow ? 0 : Math.min(k[i], decision.draftLimit());
            }
            count();
        }
        clean = !probe && allRowsSteady(active);
        acceptedTokens = 0;
        rejectedBlocks = 0;
    }

    int rows() {
        return rows;
    }

    /** Draft length of row {@code row} this step (0: it does not draft). */
    int k(int row) {
        return k[row];
    }

    /** Whether any row drafts this step. */
    boolean drafts() {
        return draftingRows > 0;
    }

    /** Counts one row's verification: {@code accepted} of its {@code drafted} tokens kept. */
    void countVerified(int drafted, int accepted) {
        acceptedTokens += accepted;
        if (accepted < drafted) {
            rejectedBlocks++;
        }
    }

    /** The step as the statistics and the draft switch see it. */
    StepOutcome outcome(double draftMs, double targetMs) {
        return new StepOutcome(rows, draftingRows, draftTokens, acceptedTokens, rejectedBlocks, draftMs, targetMs,
                clean);
    }

    private void count() {
        draftTokens = 0;
        draftingRows = 0;
        for (int i = 0; i < rows; i++) {
            draftTokens += k[i];
            draftingRows += k[i] > 0 ? 1 : 0;
        }
    }

    /** Of the rows that could draft this step, the one whose draft cache needs the least catch-up. */
    private int freshestDraftRow(List<Sequence> active) {
        int best = -1;
        int bestBacklog = Integer.MAX_VALUE;
        for (int i = 0; i < rows; i++) {
            if (k[i] == 0) {
                continue;
            }
            int backlog = active.get(i).draftBacklog();
            if (backlog < bestBacklog) {
                best = i;
                bestBacklog = backlog;
            }
        }
        return best;
    }

    /**
     * A clean step: every row decodes (no prompt prefill) and every drafting row's draft needs only
     * the steady catch-up. A probe never is: its one row catches up with all it skipped.
     */
    private boolean allRowsSteady(List<Sequence> active) {
        for (int i = 0; i < rows; i++) {
            Sequence s = active.get(i);
            if (s.uncachedTargetTokens() != DECODE_TOKENS
                    || k[i] > 0 && s.draftBacklog() > STEADY_DRAFT_BACKLOG) {
                return false;
            }
        }
        return true;
    }
}
