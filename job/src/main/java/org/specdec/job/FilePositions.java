package org.specdec.job;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.sum;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Each row's 0-based position in its input file, the part of an id that does not change between
 * runs. Spark reads a file as splits (byte ranges, {@code _metadata.file_block_start}); a task reads
 * a split's rows in file order, so their read-order numbers are consecutive. A row's position is
 * then the rows of the file's earlier splits plus its place in its own split: one small
 * aggregate (a row per split) joined back, with no shuffle of the rows themselves.
 */
final class FilePositions {

    /** File name, as ids show it. */
    static final String FILE = "_specdec_file";
    /** Full file path: two files of the same name in different folders are different files. */
    static final String PATH = "_specdec_path";
    static final String POSITION = "_specdec_pos";

    private static final String BLOCK = "_specdec_block";
    private static final String ORDER = "_specdec_order";
    private static final String FIRST = "_specdec_block_first";
    private static final String BEFORE = "_specdec_block_before";

    private FilePositions() {
    }

    /**
     * The scan with file name, path and position columns. Must be applied to the file scan itself,
     * before any other transformation: the hidden {@code _metadata} column and the read order exist
     * only there.
     */
    static Dataset<Row> of(Dataset<Row> scan) {
        Dataset<Row> ordered = scan.select(col("*"), col("_metadata.file_name").as(FILE),
                col("_metadata.file_path").as(PATH), col("_metadata.file_block_start").as(BLOCK),
                monotonically_increasing_id().as(ORDER));
        WindowSpec earlierSplits = Window.partitionBy(col("_split_path")).orderBy(col("_split_block"))
                .rowsBetween(Window.unboundedPreceding(), -1);
        Dataset<Row> splits = ordered.groupBy(col(PATH).as("_split_path"), col(BLOCK).as("_split_block"))
                .agg(min(col(ORDER)).as(FIRST), count(lit(1)).as("_split_rows"))
                .select(col("_split_path"), col("_split_block"), col(FIRST),
                        coalesce(sum(col("_split_rows")).over(earlierSplits), lit(0L)).as(BEFORE));
        Dataset<Row> joined = ordered.join(broadcast(splits),
                ordered.col(PATH).equalTo(splits.col("_split_path"))
                        .and(ordered.col(BLOCK).equalTo(splits.col("_split_block"))));
        return joined.withColumn(POSITION, col(BEFORE).plus(col(ORDER)).minus(col(FIRST)))
                .drop("_split_path", "_split_block", FIRST, BEFORE, BLOCK, ORDER);
    }
}
