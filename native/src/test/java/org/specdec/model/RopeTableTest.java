package org.specdec.model;

import org.junit.jupiter.api.Test;
import org.specdec.checkpoint.ModelConfig;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Rotary frequencies against values computed with transformers' formulas (float32) for Llama 3.1 8B. */
class RopeTableTest {

    @Test
    void llama3ScalingKeepsHighFrequenciesDividesLowOnesAndBlendsTheBand(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        String config = """
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336,
                 "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256,
                 "max_position_embeddings": 131072, "rms_norm_eps": 1e-5, "rope_theta": 500000.0,
                 "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                 "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009]}
                """;
        Files.writeString(dir.resolve("config.json"), config);
        ModelConfig c = ModelConfig.read(dir);
        assertEquals(128, c.headDim());
        assertEquals(3, c.eosTokenIds().size());
        float[] inv = RopeTable.inverseFrequencies(c);
        // Expected: numpy float32 inv_freq, then _compute_llama3_parameters in float64, cast to float32.
        assertEquals(1.0f, inv[0], 0f);
        assertEquals(0.8146172165870667f, inv[1], 1e-7f);
        assertEquals(0.0032114461064338684f, inv[28], 1e-9f); // wavelength 1956 < 2048: unscaled
        assertEquals(0.0013718936825171113f, inv[30], 1e-9f); // in the blended band
        assertEquals(0.000524846080224961f, inv[32], 1e-10f);
        assertEquals(0.00017850780568551272f, inv[34], 1e-10f);
        assertEquals(7.784655463183299e-05f, inv[36], 1e-11f); // wavelength > 8192: divided by 8
        assertEquals(3.068925877869333e-07f, inv[63], 1e-13f);
    }
}
