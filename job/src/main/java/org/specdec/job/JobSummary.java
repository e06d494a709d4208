package org.specdec.job;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What a run did, from the rows it wrote: rows, errors, tokens, acceptance, tokens/s, wall time.
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
 * @param devices            distinct devices that decoded rows
 * @param wallSeconds        wall time of the generation (input read to output committed)
 * @param maxErrorFraction   the error budget
 * @param exitCode           0, or 3 when the error fraction is above the budget
 */
public record JobSummary(String output, long rowsInput, long rowsSkipped, long rowsGenerated, long rowsError,
                         long promptTokens, long generatedTokens, long specSteps, long draftTokens, long acceptedTokens,
                         double latencyP50Ms, double latencyP95Ms, double ttftMeanMs, long executors, long devices,
                         double wallSeconds, double maxErrorFraction, int exitCode) {

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

    public double tokensPerSecond() {
        return wallSeconds <= 0 ? 0 : generatedTokens / wallSeconds;
    }

    /** Aggregates this run's rows (already written) into a summary. */
    static JobSummary of(Dataset<Row> runRows, String output, long rowsInput, long rowsSkipped, double wallSeconds,
                         double maxErrorFraction) {
        Row a = runRows.agg(
                count(lit(1)),
                sum(when(col("error").isNotNull(), 1).otherwise(0)),
                sum(col("prompt_tokens")), sum(col("generated_tokens")), sum(col("spec_steps")),
                sum(col("draft_tokens")), sum(col("accepted_tokens")),
                percentile_approx(succeeded(col("latency_ms")), lit(0.5), lit(10000)),
                percentile_approx(succeeded(col("latency_ms")), lit(0.95), lit(10000)),
                avg(succeeded(col("ttft_ms"))), countDistinct(col("executor_id")), countDistinct(col("device"))).first();
        long rows = a.getLong(0);
        long errors = a.isNullAt(1) ? 0 : a.getLong(1);
        double fraction = rows == 0 ? 0 : errors / (double) rows;
        return new JobSummary(output, rowsInput, rowsSkipped, rows, errors, longOr0(a, 2), longOr0(a, 3),
                longOr0(a, 4), longOr0(a, 5), longOr0(a, 6), doubleOr0(a, 7), doubleOr0(a, 8), doubleOr0(a, 9),
                a.getLong(10), a.getLong(11), wallSeconds, maxErrorFraction,
                fraction > maxErrorFraction ? EXIT_ERROR_BUDGET : 0);
    }

    /** A timing of a row that was decoded; null for error rows, which were never timed. */
    private static Column succeeded(Column timing) {
        return when(col("error").isNull(), timing);
    }

    private static long longOr0(Row r, int i) {
        return r.isNullAt(i) ? 0 : ((Number) r.get(i)).longValue();
    }

    private static double doubleOr0(Row r, int i) {
        return r.isNullAt(i) ? 0 : ((Number) r.get(i)).doubleValue();
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
        b.append(String.format("  throughput          %.1f tokens/s over %.1f s wall%n", tokensPerSecond(), wallSeconds));
        b.append(String.format("  latency             p50 %.0f ms, p95 %.0f ms, mean ttft %.0f ms%n", latencyP50Ms,
                latencyP95Ms, ttftMeanMs));
        b.append(String.format("  executors, devices  %d, %d%n", executors, devices));
        if (exitCode != 0) {
            b.append(String.format("  EXIT %d: error fraction %.4f is above job.max_error_fraction %.4f%n", exitCode,
                    errorFraction(), maxErrorFraction));
        }
        return b.toString();
    }

    /** Label/value rows for the HTML report's summary table. */
    public java.util.List<java.util.List<String>> reportRows() {
        java.util.List<java.util.List<String>> r = new java.util.ArrayList<>();
        r.add(java.util.List.of("rows", String.format("%d generated, %d already in output, %d input", rowsGenerated,
                rowsSkipped, rowsInput)));
        r.add(java.util.List.of("errors", String.format("%d (%.2f%%, budget %.2f%%)", rowsError, 100 * errorFraction(),
                100 * maxErrorFraction)));
        r.add(java.util.List.of("tokens", String.format("%d prompt, %d generated", promptTokens, generatedTokens)));
        r.add(java.util.List.of("throughput", String.format("%.1f tokens/s over %.1f s wall", tokensPerSecond(),
                wallSeconds)));
        r.add(java.util.List.of("acceptance rate", acceptanceRate() == null ? "-"
                : String.format("%.3f (%d of %d draft tokens)", acceptanceRate(), acceptedTokens, draftTokens)));
        r.add(java.util.List.of("tokens per target pass", meanAcceptanceLength() == null ? "-"
                : String.format("%.2f", meanAcceptanceLength())));
        r.add(java.util.List.of("latency", String.format("p50 %.0f ms, p95 %.0f ms", latencyP50Ms, latencyP95Ms)));
        r.add(java.util.List.of("mean time to first token", String.format("%.0f ms", ttftMeanMs)));
        r.add(java.util.List.of("executors, devices", executors + ", " + devices));
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
        m.put("tokens_per_s", tokensPerSecond());
        m.put("wall_s", wallSeconds);
        m.put("latency_p50_ms", latencyP50Ms);
        m.put("latency_p95_ms", latencyP95Ms);
        m.put("ttft_mean_ms", ttftMeanMs);
        m.put("executors", executors);
        m.put("devices", devices);
        m.put("exit_code", exitCode);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the JSON form through Hadoop's file system API (so it works beside any output path). */
    void write(SparkSession spark, String path) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
        try (OutputStream os = fs.create(p, true)) {
            os.write(toJson().getBytes(StandardCharsets.UTF_8));
            os.write('\n');
        }
    }
}
