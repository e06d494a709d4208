package org.specdec.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.model.MemoryPlan;

/** The engine factory's start-up memory plan: from config.json alone, with the draft, checked before loading. */
class EngineMemoryTest {
    static final Path MODELS = Path.of(System.getProperty("specdec.repo", "..")).toAbsolutePath().normalize()
            .resolve("models");
    static final Path TARGET = MODELS.resolve("sotu-target");
    static final Path DRAFT = MODELS.resolve("sotu-draft");

    static EngineSettings.Builder pair() {
        return EngineSettings.builder().target(TARGET).draft(DRAFT).k(4).maxBatch(8).threads(1).device("cpu");
    }

    @Test
    void thePlanCountsWhatTheEngineSizesAndTheDraftOnTheFirstDevice() {
        MemoryPlan plan = EngineMemory.plan(pair().tensorParallel(2).build());
        assertEquals(2, plan.tensorParallel());
        // sotu-target: 6 layers, 4 kv heads of 32, max_position_embeddings 256: 8 rows of 256 + 4 + 1
        // positions, 2 kv heads per shard.
        assertEquals(8L * 2 * 6 * 261 * 64 * Float.BYTES, plan.devices().get(0).kvBytes());
        assertTrue(plan.devices().get(0).draftBytes() > 0);
        assertEquals(0, plan.devices().get(1).draftBytes());
        MemoryPlan targetOnly = EngineMemory.plan(pair().k(0).build());
        assertEquals(0, targetOnly.devices().get(0).draftBytes(), "k 0 decodes without the draft");
        assertEquals(8L * 2 * 6 * 257 * 128 * Float.BYTES, targetOnly.devices().get(0).kvBytes());
    }

    @Test
    void aDegreeThatDoesNotSplitTheHeadsIsRefusedFromConfigAlone(@TempDir Path dir) throws Exception {
        // config.json only: the refusal comes before any weight file is looked for.
        Files.copy(TARGET.resolve("config.json"), dir.resolve("config.json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Engines.open(EngineSettings.builder().target(dir).k(0).device("cpu").tensorParallel(3).build()));
        assertTrue(e.getMessage().contains("tensor parallel 3 does not split the model")
                && e.getMessage().contains("degrees that work: 1, 2, 4, 8"), e.getMessage());
    }

    @Test
    void aSplitGroupWhoseCachesDoNotFitTheHeapIsRefusedBeforeLoading() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Engines.open(pair().tensorParallel(2).maxBatch(100_000).build()));
        assertTrue(e.getMessage().contains("sotu-target@") && e.getMessage().contains("split over tensor parallel 2 needs")
                && e.getMessage().contains("heap") && e.getMessage().contains("Lower max_batch or max_context")
                && e.getMessage().contains("device 0 of 2: weights") && e.getMessage().contains("draft"),
                e.getMessage());
    }

    @Test
    void aSelfDraftAsDeepAsTheTargetIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Engines.open(EngineSettings.builder().target(TARGET).selfDraftLayers(6).k(4).device("cpu")
                        .build()));
        assertEquals("self-draft layers (6) must be fewer than the target's 6 layers", e.getMessage());
    }

    @Test
    void sizesFollowTheSettings() {
        EngineSizes s = EngineSizes.of(pair().adaptiveK(true).maxK(6).maxContext(100).build(),
                org.specdec.checkpoint.ModelConfig.read(TARGET));
        assertEquals(new EngineSizes(4, 6, 100, 8), s);
        assertEquals(107, s.capacity());
        assertEquals(56, s.passTokens());
        assertEquals(256, EngineSizes.of(pair().build(), org.specdec.checkpoint.ModelConfig.read(TARGET))
                .maxContext(), "max_position_embeddings caps the default context");
    }
}
