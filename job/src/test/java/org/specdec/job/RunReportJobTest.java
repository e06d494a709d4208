package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code run} writes its HTML report beside the output, from the rows it wrote (the shipped pair). */
class RunReportJobTest extends ShippedPairJobTest {

    @Test
    void runWritesTheReportBesideTheOutput() throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.write(in, List.of("{\"id\": \"a\", \"prompt_token_ids\": [1, 20, 30]}",
                "{\"id\": \"b\", \"prompt_token_ids\": [1, 40]}",
                "{\"id\": \"bad\", \"prompt_token_ids\": []}"));
        JobConfig c = LocalJob.config(model, draft, in, dir.resolve("out"), "sampling.max_tokens=8",
                "job.max_error_fraction=1.0");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        JobSummary s = SpecdecJob.run(spark, c, new PrintStream(console, true, StandardCharsets.UTF_8));
        assertEquals(1, s.rowsError());
        Path report = dir.resolve("out.report.html");
        assertTrue(Files.isRegularFile(report), console.toString(StandardCharsets.UTF_8));
        String html = Files.readString(report);
        assertTrue(html.contains("Rows with errors: 1"));
        assertTrue(html.contains("data-chart=\"latency_cdf\""));
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("report.html"));
    }
}
