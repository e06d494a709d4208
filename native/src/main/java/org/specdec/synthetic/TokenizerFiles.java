package org.specdec.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes {@code tokenizer.json} (Hugging Face tokenizers: a WordLevel model split on whitespace,
 * {@code <s>} prepended by a TemplateProcessing post-processor; no decoder, so decoding joins the
 * words with spaces) and {@code tokenizer_config.json}.
 */
final class TokenizerFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFiles() {}

    static void write(Path dir, List<String> tokens) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < Vocabulary.FIRST_WORD_ID; id++) {
            added.addObject().put("id", id).put("content", tokens.get(id)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "WhitespaceSplit");

        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        special(single, Vocabulary.BOS);
        sequence(single, "A", 0);
        ArrayNode pair = post.putArray("pair");
        special(pair, Vocabulary.BOS);
        sequence(pair, "A", 0);
        sequence(pair, "B", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject(Vocabulary.BOS);
        bos.put("id", Vocabulary.BOS);
        bos.putArray("ids").add(Vocabulary.BOS_ID);
        bos.putArray("tokens").add(Vocabulary.BOS);

        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < tokens.size(); id++) {
            vocab.put(tokens.get(id), id);
        }
        model.put("unk_token", Vocabulary.UNK);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);

        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
        cfg.put("bos_token", Vocabulary.BOS);
        cfg.put("eos_token", Vocabulary.EOS);
        cfg.put("unk_token", Vocabulary.UNK);
        cfg.put("add_bos_token", true);
        cfg.put("add_eos_token", false);
        cfg.put("model_max_length", 1_000_000);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer_config.json").toFile(), cfg);
    }

    private static void special(ArrayNode a, String token) {
        a.addObject().putObject("SpecialToken").put("id", token).put("type_id", 0);
    }

    private static void sequence(ArrayNode a, String id, int typeId) {
        a.addObject().putObject("Sequence").put("id", id).put("type_id", typeId);
    }
}
