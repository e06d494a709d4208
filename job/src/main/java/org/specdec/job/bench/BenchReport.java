package org.specdec.job.bench;

import org.specdec.bench.BenchSummary;
import org.specdec.bench.BenchResult;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.specdec.job.report.Html;
import org.specdec.job.report.SvgChart;

/**
 * The bench's HTML report: the summary table on top, then the source article's three charts
 * against concurrency (tokens/s, generation time, time to first token), each with the
 * target-only and the speculative curve (fixed k as thin dashed curves), then measured speedup
 * next to the speedup formula's prediction ({@link BenchResult#designSpeedup}), then every configuration.
 */
public final class BenchReport {

    private BenchReport() {
    }

    /** Chart ids, in page order. */
    public static final List<String> CHARTS = List.of("tokens_per_s", "generation_time", "ttft", "speedup");

    public static String html(String title, String setup, List<BenchResult> results) {
        List<BenchSummary.Level> levels = BenchSummary.levels(results);
        Html page = new Html(title, setup);
        page.heading("Summary per concurrency");
        page.table("summary", BenchSummary.summaryHeader(), BenchSummary.summaryRows(levels), 1);
        page.note("Verdict = the speculative mode against target-only (see below); fastest mode = the mode with the "
                + "most tokens/s at that concurrency, with its speedup over target-only. "
                + "Speculative = adaptive k with the draft switch (drafting turns off at a concurrency where the "
                + "measured cost model says it does not pay). Speedup = tokens/s over target-only at the same "
                + "concurrency. Predicted = (1 - a^(k+1)) / ((1 - a)(k c + 1)) with a = alpha (per-token acceptance), "
                + "k = mean draft length and c = measured draft/target pass cost at that concurrency. Acceptance = "
                + "accepted / drafted tokens; tokens/pass = generated tokens / target passes. Verdict OK = speculative "
                + "throughput at least target-only's within the measured noise: the larger of (max - min) / median of "
                + "the target-only repeats and the gap between target-only and its control, a second target-only "
                + "engine measured alongside (an A/A test: identical engines differ by a few percent). Without "
                + "either, OK means speedup >= 1.");
        List<String> charts = new ArrayList<>();
        charts.add(SvgChart.line(CHARTS.get(0), "Throughput vs concurrency", "concurrency", "tokens/s",
                series(levels, BenchResult::tokensPerS), true));
        charts.add(SvgChart.line(CHARTS.get(1), "Generation time per row (mean) vs concurrency", "concurrency",
                "ms", series(levels, BenchResult::genTimeMeanMs), true));
        charts.add(SvgChart.line(CHARTS.get(2), "Time to first token (mean) vs concurrency", "concurrency", "ms",
                series(levels, BenchResult::ttftMeanMs), true));
        charts.add(SvgChart.line(CHARTS.get(3), "Speculative speedup: measured vs predicted", "concurrency",
                "speedup (x)", speedupSeries(levels), true));
        page.heading("Charts");
        page.charts(charts);
        page.heading("Every configuration (median of repeats)");
        page.table("detail", BenchSummary.detailHeader(), BenchSummary.detailRows(levels), 2);
        return page.render();
    }

    /** target-only and speculative (solid), then each fixed k (dashed). */
    static List<SvgChart.Series> series(List<BenchSummary.Level> levels, ToDoubleFunction<BenchResult> y) {
        Set<String> fixed = new LinkedHashSet<>();
        for (BenchSummary.Level l : levels) {
            l.byLabel().values().stream().filter(r -> r.mode().equals(BenchResult.FIXED))
                    .forEach(r -> fixed.add(r.label()));
        }
        boolean adaptive = levels.stream().anyMatch(l -> l.adaptive() != null);
        List<SvgChart.Series> out = new ArrayList<>();
        out.add(curve("target-only", levels, l -> l.targetOnly(), y, false));
        out.add(curve(adaptive ? "speculative (adaptive)" : "speculative (best fixed k)", levels,
                BenchSummary.Level::speculative, y, false));
        if (adaptive) {
            for (String f : fixed) {
                out.add(curve("speculative " + f, levels, l -> l.byLabel().get(f), y, true));
            }
        }
        return out;
    }

    static List<SvgChart.Series> speedupSeries(List<BenchSummary.Level> levels) {
        List<SvgChart.Series> out = new ArrayList<>();
        double[] xs = new double[levels.size()];
        double[] ys = new double[levels.size()];
        for (int i = 0; i < levels.size(); i++) {
            xs[i] = levels.get(i).concurrency();
            ys[i] = levels.get(i).speedup(levels.get(i).speculative());
        }
        out.add(new SvgChart.Series("measured", xs, ys, false));
        out.add(curve("predicted (formula, measured v)", levels, BenchSummary.Level::speculative, BenchResult::predictedSpeedup,
                true));
        out.add(curve("1.0 = target-only", levels, BenchSummary.Level::targetOnly, r -> 1.0, true));
        return out;
    }

    private static SvgChart.Series curve(String name, List<BenchSummary.Level> levels,
                                         java.util.function.Function<BenchSummary.Level, BenchResult> pick,
                                         ToDoubleFunction<BenchResult> y, boolean dashed) {
        double[] xs = new double[levels.size()];
        double[] ys = new double[levels.size()];
        for (int i = 0; i < levels.size(); i++) {
            xs[i] = levels.get(i).concurrency();
            BenchResult r = pick.apply(levels.get(i));
            ys[i] = r == null ? Double.NaN : y.applyAsDouble(r);
        }
        return new SvgChart.Series(name, xs, ys, dashed);
    }
}
