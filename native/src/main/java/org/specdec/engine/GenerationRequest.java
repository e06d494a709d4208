package org.specdec.engine;

import org.specdec.sampling.SamplingParams;

/**
 * One row to generate: a text prompt (tokenized with the target's tokenizer) or token ids.
 * Exactly one of {@code prompt} and {@code promptTokenIds} should be set; anything else becomes
 * an error row, never an exception.
 */
public record GenerationRequest(String id, String prompt, int[] promptTokenIds, SamplingParams params) {

    public static GenerationRequest ofText(String id, String prompt, SamplingParams params) {
        return new GenerationRequest(id, prompt, null, params);
    }

    public static GenerationRequest ofTokens(String id, int[] tokenIds, SamplingParams params) {
        return new GenerationRequest(id, null, tokenIds, params);
    }
}
