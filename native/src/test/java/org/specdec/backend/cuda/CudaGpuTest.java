package org.specdec.backend.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.specdec.backend.AcceptanceRows;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.backend.cpu.CpuBackend;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.kv.KvCache;
import org.specdec.model.LlamaWeights;
import org.specdec.sampling.LogitsProcessor;
import org.specdec.sampling.SamplingParams;
import org.specdec.speculative.RejectionSampler;
import org.specdec.synthetic.ModelPreset;
import org.specdec.synthetic.SyntheticModelMaker;
import org.specdec.tensor.DType;
import org.specdec.testing.ChiSquare;
import org.specdec.testing.Fixtures;
import org.specdec.testing.GreedyComparison;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CUDA backend against the CPU backend, on a GPU. Skipped (with the reason) where
 * {@link CudaAvailability} says the backend cannot run, e.g. on CI machines without a GPU.
 * scripts/gpu-check.sh runs these on a GPU machine.
 */
class CudaGpuTest {
    /** Largest ||gpu - cpu|| / ||cpu|| of a logit row with 16-bit weights (see logitsMatchTheCpuBackend). */
    static final double TOLERANCE_16BIT = 1e-4;
    static final double TOLERANCE_F32 = 1e-5;
    static Path root;
    static Path tinyBf16;
    static Path smallBf16;
    static Path tinyF32;
    static Path tinyDraft;

    @BeforeAll
    static void models() throws Exception {
        CudaAvailability a = CudaAvailability.check();
        assumeTrue(a.available(), "no GPU, CUDA tests skipped: " + a.reason());
        root = Files.createTempDirectory("specdec-cuda-test");
        SyntheticModelMaker maker = new SyntheticModelMaker();
        tinyBf16 = maker.write(ModelPreset.TINY, 5, DType.BF16, root.resolve("tiny-bf16"), 0).directory();
        smallBf16 = maker.write(ModelPreset.SMALL, 6, DType.BF16, root.resolve("small-bf16"), 0).directory();
        tinyF32 = maker.write(ModelPreset.TINY, 5, DType.F32, root.resolve("tiny-f32"), 0).directory();
        tinyDraft = maker.writeDraft(SyntheticModelMaker.DraftSpec.parse("independent"), ModelPreset.TINY, 5,
                DType.BF16, tinyBf16, root.resolve("tiny-draft"), 0).directory();
        // Token-id prompts only: the GPU bundle leaves out DJL's tokenizer jar.
        for (Path d : List.of(tinyBf16, smallBf16, tinyF32, tinyDraft)) {
            Files.deleteIfExists(d.resolve("tokenizer.json"));
            Files.deleteIfExists(d.resolve("tokenizer_config.json"));
        }
    }

    @AfterAll
    static void done() {
        // Temp models are small; the JVM's temp cleanup is enough.
    }

    // ------------------------------------------------------------------ logits parity

    @Test
    void logitsMatchTheCpuBackend() {
        double bf16 = parity(tinyBf16);
        double small = parity(smallBf16);
        double f32 = parity(tinyF32);
        System.out.printf("logits parity, max relative error: tiny BF16 %.2e, small BF16 %.2e, tiny F32 %.2e%n",
                bf16, small, f32);
        // The GEMM keeps ~16 mantissa bits of each F32 activation (hi + lo halves in the weight's
        // type; weights are exact), about 8e-6 relative per product, so BF16/F16 logits may differ
        // from the CPU's F32 math by ~1e-5; F32 differs only in summation order. Measured on an
        // H200: 4.6e-6, 4.4e-6 and 2.9e-7.
        assertTrue(bf16 <= TOLERANCE_16BIT, "tiny BF16 relative error " + bf16);
        assertTrue(small <= TOLERANCE_16BIT, "small BF16 relative error " + small);
        assertTrue(f32 <= TOLERANCE_F32, "tiny F32 relative error " + f32);
    }

