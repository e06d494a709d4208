package org.specdec.cli;

import java.io.PrintStream;

/** {@code make-model}: seeded synthetic checkpoints (see org.specdec.synthetic.MakeModel). */
final class MakeModelCommand {
    private MakeModelCommand() {}

    static String usage() {
        return org.specdec.synthetic.MakeModel.USAGE;
    }

    static int run(String[] argv, PrintStream out) {
        String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
        return org.specdec.synthetic.MakeModel.run(rest, out);
    }
}
