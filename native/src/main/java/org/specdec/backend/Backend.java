package org.specdec.backend;

import java.util.OptionalLong;
import org.specdec.model.LlamaWeights;

/** A compute backend (CPU or CUDA), chosen once at start-up. */
public interface Backend extends AutoCloseable {

    /** "cpu" or "cuda:N". */
    String device();

    /** The whole model on this backend's device (drafts, and targets without tensor parallelism). */
    ModelRunner load(LlamaWeights weights);

    /** The target, split over the backend's tensor-parallel group where it has one. */
    default ModelRunner loadTarget(LlamaWeights weights) {
        return load(weights);
    }

    /**
     * Memory one device of this backend has free for a model's weights, caches and activations,
     * which the engine checks its memory plan against before loading; empty where they live in
     * host memory (the CPU backend maps weights and keeps caches on the heap).
     */
    default OptionalLong deviceMemoryBytes() {
        return OptionalLong.empty();
    }

    @Override
    void close();
}
