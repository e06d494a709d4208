package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.engine.EngineMemory;
import org.specdec.engine.EngineSettings;
import org.specdec.model.MemoryPlan;
import org.specdec.testing.Fixtures;

/**
 * conf/llama70b-tp4.yaml, the source article's shape, through the start-up memory plan from config
 * alone: Llama 3.1 70B and 8B config.json files (their published shapes, BF16) stand in for the
 * models, no weights anywhere. On 4 x 80 GB GPUs, the degree its tasks' 4 gpu addresses give,
 * the plan is accepted; the whole target on 1 x 80 GB is refused, naming the sizes and the degree
 * that fits.
 */
class Llama70bConfigTest {
    static final Path CONFIG = Fixtures.repo().resolve("conf/llama70b-tp4.yaml");
    /** An 80 GB A100 or H100: 80 GiB. */
    static final long GPU = 80L << 30;

    static void writeLlama(Path dir, int hidden, int layers, int heads, int kvHeads, int ff) throws Exception {
        Files.createDirectories(dir);
        Map<String, Object> config = Map.ofEntries(Map.entry("architectures", List.of("LlamaForCausalLM")),
                Map.entry("model_type", "llama"), Map.entry("hidden_size", hidden),
                Map.entry("num_hidden_layers", layers), Map.entry("num_attention_heads", heads),
                Map.entry("num_key_value_heads", kvHeads), Map.entry("intermediate_size", ff),
                Map.entry("vocab_size", 128256), Map.entry("max_position_embeddings", 131072),
                Map.entry("hidden_act", "silu"), Map.entry("rms_norm_eps", 1e-5), Map.entry("rope_theta", 500000.0),
                Map.entry("rope_scaling", Map.of("rope_type", "llama3", "factor", 8.0, "low_freq_factor", 1.0,
                        "high_freq_factor", 4.0, "original_max_position_embeddings", 8192)),
                Map.entry("tie_word_embeddings", false), Map.entry("torch_dtype", "bfloat16"),
                Map.entry("bos_token_id", 128000), Map.entry("eos_token_id", List.of(128001, 128008, 128009)));
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config);
    }

    @Test
    void theArticlesShapeFitsFourEightyGigabyteGpusAndNotOne(@TempDir Path dir) throws Exception {
        writeLlama(dir.resolve("llama-70b"), 8192, 80, 64, 8, 28672);
        writeLlama(dir.resolve("llama-8b"), 4096, 32, 32, 8, 14336);
        JobConfig conf = JobConfig.load(CONFIG, List.of("model.target=" + dir.resolve("llama-70b"),
                "model.draft=" + dir.resolve("llama-8b")));

        // Each task holds the executor's 4 gpus, and auto splits the target over them.
        Map<String, String> spark = conf.sparkConf();
        assertEquals("4", spark.get("spark.executor.resource.gpu.amount"));
        assertEquals("4", spark.get("spark.task.resource.gpu.amount"));
        EngineSettings settings = conf.engineSettings();
        int taskGpus = Integer.parseInt(spark.get("spark.task.resource.gpu.amount"));
        EngineSettings group = settings.toBuilder().tensorParallel(settings.tensorParallelFor(taskGpus)).build();
        assertEquals(4, group.tensorParallel());

        MemoryPlan four = EngineMemory.plan(group);
        assertEquals(4, four.devices().size());
        assertTrue(four.devices().get(0).draftBytes() > 0, "the draft on the first device");
        assertDoesNotThrow(() -> EngineMemory.requireDevices(group, GPU, "an 80 GB GPU"));
        // The target's weights, split in 4: about 35 GB (BF16) each, whole embedding included.
        double weightsGiB = four.devices().get(1).weightBytes() / (double) (1L << 30);
        assertTrue(weightsGiB > 33 && weightsGiB < 36, "target weights per shard: " + weightsGiB + " GiB");

        EngineSettings whole = group.toBuilder().tensorParallel(1).build();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EngineMemory.requireDevices(whole, GPU, "an 80 GB GPU"));
        assertTrue(e.getMessage().startsWith("the model does not fit with tensor parallel 1: a device needs ")
                && e.getMessage().contains("but an 80 GB GPU has 80.0 GiB. Tensor parallel 4 would fit.")
                && e.getMessage().contains("device 0 of 1: weights 13"), e.getMessage());
        // Two GPUs are not enough either: the draft and its cache share the first with half the target.
        EngineSettings two = group.toBuilder().tensorParallel(2).build();
        assertThrows(IllegalStateException.class, () -> EngineMemory.requireDevices(two, GPU, "an 80 GB GPU"));
    }
}
