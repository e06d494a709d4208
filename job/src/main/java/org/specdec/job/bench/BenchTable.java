package org.specdec.job.bench;

import org.specdec.bench.BenchResult;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The bench's results as a table: the Parquet schema (one row per measurement), and the summary
 * per concurrency level that the console, the markdown file and the HTML report show. Medians over
 * repeats; noise is the larger of the target-only repeats' spread and the gap between target-only
 * and its A/A control (see {@link org.specdec.bench.BenchSummary.Level#noise()}).
 */
public final class BenchTable {

    static final StructType SCHEMA = new StructType(new StructField[] {
        field("concurrency", DataTypes.IntegerType), field("mode", DataTypes.StringType),
        field("k", DataTypes.IntegerType), field("max_k", DataTypes.IntegerType),
        field("repeat", DataTypes.IntegerType), field("rows", DataTypes.IntegerType),
        field("generated_tokens", DataTypes.LongType), field("wall_s", DataTypes.DoubleType),
        field("tokens_per_s", DataTypes.DoubleType), field("gen_time_mean_ms", DataTypes.DoubleType),
        field("gen_time_p50_ms", DataTypes.DoubleType), field("gen_time_p95_ms", DataTypes.DoubleType),
        field("ttft_mean_ms", DataTypes.DoubleType), field("ttft_p95_ms", DataTypes.DoubleType),
        field("acceptance_rate", DataTypes.DoubleType), field("alpha", DataTypes.DoubleType),
        field("mean_acceptance_length", DataTypes.DoubleType), field("mean_k", DataTypes.DoubleType),
        field("steps", DataTypes.LongType), field("drafting_steps", DataTypes.LongType),
        field("skipped_steps", DataTypes.LongType), field("cost_ratio_c", DataTypes.DoubleType),
        field("verify_ratio", DataTypes.DoubleType), field("speedup", DataTypes.DoubleType),
        field("predicted_speedup", DataTypes.DoubleType)});

    private BenchTable() {
    }

    private static StructField field(String name, DataType t) {
        return DataTypes.createStructField(name, t, true);
    }

    /** Writes the results as Parquet through Spark SQL (overwriting {@code path}). */
    public static void writeParquet(SparkSession spark, List<BenchResult> results, String path) {
        List<Row> rows = new ArrayList<>();
        for (BenchResult r : results) {
            rows.add(RowFactory.create(r.concurrency(), r.mode(), r.k(), r.maxK(), r.repeat(), r.rows(),
                    r.generatedTokens(), r.wallS(), r.tokensPerS(), r.genTimeMeanMs(), r.genTimeP50Ms(),
                    r.genTimeP95Ms(), r.ttftMeanMs(), r.ttftP95Ms(), nullIfNaN(r.acceptanceRate()),
                    nullIfNaN(r.alpha()), nullIfNaN(r.meanAcceptanceLength()), r.meanK(), r.steps(),
                    r.draftingSteps(), r.skippedSteps(), r.costRatioC(), r.verifyRatio(), nullIfNaN(r.speedup()),
                    nullIfNaN(r.predictedSpeedup())));
        }
        Dataset<Row> df = spark.createDataFrame(rows, SCHEMA);
        df.coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
