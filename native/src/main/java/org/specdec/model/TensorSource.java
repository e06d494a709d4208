package org.specdec.model;

import org.specdec.tensor.WeightTensor;

/** Where named weights come from: a checkpoint on disk, or tensors built in memory by tests. */
public interface TensorSource {

    /** The tensor, checked against the expected shape; a missing tensor or wrong shape throws. */
    WeightTensor tensor(String name, long... expectedShape);

    boolean hasTensor(String name);
}
