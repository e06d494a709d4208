package org.specdec.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small WordLevel tokenizer.json files for tests that must run without ../shared. */
public final class GeneratedVocab {
    private GeneratedVocab() {
    }

    /** {@code n} distinct lowercase words; word 0 is "[UNK]". */
    public static List<String> words(int n) {
        List<String> w = new ArrayList<>(n);
        w.add("[UNK]");
        for (int i = 1; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            for (int x = i; x > 0; x /= 26) {
                sb.append((char) ('a' + x % 26));
            }
            w.add(sb.append('w').toString());
        }
        return w;
    }

    /** Writes {@code dir/tokenizer.json}: WordLevel over {@code words} (id = index), whitespace split. */
    public static void write(Path dir, List<String> words) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens");
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < words.size(); i++) {
            vocab.put(words.get(i), i);
        }
        model.put("unk_token", "[UNK]");
        Files.createDirectories(dir);
        m.writeValue(dir.resolve("tokenizer.json").toFile(), root);
    }
}
