package org.specdec.speculative;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.sampling.SamplingParams;
import org.specdec.testing.Fixtures;
import org.specdec.testing.GreedyComparison;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code model.cpu_weights: q8_0} on the shipped pair and its bundled prompts: speculative decoding
 * stays lossless against the quantised target, and the quantised target's greedy output agrees
 * with the stored one for most of each row (the figures BENCHMARKS.md reports).
 */
class EightBitWeightsTest {
    static final int TOKENS = 32;
    static List<GenerationRequest> requests;

    @BeforeAll
    static void prompts() throws IOException {
        ObjectMapper json = new ObjectMapper();
        SamplingParams greedy = new SamplingParams(0, 0, 1, 0, TOKENS, List.of(), true);
        requests = new ArrayList<>();
        for (String line : Files.readAllLines(Fixtures.repo().resolve("conf").resolve("sotu-prompts.jsonl"))) {
            var row = json.readTree(line);
            requests.add(GenerationRequest.ofText(row.get("id").asText(), row.get("prompt").asText(), greedy));
        }
    }

    static List<GenerationResult> run(String weights, int k) {
        Path target = Fixtures.shippedModel("sotu-target");
        EngineSettings spec = EngineSettings.builder().target(target).draft(k > 0 ? Fixtures.shippedModel("sotu-draft")
                        : null).k(k).maxK(Math.max(k, 1)).maxBatch(8).device("cpu").threads(2).maxContext(256)
                .draftSwitch(false).cpuWeights(weights).build();
        try (GenerationEngine e = Engines.open(spec)) {
            List<GenerationResult> out = e.generateAll(requests);
            out.forEach(r -> assertNull(r.error(), r.id()));
            return out;
        }
    }

    @Test
    void speculativeDecodingIsLosslessAgainstTheQuantisedTargetWhichAgreesWithTheStoredOne() {
        List<GenerationResult> stored = run(EngineSettings.STORED_WEIGHTS, 0);
        List<GenerationResult> q8 = run(EngineSettings.Q8_0_WEIGHTS, 0);
        List<GenerationResult> q8Speculative = run(EngineSettings.Q8_0_WEIGHTS, 4);
        int identical = 0;
        long agreeing = 0;
        for (int i = 0; i < requests.size(); i++) {
            assertArrayEquals(q8.get(i).generatedTokenIds(), q8Speculative.get(i).generatedTokenIds(),
                    "q8_0, k=4, " + requests.get(i).id());
            int first = GreedyComparison.firstDifference(stored.get(i).generatedTokenIds(), q8.get(i).generatedTokenIds());
            identical += first < 0 ? 1 : 0;
            agreeing += first < 0 ? TOKENS : first;
        }
        double rows = (double) identical / requests.size();
        double tokens = (double) agreeing / (TOKENS * (long) requests.size());
        System.out.printf("q8_0 against stored, %d prompts x %d greedy tokens: %.1f%% of rows identical, %.1f%% of"
                + " tokens before the first difference%n", requests.size(), TOKENS, 100 * rows, 100 * tokens);
        assertTrue(rows >= 0.5 && tokens >= 0.75, "agreement with the stored weights: rows " + rows + ", tokens " + tokens);
    }
}
