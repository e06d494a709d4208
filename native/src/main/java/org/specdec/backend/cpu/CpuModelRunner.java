package org.specdec.backend.cpu;

import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.kv.HeapKvCache;
import org.specdec.kv.KvCache;
import org.specdec.model.LayerWeights;
import org.specdec.model.LlamaWeights;
import org.specdec.model.RopeTable;
import org.specdec.tensor.WeightTensor;

/**
 * The Llama forward pass on the CPU for a batch of rows with several new positions each:
 * embed -> per layer [RMSNorm, q/k/v GEMM, RoPE, KV append, causal GQA attention, o GEMM,
 * residual, RMSNorm, gate/up GEMM, SwiGLU, down GEMM, residual] -> final RMSNorm -> head GEMM on
 * the positions that need logits. Activations are [tokens x dim] scratch arrays reused across
 * calls; they grow when a larger batch arrives, never per token.
 */
public final class CpuModelRunner implements ModelRunner {
    private static final int ROW_GRAIN = 8;

    private final LlamaWeights w;
    private final ModelConfig c;
    private final WorkerPool pool;
    private final RopeTable rope;
    private final WeightRowReader[] readers;
    private final float[][] attnScratch;
    private final int maxPositions;

    private int capacityTokens;
    private float[] x, xb, q, k, v, att, gate, up;
    private int[] tokRow, tokPos;
    private float[] logits = new float[0];

