package org.specdec.job;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.logging.log4j.Level;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.specdec.job.stats.DeviceAssignments;
import org.specdec.job.stats.QuantileSketch;
import org.specdec.udf.executor.OutputSchema;

/**
 * The job in local mode on the shipped trained pair (models/sotu-target with models/sotu-draft),
 * fed token-id prompts, with generated_token_ids written.
 */
class SpecdecJobLocalTest extends ShippedPairJobTest {

    /** A jsonl input: id, prompt_token_ids (BOS + a few tokens), optional max_tokens. */
    static Path input(Path dir, String name, int rows, Map<Integer, String> overrides) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            String line = overrides.get(i);
            final int row = i;
            if (line == null) {
                String tokens = IntStream.range(0, 1 + i % 5).mapToObj(t -> Integer.toString(20 + (row * 7 + t * 13) % 400))
                        .collect(Collectors.joining(","));
                line = "{\"id\": \"row-" + i + "\", \"prompt_token_ids\": [1," + tokens + "]"
                        + (i % 3 == 0 ? ", \"max_tokens\": " + (4 + i) : "") + "}";
            }
            lines.add(line);
        }
        Path f = dir.resolve(name);
        Files.write(f, lines);
        return f;
    }

    JobConfig config(Path in, Path out, String... more) {
        String[] settings = Stream.concat(Stream.of("sampling.max_tokens=12", "output.token_ids=true",
                "job.partitions=3"), Stream.of(more)).toArray(String[]::new);
        return LocalJob.config(model, draft, in, out, settings);
    }

    static JobSummary run(JobConfig c) {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        JobSummary s = SpecdecJob.run(spark, c, new PrintStream(console, true, StandardCharsets.UTF_8));
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("specdec summary"));
        return s;
    }

    @Test
    void rowsInEqualRowsOutWithTheExactSchemaAndConsistentStatistics() throws Exception {
        Path in = input(dir, "prompts.jsonl", 14, Map.of());
        Path out = dir.resolve("out");
        JobSummary s = run(config(in, out));
        assertEquals(14, s.rowsGenerated());
        assertEquals(0, s.rowsError());
        assertEquals(0, s.exitCode());
        assertTrue(Files.isRegularFile(dir.resolve("out.summary.json")));

        List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
        StructType schema = spark.read().parquet(out.toString()).schema();
        // output.token_ids: the optional generated_token_ids column is there, in its place.
        assertEquals(OutputSchema.jobSchema(true).catalogString(), schema.catalogString());
        assertEquals("struct<id:string,generated_text:string,generated_token_ids:array<int>,finish_reason:string,"
                + "error:string,prompt_tokens:int,generated_tokens:int,spec_steps:int,draft_tokens:int,"
                + "accepted_tokens:int,acceptance_rate:double,mean_acceptance_length:double,"
                + "acceptance_by_position:array<int>,k:double,ttft_ms:double,latency_ms:double,queue_ms:double,"
                + "tokens_per_s:double,draft_ms:double,target_ms:double,device:string,executor_id:string,"
                + "task_attempt:int,target_model:string,draft_model:string,temperature:double,top_p:double,seed:bigint>",
                schema.catalogString());
        Set<String> ids = new HashSet<>();
        long draftTotal = 0;
        for (Row r : rows) {
            String id = r.getAs("id");
            assertTrue(ids.add(id), "duplicate " + id);
            int n = Integer.parseInt(id.substring(4));
            int maxTokens = n % 3 == 0 ? 4 + n : 12;
            assertNull(r.getAs("error"), id);
            int generated = r.<Integer>getAs("generated_tokens");
            int draft = r.<Integer>getAs("draft_tokens");
            int accepted = r.<Integer>getAs("accepted_tokens");
            draftTotal += draft;
            assertTrue(generated <= maxTokens, id + " generated " + generated + " > " + maxTokens);
            assertTrue(generated >= 1, id);
            assertEquals(generated, r.<scala.collection.Seq<Integer>>getAs("generated_token_ids").size(), id);
            assertTrue(accepted <= draft, id);
            List<Integer> byPosition = r.getList(r.fieldIndex("acceptance_by_position"));
            assertEquals(accepted, byPosition.stream().mapToInt(Integer::intValue).sum(), id);
            assertTrue(r.<Double>getAs("latency_ms") >= r.<Double>getAs("ttft_ms"), id);
            assertTrue(List.of("stop", "length").contains(r.<String>getAs("finish_reason")), id);
            assertEquals("cpu", r.getAs("device"));
            assertEquals("driver", r.getAs("executor_id"));
            assertEquals(0, r.<Integer>getAs("task_attempt"));
            assertTrue(r.<String>getAs("draft_model").startsWith("sotu-draft@"), r.<String>getAs("draft_model"));
            assertTrue(r.<String>getAs("target_model").startsWith("sotu-target@"), r.<String>getAs("target_model"));
        }
        assertEquals(IntStream.range(0, 14).mapToObj(i -> "row-" + i).collect(Collectors.toSet()), ids);
        assertTrue(draftTotal > 0, "the draft proposed tokens");
        assertSummaryDescribes(s, spark.read().parquet(out.toString()));
        assertEquals(1, s.executors());
        assertEquals(1, s.devices(), "local mode: the driver's CPU");
        assertEquals(List.of(new DeviceAssignments.Assignment("driver", null, "cpu", 14, s.generatedTokens())),
                s.deviceAssignments());
    }

    /**
     * The summary, gathered by the tasks while they wrote, equals what the rows it describes say
     * when read back (latency quantiles within the sketch's accuracy of Spark's exact percentile).
     */
    static void assertSummaryDescribes(JobSummary s, Dataset<Row> rows) {
        Row a = rows.agg(count(lit(1)), sum(when(col("error").isNotNull(), 1).otherwise(0)), sum("prompt_tokens"),
                sum("generated_tokens"), sum("spec_steps"), sum("draft_tokens"), sum("accepted_tokens"),
                expr("percentile(CASE WHEN error IS NULL THEN latency_ms END, 0.5)"),
                avg(when(col("error").isNull(), col("ttft_ms"))), countDistinct(col("executor_id"))).first();
        assertEquals(a.getLong(0), s.rowsGenerated());
        assertEquals(a.getLong(1), s.rowsError());
        assertEquals(a.getLong(2), s.promptTokens());
        assertEquals(a.getLong(3), s.generatedTokens());
        assertEquals(a.getLong(4), s.specSteps());
        assertEquals(a.getLong(5), s.draftTokens());
        assertEquals(a.getLong(6), s.acceptedTokens());
        if (!a.isNullAt(7)) {
            // Spark's percentile interpolates between neighbours; the summary's is a row's value (nearest rank).
            List<Double> latencies = rows.where(col("error").isNull()).select("latency_ms").as(Encoders.DOUBLE())
                    .collectAsList().stream().sorted().toList();
            double nearest = latencies.get((int) Math.ceil(0.5 * latencies.size()) - 1);
            assertEquals(nearest, s.latencyP50Ms(), nearest * QuantileSketch.RELATIVE_ACCURACY + 1e-9);
            assertEquals(a.getDouble(8), s.ttftMeanMs(), 1e-6);
        }
        assertEquals(a.getLong(9), s.executors());
    }

    @Test
    void badRowsBecomeErrorRowsAndTheJobSucceeds() throws Exception {
        String tooLong = IntStream.range(0, 300).mapToObj(i -> "5").collect(Collectors.joining(","));
        Path in = input(dir, "bad.jsonl", 8, Map.of(
                1, "{\"id\": \"null-prompt\", \"prompt_token_ids\": null}",
                2, "{\"id\": \"empty-prompt\", \"prompt_token_ids\": []}",
                3, "{\"id\": \"too-long\", \"prompt_token_ids\": [1," + tooLong + "]}",
                4, "{\"id\": \"negative-max\", \"prompt_token_ids\": [1, 5, 6], \"max_tokens\": -1}"));
        Path out = dir.resolve("out");
        JobSummary s = run(config(in, out, "job.max_error_fraction=1.0"));
        assertEquals(8, s.rowsGenerated());
        assertEquals(4, s.rowsError());
        assertEquals(0, s.exitCode());
        assertSummaryDescribes(s, spark.read().parquet(out.toString()));
        Map<String, Row> byId = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            byId.put(r.getAs("id"), r);
        }
        assertEquals(8, byId.size());
        for (String bad : List.of("null-prompt", "empty-prompt", "too-long", "negative-max")) {
            Row r = byId.get(bad);
            assertNotNull(r.getAs("error"), bad);
            assertEquals("error", r.getAs("finish_reason"), bad);
            assertNull(r.getAs("generated_text"), bad);
        }
        assertNull(byId.get("row-0").getAs("error"));
    }

    @Test
    void errorFractionAboveTheBudgetGivesExitCode3AfterWritingEveryRow() throws Exception {
        Path in = input(dir, "bad.jsonl", 4, Map.of(0, "{\"id\": \"empty\", \"prompt_token_ids\": []}"));
        Path out = dir.resolve("out");
        JobSummary s = run(config(in, out, "job.max_error_fraction=0.1"));
        assertEquals(JobSummary.EXIT_ERROR_BUDGET, s.exitCode());
        assertEquals(4, spark.read().parquet(out.toString()).count());
    }

    @Test
    void missingInputColumnIsAStartupErrorNamingItAndTheAvailableColumns() throws Exception {
        Path in = dir.resolve("other.jsonl");
        Files.writeString(in, "{\"key\": \"a\", \"text_ids\": [1, 2]}\n");
        JobConfigException e = assertThrows(JobConfigException.class,
                () -> run(config(in, dir.resolve("out"))));
        assertTrue(e.getMessage().contains("'prompt'") && e.getMessage().contains("prompt_token_ids"), e.getMessage());
        assertTrue(e.getMessage().contains("key") && e.getMessage().contains("text_ids"), e.getMessage());
        JobConfigException e2 = assertThrows(JobConfigException.class,
                () -> run(config(in, dir.resolve("out"), "input.prompt_token_ids_column=text_ids", "input.id_column=uid")));
        assertTrue(e2.getMessage().contains("'uid'") && e2.getMessage().contains("input.id_column"), e2.getMessage());
    }

    @Test
    void unreadableModelIsAStartupErrorNamingTheDirectory() throws Exception {
        Path bad = dir.resolve("broken-model");
        Files.createDirectories(bad);
        Files.writeString(bad.resolve("config.json"), "{ not json");
        Path in = input(dir, "p.jsonl", 2, Map.of());
        Map<String, Object> m = new HashMap<>();
        m.put("model.target", bad.toString());
        m.put("input.path", in.toString());
        m.put("output.path", dir.resolve("out").toString());
        JobConfigException e = assertThrows(JobConfigException.class, () -> run(JobConfig.of(m)));
        assertTrue(e.getMessage().contains("broken-model"), e.getMessage());

        m.put("model.target", dir.resolve("nowhere").toString());
        JobConfigException missing = assertThrows(JobConfigException.class, () -> run(JobConfig.of(m)));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }

    @Test
    void resumeGeneratesOnlyTheMissingIds() throws Exception {
        Path first = input(dir, "first.jsonl", 6, Map.of());
        Path all = input(dir, "all.jsonl", 10, Map.of());
        Path out = dir.resolve("out");
        assertEquals(6, run(config(first, out)).rowsGenerated()); // the "interrupted" run
        java.util.Set<String> before = spark.read().parquet(out.toString()).select("id").as(Encoders.STRING())
                .collectAsList().stream().collect(Collectors.toSet());
        JobSummary resumed = run(config(all, out, "output.mode=resume"));
        assertEquals(10, resumed.rowsInput());
        assertEquals(6, resumed.rowsSkipped());
        assertEquals(4, resumed.rowsGenerated());
        // Statistics of this run's 4 rows only, not of the 6 the output already held.
        Dataset<Row> written = spark.read().parquet(out.toString());
        assertSummaryDescribes(resumed, written.where(not(col("id").isin(before.toArray()))));
        List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
        assertEquals(10, rows.size());
        assertEquals(10, rows.stream().map(r -> r.<String>getAs("id")).distinct().count());
        JobSummary again = run(config(all, out, "output.mode=resume"));
        assertEquals(0, again.rowsGenerated());
        assertEquals(10, spark.read().parquet(out.toString()).count());
    }

    @Test
    void theTasksThatReadTheCachedInputReleaseItsBlocks() throws Exception {
        Path first = input(dir, "first.jsonl", 4, Map.of());
        Path all = input(dir, "all.jsonl", 8, Map.of());
        Path out = dir.resolve("out");
        try (LogCapture executor = LogCapture.of("org.apache.spark.executor.Executor", Level.INFO)) {
            run(config(first, out));
            run(config(all, out, "output.mode=resume")); // also counts the checkpointed rows still to do
            List<String> messages = executor.messages();
            assertTrue(messages.stream().anyMatch(m -> m.startsWith("Finished task")), "the capture sees the "
                    + "executor's info lines: " + messages);
            assertEquals(List.of(), messages.stream().filter(m -> m.contains("block locks were not released")).toList());
        }
    }

    @Test
    void existingOutputNeedsAnExplicitMode() throws Exception {
        Path in = input(dir, "p.jsonl", 2, Map.of());
        Path out = dir.resolve("out");
        run(config(in, out));
        JobConfigException e = assertThrows(JobConfigException.class, () -> run(config(in, out)));
        assertTrue(e.getMessage().contains("output.mode=overwrite"), e.getMessage());
    }

    @Test
    void derivedIdsAreFileNameAndRowPosition() throws Exception {
        Path in = dir.resolve("lines.csv");
        Files.writeString(in, "prompt_token_ids\n\"[1, 5]\"\n\"[1, 6, 7]\"\n\"[1, 8]\"\n");
        Path out = dir.resolve("out");
        run(config(in, out));
        Set<String> ids = new HashSet<>();
        spark.read().parquet(out.toString()).collectAsList().forEach(r -> ids.add(r.getAs("id")));
        assertEquals(Set.of("lines.csv:0", "lines.csv:1", "lines.csv:2"), ids);
    }

    @Test
    void sqlFunctionReturnsTheSameGenerationsAsTheJob() throws Exception {
        Path in = input(dir, "prompts.jsonl", 5, Map.of());
        Path out = dir.resolve("out");
        run(config(in, out)); // also sets spark.specdec.* to the job's pair
        Map<String, List<Integer>> job = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            job.put(r.getAs("id"), r.getList(r.fieldIndex("generated_token_ids")));
        }
        spark.read().json(in.toString()).createOrReplaceTempView("prompts");
        List<Row> sql = spark.sql("SELECT id, spec_generate(prompt_token_ids, coalesce(max_tokens, 12)) AS g "
                + "FROM prompts").collectAsList();
        assertEquals(5, sql.size());
        for (Row r : sql) {
            Row g = r.getStruct(1);
            assertNull(g.getAs("error"));
            assertEquals(job.get(r.<String>getAs("id")), g.getList(g.fieldIndex("generated_token_ids")),
                    "greedy generation of " + r.getAs("id"));
        }
    }
}