    /**
     * A prefill pass (three rows, one of 150 tokens so the tiled GEMM runs) then a verification
     * pass of 5 tokens per row with 5 logit positions; returns the largest per-position
     * ||cuda - cpu|| / ||cpu|| over both passes.
     */
    static double parity(Path dir) {
        try (Checkpoint ck = Checkpoint.open(dir);
             CpuBackend cpu = new CpuBackend(2, 256);
             CudaBackend gpu = CudaBackend.open("cuda:0", 256, 4)) {
            LlamaWeights w = LlamaWeights.load(ck);
            ModelRunner rc = cpu.load(w);
            ModelRunner rg = gpu.load(w);
            int vocab = w.config().vocabSize();
            Random rnd = new Random(3);
            int[][] prompts = {ids(rnd, 7, vocab), ids(rnd, 150, vocab), ids(rnd, 1, vocab)};
            KvCache[] cc = new KvCache[3];
            KvCache[] cg = new KvCache[3];
            for (int r = 0; r < 3; r++) {
                cc[r] = rc.newCache(256);
                cg[r] = rg.newCache(256);
            }
            double worst = 0;
            for (int pass = 0; pass < 2; pass++) {
                ForwardBatch bc = new ForwardBatch();
                ForwardBatch bg = new ForwardBatch();
                for (int r = 0; r < 3; r++) {
                    int[] t = pass == 0 ? prompts[r] : ids(rnd, 5, vocab);
                    int logitsWanted = Math.min(t.length, pass == 0 ? 3 : 5);
                    bc.add(cc[r], t, 0, t.length, logitsWanted);
                    bg.add(cg[r], t, 0, t.length, logitsWanted);
                }
                worst = Math.max(worst, relativeError(rc.forward(bc).clone(), rg.forward(bg), bc.totalLogits(), vocab));
            }
            return worst;
        }
    }

