package org.specdec.engine;

import java.util.function.Function;
import org.specdec.table.ColumnType;
import org.specdec.table.TableColumn;

/**
 * The output table: one row per input row, these columns in this order. The job's Parquet files,
 * the {@code spec_generate} struct and {@code generate --json} all iterate this list; the meaning
 * of each statistic is documented on {@link GenerationResult}.
 *
 * <p>{@link #EXECUTOR_ID} and {@link #TASK_ATTEMPT} say where a Spark task wrote the row, which a
 * result does not know: they are filled by the Spark writer and absent from the CLI's JSON.
 * {@link #GENERATED_TOKEN_IDS} is optional in the job's Parquet (config {@code output.token_ids}).
 */
public enum OutputColumn implements TableColumn<GenerationResult> {
    ID("id", ColumnType.STRING, GenerationResult::id),
    GENERATED_TEXT("generated_text", ColumnType.STRING, r -> r.isError() ? null : r.generatedText()),
    GENERATED_TOKEN_IDS("generated_token_ids", ColumnType.INT_ARRAY,
            r -> r.isError() ? null : orEmpty(r.generatedTokenIds())),
    FINISH_REASON("finish_reason", ColumnType.STRING, GenerationResult::finishReason),
    ERROR("error", ColumnType.STRING, GenerationResult::error),
    PROMPT_TOKENS("prompt_tokens", ColumnType.INT, GenerationResult::promptTokens),
    GENERATED_TOKENS("generated_tokens", ColumnType.INT, GenerationResult::generatedTokens),
    SPEC_STEPS("spec_steps", ColumnType.INT, GenerationResult::specSteps),
    DRAFT_TOKENS("draft_tokens", ColumnType.INT, GenerationResult::draftTokens),
    ACCEPTED_TOKENS("accepted_tokens", ColumnType.INT, GenerationResult::acceptedTokens),
    ACCEPTANCE_RATE("acceptance_rate", ColumnType.DOUBLE, GenerationResult::acceptanceRate),
    MEAN_ACCEPTANCE_LENGTH("mean_acceptance_length", ColumnType.DOUBLE, GenerationResult::meanAcceptanceLength),
    ACCEPTANCE_BY_POSITION("acceptance_by_position", ColumnType.INT_ARRAY, r -> orEmpty(r.acceptanceByPosition())),
    K("k", ColumnType.DOUBLE, GenerationResult::k),
    TTFT_MS("ttft_ms", ColumnType.DOUBLE, GenerationResult::ttftMs),
    LATENCY_MS("latency_ms", ColumnType.DOUBLE, GenerationResult::latencyMs),
    QUEUE_MS("queue_ms", ColumnType.DOUBLE, GenerationResult::queueMs),
    TOKENS_PER_S("tokens_per_s", ColumnType.DOUBLE, GenerationResult::tokensPerS),
    DRAFT_MS("draft_ms", ColumnType.DOUBLE, GenerationResult::draftMs),
    TARGET_MS("target_ms", ColumnType.DOUBLE, GenerationResult::targetMs),
    DEVICE("device", ColumnType.STRING, GenerationResult::device),
    EXECUTOR_ID("executor_id", ColumnType.STRING, null),
    TASK_ATTEMPT("task_attempt", ColumnType.INT, null),
    TARGET_MODEL("target_model", ColumnType.STRING, GenerationResult::targetModel),
    DRAFT_MODEL("draft_model", ColumnType.STRING, GenerationResult::draftModel),
    TEMPERATURE("temperature", ColumnType.DOUBLE, GenerationResult::temperature),
    TOP_P("top_p", ColumnType.DOUBLE, GenerationResult::topP),
    SEED("seed", ColumnType.LONG, GenerationResult::seed);

    private final String columnName;
    private final ColumnType type;
    private final Function<GenerationResult, Object> value;

    OutputColumn(String columnName, ColumnType type, Function<GenerationResult, Object> value) {
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

    /** Whether the value comes from the result (false for the Spark task's own columns). */
    public boolean fromResult() {
        return value != null;
    }

    @Override
    public Object valueOf(GenerationResult r) {
        if (value == null) {
            throw new IllegalStateException(columnName + " is written by the Spark task that writes the row");
        }
        return value.apply(r);
    }

    private static int[] orEmpty(int[] a) {
        return a == null ? new int[0] : a;
    }
}
