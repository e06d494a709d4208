package org.specdec.backend;

import org.specdec.model.LlamaWeights;

/** A compute backend (CPU or CUDA), chosen once at start-up. */
public interface Backend extends AutoCloseable {

    /** "cpu" or "cuda:N". */
    String device();

    ModelRunner load(LlamaWeights weights);

    @Override
    void close();
}
