package org.specdec.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.checkpoint.CheckpointException;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.tensor.DType;
import org.specdec.testing.SyntheticPair;

/**
 * The per-device memory plan from config.json alone, checked against the bytes of the mapped
 * tensors each shard actually reads: the shipped SOTU target (F16, tied head) and a synthetic one
 * (F32, untied), split over 1, 2 and 4 devices.
 */
class MemoryPlanTest {
    static final Path TARGET = Path.of(System.getProperty("specdec.repo", "..")).toAbsolutePath().normalize()
            .resolve("models/sotu-target");

    /** What shard {@code s} reads of the mapped weights: its layer matrices, its head rows unless tied, the embedding. */
    static long mappedBytes(LlamaWeights w, ShardLayout s) {
        LlamaWeights shard = w.shard(s);
        long layers = shard.matrixBytes() - shard.lmHead().byteSize();
        long head = w.config().tieWordEmbeddings() ? 0 : shard.lmHead().byteSize();
        return layers + head + w.embedding().byteSize();
    }

    @Test
    void theShapeGivesTheBytesOfTheMappedShards() {
        for (Path dir : List.of(TARGET, SyntheticPair.target())) {
            ModelShape shape = ModelShape.read(dir);
            try (Checkpoint ckpt = Checkpoint.open(dir)) {
                LlamaWeights w = LlamaWeights.load(ckpt);
                assertEquals(w.embedding().dtype(), shape.weights(), dir + ": torch_dtype is the stored type");
                for (int n : List.of(1, 2, 4)) {
                    MemoryPlan plan = MemoryPlan.of(shape, null, n, 16, 261, 80);
                    for (MemoryPlan.Device d : plan.devices()) {
                        ShardLayout s = ShardLayout.of(w.config(), n, d.rank());
                        assertEquals(mappedBytes(w, s), d.weightBytes(), dir + " shard " + d.rank() + " of " + n);
                    }
                }
            }
        }
    }

    @Test
    void shardsSplitTheKvCacheAndTheDraftSitsOnTheFirstDevice() {
        ModelShape target = ModelShape.read(TARGET);
        ModelShape draft = ModelShape.read(TARGET.resolveSibling("sotu-draft"));
        ModelConfig c = target.config();
        MemoryPlan one = MemoryPlan.of(target, draft, 1, 16, 261, 80);
        MemoryPlan four = MemoryPlan.of(target, draft, 4, 16, 261, 80);
        // 4 kv heads over 4 shards: one each, a quarter of the cache.
        assertEquals(16L * 2 * c.numLayers() * 261 * c.kvDim() * Float.BYTES, one.devices().get(0).kvBytes());
        assertEquals(one.devices().get(0).kvBytes(), 4 * four.devices().get(0).kvBytes());
        ModelConfig dc = draft.config();
        assertEquals(16L * 2 * dc.numLayers() * 261 * dc.kvDim() * Float.BYTES, four.devices().get(0).draftKvBytes());
        assertTrue(four.devices().get(0).draftWeightBytes() > 0);
        assertEquals(0, four.devices().get(1).draftBytes(), "the draft only on device 0");
        // A self-draft shares the target's weights: only its cache counts.
        MemoryPlan self = MemoryPlan.of(target, target.selfDraft(2), 1, 16, 261, 80);
        assertEquals(0, self.devices().get(0).draftWeightBytes());
        assertEquals(16L * 2 * 2 * 261 * c.kvDim() * Float.BYTES, self.devices().get(0).draftKvBytes());
        assertTrue(four.largestDevice() < one.largestDevice());
    }

    @Test
    void aGroupThatDoesNotFitIsRefusedNamingTheDegreeThatWould() {
        ModelShape w = ModelShape.read(TARGET);
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

    @Test
    void theWeightTypeComesFromTorchDtype(@TempDir Path dir) throws Exception {
        String config = Files.readString(TARGET.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replace("\"float16\"", "\"bfloat16\""));
        assertEquals(DType.BF16, ModelShape.read(dir).weights());
        Files.writeString(dir.resolve("config.json"), config.replace("\"torch_dtype\": \"float16\",", ""));
        assertEquals(DType.F32, ModelShape.read(dir).weights(), "transformers' default");
        Files.writeString(dir.resolve("config.json"), config.replace("\"float16\"", "\"int8\""));
        CheckpointException e = assertThrows(CheckpointException.class, () -> ModelShape.read(dir));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("torch_dtype")
                && e.getMessage().contains("int8"), e.getMessage());
    }
}
