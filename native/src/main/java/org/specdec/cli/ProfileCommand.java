package org.specdec.cli;

import org.specdec.bench.PassProfile;
import org.specdec.util.Args;

import java.io.PrintStream;
import java.util.Set;

/** {@code profile}: what one target forward pass costs on a device (see {@link PassProfile}). */
final class ProfileCommand {
    private ProfileCommand() {}

    static String usage() {
        return "profile\n" + PassProfile.Options.USAGE;
    }

    static int run(String[] argv, PrintStream out) {
        PassProfile.Options o = PassProfile.Options.parse(new Args(argv, 1, PassProfile.Options.VALUE_FLAGS, Set.of()));
        new PassProfile(o, out).run();
        return 0;
    }
}
