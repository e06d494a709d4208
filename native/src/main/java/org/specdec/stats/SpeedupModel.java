package org.specdec.stats;

/**
 * The expected speedup of speculative decoding over target-only decoding (Leviathan et al. 2023,
 * "Fast Inference from Transformers via Speculative Decoding", Theorem 3.8). With per-token
 * acceptance alpha, gamma = k drafts per block, draft/target cost ratio c, and v the cost of the
 * verification pass (k + 1 positions per row) over a one-position target pass:
 * <pre>
 *   S = (1 - alpha^(k+1)) / ((1 - alpha) (k c + v))
 * </pre>
 * The paper assumes v = 1 (a memory-bound target reads its weights once either way); the draft
 * switch measures v, since at large batches verification costs more than one position.
 */
public final class SpeedupModel {
    /** alpha is held below 1, where the geometric sum would divide 0 by 0 (its limit is k + 1). */
    static final double MAX_ALPHA = 0.999999;

    private SpeedupModel() {}

    /** Expected tokens per target pass with per-token acceptance alpha and k drafts: (1 - a^(k+1)) / (1 - a). */
    public static double tokensPerPass(double alpha, double k) {
        double a = Math.min(Math.max(alpha, 0), MAX_ALPHA);
        return (1 - Math.pow(a, k + 1)) / (1 - a);
    }

    /** S with a measured verification cost ratio v; NaN without an acceptance estimate or without drafts. */
    public static double speedup(double alpha, double k, double c, double v) {
        if (Double.isNaN(alpha) || k <= 0) {
            return Double.NaN;
        }
        return tokensPerPass(alpha, k) / (k * c + v);
    }

    /**
     * v at k drafts, from a pass of {@code positions} positions per row measured at {@code ratio}
     * times a one-position pass: linear in positions per row between the two (a pass's time grows
     * about linearly with its positions), never below 1.
     */
    public static double verificationCost(double ratio, int positions, double k) {
        if (Double.isNaN(ratio) || positions <= 1) {
            return 1;
        }
        return 1 + Math.max(0, ratio - 1) / (positions - 1) * k;
    }

    /** The paper's S, verification costing one target pass (v = 1). */
    public static double speedup(double alpha, double k, double c) {
        return speedup(alpha, k, c, 1);
    }
}
