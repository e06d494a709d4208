package org.specdec.job.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.specdec.job.bench.BenchReport;
import org.specdec.bench.BenchResult;
import org.specdec.engine.GenerationResult;
import org.specdec.job.stats.RunStatistics;

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
     * The statistics of a run: 20 rows on two executors, 3 of them errors; row i has acceptance
     * rate (i % 10) / 10 and accepted counts at 3 draft positions.
     */
    static RunStatistics runStatistics() {
        RunStatistics stats = new RunStatistics();
        for (int i = 0; i < ROWS; i++) {
            String id = "row-" + i;
            int drafted = 10;
            int accepted = i % 10;
            GenerationResult r = i >= ROWS - ERROR_ROWS
                    ? GenerationResult.error(id, "prompt is empty", 5, "cpu", "target@abc", "self:2", 0.0, 1.0, 0L)
                    : new GenerationResult(id, "text " + i, null, "length", null, 5, 16, 6, drafted, accepted,
                            accepted / (double) drafted, 16 / 6.0,
                            new int[] {Math.min(accepted, 6), Math.max(0, accepted - 6), 0}, 3.0, 10.0 + i,
                            100.0 + 10 * i, 1.0, 160.0, 2.0, 8.0, "cpu", "target@abc", "self:2", 0.0, 1.0, 0L);
            stats.add(id, r, i % 2 == 0 ? "1" : "2", null, 1_700_000_000_000L + 500L * i);
        }
        return stats;
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
