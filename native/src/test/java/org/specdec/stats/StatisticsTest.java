package org.specdec.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-row and per-engine counters: what each step adds to them and what they report. */
class StatisticsTest {

    @Test
    void rowStatsFollowTheOutputColumnsDefinitions() {
        RowStats s = new RowStats(4);
        assertNull(s.acceptanceRate(), "nothing drafted yet");
        s.recordStep(0, 0);   // the prefill pass: no drafts
        s.recordStep(3, 3);   // all accepted (the bonus token is not counted)
        s.recordStep(2, 1);   // rejected at the second position
        assertEquals(3, s.specSteps());
        assertEquals(5, s.draftTokens());
        assertEquals(4, s.acceptedTokens());
        assertEquals(0.8, s.acceptanceRate(), 1e-12);
        assertEquals(5 / 3.0, s.meanK(), 1e-12);
        assertEquals(7 / 3.0, s.meanAcceptanceLength(7), 1e-12);
        assertArrayEquals(new int[] {2, 1, 1}, s.acceptanceByPosition(), "trimmed to the longest block, 3");
    }

    @Test
    void engineStatsCountStepsAndSwitchDecisions() {
        EngineStats stats = new EngineStats();
        EngineCounters start = stats.snapshot();
        stats.recordStep(new StepOutcome(4, 3, 9, 6, 2, 1.0, 2.0, true));
        stats.recordStep(new StepOutcome(4, 0, 0, 0, 0, 0.0, 1.0, true));
        stats.recordSkippedStep();
        stats.recordRefresh();
        stats.recordProbe();
        stats.recordSwitchedOff();
        EngineCounters c = stats.snapshot().since(start);
        assertEquals(new EngineCounters(2, 1, 1, 3, 9, 6, 2, 1, 1, 1), c);
        assertEquals(6 / 8.0, c.alpha(), 1e-12);
        assertEquals(3.0, c.meanDraftLength(), 1e-12);
    }

    @Test
    void aStepOutcomeKnowsItsVerifiedPositions() {
        StepOutcome step = new StepOutcome(4, 2, 5, 3, 1, 1.0, 2.0, false);
        assertEquals(9, step.positions(), "5 drafts + one position per row");
        assertTrue(step.drafted());
    }
}
