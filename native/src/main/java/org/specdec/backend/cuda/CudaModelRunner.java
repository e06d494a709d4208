package org.specdec.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.backend.cuda.CudaBackend.DeviceLayer;
import org.specdec.backend.cuda.CudaBackend.DeviceMatrix;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.kv.KvCache;
import org.specdec.model.LayerWeights;
import org.specdec.model.LlamaWeights;
import org.specdec.model.RopeTable;
import org.specdec.sampling.SamplingParams;
import org.specdec.speculative.AcceptanceRows;
import org.specdec.speculative.DeviceAcceptance;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

/**
 * The Llama forward pass on the GPU, the same pipeline as CpuModelRunner (see specdec.cu for the
 * kernel order): activations F32 on the device, weights in their stored dtype, KV cache F32.
 * {@link #forward} copies the requested logits to the host for the generic engine path (drafting,
 * tests); {@link #forwardAndAccept} keeps them on the device and runs the acceptance kernel, so
 * only accepted ids cross to the host.
 *
 * <p>Per pass the host writes one block of ints (tokens, positions, KV slots, logit rows) into a
 * pinned buffer, copies it with one async copy, runs the pass's ~12 kernels per layer (as one
 * CUDA graph once the pass shape has been seen before, see {@link PassGraphs}) and synchronizes
 * once at the end.
 */
public final class CudaModelRunner implements ModelRunner, DeviceAcceptance {
    /** Passes of at most this many tokens run as CUDA graphs (decode and verification; not long prefills). */
    static final int GRAPH_MAX_TOKENS = 512;
    /** Graphs kept per runner (pass shapes: batch sizes x draft lengths). */
    static final int GRAPH_CAPACITY = 64;
    /** Tokens of activations the KV budget keeps free (prefill chunks beyond it allocate on demand). */
    static final int RESERVE_TOKENS = 2048;
    static final long HEADROOM_BYTES = 256L << 20;

    private final CudaBackend b;
    private final LlamaWeights w;
    private final ModelConfig c;
    private final int d, dp, qd, kvd, ff, vocab, heads, kvHeads, hd;
    private final int ldQkv, ldQ, ldF;
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
    private final List<CUdeviceptr> owned = new ArrayList<>();
    private final List<Pointer> pinned = new ArrayList<>();
    private final String attentionKernel;
    private final PassGraphs graphs = new PassGraphs(GRAPH_CAPACITY);
    private boolean closed;

    // Activations [tokens][ld], grown when a larger pass arrives.
    private int tokenCap;
    private CUdeviceptr x, xb, xh, qkv, att, act, ints;
    private Pointer hostIntsPtr;
    private IntBuffer hostInts;
    // Logits [rows][vocab].
    private int logitCap;
    private CUdeviceptr logits;
    private Pointer hostLogitsPtr;
    private FloatBuffer hostLogits;
    private float[] logitsHeap = new float[0];
    // Acceptance inputs and outputs.
    private int acceptRowCap, acceptKCap, acceptQCap;
    private CUdeviceptr aInfo, aF, aDrafts, aUniforms, aQ, aScratch, aOut, aAccepted;
    private Pointer hInfoPtr, hFPtr, hQPtr;
    private IntBuffer hInfo;
    private FloatBuffer hF, hQ;

