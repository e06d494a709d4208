package org.specdec.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The id ↔ piece table of a Hugging Face {@code tokenizer.json}, read with Jackson.
 *
 * <p>Why a second reader next to DJL: DJL exposes encode/decode but not the raw pieces
 * ({@code id_to_token}), and the pair check compares raw pieces, not decoded text (decoding
 * hides the SentencePiece "▁" and byte-level "Ġ" markers). Reading the file first also turns a
 * malformed file into an error that names the file and the field, before the native library
 * sees it.
 */
final class TokenizerJson {
    /** Tokenizer files of real models are at most a few tens of MB (Gemma's is ~35 MB). */
    static final long MAX_BYTES = 256L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Piece of every id, null for ids without one; length = highest id + 1. */
    final String[] pieces;
    /** Piece → id (added tokens override model vocabulary entries with the same content). */
    final Map<String, Integer> ids;

    private TokenizerJson(String[] pieces, Map<String, Integer> ids) {
        this.pieces = pieces;
        this.ids = ids;
    }

    static TokenizerJson read(Path file) {
        JsonNode root = readObject(file, MAX_BYTES);
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) {
            throw new TokenizerException(file + ": missing object field 'model'");
        }
        Map<Integer, String> byId = new HashMap<>();
        JsonNode vocab = model.get("vocab");
        if (vocab == null) {
            throw new TokenizerException(file + ": missing field 'model.vocab'");
        }
        if (vocab.isObject()) { // BPE, WordPiece, WordLevel: {"piece": id}
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                put(byId, id(e.getValue(), file, "model.vocab[\"" + e.getKey() + "\"]"), e.getKey(), file);
            }
        } else if (vocab.isArray()) { // Unigram: [["piece", score], ...], id = position
            for (int i = 0; i < vocab.size(); i++) {
                JsonNode entry = vocab.get(i);
                if (!entry.isArray() || entry.isEmpty() || !entry.get(0).isTextual()) {
                    throw new TokenizerException(file + ": field 'model.vocab[" + i + "]' is not [piece, score]");
                }
                put(byId, i, entry.get(0).asText(), file);
            }
        } else {
            throw new TokenizerException(file + ": field 'model.vocab' is neither an object nor an array");
        }
        JsonNode added = root.get("added_tokens");
        if (added != null && !added.isNull()) {
            if (!added.isArray()) {
                throw new TokenizerException(file + ": field 'added_tokens' is not an array");
            }
            for (int i = 0; i < added.size(); i++) {
                JsonNode t = added.get(i);
                JsonNode content = t.get("content");
                if (content == null || !content.isTextual()) {
                    throw new TokenizerException(file + ": field 'added_tokens[" + i + "].content' is not a string");
                }
                int id = id(t.get("id"), file, "added_tokens[" + i + "].id");
                String old = byId.get(id);
                if (old != null && !old.equals(content.asText())) {
                    throw new TokenizerException(file + ": field 'added_tokens[" + i + "]' gives id " + id
                            + " the content '" + content.asText() + "' but the model vocabulary has '" + old + "'");
                }
                byId.put(id, content.asText());
            }
        }
        if (byId.isEmpty()) {
            throw new TokenizerException(file + ": the vocabulary is empty");
        }
        int max = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        String[] pieces = new String[max + 1];
        Map<String, Integer> ids = new HashMap<>(byId.size() * 2);
        byId.forEach((id, piece) -> {
            pieces[id] = piece;
            ids.put(piece, id);
        });
        return new TokenizerJson(pieces, ids);
    }

    /** Reads a JSON object from a file no larger than {@code maxBytes}; errors name the file. */
    static JsonNode readObject(Path file, long maxBytes) {
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new TokenizerException(file + ": " + size + " bytes, larger than the " + maxBytes
                        + "-byte limit for a tokenizer file");
            }
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new TokenizerException(file + ": not a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new TokenizerException(file + ": malformed JSON: " + e.getOriginalMessage()
                    + " (line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ")", e);
        } catch (IOException e) {
            throw new TokenizerException(file + ": unreadable: " + e, e);
        }
    }

    private static int id(JsonNode n, Path file, String field) {
        // Ids index embedding rows; 2^24 is far above any real vocabulary (Gemma: 262,144).
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0 || n.asInt() >= 1 << 24) {
            throw new TokenizerException(file + ": field '" + field + "' must be an id in 0.." + ((1 << 24) - 1)
                    + ", got " + n);
        }
        return n.asInt();
    }

    private static void put(Map<Integer, String> byId, int id, String piece, Path file) {
        String old = byId.put(id, piece);
        if (old != null) {
            throw new TokenizerException(file + ": id " + id + " is given to both '" + old + "' and '" + piece + "'");
        }
    }
}
