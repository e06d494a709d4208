package org.specdec.stats;

/**
 * What one engine did since it started, counted as it goes. The engine's loop thread records its
 * steps and its draft switch records its decisions; any thread may take a consistent
 * {@link #snapshot()} (Spark task threads and the bench read it while rows decode).
 */
public final class EngineStats {
    private long steps;
    private long draftingSteps;
    private long skippedSteps;
    private long draftingRowSteps;
    private long draftTokens;
    private long acceptedTokens;
    private long rejectedBlocks;
    private long probes;
    private long refreshes;
    private long switchedOff;

    /** One target pass and what its rows drafted and kept. */
    public synchronized void recordStep(StepOutcome step) {
        steps++;
        draftingSteps += step.drafted() ? 1 : 0;
        draftingRowSteps += step.draftingRows();
        draftTokens += step.draftTokens();
        acceptedTokens += step.acceptedTokens();
        rejectedBlocks += step.rejectedBlocks();
    }

    /** The draft switch let a step run without drafting, although its rows could have drafted. */
    public synchronized void recordSkippedStep() {
        skippedSteps++;
    }

    /** The draft switch, while off, let one row draft to sample acceptance again. */
    public synchronized void recordProbe() {
        probes++;
    }

    /** The draft switch, while on, skipped drafting for a step to measure the target-only baseline again. */
    public synchronized void recordRefresh() {
        refreshes++;
    }

    /** The draft switch turned drafting off at some batch size. */
    public synchronized void recordSwitchedOff() {
        switchedOff++;
    }

    public synchronized EngineCounters snapshot() {
        return new EngineCounters(steps, draftingSteps, skippedSteps, draftingRowSteps, draftTokens, acceptedTokens,
                rejectedBlocks, probes, refreshes, switchedOff);
    }
}
