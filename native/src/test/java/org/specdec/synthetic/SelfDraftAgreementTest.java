package org.specdec.synthetic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.model.LlamaWeights;
import org.specdec.tensor.DType;
import org.specdec.testing.ReferenceLlama;

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

    /** Fraction of positions where {@code draft} predicts the greedy token of {@code target}. */
    static double greedyAgreement(LlamaWeights target, LlamaWeights draft, int vocab, long seed) {
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
            ReferenceLlama t = new ReferenceLlama(target, tokens.length);
            for (int i = 0; i + 1 < tokens.length; i++) {
                double[] next = t.step(tokens[i]);
                if (i + 1 >= promptLen) {
                    tokens[i + 1] = ReferenceLlama.argmax(next);
                }
            }
            ReferenceLlama d = new ReferenceLlama(draft, tokens.length);
            for (int i = 0; i + 1 < tokens.length; i++) {
                double[] next = d.step(tokens[i]);
                if (i + 1 >= promptLen) {
                    agree += ReferenceLlama.argmax(next) == tokens[i + 1] ? 1 : 0;
                    total++;
                }
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
            LlamaWeights target = LlamaWeights.load(t);
            int layers = preset.numLayers();
            double[] a = new double[layers + 1];
            for (int n = 1; n <= layers; n++) {
                LlamaWeights draft = n == layers ? target : target.firstLayers(n);
                a[n] = greedyAgreement(target, draft, preset.vocabSize(), 11);
            }
            double independent = greedyAgreement(target, LlamaWeights.load(d), preset.vocabSize(), 11);
            String report = String.format("self-draft %s, independent %.2f", java.util.Arrays.toString(a), independent);
            assertEquals(1.0, a[layers], 1e-9, report);
            assertTrue(a[1] > 0.3 && a[2] > a[1] && a[2] < 0.9, report);
            assertTrue(independent < 0.2, report);
        }
    }
}
