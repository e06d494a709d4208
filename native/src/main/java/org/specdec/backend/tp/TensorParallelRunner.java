package org.specdec.backend.tp;

import java.util.List;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.backend.cpu.WorkerPool;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.kv.KvCache;
import org.specdec.kv.ShardedKvCache;

/**
 * A model split over a tensor-parallel group of N shards that run each pass together, one host
 * thread per shard, and meet in the all-reduces. Rows get a {@link ShardedKvCache}; the logits of
 * the pass are assembled in one array, each shard writing its vocabulary columns, so the verifier
 * sees the same {@code [totalLogits][vocab]} as from one device.
 */
public final class TensorParallelRunner implements ModelRunner {
    private final List<ShardRunner> shards;
    private final HostAllReduce allReduce;
    private final WorkerPool drivers;
    private final ModelConfig config;
    private float[] logits = new float[0];

    /**
     * @param allReduce the group's all-reduce, which the shards were built with
     * @param drivers   a pool of at least one thread per shard, for this group's passes only while
     *                  they run: each thread stays in its shard's pass until the last all-reduce,
     *                  so no thread ever picks up a second shard of the same pass
     */
    public TensorParallelRunner(List<ShardRunner> shards, HostAllReduce allReduce, WorkerPool drivers) {
        if (shards.size() < 2) {
            throw new IllegalArgumentException("a tensor-parallel group has at least 2 shards, not " + shards.size());
        }
        this.shards = List.copyOf(shards);
        this.allReduce = allReduce;
        if (drivers.threads() < shards.size()) {
            throw new IllegalArgumentException(shards.size() + " shards need as many driver threads, not "
                    + drivers.threads());
        }
        this.config = shards.get(0).config();
        this.drivers = drivers;
    }

    public int size() {
        return shards.size();
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public KvCache newCache(int capacity) {
        return ShardedKvCache.of(shards.size(), r -> shards.get(r).newCache(capacity));
    }

    @Override
    public float[] forward(ForwardBatch batch) {
        int n = batch.totalLogits() * config.vocabSize();
        if (logits.length < n) {
            logits = new float[Math.max(n, logits.length * 2)];
        }
        allReduce.ensureCapacity(batch.totalTokens() * config.hiddenSize());
        final float[] out = logits;
        try {
            drivers.parallelFor(shards.size(), 1, (from, to, worker) -> {
                for (int s = from; s < to; s++) {
                    try {
                        shards.get(s).forwardShard(batch, out);
                    } catch (RuntimeException | Error e) {
                        allReduce.fail(e);
                        throw e;
                    }
                }
            });
        } finally {
            allReduce.recover();
        }
        return logits;
    }

    @Override
    public long weightBytesPerPass() {
        long b = 0;
        for (ShardRunner s : shards) {
            b += s.weightBytesPerPass();
        }
        return b;
    }

    @Override
    public void close() {
        for (ShardRunner s : shards) {
            s.close();
        }
    }
}
