package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.udf.executor.ExecutorEngines;

/** {@code run} writes its HTML report beside the output, from the rows it wrote (the shipped pair). */
class RunReportJobTest {
    static SparkSession spark;
    static Path model;
    static Path draft;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        model = LocalSpark.target();
        draft = LocalSpark.draft();
        spark = LocalSpark.start();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        ExecutorEngines.closeAll();
    }

    @Test
    void runWritesTheReportBesideTheOutput() throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.write(in, List.of("{\"id\": \"a\", \"prompt_token_ids\": [1, 20, 30]}",
                "{\"id\": \"b\", \"prompt_token_ids\": [1, 40]}",
                "{\"id\": \"bad\", \"prompt_token_ids\": []}"));
        Map<String, Object> m = new HashMap<>();
        m.put("model.target", model.toString());
        m.put("model.draft", draft.toString());
        m.put("model.k", 3);
        // Fixed drafting: these tests check speculative statistics, not the switch (timed on a busy machine).
        m.put("model.draft_switch", false);
        m.put("model.threads", 2);
        m.put("input.path", in.toString());
        m.put("output.path", dir.resolve("out").toString());
        m.put("sampling.max_tokens", 8);
        m.put("job.max_error_fraction", 1.0);
        m.put("job.progress_interval_s", 0);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        JobSummary s = SpecdecJob.run(spark, JobConfig.of(m), new PrintStream(console, true, StandardCharsets.UTF_8));
        assertEquals(1, s.rowsError());
        Path report = dir.resolve("out.report.html");
        assertTrue(Files.isRegularFile(report), console.toString(StandardCharsets.UTF_8));
        String html = Files.readString(report);
        assertTrue(html.contains("Rows with errors: 1"));
        assertTrue(html.contains("data-chart=\"latency_cdf\""));
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("report.html"));
    }
}
