package org.specdec.job.bench;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.specdec.bench.BenchColumns;
import org.specdec.bench.BenchResult;
import org.specdec.udf.executor.SparkColumns;

/** The bench's results as a Parquet table: one row per measurement, the {@link BenchColumns}. */
public final class BenchTable {

    static final StructType SCHEMA = SparkColumns.schema(BenchColumns.ALL);

    private BenchTable() {
    }

    /** Writes the results as Parquet through Spark SQL (overwriting {@code path}). */
    public static void writeParquet(SparkSession spark, List<BenchResult> results, String path) {
        List<Row> rows = new ArrayList<>(results.size());
        for (BenchResult r : results) {
            rows.add(SparkColumns.row(BenchColumns.ALL, r));
        }
        Dataset<Row> df = spark.createDataFrame(rows, SCHEMA);
        df.coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
    }
}
