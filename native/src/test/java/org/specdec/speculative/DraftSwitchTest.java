package org.specdec.speculative;

import org.junit.jupiter.api.Test;
import org.specdec.stats.EngineStats;
import org.specdec.stats.SpeedupModel;
import org.specdec.stats.StepOutcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The draft switch's cost model on fed measurements (no models, no clocks): it drafts where the
 * speedup model with measured costs predicts a gain, stops where it predicts a loss, and probes
 * rarely once off.
 */
class DraftSwitchTest {
    /** Where each test's switch counts its decisions (JUnit makes a new instance per test). */
    final EngineStats stats = new EngineStats();

    /** Feeds the clean drafting and target-only steps that make batch n's costs known. */
    static void measure(DraftSwitch s, int n, double t1, double draftPerPosition, double verifyAtK, int k) {
        for (int i = 0; i < DraftSwitch.FRESH_SAMPLES; i++) {
            s.recordSpeculative(n, draftPerPosition * k, n * k, verifyAtK, n * (k + 1));
            s.recordTargetOnly(n, t1);
        }
    }

    @Test
    void reducesToTheDesignFormulaWhenVerificationCostsOnePass() {
        DraftSwitch s = new DraftSwitch(8, 4, stats);
        // alpha = 0.7 exactly: 7 accepted, 3 rejections.
        s.recordAcceptance(7, 3);
        measure(s, 4, 10.0, 1.0, 10.0, 4);
        double a = 0.7;
        double c = 0.1;
        double design = (1 - Math.pow(a, 5)) / ((1 - a) * (4 * c + 1));
        assertEquals(design, s.predictedSpeedup(4, 4), 1e-9);
    }

    @Test
    void draftsWhenTheModelPredictsAGainAndStopsWhenItPredictsALoss() {
        DraftSwitch s = new DraftSwitch(32, 4, stats);
        s.recordAcceptance(70, 30);
        // Batch 1: memory-bound target, verification of 5 positions ~ one pass, cheap draft: S ~ 2.
        measure(s, 1, 10.0, 0.5, 11.0, 4);
        // Batch 32: compute-bound target, verification costs 4 passes and the draft is no longer cheap: S < 1.
        measure(s, 32, 40.0, 8.0, 160.0, 4);
        assertTrue(s.predictedSpeedup(1, 4) > 1.5, "batch 1: " + s.predictedSpeedup(1, 4));
        assertTrue(s.predictedSpeedup(32, 4) < 1, "batch 32: " + s.predictedSpeedup(32, 4));
        assertTrue(s.decide(1, 4).drafts());
        assertFalse(s.decide(32, 4).drafts());
        assertEquals(1, stats.snapshot().switchedOff());
    }

    @Test
    void atLargeBatchesItCapsTheDraftLengthWhereShortBlocksStillPay() {
        DraftSwitch s = new DraftSwitch(16, 8, stats);
        s.recordAcceptance(70, 30);
        // Verification costs 5 ms more per position per row: S(1) = 1.10, S(2) = 1.04, S(4) = 0.87.
        measure(s, 16, 10.0, 0.5, 30.0, 4);
        assertEquals(1, s.decide(16, 4).draftLimit());
        assertTrue(s.predictedSpeedup(16, 4) < 1);
    }

    @Test
    void unmeasuredBatchSizesAreExploredWithSeveralSamplesEachWay() {
        DraftSwitch s = new DraftSwitch(8, 4, stats);
        for (int i = 0; i < DraftSwitch.FRESH_SAMPLES; i++) {
            assertTrue(s.decide(3, 4).drafts(), "first: measure drafting, step " + i);
            s.recordAcceptance(0, 3);
            s.recordSpeculative(3, 6, 12, 30, 15);
        }
        for (int i = 0; i < DraftSwitch.FRESH_SAMPLES; i++) {
            assertFalse(s.decide(3, 4).drafts(), "then: measure target-only decoding, step " + i);
            assertTrue(Double.isNaN(s.predictedSpeedup(3, 4)), "no decision on fewer samples");
            s.recordTargetOnly(3, 10);
        }
        assertFalse(s.decide(3, 4).drafts(), "no acceptance: off");
        assertEquals(DraftSwitch.FRESH_SAMPLES + 1, stats.snapshot().skippedSteps(),
                "decisions are counted in the engine's statistics");
        assertEquals(1, stats.snapshot().switchedOff());
        assertEquals(0, stats.snapshot().steps(), "steps are the engine's to count");
    }

