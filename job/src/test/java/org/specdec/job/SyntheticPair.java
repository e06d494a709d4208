package org.specdec.job;

import java.nio.file.Path;
import org.specdec.synthetic.ModelPreset;
import org.specdec.synthetic.SyntheticModelMaker;
import org.specdec.tensor.DType;

/** Seeded synthetic target/draft pairs with a word-level tokenizer, for text-prompt tests. */
final class SyntheticPair {

    private SyntheticPair() {
    }

    /** Writes a {@code preset} target and its 2-layer draft (the target's first 2 layers). */
    static void make(String preset, long seed, Path target, Path draft) {
        SyntheticModelMaker maker = new SyntheticModelMaker();
        ModelPreset p = ModelPreset.named(preset);
        maker.write(p, seed, DType.F32, target, 0);
        maker.writeDraft(SyntheticModelMaker.DraftSpec.parse("layers:2"), p, seed, DType.F32, target, draft, 0);
    }
}
