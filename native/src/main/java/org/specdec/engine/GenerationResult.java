package org.specdec.engine;

/**
 * One output row, with its per-row statistics (components are the output columns' names in camel
 * case; {@link OutputColumn} is the table, in column order). Definitions, as in vLLM's per-request spec-decode metrics:
 * <ul>
 *   <li>specSteps: target forward passes this row took part in (its prefill pass included);</li>
 *   <li>draftTokens: draft tokens proposed to the target for this row;</li>
 *   <li>acceptedTokens: draft tokens the verifier accepted (bonus / resampled tokens excluded);</li>
 *   <li>acceptanceRate: acceptedTokens / draftTokens, null when nothing was drafted;</li>
 *   <li>meanAcceptanceLength: generatedTokens / specSteps (tokens per target pass, 1.0 without drafting);</li>
 *   <li>acceptanceByPosition[i]: times the draft token at position i of a block was accepted;</li>
 *   <li>k: mean draft length over the row's steps;</li>
 *   <li>ttftMs: admission to first emitted token; latencyMs: admission to finish; queueMs: submission to admission;</li>
 *   <li>tokensPerS: generatedTokens / (latencyMs / 1000);</li>
 *   <li>draftMs / targetMs: wall time of the draft and target forward passes this row took part in.</li>
 * </ul>
 */
public record GenerationResult(
        String id,
        String generatedText,
        int[] generatedTokenIds,
        String finishReason,
        String error,
        int promptTokens,
        int generatedTokens,
        int specSteps,
        int draftTokens,
        int acceptedTokens,
        Double acceptanceRate,
        Double meanAcceptanceLength,
        int[] acceptanceByPosition,
        double k,
        double ttftMs,
        double latencyMs,
        double queueMs,
        double tokensPerS,
        double draftMs,
        double targetMs,
        String device,
        String targetModel,
        String draftModel,
        double temperature,
        double topP,
        long seed) {

    public static final String FINISH_STOP = "stop";
    public static final String FINISH_LENGTH = "length";
    public static final String FINISH_ERROR = "error";

    public boolean isError() {
        return error != null;
    }

    /** A row that failed validation or decoding: it still appears in the output. */
    public static GenerationResult error(String id, String error, int promptTokens, String device,
                                         String targetModel, String draftModel,
                                         double temperature, double topP, long seed) {
        return new GenerationResult(id, null, null, FINISH_ERROR, error, promptTokens, 0, 0, 0, 0, null, null,
                new int[0], 0, 0, 0, 0, 0, 0, 0, device, targetModel, draftModel, temperature, topP, seed);
    }
}
