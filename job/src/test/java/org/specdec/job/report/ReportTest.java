package org.specdec.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.job.bench.SpecdecBench;
import org.specdec.synthetic.ModelPreset;
import org.specdec.synthetic.SyntheticModelMaker;
import org.specdec.tensor.DType;

/**
 * The bench and run reports on small, known inputs: the files exist, every chart has the
 * expected number of points, the tables the expected rows, and nothing refers outside the file.
 */
class ReportTest {
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("specdec-report-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    static void selfContained(String html) {
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertFalse(html.contains("<script"), "no scripts");
        assertFalse(html.matches("(?s).*(src|href)=\"(https?:)?//.*"), "no external resources");
        assertFalse(html.contains("<link"), "no linked stylesheets");
    }

    @Test
    void benchReportHasTheThreeArticleChartsWithBothCurvesAtEveryConcurrency() throws Exception {
        String html = ReportFixtures.benchHtml();
        Files.writeString(ReportFixtures.artifacts().resolve("bench-report.html"), html);
        selfContained(html);
        int levels = ReportFixtures.CONCURRENCY.length;
        // target-only, speculative (adaptive), and the two fixed k as dashed curves.
        for (String chart : List.of("tokens_per_s", "generation_time", "ttft")) {
            assertEquals(4 * levels, ReportFixtures.points(html, chart), chart);
        }
        assertEquals(3 * levels, ReportFixtures.points(html, "speedup"), "measured, predicted, 1.0");
        assertEquals(levels, ReportFixtures.tableRows(html, "summary"));
        assertEquals(5 * levels, ReportFixtures.tableRows(html, "detail"), "every mode incl. the A/A control");
        assertTrue(html.indexOf("data-table=\"summary\"") < html.indexOf("data-chart="), "summary table on top");
    }

    @Test
    void runReportFromARunsStatisticsHasEveryChartAndTheErrorRows() throws Exception {
        String html = RunReport.html("specdec run (test data)", "synthetic statistics",
                ReportFixtures.runStatistics(), List.of(List.of("rows", "20")), 10.0);
        Files.writeString(ReportFixtures.artifacts().resolve("run-report.html"), html);
        selfContained(html);
        assertEquals(RunReport.ACCEPTANCE_BINS, ReportFixtures.points(html, "acceptance_distribution"));
        assertEquals(ReportFixtures.POSITIONS, ReportFixtures.points(html, "acceptance_by_position"));
        assertEquals(2 * RunReport.CDF_POINTS, ReportFixtures.points(html, "latency_cdf"), "latency and TTFT");
        assertEquals(2, ReportFixtures.points(html, "tokens_per_executor"));
        assertEquals(ReportFixtures.ERROR_ROWS, ReportFixtures.tableRows(html, "errors"));
        assertEquals(1, ReportFixtures.tableRows(html, "error_causes"));
        assertTrue(html.contains("Rows with errors: 3"));
        // Executor "1" generated 9 rows x 16 tokens over 10 s wall (rows 0..16 without errors, even ids).
        assertTrue(html.contains("<title>1: 14.4</title>"), "executor 1 tokens/s");
        // 20 rows finished 0.5 s apart: 10 one-second windows.
        assertEquals(10, ReportFixtures.points(html, "tokens_over_time"));
    }

    @Test
    void benchOnATinyPairWritesParquetReportAndMarkdown() throws Exception {
        SyntheticModelMaker maker = new SyntheticModelMaker();
        Path target = dir.resolve("target");
        maker.write(ModelPreset.TINY, 5, DType.F32, target, 0);
        maker.writeDraft(SyntheticModelMaker.DraftSpec.parse("layers:2"), ModelPreset.TINY, 5, DType.F32, target,
                dir.resolve("draft"), 0);
        Path out = dir.resolve("bench");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        int code = SpecdecBench.run(new String[] {"--target", target.toString(), "--draft",
            dir.resolve("draft").toString(), "--out", out.toString(), "--concurrency", "1,2", "--k", "2",
            "--max-tokens", "6", "--prompt-len", "4", "--min-rows", "2", "--threads", "2"},
                new PrintStream(console, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, code, console.toString(StandardCharsets.UTF_8));
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
        assertTrue(Files.isRegularFile(out.resolve("results.md")));
        List<Row> rows = spark.read().parquet(out.resolve("results.parquet").toString()).collectAsList();
        assertEquals(2 * 4, rows.size(), "2 levels x (target-only, control, k=2, adaptive)");
        String html = Files.readString(out.resolve("report.html"));
        assertEquals(3 * 2, ReportFixtures.points(html, "tokens_per_s"));
        for (Row r : rows) {
            assertTrue(r.<Double>getAs("tokens_per_s") > 0);
            assertTrue(r.<Double>getAs("gen_time_p95_ms") >= r.<Double>getAs("gen_time_p50_ms"));
        }
    }
}
