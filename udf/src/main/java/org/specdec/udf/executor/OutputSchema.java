package org.specdec.udf.executor;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.specdec.engine.GenerationResult;
import org.specdec.engine.OutputColumn;

/**
 * The output table ({@link OutputColumn}) as Spark rows: the job writes {@link #jobSchema} rows to
 * Parquet, one per input row; the SQL function returns the same columns without {@code id} as a
 * struct. The Spark task fills the columns a result does not know ({@code executor_id},
 * {@code task_attempt}, and {@code device} when the engine did not name one).
 */
public final class OutputSchema {

    public static final String ID = OutputColumn.ID.columnName();
    public static final String GENERATED_TOKEN_IDS = OutputColumn.GENERATED_TOKEN_IDS.columnName();

    private OutputSchema() {
    }

    /** The job's columns; {@code generated_token_ids} only when asked for. */
    public static List<OutputColumn> jobColumns(boolean withTokenIds) {
        List<OutputColumn> columns = new ArrayList<>(List.of(OutputColumn.values()));
        if (!withTokenIds) {
            columns.remove(OutputColumn.GENERATED_TOKEN_IDS);
        }
        return columns;
    }

    /** The columns of the {@code spec_generate} struct: the job's without {@code id}. */
    public static List<OutputColumn> sqlColumns() {
        List<OutputColumn> columns = new ArrayList<>(List.of(OutputColumn.values()));
        columns.remove(OutputColumn.ID);
        return columns;
    }

    /** The job's output schema; {@code generated_token_ids} only when asked for. */
    public static StructType jobSchema(boolean withTokenIds) {
        return SparkColumns.schema(jobColumns(withTokenIds));
    }

    /** The struct returned by {@code spec_generate}. */
    public static StructType sqlStruct() {
        return SparkColumns.schema(sqlColumns());
    }

    /**
     * One output row.
     *
     * @param id           the input row's id (the id the row was submitted under)
     * @param queueMs      partition start to admission (the engine only sees submission to admission)
     * @param withTokenIds whether the row carries generated_token_ids
     */
    public static Row jobRow(String id, GenerationResult r, TaskPlacement where, double queueMs, boolean withTokenIds) {
        return row(jobColumns(withTokenIds), id, r, where, queueMs);
    }

    /** The {@code spec_generate} struct for one result. */
    public static Row sqlRow(GenerationResult r, TaskPlacement where) {
        return row(sqlColumns(), r.id(), r, where, r.queueMs());
    }

    private static Row row(List<OutputColumn> columns, String id, GenerationResult r, TaskPlacement where,
                           double queueMs) {
        Object[] values = new Object[columns.size()];
        for (int i = 0; i < values.length; i++) {
            OutputColumn c = columns.get(i);
            values[i] = switch (c) {
                case ID -> id;
                case QUEUE_MS -> queueMs;
                case DEVICE -> r.device() != null ? r.device() : where.device();
                case EXECUTOR_ID -> where.executorId();
                case TASK_ATTEMPT -> where.taskAttempt();
                default -> SparkColumns.value(c.valueOf(r));
            };
        }
        return RowFactory.create(values);
    }

    /** A one-line error, as the error column wants it. */
    public static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.replace('\n', ' ').replace('\r', ' ');
    }
}
