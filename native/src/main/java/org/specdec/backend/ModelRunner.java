package org.specdec.backend;

import org.specdec.checkpoint.ModelConfig;
import org.specdec.kv.KvCache;
import org.specdec.sampling.LogitsProcessor;

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

    /**
     * Like {@link #forward}, but writes only the greedy token of each requested position into
     * {@code out[0..batch.totalLogits())} (the highest logit, the lowest id on a tie). A GPU runner
     * computes it on the device, so no logits cross to the host.
     */
    default void forwardArgmax(ForwardBatch batch, int[] out) {
        float[] logits = forward(batch);
        int vocab = config().vocabSize();
        for (int r = 0; r < batch.totalLogits(); r++) {
            out[r] = LogitsProcessor.argmax(logits, r * vocab, vocab);
        }
    }

    /** Bytes of weight read per forward pass. */
    long weightBytesPerPass();

    @Override
    default void close() {
    }
}
