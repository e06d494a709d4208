package org.specdec.testing;

import org.specdec.checkpoint.Checkpoint;
import org.specdec.model.LlamaWeights;

/** Loads weights from a checkpoint directory for tests. */
public final class Models {
    private Models() {}

    public static LlamaWeights load(Checkpoint ckpt) {
        return LlamaWeights.load(ckpt);
    }
}
