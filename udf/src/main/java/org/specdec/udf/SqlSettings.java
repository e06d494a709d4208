package org.specdec.udf;

import java.io.Serializable;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark conf keys that configure {@code spec_generate}: every key once, with its default.
 * Set them with {@code --conf}, {@code SET key=value} in spark-sql, or {@link #applyTo}. They are
 * read on the driver when a query is analyzed, and travel to the executors inside the function.
 *
 * @param engine      the model pair and decoding settings
 * @param maxTokens   default max_tokens when the call does not pass one
 * @param temperature default temperature when the call does not pass one
 * @param topP        nucleus sampling threshold
 * @param seed        sampling seed
 */
public record SqlSettings(EngineSettings engine, int maxTokens, double temperature, double topP, long seed)
        implements Serializable {

    public static final String PREFIX = "spark.specdec.";
    /** Target model directory (required). */
    public static final String TARGET = PREFIX + "target";
    /** Independent draft model directory (optional). */
    public static final String DRAFT = PREFIX + "draft";
    /** Self-draft: the target's first n layers (default 0 = none). */
    public static final String SELF_DRAFT_LAYERS = PREFIX + "selfDraftLayers";
    /** Draft tokens per step (default 4; 0 = target only). */
    public static final String K = PREFIX + "k";
    /** Adaptive draft length (default false). */
    public static final String ADAPTIVE_K = PREFIX + "adaptiveK";
    /** Upper bound for adaptive k (default 8). */
    public static final String MAX_K = PREFIX + "maxK";
    /** Rows the shared engine decodes together (default 16). */
    public static final String MAX_BATCH = PREFIX + "maxBatch";
    /** CPU backend threads (default 0 = the cores Spark gave the executor, see ExecutorCores). */
    public static final String THREADS = PREFIX + "threads";
    /** KV cache length per row (default 0 = model default). */
    public static final String MAX_CONTEXT = PREFIX + "maxContext";
    /** auto: the task's GPU (cuda:N), else the CPU; cpu: always the CPU backend (default auto). */
    public static final String DEVICE = PREFIX + "device";
    /** Turn drafting off at batch sizes where it does not pay (default true). */
    public static final String DRAFT_SWITCH = PREFIX + "draftSwitch";
    /** Default max_tokens (default 64). */
    public static final String MAX_TOKENS = PREFIX + "maxTokens";
    /** Default temperature (default 0 = greedy). */
    public static final String TEMPERATURE = PREFIX + "temperature";
    /** top_p (default 1). */
    public static final String TOP_P = PREFIX + "topP";
    /** Seed (default 0). */
    public static final String SEED = PREFIX + "seed";

    /** Reads the settings from a session's conf; names the key to set when the target is missing. */
    public static SqlSettings from(RuntimeConfig c) {
        String target = c.get(TARGET, null);
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("spec_generate needs a model: set " + TARGET
                    + "=/path/to/model (e.g. SET " + TARGET + "=... in spark-sql, or --conf on spark-submit)");
        }
        String draft = c.get(DRAFT, null);
        EngineSettings e = new EngineSettings(target, draft == null || draft.isBlank() ? null : draft,
                Integer.parseInt(c.get(SELF_DRAFT_LAYERS, "0")), Integer.parseInt(c.get(K, "4")),
                Boolean.parseBoolean(c.get(ADAPTIVE_K, "false")), Integer.parseInt(c.get(MAX_K, "8")),
                Integer.parseInt(c.get(MAX_BATCH, "16")), Integer.parseInt(c.get(THREADS, "0")),
                Integer.parseInt(c.get(MAX_CONTEXT, "0")), Boolean.parseBoolean(c.get(DRAFT_SWITCH, "true")),
                c.get(DEVICE, EngineSettings.AUTO));
        return new SqlSettings(e, Integer.parseInt(c.get(MAX_TOKENS, "64")),
                Double.parseDouble(c.get(TEMPERATURE, "0")), Double.parseDouble(c.get(TOP_P, "1")),
                Long.parseLong(c.get(SEED, "0")));
    }

    /** Writes these settings into a session's conf, so SQL calls use the same pair as a job. */
    public void applyTo(SparkSession spark) {
        RuntimeConfig c = spark.conf();
        c.set(TARGET, engine.target());
        if (engine.draft() != null) {
            c.set(DRAFT, engine.draft());
        } else {
            c.unset(DRAFT);
        }
        c.set(SELF_DRAFT_LAYERS, engine.selfDraftLayers());
        c.set(K, engine.k());
        c.set(ADAPTIVE_K, engine.adaptiveK());
        c.set(MAX_K, engine.maxK());
        c.set(MAX_BATCH, engine.maxBatch());
        c.set(THREADS, engine.threads());
        c.set(MAX_CONTEXT, engine.maxContext());
        c.set(DEVICE, engine.device());
        c.set(DRAFT_SWITCH, engine.draftSwitch());
        c.set(MAX_TOKENS, maxTokens);
        c.set(TEMPERATURE, Double.toString(temperature));
        c.set(TOP_P, Double.toString(topP));
        c.set(SEED, seed);
    }
}
