package org.specdec.speculative;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.sampling.SamplingParams;
import org.specdec.testing.ChiSquare;
import org.specdec.testing.Fixtures;
import org.specdec.testing.SyntheticPair;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Speculative decoding is lossless: greedy output equals target-only output token for token, and
 * sampled output has the target's distribution. Runs on a generated model, always at hand, with
 * drafts that need no second checkpoint (the identical model and self-drafts of its first layers)
 * and with an independent generated draft. The trained stories260K weights, where the shared
 * fixtures are present, repeat the greedy check on distributions that were learned, not drawn.
 */
class SpeculativeDecodingTest {
    static Path model;
    static List<int[]> prompts;

    @BeforeAll
    static void setUp() {
        model = SyntheticPair.target();
        Random r = new Random(7);
        prompts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int[] p = new int[2 + r.nextInt(12)];
            p[0] = 1;
            for (int j = 1; j < p.length; j++) {
                p[j] = 3 + r.nextInt(509);
            }
            prompts.add(p);
        }
    }

    static EngineSettings spec(String draft, int k, int batch) {
        return spec(model, draft, k, batch);
    }

    /** draft: null (target-only), "identical" (the target itself as an independent draft) or "self:N". */
    static EngineSettings spec(Path target, String draft, int k, int batch) {
        Path draftDir = "identical".equals(draft) ? target : null;
        int self = draft != null && draft.startsWith("self:") ? Integer.parseInt(draft.substring(5)) : 0;
        return EngineSettings.builder().target(target).draft(draftDir).selfDraftLayers(self).k(k).maxK(k)
                .maxBatch(batch).device("cpu").threads(2).maxContext(256).draftSwitch(false).build();
    }

    static List<GenerationResult> run(EngineSettings spec, List<GenerationRequest> reqs) {
        try (GenerationEngine e = Engines.open(spec)) {
            return e.generateAll(reqs);
        }
    }

    static List<GenerationRequest> greedyRequests(int maxTokens) {
        List<GenerationRequest> out = new ArrayList<>();
        SamplingParams p = new SamplingParams(0, 0, 1, 0, maxTokens, List.of(), true);
        for (int i = 0; i < prompts.size(); i++) {
            out.add(GenerationRequest.ofTokens("p" + i, prompts.get(i), p));
        }
        return out;
    }

    @Test
    void greedySpeculativeOutputEqualsTargetOnlyForEveryDraftAndK() {
        assertGreedyLossless(model);
    }

    @Test
    void greedySpeculativeOutputEqualsTargetOnlyOnTrainedWeights() {
        assertGreedyLossless(Fixtures.require("stories260K"));
    }

    static void assertGreedyLossless(Path target) {
        List<GenerationResult> baseline = run(spec(target, null, 0, 8), greedyRequests(24));
        for (GenerationResult r : baseline) {
            assertNull(r.error());
            assertEquals(24, r.generatedTokens());
            assertEquals(24, r.specSteps(), "target-only: one pass per token");
        }
        for (String draft : List.of("self:2", "identical")) {
            for (int k : new int[] {1, 2, 4, 8}) {
                List<GenerationResult> spec = run(spec(target, draft, k, 8), greedyRequests(24));
                for (int i = 0; i < baseline.size(); i++) {
                    assertArrayEquals(baseline.get(i).generatedTokenIds(), spec.get(i).generatedTokenIds(),
                            draft + " k=" + k + " prompt " + i);
                    GenerationResult s = spec.get(i);
                    assertTrue(s.acceptedTokens() <= s.draftTokens());
                    assertEquals(s.acceptedTokens(), Arrays.stream(s.acceptanceByPosition()).sum());
                }
            }
        }
    }

    @Test
    void greedyOutputWithAnIndependentDraftModelEqualsTargetOnly() {
        Path target = SyntheticPair.target();
        Path draft = SyntheticPair.independentDraft();
        List<GenerationRequest> reqs = new ArrayList<>();
        SamplingParams p = new SamplingParams(0, 0, 1, 0, 20, List.of(), true);
        for (int i = 0; i < prompts.size(); i++) {
            int[] ids = prompts.get(i).clone();
            reqs.add(GenerationRequest.ofTokens("p" + i, ids, p));
        }
        List<GenerationResult> baseline = run(EngineSettings.builder().target(target).k(0).maxK(0).maxBatch(8)
                .device("cpu").threads(2).maxContext(128).draftSwitch(false).build(), reqs);
        for (int k : new int[] {1, 2, 4, 8}) {
            List<GenerationResult> spec = run(EngineSettings.builder().target(target).draft(draft).k(k).maxK(k)
                    .maxBatch(8).device("cpu").threads(2).maxContext(128).draftSwitch(false).build(), reqs);
            for (int i = 0; i < reqs.size(); i++) {
                assertNull(spec.get(i).error());
                assertArrayEquals(baseline.get(i).generatedTokenIds(), spec.get(i).generatedTokenIds(),
                        "independent draft, k=" + k + ", prompt " + i);
            }
        }
    }

    @Test
    void identicalDraftAcceptsEverythingInCeilGeneratedOverKPlusOneSteps() {
        for (int k : new int[] {1, 3, 5}) {
            for (GenerationResult r : run(spec("identical", k, 8), greedyRequests(23))) {
                assertEquals(1.0, r.acceptanceRate(), "k=" + k);
                assertEquals((23 + k) / (k + 1), r.specSteps(), "k=" + k);
                assertEquals(23, r.generatedTokens());
            }
        }
    }

    @Test
    void identicalDraftAcceptsEverythingWhenSampling() {
        SamplingParams p = new SamplingParams(0.8, 0, 1, 3, 20, List.of(), true);
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            reqs.add(GenerationRequest.ofTokens("s" + i, prompts.get(i), p.withSeed(i)));
        }
        for (GenerationResult r : run(spec("identical", 4, 8), reqs)) {
            assertEquals(1.0, r.acceptanceRate());
            assertEquals(4, r.specSteps());
        }
    }

    @Test
    void rowOutputDoesNotDependOnBatchCompositionOrOrder() {
        SamplingParams greedy = new SamplingParams(0, 0, 1, 0, 16, List.of(), true);
        SamplingParams sampled = new SamplingParams(0.9, 40, 0.95, 1234, 16, List.of(), true);
        for (SamplingParams p : List.of(greedy, sampled)) {
            GenerationRequest probe = GenerationRequest.ofTokens("probe", prompts.get(3), p);
            int[] alone = run(spec("self:2", 3, 8), List.of(probe)).get(0).generatedTokenIds();
            List<GenerationRequest> batch = new ArrayList<>();
            for (int i = 10; i < 17; i++) {
                batch.add(GenerationRequest.ofTokens("o" + i, prompts.get(i), p.withSeed(i)));
            }
            batch.add(probe);
            for (int order = 0; order < 3; order++) {
                Collections.shuffle(batch, new Random(order));
                List<GenerationResult> out = run(spec("self:2", 3, 8), batch);
                int at = batch.indexOf(probe);
                assertArrayEquals(alone, out.get(at).generatedTokenIds(), "order " + order + " temp " + p.temperature());
            }
        }
    }

    @Test
    void sampledSpeculativeOutputHasTheTargetDistribution() {
        int n = 20_000;
        int[] prompt = {1, 403, 407};
        // The generated model's distributions are peaky: at temperature 1 the top-p 0.95 nucleus
        // still holds a dozen tokens or more (categories for the test), and top-p still cuts.
        SamplingParams base = new SamplingParams(1.0, 0, 0.95, 0, 3, List.of(), true);
        List<GenerationRequest> reqs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            reqs.add(GenerationRequest.ofTokens("r" + i, prompt, base.withSeed(1_000_003L * i + 17)));
        }
        List<GenerationResult> targetOnly = run(spec(null, 0, 64), reqs);
        List<GenerationResult> speculative = run(spec("self:1", 3, 64), reqs);
        int vocab = 512;
        for (int position : new int[] {0, 2}) {
            long[] a = new long[vocab];
            long[] b = new long[vocab];
            for (int i = 0; i < n; i++) {
                a[targetOnly.get(i).generatedTokenIds()[position]]++;
                b[speculative.get(i).generatedTokenIds()[position]]++;
            }
            double[] chi = ChiSquare.twoSample(a, b);
            assertTrue(chi[1] >= 2, "too few categories to test: " + chi[1]);
            assertTrue(chi[0] < ChiSquare.critical001(chi[1]),
                    "position " + position + ": chi2=" + chi[0] + " df=" + chi[1]);
        }
        double rate = speculative.stream().mapToDouble(GenerationResult::acceptanceRate).average().orElse(0);
        assertTrue(rate > 0 && rate < 1, "self:1 draft should be accepted sometimes, not always: " + rate);
    }
}
