package org.specdec.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small word-level vocabularies and their tokenizer.json, for tests that need no shared fixture. */
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
        WordLevelTokenizerJson.write(dir, words, words.get(0), bosId < 0 ? List.of() : List.of(bosId), bosId);
    }
}
