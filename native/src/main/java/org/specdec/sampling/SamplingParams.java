package org.specdec.sampling;

import java.io.Serializable;
import java.util.List;

/**
 * How one row is sampled, as in vLLM's SamplingParams. Serializable: spec_generate's defaults
 * travel to the executors inside the function.
 *
 * @param temperature 0 means greedy (argmax, lowest id wins a tie)
 * @param topK        keep the k most likely tokens; 0 disables
 * @param topP        keep the smallest set whose probability reaches top_p; 1 disables
 * @param seed        per-row seed: the row's output does not depend on which rows share its batch
 * @param maxTokens   most tokens to generate
 * @param stop        stop strings; the text is cut before the first one found
 * @param ignoreEos   keep generating past EOS (benchmarks)
 */
public record SamplingParams(double temperature, int topK, double topP, long seed, int maxTokens,
                             List<String> stop, boolean ignoreEos) implements Serializable {

    private static final long serialVersionUID = 1L;

    public SamplingParams {
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0, 0, 1, 0, maxTokens, List.of(), false);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public SamplingParams withSeed(long newSeed) {
        return new SamplingParams(temperature, topK, topP, newSeed, maxTokens, stop, ignoreEos);
    }

    public SamplingParams withMaxTokens(int n) {
        return new SamplingParams(temperature, topK, topP, seed, n, stop, ignoreEos);
    }

    /** Null when the parameters are usable, otherwise the reason (becomes the row's error). */
    public String validate() {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            return "invalid temperature " + temperature + " (must be >= 0)";
        }
        if (topK < 0) {
            return "invalid top_k " + topK + " (must be >= 0)";
        }
        if (!(topP > 0 && topP <= 1)) {
            return "invalid top_p " + topP + " (must be in (0, 1])";
        }
        if (maxTokens < 1) {
            return "invalid max_tokens " + maxTokens + " (must be >= 1)";
        }
        for (String s : stop) {
            if (s == null || s.isEmpty()) {
                return "invalid stop string: empty";
            }
        }
        return null;
    }
}
