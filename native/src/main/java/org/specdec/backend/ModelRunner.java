package org.specdec.backend;

import org.specdec.checkpoint.ModelConfig;
import org.specdec.kv.KvCache;

/** One model loaded on one backend: makes KV caches and runs batched forward passes. */
public interface ModelRunner extends AutoCloseable {

    ModelConfig config();

    KvCache newCache(int capacity);

    /**
     * Appends each row's tokens to its cache and returns the logits of the requested positions,
     * {@code [batch.totalLogits()][vocab]} row-major in batch order. The array belongs to the runner
     * and is valid until the next call. Each weight matrix is read once for all rows and positions.
     */
    float[] forward(ForwardBatch batch);

    /** Bytes of weight read per forward pass. */
    long weightBytesPerPass();

    @Override
    default void close() {
    }
}
