package org.specdec.synthetic;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.tensor.DType;
import org.specdec.tensor.WeightTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticModelMakerTest {
    @TempDir
    Path dir;

    @Test
    void presetParameterCounts() {
        assertEquals(4 * (2 * 64 + 64 * 64 * 2 + 2 * 32 * 64 + 3 * 64 * 172) + 2 * 512 * 64 + 64,
                ModelPreset.TINY.parameterCount());
        assertEquals(134_105_856L, ModelPreset.M110.parameterCount());
        long m15 = ModelPreset.named("15m").parameterCount();
        assertTrue(m15 > 14_000_000 && m15 < 16_000_000, "draft15m: " + m15);
        assertEquals(ModelPreset.DRAFT_15M, ModelPreset.named("draft15m"));
        assertThrows(IllegalArgumentException.class, () -> ModelPreset.named("7b"));
    }

    @Test
    void vocabularyIsUniqueWordsAfterSpecialTokens() {
        List<String> v = Vocabulary.tokens(32000);
        assertEquals(32000, v.size());
        assertEquals(32000, new HashSet<>(v).size());
        assertEquals(List.of("<unk>", "<s>", "</s>", "the"), v.subList(0, 4));
        assertTrue(v.stream().skip(3).allMatch(w -> w.matches("[a-z]+")));
    }

    @Test
    void sameSeedGivesIdenticalBytesAndOtherSeedDoesNot() throws IOException {
        SyntheticModelMaker maker = new SyntheticModelMaker();
        maker.write(ModelPreset.TINY, 42, DType.BF16, dir.resolve("a"), 0);
        maker.write(ModelPreset.TINY, 42, DType.BF16, dir.resolve("b"), 0);
        maker.write(ModelPreset.TINY, 43, DType.BF16, dir.resolve("c"), 0);
        for (String f : List.of("model.safetensors", "config.json", "tokenizer.json", "generation_config.json")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)),
                    Files.readAllBytes(dir.resolve("b").resolve(f)), f);
        }
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(dir.resolve("a/model.safetensors")),
                Files.readAllBytes(dir.resolve("c/model.safetensors"))));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void writtenModelOpensWithTheRightShapes(DType dtype) {
        ModelPreset p = ModelPreset.TINY;
        SyntheticModelMaker.Written w = new SyntheticModelMaker().write(p, 1, dtype, dir, 0);
        assertEquals(p.parameterCount(), w.parameters());
        try (Checkpoint ck = Checkpoint.open(dir)) {
            ModelConfig c = ck.config();
            assertEquals(p.hiddenSize(), c.hiddenSize());
            assertEquals(p.numLayers(), c.numLayers());
            assertEquals(p.numKvHeads(), c.numKvHeads());
            assertEquals(Vocabulary.BOS_ID, c.bosTokenId());
            assertEquals(List.of(Vocabulary.EOS_ID), c.eosTokenIds());
            assertFalse(c.tieWordEmbeddings());
            assertEquals(p.parameterCount() * dtype.bytes(), ck.weightBytes());
            WeightTensor head = ck.tensor("lm_head.weight", p.vocabSize(), p.hiddenSize());
            assertEquals(dtype, head.dtype());
            ck.tensor("model.layers.3.self_attn.k_proj.weight", p.kvDim(), p.hiddenSize());
            ck.tensor("model.layers.3.mlp.down_proj.weight", p.hiddenSize(), p.intermediateSize());
            assertEquals(1f, ck.tensor("model.norm.weight", p.hiddenSize()).get(0, 5));
        }
    }

    @Test
    void shardedModelOpens() {
        new SyntheticModelMaker().write(ModelPreset.TINY, 1, DType.F32, dir, 200_000);
        assertTrue(Files.exists(dir.resolve(Checkpoint.INDEX_FILE)));
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertEquals(ModelPreset.TINY.parameterCount() * 4, ck.weightBytes());
        }
    }

    @Test
    void draftVariants() throws IOException {
        ModelPreset p = ModelPreset.TINY;
        SyntheticModelMaker maker = new SyntheticModelMaker();
        Path target = dir.resolve("target");
        maker.write(p, 5, DType.F16, target, 0);

        Path identical = dir.resolve("identical");
        maker.writeDraft(SyntheticModelMaker.DraftSpec.parse("identical"), p, 5, DType.F16, target, identical, 0);
        try (Stream<Path> files = Files.list(target)) {
            for (Path f : files.toList()) {
                assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(identical.resolve(f.getFileName())));
            }
        }

        Path self = dir.resolve("self");
        maker.writeDraft(SyntheticModelMaker.DraftSpec.parse("layers:2"), p, 5, DType.F16, target, self, 0);
        try (Checkpoint t = Checkpoint.open(target); Checkpoint d = Checkpoint.open(self)) {
            assertEquals(2, d.config().numLayers());
            assertEquals(t.config().withLayers(2), d.config());
            assertEquals(9 * 2 + 3, d.tensorNames().size());
            for (String name : d.tensorNames()) {
                assertArrayEquals(t.tensor(name).toFloatArray(), d.tensor(name).toFloatArray(), name);
                assertEquals(DType.F16, d.tensor(name).dtype());
            }
            assertFalse(d.hasTensor("model.layers.2.mlp.up_proj.weight"));
        }

        Path independent = dir.resolve("independent");
        maker.writeDraft(SyntheticModelMaker.DraftSpec.parse("independent"), p, 5, DType.F16, target, independent, 0);
        try (Checkpoint d = Checkpoint.open(independent)) {
            assertEquals(p.vocabSize(), d.config().vocabSize());
            assertEquals(p.headDim(), d.config().headDim());
            assertTrue(d.config().hiddenSize() < p.hiddenSize());
            assertArrayEquals(Files.readAllBytes(target.resolve("tokenizer.json")),
                    Files.readAllBytes(independent.resolve("tokenizer.json")));
        }
        assertThrows(IllegalArgumentException.class, () -> SyntheticModelMaker.DraftSpec.parse("layers:x"));
    }

    @Test
    void tokenizerLoadsInDjlAndRoundTripsWords() throws IOException {
        new SyntheticModelMaker().write(ModelPreset.TINY, 1, DType.F32, dir, 0);
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"))) {
            Encoding e = tok.encode("the cat");
            List<String> v = Vocabulary.tokens(ModelPreset.TINY.vocabSize());
            long[] ids = e.getIds();
            assertEquals(3, ids.length, java.util.Arrays.toString(ids));
            assertEquals(Vocabulary.BOS_ID, ids[0]);
            assertEquals(v.indexOf("the"), ids[1]);
            assertEquals(Vocabulary.UNK_ID, ids[2], "'cat' is not among the first 512 words");
            Encoding known = tok.encode("the water is good");
            // No decoder: words are joined with spaces; skipping special tokens drops the BOS.
            assertEquals("the water is good", tok.decode(known.getIds(), true));
            assertEquals("<s> the water is good", tok.decode(known.getIds(), false));
        }
    }
}
