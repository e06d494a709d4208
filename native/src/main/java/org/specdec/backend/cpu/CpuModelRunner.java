package org.specdec.backend.cpu;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.backend.cpu.PassStages.Stage;
import org.specdec.backend.tp.HostAllReduce;
import org.specdec.backend.tp.ShardRunner;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.kv.HeapKvCache;
import org.specdec.kv.KvCache;
import org.specdec.kv.ShardedKvCache;
import org.specdec.model.LayerWeights;
import org.specdec.model.LlamaWeights;
import org.specdec.model.RopeTable;
import org.specdec.model.ShardLayout;
import org.specdec.tensor.DType;
import org.specdec.tensor.WeightTensor;

/**
 * The Llama forward pass on the CPU for a batch of rows with several new positions each:
 * embed -> per layer [RMSNorm, q/k/v GEMM, RoPE, KV append, causal GQA attention, o GEMM,
 * residual, RMSNorm, gate/up GEMM, SwiGLU, down GEMM, residual] -> final RMSNorm -> head GEMM on
 * the positions that need logits. Activations are [tokens x dim] scratch arrays reused across
 * calls; they grow when a larger batch arrives, never per token.
 *
 * <p>The same pass runs one shard of a tensor-parallel group ({@link ShardLayout}): its heads, its
 * intermediate features and its vocabulary rows, with the partial outputs of o_proj and down_proj
 * summed over the group before each residual add. The whole model is the group of one.
 */
public final class CpuModelRunner implements ModelRunner, ShardRunner {
    private static final int ROW_GRAIN = 8;
    /**
     * Multiply-adds below which a GEMM stays on the calling thread: about 2 us of one core's work,
     * twice what handing a loop to another core and waiting for it costs.
     */
    private static final long PARALLEL_MACS = 65_536;
    /** Element-wise work below this many elements stays on the calling thread (a hand-off costs more). */
    private static final int PARALLEL_ELEMENTS = 16_384;
    /**
     * Tokens per chunk of the RoPE-and-KV-append loop, which stays on the calling thread up to this
     * many: a token costs about 0.7 us there, a hand-off a few.
     */
    private static final int ROPE_TOKEN_GRAIN = 8;
    /** New positions of a row per attention task: a verification's all, a long prefill's in several tasks. */
    private static final int ATTENTION_TOKENS = 8;

    private final LlamaWeights w;
    private final ModelConfig c;
    private final ShardLayout shard;
    /** Null for the whole model. */
    private final HostAllReduce allReduce;
    /** This shard's query, key/value and intermediate widths. */
    private final int qd, kvd, ff;
    private final WorkerPool pool;
    private final RopeTable rope;
    private final WeightRowReader[] readers;
    /** Lane scratch of the norms, which run on the calling thread. */
    private final float[] lanes = new float[VectorMath.LANES];
    /** The input of the GEMM being run, in the order its weights read it. */
    private final InputPanel panel = new InputPanel();
    /** The 8-bit copies the GEMMs read instead of the mapped matrices, or null. */
    private final Map<WeightTensor, Q8Weights> q8;
    /** The tiled copies the GEMMs read instead of the mapped matrices, or null. */
    private final Map<WeightTensor, TiledWeights> tiled;
    private final TiledMatmul.Scratch[] tileScratch;
    /** Output rows per unit of the GEMMs' parallel loops: a group of tiles where the matrices are tiled, else one row. */
    private final int unitRows;
    /** Whether any matrix is 16-bit and so reads its input in the paired order. */
    private final boolean pairedInputs;
    /** Each worker's block of attention queries. */
    private final CpuAttention.Block[] attnBlocks;
    /** The first attention task of each row of the current pass, and the total after the last. */
    private int[] rowTasks = new int[0];
    /** Whether this pass's attention tasks rotate and append their heads themselves (every row in one task). */
    private boolean ropeInAttention;
    private final int maxPositions;
    /** Where the calling thread's time goes ({@code profile}); off unless enabled. */
    private final PassStages stages;

    private int capacityTokens;
    private float[] x, xb, q, k, v, att, gate, up;
    private int[] tokRow, tokPos;
    private float[] logits = new float[0];

