package org.specdec.pair;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.testing.Fixtures;
import org.specdec.tokenizer.GeneratedVocab;
import org.specdec.tokenizer.TextTokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VocabularyCheckTest {

    /** A tiny Llama config with the given embedding rows and special ids. */
    private static ModelConfig config(int rows, int bos, List<Integer> eos) {
        return new ModelConfig(ModelConfig.Architecture.LLAMA, 64, 172, 1, 8, 4, 8, rows, 512, 1e-5f, 10000.0,
                null, true, false, 0, bos, eos);
    }

    private static VocabularyCheck.Side side(int rows, TextTokenizer t) {
        return new VocabularyCheck.Side(rows, -1, List.of(), t);
    }

    @Test
    void llama2TargetGpt2DraftIsRefusedNamingSizesAndFirstToken() {
        try (TextTokenizer llama = TextTokenizer.open(Fixtures.tokenizer("llama2-tokenizer"));
             TextTokenizer gpt2 = TextTokenizer.open(Fixtures.tokenizer("gpt2-tokenizer"))) {
            PairMismatchException e = assertThrows(PairMismatchException.class,
                    () -> VocabularyCheck.require(config(32000, 1, List.of(2)), llama,
                            config(50257, 50256, List.of(50256)), gpt2));
            assertEquals("draft vocabulary does not match target: target has 32000 tokens, draft has 50257; "
                    + "first difference at id 0: target '<unk>' vs draft '!'", e.getMessage());
            PairCheckResult r = VocabularyCheck.evaluate(side(32000, llama), side(50257, gpt2));
            assertFalse(r.ok());
            assertEquals(e.getMessage(), r.error());
            assertTrue(r.summary().startsWith("pair MISMATCH: target 32000 tokens / 32000 rows, draft 50257 tokens"),
                    r.summary());
        }
    }

    @Test
    void phi3TargetLlama2DraftIsAllowedWithEosWarning() {
        // Facts from the fixtures: ids 0..31999 are the same 32,000 pieces; Phi-3 adds 32000..32010;
        // both BOS = 1 (<s>); EOS is </s> (2) for Llama 2 and <|endoftext|> (32000) for Phi-3.
        try (TextTokenizer phi3 = TextTokenizer.open(Fixtures.tokenizer("phi3-tokenizer"));
             TextTokenizer llama = TextTokenizer.open(Fixtures.tokenizer("llama2-tokenizer"))) {
            for (int id = 0; id < 32000; id++) {
                assertEquals(llama.tokenString(id), phi3.tokenString(id));
            }
            PairCheckResult r = VocabularyCheck.require(config(32064, 1, List.of(32000)), phi3,
                    config(32000, 1, List.of(2)), llama);
            assertTrue(r.ok());
            assertEquals(2, r.warnings().size(), r.warnings().toString());
            assertTrue(r.warnings().get(0).startsWith("target has 11 tokens the draft lacks (ids 32000..32010)"),
                    r.warnings().get(0));
            assertEquals("EOS ids differ: target [32000], draft [2]; generation stops on the target's EOS ids only",
                    r.warnings().get(1));
            assertEquals("pair ok: target 32011 tokens / 32064 rows, draft 32000 tokens / 32000 rows; 2 warnings",
                    r.summary());

            // The other way round: the draft's extra ids are the warning.
            PairCheckResult back = VocabularyCheck.require(side(32000, llama), side(32064, phi3));
            assertTrue(back.warnings().get(0).startsWith("draft has 11 tokens the target lacks"), back.warnings().get(0));
        }
    }

    @Test
    void phi3WithItselfIsOkWithoutWarnings() {
        try (TextTokenizer a = TextTokenizer.open(Fixtures.tokenizer("phi3-tokenizer"));
             TextTokenizer b = TextTokenizer.open(Fixtures.tokenizer("phi3-tokenizer"))) {
            PairCheckResult r = VocabularyCheck.require(side(32064, a), side(32064, b));
            assertTrue(r.ok());
            assertEquals(List.of(), r.warnings());
        }
    }

    @Test
    void generatedVocabulariesOfDifferentSizesAreRefused(@TempDir Path tmp) throws Exception {
        GeneratedVocab.write(tmp.resolve("t"), GeneratedVocab.words(600));
        GeneratedVocab.write(tmp.resolve("d"), GeneratedVocab.words(900));
        try (TextTokenizer t = TextTokenizer.open(tmp.resolve("t")); TextTokenizer d = TextTokenizer.open(tmp.resolve("d"))) {
            PairMismatchException e = assertThrows(PairMismatchException.class,
                    () -> VocabularyCheck.require(side(900, t), side(900, d)));
            assertEquals("draft vocabulary does not match target: target has 600 tokens, draft has 900 (more than 128 "
                    + "apart); first difference at id 600: target (none) vs draft '" + GeneratedVocab.words(900).get(600)
                    + "'", e.getMessage());
        }
    }

    @Test
    void oneChangedTokenStringIsRefusedNamingItsId(@TempDir Path tmp) throws Exception {
        List<String> words = GeneratedVocab.words(600);
        List<String> changed = new ArrayList<>(words);
        changed.set(321, "changed");
        GeneratedVocab.write(tmp.resolve("t"), words);
        GeneratedVocab.write(tmp.resolve("d"), changed);
        try (TextTokenizer t = TextTokenizer.open(tmp.resolve("t")); TextTokenizer d = TextTokenizer.open(tmp.resolve("d"))) {
            PairMismatchException e = assertThrows(PairMismatchException.class,
                    () -> VocabularyCheck.require(side(600, t), side(600, d)));
            assertEquals("draft vocabulary does not match target: target has 600 tokens, draft has 600; "
                    + "first difference at id 321: target '" + words.get(321) + "' vs draft 'changed'", e.getMessage());
        }
    }

    @Test
    void smallSizeDifferenceWithIdenticalSharedIdsIsAllowed(@TempDir Path tmp) throws Exception {
        GeneratedVocab.write(tmp.resolve("t"), GeneratedVocab.words(600));
        GeneratedVocab.write(tmp.resolve("d"), GeneratedVocab.words(600 + 128));
        try (TextTokenizer t = TextTokenizer.open(tmp.resolve("t")); TextTokenizer d = TextTokenizer.open(tmp.resolve("d"))) {
            assertTrue(VocabularyCheck.require(side(640, t), side(728, d)).ok());
        }
        GeneratedVocab.write(tmp.resolve("d2"), GeneratedVocab.words(600 + 129));
        try (TextTokenizer t = TextTokenizer.open(tmp.resolve("t")); TextTokenizer d = TextTokenizer.open(tmp.resolve("d2"))) {
            assertThrows(PairMismatchException.class, () -> VocabularyCheck.require(side(729, t), side(729, d)));
        }
    }

    @Test
    void withoutTokenizersTheSizesMustBeEqual() {
        PairCheckResult ok = VocabularyCheck.require(config(512, 1, List.of(2)), null, config(512, 1, List.of(2)), null);
        assertEquals(List.of("neither model has tokenizer.json: only vocab_size was compared (512)"), ok.warnings());
        PairMismatchException e = assertThrows(PairMismatchException.class,
                () -> VocabularyCheck.require(config(512, 1, List.of(2)), null, config(513, 1, List.of(2)), null));
        assertTrue(e.getMessage().contains("target vocab_size is 512, draft vocab_size is 513"), e.getMessage());
        PairMismatchException bos = assertThrows(PairMismatchException.class,
                () -> VocabularyCheck.require(config(512, 1, List.of(2)), null, config(512, 0, List.of(2)), null));
        assertTrue(bos.getMessage().startsWith("draft BOS id 0 differs from target BOS id 1"), bos.getMessage());
    }

    @Test
    void oneSideWithoutTokenizerComparesSizesAndWarns(@TempDir Path tmp) throws Exception {
        GeneratedVocab.write(tmp.resolve("t"), GeneratedVocab.words(600));
        try (TextTokenizer t = TextTokenizer.open(tmp.resolve("t"))) {
            PairCheckResult r = VocabularyCheck.require(side(640, t), side(600, null));
            assertTrue(r.warnings().get(0).startsWith("draft has no tokenizer.json"), r.warnings().toString());
            assertThrows(PairMismatchException.class, () -> VocabularyCheck.require(side(640, t), side(769, null)));
        }
    }

    @Test
    void tokenizerLargerThanItsModelIsRefused(@TempDir Path tmp) throws Exception {
        GeneratedVocab.write(tmp.resolve("t"), GeneratedVocab.words(600));
        try (TextTokenizer t = TextTokenizer.open(tmp.resolve("t"))) {
            PairMismatchException e = assertThrows(PairMismatchException.class,
                    () -> VocabularyCheck.require(side(599, t), side(599, null)));
            assertTrue(e.getMessage().startsWith("target tokenizer has 600 tokens but its config.json vocab_size is 599"),
                    e.getMessage());
        }
    }

    @Test
    void differentBosIdsAreRefused(@TempDir Path tmp) throws Exception {
        GeneratedVocab.write(tmp.resolve("t"), GeneratedVocab.words(600));
        try (TextTokenizer t = TextTokenizer.open(tmp.resolve("t"), config(600, 1, List.of(2)));
             TextTokenizer d = TextTokenizer.open(tmp.resolve("t"), config(600, 3, List.of(2)))) {
            PairMismatchException e = assertThrows(PairMismatchException.class,
                    () -> VocabularyCheck.require(config(600, 1, List.of(2)), t, config(600, 3, List.of(2)), d));
            assertTrue(e.getMessage().startsWith("draft BOS id 3 differs from target BOS id 1"), e.getMessage());
        }
    }

    @Test
    void controlCharactersAreEscapedInMessages() {
        assertEquals("'a\\u000ab'", VocabularyCheck.quote("a\nb"));
        assertEquals("(none)", VocabularyCheck.quote(null));
    }
}
