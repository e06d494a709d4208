package org.specdec.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.specdec.tokenizer.WordLevelTokenizerJson;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Writes a synthetic model's {@code tokenizer.json} (word level, {@code <unk> <s> </s>} special,
 * {@code <s>} prepended to every text, see {@link WordLevelTokenizerJson}) and
 * {@code tokenizer_config.json}.
 */
final class TokenizerFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFiles() {}

    static void write(Path dir, List<String> tokens) throws IOException {
        List<Integer> specials = IntStream.range(0, Vocabulary.FIRST_WORD_ID).boxed().toList();
        WordLevelTokenizerJson.write(dir, tokens, Vocabulary.UNK, specials, Vocabulary.BOS_ID);

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
}
