package org.specdec.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.specdec.job.stats.DeviceAssignments;
import org.specdec.job.stats.RunStatistics;

/**
 * What a run did, from the statistics its tasks gathered about the rows they wrote (the output is
 * never read back): rows, errors, tokens, acceptance, tokens/s, wall time, where rows were decoded.
 * Printed on the console and written as JSON beside the output.
 *
 * @param rowsInput          input rows
 * @param rowsSkipped        rows already in the output (resume)
 * @param rowsGenerated      rows this run wrote
 * @param rowsError          of those, rows with error set
 * @param promptTokens       prompt tokens of this run's rows
 * @param generatedTokens    generated tokens of this run's rows
 * @param specSteps          target verification passes
 * @param draftTokens        draft tokens proposed
 * @param acceptedTokens     draft tokens accepted
 * @param latencyP50Ms       median latency of the rows without error (0 when there are none)
 * @param latencyP95Ms       95th percentile latency of the rows without error
 * @param ttftMeanMs         mean time to first token of the rows without error
 * @param executors          distinct executors that wrote rows
 * @param devices            devices that decoded rows: each GPU Spark assigned to an executor's tasks, and
 *                           the CPU of each executor whose tasks had no GPU (see {@link DeviceAssignments})
 * @param deviceAssignments  per executor: the assigned GPU (null if none), the backend that ran, rows, tokens
 * @param backends           the backends that decoded rows (cpu, cuda:N)
 * @param wallSeconds        wall time of the generation (input read to output committed)
 * @param maxErrorFraction   the error budget
 * @param exitCode           0, or 3 when the error fraction is above the budget
 * @param statistics         what the run's tasks gathered, everything above is computed from
 */
