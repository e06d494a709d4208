package org.specdec.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a Hugging Face {@code tokenizer.json} for a word-level vocabulary: a WordLevel model over
 * whitespace-split words (id = position in the list), no normalizer and no decoder (decoding joins
 * the words with spaces). Synthetic models ship one; tests make small ones.
 */
public final class WordLevelTokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private WordLevelTokenizerJson() {}

    /**
     * Writes {@code dir/tokenizer.json}.
     *
     * @param words      the vocabulary, id = index
     * @param unk        the word that stands for an unknown word
     * @param specialIds ids of special added tokens (never split, skipped when decoding specials)
     * @param bosId      when {@code >= 0}, a TemplateProcessing post-processor puts this word before
     *                   every text (as Llama's does); {@code -1}: no post-processor
     */
    public static void write(Path dir, List<String> words, String unk, List<Integer> specialIds, int bosId)
            throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id : specialIds) {
            added.addObject().put("id", id).put("content", words.get(id)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        if (bosId < 0) {
            root.putNull("post_processor");
        } else {
            String bos = words.get(bosId);
            ObjectNode post = root.putObject("post_processor");
            post.put("type", "TemplateProcessing");
            ArrayNode single = post.putArray("single");
            special(single, bos);
            sequence(single, "A", 0);
            ArrayNode pair = post.putArray("pair");
            special(pair, bos);
            sequence(pair, "A", 0);
            sequence(pair, "B", 1);
            ObjectNode token = post.putObject("special_tokens").putObject(bos);
            token.put("id", bos);
            token.putArray("ids").add(bosId);
            token.putArray("tokens").add(bos);
        }
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < words.size(); id++) {
            vocab.put(words.get(id), id);
        }
        model.put("unk_token", unk);
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
    }

    private static void special(ArrayNode a, String token) {
        a.addObject().putObject("SpecialToken").put("id", token).put("type_id", 0);
    }

    private static void sequence(ArrayNode a, String id, int typeId) {
        a.addObject().putObject("Sequence").put("id", id).put("type_id", typeId);
    }
}
