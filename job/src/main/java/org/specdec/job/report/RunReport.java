package org.specdec.job.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.specdec.job.stats.AcceptanceCounts;
import org.specdec.job.stats.CompletionTimeline;
import org.specdec.job.stats.ErrorRows;
import org.specdec.job.stats.RunStatistics;

/**
 * The HTML report of a {@code run}, from the statistics its tasks gathered while writing the rows
 * ({@link RunStatistics}; the output is not read again): summary table, acceptance-rate
 * distribution across rows, acceptance by draft position, latency and TTFT CDFs, tokens/s per
 * executor, tokens/s over the run, and the rows with errors.
 */
public final class RunReport {
    /** Histogram bins of the per-row acceptance rate. */
    public static final int ACCEPTANCE_BINS = AcceptanceCounts.BINS;
    /** Quantiles of the CDF charts: 0, 1/(n-1), ..., 1. */
    public static final int CDF_POINTS = 51;
    /** Error rows listed (the count is always complete). */
    public static final int MAX_ERROR_ROWS = ErrorRows.FIRST_IDS;
    /** Most points of the tokens/s-over-time chart: seconds are pooled into windows of equal length. */
    public static final int TIMELINE_POINTS = 60;

    private RunReport() {
    }

    /**
     * The report page.
     *
     * @param stats       statistics of this run's rows
     * @param summary     label/value pairs for the summary table
     * @param wallSeconds wall time of the run (tokens/s per executor = its tokens / wall time)
     */
    public static String html(String title, String subtitle, RunStatistics stats, List<List<String>> summary,
                              double wallSeconds) {
        Html page = new Html(title, subtitle);
        page.heading("Summary");
        page.table("summary", List.of("", "value"), summary, 1);
        List<String> charts = new ArrayList<>();
        charts.add(acceptanceDistribution(stats.acceptance(), stats.rows()));
        charts.add(acceptanceByPosition(stats.acceptance()));
        charts.add(latencyCdf(stats));
        charts.add(tokensPerExecutor(stats.devices().tokensByExecutor(), wallSeconds));
        charts.add(tokensOverTime(stats.timeline()));
        page.heading("Charts");
        page.charts(charts);
        page.note("Acceptance rate = accepted / drafted tokens of a row (rows without drafts are left out). "
                + "Acceptance by draft position = share of the target passes that accepted the draft token at that "
                + "position (passes of rows that drafted). Tokens/s per executor = tokens the executor generated / "
                + "wall time of the run. Tokens/s over the run = tokens of the rows that finished in each window / "
                + "its length. Latency quantiles are within " + Math.round(1000 * org.specdec.job.stats.QuantileSketch
                .RELATIVE_ACCURACY) / 10.0 + "% of the exact values.");
        errors(page, stats.errors());
        return page.render();
    }

    /**
     * Rows per tenth of acceptance rate. Only rows that drafted have a rate (the draft switch may
     * keep most rows from drafting), so the title says how many of the run's rows the bars hold.
     */
    static String acceptanceDistribution(AcceptanceCounts a, long rows) {
        double[] counts = new double[ACCEPTANCE_BINS];
        List<String> labels = new ArrayList<>();
        long drafted = 0;
        for (int i = 0; i < ACCEPTANCE_BINS; i++) {
            counts[i] = a.rowsInBin(i);
            drafted += a.rowsInBin(i);
            labels.add(String.format(Locale.ROOT, "%.1f", i / (double) ACCEPTANCE_BINS));
        }
        String title = drafted == rows ? "Acceptance rate across rows (all " + rows + ")"
                : "Acceptance rate across the " + drafted + " of " + rows + " rows that drafted";
        return SvgChart.bars("acceptance_distribution", title, "acceptance rate (bin start)", "rows", labels, counts);
    }

    static String acceptanceByPosition(AcceptanceCounts a) {
        List<String> labels = new ArrayList<>();
        double[] share = new double[a.positions()];
        for (int i = 0; i < share.length; i++) {
            labels.add(Integer.toString(i + 1));
            share[i] = a.acceptedShare(i);
        }
        return SvgChart.bars("acceptance_by_position", "Acceptance by draft position", "draft position",
                "share of target passes", labels, share);
    }