    public CpuModelRunner(LlamaWeights weights, WorkerPool pool, int maxPositions) {
        this(weights, ShardLayout.whole(weights.config()), null, pool, maxPositions, CpuWeights.AUTO);
    }

    /**
     * One shard of a tensor-parallel group: {@code weights} are the whole model's, this runner reads
     * the shard's views of them.
     */
    public CpuModelRunner(LlamaWeights weights, ShardLayout shard, HostAllReduce allReduce, WorkerPool pool,
                          int maxPositions) {
        this(weights, shard, allReduce, pool, maxPositions, CpuWeights.AUTO);
    }

    /**
     * {@link #CpuModelRunner(LlamaWeights, ShardLayout, HostAllReduce, WorkerPool, int)}, with the
     * matrices held as {@code layout} says: read where mapped, copied into tiles ({@link TiledWeights})
     * or quantised to 8 bits ({@link Q8Weights}) at load; auto decides by the whole model's size.
     */
    public CpuModelRunner(LlamaWeights weights, ShardLayout shard, HostAllReduce allReduce, WorkerPool pool,
                          int maxPositions, CpuWeights layout) {
        CpuWeights held = layout.resolve(weights.matrixBytes());
        this.w = weights.shard(shard);
        this.c = weights.config();
        this.shard = shard;
        this.allReduce = shard.whole() ? null : allReduce;
        this.qd = shard.qDim(c);
        this.kvd = shard.kvDim(c);
        this.ff = shard.ffCount();
        this.pool = pool;
        this.stages = new PassStages(pool);
        this.maxPositions = maxPositions;
        this.rope = new RopeTable(c, maxPositions);
        int maxCols = Math.max(Math.max(c.hiddenSize(), c.intermediateSize()), c.qDim());
        this.readers = new WeightRowReader[pool.threads()];
        this.attnBlocks = new CpuAttention.Block[pool.threads()];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = new WeightRowReader(maxCols);
            attnBlocks[i] = new CpuAttention.Block(maxPositions);
        }
        this.q8 = held == CpuWeights.Q8_0 ? copy(w.matrices(), pool, Q8Weights::quantize) : null;
        if (held == CpuWeights.TILED) {
            requireHeapForTiles(w.matrixBytes(), Runtime.getRuntime().maxMemory());
        }
        this.tiled = held == CpuWeights.TILED ? copy(w.matrices(), pool, TiledWeights::of) : null;
        this.unitRows = tiled != null ? TiledMatmul.GROUP * TiledWeights.L : 1;
        this.tileScratch = new TiledMatmul.Scratch[pool.threads()];
        for (int i = 0; i < tileScratch.length; i++) {
            tileScratch[i] = tiled != null ? new TiledMatmul.Scratch() : null;
        }
        this.pairedInputs = held == CpuWeights.STORED && w.matrices().stream().anyMatch(t -> t.dtype() != DType.F32);
        ensureCapacity(16);
    }

    /**
     * Sets the GEMM input to {@code rows} rows of {@code cols} from {@code x}, filling its paired
     * order (rows) and its column-wise copy (places) in one parallel loop where that pays.
     */
    private InputPanel input(float[] x, int rows, int cols) {
        if (tiled != null) {
            // Tiled GEMMs read the rows as they are.
            panel.set(x, rows, cols, false, false);
            stages.lap(Stage.INPUT_PANELS);
            return panel;
        }
        panel.set(x, rows, cols, pairedInputs);
        int pairing = pairedInputs ? rows : 0;
        int places = panel.hasColumns() ? InputPanel.vectorEnd(cols) : 0;
        long elements = (long) pairing * cols + (long) places * panel.columnStride();
        if (elements >= PARALLEL_ELEMENTS) {
            pool.parallelFor(pairing + places, 1, (from, to, wk) -> fillPanel(pairing, from, to));
        } else if (pairing + places > 0) {
            fillPanel(pairing, 0, pairing + places);
        }
        stages.lap(Stage.INPUT_PANELS);  // every caller laps its own stage just before
        return panel;
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public KvCache newCache(int capacity) {
        if (capacity > maxPositions) {
            throw new IllegalArgumentException("KV capacity " + capacity + " exceeds the runner's " + maxPositions);
        }
        return new HeapKvCache(c.numLayers(), capacity, kvd, VectorMath.LANES);
    }

    @Override
    public void close() {
        // The pool is the backend's; the weights are mapped views.
    }

    /** The cache this runner appends to: a row's own, or this shard's part of a group's. */
    private HeapKvCache cacheOf(KvCache cache) {
        return (HeapKvCache) (cache instanceof ShardedKvCache s ? s.shard(shard.rank()) : cache);
    }

    @Override
    public long weightBytesPerPass() {
        return q8 != null || tiled != null ? copiedBytes() : w.matrixBytes();
    }

    private void ensureCapacity(int tokens) {
        if (tokens <= capacityTokens) {
            return;
        }
        int n = Math.max(tokens, capacityTokens * 2);
        capacityTokens = n;
        x = new float[n * c.hiddenSize()];
        xb = new float[n * Math.max(c.hiddenSize(), qd)];
        q = new float[n * qd];
        k = new float[n * kvd];
        v = new float[n * kvd];
        att = new float[n * qd];
        gate = new float[n * ff];
        up = new float[n * ff];
        tokRow = new int[n];
        tokPos = new int[n];
    }

    @Override
    public float[] forward(ForwardBatch batch) {
        int n = batch.totalLogits() * c.vocabSize();
        if (logits.length < n) {
            logits = new float[Math.max(n, logits.length * 2)];
        }
        forwardShard(batch, logits);
        return logits;
    }

    @Override
    public void forwardShard(ForwardBatch batch, float[] logitsOut) {
        int m = batch.totalTokens();
        ensureCapacity(m);
        stages.startPass();
        int d = c.hiddenSize();
        for (int r = 0; r < batch.rows(); r++) {
            KvCache cache = batch.cache(r);
            int start = cache.length();
            if (start + batch.tokenCount(r) > cache.capacity()) {
                throw new IllegalStateException("row " + r + " exceeds its KV capacity " + cache.capacity());
            }
            for (int i = 0; i < batch.tokenCount(r); i++) {
                int t = batch.tokenOffset(r) + i;
                tokRow[t] = r;
                tokPos[t] = start + i;
                int id = batch.token(t);
                if (id < 0 || id >= c.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " outside vocabulary " + c.vocabSize());
                }
                w.embedding().readRow(id, x, t * d);
            }
        }
        stages.lap(Stage.NORMS_AND_ADDS);
        ropeInAttention = true;
        for (int r = 0; r < batch.rows(); r++) {
            ropeInAttention &= batch.tokenCount(r) <= ATTENTION_TOKENS;
        }
        for (int l = 0; l < w.layers().size(); l++) {
            layer(l, w.layers().get(l), batch, m);
        }
        for (int r = 0; r < batch.rows(); r++) {
            cacheOf(batch.cache(r)).advance(batch.tokenCount(r));
        }
        head(batch, logitsOut);
        stages.endPass();
    }

    private void layer(int l, LayerWeights lw, ForwardBatch batch, int m) {
        int d = c.hiddenSize();
        float eps = c.rmsNormEps();
        for (int t = 0; t < m; t++) {
            VectorMath.rmsnorm(x, t * d, lw.attentionNorm(), eps, xb, t * d, d, lanes);
        }
        stages.lap(Stage.NORMS_AND_ADDS);
        // q, k and v in one parallel loop over their concatenated output units (rows, or groups of tiles).
        InputPanel in = input(xb, m, d);
        int qUnits = units(lw.wq());
        int kUnits = units(lw.wk());
        int qkvRows = lw.wq().rows() + lw.wk().rows() + lw.wv().rows();
        pool.parallelFor(qUnits + kUnits + units(lw.wv()), unitGrain(m, qkvRows, d), (from, to, wk) -> {
            segment(lw.wq(), lw.bq(), 0, from, to, in, q, qd, wk);
            segment(lw.wk(), lw.bk(), qUnits, from, to, in, k, kvd, wk);
            segment(lw.wv(), lw.bv(), qUnits + kUnits, from, to, in, v, kvd, wk);
        });
        stages.lap(Stage.MATMUL);
        if (!ropeInAttention) {
            if (m <= ROPE_TOKEN_GRAIN) {
                ropeAndAppend(l, batch, 0, m);
            } else {
                pool.parallelFor(m, ROPE_TOKEN_GRAIN, (from, to, wk) -> ropeAndAppend(l, batch, from, to));
            }
            stages.lap(Stage.ROPE_AND_CACHE);
        }
        attention(l, batch, ropeInAttention);
        stages.lap(ropeInAttention ? Stage.ROPE_AND_ATTENTION : Stage.ATTENTION);
        InputPanel heads = input(att, m, qd);
        pool.parallelFor(units(lw.wo()), unitGrain(m, lw.wo().rows(), qd), (from, to, wk) ->
                matmul(lw.wo(), from, to, heads, null, xb, d, 0, wk));
        sumOverShards(xb, m * d);
        stages.lap(Stage.MATMUL);
        VectorMath.add(x, 0, xb, 0, m * d);
        for (int t = 0; t < m; t++) {
            VectorMath.rmsnorm(x, t * d, lw.ffnNorm(), eps, xb, t * d, d, lanes);
        }
        stages.lap(Stage.NORMS_AND_ADDS);
        InputPanel normed = input(xb, m, d);
        int gateUnits = units(lw.wGate());
        pool.parallelFor(gateUnits + units(lw.wUp()), unitGrain(m, 2 * ff, d), (from, to, wk) -> {
            segment(lw.wGate(), null, 0, from, to, normed, gate, ff, wk);
            segment(lw.wUp(), null, gateUnits, from, to, normed, up, ff, wk);
        });
        stages.lap(Stage.MATMUL);
        pool.parallelFor(m * ff, PARALLEL_ELEMENTS, (from, to, wk) -> VectorMath.swiglu(gate, up, from, to - from));
        stages.lap(Stage.SWIGLU);
        InputPanel activated = input(gate, m, ff);
        pool.parallelFor(units(lw.wDown()), unitGrain(m, d, ff), (from, to, wk) ->
                matmul(lw.wDown(), from, to, activated, null, xb, d, 0, wk));
        sumOverShards(xb, m * d);
        stages.lap(Stage.MATMUL);
        VectorMath.add(x, 0, xb, 0, m * d);
        stages.lap(Stage.NORMS_AND_ADDS);
    }

    private void sumOverShards(float[] partial, int n) {
        if (allReduce != null) {
            allReduce.sum(shard.rank(), partial, n);
        }
    }

    /** Fails before copying, naming the setting, where the tiles would not fit a heap of {@code heap} bytes. */
    static void requireHeapForTiles(long bytes, long heap) {
        if (bytes > heap / 4 * 3) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                    "model.cpu_weights tiled copies %.1f MiB of matrices onto the heap, more than 3/4 of this JVM's "
                            + "%.1f MiB (-Xmx, spark.executor.memory): give the JVM more memory, or set "
                            + "model.cpu_weights: stored (or auto) to read them where they are mapped",
                    bytes / 1048576.0, heap / 1048576.0));
        }
    }

    /** Units of {@code wt}'s output rows in the GEMMs' parallel loops ({@link #unitRows} rows each). */
    private int units(WeightTensor wt) {
        return (wt.rows() + unitRows - 1) / unitRows;
    }

    /**
     * The smallest chunk of units a worker takes in a GEMM loop of {@code m} input rows, {@code outputs}
     * output rows and {@code cols} columns: a group of tiles, or {@link #ROW_GRAIN} rows; all of them
     * where the products are too few to pay for handing part to another thread.
     */
    private int unitGrain(int m, int outputs, int cols) {
        if ((long) m * outputs * cols < PARALLEL_MACS) {
            return Integer.MAX_VALUE;
        }
        return tiled != null ? 1 : ROW_GRAIN;
    }

    /** The part of units [from, to) that falls in the matrix whose units start at {@code base}. */
    private void segment(WeightTensor wt, float[] bias, int base, int from, int to, InputPanel in,
                         float[] out, int outStride, int worker) {
        int lo = Math.max(from, base) - base;
        int hi = Math.min(to, base + units(wt)) - base;
        if (lo < hi) {
            matmul(wt, lo, hi, in, bias, out, outStride, 0, worker);
        }
    }

    /** Units [from, to) of {@code wt} times the input: from its tiled or 8-bit copy where there is one. */
    private void matmul(WeightTensor wt, int from, int to, InputPanel in, float[] bias, float[] out, int outStride,
                        int outCol, int worker) {
        if (tiled != null) {
            TiledWeights tw = tiled.get(wt);
            int g = TiledMatmul.GROUP;
            TiledMatmul.tiles(tw, from * g, Math.min(to * g, tw.tiles()), in.elements(DType.F32), in.rows(), bias, out,
                    outStride, outCol, tileScratch[worker]);
        } else if (q8 != null) {
            CpuMatmul.rows(q8.get(wt), from, to, in, bias, out, outStride, outCol, readers[worker]);
        } else {
            CpuMatmul.rows(wt, from, to, in, bias, out, outStride, outCol, readers[worker]);
        }
    }

    /** A copy of every matrix, made in parallel, by tensor identity. */
    private static <T> Map<WeightTensor, T> copy(List<WeightTensor> matrices, WorkerPool pool,
                                                 java.util.function.Function<WeightTensor, T> maker) {
        Object[] done = new Object[matrices.size()];
        pool.parallelFor(matrices.size(), 1, (from, to, wk) -> {
            for (int i = from; i < to; i++) {
                done[i] = maker.apply(matrices.get(i));
            }
        });
        Map<WeightTensor, T> byTensor = new IdentityHashMap<>();
        for (int i = 0; i < done.length; i++) {
            @SuppressWarnings("unchecked")
            T copied = (T) done[i];
            byTensor.put(matrices.get(i), copied);
        }
        return byTensor;
    }

    /** Tokens [from, to): RoPE on their q and k rows, then their k and v into their rows' caches (each its own position). */
    private void ropeAndAppend(int l, ForwardBatch batch, int from, int to) {
        for (int t = from; t < to; t++) {
            rope.rotate(q, t * qd, shard.heads(), tokPos[t]);
            rope.rotate(k, t * kvd, shard.kvHeads(), tokPos[t]);
            cacheOf(batch.cache(tokRow[t])).put(l, tokPos[t], k, t * kvd, v, t * kvd);
        }
    }

    /** Items [from, to) of {@link #input}'s loop: rows to pair below {@code pairing}, column places above. */
    private void fillPanel(int pairing, int from, int to) {
        if (from < pairing) {
            panel.pairRows(from, Math.min(to, pairing));
        }
        if (to > pairing) {
            panel.transposeColumns(Math.max(from, pairing) - pairing, to - pairing);
        }
    }

    /**
     * Starts timing where this runner's passes spend the calling thread's time ({@code true}), clearing
     * earlier counts, or stops it. The pool is shared with the draft's runner: time one runner at a time.
     */
    public void timeStages(boolean on) {
        stages.enable(on);
    }

    /** The timed passes' stages since {@link #timeStages} turned timing on. */
    public PassStages stages() {
        return stages;
    }


    /** Bytes of the tiled or 8-bit copies (0 where the matrices are read as stored). */
    public long copiedBytes() {
        if (q8 != null) {
            return q8.values().stream().mapToLong(Q8Weights::byteSize).sum();
        }
        return tiled == null ? 0 : tiled.values().stream().mapToLong(TiledWeights::byteSize).sum();
    }

    /**
     * Causal grouped-query attention of every new position over its row's cache. A task is one row's
     * KV head over up to {@link #ATTENTION_TOKENS} of its new positions: their query heads of that KV
     * head go through {@link CpuAttention} in blocks, sharing each key and value load. With
     * {@code ropeFirst} (every row's new positions in one task) the task also rotates its query and
     * key heads and appends its key and value head to the cache, on the core that reads them next.
     */
    private void attention(int l, ForwardBatch batch, boolean ropeFirst) {
        int kvHeads = shard.kvHeads();
        int rows = batch.rows();
        if (rowTasks.length < rows + 1) {
            rowTasks = new int[Math.max(rows + 1, rowTasks.length * 2)];
        }
        int tasks = 0;
        for (int r = 0; r < rows; r++) {
            rowTasks[r] = tasks;
            tasks += kvHeads * ((batch.tokenCount(r) + ATTENTION_TOKENS - 1) / ATTENTION_TOKENS);
        }
        rowTasks[rows] = tasks;
        pool.parallelFor(tasks, 4, (from, to, wk) -> {
            int r = 0;
            for (int task = from; task < to; task++) {
                while (rowTasks[r + 1] <= task) {
                    r++;
                }
                int local = task - rowTasks[r];
                attendTask(l, batch, r, local % kvHeads, local / kvHeads, ropeFirst, attnBlocks[wk]);
            }
        });
    }

    /** Chunk {@code chunk} of row {@code r}'s new positions, for its KV head {@code kvHead}. */
    private void attendTask(int l, ForwardBatch batch, int r, int kvHead, int chunk, boolean ropeFirst,
                            CpuAttention.Block block) {
        int hd = c.headDim();
        int group = c.numHeads() / c.numKvHeads();
        int window = c.slidingWindow();
        float scale = (float) (1.0 / Math.sqrt(hd));
        HeapKvCache cache = cacheOf(batch.cache(r));
        int kvOff = kvHead * hd;
        // This shard's query heads of the KV head (a shard may hold only some of a group's).
        int headFrom = Math.max(0, (shard.kvHeadFrom() + kvHead) * group - shard.headFrom());
        int headTo = Math.min(shard.heads(), (shard.kvHeadFrom() + kvHead + 1) * group - shard.headFrom());
        int t0 = batch.tokenOffset(r) + chunk * ATTENTION_TOKENS;
        int t1 = Math.min(batch.tokenOffset(r) + batch.tokenCount(r), t0 + ATTENTION_TOKENS);
        if (ropeFirst) {
            for (int t = t0; t < t1; t++) {
                rope.rotate(q, t * qd + headFrom * hd, headTo - headFrom, tokPos[t]);
                rope.rotate(k, t * kvd + kvOff, 1, tokPos[t]);
                cache.put(l, tokPos[t], kvOff, hd, k, t * kvd + kvOff, v, t * kvd + kvOff);
            }
        }
        for (int t = t0; t < t1; t++) {
            int pos = tokPos[t];
            int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
            for (int h = headFrom; h < headTo; h++) {
                block.add(t * qd + h * hd, first, pos);
                if (block.full()) {
                    CpuAttention.attend(block, q, cache, l, kvOff, hd, scale, att);
                }
            }
        }
        if (!block.isEmpty()) {
            CpuAttention.attend(block, q, cache, l, kvOff, hd, scale, att);
        }
    }

    /** This shard's logit columns of {@code out} ({@code [totalLogits][vocab]}). */
    private void head(ForwardBatch batch, float[] out) {
        int d = c.hiddenSize();
        int vocab = c.vocabSize();
        int n = batch.totalLogits();
        int row = 0;
        for (int r = 0; r < batch.rows(); r++) {
            int last = batch.tokenOffset(r) + batch.tokenCount(r);
            for (int t = last - batch.logitCount(r); t < last; t++) {
                VectorMath.rmsnorm(x, t * d, w.finalNorm(), c.rmsNormEps(), xb, row * d, d, lanes);
                row++;
            }
        }
        int vocabFrom = shard.vocabFrom();
        stages.lap(Stage.NORMS_AND_ADDS);
        InputPanel normed = input(xb, n, d);
        pool.parallelFor(units(w.lmHead()), tiled != null ? 2 : 64, (from, to, wk) ->
                matmul(w.lmHead(), from, to, normed, null, out, vocab, vocabFrom, wk));
        stages.lap(Stage.MATMUL);
    }
}