    static int[] ids(Random r, int n, int vocab) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(vocab);
        }
        return t;
    }

    // ------------------------------------------------------------------ greedy losslessness

    @Test
    void greedySpeculativeOutputEqualsCudaTargetOnly() {
        Random rnd = new Random(11);
        List<GenerationRequest> reqs = new ArrayList<>();
        SamplingParams p = new SamplingParams(0, 0, 1, 0, 40, List.of(), true);
        for (int i = 0; i < 24; i++) {
            reqs.add(GenerationRequest.ofTokens("p" + i, ids(rnd, 2 + rnd.nextInt(30), 512), p));
        }
        List<GenerationResult> base = run(EngineSettings.builder().target(tinyBf16).k(0).maxK(0).maxBatch(8)
                .device("cuda:0").maxContext(256).draftSwitch(false).build(), reqs);
        int mismatches = 0;
        int ties = 0;
        for (String draft : List.of("self:2", "independent")) {
            for (int k : new int[] {1, 3, 5}) {
                EngineSettings s = EngineSettings.builder().target(tinyBf16)
                        .draft(draft.equals("independent") ? tinyDraft : null)
                        .selfDraftLayers(draft.equals("self:2") ? 2 : 0).k(k).maxK(k).maxBatch(8).device("cuda:0")
                        .maxContext(256).draftSwitch(false).build();
                List<GenerationResult> spec = run(s, reqs);
                for (int i = 0; i < reqs.size(); i++) {
                    assertNull(spec.get(i).error());
                    int[] x = base.get(i).generatedTokenIds();
                    int[] y = spec.get(i).generatedTokenIds();
                    int at = GreedyComparison.firstDifference(x, y);
                    if (at >= 0) {
                        mismatches++;
                        if (GreedyComparison.isNearTie(tinyBf16, reqs.get(i).promptTokenIds(), x, at, 1e-3)) {
                            ties++;
                        }
                    }
                }
            }
        }
        System.out.printf("greedy speculative vs CUDA target-only: %d differing rows, %d of them at a numeric"
                + " tie (top-2 logits within 1e-3 relative)%n", mismatches, ties);
        assertEquals(0, mismatches - ties, "rows that differ without a numeric tie");
        assertEquals(0, mismatches, "the GEMM and attention kernels are batch-invariant: expected no ties at all");
    }

    static List<GenerationResult> run(EngineSettings spec, List<GenerationRequest> reqs) {
        try (GenerationEngine e = Engines.open(spec)) {
            return e.generateAll(reqs);
        }
    }

    // ------------------------------------------------------------------ device acceptance

    /**
     * The device acceptance kernel against the CPU RejectionSampler, one drafted token (k = 1) from
     * a fixed draft distribution q with temperature, top-k and top-p: the first emitted token must
     * follow the target's processed distribution p on both, and the two samples must agree
     * (two-sample chi-square, alpha = 0.001). Also checks the acceptance rates.
     */
    @Test
    void acceptanceKernelMatchesTheCpuRejectionSampler() {
        int trials = 6000;
        SamplingParams sp = new SamplingParams(0.8, 40, 0.9, 1, 10, List.of(), true);
        try (Checkpoint ck = Checkpoint.open(tinyBf16);
             CpuBackend cpu = new CpuBackend(2, 64);
             CudaBackend gpu = CudaBackend.open("cuda:0", 64, 2)) {
            LlamaWeights w = LlamaWeights.load(ck);
            int vocab = w.config().vocabSize();
            int[] prompt = ids(new Random(5), 6, vocab);
            // CPU: the target logits at the two positions (prompt end, and after the draft).
            ModelRunner rc = cpu.load(w);
            ForwardBatch b0 = new ForwardBatch();
            b0.add(rc.newCache(64), prompt, 0, prompt.length, 1);
            float[] lastLogits = rc.forward(b0).clone();
            float[] p = new float[vocab];
            new LogitsProcessor().probabilities(lastLogits, 0, vocab, sp, p);
            // q: half p, half uniform over the 60 most likely tokens: acceptance is partial.
            float[] q = new float[vocab];
            Integer[] order = new Integer[vocab];
            for (int i = 0; i < vocab; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (x, y) -> Float.compare(lastLogits[y], lastLogits[x]));
            for (int i = 0; i < vocab; i++) {
                q[i] = 0.5f * p[i];
            }
            for (int i = 0; i < 60; i++) {
                q[order[i]] += 0.5f / 60;
            }
            ModelRunner rg = gpu.load(w);
            KvCache cg = rg.newCache(64);
            ForwardBatch pre = new ForwardBatch();
            pre.add(cg, prompt, 0, prompt.length - 1, 0);
            rg.forward(pre);
            int base = cg.length();
            long[] dev = new long[vocab];
            long[] host = new long[vocab];
            int devAccepted = 0;
            int hostAccepted = 0;
            SplittableRandom draftRng = new SplittableRandom(9);
            SplittableRandom devRng = new SplittableRandom(10);
            SplittableRandom hostRng = new SplittableRandom(11);
            RejectionSampler sampler = new RejectionSampler(rc);
            // CPU logits of the 2 verification positions depend on the drafted token: cache them per x.
            java.util.Map<Integer, float[]> cpuLogits = new java.util.HashMap<>();
            AcceptanceRows rows = new AcceptanceRows();
            int[] out = new int[2];
            int[] hostOut = new int[2];
            int[] block = new int[2];
            for (int t = 0; t < trials; t++) {
                int x = LogitsProcessor.sample(q, vocab, draftRng.nextDouble());
                block[0] = prompt[prompt.length - 1];
                block[1] = x;
                // Device.
                cg.truncate(base);
                ForwardBatch fb = new ForwardBatch();
                fb.add(cg, block, 0, 2, 2);
                rows.reset(1, vocab);
                rows.add(1, new int[] {x}, q, sp, devRng, out);
                ((CudaModelRunner) rg).forwardAndAccept(fb, rows);
                dev[out[0]]++;
                devAccepted += rows.accepted[0];
                // Host.
                float[] lg = cpuLogits.computeIfAbsent(x, xx -> {
                    ForwardBatch hb = new ForwardBatch();
                    int[] seq = java.util.Arrays.copyOf(prompt, prompt.length + 1);
                    seq[prompt.length] = xx;
                    hb.add(rc.newCache(64), seq, 0, seq.length, 2);
                    return rc.forward(hb).clone();
                });
                int acc = sampler.verifySampled(lg, 0, vocab, new int[] {x}, 1, q, vocab, sp, hostRng, hostOut);
                host[hostOut[0]]++;
                hostAccepted += acc;
            }
            double[] two = ChiSquare.twoSample(dev, host);
            double[] one = ChiSquare.oneSample(dev, toDouble(p));
            System.out.printf("device acceptance: accepted %d vs CPU %d of %d; two-sample chi2 %.1f (df %.0f,"
                    + " critical %.1f); vs exact p chi2 %.1f (df %.0f)%n", devAccepted, hostAccepted, trials, two[0],
                    two[1], ChiSquare.critical001(two[1]), one[0], one[1]);
            assertTrue(two[0] < ChiSquare.critical001(two[1]), "device vs CPU samples differ: chi2 " + two[0]);
            assertTrue(one[0] < ChiSquare.critical001(one[1]), "device samples do not follow p: chi2 " + one[0]);
            double rate = (double) devAccepted / trials;
            double hostRate = (double) hostAccepted / trials;
            assertTrue(Math.abs(rate - hostRate) < 0.05, "acceptance rates " + rate + " vs " + hostRate);
        }
    }

    // ------------------------------------------------------------------ shapes of real models

    /**
     * Shapes the tiny models never reach, against the CPU backend: head_dim 64 with GQA 4 (F16)
     * and head_dim 128 with GQA 8 (BF16), vocab 8192 (split-K above 1 on every matrix), a
     * 300-token prefill row (two GEMM chunks, the tiled kernel), a 5-token verification pass, then
     * a rollback of 3 positions and a re-verification over the truncated cache.
     */
    @Test
    void realModelShapesMatchTheCpuBackend() throws Exception {
        ModelPreset gqa4 = new ModelPreset("hd64-gqa4", 512, 2, 8, 2, 1408, 8192, 1024);
        ModelPreset gqa8 = new ModelPreset("hd128-gqa8", 1024, 2, 8, 1, 2816, 8192, 1024);
        SyntheticModelMaker maker = new SyntheticModelMaker();
        Path f16 = maker.write(gqa4, 21, DType.F16, root.resolve("hd64-gqa4-f16"), 0).directory();
        Path bf16 = maker.write(gqa8, 22, DType.BF16, root.resolve("hd128-gqa8-bf16"), 0).directory();
        double e16 = shapeParity(f16);
        double e8 = shapeParity(bf16);
        System.out.printf("logits parity, max relative error: head_dim 64 GQA 4 F16 %.2e, head_dim 128 GQA 8 BF16 %.2e"
                + " (prefill 300 tokens, verify 5, roll back 3, verify 4)%n", e16, e8);
        assertTrue(e16 <= TOLERANCE_16BIT, "hd64 F16 relative error " + e16);
        assertTrue(e8 <= TOLERANCE_16BIT, "hd128 BF16 relative error " + e8);
    }

    static double shapeParity(Path dir) {
        try (Checkpoint ck = Checkpoint.open(dir);
             CpuBackend cpu = new CpuBackend(0, 512);
             CudaBackend gpu = CudaBackend.open("cuda:0", 512, 2)) {
            LlamaWeights w = LlamaWeights.load(ck);
            ModelRunner rc = cpu.load(w);
            ModelRunner rg = gpu.load(w);
            int vocab = w.config().vocabSize();
            Random rnd = new Random(4);
            KvCache[] cc = {rc.newCache(512), rc.newCache(512)};
            KvCache[] cg = {rg.newCache(512), rg.newCache(512)};
            int[][] prefill = {ids(rnd, 300, vocab), ids(rnd, 17, vocab)};
            double worst = 0;
            for (int pass = 0; pass < 3; pass++) {
                if (pass == 2) {
                    for (int r = 0; r < 2; r++) {
                        cc[r].truncate(cc[r].length() - 3);
                        cg[r].truncate(cg[r].length() - 3);
                    }
                }
                ForwardBatch bc = new ForwardBatch();
                ForwardBatch bg = new ForwardBatch();
                for (int r = 0; r < 2; r++) {
                    int[] t = pass == 0 ? prefill[r] : ids(rnd, pass == 1 ? 5 : 4, vocab);
                    int logits = Math.min(t.length, 5);
                    bc.add(cc[r], t, 0, t.length, logits);
                    bg.add(cg[r], t, 0, t.length, logits);
                }
                worst = Math.max(worst, relativeError(rc.forward(bc).clone(), rg.forward(bg), bc.totalLogits(), vocab));
            }
            return worst;
        }
    }

    /** Largest per-row ||b - a|| / ||a|| over {@code rows} rows of {@code vocab} logits. */
    static double relativeError(float[] a, float[] b, int rows, int vocab) {
        double worst = 0;
        for (int row = 0; row < rows; row++) {
            double num = 0;
            double den = 0;
            for (int i = 0; i < vocab; i++) {
                double d = b[row * vocab + i] - a[row * vocab + i];
                num += d * d;
                den += (double) a[row * vocab + i] * a[row * vocab + i];
            }
            worst = Math.max(worst, Math.sqrt(num / den));
        }
        return worst;
    }

    // ------------------------------------------------------------------ a trained model

    /** stories260K (trained, F32, head_dim 8, tied embeddings): GPU greedy == CPU greedy. */
    @Test
    void stories260KGreedyOnTheGpuEqualsTheCpu() {
        Path dir = Fixtures.require("stories260K");
        Random rnd = new Random(8);
        List<GenerationRequest> reqs = new ArrayList<>();
        SamplingParams p = new SamplingParams(0, 0, 1, 0, 64, List.of(), true);
        for (int i = 0; i < 16; i++) {
            int[] prompt = ids(rnd, 1 + rnd.nextInt(8), 512);
            prompt[0] = 1;  // BOS
            reqs.add(GenerationRequest.ofTokens("s" + i, prompt, p));
        }
        List<GenerationResult> cpu = run(EngineSettings.builder().target(dir).k(0).maxK(0).maxBatch(8).device("cpu")
                .maxContext(256).draftSwitch(false).build(), reqs);
        List<GenerationResult> gpu = run(EngineSettings.builder().target(dir).k(0).maxK(0).maxBatch(8)
                .device("cuda:0").maxContext(256).draftSwitch(false).build(), reqs);
        int differing = 0;
        for (int i = 0; i < reqs.size(); i++) {
            int at = GreedyComparison.firstDifference(cpu.get(i).generatedTokenIds(), gpu.get(i).generatedTokenIds());
            differing += at >= 0 ? 1 : 0;
        }
        System.out.printf("stories260K greedy, 16 prompts x 64 tokens: GPU == CPU in %d/%d rows%n",
                reqs.size() - differing, reqs.size());
        assertEquals(0, differing, "rows where stories260K GPU greedy differs from the CPU");
    }

    // ------------------------------------------------------------------ sampled acceptance, k = 3

    /**
     * The device acceptance kernel at vocab 4096 with k = 3, against the CPU RejectionSampler on
     * the very same target logits (the GPU pass is deterministic, so a plain forward of the same
     * block gives them to the host): top-k only, top-p only, and both. The first emitted token must
     * follow the target's processed distribution exactly; the accepted-count histograms of device
     * and host must agree (two-sample chi-square, alpha = 0.001); bonus tokens are counted.
     */
    @Test
    void sampledAcceptanceWithThreeDraftsMatchesTheCpu() {
        int trials = 3000;
        int k = 3;
        try (Checkpoint ck = Checkpoint.open(smallBf16); CudaBackend gpu = CudaBackend.open("cuda:0", 64, 1)) {
            LlamaWeights w = LlamaWeights.load(ck);
            int vocab = w.config().vocabSize();
            ModelRunner rg = gpu.load(w);
            int[] prompt = ids(new Random(6), 6, vocab);
            KvCache cache = rg.newCache(64);
            ForwardBatch pre = new ForwardBatch();
            pre.add(cache, prompt, 0, prompt.length - 1, 0);
            rg.forward(pre);
            int base = cache.length();
            for (SamplingParams sp : List.of(new SamplingParams(0.8, 50, 1.0, 1, 10, List.of(), true),
                    new SamplingParams(0.8, 0, 0.9, 1, 10, List.of(), true),
                    new SamplingParams(0.8, 40, 0.9, 1, 10, List.of(), true))) {
                // p0: the target's processed distribution at the first position (drafts do not change it).
                cache.truncate(base);
                ForwardBatch b0 = new ForwardBatch();
                b0.add(cache, new int[] {prompt[prompt.length - 1]}, 0, 1, 1);
                float[] p0 = new float[vocab];
                new LogitsProcessor().probabilities(rg.forward(b0).clone(), 0, vocab, sp, p0);
                cache.truncate(base);
                // q: the same draft distribution at every position, half p0 and half uniform over 60 likely tokens.
                float[] q1 = new float[vocab];
                Integer[] order = new Integer[vocab];
                for (int i = 0; i < vocab; i++) {
                    order[i] = i;
                    q1[i] = 0.5f * p0[i];
                }
                java.util.Arrays.sort(order, (x, y) -> Float.compare(p0[y], p0[x]));
                for (int i = 0; i < 60; i++) {
                    q1[order[i]] += 0.5f / 60;
                }
                float[] q = new float[k * vocab];
                for (int j = 0; j < k; j++) {
                    System.arraycopy(q1, 0, q, j * vocab, vocab);
                }
                long[] devFirst = new long[vocab];
                long[] devAccepted = new long[k + 1];
                long[] hostAccepted = new long[k + 1];
                SplittableRandom draftRng = new SplittableRandom(12);
                SplittableRandom devRng = new SplittableRandom(13);
                SplittableRandom hostRng = new SplittableRandom(14);
                RejectionSampler sampler = new RejectionSampler(rg);
                AcceptanceRows rows = new AcceptanceRows();
                int[] drafts = new int[k];
                int[] block = new int[k + 1];
                int[] out = new int[k + 1];
                int[] hostOut = new int[k + 1];
                for (int t = 0; t < trials; t++) {
                    block[0] = prompt[prompt.length - 1];
                    for (int j = 0; j < k; j++) {
                        drafts[j] = LogitsProcessor.sample(q1, vocab, draftRng.nextDouble());
                        block[j + 1] = drafts[j];
                    }
                    cache.truncate(base);
                    ForwardBatch hb = new ForwardBatch();
                    hb.add(cache, block, 0, k + 1, k + 1);
                    float[] logits = rg.forward(hb).clone();
                    hostAccepted[sampler.verifySampled(logits, 0, vocab, drafts, k, q, vocab, sp, hostRng, hostOut)]++;
                    cache.truncate(base);
                    ForwardBatch db = new ForwardBatch();
                    db.add(cache, block, 0, k + 1, k + 1);
                    rows.reset(1, vocab);
                    rows.add(k, drafts, q, sp, devRng, out);
                    ((CudaModelRunner) rg).forwardAndAccept(db, rows);
                    devAccepted[rows.accepted[0]]++;
                    devFirst[out[0]]++;
                }
                double[] first = ChiSquare.oneSample(devFirst, toDouble(p0));
                double[] acc = ChiSquare.twoSample(devAccepted, hostAccepted);
                System.out.printf("device acceptance k=3, vocab %d, T=%.1f top-k %d top-p %.2f: accepted-count histogram"
                                + " device %s vs CPU %s (chi2 %.1f, critical %.1f); first token vs exact p chi2 %.1f"
                                + " (critical %.1f); bonus tokens %d%n", vocab, sp.temperature(), sp.topK(), sp.topP(),
                        java.util.Arrays.toString(devAccepted), java.util.Arrays.toString(hostAccepted), acc[0],
                        ChiSquare.critical001(acc[1]), first[0], ChiSquare.critical001(first[1]), devAccepted[k]);
                assertTrue(acc[0] < ChiSquare.critical001(acc[1]), "accepted counts differ: chi2 " + acc[0]);
                assertTrue(first[0] < ChiSquare.critical001(first[1]), "first tokens do not follow p: chi2 " + first[0]);
            }
        }
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
