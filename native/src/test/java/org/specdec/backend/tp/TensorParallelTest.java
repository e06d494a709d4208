package org.specdec.backend.tp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.specdec.backend.Backends;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.backend.cpu.CpuBackend;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.engine.LoadedModels;
import org.specdec.engine.SpeculativeEngine;
import org.specdec.kv.KvCache;
import org.specdec.model.LlamaWeights;
import org.specdec.sampling.LogitsProcessor;
import org.specdec.sampling.SamplingParams;
import org.specdec.speculative.ModelDrafter;
import org.specdec.synthetic.ModelPreset;
import org.specdec.synthetic.SyntheticModelMaker;
import org.specdec.tensor.DType;
import org.specdec.testing.ChiSquare;

/**
 * Tensor parallelism on the CPU: a target split over 2 or 4 shards gives the whole model's logits
 * (within float rounding) and its greedy tokens exactly, on the shipped SOTU pair and on synthetic
 * models whose key/value heads split (8 kv heads over 4 shards: 2 each) or are shared between
 * shards (2 kv heads over 4 shards).
 *
 * <p>Tolerance: a shard's o_proj and down_proj sum only its part of the input features, and the
 * group adds the N partials in rank order, so each of these two sums per layer is rounded at
 * different points than the whole model's single dot product: F32 rounding of about 1e-7 per
 * addition over hundreds of terms, carried through the layers. The differences seen are 2.4e-6 to
 * 6.2e-6 of max(1, |logit|); the bound is 1e-4, while a wrong head, feature or key/value mapping
 * moves logits by about their own size.
 */
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class TensorParallelTest {
    static Path shippedTarget;
    static Path shippedDraft;
    static Path kv8;
    static Path kv2;
    static Path tmp;

    @BeforeAll
    static void models() throws IOException {
        Path repo = Path.of(System.getProperty("specdec.repo", "..")).toAbsolutePath().normalize();
        shippedTarget = repo.resolve("models/sotu-target");
        shippedDraft = repo.resolve("models/sotu-draft");
        tmp = Files.createTempDirectory("specdec-tp");
        SyntheticModelMaker maker = new SyntheticModelMaker();
        // intermediate 346 splits unevenly over 4 shards (86/87), vocab 500 too (125 each).
        kv8 = tmp.resolve("kv8");
        maker.write(new ModelPreset("kv8", 128, 3, 8, 8, 346, 500, 256), 5, DType.F32, kv8, 0);
        kv2 = tmp.resolve("kv2");
        maker.write(new ModelPreset("kv2", 128, 3, 8, 2, 344, 512, 256), 6, DType.F16, kv2, 0);
    }

    @AfterAll
    static void clean() throws IOException {
        try (var files = Files.walk(tmp)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static Path model(String name) {
        return switch (name) {
            case "sotu" -> shippedTarget;
            case "kv8" -> kv8;
            case "kv2" -> kv2;
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest(name = "{0}, tensor parallel {1}")
    @CsvSource({"sotu, 2", "sotu, 4", "kv8, 2", "kv8, 4", "kv2, 4"})
    void logitsMatchTheWholeModelThroughPrefillVerificationAndRollback(String name, int tp) {
        try (Checkpoint ckpt = Checkpoint.open(model(name));
             CpuBackend whole = new CpuBackend(1, 128);
             CpuBackend split = new CpuBackend(tp, 128, tp)) {
            LlamaWeights w = LlamaWeights.load(ckpt);
            ModelRunner a = whole.load(w);
            ModelRunner b = split.loadTarget(w);
            assertTrue(b instanceof TensorParallelRunner);
            int vocab = w.config().vocabSize();
            Random r = new Random(3);
            int rows = 3;
            KvCache[] ca = new KvCache[rows];
            KvCache[] cb = new KvCache[rows];
            int[][] prompts = new int[rows][];
            for (int i = 0; i < rows; i++) {
                ca[i] = a.newCache(128);
                cb[i] = b.newCache(128);
                prompts[i] = tokens(r, 5 + 7 * i, vocab);
            }
            // Prefill (every position's logits), a 5-position verification, a rollback of 3, again.
            compare(a, b, ca, cb, prompts, Integer.MAX_VALUE, name + " prefill");
            int[][] block = new int[rows][];
            for (int i = 0; i < rows; i++) {
                block[i] = tokens(r, 5, vocab);
            }
            compare(a, b, ca, cb, block, 5, name + " verify");
            for (int i = 0; i < rows; i++) {
                ca[i].truncate(ca[i].length() - 3);
                cb[i].truncate(cb[i].length() - 3);
                assertEquals(ca[i].length(), cb[i].length());
                block[i] = tokens(r, 4, vocab);
            }
            compare(a, b, ca, cb, block, 4, name + " after rollback");
        }
    }

    static void compare(ModelRunner a, ModelRunner b, KvCache[] ca, KvCache[] cb, int[][] tokens, int logitsPerRow,
                        String what) {
        ForwardBatch ba = new ForwardBatch();
        ForwardBatch bb = new ForwardBatch();
        for (int i = 0; i < tokens.length; i++) {
            int logits = Math.min(logitsPerRow, tokens[i].length);
            ba.add(ca[i], tokens[i], 0, tokens[i].length, logits);
            bb.add(cb[i], tokens[i], 0, tokens[i].length, logits);
        }
        float[] la = a.forward(ba);
        float[] lb = b.forward(bb);
        int n = ba.totalLogits() * a.config().vocabSize();
        double worst = 0;
        for (int i = 0; i < n; i++) {
            worst = Math.max(worst, Math.abs(la[i] - lb[i]) / Math.max(1, Math.abs(la[i])));
        }
        System.out.printf("tensor parallel logits, %s: largest relative difference %.2e%n", what, worst);
        assertTrue(worst <= 1e-4, what + ": largest relative difference " + worst);
    }

    @ParameterizedTest(name = "{0}, tensor parallel {1}")
    @CsvSource({"sotu, 2", "sotu, 4", "kv8, 4"})
    void greedyTokensAreIdenticalToTheWholeModel(String name, int tp) {
        try (Checkpoint ckpt = Checkpoint.open(model(name));
             CpuBackend whole = new CpuBackend(1, 128);
             CpuBackend split = new CpuBackend(tp, 128, tp)) {
            LlamaWeights w = LlamaWeights.load(ckpt);
            int[][] a = greedy(whole.load(w), 6, 48);
            int[][] b = greedy(split.loadTarget(w), 6, 48);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(a[i], b[i], name + " row " + i);
            }
        }
    }

    /** Batched greedy decoding, {@code rows} prompts of the same seed, one token per pass. */
    static int[][] greedy(ModelRunner m, int rows, int steps) {
        int vocab = m.config().vocabSize();
        Random r = new Random(11);
        KvCache[] caches = new KvCache[rows];
        int[][] out = new int[rows][steps];
        int[][] next = new int[rows][];
        for (int i = 0; i < rows; i++) {
            caches[i] = m.newCache(128);
            next[i] = tokens(r, 4 + i, vocab);
        }
        ForwardBatch b = new ForwardBatch();
        for (int s = 0; s < steps; s++) {
            b.clear();
            for (int i = 0; i < rows; i++) {
                b.add(caches[i], next[i], 0, next[i].length, 1);
            }
            float[] logits = m.forward(b);
            for (int i = 0; i < rows; i++) {
                out[i][s] = LogitsProcessor.argmax(logits, i * vocab, vocab);
                next[i] = new int[] {out[i][s]};
            }
        }
        return out;
    }

    static int[] tokens(Random r, int n, int vocab) {
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) {
            t[i] = 3 + r.nextInt(vocab - 3);
        }
        return t;
    }

    @ParameterizedTest(name = "tensor parallel {0}")
    @CsvSource({"2", "4"})
    void speculativeGreedyOnTheShippedPairIsTokenIdenticalToTheWholeTarget(int tp) {
        List<GenerationRequest> reqs = new ArrayList<>();
        Random r = new Random(5);
        for (int i = 0; i < 12; i++) {
            reqs.add(GenerationRequest.ofTokens("p" + i, tokens(r, 3 + i, 4096), SamplingParams.greedy(40)));
        }
        List<GenerationResult> whole = speculative(1, 4, reqs);
        List<GenerationResult> split = speculative(tp, 4, reqs);
        for (int i = 0; i < reqs.size(); i++) {
            assertNull(split.get(i).error());
            assertArrayEquals(whole.get(i).generatedTokenIds(), split.get(i).generatedTokenIds(), "row " + i);
        }
        assertTrue(split.stream().mapToLong(GenerationResult::acceptedTokens).sum() > 0, "the draft is accepted");
    }

    /** The rejection sampler's output under TP 2 follows the whole target's distribution. */
    @Test
    void sampledSpeculativeOutputUnderTensorParallel2HasTheTargetDistribution() {
        int n = 6_000;
        int[] prompt = {1, 45, 300};
        SamplingParams base = new SamplingParams(1.0, 0, 1.0, 0, 2, List.of(), true);
        List<GenerationRequest> reqs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            reqs.add(GenerationRequest.ofTokens("r" + i, prompt, base.withSeed(1_000_003L * i + 29)));
        }
        List<GenerationResult> targetOnly = speculative(1, 0, reqs);
        List<GenerationResult> split = speculative(2, 3, reqs);
        for (int position : new int[] {0, 1}) {
            long[] a = new long[4096];
            long[] b = new long[4096];
            for (int i = 0; i < n; i++) {
                a[targetOnly.get(i).generatedTokenIds()[position]]++;
                b[split.get(i).generatedTokenIds()[position]]++;
            }
            double[] chi = ChiSquare.twoSample(a, b);
            assertTrue(chi[1] >= 2, "too few categories to test: " + chi[1]);
            assertTrue(chi[0] < ChiSquare.critical001(chi[1]), "position " + position + ": chi2=" + chi[0]
                    + " df=" + chi[1]);
        }
        long accepted = split.stream().mapToLong(GenerationResult::acceptedTokens).sum();
        long drafted = split.stream().mapToLong(GenerationResult::draftTokens).sum();
        assertTrue(accepted > 0 && accepted < drafted, "accepted " + accepted + " of " + drafted);
    }

    /** The shipped pair: target split over {@code tp} shards, the draft whole; k = 0 is target-only. */
    static List<GenerationResult> speculative(int tp, int k, List<GenerationRequest> reqs) {
        try (Checkpoint target = Checkpoint.open(shippedTarget);
             Checkpoint draft = Checkpoint.open(shippedDraft);
             CpuBackend backend = new CpuBackend(tp, 320, tp)) {
            ModelRunner t = backend.loadTarget(LlamaWeights.load(target));
            ModelDrafter d = k > 0 ? new ModelDrafter(backend.load(LlamaWeights.load(draft)), "sotu-draft") : null;
            EngineSettings o = EngineSettings.builder().target(shippedTarget).k(k).maxK(Math.max(k, 1))
                    .maxBatch(16).maxContext(256).device("cpu").draftSwitch(false).build();
            LoadedModels names = new LoadedModels("sotu-target", k > 0 ? "sotu-draft" : null, List.of());
            try (SpeculativeEngine e = new SpeculativeEngine(t, d, null, o, names)) {
                return e.generateAll(reqs);
            }
        }
    }

    @Test
    void aDegreeThatDoesNotSplitTheHeadsIsRefusedNamingTheOnesThatDo() {
        try (Checkpoint ckpt = Checkpoint.open(shippedTarget);
             CpuBackend split = new CpuBackend(3, 128, 3)) {
            LlamaWeights w = LlamaWeights.load(ckpt);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> split.loadTarget(w));
            assertTrue(e.getMessage().contains("num_attention_heads 8") && e.getMessage().contains("1, 2, 4, 8"),
                    e.getMessage());
        }
    }


    /** model.tensor_parallel through the engine factory, as the job, spec_generate and generate open it. */
    @Test
    void theSettingSplitsTheTargetTheEngineOpens() {
        List<GenerationRequest> reqs = new ArrayList<>();
        Random r = new Random(9);
        for (int i = 0; i < 6; i++) {
            reqs.add(GenerationRequest.ofTokens("p" + i, tokens(r, 4 + i, 4096), SamplingParams.greedy(24)));
        }
        EngineSettings.Builder b = EngineSettings.builder().target(shippedTarget).draft(shippedDraft).k(4)
                .draftSwitch(false).device("cpu").threads(2);
        List<GenerationResult> whole;
        try (GenerationEngine e = Engines.open(b.build())) {
            whole = e.generateAll(reqs);
        }
        try (GenerationEngine e = Engines.open(b.tensorParallel(2).build())) {
            List<GenerationResult> split = e.generateAll(reqs);
            for (int i = 0; i < reqs.size(); i++) {
                assertNull(split.get(i).error());
                assertArrayEquals(whole.get(i).generatedTokenIds(), split.get(i).generatedTokenIds(), "row " + i);
            }
        }
        assertEquals(1, b.tensorParallel(EngineSettings.AUTO_TENSOR_PARALLEL).build().tensorParallelDegree());
    }

    @Test
    void aCudaGroupWithoutAGpuFailsWithTheBackendsReason() {
        org.specdec.backend.cuda.CudaAvailability a = org.specdec.backend.cuda.CudaAvailability.check();
        org.junit.jupiter.api.Assumptions.assumeFalse(a.available(), "a GPU is here: CudaTensorParallelGpuTest covers it");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Backends.open("cuda:0", 0, 64, 1, 2));
        assertTrue(e.getMessage().contains("cuda:0") && e.getMessage().contains(a.reason()), e.getMessage());
    }
}
