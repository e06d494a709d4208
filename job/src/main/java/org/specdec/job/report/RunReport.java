package org.specdec.job.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.sum;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The HTML report of a {@code run}, computed with Spark from the rows the run wrote (so it scales
 * with the output: only aggregates are collected): summary table, acceptance-rate distribution
 * across rows, acceptance by draft position, latency and TTFT CDFs, tokens/s per executor, and
 * the rows with errors.
 */
public final class RunReport {
    /** Histogram bins of the per-row acceptance rate. */
    public static final int ACCEPTANCE_BINS = 10;
    /** Quantiles of the CDF charts: 0, 1/(n-1), ..., 1. */
    public static final int CDF_POINTS = 51;
    /** Error rows listed (the count is always complete). */
    public static final int MAX_ERROR_ROWS = 50;

    private RunReport() {
    }

    /**
     * The summary rows shown first (label, value), prepared by the caller from its own summary.
     *
     * @param rows        output rows of this run
     * @param summary     label/value pairs for the summary table
     * @param wallSeconds wall time of the run (tokens/s per executor = its tokens / wall time)
     */
    public static String html(String title, String subtitle, Dataset<Row> rows, List<List<String>> summary,
                              double wallSeconds) {
        Html page = new Html(title, subtitle);
        page.heading("Summary");
        page.table("summary", List.of("", "value"), summary, 1);
        List<String> charts = new ArrayList<>();
        charts.add(acceptanceDistribution(rows));
        charts.add(acceptanceByPosition(rows));
        charts.add(latencyCdf(rows));
        charts.add(tokensPerExecutor(rows, wallSeconds));
        page.heading("Charts");
        page.charts(charts);
        page.note("Acceptance rate = accepted / drafted tokens of a row (rows without drafts are left out). "
                + "Acceptance by draft position = share of the target passes that accepted the draft token at that "
                + "position (passes of rows that drafted). Tokens/s per executor = tokens the executor generated / "
                + "wall time of the run.");
        errors(page, rows);
        return page.render();
    }

    static String acceptanceDistribution(Dataset<Row> rows) {
        List<Row> bins = rows.where(col("acceptance_rate").isNotNull())
                .select(least(floor(col("acceptance_rate").multiply(ACCEPTANCE_BINS)), lit(ACCEPTANCE_BINS - 1))
                        .cast("int").as("bin"))
                .groupBy("bin").agg(count(lit(1)).as("n")).collectAsList();
        double[] counts = new double[ACCEPTANCE_BINS];
        for (Row r : bins) {
            counts[Math.max(0, r.getInt(0))] += r.getLong(1);
        }
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < ACCEPTANCE_BINS; i++) {
            labels.add(String.format(Locale.ROOT, "%.1f", i / (double) ACCEPTANCE_BINS));
        }
        return SvgChart.bars("acceptance_distribution", "Acceptance rate across rows", "acceptance rate (bin start)",
                "rows", labels, counts);
    }

    static String acceptanceByPosition(Dataset<Row> rows) {
        Dataset<Row> drafting = rows.where(col("draft_tokens").gt(0));
        Row steps = drafting.agg(sum(col("spec_steps"))).first();
        double passes = steps.isNullAt(0) ? 0 : ((Number) steps.get(0)).doubleValue();
        List<Row> byPos = drafting.select(posexplode(col("acceptance_by_position")).as(new String[] {"pos", "n"}))
                .groupBy("pos").agg(sum(col("n")).as("n")).orderBy("pos").collectAsList();
        List<String> labels = new ArrayList<>();
        double[] share = new double[byPos.size()];
        for (int i = 0; i < byPos.size(); i++) {
            labels.add(Integer.toString(byPos.get(i).getInt(0) + 1));
            share[i] = passes == 0 ? 0 : ((Number) byPos.get(i).get(1)).doubleValue() / passes;
        }
        return SvgChart.bars("acceptance_by_position", "Acceptance by draft position", "draft position",
                "share of target passes", labels, share);
    }

    static String latencyCdf(Dataset<Row> rows) {
        double[] x = new double[CDF_POINTS];
        StringBuilder qs = new StringBuilder("array(");
        for (int i = 0; i < CDF_POINTS; i++) {
            double q = i / (double) (CDF_POINTS - 1);
            x[i] = 100 * q;
            qs.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "CAST(%.4f AS DOUBLE)", q));
        }
        qs.append(')');
        Row r = rows.where(col("error").isNull())
                .selectExpr("percentile_approx(latency_ms, " + qs + ", 10000)",
                        "percentile_approx(ttft_ms, " + qs + ", 10000)").first();
        List<SvgChart.Series> series = new ArrayList<>();
        series.add(new SvgChart.Series("generation time (latency_ms)", x, quantiles(r, 0), false));
        series.add(new SvgChart.Series("time to first token (ttft_ms)", x, quantiles(r, 1), true));
        return SvgChart.line("latency_cdf", "Latency CDF (rows without error)", "percentile of rows", "ms", series,
                false);
    }

    private static double[] quantiles(Row r, int i) {
        double[] y = new double[CDF_POINTS];
        java.util.Arrays.fill(y, Double.NaN);
        if (!r.isNullAt(i)) {
            List<Object> v = r.getList(i);
            for (int j = 0; j < Math.min(CDF_POINTS, v.size()); j++) {
                y[j] = v.get(j) == null ? Double.NaN : ((Number) v.get(j)).doubleValue();
            }
        }
        return y;
    }

    static String tokensPerExecutor(Dataset<Row> rows, double wallSeconds) {
        List<Row> per = rows.groupBy(col("executor_id")).agg(sum(col("generated_tokens")).as("t"))
                .orderBy(col("executor_id")).collectAsList();
        List<String> labels = new ArrayList<>();
        double[] tps = new double[per.size()];
        for (int i = 0; i < per.size(); i++) {
            Row r = per.get(i);
            labels.add(r.isNullAt(0) ? "(none)" : r.getString(0));
            double tokens = r.isNullAt(1) ? 0 : ((Number) r.get(1)).doubleValue();
            tps[i] = wallSeconds > 0 ? tokens / wallSeconds : 0;
        }
        return SvgChart.bars("tokens_per_executor", "Tokens/s per executor", "executor", "tokens/s", labels, tps);
    }

    static void errors(Html page, Dataset<Row> rows) {
        Dataset<Row> bad = rows.where(col("error").isNotNull());
        long n = bad.count();
        page.heading("Rows with errors: " + n);
        if (n == 0) {
            return;
        }
        List<List<String>> byCause = new ArrayList<>();
        for (Row r : bad.groupBy("error").agg(count(lit(1)).as("n")).orderBy(col("n").desc()).limit(10)
                .collectAsList()) {
            byCause.add(List.of(r.getString(0), Long.toString(r.getLong(1))));
        }
        page.table("error_causes", List.of("error", "rows"), byCause, 1);
        List<List<String>> list = new ArrayList<>();
        for (Row r : bad.select("id", "error").orderBy("id").limit(MAX_ERROR_ROWS).collectAsList()) {
            list.add(List.of(String.valueOf(r.<Object>getAs("id")), String.valueOf(r.<Object>getAs("error"))));
        }
        page.table("errors", List.of("id", "error"), list, 2);
        if (n > MAX_ERROR_ROWS) {
            page.note("First " + MAX_ERROR_ROWS + " of " + n + " error rows by id; query the output for the rest "
                    + "(docs/analytics.md).");
        }
    }
}
