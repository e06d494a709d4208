package org.specdec.testing;

import org.specdec.synthetic.ModelPreset;
import org.specdec.synthetic.SyntheticModelMaker;
import org.specdec.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Seeded synthetic pairs with a word-level tokenizer: a shared tiny target with an independent
 * and a 2-layer draft, written once per test JVM, or a pair of any preset where a test wants it.
 */
public final class SyntheticPair {
    private static Path root;

    private SyntheticPair() {}

    public static synchronized Path root() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("specdec-synthetic");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            SyntheticModelMaker maker = new SyntheticModelMaker();
            maker.write(ModelPreset.TINY, 11, DType.F32, root.resolve("target"), 0);
            maker.writeDraft(SyntheticModelMaker.DraftSpec.parse("independent"), ModelPreset.TINY, 11, DType.F32,
                    root.resolve("target"), root.resolve("independent"), 0);
            maker.writeDraft(SyntheticModelMaker.DraftSpec.parse("layers:2"), ModelPreset.TINY, 11, DType.F32,
                    root.resolve("target"), root.resolve("layers2"), 0);
        }
        return root;
    }

    /** Writes a {@code preset} target and its 2-layer draft (the target's first 2 layers). */
    public static void make(String preset, long seed, Path target, Path draft) {
        SyntheticModelMaker maker = new SyntheticModelMaker();
        ModelPreset p = ModelPreset.named(preset);
        maker.write(p, seed, DType.F32, target, 0);
        maker.writeDraft(SyntheticModelMaker.DraftSpec.parse("layers:2"), p, seed, DType.F32, target, draft, 0);
    }

    public static Path target() {
        return root().resolve("target");
    }

    public static Path independentDraft() {
        return root().resolve("independent");
    }

    public static Path layers2Draft() {
        return root().resolve("layers2");
    }
}
