package org.specdec.bench;

import java.util.function.Function;
import org.specdec.table.ColumnType;
import org.specdec.table.TableColumn;

/**
 * The bench's results table: one row per {@link BenchResult}, these columns in this order (the
 * components' meanings are documented there). A ratio that has no value (no drafts, no baseline)
 * is NaN in the result and null in the table.
 */
public enum BenchColumn implements TableColumn<BenchResult> {
    CONCURRENCY("concurrency", ColumnType.INT, BenchResult::concurrency),
    MODE("mode", ColumnType.STRING, BenchResult::mode),
    K("k", ColumnType.INT, BenchResult::k),
    MAX_K("max_k", ColumnType.INT, BenchResult::maxK),
    REPEAT("repeat", ColumnType.INT, BenchResult::repeat),
    ROWS("rows", ColumnType.INT, BenchResult::rows),
    GENERATED_TOKENS("generated_tokens", ColumnType.LONG, BenchResult::generatedTokens),
    WALL_S("wall_s", ColumnType.DOUBLE, BenchResult::wallS),
    TOKENS_PER_S("tokens_per_s", ColumnType.DOUBLE, BenchResult::tokensPerS),
    GEN_TIME_MEAN_MS("gen_time_mean_ms", ColumnType.DOUBLE, BenchResult::genTimeMeanMs),
    GEN_TIME_P50_MS("gen_time_p50_ms", ColumnType.DOUBLE, BenchResult::genTimeP50Ms),
    GEN_TIME_P95_MS("gen_time_p95_ms", ColumnType.DOUBLE, BenchResult::genTimeP95Ms),
    TTFT_MEAN_MS("ttft_mean_ms", ColumnType.DOUBLE, BenchResult::ttftMeanMs),
    TTFT_P95_MS("ttft_p95_ms", ColumnType.DOUBLE, BenchResult::ttftP95Ms),
    ACCEPTANCE_RATE("acceptance_rate", ColumnType.DOUBLE, r -> nullIfNaN(r.acceptanceRate())),
    ALPHA("alpha", ColumnType.DOUBLE, r -> nullIfNaN(r.alpha())),
    MEAN_ACCEPTANCE_LENGTH("mean_acceptance_length", ColumnType.DOUBLE, r -> nullIfNaN(r.meanAcceptanceLength())),
    MEAN_K("mean_k", ColumnType.DOUBLE, BenchResult::meanK),
    STEPS("steps", ColumnType.LONG, BenchResult::steps),
    DRAFTING_STEPS("drafting_steps", ColumnType.LONG, BenchResult::draftingSteps),
    SKIPPED_STEPS("skipped_steps", ColumnType.LONG, BenchResult::skippedSteps),
    COST_RATIO_C("cost_ratio_c", ColumnType.DOUBLE, BenchResult::costRatioC),
    VERIFY_RATIO("verify_ratio", ColumnType.DOUBLE, BenchResult::verifyRatio),
    SPEEDUP("speedup", ColumnType.DOUBLE, r -> nullIfNaN(r.speedup())),
    PREDICTED_SPEEDUP("predicted_speedup", ColumnType.DOUBLE, r -> nullIfNaN(r.predictedSpeedup()));

    private final String columnName;
    private final ColumnType type;
    private final Function<BenchResult, Object> value;

    BenchColumn(String columnName, ColumnType type, Function<BenchResult, Object> value) {
        this.columnName = columnName;
        this.type = type;
        this.value = value;
    }

    @Override
    public String columnName() {
        return columnName;
    }

    @Override
    public ColumnType type() {
        return type;
    }

    @Override
    public Object valueOf(BenchResult r) {
        return value.apply(r);
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
