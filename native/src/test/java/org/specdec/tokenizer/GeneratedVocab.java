package org.specdec.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
        write(dir, words, -1);
    }

    /**
     * As {@link #write(Path, List)}; when {@code bosId >= 0}, word {@code bosId} is a special added
     * token that a TemplateProcessing post-processor puts before every text (as Llama's does).
     */
    public static void write(Path dir, List<String> words, int bosId) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        if (bosId < 0) {
            root.putNull("post_processor");
        } else {
            String bos = words.get(bosId);
            added.addObject().put("id", bosId).put("content", bos).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
            ObjectNode pp = root.putObject("post_processor");
            pp.put("type", "TemplateProcessing");
            ArrayNode single = pp.putArray("single");
            single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
            single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            ArrayNode pair = pp.putArray("pair");
            pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
            pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
            ObjectNode st = pp.putObject("special_tokens").putObject(bos);
            st.put("id", bos);
            st.putArray("ids").add(bosId);
            st.putArray("tokens").add(bos);
        }
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
