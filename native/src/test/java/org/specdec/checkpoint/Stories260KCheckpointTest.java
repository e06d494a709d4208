package org.specdec.checkpoint;

import org.junit.jupiter.api.Test;
import org.specdec.tensor.DType;
import org.specdec.testing.Fixtures;
import org.specdec.tensor.WeightTensor;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real trained fixture stories260K from the shared fixtures: a Hugging Face Llama checkpoint with GQA and tied embeddings. */
class Stories260KCheckpointTest {

    @Test
    void loadsConfigAndTensors() {
        try (Checkpoint ck = Checkpoint.open(Fixtures.require("stories260K"))) {
            ModelConfig c = ck.config();
            assertEquals(64, c.hiddenSize());
            assertEquals(5, c.numLayers());
            assertEquals(8, c.numHeads());
            assertEquals(4, c.numKvHeads());
            assertEquals(512, c.vocabSize());
            assertTrue(c.tieWordEmbeddings());
            assertEquals(47, ck.tensorNames().size());
            assertFalse(ck.hasTensor("lm_head.weight"));
            assertEquals(1_044_984 - 4848 - 8, ck.weightBytes());
            assertTrue(ck.name().matches("stories260K@[0-9a-f]{8}"), ck.name());

            WeightTensor embed = ck.tensor("model.embed_tokens.weight", c.vocabSize(), c.hiddenSize());
            assertEquals(DType.F32, embed.dtype());
            for (int r = 0; r < c.vocabSize(); r += 37) {
                for (int col = 0; col < c.hiddenSize(); col++) {
                    float v = embed.get(r, col);
                    assertTrue(Float.isFinite(v) && Math.abs(v) < 100, "embed[" + r + "," + col + "] = " + v);
                }
            }
            for (int l = 0; l < c.numLayers(); l++) {
                String p = "model.layers." + l + ".";
                ck.tensor(p + "self_attn.q_proj.weight", c.qDim(), c.hiddenSize());
                ck.tensor(p + "self_attn.k_proj.weight", c.kvDim(), c.hiddenSize());
                ck.tensor(p + "self_attn.v_proj.weight", c.kvDim(), c.hiddenSize());
                ck.tensor(p + "self_attn.o_proj.weight", c.hiddenSize(), c.qDim());
                ck.tensor(p + "mlp.gate_proj.weight", c.intermediateSize(), c.hiddenSize());
                ck.tensor(p + "mlp.up_proj.weight", c.intermediateSize(), c.hiddenSize());
                ck.tensor(p + "mlp.down_proj.weight", c.hiddenSize(), c.intermediateSize());
                ck.tensor(p + "input_layernorm.weight", c.hiddenSize());
                ck.tensor(p + "post_attention_layernorm.weight", c.hiddenSize());
            }
            ck.tensor("model.norm.weight", c.hiddenSize());
        }
    }
}
