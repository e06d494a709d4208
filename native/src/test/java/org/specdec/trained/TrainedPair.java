package org.specdec.trained;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.specdec.testing.Fixtures;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the trained SOTU pair: the shipped F16 models under models/, the F32 export that
 * tools/train keeps in the ignored cache (.cache/models-f32), the corpus cache (.cache/sotu,
 * .cache/train) and the committed PyTorch greedy reference. Tests skip cleanly when a location is
 * absent (a fresh clone has no cache; the shipped models are always there once committed).
 */
final class TrainedPair {
    private TrainedPair() {}

    static Path repo() {
        return Fixtures.repo();
    }

    /** The shipped model directory (models/sotu-target or models/sotu-draft). */
    static Path shipped(String name) {
        return Fixtures.shippedModel(name);
    }

    /** The F32 export in the cache, or a skipped test. */
    static Path f32(String name) {
        Path p = repo().resolve(".cache").resolve("models-f32").resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(p.resolve("model.safetensors")),
                p + " is absent (made by tools/train, see models/README.md); skipping");
        return p;
    }

    static Path cache(String rel) {
        Path p = repo().resolve(".cache").resolve(rel);
        Assumptions.assumeTrue(Files.exists(p), p + " is absent (tools/train/fetch_corpus.sh); skipping");
        return p;
    }

    /** The PyTorch greedy reference: 20 held-out prompts x 64 tokens, F32 and shipped F16 weights. */
    static JsonNode reference() {
        try (InputStream in = TrainedPair.class.getResourceAsStream("/trained-pair/greedy-reference.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
