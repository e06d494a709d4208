package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Input that is wrong row by row never fails the job: each bad row becomes an error row that
 * names the problem, keeps a stable id, and counts in the summary and the error budget. Input
 * that is wrong as a whole (repeated ids, speculative execution asked for) is refused at start-up.
 * Local mode on a seeded synthetic pair with a word-level tokenizer.
 */
class BadInputJobTest extends SyntheticPairJobTest {

    private JobConfig config(Path in, Path out, String... more) {
        String[] settings = Stream.concat(Stream.of("model.k=2", "sampling.max_tokens=6", "job.partitions=2",
                "job.max_error_fraction=1.0"), Stream.of(more)).toArray(String[]::new);
        return LocalJob.config(target, draft, in, out, settings);
    }

    private static JobSummary run(JobConfig c) {
        return SpecdecJob.run(spark, c, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private Map<String, Row> output(Path out) {
        Map<String, Row> byId = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            assertNull(byId.put(r.getAs("id"), r), "id twice: " + r.getAs("id"));
        }
        return byId;
    }

    @Test
    void perRowValuesThatDoNotParseBecomeErrorRowsNamingTheColumnAndTheValue() throws Exception {
        Path in = dir.resolve("values.jsonl");
        Files.write(in, List.of(
                "{\"id\": \"good\", \"prompt\": \"the cat\", \"max_tokens\": 3}",
                "{\"id\": \"lots\", \"prompt\": \"the cat\", \"max_tokens\": \"lots\"}",
                "{\"id\": \"fraction\", \"prompt\": \"the cat\", \"max_tokens\": 2.5}",
                "{\"id\": \"hot\", \"prompt\": \"the cat\", \"temperature\": \"hot\"}",
                "{\"id\": \"seed\", \"prompt\": \"the cat\", \"seed\": [1, 2]}",
                "{\"id\": \"whole\", \"prompt\": \"the dog\", \"max_tokens\": 4.0, \"seed\": \"7\"}"));
        Path out = dir.resolve("out");
        JobSummary s = run(config(in, out));
        assertEquals(6, s.rowsGenerated());
        assertEquals(4, s.rowsError());
        Map<String, Row> rows = output(out);
        assertNull(rows.get("good").getAs("error"));
        assertNull(rows.get("whole").getAs("error"), "4.0 is an integer");
        assertEquals(7L, rows.get("whole").<Long>getAs("seed"));
        assertEquals("max_tokens 'lots' is not an integer (input column 'max_tokens')", rows.get("lots").getAs("error"));
        assertEquals("max_tokens '2.5' is not an integer (input column 'max_tokens')",
                rows.get("fraction").getAs("error"));
        assertEquals("temperature 'hot' is not a number (input column 'temperature')", rows.get("hot").getAs("error"));
        assertTrue(rows.get("seed").<String>getAs("error").startsWith("seed '[1, 2]' is not an integer"),
                rows.get("seed").<String>getAs("error"));
        assertEquals("error", rows.get("lots").getAs("finish_reason"));

        Path csv = dir.resolve("values.csv");
        Files.writeString(csv, "id,prompt,max_tokens\na,the cat,abc\nb,the dog,2\n");
        Path csvOut = dir.resolve("csv-out");
        JobSummary c = run(config(csv, csvOut));
        assertEquals(1, c.rowsError());
        assertEquals("max_tokens 'abc' is not an integer (input column 'max_tokens')",
                output(csvOut).get("a").getAs("error"));
        assertNull(output(csvOut).get("b").getAs("error"));
    }

    @Test
    void undecodableLinesAndNullIdsBecomeErrorRowsIdentifiedByTheirPositionAndAreNotRetried() throws Exception {
        Path in = dir.resolve("lines.jsonl");
        byte[] badUtf8 = "{\"id\": \"utf\", \"prompt\": \"caf\u00e9 \"}".getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write("{\"id\": \"a\", \"prompt\": \"the cat\"}\n".getBytes(StandardCharsets.UTF_8));
        file.write("{\"id\": null, \"prompt\": \"the dog\"}\n".getBytes(StandardCharsets.UTF_8));
        file.write("this line is not json\n".getBytes(StandardCharsets.UTF_8));
        file.write(badUtf8);
        file.write('\n');
        file.write("[1, 2]\n".getBytes(StandardCharsets.UTF_8));
        file.write("{\"id\": \"b\", \"prompt\": \"a little boy\"}\n".getBytes(StandardCharsets.UTF_8));
        Files.write(in, file.toByteArray());
        Path out = dir.resolve("out");
        JobSummary s = run(config(in, out, "job.max_error_fraction=0.5"));
        assertEquals(6, s.rowsGenerated());
        assertEquals(4, s.rowsError(), "every bad line counts");
        assertEquals(JobSummary.EXIT_ERROR_BUDGET, s.exitCode(), "4 of 6 is over the 0.5 budget");
        Map<String, Row> rows = output(out);
        assertEquals(java.util.Set.of("a", "lines.jsonl:1", "lines.jsonl:2", "lines.jsonl:3", "lines.jsonl:4", "b"),
                rows.keySet());
        assertEquals("id is null (input column 'id'); the row's id is its file and position instead",
                rows.get("lines.jsonl:1").getAs("error"));
        assertEquals("line is not a JSON object: 'this line is not json'", rows.get("lines.jsonl:2").getAs("error"));
        assertTrue(rows.get("lines.jsonl:3").<String>getAs("error").startsWith("line is not valid UTF-8: "),
                rows.get("lines.jsonl:3").<String>getAs("error"));
        assertEquals("line is not a JSON object: '[1, 2]'", rows.get("lines.jsonl:4").getAs("error"));
        for (String bad : List.of("lines.jsonl:1", "lines.jsonl:2", "lines.jsonl:3", "lines.jsonl:4")) {
            assertTrue(!rows.get(bad).<String>getAs("error").contains("prompt is null"), bad);
        }

        JobSummary again = run(config(in, out, "output.mode=resume"));
        assertEquals(0, again.rowsGenerated(), "error rows have stable ids, so resume does not redo them");
        assertEquals(6, again.rowsSkipped());
        assertEquals(6, spark.read().parquet(out.toString()).count());
    }

    @Test
    void repeatedIdsAreAStartupErrorNamingAnExampleAndTheCountUnlessFirstIsChosen() throws Exception {
        Path in = dir.resolve("dups.jsonl");
        Files.write(in, List.of(
                "{\"id\": \"x\", \"prompt\": \"the cat\"}",
                "{\"id\": \"y\", \"prompt\": \"the dog\"}",
                "{\"id\": \"x\", \"prompt\": \"the second x\"}",
                "{\"id\": \"z\", \"prompt\": \"water is\"}",
                "{\"id\": \"x\", \"prompt\": \"the third x\"}",
                "{\"id\": \"z\", \"prompt\": \"the second z\"}"));
        Path out = dir.resolve("out");
        JobConfigException e = assertThrows(JobConfigException.class, () -> run(config(in, out)));
        assertTrue(e.getMessage().contains("2 ids occur more than once (3 extra rows), e.g. 'x' (3 rows)")
                && e.getMessage().contains("input.duplicate_ids=first"), e.getMessage());
        assertTrue(!Files.exists(out), "nothing written");

        JobSummary s = run(config(in, out, "input.duplicate_ids=first", "output.token_ids=true"));
        assertEquals(3, s.rowsInput());
        assertEquals(3, s.rowsGenerated());
        Map<String, Row> rows = output(out);
        assertEquals(java.util.Set.of("x", "y", "z"), rows.keySet());
        assertEquals(3, rows.get("x").<Integer>getAs("prompt_tokens"), "the first x ('the cat', BOS + 2 words)");
    }

    @Test
    void latencyPercentilesAndMeanTtftCountOnlyDecodedRows() throws Exception {
        Path in = dir.resolve("half.jsonl");
        Files.write(in, List.of(
                "{\"id\": \"e1\", \"prompt\": \"\"}",
                "{\"id\": \"e2\", \"prompt\": \"\"}",
                "{\"id\": \"e3\", \"prompt\": null}",
                "{\"id\": \"ok1\", \"prompt\": \"the cat\"}",
                "{\"id\": \"ok2\", \"prompt\": \"the dog\"}"));
        JobSummary s = run(config(in, dir.resolve("out")));
        assertEquals(3, s.rowsError());
        assertTrue(s.latencyP50Ms() > 0, "p50 of the decoded rows, not of error rows' 0 ms: " + s.latencyP50Ms());
        assertTrue(s.ttftMeanMs() > 0, "mean ttft " + s.ttftMeanMs());
    }

    @Test
    void speculativeExecutionInTheJobConfigIsRefusedNotOverridden() throws Exception {
        Path in = dir.resolve("p.jsonl");
        Files.write(in, List.of("{\"id\": \"a\", \"prompt\": \"the cat\"}"));
        JobConfig viaSet = JobConfig.load(null, List.of("model.target=" + target, "input.path=" + in,
                "output.path=" + dir.resolve("out"), "spark.speculation=true"));
        JobConfigException e = assertThrows(JobConfigException.class, () -> SpecdecJob.session(viaSet));
        assertTrue(e.getMessage().contains("spark.speculation=true") && e.getMessage().contains("job config"),
                e.getMessage());
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, "model: {target: " + target + "}\ninput: {path: " + in + "}\noutput: {path: "
                + dir.resolve("out") + "}\nspark:\n  speculation: true\n");
        JobConfig viaYaml = JobConfig.load(yaml, List.of());
        assertThrows(JobConfigException.class, () -> SpecdecJob.session(viaYaml));
        assertThrows(JobConfigException.class, () -> run(viaYaml));
        assertTrue(!Files.exists(dir.resolve("out")));
    }

