package org.specdec.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.specdec.backend.cpu.CpuBackend;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.model.LlamaWeights;
import org.specdec.sampling.SamplingParams;

/** A target that cannot hold a row fails every row with the cause; no request waits forever. */
class EngineStartFailureTest {

    @Test
    @Timeout(60)
    void rowsFailWithTheCauseWhenTheTargetCannotHoldARow() {
        Path target = Path.of(System.getProperty("specdec.repo", "..")).toAbsolutePath().normalize()
                .resolve("models/sotu-target");
        // The runner holds 64 positions; the engine asks for 256 + 1.
        try (Checkpoint ckpt = Checkpoint.open(target); CpuBackend backend = new CpuBackend(1, 64)) {
            EngineSettings o = EngineSettings.builder().target(target).k(0).maxK(0).maxBatch(4).maxContext(256)
                    .device("cpu").build();
            try (SpeculativeEngine e = new SpeculativeEngine(backend.load(LlamaWeights.load(ckpt)), null, null, o,
                    new LoadedModels("sotu-target", null, List.of()))) {
                List<GenerationResult> out = e.generateAll(List.of(
                        GenerationRequest.ofTokens("a", new int[] {1, 5, 6}, SamplingParams.greedy(4)),
                        GenerationRequest.ofTokens("b", new int[] {1, 7}, SamplingParams.greedy(4))));
                assertEquals(2, out.size());
                for (GenerationResult r : out) {
                    assertTrue(r.error() != null && r.error().contains("KV capacity 257 exceeds"), r.error());
                }
            }
        }
    }
}
