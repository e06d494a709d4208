package org.specdec.udf;

import java.io.Serializable;
import java.nio.file.Path;
import org.specdec.engine.EngineSpec;

/**
 * The serializable half of an {@link EngineSpec}: everything but the device, which only the
 * executor knows (it comes from the task's GPU resource). Shipped inside task closures.
 *
 * @param target          target model directory
 * @param draft           independent draft model directory, or null
 * @param selfDraftLayers self-draft from the target's first n layers when draft is null (0 = none)
 * @param k               draft tokens per step (0 = target-only)
 * @param adaptiveK       let k follow acceptance within 1..maxK
 * @param maxK            upper bound for adaptive k
 * @param maxBatch        rows decoded together by the shared engine
 * @param threads         CPU backend threads (0 = all cores)
 * @param maxContext      KV cache length per row (0 = model default)
 * @param draftSwitch     turn drafting off at batch sizes where the measured cost model says it does not pay
 */
public record EngineSettings(String target, String draft, int selfDraftLayers, int k, boolean adaptiveK, int maxK,
                             int maxBatch, int threads, int maxContext, boolean draftSwitch) implements Serializable {

    /** Without the draft switch (fixed behaviour). */
    public EngineSettings(String target, String draft, int selfDraftLayers, int k, boolean adaptiveK, int maxK,
                          int maxBatch, int threads, int maxContext) {
        this(target, draft, selfDraftLayers, k, adaptiveK, maxK, maxBatch, threads, maxContext, false);
    }

    public EngineSpec toSpec(String device) {
        return new EngineSpec(Path.of(target), draft == null ? null : Path.of(draft), selfDraftLayers, k,
                adaptiveK, maxK, maxBatch, device, threads, maxContext, draftSwitch);
    }
}