    static String latencyCdf(RunStatistics stats) {
        double[] x = new double[CDF_POINTS];
        double[] latency = new double[CDF_POINTS];
        double[] ttft = new double[CDF_POINTS];
        for (int i = 0; i < CDF_POINTS; i++) {
            double q = i / (double) (CDF_POINTS - 1);
            x[i] = 100 * q;
            latency[i] = stats.latencyMs().quantile(q);
            ttft[i] = stats.ttftMs().quantile(q);
        }
        List<SvgChart.Series> series = new ArrayList<>();
        series.add(new SvgChart.Series("generation time (latency_ms)", x, latency, false));
        series.add(new SvgChart.Series("time to first token (ttft_ms)", x, ttft, true));
        return SvgChart.line("latency_cdf", "Latency CDF (rows without error)", "percentile of rows", "ms", series,
                false);
    }

    static String tokensPerExecutor(Map<String, Long> tokensByExecutor, double wallSeconds) {
        List<String> labels = new ArrayList<>();
        double[] tps = new double[tokensByExecutor.size()];
        int i = 0;
        for (Map.Entry<String, Long> e : tokensByExecutor.entrySet()) {
            labels.add(e.getKey());
            tps[i++] = wallSeconds > 0 ? e.getValue() / wallSeconds : 0;
        }
        return SvgChart.bars("tokens_per_executor", "Tokens/s per executor", "executor", "tokens/s", labels, tps);
    }

    /** Generated tokens per second of the rows that finished in each window, from the first finished row on. */
    static String tokensOverTime(CompletionTimeline timeline) {
        List<CompletionTimeline.Second> seconds = timeline.seconds();
        if (seconds.isEmpty()) {
            return SvgChart.line("tokens_over_time", "Tokens/s over the run", "seconds since the first row finished",
                    "tokens/s", List.of(), false);
        }
        long first = seconds.get(0).epochSecond();
        long span = seconds.get(seconds.size() - 1).epochSecond() - first + 1;
        long window = Math.max(1, (span + TIMELINE_POINTS - 1) / TIMELINE_POINTS);
        int points = (int) ((span + window - 1) / window);
        double[] tokens = new double[points];
        for (CompletionTimeline.Second s : seconds) {
            tokens[(int) ((s.epochSecond() - first) / window)] += s.generatedTokens();
        }
        double[] x = new double[points];
        double[] y = new double[points];
        for (int i = 0; i < points; i++) {
            long length = Math.min(window, span - i * window);
            x[i] = i * window;
            y[i] = tokens[i] / length;
        }
        return SvgChart.line("tokens_over_time", "Tokens/s over the run (" + window + " s windows)",
                "seconds since the first row finished", "tokens/s",
                List.of(new SvgChart.Series("generated tokens/s", x, y, false)), false);
    }

    static void errors(Html page, ErrorRows errors) {
        long n = errors.count();
        page.heading("Rows with errors: " + n);
        if (n == 0) {
            return;
        }
        List<List<String>> byCause = new ArrayList<>();
        for (Map.Entry<String, Long> e : errors.topCauses(10)) {
            byCause.add(List.of(e.getKey(), Long.toString(e.getValue())));
        }
        page.table("error_causes", List.of("error", "rows"), byCause, 1);
        List<List<String>> list = new ArrayList<>();
        errors.firstById().forEach((id, cause) -> list.add(List.of(id, String.valueOf(cause))));
        page.table("errors", List.of("id", "error"), list, 2);
        if (n > MAX_ERROR_ROWS) {
            page.note("First " + MAX_ERROR_ROWS + " of " + n + " error rows by id; query the output for the rest "
                    + "(docs/analytics.md).");
        }
        if (errors.otherCauses() > 0) {
            page.note(errors.otherCauses() + " error rows have causes beyond the first " + ErrorRows.MAX_CAUSES
                    + " distinct ones and are not in the table of causes.");
        }
    }
}
