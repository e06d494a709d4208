package org.specdec.backend.tp;

import org.specdec.backend.ForwardBatch;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.kv.KvCache;

/** One shard of a tensor-parallel group, run by {@link TensorParallelRunner}. */
public interface ShardRunner extends AutoCloseable {

    ModelConfig config();

    /** A cache of this shard's key/value heads. */
    KvCache newCache(int capacity);

    /**
     * Runs this shard's part of the pass. The rows' caches are the group's; every shard of the
     * group must run the same batch at the same time, since they meet in each all-reduce. Writes
     * this shard's vocabulary columns of {@code logits} ({@code [totalLogits][vocab]}).
     */
    void forwardShard(ForwardBatch batch, float[] logits);

    /** Bytes of weight this shard reads per pass. */
    long weightBytesPerPass();

    @Override
    default void close() {
    }
}
