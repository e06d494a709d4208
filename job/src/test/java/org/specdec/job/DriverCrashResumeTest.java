package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.testing.SyntheticPair;

/**
 * Exactly once across driver crashes: a local-mode job in its own JVM is killed with SIGKILL at
 * points of Spark's commit protocol, then resumed, again and again, on the same output:
 * <ol>
 *   <li>early: a task has created its part file, nothing is committed (the output folder then
 *       holds only {@code _temporary});</li>
 *   <li>during the job commit: 2 of the committed tasks' files have been moved into the output,
 *       the rest are still in {@code _temporary};</li>
 *   <li>mid-job, on an output that has committed rows: 2 tasks have committed, the next one
 *       stops before its commit;</li>
 * </ol>
 * and a last resume finishes. After every kill and at the end, an independent reader (parquet-mr
 * on the part files, not Spark) checks that no id is there twice; at the end every input id is
 * there exactly once and the last run's summary counts what it did.
 */
class DriverCrashResumeTest {

    static final int ROWS = 240;
    static final int PARTITIONS = 6;
    static final long KILL_TIMEOUT_S = 120;

    @TempDir
    Path dir;

    @Test
    void killedDriversResumeToEveryIdExactlyOnce() throws Exception {
        long t0 = System.nanoTime();
        Path target = dir.resolve("models/tiny-target");
        Path draft = dir.resolve("models/tiny-draft-l2");
        SyntheticPair.make("tiny", 5, target, draft);
        Path input = dir.resolve("prompts.jsonl");
        List<String> words = List.of("the", "cat", "old", "man", "said", "water", "is", "a", "little", "boy");
        Files.write(input, IntStream.range(0, ROWS).mapToObj(i -> "{\"id\": \"r" + i + "\", \"prompt\": \""
                + words.get(i % 10) + " " + words.get((i / 10) % 10) + " " + words.get((i * 7) % 10) + "\"}").toList());
        Set<String> inputIds = IntStream.range(0, ROWS).mapToObj(i -> "r" + i).collect(Collectors.toSet());
        Path out = dir.resolve("out");

        // 1. Early: nothing committed; the output folder is only _temporary.
        killAt(target, draft, input, out, "task-file", 1);
        assertEquals(List.of(), committedIds(out), "nothing is committed yet");
        assertTrue(Files.isDirectory(out.resolve("_temporary")), "the dead run left its staging folder");

        // 2. During the job commit: 2 files moved into the output, the other tasks' files still staged.
        killAt(target, draft, input, out, "job-commit:2", 2);
        List<String> afterJobCommitKill = committedIds(out);
        assertNoDuplicates(afterJobCommitKill);
        assertEquals(2, dataFiles(out).size(), "two files were moved before the kill");
        assertTrue(committedTasks(out) >= PARTITIONS - 2, "committed tasks left in _temporary: " + committedTasks(out));

        // 3. Mid-job on an output with committed rows: 2 task commits done, the third stopped.
        killAt(target, draft, input, out, "task-commit:2", 3);
        List<String> afterTaskCommitKill = committedIds(out);
        assertEquals(new TreeSet<>(afterJobCommitKill), new TreeSet<>(afterTaskCommitKill),
                "a job that did not commit adds no rows");
        assertEquals(2, committedTasks(out), "the killed run's committed tasks are left in _temporary");

        // 4. The last resume finishes: every id once, none of the dead runs' leftovers committed.
        int before = afterTaskCommitKill.size();
        long lastStart = System.nanoTime();
        Process last = driver(target, draft, input, out, null, 4);
        assertTrue(last.waitFor(KILL_TIMEOUT_S, TimeUnit.SECONDS), "the last resume did not finish");
        assertEquals(0, last.exitValue(), log(4));
        System.err.printf("DriverCrashResumeTest: run 4 finished in %.1f s%n", (System.nanoTime() - lastStart) / 1e9);
        List<String> ids = committedIds(out);
        assertNoDuplicates(ids);
        assertEquals(ROWS, ids.size());
        assertEquals(inputIds, Set.copyOf(ids));
        assertFalse(Files.exists(out.resolve("_temporary")));
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("out.summary.json").toFile());
        assertEquals(ROWS, summary.get("rows_input").asLong());
        assertEquals(before, summary.get("rows_skipped").asLong(), "rows already committed");
        assertEquals(ROWS - before, summary.get("rows_generated").asLong(), "rows this run generated");
        assertTrue(log(4).contains("discarded the uncommitted files of an unfinished run"), log(4));
        System.err.printf("DriverCrashResumeTest: 3 kills + resume, %d rows, %.1f s%n", ROWS,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Runs a driver that stops at {@code point}, waits for it to get there, and kills it with SIGKILL. */
    private void killAt(Path target, Path draft, Path input, Path out, String point, int run) throws Exception {
        long t0 = System.nanoTime();
        Path marker = dir.resolve("crash-" + run);
        Process p = driver(target, draft, input, out, point, run);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(KILL_TIMEOUT_S);
        while (!Files.exists(marker)) {
            if (!p.isAlive()) {
                fail("run " + run + " exited (" + p.exitValue() + ") before reaching " + point + ":\n" + log(run));
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                fail("run " + run + " did not reach " + point + " in " + KILL_TIMEOUT_S + " s:\n" + log(run));
            }
            Thread.sleep(50);
        }
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no abort, no cleanup
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        List<String> ids = committedIds(out);
        assertNoDuplicates(ids);
        System.err.printf("DriverCrashResumeTest: run %d killed at %s after %.1f s (%s); %d committed rows%n", run,
                point, (System.nanoTime() - t0) / 1e9, Files.readString(marker).strip(), ids.size());
    }

    /** A local-mode driver JVM running the job in resume mode, through SpecdecJob's own main. */
    private Process driver(Path target, Path draft, Path input, Path out, String crashPoint, int run)
            throws IOException {
        StringBuilder yaml = new StringBuilder();
        yaml.append("model: {target: '").append(target).append("', draft: '").append(draft)
                .append("', k: 2, max_batch: 8, threads: 1, draft_switch: false}\n");
        yaml.append("input: {path: '").append(input).append("'}\n");
        yaml.append("sampling: {max_tokens: 6}\n");
        yaml.append("job: {partitions: ").append(PARTITIONS).append(", progress_interval_s: 0}\n");
        yaml.append("output: {path: '").append(out).append("', mode: resume, report_path: none}\n");
        yaml.append("spark:\n  master: local[2]\n  ui.enabled: false\n  driver.host: 127.0.0.1\n")
                .append("  driver.bindAddress: 127.0.0.1\n  sql.shuffle.partitions: 2\n");
        if (crashPoint != null) {
            yaml.append("  hadoop.fs.file.impl: ").append(CrashPointFileSystem.class.getName()).append('\n')
                    .append("  hadoop.fs.file.impl.disable.cache: true\n")
                    .append("  hadoop.specdec.test.crash.at: '").append(crashPoint).append("'\n")
                    .append("  hadoop.specdec.test.crash.marker: '").append(dir.resolve("crash-" + run)).append("'\n");
        }
        Path config = dir.resolve("run-" + run + ".yaml");
        Files.writeString(config, yaml.toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx768m");
        cmd.add("-XX:+UseSerialGC"); // a quicker start on 2 cores
        cmd.addAll(StandaloneCluster.JAVA_OPTIONS);
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, StandaloneCluster.classPath()));
        cmd.add(SpecdecJob.class.getName());
        cmd.add("--config");
        cmd.add(config.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("run-" + run + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("HADOOP_"));
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    private String log(int run) {
        try {
            return Files.readString(dir.resolve("run-" + run + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void assertNoDuplicates(List<String> ids) {
        Map<String, Integer> counts = new HashMap<>();
        ids.forEach(id -> counts.merge(id, 1, Integer::sum));
        List<String> twice = counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        assertEquals(List.of(), twice, twice.size() + " ids more than once among " + ids.size() + " rows");
    }

    /** The output's committed data files: what any Parquet reader reads (names not starting with _ or .). */
    private static List<Path> dataFiles(Path out) throws IOException {
        if (!Files.isDirectory(out)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(p -> Files.isRegularFile(p) && !p.getFileName().toString().startsWith("_")
                    && !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }

    private static long committedTasks(Path out) throws IOException {
        Path staged = out.resolve("_temporary/0");
        if (!Files.isDirectory(staged)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(staged)) {
            return s.filter(p -> p.getFileName().toString().startsWith("task_")).count();
        }
    }

    /** Every id in the committed files, read with parquet-mr's own record reader (no Spark). */
    static List<String> committedIds(Path out) throws IOException {
        List<String> ids = new ArrayList<>();
        for (Path file : dataFiles(out)) {
            try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
                MessageType schema = reader.getFooter().getFileMetaData().getSchema();
                MessageType idOnly = new MessageType(schema.getName(), schema.getType("id"));
                reader.setRequestedSchema(idOnly);
                PageReadStore rowGroup;
                while ((rowGroup = reader.readNextRowGroup()) != null) {
                    RecordReader<Group> records = new ColumnIOFactory().getColumnIO(idOnly)
                            .getRecordReader(rowGroup, new GroupRecordConverter(idOnly));
                    for (long i = 0; i < rowGroup.getRowCount(); i++) {
                        Group g = records.read();
                        ids.add(g.getFieldRepetitionCount("id") == 0 ? null : g.getString("id", 0));
                    }
                }
            }
        }
        return ids;
    }
}
