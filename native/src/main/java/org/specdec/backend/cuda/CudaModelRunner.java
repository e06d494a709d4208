package org.specdec.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUgraphExec;
import org.specdec.backend.AcceptanceRows;
import org.specdec.backend.DeviceAcceptance;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.backend.cuda.CudaBackend.DeviceLayer;
import org.specdec.backend.cuda.CudaBackend.DeviceMatrix;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.kv.KvCache;
import org.specdec.kv.ShardedKvCache;
import org.specdec.model.LayerWeights;
import org.specdec.model.LlamaWeights;
import org.specdec.model.RopeTable;
import org.specdec.model.ShardLayout;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static org.specdec.backend.cuda.KernelArgs.f;
import static org.specdec.backend.cuda.KernelArgs.i;
import static org.specdec.backend.cuda.KernelArgs.j;
import static org.specdec.backend.cuda.KernelArgs.p;

/**
 * The Llama forward pass on the GPU, the same pipeline as CpuModelRunner (see specdec.cu for the
 * kernel order): activations F32 on the device, weights in their stored dtype, KV cache F32.
 * {@link #forward} copies the requested logits to the host for the generic engine path (drafting,
 * tests); {@link #forwardAndAccept} keeps them on the device and runs the acceptance kernel
 * ({@link AcceptanceStaging}), so only accepted ids cross to the host.
 *
 * <p>Per pass the host writes one block of ints (tokens, positions, KV slots, logit rows) into a
 * pinned buffer, copies it with one async copy, runs the pass's ~12 kernels per layer (as one
 * CUDA graph once the pass shape has been seen before, see {@link PassGraphs}) and synchronizes
 * once at the end.
 *
 * <p>A runner can also be one shard of a tensor-parallel group ({@link ShardLayout}): it uploads
 * only its heads, MLP features and vocabulary rows, and {@link CudaTensorParallelRunner} drives its
 * pass block by block ({@link #stage}, {@link #enqueueShardAttention}, {@link #enqueueShardMlp},
 * {@link #enqueueHead}), with the group's all-reduce between the blocks.
 */
public final class CudaModelRunner implements ModelRunner, DeviceAcceptance {
    /** Passes of at most this many tokens run as CUDA graphs (decode and verification; not long prefills). */
    static final int GRAPH_MAX_TOKENS = 512;
    /** Graphs kept per runner (pass shapes: batch sizes x draft lengths). */
    static final int GRAPH_CAPACITY = 64;
    /** Tokens of activations the KV budget keeps free (prefill chunks beyond it allocate on demand). */
    static final int RESERVE_TOKENS = 2048;
    static final long HEADROOM_BYTES = 256L << 20;

    private final CudaBackend backend;
    private final LlamaWeights weights;
    private final ModelConfig config;
    private final ShardLayout shard;
    /**
     * Dimensions this runner computes: hidden size, q width, k/v width, MLP width, logit columns,
     * heads, KV heads (a shard's own parts of the model's), head size.
     */
    private final int hidden, qDim, kvDim, intermediate, vocab, heads, kvHeads, headDim;
    /** Row lengths of the activation buffers, padded for the GEMM kernels (see {@link LaunchGeometry#paddedK}). */
    private final int ldHidden, ldQkv, ldQ, ldFfn;
    private final DeviceMatrix embed;
    private final DeviceMatrix head;
    private final List<DeviceLayer> layers = new ArrayList<>();
    private final CUdeviceptr finalNorm;
    private final CUdeviceptr invFreq;
    private final int capacity;
    private final int rows;
    private final long slotStride;
    private final CUdeviceptr kPool;
    private final CUdeviceptr vPool;
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private final CUdeviceptr workspace;
    private final OwnedBuffers buffers;
    private final AcceptanceStaging acceptance;
    /** The baseline attention kernel (one block per (token, head)), run under SPECDEC_CUDA_BASELINE=1. */
    private final String attentionKernel;
    /** Split attention: its kernel, query heads per block and key-range splits (from the capacity only). */
    private final String attentionSplitKernel;
    private final int attentionHeadsPerBlock;
    private final int attentionSplits;
    private final PassGraphs graphs = new PassGraphs(GRAPH_CAPACITY);
    private boolean closed;

