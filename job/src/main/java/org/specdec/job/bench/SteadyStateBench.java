package org.specdec.job.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.specdec.job.JobConfig;
import org.specdec.job.JobConfigException;
import org.specdec.job.JobSummary;
import org.specdec.job.SpecdecJob;
import org.specdec.udf.executor.ExecutorEngines;
import org.specdec.util.Args;

/**
 * {@code specdecode steady-bench}: the batch job over many rows, to see whether its throughput
 * holds from the first row to the last. The prompts of the config's input (JSON lines) are
 * repeated with distinct ids up to {@code --rows}; the job runs as {@code run} would (local mode or
 * {@code --master}), and the rows are then cut into tenths in the order they finished: tokens/s
 * and time per target pass of each tenth, the executors' heap and RSS (from their heartbeats), CPU
 * use of the job and of other processes on this host, and a control workload timed in this JVM.
 * Prints the table and writes it with the job's summary into {@code --out}.
 */
public final class SteadyStateBench {

    static final int SHARES = 10;
    static final String USAGE = """
            usage: specdecode steady-bench --config FILE.yaml --rows N --out DIR [--set key=value ...] [--master URL]
              Repeats the config's input prompts (JSON lines) with distinct ids up to N rows into DIR/prompts.jsonl,
              runs the job on them (output DIR/output, overwritten), and writes DIR/steady-state.md with tokens/s
              per tenth of the rows, executor heap and RSS, host CPU use and a control workload.
            """;

    private SteadyStateBench() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args, System.out);
        } catch (JobConfigException | IllegalArgumentException e) {
            System.err.println("specdecode steady-bench: " + e.getMessage());
            System.err.print(USAGE);
            code = 2;
        }
        System.exit(code);
    }

    static int run(String[] args, PrintStream out) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.print(USAGE);
            return 0;
        }
        Args a = new Args(args, 0, Set.of("--config", "--out", "--rows", "--set"), Set.of());
        Path configFile = a.path("--config");
        Path dir = a.path("--out");
        long rows = a.getLong("--rows", 0);
        List<String> overrides = a.all("--set");
        if (configFile == null || dir == null || rows <= 0) {
            throw new IllegalArgumentException("--config, --rows (> 0) and --out are required");
        }
        JobConfig base = JobConfig.load(configFile, overrides);
        Path prompts = dir.resolve("prompts.jsonl");
        repeatPrompts(Path.of(base.get(JobConfig.INPUT_PATH)), rows, prompts);
        Map<String, Object> bench = new HashMap<>();
        bench.put(JobConfig.INPUT_PATH.key(), prompts.toString());
        bench.put(JobConfig.INPUT_FORMAT.key(), "jsonl");
        bench.put(JobConfig.INPUT_ID_COLUMN.key(), "id");
        bench.put(JobConfig.INPUT_LIMIT.key(), 0);
        bench.put(JobConfig.OUTPUT_PATH.key(), dir.resolve("output").toString());
        bench.put(JobConfig.OUTPUT_MODE.key(), "overwrite");
        bench.put("spark.executor.processTreeMetrics.enabled", "true"); // executors report their RSS
        JobConfig conf = base.with(bench);

        SparkSession spark = SpecdecJob.session(conf);
        ExecutorMemorySamples memory = new ExecutorMemorySamples();
        spark.sparkContext().addSparkListener(memory);
        JobSummary summary;
        List<HostCpuSampler.Sample> host;
        List<ControlProbe.Sample> probe;
        try (HostCpuSampler cpu = new HostCpuSampler(spark.sparkContext().applicationId());
             ControlProbe control = new ControlProbe()) {
            summary = SpecdecJob.run(spark, conf, out);
            host = cpu.samples();
            probe = control.samples();
        } finally {
            spark.stop();
            ExecutorEngines.closeAll();
        }
        List<SteadyStateTable.Share> shares = SteadyStateTable.shares(summary.statistics().timeline(), SHARES,
                memory.samples(), host, probe);
        String table = SteadyStateTable.markdown(shares, memory.samples());
        out.println();
        out.print(table);
        write(dir, conf, rows, summary, table);
        return summary.exitCode();
    }

    /** The input's JSON lines, repeated in order with ids steady-0000000, steady-0000001, ... */
    static void repeatPrompts(Path input, long rows, Path to) {
        ObjectMapper json = new ObjectMapper();
        List<ObjectNode> lines = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(input, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    lines.add((ObjectNode) json.readTree(line));
                }
            }
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("input.path " + input + " must be JSON lines with one object per line: "
                    + e.getMessage());
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("input.path " + input + " has no rows");
        }
        try {
            Files.createDirectories(to.getParent());
            try (BufferedWriter w = Files.newBufferedWriter(to, StandardCharsets.UTF_8)) {
                for (long i = 0; i < rows; i++) {
                    ObjectNode row = lines.get((int) (i % lines.size())).deepCopy();
                    row.put("id", String.format("steady-%07d", i));
                    w.write(json.writeValueAsString(row));
                    w.newLine();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write " + to + ": " + e.getMessage());
        }
    }

    private static void write(Path dir, JobConfig conf, long rows, JobSummary summary, String table) {
        String text = "# Steady state: " + rows + " rows\n\nmodel " + conf.get(JobConfig.MODEL_TARGET) + " / "
                + conf.get(JobConfig.MODEL_DRAFT) + ", max_tokens " + conf.get(JobConfig.SAMPLING_MAX_TOKENS)
                + ", partitions " + conf.get(JobConfig.JOB_PARTITIONS) + ", spark " + conf.sparkConf() + "\n\n"
                + table + "\n```\n" + summary.render() + "```\n";
        try {
            Files.writeString(dir.resolve("steady-state.md"), text);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write into --out " + dir + ": " + e.getMessage());
        }
    }
}
