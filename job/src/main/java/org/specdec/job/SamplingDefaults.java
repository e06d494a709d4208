package org.specdec.job;

import java.io.Serializable;
import java.util.List;
import org.specdec.sampling.SamplingParams;
import org.specdec.sampling.SamplingSettings;

/**
 * The job-wide sampling settings and how a row's own columns override them.
 *
 * @param maxTokens   default max_tokens
 * @param temperature default temperature
 * @param topP        top_p for every row
 * @param topK        top_k for every row
 * @param seed        base seed; a row without its own seed gets {@link #rowSeed}
 * @param stop        stop strings
 * @param ignoreEos   generate past EOS
 */
record SamplingDefaults(int maxTokens, double temperature, double topP, int topK, long seed, List<String> stop,
                        boolean ignoreEos) implements Serializable {

    static SamplingDefaults from(JobConfig c) {
        SamplingParams p = SamplingSettings.read(c);
        return new SamplingDefaults(p.maxTokens(), p.temperature(), p.topP(), p.topK(), p.seed(), p.stop(),
                p.ignoreEos());
    }

    /** A row's parameters: its own max_tokens / temperature / seed where given (not validated here). */
    SamplingParams forRow(String id, Integer rowMaxTokens, Double rowTemperature, Long rowSeed) {
        return new SamplingParams(rowTemperature != null ? rowTemperature : temperature, topK, topP,
                rowSeed != null ? rowSeed : rowSeed(seed, id), rowMaxTokens != null ? rowMaxTokens : maxTokens,
                stop, ignoreEos);
    }

    /**
     * A stable per-row seed: rows sample independently of each other, and a rerun (or a resumed run)
     * of the same id samples the same text. SplitMix64 finalizer over the base seed and the id.
     */
    static long rowSeed(long base, String id) {
        long z = base + 0x9E3779B97F4A7C15L * (id == null ? 0 : id.hashCode());
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }
}
