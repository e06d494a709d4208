package org.specdec.synthetic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.tensor.DType;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reason for {@link WeightInit}: a synthetic target and its first-n-layers self-draft must
 * agree part of the time (neither chance level nor always), and an independent draft rarely.
 * Agreement is measured the way greedy speculative decoding sees it: on the target's own greedy
 * continuation, does the draft's argmax equal the target's at each position?
 */
class SelfDraftAgreementTest {
    @TempDir
    Path dir;

    /** Fraction of positions where a model with {@code draftLayers} layers predicts the target's greedy token. */
    static double greedyAgreement(ReferenceLlama target, int layers, ReferenceLlama draft, int draftLayers,
                                  int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int agree = 0;
        int total = 0;
        for (int prompt = 0; prompt < 4; prompt++) {
            int promptLen = 4;
            int genLen = 24;
            int[] tokens = new int[promptLen + genLen];
            tokens[0] = Vocabulary.BOS_ID;
            for (int i = 1; i < promptLen; i++) {
                tokens[i] = r.nextInt(Vocabulary.FIRST_WORD_ID, vocab);
            }
            for (int i = promptLen; i < tokens.length; i++) { // naive: recompute the whole prefix each step
                float[][] logits = target.forward(java.util.Arrays.copyOf(tokens, i), layers);
                tokens[i] = ReferenceLlama.argmax(logits[i - 1]);
            }
            float[][] d = draft.forward(tokens, draftLayers);
            for (int i = promptLen; i < tokens.length; i++) {
                agree += ReferenceLlama.argmax(d[i - 1]) == tokens[i] ? 1 : 0;
                total++;
            }
        }
        return (double) agree / total;
    }

    /**
     * Runs on the tiny preset only (seconds); the constants were chosen on tiny, small and a
     * 12-layer variant of small, where seed 7 measured (layers used: agreement):
     * tiny 1:0.46 2:0.67 3:0.75; small 1:0.27 2:0.44 3:0.64 5:0.82; 12 layers 1:0.34 2:0.51 4:0.68 8:0.88.
     */
    @Test
    void selfDraftAgreesPartOfTheTimeAndIndependentDraftRarely() {
        ModelPreset preset = ModelPreset.TINY;
        SyntheticModelMaker maker = new SyntheticModelMaker();
        maker.write(preset, 7, DType.F32, dir.resolve("t"), 0);
        maker.writeDraft(SyntheticModelMaker.DraftSpec.parse("independent"), preset, 7, DType.F32,
                dir.resolve("t"), dir.resolve("d"), 0);
        try (Checkpoint t = Checkpoint.open(dir.resolve("t")); Checkpoint d = Checkpoint.open(dir.resolve("d"))) {
            ReferenceLlama target = new ReferenceLlama(t);
            int layers = preset.numLayers();
            double[] a = new double[layers + 1];
            for (int n = 1; n <= layers; n++) {
                a[n] = greedyAgreement(target, layers, target, n, preset.vocabSize(), 11);
            }
            double independent = greedyAgreement(target, layers, new ReferenceLlama(d),
                    d.config().numLayers(), preset.vocabSize(), 11);
            String report = String.format("self-draft %s, independent %.2f", java.util.Arrays.toString(a), independent);
            assertEquals(1.0, a[layers], 1e-9, report);
            assertTrue(a[1] > 0.3 && a[2] > a[1] && a[2] < 0.9, report);
            assertTrue(independent < 0.2, report);
        }
    }
}
