package org.specdec.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.sampling.SamplingParams;
import org.specdec.synthetic.ModelPreset;
import org.specdec.synthetic.SyntheticModelMaker;
import org.specdec.tensor.DType;
import org.specdec.testing.NaNWeights;

/** A target whose logits are NaN never decodes silently: the rows it touches fail with the cause. */
class NaNLogitsTest {

    @TempDir
    Path dir;

    private Path tinyTarget() {
        Path target = dir.resolve("target");
        new SyntheticModelMaker().write(ModelPreset.TINY, 5, DType.F32, target, 0);
        return target;
    }

    private static GenerationEngine open(Path target) {
        return Engines.open(EngineSettings.builder().target(target).selfDraftLayers(2).k(3).maxK(3).maxBatch(4)
                .device("cpu").threads(2).maxContext(64).draftSwitch(false).build());
    }

    @Test
    void allNaNWeightsFailEveryRowNamingTheCause() {
        Path target = tinyTarget();
        NaNWeights.all(target);
        try (GenerationEngine engine = open(target)) {
            List<GenerationResult> out = engine.generateAll(List.of(
                    GenerationRequest.ofTokens("a", new int[] {1, 7, 9}, SamplingParams.greedy(6)),
                    GenerationRequest.ofText("b", "the cat", new SamplingParams(0.8, 0, 1, 3, 6, List.of(), false))));
            for (GenerationResult r : out) {
                assertNotNull(r.error(), r.id() + " decoded " + java.util.Arrays.toString(r.generatedTokenIds()));
                assertTrue(r.error().contains("NaN logits") && r.error().contains("weights are broken"), r.error());
                assertEquals(GenerationResult.FINISH_ERROR, r.finishReason());
            }
        }
    }

    @Test
    void aRowWhosePromptReachesNaNWeightsFailsAndTheOthersDecode() {
        Path target = tinyTarget();
        int hidden = ModelPreset.TINY.hiddenSize();
        int poisoned = 42;
        NaNWeights.elements(target, "model.embed_tokens.weight", (long) poisoned * hidden, hidden);
        try (GenerationEngine engine = open(target)) {
            List<GenerationResult> out = engine.generateAll(List.of(
                    GenerationRequest.ofTokens("clean", new int[] {1, 7, 9}, SamplingParams.greedy(6)),
                    GenerationRequest.ofTokens("poisoned", new int[] {1, 7, poisoned, 9}, SamplingParams.greedy(6)),
                    GenerationRequest.ofTokens("clean2", new int[] {1, 11}, SamplingParams.greedy(6))));
            assertNull(out.get(0).error());
            assertEquals(6, out.get(0).generatedTokens());
            assertNull(out.get(2).error());
            assertNotNull(out.get(1).error(), "decoded " + java.util.Arrays.toString(out.get(1).generatedTokenIds()));
            assertTrue(out.get(1).error().contains("NaN logits for this row"), out.get(1).error());
        }
    }
}
