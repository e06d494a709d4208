package org.specdec.model;

import org.specdec.tensor.WeightTensor;

/**
 * One decoder layer's weights. Matrices stay in their stored dtype; the small vectors (norms,
 * biases) are held as F32 arrays. Biases are null for architectures without them.
 */
public record LayerWeights(
        float[] attentionNorm,
        WeightTensor wq, WeightTensor wk, WeightTensor wv,
        float[] bq, float[] bk, float[] bv,
        WeightTensor wo,
        float[] ffnNorm,
        WeightTensor wGate, WeightTensor wUp, WeightTensor wDown) {
}
