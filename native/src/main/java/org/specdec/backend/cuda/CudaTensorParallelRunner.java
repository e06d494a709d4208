package org.specdec.backend.cuda;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.kv.KvCache;
import org.specdec.kv.ShardedKvCache;

import java.util.List;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;

/**
 * A target split over a CUDA tensor-parallel group ({@link org.specdec.model.ShardLayout}): one
 * shard per GPU (or several on one GPU), each with its own stream. One host thread queues the pass
 * block by block on every shard, with the group's {@link DeviceAllReduce} after each attention and
 * MLP block, and synchronizes once at the end; the shards run concurrently, ordered only by the
 * all-reduce's events. Each shard computes its vocabulary columns of the logits, which meet in one
 * host array, so the verifier sees the same {@code [totalLogits][vocab]} as from one device.
 *
 * <p>When every shard is on one GPU, the whole group's pass of a shape seen before is captured as
 * one CUDA graph (the shards' streams forked from the first and joined back, the all-reduce events
 * becoming graph edges) and replayed with one launch, as a single runner's pass is. Across GPUs
 * the pass is launched kernel by kernel: about 13 host launches per layer and shard.
 */
public final class CudaTensorParallelRunner implements ModelRunner {
    private final List<CudaModelRunner> shards;
    private final DeviceAllReduce allReduce;
    private final ModelConfig config;
    /** All shards on one GPU: a pass can be one graph. */
    private final boolean oneDevice;
    private final PassGraphs graphs = new PassGraphs(CudaModelRunner.GRAPH_CAPACITY);
    /** Per shard: its staged pass inputs are queued (the first shard's stream waits for them), and fork / join of a capture. */
    private final CUevent[] staged;
    private final CUevent fork = new CUevent();
    private long generation = -1;
    private long graphPasses;
    private float[] logits = new float[0];
    private boolean closed;

    CudaTensorParallelRunner(List<CudaModelRunner> shards, DeviceAllReduce allReduce) {
        this.shards = List.copyOf(shards);
        this.allReduce = allReduce;
        this.config = shards.get(0).config();
        this.oneDevice = shards.stream().map(s -> s.backend().ordinal()).distinct().count() == 1;
        this.staged = new CUevent[shards.size()];
        for (int r = 0; r < staged.length; r++) {
            shards.get(r).backend().bind();
            staged[r] = new CUevent();
            cuEventCreate(staged[r], CUevent_flags.CU_EVENT_DISABLE_TIMING);
        }
        shards.get(0).backend().bind();
        cuEventCreate(fork, CUevent_flags.CU_EVENT_DISABLE_TIMING);
    }

    int size() {
        return shards.size();
    }

    DeviceAllReduce.Path allReducePath() {
        return allReduce.path();
    }

    /** Passes that ran as one replayed graph of the whole group. */
    long graphPasses() {
        return graphPasses;
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
        int m = batch.totalTokens();
        int n = 0;
        for (CudaModelRunner s : shards) {
            s.backend().bind();
            n = s.stage(batch);
        }
        allReduce.prepare();
        // Generations only grow, so their sum changes whenever any buffer was replaced.
        long gen = allReduce.generation();
        for (CudaModelRunner s : shards) {
            gen += s.bufferGeneration();
        }
        if (gen != generation) {
            graphs.clear();  // they hold replaced buffers' addresses
            generation = gen;
        }
        CudaModelRunner first = shards.get(0);
        CUstream mainStream = first.backend().stream();
        KernelLauncher launcher = first.backend().launcher();
        CUgraphExec exec = null;
        if (oneDevice && launcher.graphsAllowed() && m <= CudaModelRunner.GRAPH_MAX_TOKENS) {
            // The graph runs on the first shard's stream: it must see every shard's staged inputs.
            for (int r = 1; r < shards.size(); r++) {
                cuEventRecord(staged[r], shards.get(r).backend().stream());
                cuStreamWaitEvent(mainStream, staged[r], 0);
            }
            long key = PassGraphs.key(m, n);
            exec = graphs.get(key);
            if (exec == null && graphs.seenBefore(key)) {
                exec = capture(m, n);
                graphs.put(key, exec);
            }
        }
        if (exec != null) {
            first.backend().bind();
            launcher.launchGraph(exec);
            graphPasses++;
            for (CudaModelRunner s : shards) {
                if (n > 0) {
                    s.enqueueLogitsToHost(n, mainStream);  // after the graph, on its stream
                }
            }
        } else {
            enqueuePass(m, n);
            for (CudaModelRunner s : shards) {
                if (n > 0) {
                    s.backend().bind();
                    s.enqueueLogitsToHost(n, s.backend().stream());
                }
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

    /** Every shard's kernels of the pass, with the all-reduces between the blocks. */
    private void enqueuePass(int m, int n) {
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
        }
    }

    /**
     * Records the group's pass into one graph: the other shards' streams fork from the first
     * shard's (an event recorded there), the all-reduce events become edges, and each stream's
     * last work joins the first stream again before the capture ends. One GPU only: every stream
     * is in the same context.
     */
    private CUgraphExec capture(int m, int n) {
        CudaModelRunner first = shards.get(0);
        CUstream mainStream = first.backend().stream();
        first.backend().bind();
        List<KernelLauncher> launchers = shards.stream().map(s -> s.backend().launcher()).toList();
        return PassGraphs.record(mainStream, launchers, () -> {
            cuEventRecord(fork, mainStream);
            for (int r = 1; r < shards.size(); r++) {
                cuStreamWaitEvent(shards.get(r).backend().stream(), fork, 0);
            }
            enqueuePass(m, n);
            for (int r = 1; r < shards.size(); r++) {
                cuEventRecord(staged[r], shards.get(r).backend().stream());
                cuStreamWaitEvent(mainStream, staged[r], 0);
            }
        });
    }

    /**
     * Mean wall time of one all-reduce of {@code m} tokens (both partial sets alternating, as a
     * pass runs them) over {@code calls} calls queued back to back, in microseconds: the cost per
     * call at that size, host enqueue included. It adds to the residual streams, which the next
     * pass rebuilds from the embeddings; a pass of at least {@code m} tokens must have run.
     */
    public double allReduceMicros(int m, int calls) {
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
            shards.get(0).backend().bind();
            graphs.close();
            cuEventDestroy(fork);
            for (int r = 0; r < staged.length; r++) {
                shards.get(r).backend().bind();
                cuEventDestroy(staged[r]);
            }
        } catch (RuntimeException e) {
            first = e;
        }
        try {
            allReduce.close();
        } catch (RuntimeException e) {
            first = first == null ? e : first;
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