    @Test
    void anOutputPathHoldingOnlyAnUnfinishedRunIsNamedAsSuch() throws Exception {
        Path in = dir.resolve("p.jsonl");
        Files.write(in, List.of("{\"id\": \"a\", \"prompt\": \"the cat\"}"));
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("_temporary/0/task_x"));
        JobConfigException e = assertThrows(JobConfigException.class, () -> run(config(in, out)));
        assertTrue(e.getMessage().contains("unfinished run") && e.getMessage().contains("output.mode=resume"),
                e.getMessage());
        JobSummary s = run(config(in, out, "output.mode=resume"));
        assertEquals(1, s.rowsGenerated());
        assertEquals(0, s.rowsSkipped());
        assertNotNull(output(out).get("a"));
    }

    @Test
    void chatPromptsAreRenderedAsDataNotAsTemplates() throws Exception {
        Path config = target.resolve("tokenizer_config.json");
        com.fasterxml.jackson.databind.node.ObjectNode tc = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile());
        tc.put("chat_template", "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }} {% endfor %}");
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(config.toFile(), tc);
        Path in = dir.resolve("chat.jsonl");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> prompts = List.of("49", "{{ 7*7 }}", "{# the cat #}",
                "{% for i in range(100000) %}{% for j in range(100000) %}the{% endfor %}{% endfor %}",
                "{{ raise_exception('from the data') }}");
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            lines.add(json.writeValueAsString(Map.of("id", "c" + i, "prompt", prompts.get(i))));
        }
        Files.write(in, lines);
        Path out = dir.resolve("out");
        JobSummary s = run(config(in, out, "prompt.template=chat", "prompt.template_time_limit_ms=500"));
        assertEquals(5, s.rowsGenerated());
        Map<String, Row> rows = output(out);
        for (int i = 0; i < prompts.size(); i++) {
            assertNull(rows.get("c" + i).getAs("error"), prompts.get(i));
        }
        assertTrue(rows.get("c1").<Integer>getAs("prompt_tokens") > rows.get("c0").<Integer>getAs("prompt_tokens"),
                "'{{ 7*7 }}' reaches the model as text, not as 49");
        assertTrue(rows.get("c3").<Integer>getAs("prompt_tokens") < 100, "the loop was not run");
    }
}
