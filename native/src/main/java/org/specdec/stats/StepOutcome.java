package org.specdec.stats;

/**
 * What one engine step did, summed over its rows: the input of the engine's counters and of the
 * draft switch's cost tables.
 *
 * @param rows           rows in the step (the batch size n)
 * @param draftingRows   rows that drafted (k &gt; 0)
 * @param draftTokens    draft tokens proposed over all rows
 * @param acceptedTokens draft tokens the verifier kept
 * @param rejectedBlocks draft blocks that ended in a rejection (fewer accepted than drafted)
 * @param draftMs        wall time of the step's draft forwards
 * @param targetMs       wall time of the verification pass (the target forward and the acceptance decision)
 * @param clean          whether the times are a fair sample of a decoding step at this batch size:
 *                       no prompt prefill in the target pass, no long draft catch-up, not a one-row probe
 */
public record StepOutcome(int rows, int draftingRows, int draftTokens, int acceptedTokens, int rejectedBlocks,
                          double draftMs, double targetMs, boolean clean) {

    /** Whether any row drafted: otherwise the step was plain target decoding. */
    public boolean drafted() {
        return draftingRows > 0;
    }

    /** Positions the verification pass scored: each row's drafts plus the one after them. */
    public int positions() {
        return draftTokens + rows;
    }
}
