package org.specdec.trained;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.sampling.SamplingParams;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runtime against the training code on real trained weights: greedy continuations of 20
 * held-out prompts x 64 tokens must equal PyTorch's (tools/train/eval_pair.py fixtures) token for
 * token on the F32 export, and agree on at least 95% of tokens on the shipped F16 models (BF16
 * was measured at 97% (target) and 90% (draft), which is why the pair ships in F16).
 */
class TrainedPairParityTest {
    static final SamplingParams GREEDY = new SamplingParams(0, 0, 1, 0, 64, List.of(), true);

    static List<int[]> generate(Path dir, Path draft, int k, JsonNode prompts, List<GenerationResult> results) {
        List<GenerationRequest> reqs = new ArrayList<>();
        int i = 0;
        for (JsonNode p : prompts) {
            reqs.add(GenerationRequest.ofTokens("p" + i++, TrainedPair.ints(p.get("prompt_ids")), GREEDY));
        }
        List<int[]> out = new ArrayList<>();
        try (GenerationEngine e = Engines.open(EngineSettings.builder().target(dir).draft(draft).k(k).maxK(k)
                .maxBatch(8).device("cpu").threads(2).draftSwitch(false).build())) {
            for (GenerationResult r : e.generateAll(reqs)) {
                assertNull(r.error(), r.id());
                assertEquals(64, r.generatedTokens());
                out.add(r.generatedTokenIds());
                if (results != null) {
                    results.add(r);
                }
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return out;
    }

    static void assertExact(String model) {
        JsonNode prompts = TrainedPair.reference().get("prompts");
        List<int[]> got = generate(TrainedPair.f32("sotu-" + model), null, 0, prompts, null);
        assertEquals(20, got.size());
        for (int i = 0; i < got.size(); i++) {
            assertArrayEquals(TrainedPair.ints(prompts.get(i).get(model)), got.get(i),
                    model + " F32, prompt " + i + ": " + prompts.get(i).get("text").asText());
        }
    }

    static double agreement(String model) {
        JsonNode prompts = TrainedPair.reference().get("prompts");
        List<int[]> got = generate(TrainedPair.shipped("sotu-" + model), null, 0, prompts, null);
        int same = 0;
        int total = 0;
        for (int i = 0; i < got.size(); i++) {
            int[] want = TrainedPair.ints(prompts.get(i).get(model + "_shipped"));
            for (int j = 0; j < want.length; j++) {
                same += want[j] == got.get(i)[j] ? 1 : 0;
                total++;
            }
        }
        assertEquals(20 * 64, total);
        return (double) same / total;
    }

    @Test
    void targetF32EqualsPyTorchTokenForToken() {
        assertExact("target");
    }

    @Test
    void draftF32EqualsPyTorchTokenForToken() {
        assertExact("draft");
    }

    @Test
    void shippedF16TargetAgreesWithPyTorch() {
        double a = agreement("target");
        assertTrue(a >= 0.95, "shipped F16 target token agreement " + a);
    }

    @Test
    void shippedF16DraftAgreesWithPyTorch() {
        double a = agreement("draft");
        assertTrue(a >= 0.95, "shipped F16 draft token agreement " + a);
    }

    /** Speculative decoding with the shipped pair is lossless and the trained draft is accepted often. */
    @Test
    void shippedPairSpeculativeGreedyEqualsTargetOnly() {
        JsonNode prompts = TrainedPair.reference().get("prompts");
        Path target = TrainedPair.shipped("sotu-target");
        Path draft = TrainedPair.shipped("sotu-draft");
        List<int[]> plain = generate(target, null, 0, prompts, null);
        List<GenerationResult> stats = new ArrayList<>();
        List<int[]> spec = generate(target, draft, 4, prompts, stats);
        long drafted = 0;
        long accepted = 0;
        for (int i = 0; i < plain.size(); i++) {
            assertArrayEquals(plain.get(i), spec.get(i), "prompt " + i);
            drafted += stats.get(i).draftTokens();
            accepted += stats.get(i).acceptedTokens();
        }
        double rate = (double) accepted / drafted;
        assertTrue(rate > 0.3, "acceptance rate " + rate + " of a trained draft");
    }
}
