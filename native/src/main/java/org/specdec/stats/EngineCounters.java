package org.specdec.stats;

/**
 * A snapshot of what an engine did since it started, over all rows (see {@link EngineStats}):
 * target passes, how many drafted, the verification outcome and the draft switch's decisions.
 * {@code rejectedBlocks} counts drafted blocks that ended in a rejection, so
 * accepted / (accepted + rejectedBlocks) is the per-token acceptance alpha of
 * {@link SpeedupModel} (the geometric estimate), while accepted / draftTokens is the output's
 * acceptance_rate.
 *
 * @param steps            target passes (engine steps)
 * @param draftingSteps    steps in which at least one row drafted
 * @param skippedSteps     steps the draft switch ran without drafting although rows could draft (0 without a switch)
 * @param draftingRowSteps row-steps with a draft block (k &gt; 0)
 * @param draftTokens      draft tokens proposed
 * @param acceptedTokens   draft tokens accepted
 * @param rejectedBlocks   draft blocks that ended in a rejection
 * @param probes           switch probes: one-row drafting steps taken while the switch was off
 * @param refreshes        skipped steps the switch took while on, to measure its target-only baseline again
 * @param switchedOff      times the switch turned drafting off at some batch size
 */
public record EngineCounters(long steps, long draftingSteps, long skippedSteps, long draftingRowSteps,
                             long draftTokens, long acceptedTokens, long rejectedBlocks, long probes,
                             long refreshes, long switchedOff) {

    public static final EngineCounters NONE = new EngineCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** What happened between {@code earlier} and this snapshot of the same engine. */
    public EngineCounters since(EngineCounters earlier) {
        return new EngineCounters(steps - earlier.steps, draftingSteps - earlier.draftingSteps,
                skippedSteps - earlier.skippedSteps, draftingRowSteps - earlier.draftingRowSteps,
                draftTokens - earlier.draftTokens, acceptedTokens - earlier.acceptedTokens,
                rejectedBlocks - earlier.rejectedBlocks, probes - earlier.probes, refreshes - earlier.refreshes,
                switchedOff - earlier.switchedOff);
    }

    /** Per-token acceptance (geometric estimate), or NaN without drafted blocks. */
    public double alpha() {
        long n = acceptedTokens + rejectedBlocks;
        return n == 0 ? Double.NaN : acceptedTokens / (double) n;
    }

    /** Mean draft length over the row-steps that drafted, or 0. */
    public double meanDraftLength() {
        return draftingRowSteps == 0 ? 0 : draftTokens / (double) draftingRowSteps;
    }
}