    public CpuModelRunner(LlamaWeights weights, WorkerPool pool, int maxPositions) {
        this.w = weights;
        this.c = weights.config();
        this.pool = pool;
        this.maxPositions = maxPositions;
        this.rope = new RopeTable(c, maxPositions);
        int maxCols = Math.max(Math.max(c.hiddenSize(), c.intermediateSize()), c.qDim());
        this.readers = new WeightRowReader[pool.threads()];
        this.attnScratch = new float[pool.threads()][maxPositions];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = new WeightRowReader(maxCols);
        }
        ensureCapacity(16);
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
        return new HeapKvCache(c.numLayers(), capacity, c.kvDim());
    }

    @Override
    public long weightBytesPerPass() {
        return w.matrixBytes();
    }

    private void ensureCapacity(int tokens) {
        if (tokens <= capacityTokens) {
            return;
        }
        int n = Math.max(tokens, capacityTokens * 2);
        capacityTokens = n;
        x = new float[n * c.hiddenSize()];
        xb = new float[n * Math.max(c.hiddenSize(), c.qDim())];
        q = new float[n * c.qDim()];
        k = new float[n * c.kvDim()];
        v = new float[n * c.kvDim()];
        att = new float[n * c.qDim()];
        gate = new float[n * c.intermediateSize()];
        up = new float[n * c.intermediateSize()];
        tokRow = new int[n];
        tokPos = new int[n];
    }

    @Override
    public float[] forward(ForwardBatch batch) {
        int m = batch.totalTokens();
        ensureCapacity(m);
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
        for (int l = 0; l < w.layers().size(); l++) {
            layer(l, w.layers().get(l), batch, m);
        }
        for (int r = 0; r < batch.rows(); r++) {
            ((HeapKvCache) batch.cache(r)).advance(batch.tokenCount(r));
        }
        return head(batch);
    }

    private void layer(int l, LayerWeights lw, ForwardBatch batch, int m) {
        int d = c.hiddenSize();
        int qd = c.qDim();
        int kvd = c.kvDim();
        float eps = c.rmsNormEps();
        for (int t = 0; t < m; t++) {
            VectorMath.rmsnorm(x, t * d, lw.attentionNorm(), eps, xb, t * d, d);
        }
        // q, k and v in one parallel loop over their concatenated output rows.
        final float[] in = xb;
        pool.parallelFor(qd + 2 * kvd, ROW_GRAIN, (from, to, wk) -> {
            WeightRowReader rd = readers[wk];
            segment(lw.wq(), lw.bq(), 0, from, to, in, m, q, qd, rd);
            segment(lw.wk(), lw.bk(), qd, from, to, in, m, k, kvd, rd);
            segment(lw.wv(), lw.bv(), qd + kvd, from, to, in, m, v, kvd, rd);
        });
        for (int t = 0; t < m; t++) {
            rope.rotate(q, t * qd, c.numHeads(), tokPos[t]);
            rope.rotate(k, t * kvd, c.numKvHeads(), tokPos[t]);
            HeapKvCache cache = (HeapKvCache) batch.cache(tokRow[t]);
            System.arraycopy(k, t * kvd, cache.keys(l), tokPos[t] * kvd, kvd);
            System.arraycopy(v, t * kvd, cache.values(l), tokPos[t] * kvd, kvd);
        }
        attention(l, batch, m);
        pool.parallelFor(d, ROW_GRAIN, (from, to, wk) ->
                CpuMatmul.rows(lw.wo(), from, to, att, m, null, xb, d, 0, readers[wk]));
        VectorMath.add(x, 0, xb, 0, m * d);
        for (int t = 0; t < m; t++) {
            VectorMath.rmsnorm(x, t * d, lw.ffnNorm(), eps, xb, t * d, d);
        }
        int ff = c.intermediateSize();
        pool.parallelFor(2 * ff, ROW_GRAIN, (from, to, wk) -> {
            WeightRowReader rd = readers[wk];
            segment(lw.wGate(), null, 0, from, to, in, m, gate, ff, rd);
            segment(lw.wUp(), null, ff, from, to, in, m, up, ff, rd);
        });
        VectorMath.swiglu(gate, up, 0, m * ff);
        pool.parallelFor(d, ROW_GRAIN, (from, to, wk) ->
                CpuMatmul.rows(lw.wDown(), from, to, gate, m, null, xb, d, 0, readers[wk]));
        VectorMath.add(x, 0, xb, 0, m * d);
    }

    /** The part of [from, to) that falls in the matrix whose rows start at {@code base}. */
    private static void segment(WeightTensor wt, float[] bias, int base, int from, int to, float[] in, int m,
                                float[] out, int outStride, WeightRowReader rd) {
        int lo = Math.max(from, base) - base;
        int hi = Math.min(to, base + wt.rows()) - base;
        if (lo < hi) {
            CpuMatmul.rows(wt, lo, hi, in, m, bias, out, outStride, 0, rd);
        }
    }

    /** Causal grouped-query attention of every new position over its row's cache. */
    private void attention(int l, ForwardBatch batch, int m) {
        int heads = c.numHeads();
        int hd = c.headDim();
        int qd = c.qDim();
        int kvd = c.kvDim();
        int group = heads / c.numKvHeads();
        int window = c.slidingWindow();
        float scale = (float) (1.0 / Math.sqrt(hd));
        pool.parallelFor(m * heads, 4, (from, to, wk) -> {
            float[] scores = attnScratch[wk];
            for (int task = from; task < to; task++) {
                int t = task / heads;
                int h = task % heads;
                int pos = tokPos[t];
                HeapKvCache cache = (HeapKvCache) batch.cache(tokRow[t]);
                float[] keys = cache.keys(l);
                float[] vals = cache.values(l);
                int kvOff = (h / group) * hd;
                int qOff = t * qd + h * hd;
                int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
                float max = Float.NEGATIVE_INFINITY;
                for (int s = first; s <= pos; s++) {
                    float sc = VectorMath.dot(q, qOff, keys, s * kvd + kvOff, hd) * scale;
                    scores[s] = sc;
                    if (sc > max) {
                        max = sc;
                    }
                }
                float sum = 0;
                for (int s = first; s <= pos; s++) {
                    float e = (float) Math.exp(scores[s] - max);
                    scores[s] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                int outOff = t * qd + h * hd;
                java.util.Arrays.fill(att, outOff, outOff + hd, 0f);
                for (int s = first; s <= pos; s++) {
                    VectorMath.axpy(scores[s] * inv, vals, s * kvd + kvOff, att, outOff, hd);
                }
            }
        });
    }

    private float[] head(ForwardBatch batch) {
        int d = c.hiddenSize();
        int vocab = c.vocabSize();
        int n = batch.totalLogits();
        int out = 0;
        for (int r = 0; r < batch.rows(); r++) {
            int last = batch.tokenOffset(r) + batch.tokenCount(r);
            for (int t = last - batch.logitCount(r); t < last; t++) {
                VectorMath.rmsnorm(x, t * d, w.finalNorm(), c.rmsNormEps(), xb, out * d, d);
                out++;
            }
        }
        if (logits.length < n * vocab) {
            logits = new float[Math.max(n * vocab, logits.length * 2)];
        }
        final float[] lg = logits;
        pool.parallelFor(vocab, 64, (from, to, wk) ->
                CpuMatmul.rows(w.lmHead(), from, to, xb, n, null, lg, vocab, 0, readers[wk]));
        return logits;
    }
}
