package org.specdec.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.checkpoint.ModelConfig;

/** The per-device memory plan of the shipped SOTU target split over 1, 2, 4 and 8 devices. */
class MemoryPlanTest {
    static final Path TARGET = Path.of(System.getProperty("specdec.repo", "..")).toAbsolutePath().normalize()
            .resolve("models/sotu-target");

    @Test
    void shardsSplitTheMatricesAndKvAndKeepTheEmbeddingWhole() {
        try (Checkpoint ckpt = Checkpoint.open(TARGET)) {
            LlamaWeights w = LlamaWeights.load(ckpt);
            ModelConfig c = w.config();
            MemoryPlan one = MemoryPlan.of(w, null, 1, 16, 261, 80);
            MemoryPlan four = MemoryPlan.of(w, null, 4, 16, 261, 80);
            long embed = w.embedding().byteSize();
            // The head is tied to the embedding: counted once in the matrices, and the embedding again whole.
            assertEquals(w.matrixBytes() + embed, one.devices().get(0).weightBytes());
            long shardWeights = four.devices().stream().mapToLong(d -> d.weightBytes() - embed).sum();
            assertEquals(w.matrixBytes(), shardWeights, "the shards' matrices add up to the whole model's");
            // 4 kv heads over 4 shards: one each, a quarter of the cache.
            assertEquals(one.devices().get(0).kvBytes(), 4 * four.devices().get(0).kvBytes());
            assertEquals(16L * 2 * c.numLayers() * 261 * c.kvDim() * Float.BYTES, one.devices().get(0).kvBytes());
            assertTrue(four.largestDevice() < one.largestDevice());
        }
    }

    @Test
    void aGroupThatDoesNotFitIsRefusedNamingTheDegreeThatWould() {
        try (Checkpoint ckpt = Checkpoint.open(TARGET)) {
            LlamaWeights w = LlamaWeights.load(ckpt);
            List<MemoryPlan> plans = MemoryPlan.candidates(w, null, 8, 64, 1024, 320);
            assertEquals(List.of(1, 2, 4, 8), plans.stream().map(MemoryPlan::tensorParallel).toList());
            MemoryPlan one = plans.get(0);
            long device = plans.get(1).largestDevice(); // fits 2 shards, not 1
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> one.require(device, "cuda:0", plans));
            assertTrue(e.getMessage().contains("tensor parallel 1") && e.getMessage().contains("Tensor parallel 2 "
                    + "would fit") && e.getMessage().contains("device 0 of 1: weights"), e.getMessage());
            assertDoesNotThrow(() -> plans.get(1).require(device, "cuda:0", plans));
            IllegalStateException none = assertThrows(IllegalStateException.class,
                    () -> one.require(1 << 20, "cuda:0", plans));
            assertTrue(none.getMessage().contains("No tensor parallel degree up to 8 fits"), none.getMessage());
        }
    }
}
