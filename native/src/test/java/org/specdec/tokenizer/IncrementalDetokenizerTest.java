package org.specdec.tokenizer;

import org.specdec.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IncrementalDetokenizerTest {

    private static final List<String> TEXTS = List.of(
            "Hello world",
            "naïve café — Ünïcödé résumé",
            "你好，世界！今天天气很好。",
            "emoji 🦙🚀 and a family 👩‍👩‍👧 and flags 🇫🇷🇯🇵",
            "  leading spaces, tabs\tand\nnewlines\n\n end  ",
            "mixed: αβγ ∑∫ 𝔘𝔫𝔦 ←→ ½ €100 ©",
            "ℌ𝔢𝔩𝔩𝔬 日本語 한국어 ᚠᛇᚻ");

    /** Pushes ids one at a time; checks each chunk is whole characters and the total equals decode. */
    private static void streamsExactly(TextTokenizer t, int[] ids) {
        IncrementalDetokenizer d = new IncrementalDetokenizer(t);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String chunk = d.push(id);
            assertFalse(chunk.indexOf('\uFFFD') >= 0, "half a character emitted for " + Arrays.toString(ids));
            assertFalse(!chunk.isEmpty() && Character.isHighSurrogate(chunk.charAt(chunk.length() - 1)));
            assertTrue(d.windowSize() <= IncrementalDetokenizer.MAX_PENDING + 8, "window stays bounded");
            sb.append(chunk);
        }
        sb.append(d.flush());
        assertEquals(t.decode(ids), sb.toString());
    }

    @Test
    void llama2StreamsMultiByteTextExactly() {
        try (TextTokenizer t = TextTokenizer.open(Fixtures.tokenizer("llama2-tokenizer"))) {
            for (String s : TEXTS) {
                int[] ids = t.encode(s);
                streamsExactly(t, ids);
                streamsExactly(t, Arrays.copyOfRange(ids, 1, ids.length)); // without BOS: first "▁" stripped
            }
            // Byte-fallback pieces: "€" is <0xE2><0x82><0xAC>; nothing shows until the third byte.
            IncrementalDetokenizer d = new IncrementalDetokenizer(t);
            assertEquals("Hello", d.push(15043));
            assertEquals("", d.push(3 + 0xE2));
            assertEquals("", d.push(3 + 0x82));
            assertEquals("€", d.push(3 + 0xAC));
            assertEquals(" world", d.push(3186));
            assertEquals("", d.flush());
        }
    }

    @Test
    void gpt2StreamsMultiByteTextExactly() {
        try (TextTokenizer t = TextTokenizer.open(Fixtures.tokenizer("gpt2-tokenizer"))) {
            for (String s : TEXTS) {
                int[] ids = t.encode(s);
                streamsExactly(t, ids);
                assertEquals(s, t.decode(ids));
            }
        }
    }

    @Test
    void promptContextGivesTheFirstTokenItsSpace() {
        try (TextTokenizer t = TextTokenizer.open(Fixtures.tokenizer("llama2-tokenizer"))) {
            int[] prompt = t.encode("The capital of France is");
            int[] all = t.encode("The capital of France is Paris, of course 🇫🇷.");
            int[] gen = Arrays.copyOfRange(all, prompt.length, all.length);
            IncrementalDetokenizer d = new IncrementalDetokenizer(t, prompt);
            StringBuilder sb = new StringBuilder();
            for (int id : gen) {
                sb.append(d.push(id));
            }
            sb.append(d.flush());
            assertEquals(" Paris, of course 🇫🇷.", sb.toString());
            assertEquals(t.decode(all), t.decode(prompt) + sb);
        }
    }

    @Test
    void invalidUtf8FromTheModelIsEmittedAfterABoundedWait() {
        try (TextTokenizer t = TextTokenizer.open(Fixtures.tokenizer("llama2-tokenizer"))) {
            int[] ids = new int[40];
            Arrays.fill(ids, 3 + 0x80); // continuation bytes with no lead byte: never a character
            IncrementalDetokenizer d = new IncrementalDetokenizer(t);
            List<String> chunks = new ArrayList<>();
            for (int id : ids) {
                chunks.add(d.push(id));
                assertTrue(d.windowSize() <= 2 * IncrementalDetokenizer.MAX_PENDING);
            }
            assertFalse(String.join("", chunks).isEmpty(), "held back text is released before the end");
            assertEquals(t.decode(ids), String.join("", chunks) + d.flush());
        }
    }

    @Test
    void specialTokensInTheStreamAreSkipped() {
        try (TextTokenizer t = TextTokenizer.open(Fixtures.tokenizer("phi3-tokenizer"))) {
            int[] ids = {32001, 15043, 32007, 3186, 32000};
            IncrementalDetokenizer d = new IncrementalDetokenizer(t);
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(d.push(id));
            }
            sb.append(d.flush());
            assertEquals(t.decode(ids), sb.toString());
            assertEquals("Hello world", sb.toString());
        }
    }
}
