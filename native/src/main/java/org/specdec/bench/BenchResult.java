package org.specdec.bench;

/**
 * One measured configuration: a prompt set decoded at one concurrency in one mode. One row of the
 * bench's Parquet table (column names are these components in snake_case, see {@link BenchColumns}).
 *
 * @param concurrency        rows decoded together (engine max_batch, that many rows in flight)
 * @param mode               target-only, fixed (k drafts every step), adaptive (adaptive k + draft switch)
 *                           or control (a second target-only engine, see {@link #CONTROL})
 * @param k                  draft length (initial k for adaptive; 0 for target-only)
 * @param maxK               upper bound of adaptive k (= k otherwise)
 * @param repeat             repetition index (0-based)
 * @param rows               prompts decoded
 * @param generatedTokens    tokens generated over all rows
 * @param wallS              wall time from first submit to last row finished
 * @param tokensPerS         generatedTokens / wallS
 * @param genTimeMeanMs      per-row generation time (admission to finish): mean
 * @param genTimeP50Ms       ... median
 * @param genTimeP95Ms       ... 95th percentile
 * @param ttftMeanMs         per-row time to first token (admission to first token): mean
 * @param ttftP95Ms          ... 95th percentile
 * @param acceptanceRate     accepted / drafted tokens (the output column's definition); NaN without drafts
 * @param alpha              per-token acceptance, accepted / (accepted + rejected blocks); NaN without drafts
 * @param meanAcceptanceLength generated tokens per target pass
 * @param meanK              mean draft length of the row-steps that drafted
 * @param steps              target passes
 * @param draftingSteps      passes preceded by drafting
 * @param skippedSteps       passes the draft switch ran without drafting
 * @param costRatioC         measured draft/target cost ratio c at this concurrency (one position per row)
 * @param verifyRatio        measured target pass with 5 positions per row / with 1
 * @param speedup            tokensPerS / target-only tokensPerS at this concurrency (same repeat)
 * @param predictedSpeedup   {@link org.specdec.stats.SpeedupModel#speedup(double, double, double, double)} with
 *                           a = alpha, k = meanK, the measured c, and v from verifyRatio
 *                           ({@link org.specdec.stats.SpeedupModel#verificationCost})
 */
public record BenchResult(int concurrency, String mode, int k, int maxK, int repeat, int rows, long generatedTokens,
                          double wallS, double tokensPerS, double genTimeMeanMs, double genTimeP50Ms,
                          double genTimeP95Ms, double ttftMeanMs, double ttftP95Ms, double acceptanceRate,
                          double alpha, double meanAcceptanceLength, double meanK, long steps, long draftingSteps,
                          long skippedSteps, double costRatioC, double verifyRatio, double speedup,
                          double predictedSpeedup) {

    public static final String TARGET_ONLY = "target-only";
    public static final String FIXED = "fixed";
    public static final String ADAPTIVE = "adaptive";
    /**
     * A second target-only engine, measured like every mode: the A/A control. Two engines doing
     * identical work differ by a few percent on a 2-core machine (where the JVM places each
     * engine's buffers), which the spread over repeats of one engine does not show.
     */
    public static final String CONTROL = "control";

    /** Short label: "target-only", "k=4", "adaptive". */
    public String label() {
        return switch (mode) {
            case FIXED -> "k=" + k;
            case ADAPTIVE -> "adaptive";
            default -> mode;
        };
    }

    public BenchResult withSpeedup(double s) {
        return new BenchResult(concurrency, mode, k, maxK, repeat, rows, generatedTokens, wallS, tokensPerS,
                genTimeMeanMs, genTimeP50Ms, genTimeP95Ms, ttftMeanMs, ttftP95Ms, acceptanceRate, alpha,
                meanAcceptanceLength, meanK, steps, draftingSteps, skippedSteps, costRatioC, verifyRatio, s,
                predictedSpeedup);
    }
}
