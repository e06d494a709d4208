package org.specdec.speculative;

/**
 * How many tokens a row drafts next. Fixed k, or adaptive like Hugging Face's assisted generation
 * heuristic: +2 after a fully accepted block, -1 otherwise, within [1, maxK].
 */
public final class DraftLengthPolicy {
    private final boolean adaptive;
    private final int initialK;
    private final int maxK;

    public DraftLengthPolicy(int k, boolean adaptive, int maxK) {
        this.initialK = k;
        this.adaptive = adaptive;
        this.maxK = adaptive ? Math.max(k, maxK) : k;
    }

    public int initialK() {
        return initialK;
    }

    public int maxK() {
        return maxK;
    }

    /** The next draft length after a block of {@code drafted} tokens of which {@code accepted} were kept. */
    public int next(int current, int drafted, int accepted) {
        if (!adaptive || drafted == 0) {
            return current;
        }
        return accepted == drafted ? Math.min(maxK, current + 2) : Math.max(1, current - 1);
    }
}
