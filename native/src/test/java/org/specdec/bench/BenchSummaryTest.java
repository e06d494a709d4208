package org.specdec.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The verdict's noise: the spread over repeats of target-only, widened by the A/A control's gap. */
class BenchSummaryTest {

    static BenchResult result(String mode, int k, int repeat, double tps) {
        return new BenchResult(8, mode, k, k, repeat, 16, 768, 768 / tps, tps, 1, 1, 1, 1, 1, Double.NaN,
                Double.NaN, 1, k, 96, 0, 0, 0.3, 2, Double.NaN, Double.NaN);
    }

    static List<BenchResult> level(boolean withControl) {
        List<BenchResult> rs = new ArrayList<>();
        double[] target = {200, 201, 202};
        for (int r = 0; r < 3; r++) {
            rs.add(result(BenchResult.TARGET_ONLY, 0, r, target[r]));
            if (withControl) {
                rs.add(result(BenchResult.CONTROL, 0, r, target[r] * 0.96));
            }
            rs.add(result(BenchResult.ADAPTIVE, 4, r, target[r] * 0.97));
        }
        return rs;
    }

    @Test
    void withoutAControlTheNoiseIsTheSpreadOfTargetOnlyRepeats() {
        BenchSummary.Level l = BenchSummary.levels(level(false)).get(0);
        assertEquals(2 / 201.0, l.noise(), 1e-12);
        assertEquals("SLOWER", l.verdict(), "0.97x with 1% noise");
    }

    @Test
    void theControlsGapToTargetOnlyWidensTheNoise() {
        BenchSummary.Level l = BenchSummary.levels(level(true)).get(0);
        assertEquals(0.04, l.noise(), 1e-9);
        assertEquals("OK", l.verdict(), "0.97x while two identical engines differ by 4%");
        // The control is not a speculative curve: the speculative mode is still adaptive.
        assertEquals(BenchResult.ADAPTIVE, l.speculative().mode());
        List<String> row = BenchSummary.summaryRows(List.of(l)).get(0);
        assertEquals(BenchSummary.summaryHeader().size(), row.size());
        assertEquals("0.96x", row.get(BenchSummary.summaryHeader().indexOf("control (A/A)")));
        assertEquals("OK (adaptive)", row.get(1), "the verdict comes right after the concurrency");
        assertEquals("target-only", row.get(2), "fastest mode: the control is not one");
    }

    @Test
    void whenAFixedKBeatsAdaptiveTheSummaryNamesIt() {
        List<BenchResult> rs = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            rs.add(result(BenchResult.TARGET_ONLY, 0, r, 100));
            rs.add(result(BenchResult.ADAPTIVE, 4, r, 78));
            rs.add(result(BenchResult.FIXED, 3, r, 144));
        }
        BenchSummary.Level l = BenchSummary.levels(rs).get(0);
        List<String> header = BenchSummary.summaryHeader();
        List<String> row = BenchSummary.summaryRows(List.of(l)).get(0);
        assertEquals("SLOWER (adaptive)", row.get(header.indexOf("verdict")));
        assertEquals("k=3 (1.44x)", row.get(header.indexOf("fastest mode")));
    }
}