    @Test
    void onceOffItProbesWithGrowingIntervalsSoADeadDraftCostsAlmostNothing() {
        DraftSwitch s = new DraftSwitch(8, 4, stats);
        s.recordAcceptance(0, 50);
        measure(s, 8, 10.0, 2.0, 14.0, 4);
        int drafted = 0;
        for (int step = 0; step < 2000; step++) {
            if (s.decide(8, 4).drafts()) {
                drafted++;
                s.recordAcceptance(0, 8);
                s.recordSpeculative(8, 8, 32, 14, 40);
            } else {
                s.recordTargetOnly(8, 10);
            }
        }
        // Probes after 16, 32, 64, 128, 256, 256, ... steps: 12 in 2000 steps (0.6%).
        assertTrue(drafted <= 12, "drafted " + drafted + " of 2000 steps");
        assertTrue(drafted >= 5, "still probes: " + drafted);
        assertEquals(drafted, stats.snapshot().probes());
        assertEquals(2000 - drafted, stats.snapshot().skippedSteps());
    }

    @Test
    void whileDraftingItReMeasuresTheBaselineAndSwitchesOffWhenAcceptanceCollapses() {
        DraftSwitch s = new DraftSwitch(8, 4, stats);
        s.recordAcceptance(90, 10);
        measure(s, 8, 10.0, 0.5, 11.0, 4);
        int skipped = 0;
        for (int step = 0; step < 200; step++) {
            if (s.decide(8, 4).drafts()) {
                s.recordAcceptance(30, 2);
                s.recordSpeculative(8, 2, 32, 11, 40);
            } else {
                skipped++;
                s.recordTargetOnly(8, 10);
            }
        }
        // 3 to 5 refreshes in 200 steps (every 48), each of FRESH_SAMPLES target-only steps.
        assertTrue(skipped >= 3 * DraftSwitch.FRESH_SAMPLES && skipped <= 5 * DraftSwitch.FRESH_SAMPLES,
                "baseline refresh steps: " + skipped);
        // The draft stops agreeing with the target: a few hundred rejections later it is off.
        for (int step = 0; step < 300; step++) {
            if (s.decide(8, 4).drafts()) {
                s.recordAcceptance(0, 8);
                s.recordSpeculative(8, 2, 32, 11, 40);
            } else {
                s.recordTargetOnly(8, 10);
            }
        }
        assertFalse(s.decide(8, 4).drafts());
        assertTrue(s.acceptance() < 0.3, "alpha " + s.acceptance());
    }

    @Test
    void aBaselineMeasuredWhileTheJitCompiledIsReplacedAtTheFirstRefresh() {
        // The demo's first steps: every target-only pass slow (5 ms) while C2 compiled, then draft
        // and verification passes measured compiled. The stale baseline says drafting pays.
        DraftSwitch s = new DraftSwitch(8, 4, stats);
        s.recordAcceptance(60, 40);
        for (int i = 0; i < TimingWindow.SIZE; i++) {
            s.recordTargetOnly(8, 5.0);
        }
        for (int i = 0; i < DraftSwitch.FRESH_SAMPLES; i++) {
            s.recordSpeculative(8, 0.2 * 8 * 3, 8 * 3, 2.5, 8 * 4);
        }
        assertTrue(s.predictedSpeedup(8, 3) > 1.1, "stale S(3) = " + s.predictedSpeedup(8, 3));
        // Compiled, the target pass takes 0.75 ms: with alpha 0.75, S(3) = 0.66, drafting loses.
        int draftingSteps = 0;
        for (int step = 0; step < 80; step++) {
            if (s.decide(8, 3).drafts()) {
                draftingSteps++;
                s.recordAcceptance(15, 5);
                s.recordSpeculative(8, 0.2 * 8 * 3, 8 * 3, 2.5, 8 * 4);
            } else {
                s.recordTargetOnly(8, 0.75);
            }
        }
        assertTrue(s.predictedSpeedup(8, 3) < 0.7, "fresh S(3) = " + s.predictedSpeedup(8, 3));
        // On until the first refresh of t1 (48 drafting steps), whose FRESH_SAMPLES passes turn it off;
        // one fresh sample among eight stale ones would have kept it on for two more refreshes.
        assertTrue(draftingSteps <= 49, "drafted " + draftingSteps + " of 80 steps");
        assertFalse(s.decide(8, 3).drafts());
    }

