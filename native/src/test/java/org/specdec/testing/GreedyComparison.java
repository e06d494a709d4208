package org.specdec.testing;

import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.backend.cpu.CpuBackend;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.model.LlamaWeights;

import java.nio.file.Path;

/**
 * Comparing two greedy continuations of the same prompt (GPU vs CPU, speculative vs target-only):
 * where they first differ, and whether that position is a numeric near-tie of the model's top two
 * logits, where two correct backends may round to different tokens.
 */
public final class GreedyComparison {
    private GreedyComparison() {}

    /** The first index where a and b differ, the shorter length if one is a prefix, or -1 if equal. */
    public static int firstDifference(int[] a, int[] b) {
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (a[i] != b[i]) {
                return i;
            }
        }
        return a.length == b.length ? -1 : Math.min(a.length, b.length);
    }

    /**
     * Whether the CPU backend's top two logits for {@code model} after prompt + out[0..at) are within
     * {@code relative} of each other (relative to max(1, |top logit|)).
     */
    public static boolean isNearTie(Path model, int[] prompt, int[] out, int at, double relative) {
        try (Checkpoint ck = Checkpoint.open(model); CpuBackend cpu = new CpuBackend(0, prompt.length + at + 8)) {
            ModelRunner r = cpu.load(LlamaWeights.load(ck));
            int[] seq = new int[prompt.length + at];
            System.arraycopy(prompt, 0, seq, 0, prompt.length);
            System.arraycopy(out, 0, seq, prompt.length, at);
            ForwardBatch b = new ForwardBatch();
            b.add(r.newCache(seq.length), seq, 0, seq.length, 1);
            float[] lg = r.forward(b);
            float first = Float.NEGATIVE_INFINITY;
            float second = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < r.config().vocabSize(); i++) {
                if (lg[i] > first) {
                    second = first;
                    first = lg[i];
                } else if (lg[i] > second) {
                    second = lg[i];
                }
            }
            return first - second <= relative * Math.max(1, Math.abs(first));
        }
    }
}
