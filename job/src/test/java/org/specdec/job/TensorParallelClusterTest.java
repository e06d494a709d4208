package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.sampling.SamplingParams;
import org.specdec.testing.Fixtures;
import org.specdec.udf.LocalSpark;

/**
 * Tensor parallelism on a real standalone cluster on 127.0.0.1: one Worker with 2 cores and 2
 * gpus (addresses 0 and 1), one executor holding both, and tasks that each hold both
 * ({@code spark.task.resource.gpu.amount=2}), so with {@code model.tensor_parallel: auto} the
 * executor's engine splits the shipped SOTU target over them: one tensor-parallel group of 2 CPU
 * shards ({@code model.device: cpu}, this build has no CUDA tensor parallelism). Evidence: the
 * executor's own log and the Parquet output, compared with the same rows decoded whole in this JVM.
 */
class TensorParallelClusterTest {

    static final String GROUP = "specdec: tensor-parallel group of 2 over gpu addresses 0,1 (backend cpu)";
    static final Pattern TASK = Pattern.compile(
            "specdec: task stage \\d+ partition (\\d+) attempt \\d+ on executor (\\S+): assigned gpu (\\S+), device (\\S+)");
    static final Pattern WARN_OR_ERROR = Pattern.compile("\\b(WARN|ERROR|FATAL)\\b|^\\s+at |Exception");
    static final Path LOG_SETTINGS = Fixtures.repo().resolve("conf/log4j2.properties");
    static final Path TARGET = Fixtures.repo().resolve("models/sotu-target");
    static final Path DRAFT = Fixtures.repo().resolve("models/sotu-draft");
    static final Path PROMPTS = Fixtures.repo().resolve("conf/sotu-prompts.jsonl");
    /** Few rows: the point is the group and its output, and the cluster's start-up is most of the time. */
    static final int ROWS = 6;
    static final int MAX_TOKENS = 24;

    @TempDir
    static Path root;

