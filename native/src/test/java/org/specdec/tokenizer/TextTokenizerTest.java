package org.specdec.tokenizer;

import org.specdec.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextTokenizerTest {

    @Test
    void llama2EncodesHelloWorldWithOneBos() {
        try (TextTokenizer t = TextTokenizer.open(Fixtures.tokenizer("llama2-tokenizer"))) {
            assertArrayEquals(new int[] {1, 15043, 3186}, t.encode("Hello world"));
            assertArrayEquals(new int[] {1}, t.encode(""));
            assertArrayEquals(new int[] {1, 15043, 3186}, t.encode("<s>Hello world"), "BOS is never doubled");
            assertEquals("Hello world", t.decode(t.encode("Hello world")));
            assertEquals(32000, t.vocabSize());
            assertEquals("▁Hello", t.tokenString(15043));
            assertEquals("<0xE2>", t.tokenString(3 + 0xE2));
            assertNull(t.tokenString(32000));
            assertNull(t.tokenString(-1));
            assertEquals(new SpecialTokens(1, List.of(2), -1, true), t.specialTokens());
        }
    }

    @Test
    void llama2RoundTripsMultiByteText() {
        try (TextTokenizer t = TextTokenizer.open(Fixtures.tokenizer("llama2-tokenizer"))) {
            for (String s : List.of("naïve café — Ünïcödé", "你好，世界！", "emoji 🦙🚀 👩‍👩‍👧", "  two  spaces\n\ttab")) {
                assertEquals(s, t.decode(t.encode(s)), s);
            }
        }
    }

    @Test
    void gpt2EncodesWithoutBos() {
        try (TextTokenizer t = TextTokenizer.open(Fixtures.tokenizer("gpt2-tokenizer"))) {
            assertArrayEquals(new int[] {15496, 995}, t.encode("Hello world"));
            assertArrayEquals(new int[0], t.encode(""));
            assertFalse(t.specialTokens().addBos());
            assertEquals(List.of(50256), t.specialTokens().eosIds());
            assertEquals(50257, t.vocabSize());
            assertEquals("Hello world", t.decode(new int[] {15496, 50256, 995}).replace(" ", " "));
            assertEquals("Ġworld", t.tokenString(995));
        }
    }

    @Test
    void phi3HasElevenAddedTokensAndItsOwnEos() {
        try (TextTokenizer t = TextTokenizer.open(Fixtures.tokenizer("phi3-tokenizer"))) {
            assertEquals(32011, t.vocabSize());
            assertArrayEquals(new int[] {1, 15043, 3186}, t.encode("Hello world"));
            assertEquals(new SpecialTokens(1, List.of(32000), 32000, true), t.specialTokens());
            assertEquals("<|user|>", t.tokenString(32010));
            // </s> is an ordinary added token in Phi-3: decode keeps it; <|end|> is special and skipped.
            assertEquals("Hi</s> there", t.decode(new int[] {6324, 2, 727, 32007}));
            assertEquals("Hi", t.decode(new int[] {6324, 32063, -5}), "padding rows and bad ids decode to nothing");
        }
    }

    @Test
    void encodeAndDecodeFromManyThreads() throws Exception {
        try (TextTokenizer t = TextTokenizer.open(Fixtures.tokenizer("llama2-tokenizer"))) {
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                texts.add("row " + i + ": the quick brown fox 🦊 jumps " + "é".repeat(i % 7));
            }
            List<int[]> expected = texts.stream().map(t::encode).toList();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Boolean>> fs = new ArrayList<>();
                for (int k = 0; k < 4; k++) {
                    fs.add(pool.submit(() -> {
                        for (int i = 0; i < texts.size(); i++) {
                            int[] ids = t.encode(texts.get(i));
                            if (!java.util.Arrays.equals(ids, expected.get(i)) || !t.decode(ids).equals(texts.get(i))) {
                                return false;
                            }
                        }
                        return true;
                    }));
                }
                for (Future<Boolean> f : fs) {
                    assertTrue(f.get());
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void malformedTokenizerJsonNamesTheFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,");
        TokenizerException e = assertThrows(TokenizerException.class, () -> TextTokenizer.open(dir));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
    }

    @Test
    void bundledCpuLibraryIsForcedSoNothingIsDownloaded() {
        assertFalse(TextTokenizer.available(Path.of("/nonexistent"))); // initialises the class
        assertTrue(System.getenv("RUST_FLAVOR") != null || "cpu".equals(System.getProperty("RUST_FLAVOR")));
    }

    @Test
    void missingTokenizerJson(@TempDir Path dir) {
        assertFalse(TextTokenizer.available(dir));
        TokenizerException e = assertThrows(TokenizerException.class, () -> TextTokenizer.open(dir));
        assertTrue(e.getMessage().contains("tokenizer.json: missing"), e.getMessage());
    }

    @Test
    void unknownBosTokenInConfigNamesFileAndField(@TempDir Path dir) throws Exception {
        GeneratedVocab.write(dir, GeneratedVocab.words(20));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": {\"content\": \"<nope>\"}}");
        TokenizerException e = assertThrows(TokenizerException.class, () -> TextTokenizer.open(dir));
        assertTrue(e.getMessage().contains("tokenizer_config.json: field 'bos_token' is '<nope>'"), e.getMessage());
    }

    @Test
    void withoutAddBosTokenThePostProcessorDecides(@TempDir Path dir) throws Exception {
        List<String> words = GeneratedVocab.words(50);
        GeneratedVocab.write(dir, words, 1);
        try (TextTokenizer t = TextTokenizer.open(dir)) { // no tokenizer_config.json at all
            assertEquals(new SpecialTokens(1, List.of(), -1, true), t.specialTokens());
            assertArrayEquals(new int[] {1, 7}, t.encode(words.get(7)));
            assertArrayEquals(new int[] {1, 7}, t.encode(words.get(1) + " " + words.get(7)), "never a double BOS");
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": false, \"eos_token\": \""
                + words.get(2) + "\"}");
        try (TextTokenizer t = TextTokenizer.open(dir)) { // the config overrides the post-processor
            assertEquals(new SpecialTokens(-1, List.of(2), -1, false), t.specialTokens());
            assertArrayEquals(new int[] {7}, t.encode(words.get(7)));
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": \"yes\"}");
        TokenizerException e = assertThrows(TokenizerException.class, () -> TextTokenizer.open(dir));
        assertTrue(e.getMessage().endsWith("tokenizer_config.json: field 'add_bos_token' must be true or false, got \"yes\""),
                e.getMessage());
    }

    @Test
    void generatedWordLevelVocabularyWorksWithoutFixtures(@TempDir Path dir) throws Exception {
        List<String> words = GeneratedVocab.words(600);
        GeneratedVocab.write(dir, words);
        try (TextTokenizer t = TextTokenizer.open(dir)) {
            assertEquals(600, t.vocabSize());
            assertEquals(words.get(7), t.tokenString(7));
            assertArrayEquals(new int[] {7, 8}, t.encode(words.get(7) + " " + words.get(8)));
            assertFalse(t.specialTokens().addBos());
        }
    }
}
