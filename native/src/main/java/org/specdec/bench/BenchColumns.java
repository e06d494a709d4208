package org.specdec.bench;

import static org.specdec.table.ColumnType.DOUBLE;
import static org.specdec.table.ColumnType.INT;
import static org.specdec.table.ColumnType.LONG;
import static org.specdec.table.ColumnType.STRING;

import java.util.List;
import org.specdec.table.TableColumn;

/**
 * The bench's results table: one row per {@link BenchResult}, these columns in this order (the
 * components' meanings are documented there). A ratio that has no value (no drafts, no baseline)
 * is NaN in the result and null in the table.
 */
public final class BenchColumns {

    public static final List<TableColumn<BenchResult>> ALL = List.of(
            TableColumn.of("concurrency", INT, BenchResult::concurrency),
            TableColumn.of("mode", STRING, BenchResult::mode),
            TableColumn.of("k", INT, BenchResult::k),
            TableColumn.of("max_k", INT, BenchResult::maxK),
            TableColumn.of("repeat", INT, BenchResult::repeat),
            TableColumn.of("rows", INT, BenchResult::rows),
            TableColumn.of("generated_tokens", LONG, BenchResult::generatedTokens),
            TableColumn.of("wall_s", DOUBLE, BenchResult::wallS),
            TableColumn.of("tokens_per_s", DOUBLE, BenchResult::tokensPerS),
            TableColumn.of("gen_time_mean_ms", DOUBLE, BenchResult::genTimeMeanMs),
            TableColumn.of("gen_time_p50_ms", DOUBLE, BenchResult::genTimeP50Ms),
            TableColumn.of("gen_time_p95_ms", DOUBLE, BenchResult::genTimeP95Ms),
            TableColumn.of("ttft_mean_ms", DOUBLE, BenchResult::ttftMeanMs),
            TableColumn.of("ttft_p95_ms", DOUBLE, BenchResult::ttftP95Ms),
            TableColumn.of("acceptance_rate", DOUBLE, r -> nullIfNaN(r.acceptanceRate())),
            TableColumn.of("alpha", DOUBLE, r -> nullIfNaN(r.alpha())),
            TableColumn.of("mean_acceptance_length", DOUBLE, r -> nullIfNaN(r.meanAcceptanceLength())),
            TableColumn.of("mean_k", DOUBLE, BenchResult::meanK),
            TableColumn.of("steps", LONG, BenchResult::steps),
            TableColumn.of("drafting_steps", LONG, BenchResult::draftingSteps),
            TableColumn.of("skipped_steps", LONG, BenchResult::skippedSteps),
            TableColumn.of("cost_ratio_c", DOUBLE, BenchResult::costRatioC),
            TableColumn.of("verify_ratio", DOUBLE, BenchResult::verifyRatio),
            TableColumn.of("speedup", DOUBLE, r -> nullIfNaN(r.speedup())),
            TableColumn.of("predicted_speedup", DOUBLE, r -> nullIfNaN(r.predictedSpeedup())));

    private BenchColumns() {
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
