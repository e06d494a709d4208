package org.specdec.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.specdec.table.ColumnType;
import org.specdec.table.TableColumn;

/** The bench's results.parquet columns: names and order that reports and notebooks read. */
class BenchColumnsTest {

    @Test
    void columnsInTheirOrder() {
        assertEquals(List.of("concurrency", "mode", "k", "max_k", "repeat", "rows", "generated_tokens", "wall_s",
                "tokens_per_s", "gen_time_mean_ms", "gen_time_p50_ms", "gen_time_p95_ms", "ttft_mean_ms",
                "ttft_p95_ms", "acceptance_rate", "alpha", "mean_acceptance_length", "mean_k", "steps",
                "drafting_steps", "skipped_steps", "cost_ratio_c", "verify_ratio", "speedup", "predicted_speedup"),
                BenchColumns.ALL.stream().map(TableColumn::columnName).toList());
    }

    @Test
    void valuesHaveTheirColumnsTypeAndNaNRatiosAreNull() {
        BenchResult target = BenchSummaryTest.result(BenchResult.TARGET_ONLY, 0, 0, 100);
        for (TableColumn<BenchResult> c : BenchColumns.ALL) {
            Object v = c.valueOf(target);
            if (v == null) {
                continue;
            }
            Class<?> expected = switch (c.type()) {
                case STRING -> String.class;
                case INT -> Integer.class;
                case LONG -> Long.class;
                case DOUBLE -> Double.class;
                case INT_ARRAY -> int[].class;
            };
            assertEquals(expected, v.getClass(), c.columnName());
        }
        TableColumn<BenchResult> acceptance = BenchColumns.ALL.get(14);
        assertEquals(ColumnType.DOUBLE, acceptance.type());
        assertNull(acceptance.valueOf(target), "no drafts: acceptance_rate is null, not NaN");
    }
}
