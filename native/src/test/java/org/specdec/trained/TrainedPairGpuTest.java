package org.specdec.trained;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.specdec.backend.cuda.CudaAvailability;
import org.specdec.testing.GreedyComparison;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.sampling.SamplingParams;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shipped trained pair (F16) on a GPU: greedy continuations of the 20 held-out prompts must
 * equal the CPU backend's token for token (a difference is allowed only at a numeric near-tie of
 * the top two logits, and is counted), and speculative decoding on the GPU must equal GPU
 * target-only decoding exactly. Skipped without a GPU.
 */
class TrainedPairGpuTest {
    static final SamplingParams GREEDY = new SamplingParams(0, 0, 1, 0, 64, List.of(), true);
    /** Top-2 logit gap (relative) below which CPU and GPU rounding may pick different tokens. */
    static final double NEAR_TIE = 2e-3;

    static Path target;
    static Path draft;

    @BeforeAll
    static void gpu() throws IOException {
        CudaAvailability a = CudaAvailability.check();
        assumeTrue(a.available(), "no GPU, CUDA tests skipped: " + a.reason());
        Path tmp = Files.createTempDirectory("specdec-trained-gpu");
        target = weightsOnly(TrainedPair.shipped("sotu-target"), tmp.resolve("sotu-target"));
        draft = weightsOnly(TrainedPair.shipped("sotu-draft"), tmp.resolve("sotu-draft"));
    }

    /**
     * The model without its tokenizer files (prompts are token ids): the GPU bundle leaves out
     * DJL's native tokenizer library to stay within its size limit.
     */
    static Path weightsOnly(Path model, Path out) throws IOException {
        Files.createDirectories(out);
        for (String f : List.of("config.json", "generation_config.json")) {
            Files.copy(model.resolve(f), out.resolve(f));
        }
        Files.createSymbolicLink(out.resolve("model.safetensors"), model.resolve("model.safetensors").toAbsolutePath());
        return out;
    }

    static List<GenerationRequest> prompts() {
        List<GenerationRequest> reqs = new ArrayList<>();
        int i = 0;
        for (JsonNode p : TrainedPair.reference().get("prompts")) {
            reqs.add(GenerationRequest.ofTokens("p" + i++, TrainedPair.ints(p.get("prompt_ids")), GREEDY));
        }
        return reqs;
    }

    static List<GenerationResult> run(EngineSettings spec, List<GenerationRequest> reqs) {
        try (GenerationEngine e = Engines.open(spec)) {
            List<GenerationResult> out = e.generateAll(reqs);
            for (GenerationResult r : out) {
                assertNull(r.error(), r.id());
            }
            return out;
        }
    }

    static EngineSettings spec(Path target, Path draft, int k, String device) {
        return EngineSettings.builder().target(target).draft(draft).k(k).maxK(k).maxBatch(8).device(device)
                .draftSwitch(false).build();
    }

    @Test
    void targetGreedyOnTheGpuEqualsTheCpu() {
        assertGpuEqualsCpu("sotu-target", target);
    }

    @Test
    void draftGreedyOnTheGpuEqualsTheCpu() {
        assertGpuEqualsCpu("sotu-draft", draft);
    }

    static void assertGpuEqualsCpu(String name, Path dir) {
        List<GenerationRequest> reqs = prompts();
        List<GenerationResult> cpu = run(spec(dir, null, 0, "cpu"), reqs);
        List<GenerationResult> gpu = run(spec(dir, null, 0, "cuda:0"), reqs);
        int rowsDiffering = 0;
        int ties = 0;
        int sameTokens = 0;
        int total = 0;
        for (int i = 0; i < reqs.size(); i++) {
            int[] a = cpu.get(i).generatedTokenIds();
            int[] b = gpu.get(i).generatedTokenIds();
            for (int j = 0; j < Math.min(a.length, b.length); j++) {
                sameTokens += a[j] == b[j] ? 1 : 0;
            }
            total += a.length;
            int at = GreedyComparison.firstDifference(a, b);
            if (at >= 0) {
                rowsDiffering++;
                if (GreedyComparison.isNearTie(dir, reqs.get(i).promptTokenIds(), a, at, NEAR_TIE)) {
                    ties++;
                }
            }
        }
        System.out.printf("%s F16, 20 held-out prompts x 64 tokens: GPU greedy == CPU greedy in %d/%d rows"
                + " (%d of %d tokens agree); %d differing row(s) start at a near-tie%n", name, reqs.size() - rowsDiffering,
                reqs.size(), sameTokens, total, ties);
        assertEquals(0, rowsDiffering - ties, name + ": rows where GPU and CPU greedy differ without a near-tie");
    }

    @Test
    void speculativeOnTheGpuEqualsTargetOnlyOnTheGpu() {
        List<GenerationRequest> reqs = prompts();
        List<GenerationResult> base = run(spec(target, null, 0, "cuda:0"), reqs);
        for (int k : new int[] {1, 3, 5}) {
            List<GenerationResult> spec = run(spec(target, draft, k, "cuda:0"), reqs);
            long drafted = 0;
            long accepted = 0;
            for (int i = 0; i < reqs.size(); i++) {
                assertEquals(-1, GreedyComparison.firstDifference(base.get(i).generatedTokenIds(), spec.get(i).generatedTokenIds()),
                        "k=" + k + " row " + i + ": speculative output differs from target-only on the GPU");
                drafted += spec.get(i).draftTokens();
                accepted += spec.get(i).acceptedTokens();
            }
            System.out.printf("sotu pair on the GPU, k=%d: speculative == target-only in %d/%d rows, acceptance %.3f%n",
                    k, reqs.size(), reqs.size(), drafted == 0 ? 0.0 : (double) accepted / drafted);
        }
    }

    /**
     * Tensor parallel 2 with both shards on the one GPU, speculative at k = 4 with the draft on the
     * same GPU, against the whole target on that GPU decoding alone. The shards' o_proj/down_proj
     * sums are added in a different order than one GPU adds them, so a row may differ only where
     * the top two logits are a near-tie (counted and reported).
     */
    @Test
    void tensorParallelTwoOnOneGpuEqualsTheWholeTarget() {
        List<GenerationRequest> reqs = prompts();
        List<GenerationResult> base = run(spec(target, null, 0, "cuda:0"), reqs);
        List<GenerationResult> split = run(spec(target, draft, 4, "cuda:0").toBuilder().tensorParallel(2).build(), reqs);
        int differing = 0;
        int ties = 0;
        long drafted = 0;
        long accepted = 0;
        for (int i = 0; i < reqs.size(); i++) {
            int[] a = base.get(i).generatedTokenIds();
            int at = GreedyComparison.firstDifference(a, split.get(i).generatedTokenIds());
            if (at >= 0) {
                differing++;
                if (GreedyComparison.isNearTie(target, reqs.get(i).promptTokenIds(), a, at, NEAR_TIE)) {
                    ties++;
                }
            }
            drafted += split.get(i).draftTokens();
            accepted += split.get(i).acceptedTokens();
        }
        System.out.printf("sotu pair, tensor parallel 2 on one GPU, k=4: == whole target-only on the GPU in %d/%d rows"
                        + " (%d differing at a near-tie), acceptance %.3f%n", reqs.size() - differing, reqs.size(), ties,
                drafted == 0 ? 0.0 : (double) accepted / drafted);
        assertEquals(0, differing - ties, "rows where tensor parallel 2 differs from one GPU without a near-tie");
    }
}
