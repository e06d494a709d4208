package org.specdec.cli;

import java.io.PrintStream;

/** {@code make-model}: seeded synthetic checkpoints (see org.specdec.synthetic.MakeModel). */
final class MakeModelCommand {
    private MakeModelCommand() {}

    static String usage() {
        return "make-model --preset tiny|small|15m|110m --seed N --dtype f32|f16|bf16 --out DIR\n"
                + "           [--draft independent|layers:N|identical] [--draft-out DIR] [--shard-size-mb N]\n";
    }

    static int run(String[] argv, PrintStream out) {
        String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
        return org.specdec.synthetic.MakeModel.run(rest, out);
    }
}
