package org.specdec.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.tokenizer.TextTokenizer;

/**
 * The prompts a bench decodes, as token ids: real ones from a JSON-lines file (the job's input
 * format: {@code prompt} text, encoded with the target's tokenizer, or {@code prompt_token_ids}),
 * or seeded random token ids of a fixed length. Acceptance depends on the text, so only real
 * prompts give a trained pair's real acceptance.
 */
public final class BenchPrompts {
    private BenchPrompts() {
    }

    /** {@code n} prompts of {@code length} random ids (BOS = 1 first), from {@code seed}. */
    public static List<int[]> random(Path target, int n, int length, long seed) {
        int vocab;
        try (Checkpoint ck = Checkpoint.open(target)) {
            vocab = ck.config().vocabSize();
        }
        Random r = new Random(seed);
        List<int[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int[] ids = new int[length];
            ids[0] = 1;
            for (int j = 1; j < length; j++) {
                ids[j] = 3 + r.nextInt(vocab - 3);
            }
            out.add(ids);
        }
        return out;
    }

    /**
     * Every prompt of a JSON-lines file, in file order. A line without a usable prompt is an error
     * naming the file and line; text prompts need the target's tokenizer.json.
     */
    public static List<int[]> read(Path file, Path target) {
        ObjectMapper json = new ObjectMapper();
        TextTokenizer tokenizer = null;
        List<int[]> out = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            for (int no = 1; (line = in.readLine()) != null; no++) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row;
                try {
                    row = json.readTree(line);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalArgumentException(file + " line " + no + ": not JSON: " + e.getOriginalMessage());
                }
                JsonNode ids = row.get("prompt_token_ids");
                JsonNode text = row.get("prompt");
                if (ids != null && ids.isArray() && ids.size() > 0) {
                    int[] p = new int[ids.size()];
                    for (int i = 0; i < p.length; i++) {
                        if (!ids.get(i).canConvertToInt()) {
                            throw new IllegalArgumentException(file + " line " + no + ": prompt_token_ids holds "
                                    + ids.get(i) + ", not a token id");
                        }
                        p[i] = ids.get(i).asInt();
                    }
                    out.add(p);
                } else if (text != null && text.isTextual() && !text.asText().isEmpty()) {
                    if (tokenizer == null) {
                        if (!TextTokenizer.available(target)) {
                            throw new IllegalArgumentException(file + " line " + no + ": a text prompt needs the "
                                    + "target's tokenizer.json, which " + target + " does not have");
                        }
                        tokenizer = TextTokenizer.open(target);
                    }
                    out.add(tokenizer.encode(text.asText()));
                } else {
                    throw new IllegalArgumentException(file + " line " + no + ": no prompt (a non-empty \"prompt\" "
                            + "text or \"prompt_token_ids\" list)");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read prompts " + file + ": " + e.getMessage(), e);
        } finally {
            if (tokenizer != null) {
                tokenizer.close();
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no prompts");
        }
        return out;
    }
}
