package org.specdec.backend;

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

    @Override
    void close();
}