public record JobSummary(String output, long rowsInput, long rowsSkipped, long rowsGenerated, long rowsError,
                         long promptTokens, long generatedTokens, long specSteps, long draftTokens, long acceptedTokens,
                         double latencyP50Ms, double latencyP95Ms, double ttftMeanMs, long executors, long devices,
                         List<DeviceAssignments.Assignment> deviceAssignments, List<String> backends,
                         double wallSeconds, double maxErrorFraction, int exitCode, RunStatistics statistics) {

    /** Devices named one by one on the console and in the report; the JSON lists them all. */
    static final int DEVICES_NAMED = 16;

    public static final int EXIT_ERROR_BUDGET = 3;

    public double errorFraction() {
        return rowsGenerated == 0 ? 0 : rowsError / (double) rowsGenerated;
    }

    public Double acceptanceRate() {
        return draftTokens == 0 ? null : acceptedTokens / (double) draftTokens;
    }

    public Double meanAcceptanceLength() {
        return specSteps == 0 ? null : generatedTokens / (double) specSteps;
    }

    /**
     * Draft tokens per target pass: the draft length actually used, which the draft switch and
     * adaptive k keep at or below model.k (0 when nothing was drafted), or null without passes.
     */
    public Double meanK() {
        return specSteps == 0 ? null : draftTokens / (double) specSteps;
    }

    /** Generated tokens over the job's wall time: Spark's start-up, input and output work included. */
    public double tokensPerSecond() {
        return wallSeconds <= 0 ? 0 : generatedTokens / wallSeconds;
    }

    /** Seconds from the first task's start of decoding to the last row's finish (0 without rows). */
    public double decodeSeconds() {
        return statistics == null ? 0 : statistics.decodeSeconds();
    }

    /** Generated tokens over {@link #decodeSeconds()}: the rate the progress line shows. */
    public double decodeTokensPerSecond() {
        double s = decodeSeconds();
        return s <= 0 ? 0 : generatedTokens / s;
    }

    /** The summary of a run whose tasks gathered {@code stats} (this run's rows only). */
    static JobSummary of(RunStatistics stats, String output, long rowsInput, long rowsSkipped, double wallSeconds,
                         double maxErrorFraction) {
        long rows = stats.rows();
        long errors = stats.errorRows();
        double fraction = rows == 0 ? 0 : errors / (double) rows;
        DeviceAssignments d = stats.devices();
        return new JobSummary(output, rowsInput, rowsSkipped, rows, errors, stats.promptTokens(),
                stats.generatedTokens(), stats.specSteps(), stats.draftTokens(), stats.acceptedTokens(),
                orZero(stats.latencyMs().quantile(0.5)), orZero(stats.latencyMs().quantile(0.95)),
                orZero(stats.ttftMs().mean()), d.executors(), d.devices(), d.assignments(), d.backends(), wallSeconds,
                maxErrorFraction, fraction > maxErrorFraction ? EXIT_ERROR_BUDGET : 0, stats);
    }

    private static double orZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    /**
     * The devices in words: "gpu 0 on executor 1, gpu 1 on executor 0; backend cpu", or "executor
     * driver without a gpu; backend cpu" in local mode.
     */
    public String describeDevices() {
        List<String> names = new ArrayList<>();
        for (DeviceAssignments.Assignment a : deviceAssignments) {
            String name = a.gpu() == null ? "executor " + a.executorId() + " without a gpu"
                    : "gpu " + a.gpu() + " on executor " + a.executorId();
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        if (names.isEmpty()) {
            return "none (no rows decoded)";
        }
        String list = names.size() <= DEVICES_NAMED ? String.join(", ", names)
                : String.join(", ", names.subList(0, DEVICES_NAMED)) + " and " + (names.size() - DEVICES_NAMED)
                        + " more";
        return list + "; backend" + (backends.size() == 1 ? " " : "s ") + String.join(", ", backends);
    }

    /**
     * Both rates, named: over the job's wall time (what a scheduler sees), and over the time spent
     * decoding (what the progress line shows, without Spark's start-up, input and output work).
     */
    public String describeThroughput() {
        return String.format(java.util.Locale.ROOT,
                "%.1f tokens/s over the job's %.1f s wall time; %.1f tokens/s over %.1f s of decoding",
                tokensPerSecond(), wallSeconds, decodeTokensPerSecond(), decodeSeconds());
    }

    /** The console form. */
    public String render() {
        StringBuilder b = new StringBuilder();
        b.append("specdec summary\n");
        b.append(String.format("  output              %s%n", output));
        b.append(String.format("  rows                %d generated, %d already in output, %d input%n",
                rowsGenerated, rowsSkipped, rowsInput));
        b.append(String.format("  errors              %d (%.2f%%, budget %.2f%%)%n", rowsError, 100 * errorFraction(),
                100 * maxErrorFraction));
        b.append(String.format("  tokens              %d prompt, %d generated%n", promptTokens, generatedTokens));
        b.append(String.format("  acceptance          %s (%d of %d draft tokens), %s tokens per target pass%n",
                acceptanceRate() == null ? "-" : String.format("%.3f", acceptanceRate()), acceptedTokens, draftTokens,
                meanAcceptanceLength() == null ? "-" : String.format("%.2f", meanAcceptanceLength())));
        b.append(String.format("  draft length        %s%n", meanK() == null ? "-"
                : String.format("mean k %.2f per target pass (at most model.k; the draft switch drafts less where "
                        + "that pays)", meanK())));
        b.append(String.format("  throughput          %s%n", describeThroughput()));
        b.append(String.format("  latency             p50 %.0f ms, p95 %.0f ms, mean ttft %.0f ms%n", latencyP50Ms,
                latencyP95Ms, ttftMeanMs));
        b.append(String.format("  executors           %d%n", executors));
        b.append(String.format("  devices             %d: %s%n", devices, describeDevices()));
        if (exitCode != 0) {
            b.append(String.format("  EXIT %d: error fraction %.4f is above job.max_error_fraction %.4f%n", exitCode,
                    errorFraction(), maxErrorFraction));
        }
        return b.toString();
    }

    /** Label/value rows for the HTML report's summary table. */
    public List<List<String>> reportRows() {
        List<List<String>> r = new ArrayList<>();
        r.add(List.of("rows", String.format("%d generated, %d already in output, %d input", rowsGenerated,
                rowsSkipped, rowsInput)));
        r.add(List.of("errors", String.format("%d (%.2f%%, budget %.2f%%)", rowsError, 100 * errorFraction(),
                100 * maxErrorFraction)));
        r.add(List.of("tokens", String.format("%d prompt, %d generated", promptTokens, generatedTokens)));
        r.add(List.of("throughput", describeThroughput()));
        r.add(List.of("acceptance rate", acceptanceRate() == null ? "-"
                : String.format("%.3f (%d of %d draft tokens)", acceptanceRate(), acceptedTokens, draftTokens)));
        r.add(List.of("tokens per target pass", meanAcceptanceLength() == null ? "-"
                : String.format("%.2f", meanAcceptanceLength())));
        r.add(List.of("mean k (draft tokens per target pass)", meanK() == null ? "-"
                : String.format("%.2f", meanK())));
        r.add(List.of("latency", String.format("p50 %.0f ms, p95 %.0f ms", latencyP50Ms, latencyP95Ms)));
        r.add(List.of("mean time to first token", String.format("%.0f ms", ttftMeanMs)));
        r.add(List.of("executors", Long.toString(executors)));
        r.add(List.of("devices", devices + ": " + describeDevices()));
        return r;
    }

    /** The JSON form (snake_case keys, as the output columns). */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("output", output);
        m.put("rows_input", rowsInput);
        m.put("rows_skipped", rowsSkipped);
        m.put("rows_generated", rowsGenerated);
        m.put("rows_error", rowsError);
        m.put("error_fraction", errorFraction());
        m.put("max_error_fraction", maxErrorFraction);
        m.put("prompt_tokens", promptTokens);
        m.put("generated_tokens", generatedTokens);
        m.put("spec_steps", specSteps);
        m.put("draft_tokens", draftTokens);
        m.put("accepted_tokens", acceptedTokens);
        m.put("acceptance_rate", acceptanceRate());
        m.put("mean_acceptance_length", meanAcceptanceLength());
        m.put("mean_k", meanK());
        m.put("tokens_per_s", tokensPerSecond());
        m.put("wall_s", wallSeconds);
        m.put("decode_tokens_per_s", decodeTokensPerSecond());
        m.put("decode_s", decodeSeconds());
        m.put("latency_p50_ms", latencyP50Ms);
        m.put("latency_p95_ms", latencyP95Ms);
        m.put("ttft_mean_ms", ttftMeanMs);
        m.put("executors", executors);
        m.put("devices", devices);
        List<Map<String, Object>> assignments = new ArrayList<>();
        for (DeviceAssignments.Assignment a : deviceAssignments) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("executor_id", a.executorId());
            e.put("gpu", a.gpu());
            e.put("backend", a.backend());
            e.put("rows", a.rows());
            e.put("generated_tokens", a.generatedTokens());
            assignments.add(e);
        }
        m.put("device_assignments", assignments);
        m.put("backends", backends);
        m.put("exit_code", exitCode);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the JSON form through Hadoop's file system API (so it works beside any output path). */
    void write(SparkSession spark, String path) throws IOException {
        SideFile.write(spark.sparkContext().hadoopConfiguration(), path,
                (toJson() + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
