package org.specdec.backend.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.checkpoint.SafetensorsWriter;
import org.specdec.kv.KvCache;
import org.specdec.model.LlamaWeights;
import org.specdec.synthetic.ModelPreset;
import org.specdec.synthetic.SyntheticModelMaker;
import org.specdec.tensor.DType;
import org.specdec.testing.ReferenceLlama;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The forward pass for each supported architecture variant and stored dtype, against the naive
 * double-precision reference reading the same stored values.
 */
class ArchitectureVariantsTest {
    static final int[] TOKENS = {1, 7, 42, 13, 99, 5, 61, 23, 88, 3, 17, 54};

    @Test
    void qwen2WithQkvBiases(@TempDir Path dir) throws Exception {
        writeTiny(dir, "Qwen2ForCausalLM", "\"use_sliding_window\": false", true);
        assertMatchesReference(dir);
    }

    @Test
    void mistralWithASlidingWindowShorterThanTheSequence(@TempDir Path dir) throws Exception {
        writeTiny(dir, "MistralForCausalLM", "\"sliding_window\": 4", false);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertTrue(c.config().slidingWindow() == 4);
        }
        assertMatchesReference(dir);
    }

    @Test
    void bf16AndF16WeightsComputeWithTheirStoredValues(@TempDir Path dir) {
        for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
            Path out = dir.resolve(dtype.name());
            new SyntheticModelMaker().write(ModelPreset.TINY, 5, dtype, out, 0);
            assertMatchesReference(out);
        }
    }

    private static void assertMatchesReference(Path dir) {
        try (Checkpoint ckpt = Checkpoint.open(dir); CpuBackend backend = new CpuBackend(2, 64)) {
            LlamaWeights w = LlamaWeights.load(ckpt);
            ModelRunner runner = backend.load(w);
            KvCache cache = runner.newCache(64);
            ForwardBatch b = new ForwardBatch();
            b.add(cache, TOKENS, 0, TOKENS.length, TOKENS.length);
            float[] logits = runner.forward(b).clone();
            ReferenceLlama.assertMatches(w, TOKENS, logits, 1e-4, dir.toString());
        }
    }

    /** A 2-layer model with hidden 64 (4 heads, 2 kv heads), intermediate 96, vocab 100. */
    private static void writeTiny(Path dir, String arch, String extra, boolean bias) throws Exception {
        int d = 64;
        int kv = 32;
        int ff = 96;
        int vocab = 100;
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"" + arch + "\"], \"hidden_size\": 64,"
                + " \"intermediate_size\": 96, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
                + " \"num_key_value_heads\": 2, \"vocab_size\": 100, \"max_position_embeddings\": 64,"
                + " \"rms_norm_eps\": 1e-6, \"rope_theta\": 1000000.0, \"tie_word_embeddings\": false, "
                + extra + "}");
        Random r = new Random(3);
        try (SafetensorsWriter wr = new SafetensorsWriter(dir, DType.F32)) {
            wr.add("model.embed_tokens.weight", new long[] {vocab, d}, gaussian(r, vocab * d, 1.0));
            for (int l = 0; l < 2; l++) {
                String p = "model.layers." + l + ".";
                wr.add(p + "input_layernorm.weight", new long[] {d}, ones(r, d));
                wr.add(p + "self_attn.q_proj.weight", new long[] {d, d}, gaussian(r, d * d, 0.15));
                wr.add(p + "self_attn.k_proj.weight", new long[] {kv, d}, gaussian(r, kv * d, 0.15));
                wr.add(p + "self_attn.v_proj.weight", new long[] {kv, d}, gaussian(r, kv * d, 0.15));
                if (bias) {
                    wr.add(p + "self_attn.q_proj.bias", new long[] {d}, gaussian(r, d, 0.5));
                    wr.add(p + "self_attn.k_proj.bias", new long[] {kv}, gaussian(r, kv, 0.5));
                    wr.add(p + "self_attn.v_proj.bias", new long[] {kv}, gaussian(r, kv, 0.5));
                }
                wr.add(p + "self_attn.o_proj.weight", new long[] {d, d}, gaussian(r, d * d, 0.1));
                wr.add(p + "post_attention_layernorm.weight", new long[] {d}, ones(r, d));
                wr.add(p + "mlp.gate_proj.weight", new long[] {ff, d}, gaussian(r, ff * d, 0.15));
                wr.add(p + "mlp.up_proj.weight", new long[] {ff, d}, gaussian(r, ff * d, 0.15));
                wr.add(p + "mlp.down_proj.weight", new long[] {d, ff}, gaussian(r, d * ff, 0.1));
            }
            wr.add("model.norm.weight", new long[] {d}, ones(r, d));
            wr.add("lm_head.weight", new long[] {vocab, d}, gaussian(r, vocab * d, 0.2));
            wr.finish();
        }
    }

    private static float[] gaussian(Random r, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * std);
        }
        return a;
    }

    private static float[] ones(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (1 + 0.1 * r.nextGaussian());
        }
        return a;
    }
}
