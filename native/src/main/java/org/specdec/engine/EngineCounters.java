package org.specdec.engine;

/**
 * What an engine did since it started, over all rows: target passes, how many drafted, and the
 * verification outcome. {@code rejectedBlocks} counts drafted blocks that ended in a rejection,
 * so accepted / (accepted + rejectedBlocks) is the per-token acceptance alpha of the DESIGN
 * formula (the geometric estimate), while accepted / draftTokens is the schema's acceptance_rate.
 *
 * @param steps           target passes (engine steps)
 * @param draftingSteps   steps in which at least one row drafted
 * @param skippedSteps    steps the draft switch ran without drafting (0 without a switch)
 * @param draftingRowSteps row-steps with a draft block (k > 0)
 * @param draftTokens     draft tokens proposed
 * @param acceptedTokens  draft tokens accepted
 * @param rejectedBlocks  draft blocks that ended in a rejection
 * @param probes          switch probes: drafting steps taken while the switch was off
 * @param switchedOff     times the switch turned drafting off at some batch size
 */
public record EngineCounters(long steps, long draftingSteps, long skippedSteps, long draftingRowSteps,
                             long draftTokens, long acceptedTokens, long rejectedBlocks, long probes,
                             long switchedOff) {

    public static final EngineCounters NONE = new EngineCounters(0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** What happened between {@code earlier} and this snapshot of the same engine. */
    public EngineCounters since(EngineCounters earlier) {
        return new EngineCounters(steps - earlier.steps, draftingSteps - earlier.draftingSteps,
                skippedSteps - earlier.skippedSteps, draftingRowSteps - earlier.draftingRowSteps,
                draftTokens - earlier.draftTokens, acceptedTokens - earlier.acceptedTokens,
                rejectedBlocks - earlier.rejectedBlocks, probes - earlier.probes, switchedOff - earlier.switchedOff);
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
