package org.specdec.stats;

/**
 * Per-row speculative-decoding counters, updated once per target verification pass. Definitions
 * follow vLLM's per-request metrics where they overlap (see GenerationResult for each column):
 * acceptance counts only drafted tokens the verifier kept, never the bonus/resampled token.
 */
public final class RowStats {
    private final int[] acceptedAtPosition;
    private int specSteps;
    private int draftTokens;
    private int acceptedTokens;
    private int longestBlock;
    private double draftMs;
    private double targetMs;

    public RowStats(int maxK) {
        this.acceptedAtPosition = new int[Math.max(0, maxK)];
    }

    /** One verification pass that proposed {@code drafted} tokens of which the first {@code accepted} were kept. */
    public void recordStep(int drafted, int accepted) {
        specSteps++;
        draftTokens += drafted;
        acceptedTokens += accepted;
        longestBlock = Math.max(longestBlock, drafted);
        for (int i = 0; i < accepted; i++) {
            acceptedAtPosition[i]++;
        }
    }

    public void addDraftMs(double ms) {
        draftMs += ms;
    }

    public void addTargetMs(double ms) {
        targetMs += ms;
    }

    public int specSteps() { return specSteps; }
    public int draftTokens() { return draftTokens; }
    public int acceptedTokens() { return acceptedTokens; }
    public double draftMs() { return draftMs; }
    public double targetMs() { return targetMs; }

    /** accepted / drafted, or null when nothing was drafted. */
    public Double acceptanceRate() {
        return draftTokens == 0 ? null : (double) acceptedTokens / draftTokens;
    }

    /** Emitted tokens per target pass, or null before any pass. */
    public Double meanAcceptanceLength(int generatedTokens) {
        return specSteps == 0 ? null : (double) generatedTokens / specSteps;
    }

    /** Mean draft length over the row's passes (adaptive k varies per pass; a pass without drafts counts 0). */
    public double meanK() {
        return specSteps == 0 ? 0 : (double) draftTokens / specSteps;
    }

    /** Acceptance counts by block position, up to the longest block the row drafted. */
    public int[] acceptanceByPosition() {
        int n = Math.min(longestBlock, acceptedAtPosition.length);
        int[] out = new int[n];
        System.arraycopy(acceptedAtPosition, 0, out, 0, n);
        return out;
    }
}
