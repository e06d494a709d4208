package org.specdec.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Input ids must be unique: the output has one row per id and resume skips ids already written.
 * Repeated ids are a startup error (naming one and how many there are), or with
 * {@code input.duplicate_ids=first} the first row of each id (by file and position) is kept.
 */
final class DuplicateIds {

    /** What the input's ids look like. */
    record Report(long repeatedIds, long extraRows, String exampleId, long exampleCount) {
        boolean any() {
            return repeatedIds > 0;
        }

        String describe() {
            return repeatedIds + " id" + (repeatedIds == 1 ? "" : "s") + " occur more than once (" + extraRows
                    + " extra row" + (extraRows == 1 ? "" : "s") + "), e.g. '" + exampleId + "' (" + exampleCount
                    + " rows)";
        }
    }

    private DuplicateIds() {
    }

    static Report find(Dataset<Row> input) {
        Dataset<Row> repeated = input.groupBy(col(InputReader.ID)).agg(count(lit(1)).as("n")).filter(col("n").gt(1));
        List<Row> example = repeated.orderBy(col("n").desc(), col(InputReader.ID)).limit(1).collectAsList();
        if (example.isEmpty()) {
            return new Report(0, 0, null, 0);
        }
        Row totals = repeated.agg(count(lit(1)), sum(col("n"))).first();
        long ids = totals.getLong(0);
        return new Report(ids, totals.getLong(1) - ids, example.get(0).getString(0), example.get(0).getLong(1));
    }

    /** A startup error for {@code input.duplicate_ids=error}. */
    static JobConfigException refusal(Report r, String inputPath) {
        return new JobConfigException("input " + inputPath + ": " + r.describe() + ". Ids must be unique (one output "
                + "row per id; resume skips ids already written). Fix the input, or set input.duplicate_ids=first "
                + "to keep the first row of each id.");
    }

    /** One row per id: the first by file path and position. */
    static Dataset<Row> keepFirst(Dataset<Row> input) {
        String rank = "_specdec_id_rank";
        return input.withColumn(rank, row_number().over(Window.partitionBy(col(InputReader.ID))
                        .orderBy(col(FilePositions.PATH), col(FilePositions.POSITION))))
                .filter(col(rank).equalTo(1)).drop(rank);
    }
}
