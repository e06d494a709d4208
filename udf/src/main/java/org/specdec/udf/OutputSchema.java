package org.specdec.udf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.specdec.engine.GenerationResult;

/**
 * The output schema of DESIGN.md ("one Parquet row per input row, always"), in its column order,
 * and the conversion of a {@link GenerationResult} into a row of it. The job writes these rows;
 * the SQL function returns the same fields (without {@code id}) as a struct.
 */
public final class OutputSchema {

    public static final String ID = "id";
    public static final String GENERATED_TOKEN_IDS = "generated_token_ids";

    private static final DataType INT_ARRAY = DataTypes.createArrayType(DataTypes.IntegerType, false);

    private OutputSchema() {
    }

    /** The job's output schema; {@code generated_token_ids} only when asked for. */
    public static StructType jobSchema(boolean withTokenIds) {
        List<StructField> f = new ArrayList<>();
        f.add(field(ID, DataTypes.StringType));
        f.addAll(statisticsFields(withTokenIds));
        return DataTypes.createStructType(f);
    }

    /** The struct returned by {@code spec_generate}: the job's columns without {@code id}. */
    public static StructType sqlStruct() {
        return DataTypes.createStructType(statisticsFields(true));
    }

    private static List<StructField> statisticsFields(boolean withTokenIds) {
        List<StructField> f = new ArrayList<>();
        f.add(field("generated_text", DataTypes.StringType));
        if (withTokenIds) {
            f.add(field(GENERATED_TOKEN_IDS, INT_ARRAY));
        }
        f.add(field("finish_reason", DataTypes.StringType));
        f.add(field("error", DataTypes.StringType));
        f.add(field("prompt_tokens", DataTypes.IntegerType));
        f.add(field("generated_tokens", DataTypes.IntegerType));
        f.add(field("spec_steps", DataTypes.IntegerType));
        f.add(field("draft_tokens", DataTypes.IntegerType));
        f.add(field("accepted_tokens", DataTypes.IntegerType));
        f.add(field("acceptance_rate", DataTypes.DoubleType));
        f.add(field("mean_acceptance_length", DataTypes.DoubleType));
        f.add(field("acceptance_by_position", INT_ARRAY));
        f.add(field("k", DataTypes.DoubleType));
        f.add(field("ttft_ms", DataTypes.DoubleType));
        f.add(field("latency_ms", DataTypes.DoubleType));
        f.add(field("queue_ms", DataTypes.DoubleType));
        f.add(field("tokens_per_s", DataTypes.DoubleType));
        f.add(field("draft_ms", DataTypes.DoubleType));
        f.add(field("target_ms", DataTypes.DoubleType));
        f.add(field("device", DataTypes.StringType));
        f.add(field("executor_id", DataTypes.StringType));
        f.add(field("task_attempt", DataTypes.IntegerType));
        f.add(field("target_model", DataTypes.StringType));
        f.add(field("draft_model", DataTypes.StringType));
        f.add(field("temperature", DataTypes.DoubleType));
        f.add(field("top_p", DataTypes.DoubleType));
        f.add(field("seed", DataTypes.LongType));
        return f;
    }

    private static StructField field(String name, DataType type) {
        return DataTypes.createStructField(name, type, true);
    }

    /**
     * One output row.
     *
     * @param id           the row's id (the result's own id is ignored: the input's wins)
     * @param queueMs      partition start to admission (the engine only sees submission to admission)
     * @param withTokenIds whether the row carries generated_token_ids
     */
    public static Row jobRow(String id, GenerationResult r, TaskPlacement where, double queueMs, boolean withTokenIds) {
        List<Object> v = new ArrayList<>(32);
        v.add(id);
        addStatistics(v, r, where, queueMs, withTokenIds);
        return RowFactory.create(v.toArray());
    }

    /** The {@code spec_generate} struct for one result. */
    public static Row sqlRow(GenerationResult r, TaskPlacement where) {
        List<Object> v = new ArrayList<>(32);
        addStatistics(v, r, where, r.queueMs(), true);
        return RowFactory.create(v.toArray());
    }

    private static void addStatistics(List<Object> v, GenerationResult r, TaskPlacement where, double queueMs,
                                      boolean withTokenIds) {
        v.add(r.isError() ? null : r.generatedText());
        if (withTokenIds) {
            v.add(r.isError() ? null : ints(r.generatedTokenIds()));
        }
        v.add(r.finishReason());
        v.add(r.error());
        v.add(r.promptTokens());
        v.add(r.generatedTokens());
        v.add(r.specSteps());
        v.add(r.draftTokens());
        v.add(r.acceptedTokens());
        v.add(r.acceptanceRate());
        v.add(r.meanAcceptanceLength());
        v.add(ints(r.acceptanceByPosition()));
        v.add(r.k());
        v.add(r.ttftMs());
        v.add(r.latencyMs());
        v.add(queueMs);
        v.add(r.tokensPerS());
        v.add(r.draftMs());
        v.add(r.targetMs());
        v.add(r.device() != null ? r.device() : where.device());
        v.add(where.executorId());
        v.add(where.taskAttempt());
        v.add(r.targetModel());
        v.add(r.draftModel());
        v.add(r.temperature());
        v.add(r.topP());
        v.add(r.seed());
    }

    /** An array column value as Spark's row encoder wants it (a Scala Seq). */
    private static scala.collection.immutable.Seq<Integer> ints(int[] a) {
        Integer[] boxed = a == null ? new Integer[0] : Arrays.stream(a).boxed().toArray(Integer[]::new);
        return scala.collection.immutable.ArraySeq.unsafeWrapArray(boxed);
    }

    /** A one-line error, as the error column wants it. */
    public static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.replace('\n', ' ').replace('\r', ' ');
    }
}
