package org.specdec.synthetic;

import org.specdec.tensor.DType;
import org.specdec.util.Args;

import java.nio.file.Path;
import java.util.Set;

/**
 * {@code make-model}: writes a seeded synthetic model and optionally a draft next to it.
 * <pre>
 * --preset tiny|small|draft15m|15m|110m   (default tiny)
 * --seed N                                (default 1)
 * --dtype f32|f16|bf16                    (default f32)
 * --out DIR                               (required)
 * --draft independent|layers:N|identical  (optional)
 * --draft-out DIR                         (default OUT-draft)
 * --shard-size-mb N                       (optional: shard above N MB)
 * </pre>
 */
public final class MakeModel {
    private static final Set<String> FLAGS =
            Set.of("--preset", "--seed", "--dtype", "--out", "--draft", "--draft-out", "--shard-size-mb");

    /** The command line, as {@code make-model --help} and a wrong command line print it. */
    public static final String USAGE = """
            make-model --out DIR [--preset tiny|small|draft15m|15m|110m] [--seed 1] [--dtype f32|f16|bf16]
                       [--draft independent|layers:N|identical] [--draft-out OUT-draft] [--shard-size-mb N]
            """;

    private MakeModel() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs make-model and returns the exit code; errors are printed, not thrown. */
    public static int run(String[] args, java.io.PrintStream out) {
        try {
            write(args, out);
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("make-model: " + e.getMessage());
            System.err.print("usage: " + USAGE);
            return 2;
        }
    }

    static void write(String[] args, java.io.PrintStream stdout) {
        Args a = new Args(args, 0, FLAGS, Set.of());
        Path out = a.requirePath("--out");
        ModelPreset preset = ModelPreset.named(a.get("--preset", "tiny"));
        long seed = a.getLong("--seed", 1);
        DType dtype = DType.parse(a.get("--dtype", "f32"));
        long shardBytes = Math.multiplyExact(a.getLong("--shard-size-mb", 0), 1L << 20);
        SyntheticModelMaker maker = new SyntheticModelMaker();
        stdout.println("wrote " + maker.write(preset, seed, dtype, out, shardBytes));
        if (a.has("--draft")) {
            SyntheticModelMaker.DraftSpec spec = SyntheticModelMaker.DraftSpec.parse(a.get("--draft", null));
            Path draftOut = Path.of(a.get("--draft-out", out + "-draft"));
            stdout.println("wrote " + maker.writeDraft(spec, preset, seed, dtype, out, draftOut, shardBytes));
        }
    }
}