    // Activations [tokens][ld], grown when a larger pass arrives.
    private int tokenCap;
    /** The residual stream. */
    private CUdeviceptr residual;
    /** RMS-normed input of the attention and MLP blocks. */
    private CUdeviceptr normed;
    /** Final-normed hidden states of the logit positions only (the LM head's input). */
    private CUdeviceptr headInput;
    private CUdeviceptr qkv;
    /** Attention output, before the output projection. */
    private CUdeviceptr attention;
    /** Split attention partials of up to attentionPartialTokens tokens: o [tokens][heads][splits][hd], then (m, l). */
    private CUdeviceptr attentionPartials;
    private int attentionPartialTokens;
    /** SwiGLU output, before the down projection. */
    private CUdeviceptr mlpHidden;
    /** A shard's partial o_proj and down_proj outputs [tokenCap][ldHidden], for the all-reduce. */
    private final CUdeviceptr[] partials = new CUdeviceptr[2];
    /** The pass's ints: token ids [tokenCap], then positions, KV slots and logit rows, tokenCap each. */
    private CUdeviceptr passInts;
    private Pointer hostPassIntsPtr;
    private IntBuffer hostPassInts;
    // Logits [rows][vocab].
    private int logitCap;
    private CUdeviceptr logits;
    private Pointer hostLogitsPtr;
    private FloatBuffer hostLogits;
    private float[] logitsHeap = new float[0];
    /** Bumped whenever a buffer is replaced, so graphs that hold the old addresses are dropped. */
    private int bufferGeneration;

    CudaModelRunner(CudaBackend backend, LlamaWeights weights) {
        this(backend, weights, ShardLayout.whole(weights.config()));
    }

    /** Shard {@code shard} of the model {@code whole}: only the shard's parts are uploaded. */
    CudaModelRunner(CudaBackend backend, LlamaWeights whole, ShardLayout shard) {
        this.backend = backend;
        this.weights = whole.shard(shard);
        this.config = whole.config();
        this.shard = shard;
        this.buffers = new OwnedBuffers(backend);
        this.hidden = config.hiddenSize();
        this.ldHidden = LaunchGeometry.paddedK(hidden);
        this.qDim = shard.qDim(config);
        this.kvDim = shard.kvDim(config);
        this.intermediate = shard.ffCount();
        this.vocab = shard.vocabCount();
        this.heads = shard.heads();
        this.kvHeads = shard.kvHeads();
        this.headDim = config.headDim();
        this.ldQkv = LaunchGeometry.paddedK(qDim + 2 * kvDim);
        this.ldQ = LaunchGeometry.paddedK(qDim);
        this.ldFfn = LaunchGeometry.paddedK(intermediate);
        this.attentionKernel = LaunchGeometry.attentionKernel(headDim);
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim " + headDim + " must be even for RoPE");
        }
        this.embed = backend.matrix(weights.embedding());
        this.head = backend.matrix(weights.lmHead());
        for (LayerWeights lw : weights.layers()) {
            layers.add(backend.layer(lw));
        }
        this.finalNorm = buffers.adopt(DeviceUpload.floats(backend, weights.finalNorm()));
        this.invFreq = buffers.adopt(DeviceUpload.floats(backend, RopeTable.inverseFrequencies(config)));

        long wsFloats = 0;
        DeviceLayer l0 = layers.get(0);
        for (DeviceMatrix m : List.of(l0.qkv(), l0.wo(), l0.gateUp(), l0.down(), head)) {
            int splits = m.dtypeCode() == 0 ? 1 : LaunchGeometry.splits(m.rows(), m.cols(), backend.smCount());
            wsFloats = Math.max(wsFloats, (long) splits * m.rows() * LaunchGeometry.MAX_TOKENS_PER_GEMM);
        }
        this.workspace = buffers.device(wsFloats * Float.BYTES);

