package org.specdec.checkpoint;

/**
 * The {@code rope_scaling} block of config.json. Supported types: {@code llama3} (Llama 3.1/3.2
 * frequency-dependent scaling) and {@code linear} (positions divided by factor).
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositionEmbeddings) {
}
