package org.specdec.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Axis ticks fall on round steps (1, 2 or 5 x 10^n), whole numbers for counts, with as many decimals as the step. */
class SvgChartTest {

    /** The text of every tick label in a chart. */
    static List<String> ticks(String svg) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<text class=\"tick\"[^>]*>([^<]*)</text>").matcher(svg);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void rowCountsAreTickedAtWholeNumbers() {
        String svg = SvgChart.bars("c", "rows", "bin", "rows", List.of("0.0", "0.1", "0.2"), new double[] {5, 1, 0});
        List<String> ticks = ticks(svg);
        assertTrue(ticks.containsAll(List.of("0", "1", "2", "3", "4", "5")), ticks.toString());
        assertFalse(ticks.stream().anyMatch(t -> t.contains(".") && !t.matches("0\\.[0-2]")), ticks.toString());
        assertEquals(List.of(0.0, 1.0, 2.0, 3.0, 4.0, 5.0), SvgChart.upTo(5, true));
        assertEquals(List.of(0.0, 1.0), SvgChart.upTo(0.3, true), "a count below 1 still ticks at 0 and 1");
        assertEquals(List.of(0.0, 5.0, 10.0, 15.0), SvgChart.upTo(12, true));
    }

    @Test
    void smallSharesGetRoundStepsAndShortLabels() {
        assertEquals(0.005, SvgChart.step(0.025, false), 1e-15);
        assertEquals(0.01, SvgChart.step(0.03, false), 1e-15);
        List<Double> t = SvgChart.upTo(0.028, false);
        assertEquals(4, t.size(), t.toString());
        assertEquals(0.03, t.get(3), 1e-12, "the axis top is the first step at or above the data");
        assertEquals("0.03", SvgChart.tickLabel(t.get(3), 0.01));
        String svg = SvgChart.bars("s", "share", "position", "share", List.of("1", "2"), new double[] {0.028, 0.01});
        assertEquals(List.of("0.00", "0.01", "0.02", "0.03", "1", "2"), ticks(svg), "no 0.0063");
        assertEquals(List.of(0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0), SvgChart.upTo(1, false));
        assertEquals("0.6", SvgChart.tickLabel(0.6000000000000001, 0.2));
    }

    @Test
    void aLinearXAxisIsTickedWithinTheDataAtRoundSteps() {
        assertEquals(List.of(0.0, 20.0, 40.0, 60.0, 80.0, 100.0), SvgChart.within(0, 100, SvgChart.step(100, true)));
        assertEquals(List.of(2.0, 4.0, 6.0), SvgChart.within(1, 7, SvgChart.step(6, true)));
        String svg = SvgChart.line("t", "tokens/s", "seconds", "tokens/s",
                List.of(new SvgChart.Series("s", new double[] {0, 1, 2, 3}, new double[] {0.5, 2.5, 3, 1}, false)),
                false);
        List<String> ticks = ticks(svg);
        assertEquals(List.of("0", "1", "2", "3", "0", "1", "2", "3"), ticks, "y: steps of 1 up to 3; x: whole seconds");
        String fine = SvgChart.line("f", "shares", "seconds", "share",
                List.of(new SvgChart.Series("s", new double[] {0, 1, 2}, new double[] {0.1, 0.45, 0.3}, false)), false);
        assertEquals(List.of("0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0", "1", "2"), ticks(fine));
    }
}