        // KV budget from what is free now that the weights are on the device.
        this.capacity = backend.maxPositions();
        this.rows = backend.maxRows();
        this.attentionSplits = LaunchGeometry.attentionSplits(capacity);
        this.attentionHeadsPerBlock = LaunchGeometry.attentionHeadsPerBlock(headDim, heads, kvGroup(),
                shard.headFrom());
        this.attentionSplitKernel = LaunchGeometry.attentionSplitKernel(headDim, attentionHeadsPerBlock);
        long reserve = activationBytes(RESERVE_TOKENS) + 2L * rows * 8 * vocab * Float.BYTES + HEADROOM_BYTES
                + attentionPartialBytes(RESERVE_TOKENS);
        long free = backend.memInfo()[0];
        KvBudget.require(backend.device(), describe(), free, reserve, rows, config.numLayers(), capacity, kvDim);
        this.slotStride = (long) config.numLayers() * capacity * kvDim;
        this.kPool = buffers.device(rows * slotStride * Float.BYTES);
        this.vPool = buffers.device(rows * slotStride * Float.BYTES);
        for (int s = 0; s < rows; s++) {
            freeSlots.add(s);
        }
        this.acceptance = new AcceptanceStaging(backend, buffers, vocab);
        ensureTokens(64);
        ensureLogits(16);
    }

    /** Query heads per KV head in the whole model. */
    private int kvGroup() {
        return config.numHeads() / config.numKvHeads();
    }

    private String describe() {
        return String.format("a %d-layer model (hidden %d, vocab %d)", config.numLayers(), hidden, vocab);
    }

    private long attentionPartialBytes(int tokens) {
        int t = Math.min(tokens, LaunchGeometry.MAX_TOKENS_PER_ATTENTION);
        return LaunchGeometry.attentionPartialFloats(t, heads, headDim, attentionSplits) * Float.BYTES;
    }

    private long activationBytes(int tokens) {
        return (long) tokens * (3L * ldHidden + ldQkv + ldQ + ldFfn + 4) * Float.BYTES;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public long weightBytesPerPass() {
        return weights.matrixBytes();
    }

    @Override
    public KvCache newCache(int cap) {
        if (cap > capacity) {
            throw new IllegalArgumentException("KV capacity " + cap + " exceeds the runner's " + capacity);
        }
        Integer slot = freeSlots.poll();
        if (slot == null) {
            throw new IllegalStateException(backend.device() + ": all " + rows + " preallocated KV rows of "
                    + describe() + " are in use (the backend was opened for max_batch=" + rows + ")");
        }
        return new CudaKvCache(slot, cap);
    }

    // ---------------------------------------------------------------- forward

    @Override
    public float[] forward(ForwardBatch batch) {
        backend.bind();
        int n = run(batch);
        if (n == 0) {
            cuStreamSynchronize(backend.stream());
            return logitsHeap;
        }
        long bytes = (long) n * vocab * Float.BYTES;
        cuMemcpyDtoHAsync(hostLogitsPtr, logits, bytes, backend.stream());
        cuStreamSynchronize(backend.stream());
        if (logitsHeap.length < n * vocab) {
            logitsHeap = new float[Math.max(n * vocab, logitsHeap.length * 2)];
        }
        hostLogits.position(0);
        hostLogits.get(logitsHeap, 0, n * vocab);
        return logitsHeap;
    }

    @Override
    public void forwardArgmax(ForwardBatch batch, int[] out) {
        backend.bind();
        int n = run(batch);
        if (n > 0) {
            launch("argmax_rows", n, 1, 1, 1024, p(logits), i(vocab), p(passInts));
            // The ids come back through the pinned int staging buffer (the pass has read it already).
            cuMemcpyDtoHAsync(hostPassIntsPtr, passInts, (long) n * Integer.BYTES, backend.stream());
        }
        cuStreamSynchronize(backend.stream());
        hostPassInts.position(0);
        hostPassInts.get(out, 0, n);
    }

    /** Enqueues the pass; returns the number of logit rows now in {@link #logits}. */
    private int run(ForwardBatch batch) {
        int m = batch.totalTokens();
        int n = stage(batch);
        KernelLauncher launcher = backend.launcher();
        if (!launcher.graphsAllowed() || m > GRAPH_MAX_TOKENS) {
            enqueuePass(m, n);
            return n;
        }
        long key = PassGraphs.key(m, n);
        CUgraphExec exec = graphs.get(key);
        if (exec == null && graphs.seenBefore(key)) {
            exec = capture(launcher, m, n);
            graphs.put(key, exec);
        }
        if (exec != null) {
            launcher.launchGraph(exec);
        } else {
            enqueuePass(m, n);
        }
        return n;
    }

    /**
     * Sizes the buffers for the batch, copies its ints (tokens, positions, KV slots, logit rows) to
     * the device and advances the rows' caches; returns the number of logit rows.
     */
    int stage(ForwardBatch batch) {
        int m = batch.totalTokens();
        int n = batch.totalLogits();
        ensureTokens(m);
        ensureLogits(Math.max(1, n));
        int t0 = 0;
        int posBase = tokenCap;
        int slotBase = 2 * tokenCap;
        int rowBase = 3 * tokenCap;
        int lr = 0;
        for (int r = 0; r < batch.rows(); r++) {
            CudaKvCache cache = cacheOf(batch.cache(r));
            int start = cache.length();
            if (start + batch.tokenCount(r) > cache.capacity()) {
                throw new IllegalStateException("row " + r + " exceeds its KV capacity " + cache.capacity());
            }
            for (int i = 0; i < batch.tokenCount(r); i++) {
                int t = batch.tokenOffset(r) + i;
                int id = batch.token(t);
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " outside vocabulary " + config.vocabSize());
                }
                hostPassInts.put(t, id);
                hostPassInts.put(posBase + t, start + i);
                hostPassInts.put(slotBase + t, cache.slot());
            }
            int last = batch.tokenOffset(r) + batch.tokenCount(r);
            for (int t = last - batch.logitCount(r); t < last; t++) {
                hostPassInts.put(rowBase + lr++, t);
            }
            t0 += batch.tokenCount(r);
        }
        cuMemcpyHtoDAsync(passInts, hostPassIntsPtr, (long) (rowBase + n) * Integer.BYTES, backend.stream());
        for (int r = 0; r < batch.rows(); r++) {
            cacheOf(batch.cache(r)).advance(batch.tokenCount(r));
        }
        return n;
    }

    /** The cache this runner appends to: a row's own, or this shard's part of a group's. */
    private CudaKvCache cacheOf(KvCache cache) {
        return (CudaKvCache) (cache instanceof ShardedKvCache s ? s.shard(shard.rank()) : cache);
    }

    /** Records the launches of a pass of this shape into a graph, without running them. */
    private CUgraphExec capture(KernelLauncher launcher, int m, int n) {
        return PassGraphs.record(backend.stream(), List.of(launcher), () -> enqueuePass(m, n));
    }

    /**
     * The kernels of one pass over {@code m} tokens with {@code n} logit rows. Every argument is a
     * function of (m, n) and of buffers that stay put, which is what lets a graph replay it.
     *
     * <p>Two launch sequences, the same arithmetic: by default the split-K reductions of the qkv,
     * o_proj and down_proj GEMMs are fused with what follows them (RoPE and the KV append; the
     * residual add and the next RMSNorm), 10 kernels per layer with the split attention and its
     * merge; with {@code SPECDEC_CUDA_BASELINE=1} ({@link KernelLauncher#baseline()}) the unfused
     * kernels run, 12 per layer.
     */
    private void enqueuePass(int m, int n) {
        enqueueEmbed(m);
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int l = 0; l < layers.size(); l++) {
            long layerOffset = (long) l * capacity * kvDim;
            // Fused: layers after the first get their attention norm from the previous down_proj reduction.
            attentionInput(l, m, passSection(1), passSection(2), layerOffset, !fused() || l == 0);
            attention(m, layerOffset, passSection(1), passSection(2), scale);
            attentionOutput(layers.get(l), m);
            mlp(l, m);
        }
        enqueueHead(n);
    }

    /** The pass's token positions, KV slots and logit rows: sections of {@link #passInts}. */
    private CUdeviceptr passSection(int section) {
        return passInts.withByteOffset((long) section * tokenCap * Integer.BYTES);
    }

    /** The residual stream starts as the tokens' embeddings. */
    void enqueueEmbed(int m) {
        launch("embed_gather", m, 1, 1, 256, p(residual), i(ldHidden), p(embed.ptr()), i(embed.ldk()),
                i(embed.dtypeCode()), p(passInts), i(hidden));
    }

    /**
     * A tensor-parallel shard's attention block of layer {@code l}: norm (the residual was just
     * all-reduced), q/k/v with RoPE and the KV append, attention, and this shard's partial o_proj
     * output into {@link #partial partial(0)}.
     */
    void enqueueShardAttention(int l, int m) {
        long layerOffset = (long) l * capacity * kvDim;
        attentionInput(l, m, passSection(1), passSection(2), layerOffset, true);
        attention(m, layerOffset, passSection(1), passSection(2), (float) (1.0 / Math.sqrt(headDim)));
        gemm(layers.get(l).wo(), attention, ldQ, m, partials[0], ldHidden, GemmMode.STORE, null);
    }

    /** A shard's MLP block of layer {@code l}: norm, gate/up with SwiGLU, and its partial down_proj output into partial(1). */
    void enqueueShardMlp(int l, int m) {
        DeviceLayer layer = layers.get(l);
        launch("rmsnorm", m, 1, 1, LaunchGeometry.NORM_THREADS, p(normed), i(ldHidden), p(residual), i(ldHidden),
                p(layer.ffnNorm()), i(hidden), f(config.rmsNormEps()), p(CudaBackend.nullPointer()));
        gemm(layer.gateUp(), normed, ldHidden, m, mlpHidden, ldFfn, GemmMode.SWIGLU, null);
        gemm(layer.down(), mlpHidden, ldFfn, m, partials[1], ldHidden, GemmMode.STORE, null);
    }

    /** The final norm of the {@code n} logit rows and the LM head (this shard's vocabulary rows) into {@link #logits}. */
    void enqueueHead(int n) {
        if (n > 0) {
            launch("rmsnorm", n, 1, 1, 256, p(headInput), i(ldHidden), p(residual), i(ldHidden), p(finalNorm),
                    i(hidden), f(config.rmsNormEps()), p(passSection(3)));
            gemm(head, headInput, ldHidden, n, logits, vocab, GemmMode.STORE, null);
        }
    }

    /** Whether this pass fuses the split-K reductions with the kernels after them (not in baseline mode). */
    private boolean fused() {
        return !backend.launcher().baseline();
    }

    /**
     * normed = attention norm of the residual when {@code norm} (the fused whole-model pass gets it
     * from the previous layer's down_proj reduction after layer 0), qkv = normed W_qkv^T + bias,
     * RoPE on q and k, k and v appended to each token's KV slot.
     */
    private void attentionInput(int l, int m, CUdeviceptr tokPos, CUdeviceptr tokSlot, long layerOffset,
                                boolean norm) {
        DeviceLayer layer = layers.get(l);
        if (norm) {
            launch("rmsnorm", m, 1, 1, LaunchGeometry.NORM_THREADS, p(normed), i(ldHidden), p(residual), i(ldHidden),
                    p(layer.attentionNorm()), i(hidden), f(config.rmsNormEps()), p(CudaBackend.nullPointer()));
        }
        if (!fused()) {
            gemm(layer.qkv(), normed, ldHidden, m, qkv, ldQkv, GemmMode.STORE, layer.qkvBias());
            launch("rope_kv_append", m, 1, 1, 128, p(qkv), i(ldQkv), i(heads), i(kvHeads), i(headDim), p(invFreq),
                    p(tokPos), p(tokSlot), p(kPool), p(vPool), j(slotStride), j(layerOffset), i(capacity));
            return;
        }
        DeviceMatrix wm = layer.qkv();
        CUdeviceptr bias = layer.qkvBias();
        gemmChunks(wm, normed, ldHidden, m, null, 0, (c0, mc, splits, splitStride) ->
                launch("qkv_rope_kv_append", mc, 1, 1, LaunchGeometry.QKV_ROPE_THREADS, p(rowsAt(qkv, ldQkv, c0)),
                        i(ldQkv), p(workspace), i(wm.rows()), j(splitStride), i(splits),
                        p(bias == null ? CudaBackend.nullPointer() : bias), i(heads), i(kvHeads), i(headDim),
                        p(invFreq), p(tokPos.withByteOffset((long) c0 * Integer.BYTES)),
                        p(tokSlot.withByteOffset((long) c0 * Integer.BYTES)), p(kPool), p(vPool), j(slotStride),
                        j(layerOffset)));
    }

    /** residual += attention W_o^T, then normed = ffn norm of the residual. */
    private void attentionOutput(DeviceLayer layer, int m) {
        if (fused()) {
            gemmChunks(layer.wo(), attention, ldQ, m, null, 0, residualAddAndNorm(layer.wo(), layer.ffnNorm()));
        } else {
            residualAdd(layer.wo(), attention, ldQ, m);
            launch("rmsnorm", m, 1, 1, LaunchGeometry.NORM_THREADS, p(normed), i(ldHidden), p(residual),
                    i(ldHidden), p(layer.ffnNorm()), i(hidden), f(config.rmsNormEps()), p(CudaBackend.nullPointer()));
        }
    }

    /**
     * The SwiGLU MLP: residual += swiglu(normed W_gu^T) W_down^T; in the fused path, below the last
     * layer, also normed = next layer's attention norm of the residual (the last layer's residual
     * goes to the final norm over the logit rows only).
     */
    private void mlp(int l, int m) {
        DeviceLayer layer = layers.get(l);
        gemm(layer.gateUp(), normed, ldHidden, m, mlpHidden, ldFfn, GemmMode.SWIGLU, null);
        if (fused() && l + 1 < layers.size()) {
            gemmChunks(layer.down(), mlpHidden, ldFfn, m, null, 0,
                    residualAddAndNorm(layer.down(), layers.get(l + 1).attentionNorm()));
        } else {
            residualAdd(layer.down(), mlpHidden, ldFfn, m);
        }
    }

    /** residual += X W^T: the unfused residual connection (split-K reduce with mode ADD). */
    private void residualAdd(DeviceMatrix wm, CUdeviceptr in, int ldx, int m) {
        gemm(wm, in, ldx, m, residual, ldHidden, GemmMode.ADD, null);
    }

    /** Consumes a chunk's partials of a hidden-sized product: residual += their sum, normed = rmsnorm(residual) * w. */
    private PartialsConsumer residualAddAndNorm(DeviceMatrix wm, CUdeviceptr normWeight) {
        return (c0, mc, splits, splitStride) -> launch("residual_rmsnorm", mc, 1, 1,
                LaunchGeometry.RESIDUAL_NORM_THREADS, p(rowsAt(residual, ldHidden, c0)), i(ldHidden), p(workspace),
                i(wm.rows()), j(splitStride), i(splits), i(hidden), p(rowsAt(normed, ldHidden, c0)), i(ldHidden),
                p(normWeight), f(config.rmsNormEps()));
    }

    /** Row {@code row} of an F32 [rows][ld] buffer. */
    private static CUdeviceptr rowsAt(CUdeviceptr buf, int ld, int row) {
        return buf.withByteOffset((long) row * ld * Float.BYTES);
    }

    /**
     * What consumes one GEMM chunk's split-K partials in the workspace ([split][mc][rows], split
     * stride {@code splitStride}) before the next chunk overwrites them: tokens c0 .. c0 + mc.
     */
    @FunctionalInterface
    private interface PartialsConsumer {
        void reduce(int c0, int mc, int splits, long splitStride);
    }

    /**
     * Attention of the pass's m tokens into {@link #attention}. Default: the split kernel (key range
     * cut into {@link #attentionSplits} splits) and attention_merge, in chunks of at most
     * {@link LaunchGeometry#MAX_TOKENS_PER_ATTENTION} tokens (the partials' workspace holds one
     * chunk); SPECDEC_CUDA_BASELINE=1: the previous one-block-per-(token, head) kernel. Query head h
     * reads KV head (headFrom + h) / group - kvFrom: 0, heads / kvHeads, 0 on one device.
     */
    private void attention(int m, long layerOffset, CUdeviceptr tokPos, CUdeviceptr tokSlot, float scale) {
        int window = config.slidingWindow();
        // A shard's local head h reads its local KV head (headFrom + h) / group - kvFrom.
        int group = kvGroup();
        int headFrom = shard.headFrom();
        int kvFrom = shard.kvHeadFrom();
        if (backend.launcher().baseline()) {
            launch(attentionKernel, m * heads, 1, 1, LaunchGeometry.ATTENTION_THREADS, p(attention), i(ldQ), p(qkv),
                    i(ldQkv), i(heads), i(kvHeads), i(headDim), p(tokPos), p(tokSlot), p(kPool), p(vPool),
                    j(slotStride), j(layerOffset), i(window), f(scale), i(headFrom), i(group), i(kvFrom));
            return;
        }
        int s = attentionSplits;
        CUdeviceptr partO = attentionPartials;
        CUdeviceptr partMl = attentionPartials.withByteOffset(
                (long) attentionPartialTokens * heads * s * headDim * Float.BYTES);
        for (int c0 = 0; c0 < m; c0 += LaunchGeometry.MAX_TOKENS_PER_ATTENTION) {
            int mc = Math.min(LaunchGeometry.MAX_TOKENS_PER_ATTENTION, m - c0);
            CUdeviceptr pos = tokPos.withByteOffset((long) c0 * Integer.BYTES);
            CUdeviceptr slot = tokSlot.withByteOffset((long) c0 * Integer.BYTES);
            CUdeviceptr q = qkv.withByteOffset((long) c0 * ldQkv * Float.BYTES);
            CUdeviceptr out = attention.withByteOffset((long) c0 * ldQ * Float.BYTES);
            launch(attentionSplitKernel, LaunchGeometry.attentionSplitBlocks(mc, heads, attentionHeadsPerBlock, s),
                    1, 1, LaunchGeometry.ATTENTION_SPLIT_THREADS, p(partO), p(partMl), p(q), i(ldQkv), i(heads),
                    i(kvHeads), i(headDim), p(pos), p(slot), p(kPool), p(vPool), j(slotStride), j(layerOffset),
                    i(window), f(scale), i(headFrom), i(group), i(kvFrom), i(s));
            launch("attention_merge", mc * heads, 1, 1, LaunchGeometry.ATTENTION_MERGE_THREADS, p(out), i(ldQ),
                    p(partO), p(partMl), i(heads), i(headDim), p(pos), i(window), i(s));
        }
    }

    /**
     * out[M][ldo] = X[M][ldx] W^T, stored, added or SwiGLU-combined as {@code mode} says, in chunks
     * of at most {@link LaunchGeometry#MAX_TOKENS_PER_GEMM} tokens. A plain store without bias or
     * split-K writes straight into {@code out}; everything else goes through the workspace and the
     * {@code splitk_reduce} kernel, which applies the mode.
     */
    private void gemm(DeviceMatrix wm, CUdeviceptr in, int ldx, int m, CUdeviceptr out, int ldo, GemmMode mode,
                      CUdeviceptr bias) {
        int nRows = wm.rows();
        if (mode == GemmMode.STORE && bias == null && splitsOf(wm) == 1) {
            gemmChunks(wm, in, ldx, m, out, ldo, null);
            return;
        }
        gemmChunks(wm, in, ldx, m, null, 0, (c0, mc, splits, splitStride) -> {
            int cols = mode == GemmMode.SWIGLU ? nRows / 2 : nRows;
            launch("splitk_reduce", LaunchGeometry.ceil(cols, 256), mc, 1, 256, p(rowsAt(out, ldo, c0)), i(ldo),
                    p(workspace), i(nRows), j(splitStride), i(splits), i(cols), i(mode.kernelCode),
                    p(bias == null ? CudaBackend.nullPointer() : bias), i(nRows / 2));
        });
    }

    private int splitsOf(DeviceMatrix wm) {
        return wm.dtypeCode() == 0 ? 1 : LaunchGeometry.splits(wm.rows(), wm.cols(), backend.smCount());
    }

    /**
     * The GEMM launches of X W^T over {@code m} tokens, in chunks of at most
     * {@link LaunchGeometry#MAX_TOKENS_PER_GEMM}: with {@code then == null} each chunk's product
     * goes straight to its rows of {@code direct} (one split only), otherwise its split partials go
     * to the workspace and {@code then} launches what reduces them. The baseline mode runs the
     * skinny kernels, the default the staged ones (same grid, same sums).
     */
    private void gemmChunks(DeviceMatrix wm, CUdeviceptr in, int ldx, int m, CUdeviceptr direct, int ldDirect,
                            PartialsConsumer then) {
        int nRows = wm.rows();
        int splits = splitsOf(wm);
        int splitLen = wm.ldk() / splits;
        int np = LaunchGeometry.paddedRows(nRows);
        for (int c0 = 0; c0 < m; c0 += LaunchGeometry.MAX_TOKENS_PER_GEMM) {
            int mc = Math.min(LaunchGeometry.MAX_TOKENS_PER_GEMM, m - c0);
            CUdeviceptr xc = rowsAt(in, ldx, c0);
            CUdeviceptr dst = then == null ? rowsAt(direct, ldDirect, c0) : workspace;
            int ldp = then == null ? ldDirect : nRows;
            long splitStride = (long) mc * nRows;
            if (wm.dtypeCode() == 0) {
                launch("gemm_f32", LaunchGeometry.ceil(mc, 8), LaunchGeometry.ceil(nRows, 8), 1, 256, p(dst), i(ldp),
                        p(xc), i(ldx), p(wm.ptr()), i(wm.ldk()), i(mc), i(nRows), i(wm.ldk()));
            } else {
                int[] g = LaunchGeometry.gemmGrid(nRows, wm.cols(), mc, backend.smCount());
                int threads = mc >= LaunchGeometry.TILED_FROM_TOKENS ? LaunchGeometry.TILED_THREADS : 256;
                String kernel = fused() ? LaunchGeometry.stagedGemmKernel(wm.kernelPrefix(), mc)
                        : LaunchGeometry.gemmKernel(wm.kernelPrefix(), mc);
                launch(kernel, g[0], g[1], g[2], threads, p(dst), i(ldp), j(splitStride), p(xc), i(ldx), p(wm.ptr()),
                        i(wm.ldk()), i(mc), i(nRows), i(np), i(splitLen));
            }
            if (then != null) {
                then.reduce(c0, mc, splits, splitStride);
            }
        }
    }

    // ---------------------------------------------------------------- device acceptance

    @Override
    public void forwardAndAccept(ForwardBatch batch, AcceptanceRows rows) {
        backend.bind();
        run(batch);
        rows.requireMatches(batch);
        acceptance.accept(logits, rows);
    }

    // ---------------------------------------------------------------- tensor-parallel shard

    ShardLayout shard() {
        return shard;
    }

    CudaBackend backend() {
        return backend;
    }

    /** The residual stream [tokens][{@link #ldHidden()}] (each shard of a group keeps an identical copy). */
    CUdeviceptr residual() {
        return residual;
    }

    int ldHidden() {
        return ldHidden;
    }

    /** Partial buffer {@code set} (0: o_proj, 1: down_proj) of a shard, valid until the next {@link #stage}. */
    CUdeviceptr partial(int set) {
        return partials[set];
    }

    /** Tokens the activation buffers hold now. */
    int tokenCapacity() {
        return tokenCap;
    }

    /** Queues the copy of {@code n} logit rows ({@link #vocab} columns each) to pinned host memory on {@code stream}. */
    void enqueueLogitsToHost(int n, jcuda.driver.CUstream stream) {
        cuMemcpyDtoHAsync(hostLogitsPtr, logits, (long) n * vocab * Float.BYTES, stream);
    }

    /** Changes whenever a device buffer is replaced (a graph of an earlier generation holds stale addresses). */
    int bufferGeneration() {
        return bufferGeneration;
    }

    /**
     * After the stream has finished: copies the {@code n} rows of this shard's logit columns into
     * {@code out}'s columns {@code [vocabFrom, vocabFrom + vocab)}, rows {@code ldOut} apart.
     */
    void readLogits(int n, float[] out, int ldOut) {
        for (int r = 0; r < n; r++) {
            hostLogits.position(r * vocab);
            hostLogits.get(out, r * ldOut + shard.vocabFrom(), vocab);
        }
    }

    // ---------------------------------------------------------------- buffers

    private void ensureTokens(int m) {
        if (m <= tokenCap) {
            return;
        }
        int n = Math.max(m, Math.max(64, tokenCap * 2));
        graphs.clear();  // the graphs hold the old buffers' addresses
        bufferGeneration++;
        for (CUdeviceptr ptr : new CUdeviceptr[] {residual, normed, headInput, qkv, attention, mlpHidden, passInts,
                attentionPartials, partials[0], partials[1]}) {
            buffers.free(ptr);
        }
        buffers.freePinned(hostPassIntsPtr);
        residual = buffers.device((long) n * ldHidden * Float.BYTES);
        normed = buffers.device((long) n * Math.max(ldHidden, ldQ) * Float.BYTES);
        headInput = buffers.device((long) n * ldHidden * Float.BYTES);
        qkv = buffers.device((long) n * ldQkv * Float.BYTES);
        attention = buffers.device((long) n * ldQ * Float.BYTES);
        attentionPartialTokens = Math.min(n, LaunchGeometry.MAX_TOKENS_PER_ATTENTION);
        attentionPartials = buffers.device(attentionPartialBytes(attentionPartialTokens));
        mlpHidden = buffers.device((long) n * ldFfn * Float.BYTES);
        if (!shard.whole()) {
            partials[0] = buffers.device((long) n * ldHidden * Float.BYTES);
            partials[1] = buffers.device((long) n * ldHidden * Float.BYTES);
        }
        passInts = buffers.device(4L * n * Integer.BYTES);
        hostPassIntsPtr = buffers.pinned(4L * n * Integer.BYTES);
        hostPassInts = OwnedBuffers.view(hostPassIntsPtr, 4L * n * Integer.BYTES).asIntBuffer();
        tokenCap = n;
    }

    private void ensureLogits(int n) {
        if (n <= logitCap) {
            return;
        }
        int cap = Math.max(n, logitCap * 2);
        graphs.clear();
        bufferGeneration++;
        buffers.free(logits);
        buffers.freePinned(hostLogitsPtr);
        long bytes = (long) cap * vocab * Float.BYTES;
        logits = buffers.device(bytes);
        hostLogitsPtr = buffers.pinned(bytes);
        hostLogits = OwnedBuffers.view(hostLogitsPtr, bytes).asFloatBuffer();
        logitCap = cap;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        backend.bind();
        RuntimeException first = null;
        try {
            cuStreamSynchronize(backend.stream());
            graphs.close();
        } catch (RuntimeException e) {
            first = e;  // a sticky error from an earlier pass: free what can be freed anyway
        }
        first = buffers.freeAll(first);
        backend.forget(this);
        if (first != null) {
            throw first;
        }
    }

    // ---------------------------------------------------------------- launches

    private void launch(String fn, int gx, int gy, int gz, int threads, Pointer... args) {
        backend.launch(fn, gx, gy, gz, threads, args);
    }
}
