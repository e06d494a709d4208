package org.specdec.job.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.specdec.job.bench.BenchReport;
import org.specdec.bench.BenchResult;
import org.specdec.udf.OutputSchema;

/** Small, fully known inputs for the reports, and a counter of chart points in the HTML. */
final class ReportFixtures {
    static final int[] CONCURRENCY = {1, 2, 4, 8, 16, 32};
    static final int ROWS = 20;
    static final int ERROR_ROWS = 3;
    static final int POSITIONS = 3;

    private ReportFixtures() {
    }

    /** Where tests leave reports and screenshots for people to look at. */
    static Path artifacts() {
        Path p = Path.of("target", "report-artifacts").toAbsolutePath();
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** Target-only, its A/A control, k=2, k=4 and adaptive at six concurrency levels, two repeats. */
    static List<BenchResult> benchResults() {
        List<BenchResult> out = new ArrayList<>();
        for (int c : CONCURRENCY) {
            for (int rep = 0; rep < 2; rep++) {
                double base = 40 * Math.sqrt(c) * (1 + 0.01 * rep);
                out.add(result(c, BenchResult.TARGET_ONLY, 0, rep, base, Double.NaN));
                out.add(result(c, BenchResult.CONTROL, 0, rep, base * 0.99, Double.NaN));
                out.add(result(c, BenchResult.FIXED, 2, rep, base * (1.5 - 0.08 * Math.log(c) / Math.log(2)), 0.7));
                out.add(result(c, BenchResult.FIXED, 4, rep, base * (1.7 - 0.15 * Math.log(c) / Math.log(2)), 0.7));
                out.add(result(c, BenchResult.ADAPTIVE, 4, rep, base * Math.max(1.0, 1.6 - 0.1 * Math.log(c)), 0.7));
            }
        }
        return out;
    }

    private static BenchResult result(int c, String mode, int k, int rep, double tps, double acc) {
        double gen = 64_000 / (tps / c);
        return new BenchResult(c, mode, k, k, rep, 2 * c, 128L * c, 128.0 * c / tps, tps, gen, gen * 0.95, gen * 1.2,
                gen / 20, gen / 15, acc, Double.isNaN(acc) ? Double.NaN : 0.8, k == 0 ? 1 : 2.4, k, 100, k == 0 ? 0 : 60,
                0, 0.1 + 0.02 * c, 1.1 + 0.05 * c, Double.NaN, k == 0 ? Double.NaN : 1.8 - 0.05 * c);
    }

    static String benchHtml() {
        return BenchReport.html("specdec bench (test data)", "synthetic numbers, not a measurement", benchResults());
    }

    /**
     * A run output: 20 rows on two executors, 3 of them errors; row i has acceptance rate
     * (i % 10) / 10 and accepted counts at 3 draft positions.
     */
    static Dataset<Row> runOutput(SparkSession spark) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            boolean error = i >= ROWS - ERROR_ROWS;
            int drafted = 10;
            int accepted = i % 10;
            List<Object> v = new ArrayList<>();
            v.add("row-" + i);                                      // id
            v.add(error ? null : "text " + i);                       // generated_text
            v.add(error ? "error" : "length");                       // finish_reason
            v.add(error ? "prompt is empty" : null);                 // error
            v.add(5);                                                // prompt_tokens
            v.add(error ? 0 : 16);                                   // generated_tokens
            v.add(error ? 0 : 6);                                    // spec_steps
            v.add(error ? 0 : drafted);                              // draft_tokens
            v.add(error ? 0 : accepted);                             // accepted_tokens
            v.add(error ? null : accepted / (double) drafted);       // acceptance_rate
            v.add(error ? null : 16 / 6.0);                          // mean_acceptance_length
            v.add(error ? new int[0] : new int[] {Math.min(accepted, 6), Math.max(0, accepted - 6), 0});
            v.add(3.0);                                              // k
            v.add(error ? null : 10.0 + i);                          // ttft_ms
            v.add(error ? null : 100.0 + 10 * i);                    // latency_ms
            v.add(1.0);                                              // queue_ms
            v.add(error ? null : 160.0);                             // tokens_per_s
            v.add(2.0);                                              // draft_ms
            v.add(8.0);                                              // target_ms
            v.add("cpu");                                            // device
            v.add(i % 2 == 0 ? "1" : "2");                           // executor_id
            v.add(0);                                                // task_attempt
            v.add("target@abc");                                     // target_model
            v.add("self:2");                                         // draft_model
            v.add(0.0);                                              // temperature
            v.add(1.0);                                              // top_p
            v.add(0L);                                               // seed
            rows.add(RowFactory.create(v.stream().map(ReportFixtures::scalaArray).toArray()));
        }
        return spark.createDataFrame(rows, OutputSchema.jobSchema(false));
    }

    private static Object scalaArray(Object o) {
        if (o instanceof int[] a) {
            List<Integer> l = new ArrayList<>();
            for (int x : a) {
                l.add(x);
            }
            return scala.jdk.javaapi.CollectionConverters.asScala(l).toSeq();
        }
        return o;
    }

    /** Points (elements with data-point) inside the figure with {@code data-chart=id}; -1 if absent. */
    static int points(String html, String chartId) {
        int start = html.indexOf("data-chart=\"" + chartId + "\"");
        if (start < 0) {
            return -1;
        }
        int end = html.indexOf("</figure>", start);
        String fig = html.substring(start, end);
        Matcher m = Pattern.compile("data-point=\"1\"").matcher(fig);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Body rows of the table with {@code data-table=id}; -1 if absent. */
    static int tableRows(String html, String tableId) {
        int start = html.indexOf("data-table=\"" + tableId + "\"");
        if (start < 0) {
            return -1;
        }
        String t = html.substring(start, html.indexOf("</table>", start));
        return t.split("<tr>", -1).length - 2; // minus the text before the first row and the header row
    }
}
