package org.specdec.engine;

import org.specdec.checkpoint.ModelConfig;

/**
 * The sizes an engine's settings come to for a target: the draft length actually used, the
 * context per row and the rows decoded together. The engine factory sizes the backend from them
 * and the memory plan counts from them, so both see the same numbers.
 *
 * @param k          draft tokens per step (0 without a draft)
 * @param maxK       the longest draft block (adaptive k's bound, else k)
 * @param maxContext context per row: the setting, or the target's max_position_embeddings capped
 *                   at {@link #DEFAULT_MAX_CONTEXT}
 * @param rows       rows decoded together
 */
public record EngineSizes(int k, int maxK, int maxContext, int rows) {

    /** Context used when the model allows more: KV memory grows with it. */
    public static final int DEFAULT_MAX_CONTEXT = 4096;

    public static EngineSizes of(EngineSettings s, ModelConfig target) {
        int maxContext = Math.min(target.maxPositionEmbeddings(),
                s.maxContext() > 0 ? s.maxContext() : DEFAULT_MAX_CONTEXT);
        int k = s.hasDraft() ? s.k() : 0;
        int maxK = s.adaptiveK() ? Math.max(k, s.maxK()) : k;
        return new EngineSizes(k, maxK, maxContext, Math.max(1, s.maxBatch()));
    }

    /** Positions each row's cache holds: its context and one draft block with the bonus token. */
    public int capacity() {
        return maxContext + maxK + 1;
    }

    /** Tokens of the largest verification pass: every row with a full draft block. */
    public int passTokens() {
        return rows * (maxK + 1);
    }
}
