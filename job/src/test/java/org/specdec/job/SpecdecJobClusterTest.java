package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.testing.SyntheticPair;
import org.specdec.udf.LocalSpark;

/**
 * The job on a real multi-process Spark standalone cluster on 127.0.0.1: a Master and two Workers
 * (separate JVMs, Spark home laid out from this build's jars), each Worker announcing one gpu
 * (addresses 0 and 1), the job submitted through SparkSubmit with one gpu per executor and per task.
 * This build has no CUDA backend, so the job runs with {@code model.device: cpu}: tasks still get
 * their GPU from Spark (logged per task by the executor), the rows' device column says cpu.
 *
 * <p>Evidence comes from the executors' own logs (worker work dir {@code <app>/<executor>/stderr}):
 * one "task ... assigned gpu N" line per task, one "loaded model pair" line per engine load, one
 * "done" line per finished partition; and from the Parquet output.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpecdecJobClusterTest {

    static final Pattern TASK = Pattern.compile(
            "specdec: task stage (\\d+) partition (\\d+) attempt (\\d+) on executor (\\S+): assigned gpu (\\S+), device (\\S+)");
    static final Pattern DONE = Pattern.compile(
            "specdec: task stage (\\d+) partition (\\d+) attempt (\\d+) on executor (\\S+): done, (\\d+) rows");
    static final String LOADED = "specdec: loaded model pair";
    /** The log settings the launcher gives the driver and the executors (tests run in job/). */
    static final Path LOG_SETTINGS = Path.of("..", "conf", "log4j2.properties").toAbsolutePath().normalize();
    /** A log line at WARN or above, in the project's layout or Spark's ("WARNING: Using incubator ..." is the JVM's). */
    static final Pattern WARN_OR_ERROR = Pattern.compile("\\b(WARN|ERROR|FATAL)\\b|^\\s+at |Exception");
    /** Tokens per row in the kill test: 0.4 to 1 s per 8-row partition on a warm 1-core executor. */
    static final int MAX_TOKENS_KILL = 300;

    @TempDir
    static Path root;

    static StandaloneCluster cluster;
    static Path target;
    static Path draft;
    static SparkSession spark;

    static final long T0 = System.nanoTime();

    /** Progress on the test's stderr: where the minutes go on a 2-core machine. */
    static void note(String what) {
        System.err.printf(java.util.Locale.ROOT, "[cluster test %6.1f s] %s%n", (System.nanoTime() - T0) / 1e9, what);
    }

    /** The clean run of {@link #twoExecutorsEachPinnedToItsOwnGpuLoadThePairOnceAndWriteEveryRow}. */
    static Submitted cleanRun;
    static Path cleanRunDir;

    @BeforeAll
    static void startCluster() throws Exception {
        assertTrue(Files.isRegularFile(LOG_SETTINGS), "no " + LOG_SETTINGS);
        target = root.resolve("models/tiny-target");
        draft = root.resolve("models/tiny-draft-l2");
        SyntheticPair.make("tiny", 11, target, draft);
        note("synthetic pair made");
        cluster = StandaloneCluster.start(root.resolve("cluster"), 2, 1024);
        note("master and 2 workers registered at " + cluster.masterUrl());
        spark = LocalSpark.start(); // reads the cluster's output here
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (spark != null) {
            spark.stop();
        }
        StandaloneCluster.keepLogs(root);
    }

    /** What one executor JVM logged. */
    record ExecutorLog(int worker, String executorId, Path stderr, List<Matcher> tasks, List<Matcher> done,
                       long loads) {
        Set<String> gpus() {
            return tasks.stream().map(m -> m.group(5)).collect(Collectors.toSet());
        }

        Set<Integer> donePartitions() {
            return done.stream().map(m -> Integer.parseInt(m.group(2))).collect(Collectors.toSet());
        }

        Set<Integer> startedPartitions() {
            return tasks.stream().map(m -> Integer.parseInt(m.group(2))).collect(Collectors.toSet());
        }
    }

    static List<ExecutorLog> executorLogs(String appId) throws IOException {
        List<ExecutorLog> logs = new ArrayList<>();
        for (int w = 0; w < cluster.workers(); w++) {
            Path app = cluster.workDir(w).resolve(appId);
            if (!Files.isDirectory(app)) {
                continue;
            }
            try (Stream<Path> dirs = Files.list(app)) {
                for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory).sorted()::iterator) {
                    Path stderr = d.resolve("stderr");
                    List<String> lines = Files.exists(stderr) ? Files.readAllLines(stderr, StandardCharsets.UTF_8)
                            : List.of();
                    List<Matcher> tasks = new ArrayList<>();
                    List<Matcher> done = new ArrayList<>();
                    long loads = 0;
                    for (String l : lines) {
                        Matcher t = TASK.matcher(l);
                        if (t.find()) {
                            tasks.add(t);
                        }
                        Matcher f = DONE.matcher(l);
                        if (f.find()) {
                            done.add(f);
                        }
                        if (l.contains(LOADED)) {
                            loads++;
                        }
                    }
                    logs.add(new ExecutorLog(w, d.getFileName().toString(), stderr, tasks, done, loads));
                }
            }
        }
        return logs;
    }

    static Path writeConfig(Path dir, Path input, Path output, int partitions, int maxTokens) throws IOException {
        String yaml = """
                model:
                  target: %s
                  draft: %s
                  k: 3
                  max_batch: 4
                  threads: 1
                  device: cpu          # no CUDA backend in this build; tasks still get a gpu from Spark
                input:
                  path: %s
                sampling:
                  max_tokens: %d
                  ignore_eos: true     # every row costs the same: the kill lands mid-job
                job:
                  partitions: %d
                  max_error_fraction: 0.0
                  progress_interval_s: 0
                output:
                  path: %s
                  mode: overwrite
                """.formatted(target, draft, input, maxTokens, partitions, output);
        Path f = dir.resolve("job.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    static Path writePrompts(Path dir, int rows) throws IOException {
        ObjectMapper json = new ObjectMapper();
        String[] words = {"the", "old", "man", "said", "water", "is", "a", "little", "boy", "and", "his", "father",
                "house", "near", "river", "children", "play", "sun", "dog", "school"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            final int row = i;
            String prompt = IntStream.range(0, 2 + i % 6).mapToObj(t -> words[(row * 7 + t * 3) % words.length])
                    .collect(Collectors.joining(" "));
            lines.add(json.writeValueAsString(Map.of("id", "r" + i, "prompt", prompt)));
        }
        Path f = dir.resolve("prompts.jsonl");
        Files.write(f, lines);
        return f;
    }

    /** SparkSubmit arguments for the job: one gpu per executor and per task, loopback only. */
    static List<String> submitArgs(Path config) {
        // As the launcher starts executors: the shared JVM options and the project's log settings.
        String executorOpts = String.join(" ", StandaloneCluster.JAVA_OPTIONS) + " -Dlog4j2.configurationFile="
                + LOG_SETTINGS;
        return List.of("--class", SpecdecJob.class.getName(),
                "--conf", "spark.executor.resource.gpu.amount=1",
                "--conf", "spark.task.resource.gpu.amount=1",
                "--conf", "spark.executor.cores=1",
                "--conf", "spark.executor.memory=640m",
                "--conf", "spark.cores.max=2",
                "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.speculation=false",
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=60s",
                "--conf", "spark.executor.extraJavaOptions=" + executorOpts,
                cluster.appJar().toString(), "--config", config.toString());
    }

    /** Submits, returns the new app's id once its driver runs, and the driver process. */
    record Submitted(Process driver, Path log, String appId) {
    }

    static Submitted submit(Path dir, Path config) throws Exception {
        Set<String> before = cluster.appIds();
        Path log = dir.resolve("driver.log");
        Process driver = cluster.submit(submitArgs(config), log);
        StandaloneCluster.waitForLine(log, "Connected to Spark cluster with app ID", Duration.ofSeconds(90), driver);
        Matcher m = Pattern.compile("Connected to Spark cluster with app ID (\\S+)").matcher(Files.readString(log));
        assertTrue(m.find());
        String appId = m.group(1);
        assertFalse(before.contains(appId));
        note("driver connected: " + appId);
        return new Submitted(driver, log, appId);
    }

    static int waitFor(Submitted s, Duration timeout) throws Exception {
        if (!s.driver().waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            s.driver().destroyForcibly();
            fail("driver did not finish in " + timeout + ":\n" + StandaloneCluster.tail(s.log()));
        }
        note("driver exited with " + s.driver().exitValue());
        return s.driver().exitValue();
    }

    /** The output's rows by id; fails on a duplicate id. */
    static Map<String, Row> output(Path out) {
        Map<String, Row> byId = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            String id = r.getAs("id");
            if (byId.put(id, r) != null) {
                fail("id " + id + " appears more than once in the output");
            }
        }
        return byId;
    }

    static Set<String> ids(int rows) {
        return IntStream.range(0, rows).mapToObj(i -> "r" + i).collect(Collectors.toSet());
    }

    @Test
    @Order(1)
    void twoExecutorsEachPinnedToItsOwnGpuLoadThePairOnceAndWriteEveryRow() throws Exception {
        Path dir = Files.createDirectories(root.resolve("run1"));
        int rows = 24;
        Path out = dir.resolve("out");
        Submitted s = submit(dir, writeConfig(dir, writePrompts(dir, rows), out, 6, 8));
        cleanRun = s;
        cleanRunDir = dir;
        int code = waitFor(s, Duration.ofSeconds(150));
        assertEquals(0, code, "driver exit code; log:\n" + StandaloneCluster.tail(s.log()));
        assertTrue(Files.readString(s.log()).contains("specdec summary"), StandaloneCluster.tail(s.log()));

        List<ExecutorLog> logs = executorLogs(s.appId());
        List<ExecutorLog> ran = logs.stream().filter(l -> !l.tasks().isEmpty()).toList();
        assertEquals(2, ran.size(), "executors that ran generation tasks: " + logs);
        Map<String, String> gpuOf = new HashMap<>();
        for (ExecutorLog l : ran) {
            // Worker i announced gpu address i: every task of its executor was given exactly that one.
            assertEquals(Set.of(Integer.toString(l.worker())), l.gpus(), "gpus of executor " + l.executorId());
            assertEquals(1, l.loads(), "model pair loads in executor " + l.executorId() + " (" + l.stderr() + ")");
            for (Matcher t : l.tasks()) {
                assertEquals(l.executorId(), t.group(4));
                assertEquals("cpu", t.group(6), "backend device under model.device=cpu");
            }
            gpuOf.put(l.executorId(), l.gpus().iterator().next());
        }
        assertEquals(Set.of("0", "1"), new HashSet<>(gpuOf.values()), "each executor pinned to a different gpu");

        Map<String, Row> byId = output(out);
        assertEquals(ids(rows), byId.keySet(), "every input row exactly once");
        Map<String, Integer> rowsPerExecutor = new TreeMap<>();
        for (Row r : byId.values()) {
            assertNull(r.getAs("error"), r.<String>getAs("id"));
            String executor = r.getAs("executor_id");
            assertTrue(gpuOf.containsKey(executor), "row " + r.getAs("id") + " records executor " + executor
                    + ", one of " + gpuOf.keySet());
            assertEquals("cpu", r.getAs("device"));
            rowsPerExecutor.merge(executor, 1, Integer::sum);
        }
        assertEquals(2, rowsPerExecutor.size(), "rows from both executors: " + rowsPerExecutor);
        int doneRows = ran.stream().flatMap(l -> l.done().stream()).mapToInt(m -> Integer.parseInt(m.group(5))).sum();
        assertEquals(rows, doneRows, "rows decoded by the executors (no task ran twice)");

        // The summary names the two executors, the gpu Spark gave each, and the backend that decoded.
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("out.summary.json").toFile());
        assertEquals(2, summary.get("executors").asLong());
        assertEquals(2, summary.get("devices").asLong(), "gpu 0 and gpu 1");
        assertEquals(List.of("cpu"), List.of(summary.get("backends").get(0).asText()));
        assertEquals(1, summary.get("backends").size());
        Map<String, String> summaryGpuOf = new HashMap<>();
        for (JsonNode a : summary.get("device_assignments")) {
            assertEquals("cpu", a.get("backend").asText());
            summaryGpuOf.put(a.get("executor_id").asText(), a.get("gpu").asText());
            assertEquals(rowsPerExecutor.get(a.get("executor_id").asText()).longValue(), a.get("rows").asLong());
        }
        assertEquals(gpuOf, summaryGpuOf, "each executor with the gpu its tasks were given");
        List<String> names = gpuOf.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> "gpu " + e.getValue() + " on executor " + e.getKey()).toList();
        assertTrue(Files.readString(s.log()).contains("devices             2: " + String.join(", ", names)
                + "; backend cpu"), StandaloneCluster.tail(s.log()));
    }

    @Test
    @Order(2)
    void executorLogsOfACleanRunHoldNoWarningOrError() throws Exception {
        Assumptions.assumeTrue(cleanRun != null && cleanRun.driver().exitValue() == 0, "the clean run did not finish");
        List<ExecutorLog> logs = executorLogs(cleanRun.appId());
        assertEquals(2, logs.size(), "executor logs of the clean run: " + logs);
        for (ExecutorLog l : logs) {
            List<String> lines = Files.readAllLines(l.stderr(), StandardCharsets.UTF_8);
            // The Worker writes the executor's command line above a row of '='; the executor's own output follows.
            int start = IntStream.range(0, lines.size()).filter(i -> lines.get(i).startsWith("=====")).findFirst()
                    .orElse(-1) + 1;
            List<String> bad = lines.subList(start, lines.size()).stream()
                    .filter(line -> WARN_OR_ERROR.matcher(line).find()).toList();
            assertEquals(List.of(), bad, "warnings or errors in " + l.stderr());
            assertFalse(l.tasks().isEmpty(), "the executor's own info lines are there: " + l.stderr());
        }
    }

    @Test
    @Order(3)
    void executorKilledMidJobStillGivesEveryRowExactlyOnce() throws Exception {
        Path dir = Files.createDirectories(root.resolve("run2"));
        int rows = 80;
        int partitions = 10;
        Path out = dir.resolve("out");
        Submitted s = submit(dir, writeConfig(dir, writePrompts(dir, rows), out, partitions, MAX_TOKENS_KILL));

        // Wait until an executor has committed a partition and is in the middle of another one.
        ExecutorLog victim = null;
        int victimPartition = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (victim == null) {
            if (System.nanoTime() > deadline || !s.driver().isAlive()) {
                fail("no executor was mid-partition after finishing one (driver alive: " + s.driver().isAlive()
                        + "):\n" + StandaloneCluster.tail(s.log()));
            }
            for (ExecutorLog l : executorLogs(s.appId())) {
                Set<Integer> running = new HashSet<>(l.startedPartitions());
                running.removeAll(l.donePartitions());
                if (!l.done().isEmpty() && !running.isEmpty() && StandaloneCluster.executorPid(l.stderr()).isPresent()) {
                    victim = l;
                    victimPartition = running.iterator().next();
                    break;
                }
            }
            if (victim == null) {
                Thread.sleep(50);
            }
        }
        long pid = StandaloneCluster.executorPid(victim.stderr()).orElseThrow();
        assertTrue(cluster.owns(pid), "pid " + pid + " is an executor of this test's cluster");
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        assertTrue(h.isPresent() && h.get().info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"),
                "pid " + pid + " is a CoarseGrainedExecutorBackend: " + h.map(p -> p.info().commandLine()));
        h.get().destroyForcibly(); // SIGKILL: no shutdown hooks, no goodbye to the driver
        h.get().onExit().get(30, TimeUnit.SECONDS);
        note("killed executor " + victim.executorId() + " (pid " + pid + ", worker " + victim.worker()
                + ") while it decoded partition " + victimPartition);

        int code = waitFor(s, Duration.ofSeconds(180));
        assertEquals(0, code, "driver exit code; log:\n" + StandaloneCluster.tail(s.log()));

        Map<String, Row> byId = output(out);
        assertEquals(ids(rows), byId.keySet(), "every input row exactly once after the kill");
        for (Row r : byId.values()) {
            assertNull(r.getAs("error"), r.<String>getAs("id"));
            assertEquals(MAX_TOKENS_KILL, r.<Integer>getAs("generated_tokens"), r.<String>getAs("id"));
        }

        List<ExecutorLog> logs = executorLogs(s.appId());
        String killed = victim.executorId();
        final int lost = victimPartition;
        ExecutorLog killedLog = logs.stream().filter(l -> l.executorId().equals(killed)).findFirst().orElseThrow();
        assertFalse(killedLog.donePartitions().contains(lost), "partition " + lost + " never finished on the killed "
                + "executor " + killed);
        // What the killed executor finished before it died was committed and is kept, not redone.
        long keptRows = byId.values().stream().filter(r -> killed.equals(r.getAs("executor_id"))).count();
        int killedDoneRows = killedLog.done().stream().mapToInt(m -> Integer.parseInt(m.group(5))).sum();
        assertTrue(killedDoneRows > 0);
        assertEquals(killedDoneRows, keptRows, "rows of the killed executor's finished partitions in the output");
        List<ExecutorLog> redid = logs.stream()
                .filter(l -> !l.executorId().equals(killed) && l.donePartitions().contains(lost)).toList();
        assertFalse(redid.isEmpty(), "partition " + lost + " was redone on another executor: " + logs);
        note("partition " + lost + " redone by executor(s) " + redid.stream().map(ExecutorLog::executorId).toList()
                + "; executors of the app: " + logs.stream().map(l -> l.executorId() + "@worker" + l.worker()
                + " tasks=" + l.tasks().size() + " done=" + l.done().size()).toList());
        for (ExecutorLog l : logs) {
            if (!l.tasks().isEmpty()) {
                assertEquals(1, l.loads(), "model pair loads in executor " + l.executorId());
            }
        }
        Set<Integer> partitionsDone = logs.stream().flatMap(l -> l.donePartitions().stream()).collect(Collectors.toSet());
        assertEquals(IntStream.range(0, partitions).boxed().collect(Collectors.toSet()), partitionsDone);
    }
}
