package org.specdec.backend.cuda;

import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.kv.KvCache;
import org.specdec.kv.ShardedKvCache;

import java.util.List;

import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

/**
 * A target split over a CUDA tensor-parallel group ({@link org.specdec.model.ShardLayout}): one
 * shard per GPU (or several on one GPU), each with its own stream. One host thread queues the pass
 * block by block on every shard, with the group's {@link DeviceAllReduce} after each attention and
 * MLP block, and synchronizes once at the end; the shards' GPUs run concurrently, ordered only by
 * the all-reduce's events. Each shard computes its vocabulary columns of the logits, which meet in
 * one host array, so the verifier sees the same {@code [totalLogits][vocab]} as from one device.
 *
 * <p>Passes are launched kernel by kernel (no CUDA graphs across shards yet), so a pass costs about
 * 13 host launches per layer and shard.
 */
final class CudaTensorParallelRunner implements ModelRunner {
    private final List<CudaModelRunner> shards;
    private final DeviceAllReduce allReduce;
    private final ModelConfig config;
    private float[] logits = new float[0];
    private boolean closed;

    CudaTensorParallelRunner(List<CudaModelRunner> shards, DeviceAllReduce allReduce) {
        this.shards = List.copyOf(shards);
        this.allReduce = allReduce;
        this.config = shards.get(0).config();
    }

    int size() {
        return shards.size();
    }

    DeviceAllReduce.Path allReducePath() {
        return allReduce.path();
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public KvCache newCache(int capacity) {
        KvCache[] parts = new KvCache[shards.size()];
        for (int r = 0; r < parts.length; r++) {
            parts[r] = shards.get(r).newCache(capacity);
        }
        return new ShardedKvCache(parts);
    }

    @Override
    public float[] forward(ForwardBatch batch) {
        int m = batch.totalTokens();
        int n = 0;
        for (CudaModelRunner s : shards) {
            s.backend().bind();
            n = s.stage(batch);
        }
        allReduce.prepare();
        for (CudaModelRunner s : shards) {
            s.backend().bind();
            s.enqueueEmbed(m);
        }
        for (int l = 0; l < config.numLayers(); l++) {
            for (CudaModelRunner s : shards) {
                s.backend().bind();
                s.enqueueShardAttention(l, m);
            }
            allReduce.addInto(0, m);
            for (CudaModelRunner s : shards) {
                s.backend().bind();
                s.enqueueShardMlp(l, m);
            }
            allReduce.addInto(1, m);
        }
        for (CudaModelRunner s : shards) {
            s.backend().bind();
            s.enqueueHead(n);
            if (n > 0) {
                s.enqueueLogitsToHost(n);
            }
        }
        synchronize();
        int vocab = config.vocabSize();
        if (logits.length < n * vocab) {
            logits = new float[Math.max(n * vocab, logits.length * 2)];
        }
        for (CudaModelRunner s : shards) {
            s.readLogits(n, logits, vocab);
        }
        return logits;
    }

    /**
     * Mean wall time of one all-reduce of {@code m} tokens (both partial sets alternating, as a
     * pass runs them) over {@code calls} calls queued back to back, in microseconds: the cost per
     * call at that size, host enqueue included. Needs buffers for {@code m} tokens (a pass that size ran).
     */
    double allReduceMicros(int m, int calls) {
        for (int warm = 0; warm < 10; warm++) {
            allReduce.addInto(warm & 1, m);
        }
        synchronize();
        long t0 = System.nanoTime();
        for (int c = 0; c < calls; c++) {
            allReduce.addInto(c & 1, m);
        }
        synchronize();
        return (System.nanoTime() - t0) / 1e3 / calls;
    }

    private void synchronize() {
        for (CudaModelRunner s : shards) {
            s.backend().bind();
            cuStreamSynchronize(s.backend().stream());
        }
    }

    @Override
    public long weightBytesPerPass() {
        long b = 0;
        for (CudaModelRunner s : shards) {
            b += s.weightBytesPerPass();
        }
        return b;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        try {
            allReduce.close();
        } catch (RuntimeException e) {
            first = e;
        }
        for (CudaModelRunner s : shards) {
            try {
                s.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
