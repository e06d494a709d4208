package org.specdec.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/** A result as a JSON object whose keys are the output schema's column names. */
public final class ResultJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultJson() {}

    public static Map<String, Object> toMap(GenerationResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("generated_text", r.generatedText());
        m.put("generated_token_ids", r.generatedTokenIds());
        m.put("finish_reason", r.finishReason());
        m.put("error", r.error());
        m.put("prompt_tokens", r.promptTokens());
        m.put("generated_tokens", r.generatedTokens());
        m.put("spec_steps", r.specSteps());
        m.put("draft_tokens", r.draftTokens());
        m.put("accepted_tokens", r.acceptedTokens());
        m.put("acceptance_rate", r.acceptanceRate());
        m.put("mean_acceptance_length", r.meanAcceptanceLength());
        m.put("acceptance_by_position", r.acceptanceByPosition());
        m.put("k", r.k());
        m.put("ttft_ms", r.ttftMs());
        m.put("latency_ms", r.latencyMs());
        m.put("queue_ms", r.queueMs());
        m.put("tokens_per_s", r.tokensPerS());
        m.put("draft_ms", r.draftMs());
        m.put("target_ms", r.targetMs());
        m.put("device", r.device());
        m.put("target_model", r.targetModel());
        m.put("draft_model", r.draftModel());
        m.put("temperature", r.temperature());
        m.put("top_p", r.topP());
        m.put("seed", r.seed());
        return m;
    }

    public static String toJson(GenerationResult r) {
        try {
            return JSON.writeValueAsString(toMap(r));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