    static StandaloneCluster cluster;
    static SparkSession spark;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = StandaloneCluster.start(root.resolve("cluster"), 1, 2, 2, 1024);
        spark = LocalSpark.start(); // reads the cluster's output here
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        if (spark != null) {
            spark.stop();
        }
        StandaloneCluster.keepLogs(root); // -Dspecdec.cluster.keep=DIR
    }

    @Test
    void anExecutorWithTwoGpusHostsOneGroupOverBothAndItsGreedyOutputIsTheWholeModels() throws Exception {
        Path dir = Files.createDirectories(root.resolve("run"));
        Path out = dir.resolve("out");
        Path config = dir.resolve("job.yaml");
        Files.writeString(config, """
                model:
                  target: %s
                  draft: %s
                  k: 4
                  draft_switch: false  # draft every step: the speculative path runs split
                  max_batch: 4
                  device: cpu          # tasks still get both gpus from Spark
                  tensor_parallel: auto
                input:
                  path: %s
                  limit: %d
                sampling:
                  max_tokens: %d
                job:
                  partitions: 2
                  max_error_fraction: 0.0
                  progress_interval_s: 0
                output:
                  path: %s
                  mode: overwrite
                  token_ids: true
                """.formatted(TARGET, DRAFT, PROMPTS, ROWS, MAX_TOKENS, out));
        String executorOpts = String.join(" ", StandaloneCluster.JAVA_OPTIONS) + " -Dlog4j2.configurationFile="
                + LOG_SETTINGS;
        Path log = dir.resolve("driver.log");
        Process driver = cluster.submit(List.of("--class", SpecdecJob.class.getName(),
                "--conf", "spark.executor.resource.gpu.amount=2",
                "--conf", "spark.task.resource.gpu.amount=2",
                "--conf", "spark.executor.cores=2",
                "--conf", "spark.executor.memory=640m",
                "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.speculation=false",
                "--conf", "spark.executor.extraJavaOptions=" + executorOpts,
                cluster.appJar().toString(), "--config", config.toString()), log);
        if (!driver.waitFor(180, TimeUnit.SECONDS)) {
            driver.destroyForcibly();
            fail("driver did not finish in 180 s:\n" + StandaloneCluster.tail(log));
        }
        assertEquals(0, driver.exitValue(), "driver exit code; log:\n" + StandaloneCluster.tail(log));

        // One executor: it logged the group once, loaded the pair once, and every task held both gpus.
        List<Path> executors = executorLogs();
        assertEquals(1, executors.size(), "executor logs: " + executors);
        List<String> lines = Files.readAllLines(executors.get(0), StandardCharsets.UTF_8);
        assertEquals(1, lines.stream().filter(l -> l.contains(GROUP)).count(), "the group line in " + executors);
        assertEquals(1, lines.stream().filter(l -> l.contains("specdec: loaded model pair")).count());
        List<Matcher> tasks = lines.stream().map(TASK::matcher).filter(Matcher::find).toList();
        assertEquals(2, tasks.size(), "one task per partition");
        for (Matcher t : tasks) {
            assertEquals("0,1", t.group(3), "the task's gpus");
            assertEquals("cpu", t.group(4));
        }
        int start = IntStream.range(0, lines.size()).filter(i -> lines.get(i).startsWith("=====")).findFirst()
                .orElse(-1) + 1;
        assertEquals(List.of(), lines.subList(start, lines.size()).stream()
                .filter(l -> WARN_OR_ERROR.matcher(l).find()).toList(), "warnings or errors in " + executors);

        // Every input row once, none an error, each as the whole model decodes it greedily.
        Map<String, Row> byId = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            assertNull(byId.put(r.getAs("id"), r), "id " + r.getAs("id") + " twice");
        }
        Map<String, GenerationResult> whole = wholeModel();
        assertEquals(whole.keySet(), byId.keySet(), "every input row exactly once");
        for (Map.Entry<String, GenerationResult> e : whole.entrySet()) {
            Row r = byId.get(e.getKey());
            assertNull(r.getAs("error"), e.getKey());
            assertEquals("cpu", r.getAs("device"));
            List<Integer> ids = r.getList(r.fieldIndex("generated_token_ids"));
            assertArrayEquals(e.getValue().generatedTokenIds(), ids.stream().mapToInt(Integer::intValue).toArray(),
                    "row " + e.getKey() + ": tensor parallel 2 on the cluster against the whole model");
            assertEquals(e.getValue().generatedText(), r.getAs("generated_text"), e.getKey());
        }

        JsonNode summary = new ObjectMapper().readTree(dir.resolve("out.summary.json").toFile());
        assertEquals(1, summary.get("executors").asLong());
        JsonNode assignment = summary.get("device_assignments").get(0);
        assertEquals("0,1", assignment.get("gpu").asText());
        assertEquals(ROWS, assignment.get("rows").asLong());
    }

    /** The executors' stderr files of the one app this test ran. */
    static List<Path> executorLogs() throws Exception {
        List<Path> logs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(cluster.workDir(0))) {
            files.filter(p -> p.getFileName().toString().equals("stderr")).sorted().forEach(logs::add);
        }
        assertFalse(logs.isEmpty(), "no executor log under " + cluster.workDir(0));
        return logs;
    }

    /** The same rows, the same pair and settings, decoded by the whole (unsplit) target in this JVM. */
    static Map<String, GenerationResult> wholeModel() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<GenerationRequest> requests = new ArrayList<>();
        for (String line : Files.readAllLines(PROMPTS).subList(0, ROWS)) {
            JsonNode n = json.readTree(line);
            requests.add(GenerationRequest.ofText(n.get("id").asText(), n.get("prompt").asText(),
                    SamplingParams.greedy(MAX_TOKENS)));
        }
        EngineSettings whole = EngineSettings.builder().target(TARGET).draft(DRAFT).k(4).draftSwitch(false)
                .maxBatch(4).device("cpu").threads(1).tensorParallel(1).build();
        Map<String, GenerationResult> out = new HashMap<>();
        try (GenerationEngine e = Engines.open(whole)) {
            for (GenerationResult r : e.generateAll(requests)) {
                assertNull(r.error(), r.id());
                out.put(r.id(), r);
            }
        }
        return out;
    }
}
