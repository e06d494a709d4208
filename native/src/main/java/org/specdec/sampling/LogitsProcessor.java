package org.specdec.sampling;

import java.util.Arrays;
import org.specdec.tensor.VectorExp;

/**
 * Turns one position's logits into the distribution a row samples from: temperature, then top-k,
 * then top-p (the order of Hugging Face's warpers and vLLM's sampler). Tokens tied with the
 * top-k / top-p threshold are all kept, so the result does not depend on sort stability.
 * Not thread-safe: one instance per decoding loop (it owns a sort scratch).
 */
public final class LogitsProcessor {
    private float[] sorted = new float[0];

    /** Greedy choice: the highest logit, the lowest id on a tie. */
    public static int argmax(float[] logits, int off, int n) {
        int best = 0;
        float bestValue = logits[off];
        for (int i = 1; i < n; i++) {
            float x = logits[off + i];
            if (x > bestValue) {
                bestValue = x;
                best = i;
            }
        }
        return best;
    }

    /**
     * Whether {@code logits[off..off+n)} holds a NaN. Greedy and sampled choices both read a NaN
     * row as token 0 (every comparison with NaN is false), so the caller must refuse it instead.
     */
    public static boolean containsNaN(float[] logits, int off, int n) {
        for (int i = off; i < off + n; i++) {
            float x = logits[i];
            if (x != x) {
                return true;
            }
        }
        return false;
    }

    /** Writes the normalized sampling distribution of {@code logits[off..off+n)} into {@code probs[0..n)}. */
    public void probabilities(float[] logits, int off, int n, SamplingParams p, float[] probs) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        System.arraycopy(logits, off, probs, 0, n);
        VectorExp.expInPlace(probs, 0, n, max, (float) (1.0 / p.temperature()));
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += probs[i];
        }
        scale(probs, n, sum);
        if (p.topK() > 0 && p.topK() < n) {
            float threshold = kthLargest(probs, n, p.topK());
            keepAtLeast(probs, n, threshold);
        }
        if (p.topP() < 1.0) {
            float[] s = sortedCopy(probs, n);
            double acc = 0;
            float threshold = s[n - 1];
            for (int i = n - 1; i >= 0; i--) {
                acc += s[i];
                threshold = s[i];
                if (acc >= p.topP()) {
                    break;
                }
            }
            keepAtLeast(probs, n, threshold);
        }
    }

    /** Inverse-CDF draw from an (unnormalized) distribution with a uniform {@code u} in [0, 1). */
    public static int sample(float[] probs, int n, double u) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += probs[i];
        }
        double target = u * total;
        double acc = 0;
        int lastNonZero = 0;
        for (int i = 0; i < n; i++) {
            if (probs[i] > 0) {
                acc += probs[i];
                lastNonZero = i;
                if (acc > target) {
                    return i;
                }
            }
        }
        return lastNonZero;
    }

    private float kthLargest(float[] probs, int n, int k) {
        float[] s = sortedCopy(probs, n);
        return s[n - k];
    }

    private float[] sortedCopy(float[] probs, int n) {
        if (sorted.length < n) {
            sorted = new float[n];
        }
        System.arraycopy(probs, 0, sorted, 0, n);
        Arrays.sort(sorted, 0, n);
        return sorted;
    }

    private static void keepAtLeast(float[] probs, int n, float threshold) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (probs[i] < threshold) {
                probs[i] = 0;
            } else {
                sum += probs[i];
            }
        }
        scale(probs, n, sum);
    }

    private static void scale(float[] probs, int n, double sum) {
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            probs[i] *= inv;
        }
    }
}
