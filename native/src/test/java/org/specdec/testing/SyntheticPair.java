package org.specdec.testing;

import org.specdec.synthetic.ModelPreset;
import org.specdec.synthetic.SyntheticModelMaker;
import org.specdec.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A tiny synthetic target with an independent draft, written once per test JVM. */
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
