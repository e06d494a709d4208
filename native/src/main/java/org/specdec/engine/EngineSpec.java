package org.specdec.engine;

import java.nio.file.Path;

/**
 * What an engine is built from. One engine per (model paths, device) per JVM: Spark executors key
 * their shared engine by this record.
 *
 * @param targetDir        Hugging Face model directory of the target
 * @param draftDir         model directory of an independent draft, or null
 * @param selfDraftLayers  if > 0 and draftDir is null: the draft is the target's first n layers
 * @param k                draft tokens per step; 0 = target-only decoding
 * @param adaptiveK        let the draft length follow acceptance (within 1..maxK)
 * @param maxK             upper bound for adaptive k
 * @param maxBatch         most rows decoded together (continuous batching)
 * @param device           "cpu" or "cuda:N"
 * @param threads          CPU worker threads (0 = all cores)
 * @param maxContext       KV cache length per row (0 = the target's max_position_embeddings, capped at 4096)
 * @param draftSwitch      turn drafting off at batch sizes where the measured cost model says it does not pay
 *                         (see {@link org.specdec.speculative.DraftSwitch}); greedy output is the same either way
 */
public record EngineSpec(Path targetDir, Path draftDir, int selfDraftLayers, int k, boolean adaptiveK, int maxK,
                         int maxBatch, String device, int threads, int maxContext, boolean draftSwitch) {

    /** Without the draft switch: every step drafts k tokens (fixed-k behaviour). */
    public EngineSpec(Path targetDir, Path draftDir, int selfDraftLayers, int k, boolean adaptiveK, int maxK,
                      int maxBatch, String device, int threads, int maxContext) {
        this(targetDir, draftDir, selfDraftLayers, k, adaptiveK, maxK, maxBatch, device, threads, maxContext, false);
    }

    public static EngineSpec targetOnly(Path target) {
        return new EngineSpec(target, null, 0, 0, false, 0, 8, "cpu", 0, 0);
    }

    public boolean hasDraft() {
        return k > 0 && (draftDir != null || selfDraftLayers > 0);
    }

    public EngineSpec withK(int newK) {
        return new EngineSpec(targetDir, draftDir, selfDraftLayers, newK, adaptiveK, maxK, maxBatch, device, threads, maxContext, draftSwitch);
    }

    public EngineSpec withMaxBatch(int n) {
        return new EngineSpec(targetDir, draftDir, selfDraftLayers, k, adaptiveK, maxK, n, device, threads, maxContext, draftSwitch);
    }

    public EngineSpec withDraftSwitch(boolean on) {
        return new EngineSpec(targetDir, draftDir, selfDraftLayers, k, adaptiveK, maxK, maxBatch, device, threads, maxContext, on);
    }

    public EngineSpec withAdaptiveK(boolean adaptive, int newMaxK) {
        return new EngineSpec(targetDir, draftDir, selfDraftLayers, k, adaptive, newMaxK, maxBatch, device, threads, maxContext,
                draftSwitch);
    }

    public EngineSpec withDevice(String d) {
        return new EngineSpec(targetDir, draftDir, selfDraftLayers, k, adaptiveK, maxK, maxBatch, d, threads, maxContext, draftSwitch);
    }
}