    @Test
    void oneSlowVerificationWhileExploringDoesNotTurnAPayingDraftOff() {
        // Memory-bound target: t1 3 ms, verification 3.2 ms, a nearly free draft, alpha 0.9. The
        // first clean verification pass meets a GC pause (12 ms); decided on that one sample,
        // S(2) = 2.71 / 4.0 = 0.68 would turn drafting off until the first probe, 64 steps later.
        DraftSwitch s = new DraftSwitch(8, 4, stats);
        boolean paused = true;
        int drafted = 0;
        for (int step = 0; step < 40; step++) {
            DraftSwitch.Decision d = s.decide(4, 4);
            if (d.drafts()) {
                drafted++;
                s.recordAcceptance(9, 1);
                s.recordSpeculative(4, 0.01, 4 * d.draftLimit(), paused ? 12 : 3.2, 4 * (d.draftLimit() + 1));
                paused = false;
            } else {
                s.recordTargetOnly(4, 3.0);
            }
        }
        assertTrue(drafted >= 40 - 2 * DraftSwitch.FRESH_SAMPLES, "drafted " + drafted + " of 40 steps");
        assertEquals(0, stats.snapshot().switchedOff());
    }

    @Test
    void oneSlowBaselinePassDoesNotSwitchALosingDraftOn() {
        // Measured at batch 2 on the 2-core machine: t1 24 ms, draft 8.6 ms per position, a
        // 2-position verification 29 ms, alpha 0.45: S(1) = 1.45 / ((8.6 + 29) / 24) = 0.93.
        DraftSwitch s = new DraftSwitch(8, 4, stats);
        s.recordAcceptance(45, 55);
        for (int i = 0; i < 10; i++) {
            s.recordSpeculative(2, 8.6, 2, 29, 4);
            s.recordTargetOnly(2, 24 + (i % 2) * 0.3);
        }
        assertTrue(s.predictedSpeedup(2, 1) < 0.95, "S(1) = " + s.predictedSpeedup(2, 1));
        // A GC pause or a neighbour's burst: one 43 ms pass. A moving average would read t1 = 29.7
        // and S(1) = 1.14, over the 1.10 needed to switch on.
        s.recordTargetOnly(2, 43);
        assertTrue(s.predictedSpeedup(2, 1) < 0.95, "after the outlier S(1) = " + s.predictedSpeedup(2, 1));
        assertEquals(0, s.decide(2, 1).draftLimit());
    }

    @Test
    void aDraftThatStartsAgreeingAgainIsSwitchedBackOnByItsOneRowProbes() {
        DraftSwitch s = new DraftSwitch(8, 4, stats);
        // Memory-bound target, cheap draft: drafting pays well from alpha ~0.4 on, loses at 0.1.
        measure(s, 8, 10.0, 0.5, 11.0, 4);
        // A long stretch of a poor draft: hundreds of blocks of evidence, alpha 0.1.
        for (int step = 0; step < 100; step++) {
            s.recordAcceptance(1, 8);
        }
        assertEquals(0, s.decide(8, 4).draftLimit(), "poor draft: off");
        assertTrue(stats.snapshot().switchedOff() >= 1);
        // Now the prompts change and the draft agrees: each probe (one row, k <= 2) accepts all.
        int firstOn = -1;
        for (int step = 0; step < 20_000 && firstOn < 0; step++) {
            DraftSwitch.Decision d = s.decide(8, 4);
            if (d.drafts() && (d.probe() || d.remeasure())) {
                s.recordAcceptance(d.draftLimit(), 0);
            } else if (d.drafts()) {
                firstOn = step;
            } else {
                s.recordTargetOnly(8, 10.0);
            }
        }
        // Probes after 64, 128, 256, 512 steps: the fourth probe's evidence is enough.
        assertTrue(firstOn > 0 && firstOn < 1_000, "back on after " + firstOn + " steps");
    }