    CudaModelRunner(CudaBackend backend, LlamaWeights weights) {
        this.b = backend;
        this.w = weights;
        this.c = weights.config();
        this.d = c.hiddenSize();
        this.dp = LaunchGeometry.paddedK(d);
        this.qd = c.qDim();
        this.kvd = c.kvDim();
        this.ff = c.intermediateSize();
        this.vocab = c.vocabSize();
        this.heads = c.numHeads();
        this.kvHeads = c.numKvHeads();
        this.hd = c.headDim();
        this.ldQkv = LaunchGeometry.paddedK(qd + 2 * kvd);
        this.ldQ = LaunchGeometry.paddedK(qd);
        this.ldF = LaunchGeometry.paddedK(ff);
        this.attentionKernel = LaunchGeometry.attentionKernel(hd);
        if (hd % 2 != 0) {
            throw new IllegalArgumentException("head_dim " + hd + " must be even for RoPE");
        }
        this.embed = b.matrix(weights.embedding());
        this.head = b.matrix(weights.lmHead());
        for (LayerWeights lw : weights.layers()) {
            layers.add(b.layer(lw));
        }
        this.finalNorm = DeviceUpload.floats(b, weights.finalNorm());
        this.invFreq = DeviceUpload.floats(b, RopeTable.inverseFrequencies(c));
        owned.add(finalNorm);
        owned.add(invFreq);

        long wsFloats = 0;
        DeviceLayer l0 = layers.get(0);
        for (DeviceMatrix m : List.of(l0.qkv(), l0.wo(), l0.gateUp(), l0.down(), head)) {
            int splits = m.dtypeCode() == 0 ? 1 : LaunchGeometry.splits(m.rows(), m.cols(), b.smCount());
            wsFloats = Math.max(wsFloats, (long) splits * m.rows() * LaunchGeometry.MAX_TOKENS_PER_GEMM);
        }
        this.workspace = alloc(wsFloats * Float.BYTES);

        // KV budget from what is free now that the weights are on the device.
        this.capacity = b.maxPositions();
        this.rows = b.maxRows();
        long reserve = activationBytes(RESERVE_TOKENS) + 2L * rows * 8 * vocab * Float.BYTES + HEADROOM_BYTES;
        long free = b.memInfo()[0];
        KvBudget.require(b.device(), describe(), free, reserve, rows, c.numLayers(), capacity, kvd);
        this.slotStride = (long) c.numLayers() * capacity * kvd;
        this.kPool = alloc(rows * slotStride * Float.BYTES);
        this.vPool = alloc(rows * slotStride * Float.BYTES);
        for (int s = 0; s < rows; s++) {
            freeSlots.add(s);
        }
        ensureTokens(64);
        ensureLogits(16);
    }

    private String describe() {
        return String.format("a %d-layer model (hidden %d, vocab %d)", c.numLayers(), d, vocab);
    }

