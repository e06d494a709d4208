package org.specdec.tokenizer;

import java.util.List;

/**
 * Finds stop strings in one row's streamed text, so that no part of a stop string is ever emitted.
 *
 * <p>Why it holds text back: tokens do not align with stop strings ("###" may arrive as "#",
 * "##"; "\nUser:" as "\n", "User", ":"). Each {@link #accept} appends a chunk from the
 * {@link IncrementalDetokenizer} to the tail held from before, then:
 * <ul>
 *   <li>if a stop string occurs, returns the text before its earliest occurrence and the stop
 *       string; the row is finished ({@code finish_reason = stop}), the stop string and whatever
 *       follows it are dropped (as vLLM does by default);</li>
 *   <li>otherwise returns all but the longest tail that is a proper prefix of some stop string;
 *       that tail is held until the next chunk decides it (or {@link #flush} at the end of the row).</li>
 * </ul>
 * The held tail is shorter than the longest stop string, so each call costs
 * O(chunk + longest stop) per stop string. One instance per row; not thread-safe.
 */
public final class StopStringMatcher {

    /**
     * What one chunk produced.
     *
     * @param text text safe to emit now (possibly "")
     * @param stop the stop string found, or null while the row goes on
     */
    public record Step(String text, String stop) {
        public boolean stopped() {
            return stop != null;
        }
    }

    private final List<String> stops;
    private final int longest;
    private String held = "";
    private boolean stopped;

    /** @param stops stop strings (none empty); an empty list never stops and never holds text */
    public StopStringMatcher(List<String> stops) {
        for (String s : stops) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must be non-empty, got " + stops);
            }
        }
        this.stops = List.copyOf(stops);
        this.longest = this.stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Consumes the next chunk of text; after a stop, further chunks are ignored. */
    public Step accept(String chunk) {
        if (stopped) {
            return new Step("", null);
        }
        String buf = held.isEmpty() ? chunk : held + chunk;
        int at = -1;
        String found = null;
        for (String s : stops) {
            int i = buf.indexOf(s);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
                found = s;
            }
        }
        if (found != null) {
            stopped = true;
            held = "";
            return new Step(buf.substring(0, at), found);
        }
        int keep = partialStopSuffix(buf);
        held = buf.substring(buf.length() - keep);
        return new Step(buf.substring(0, buf.length() - keep), null);
    }

    /** The held tail, for a row that ends without a stop string (EOS or max_tokens). */
    public String flush() {
        String out = held;
        held = "";
        return out;
    }

    public boolean stopped() {
        return stopped;
    }

    /** Length of the longest suffix of {@code buf} that is a proper prefix of a stop string. */
    private int partialStopSuffix(String buf) {
        for (int k = Math.min(longest - 1, buf.length()); k > 0; k--) {
            for (String s : stops) {
                if (k < s.length() && buf.regionMatches(buf.length() - k, s, 0, k)) {
                    return k;
                }
            }
        }
        return 0;
    }
}