    @Test
    void costsMeasuredWhileColdAreMeasuredAgainWhileOff() {
        DraftSwitch s = new DraftSwitch(8, 4, stats);
        s.recordAcceptance(60, 40);
        // The first drafting step runs before the JIT has compiled the draft: 3 ms per draft
        // position and a 30 ms verification against a 10 ms baseline. S(2) = 0.78 / (0.4 * 3.6): off.
        for (int i = 0; i < DraftSwitch.FRESH_SAMPLES; i++) {
            s.recordSpeculative(1, 6, 2, 30, 3);
            s.recordTargetOnly(1, 10);
        }
        assertFalse(s.decide(1, 2).drafts());
        // Warm, the target pass takes 5 ms, a draft position 0.5 ms and verification 6 ms:
        // S(2) = 0.78 / (0.4 * 1.4) = 1.4, but only a re-measurement can show it.
        int remeasureSteps = 0;
        int firstOn = -1;
        for (int step = 0; step < 5_000 && firstOn < 0; step++) {
            DraftSwitch.Decision d = s.decide(1, 2);
            if (d.remeasure()) {
                remeasureSteps++;
                assertFalse(d.probe());
                s.recordAcceptance(1, 1);
                if (remeasureSteps > 1) {
                    s.recordSpeculative(1, 1.0, 2, 6, 3);  // the first step catches the draft up: not clean
                }
            } else if (d.probe()) {
                s.recordAcceptance(1, 1);
            } else if (d.drafts()) {
                firstOn = step;
            } else {
                s.recordTargetOnly(1, 5);
            }
        }
        // The second probe (after 64 + 128 steps) re-measures, drafting for every row, until its
        // clean samples outweigh the cold ones in the windows' lower quartiles.
        assertTrue(remeasureSteps >= 2 && remeasureSteps <= DraftSwitch.REMEASURE_STEPS, "re-measured " + remeasureSteps);
        assertTrue(firstOn > 0 && firstOn < 200, "back on after " + firstOn + " steps");
        assertTrue(s.predictedSpeedup(1, 2) > 1.3, "S(2) = " + s.predictedSpeedup(1, 2));
    }

    @Test
    void perTokenAcceptanceIsTheGeometricEstimate() {
        DraftSwitch s = new DraftSwitch(1, 4, stats);
        // Blocks of k = 4: accepted 4 (no rejection), 2 (rejected at 3rd), 0 (rejected at 1st).
        s.recordAcceptance(6, 2);
        assertEquals(6 / 8.0, s.acceptance(), 1e-12);
        assertEquals(1 + 0.5 + 0.25, SpeedupModel.tokensPerPass(0.5, 2), 1e-12);
    }

    @Test
    void learnsFromEngineStepsOnlyWhatTheyCanMeasure() {
        DraftSwitch s = new DraftSwitch(8, 4, stats);
        // A probe or a prefill step is not clean: only its acceptance counts.
        s.recordStep(new StepOutcome(4, 1, 2, 2, 0, 50.0, 90.0, false));
        assertEquals(1.0, s.acceptance(), 1e-12);
        assertTrue(Double.isNaN(s.predictedSpeedup(4, 2)), "no costs measured yet");
        // Clean steps fill the cost tables, drafting ones and target-only ones, FRESH_SAMPLES of each.
        for (int i = 0; i < DraftSwitch.FRESH_SAMPLES; i++) {
            assertTrue(Double.isNaN(s.predictedSpeedup(4, 2)), "costs from " + i + " samples");
            s.recordStep(new StepOutcome(4, 4, 8, 4, 2, 4.0, 12.0, true));
            s.recordStep(new StepOutcome(4, 0, 0, 0, 0, 0.0, 10.0, true));
        }
        double accepted = 2;
        double rejected = 0;
        for (int i = 0; i < DraftSwitch.FRESH_SAMPLES; i++) {
            accepted = accepted * (1 - DraftSwitch.ACCEPTANCE_DECAY) + 4;
            rejected = rejected * (1 - DraftSwitch.ACCEPTANCE_DECAY) + 2;
        }
        assertEquals(accepted / (accepted + rejected), s.acceptance(), 1e-12);
        assertFalse(Double.isNaN(s.predictedSpeedup(4, 2)));
    }
}