    private long activationBytes(int tokens) {
        return (long) tokens * (3L * dp + ldQkv + ldQ + ldF + 4) * Float.BYTES;
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public long weightBytesPerPass() {
        return w.matrixBytes();
    }

    @Override
    public KvCache newCache(int cap) {
        if (cap > capacity) {
            throw new IllegalArgumentException("KV capacity " + cap + " exceeds the runner's " + capacity);
        }
        Integer slot = freeSlots.poll();
        if (slot == null) {
            throw new IllegalStateException(b.device() + ": all " + rows + " preallocated KV rows of "
                    + describe() + " are in use (the backend was opened for max_batch=" + rows + ")");
        }
        return new CudaKvCache(slot, cap);
    }

    // ---------------------------------------------------------------- forward

    @Override
    public float[] forward(ForwardBatch batch) {
        b.bind();
        int n = run(batch);
        if (n == 0) {
            cuStreamSynchronize(b.stream());
            return logitsHeap;
        }
        long bytes = (long) n * vocab * Float.BYTES;
        cuMemcpyDtoHAsync(hostLogitsPtr, logits, bytes, b.stream());
        cuStreamSynchronize(b.stream());
        if (logitsHeap.length < n * vocab) {
            logitsHeap = new float[Math.max(n * vocab, logitsHeap.length * 2)];
        }
        hostLogits.position(0);
        hostLogits.get(logitsHeap, 0, n * vocab);
        return logitsHeap;
    }

    @Override
    public void forwardArgmax(ForwardBatch batch, int[] out) {
        b.bind();
        int n = run(batch);
        if (n > 0) {
            launch("argmax_rows", n, 1, 1, 1024, p(logits), i(vocab), p(ints));
            // The ids come back through the pinned int staging buffer (the pass has read it already).
            cuMemcpyDtoHAsync(hostIntsPtr, ints, (long) n * Integer.BYTES, b.stream());
        }
        cuStreamSynchronize(b.stream());
        hostInts.position(0);
        hostInts.get(out, 0, n);
    }

    /** Enqueues the pass; returns the number of logit rows now in {@link #logits}. */
    private int run(ForwardBatch batch) {
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
            CudaKvCache cache = (CudaKvCache) batch.cache(r);
            int start = cache.length();
            if (start + batch.tokenCount(r) > cache.capacity()) {
                throw new IllegalStateException("row " + r + " exceeds its KV capacity " + cache.capacity());
            }
            for (int i = 0; i < batch.tokenCount(r); i++) {
                int t = batch.tokenOffset(r) + i;
                int id = batch.token(t);
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " outside vocabulary " + vocab);
                }
                hostInts.put(t, id);
                hostInts.put(posBase + t, start + i);
                hostInts.put(slotBase + t, cache.slot());
            }
            int last = batch.tokenOffset(r) + batch.tokenCount(r);
            for (int t = last - batch.logitCount(r); t < last; t++) {
                hostInts.put(rowBase + lr++, t);
            }
            t0 += batch.tokenCount(r);
        }
        cuMemcpyHtoDAsync(ints, hostIntsPtr, (long) (rowBase + n) * Integer.BYTES, b.stream());
        for (int r = 0; r < batch.rows(); r++) {
            ((CudaKvCache) batch.cache(r)).advance(batch.tokenCount(r));
        }
        KernelLauncher launcher = b.launcher();
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

    /** Records the launches of a pass of this shape into a graph, without running them. */
    private CUgraphExec capture(KernelLauncher launcher, int m, int n) {
        CUgraph graph = new CUgraph();
        cuStreamBeginCapture(b.stream(), CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
        launcher.capturing(true);
        try {
            enqueuePass(m, n);
        } catch (RuntimeException e) {
            try {
                cuStreamEndCapture(b.stream(), graph);
                cuGraphDestroy(graph);
            } catch (RuntimeException ignored) {
                // the capture is invalid anyway; the launch error is the one to report
            }
            throw e;
        } finally {
            launcher.capturing(false);
        }
        cuStreamEndCapture(b.stream(), graph);
        CUgraphExec exec = new CUgraphExec();
        try {
            cuGraphInstantiate(exec, graph, 0);
        } finally {
            cuGraphDestroy(graph);
        }
        return exec;
    }

    /**
     * The kernels of one pass over {@code m} tokens with {@code n} logit rows. Every argument is a
     * function of (m, n) and of buffers that stay put, which is what lets a graph replay it.
     */
    private void enqueuePass(int m, int n) {
        int posBase = tokenCap;
        int slotBase = 2 * tokenCap;
        int rowBase = 3 * tokenCap;
        CUdeviceptr tokPos = ints.withByteOffset((long) posBase * Integer.BYTES);
        CUdeviceptr tokSlot = ints.withByteOffset((long) slotBase * Integer.BYTES);
        CUdeviceptr logitRows = ints.withByteOffset((long) rowBase * Integer.BYTES);

        launch("embed_gather", m, 1, 1, 256, p(x), i(dp), p(embed.ptr()), i(embed.ldk()), i(embed.dtypeCode()),
                p(ints), i(d));
        float eps = c.rmsNormEps();
        float scale = (float) (1.0 / Math.sqrt(hd));
        for (int l = 0; l < layers.size(); l++) {
            DeviceLayer L = layers.get(l);
            long layerOffset = (long) l * capacity * kvd;
            launch("rmsnorm", m, 1, 1, 256, p(xb), i(dp), p(x), i(dp), p(L.attentionNorm()), i(d), f(eps),
                    p(CudaBackend.nullPointer()));
            gemm(L.qkv(), xb, dp, m, qkv, ldQkv, 0, L.qkvBias());
            launch("rope_kv_append", m, 1, 1, 128, p(qkv), i(ldQkv), i(heads), i(kvHeads), i(hd), p(invFreq),
                    p(tokPos), p(tokSlot), p(kPool), p(vPool), j(slotStride), j(layerOffset), i(capacity));
            launch(attentionKernel, m * heads, 1, 1, LaunchGeometry.ATTENTION_THREADS, p(att), i(ldQ), p(qkv), i(ldQkv), i(heads), i(kvHeads),
                    i(hd), p(tokPos), p(tokSlot), p(kPool), p(vPool), j(slotStride), j(layerOffset),
                    i(c.slidingWindow()), f(scale));
            gemm(L.wo(), att, ldQ, m, x, dp, 1, null);
            launch("rmsnorm", m, 1, 1, 256, p(xb), i(dp), p(x), i(dp), p(L.ffnNorm()), i(d), f(eps),
                    p(CudaBackend.nullPointer()));
            gemm(L.gateUp(), xb, dp, m, act, ldF, 2, null);
            gemm(L.down(), act, ldF, m, x, dp, 1, null);
        }
        if (n > 0) {
            launch("rmsnorm", n, 1, 1, 256, p(xh), i(dp), p(x), i(dp), p(finalNorm), i(d), f(eps), p(logitRows));
            gemm(head, xh, dp, n, logits, vocab, 0, null);
        }
    }

    /**
     * out[M][ldo] (=, +=, or SwiGLU of the two halves) = X[M][ldx] W^T, in chunks of at most
     * {@link LaunchGeometry#MAX_TOKENS_PER_GEMM} tokens. mode: 0 = store (+ bias), 1 = add
     * (residual), 2 = SwiGLU of the gate and up halves.
     */
    private void gemm(DeviceMatrix wm, CUdeviceptr in, int ldx, int m, CUdeviceptr out, int ldo, int mode,
                      CUdeviceptr bias) {
        int nRows = wm.rows();
        boolean f32 = wm.dtypeCode() == 0;
        int splits = f32 ? 1 : LaunchGeometry.splits(nRows, wm.cols(), b.smCount());
        int splitLen = wm.ldk() / splits;
        int np = LaunchGeometry.paddedRows(nRows);
        for (int c0 = 0; c0 < m; c0 += LaunchGeometry.MAX_TOKENS_PER_GEMM) {
            int mc = Math.min(LaunchGeometry.MAX_TOKENS_PER_GEMM, m - c0);
            CUdeviceptr xc = in.withByteOffset((long) c0 * ldx * Float.BYTES);
            CUdeviceptr oc = out.withByteOffset((long) c0 * ldo * Float.BYTES);
            boolean direct = mode == 0 && bias == null && splits == 1;
            CUdeviceptr dst = direct ? oc : workspace;
            int ldp = direct ? ldo : nRows;
            long splitStride = (long) mc * nRows;
            if (f32) {
                launch("gemm_f32", LaunchGeometry.ceil(mc, 8), LaunchGeometry.ceil(nRows, 8), 1, 256, p(dst), i(ldp),
                        p(xc), i(ldx), p(wm.ptr()), i(wm.ldk()), i(mc), i(nRows), i(wm.ldk()));
            } else {
                int[] g = LaunchGeometry.gemmGrid(nRows, wm.cols(), mc, b.smCount());
                int threads = mc >= LaunchGeometry.TILED_FROM_TOKENS ? LaunchGeometry.TILED_THREADS : 256;
                launch(LaunchGeometry.gemmKernel(wm.kernelPrefix(), mc), g[0], g[1], g[2], threads, p(dst), i(ldp),
                        j(splitStride), p(xc), i(ldx), p(wm.ptr()), i(wm.ldk()), i(mc), i(nRows), i(np),
                        i(splitLen));
            }
            if (!direct) {
                int cols = mode == 2 ? nRows / 2 : nRows;
                launch("splitk_reduce", LaunchGeometry.ceil(cols, 256), mc, 1, 256, p(oc), i(ldo), p(workspace),
                        i(nRows), j(splitStride), i(splits), i(cols), i(mode),
                        p(bias == null ? CudaBackend.nullPointer() : bias), i(nRows / 2));
            }
        }
    }

    // ---------------------------------------------------------------- device acceptance

    @Override
    public void forwardAndAccept(ForwardBatch batch, AcceptanceRows ar) {
        b.bind();
        int n = run(batch);
        int nr = ar.rows;
        if (nr != batch.rows()) {
            throw new IllegalArgumentException("acceptance rows (" + nr + ") != batch rows (" + batch.rows() + ")");
        }
        int kStride = 1;
        boolean sampled = false;
        for (int r = 0; r < nr; r++) {
            kStride = Math.max(kStride, ar.k[r]);
            if (batch.logitCount(r) != ar.k[r] + 1) {
                throw new IllegalArgumentException("row " + r + " has " + batch.logitCount(r)
                        + " logit positions for k=" + ar.k[r] + " drafts (needs k+1)");
            }
            sampled |= !ar.params[r].isGreedy() && ar.k[r] > 0;
        }
        ensureAccept(nr, kStride, sampled ? ar.draftVocab : 0);
        // Ints: rowInfo [4 nr], drafts [nr][kStride]. Floats: rowF [2 nr], uniforms [nr][2 (kStride+1)].
        int draftsAt = 4 * acceptRowCap;
        int uniformsAt = 2 * acceptRowCap;
        int first = 0;
        for (int r = 0; r < nr; r++) {
            SamplingParams sp = ar.params[r];
            int k = ar.k[r];
            hInfo.put(4 * r, first);
            hInfo.put(4 * r + 1, k);
            hInfo.put(4 * r + 2, sp.isGreedy() ? 1 : 0);
            hInfo.put(4 * r + 3, sp.topK());
            hF.put(2 * r, (float) sp.temperature());
            hF.put(2 * r + 1, (float) sp.topP());
            for (int i = 0; i < k; i++) {
                hInfo.put(draftsAt + r * kStride + i, ar.drafts[r][i]);
            }
            if (!sp.isGreedy()) {
                int ub = uniformsAt + r * 2 * (kStride + 1);
                for (int i = 0; i < 2 * (k + 1); i++) {
                    hF.put(ub + i, uniform(ar.rng[r].nextDouble()));
                }
                if (k > 0) {
                    hQ.position(r * kStride * ar.draftVocab);
                    hQ.put(ar.q[r], 0, k * ar.draftVocab);
                }
            }
            first += k + 1;
        }
        cuMemcpyHtoDAsync(aInfo, hInfoPtr, (long) (draftsAt + nr * kStride) * Integer.BYTES, b.stream());
        cuMemcpyHtoDAsync(aF, hFPtr, (long) (uniformsAt + nr * 2 * (kStride + 1)) * Float.BYTES, b.stream());
        if (sampled) {
            cuMemcpyHtoDAsync(aQ, hQPtr, (long) nr * kStride * ar.draftVocab * Float.BYTES, b.stream());
        }
        launch("accept_tokens", nr, 1, 1, 1024, p(logits), i(vocab), p(aInfo), p(aF),
                p(aInfo.withByteOffset((long) draftsAt * Integer.BYTES)), i(kStride), p(aQ),
                i(Math.max(1, ar.draftVocab)), p(aF.withByteOffset((long) uniformsAt * Float.BYTES)), p(aScratch),
                p(aOut), p(aAccepted));
        // Results come back through the (now free) int staging buffer: out [nr][kStride+1], accepted [nr].
        int outInts = nr * (kStride + 1);
        cuMemcpyDtoHAsync(hInfoPtr, aOut, (long) outInts * Integer.BYTES, b.stream());
        cuMemcpyDtoHAsync(hInfoPtr.withByteOffset((long) outInts * Integer.BYTES), aAccepted,
                (long) nr * Integer.BYTES, b.stream());
        cuStreamSynchronize(b.stream());
        for (int r = 0; r < nr; r++) {
            int acc = hInfo.get(outInts + r);
            ar.accepted[r] = acc;
            for (int i = 0; i <= acc; i++) {
                ar.out[r][i] = hInfo.get(r * (kStride + 1) + i);
            }
        }
    }

    /** A double uniform in [0, 1) as a float strictly below 1. */
    static float uniform(double u) {
        return Math.min((float) u, 0x1.fffffep-1f);
    }

    // ---------------------------------------------------------------- buffers

    private void ensureTokens(int m) {
        if (m <= tokenCap) {
            return;
        }
        int n = Math.max(m, Math.max(64, tokenCap * 2));
        graphs.clear();  // the graphs hold the old buffers' addresses
        for (CUdeviceptr ptr : new CUdeviceptr[] {x, xb, xh, qkv, att, act, ints}) {
            release(ptr);
        }
        releasePinned(hostIntsPtr);
        x = alloc((long) n * dp * Float.BYTES);
        xb = alloc((long) n * Math.max(dp, ldQ) * Float.BYTES);
        xh = alloc((long) n * dp * Float.BYTES);
        qkv = alloc((long) n * ldQkv * Float.BYTES);
        att = alloc((long) n * ldQ * Float.BYTES);
        act = alloc((long) n * ldF * Float.BYTES);
        ints = alloc(4L * n * Integer.BYTES);
        hostIntsPtr = pinned(4L * n * Integer.BYTES);
        hostInts = buffer(hostIntsPtr, 4L * n * Integer.BYTES).asIntBuffer();
        tokenCap = n;
    }

    private void ensureLogits(int n) {
        if (n <= logitCap) {
            return;
        }
        int cap = Math.max(n, logitCap * 2);
        graphs.clear();
        release(logits);
        releasePinned(hostLogitsPtr);
        long bytes = (long) cap * vocab * Float.BYTES;
        logits = alloc(bytes);
        hostLogitsPtr = pinned(bytes);
        hostLogits = buffer(hostLogitsPtr, bytes).asFloatBuffer();
        logitCap = cap;
    }

    private void ensureAccept(int nr, int kStride, int qVocab) {
        if (nr > acceptRowCap || kStride > acceptKCap) {
            int rc = Math.max(nr, acceptRowCap);
            int kc = Math.max(kStride, acceptKCap);
            for (CUdeviceptr ptr : new CUdeviceptr[] {aInfo, aF, aScratch, aOut, aAccepted}) {
                release(ptr);
            }
            releasePinned(hInfoPtr);
            releasePinned(hFPtr);
            long infoInts = 4L * rc + (long) rc * kc + (long) rc * (kc + 2);  // also holds the results
            long fFloats = 2L * rc + 2L * rc * (kc + 1);
            aInfo = alloc(infoInts * Integer.BYTES);
            aF = alloc(fFloats * Float.BYTES);
            aScratch = alloc((long) rc * vocab * Float.BYTES);
            aOut = alloc((long) rc * (kc + 1) * Integer.BYTES);
            aAccepted = alloc((long) rc * Integer.BYTES);
            hInfoPtr = pinned(infoInts * Integer.BYTES);
            hInfo = buffer(hInfoPtr, infoInts * Integer.BYTES).asIntBuffer();
            hFPtr = pinned(fFloats * Float.BYTES);
            hF = buffer(hFPtr, fFloats * Float.BYTES).asFloatBuffer();
            acceptRowCap = rc;
            acceptKCap = kc;
            acceptQCap = 0;  // q is laid out by kStride: reallocate with the new shape
        }
        long qFloats = (long) acceptRowCap * acceptKCap * Math.max(1, qVocab);
        if (aQ == null || qFloats > acceptQCap) {
            release(aQ);
            releasePinned(hQPtr);
            aQ = alloc(qFloats * Float.BYTES);
            hQPtr = pinned(qFloats * Float.BYTES);
            hQ = buffer(hQPtr, qFloats * Float.BYTES).asFloatBuffer();
            acceptQCap = (int) Math.min(Integer.MAX_VALUE, qFloats);
        }
    }

    private CUdeviceptr alloc(long bytes) {
        CUdeviceptr ptr = b.allocZeroed(bytes);
        owned.add(ptr);
        return ptr;
    }

    private void release(CUdeviceptr ptr) {
        if (ptr != null && owned.remove(ptr)) {
            b.free(ptr);
        }
    }

    private Pointer pinned(long bytes) {
        Pointer ptr = new Pointer();
        cuMemAllocHost(ptr, bytes);
        pinned.add(ptr);
        return ptr;
    }

    private void releasePinned(Pointer ptr) {
        if (ptr != null && pinned.remove(ptr)) {
            cuMemFreeHost(ptr);
        }
    }

    private static ByteBuffer buffer(Pointer ptr, long bytes) {
        return ptr.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        b.bind();
        RuntimeException first = null;
        try {
            cuStreamSynchronize(b.stream());
            graphs.close();
        } catch (RuntimeException e) {
            first = e;  // a sticky error from an earlier pass: free what can be freed anyway
        }
        for (CUdeviceptr ptr : List.copyOf(owned)) {
            try {
                b.free(ptr);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        owned.clear();
        for (Pointer ptr : List.copyOf(pinned)) {
            try {
                cuMemFreeHost(ptr);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        pinned.clear();
        b.forget(this);
        if (first != null) {
            throw first;
        }
    }

    // ---------------------------------------------------------------- launches

    private void launch(String fn, int gx, int gy, int gz, int threads, Pointer... args) {
        b.launch(fn, gx, gy, gz, threads, args);
    }

    private static Pointer p(CUdeviceptr ptr) {
        return Pointer.to(ptr);
    }

    private static Pointer p(Pointer ptr) {
        return Pointer.to(ptr);
    }

    private static Pointer i(int v) {
        return Pointer.to(new int[] {v});
    }

    private static Pointer j(long v) {
        return Pointer.to(new long[] {v});
    }

    private static Pointer f(float v) {
        return Pointer.to(new float[] {v});
    }
}
