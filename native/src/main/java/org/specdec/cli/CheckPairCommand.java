package org.specdec.cli;

import org.specdec.checkpoint.Checkpoint;
import org.specdec.pair.PairCheckResult;
import org.specdec.pair.VocabularyCheck;
import org.specdec.tokenizer.TextTokenizer;
import org.specdec.util.Args;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** {@code check-pair}: the compatibility report of a draft/target pair, without decoding. */
final class CheckPairCommand {
    private CheckPairCommand() {}

    static String usage() {
        return "check-pair --target DIR --draft DIR\n";
    }

    static int run(String[] argv, PrintStream out) {
        Args a = new Args(argv, 1, Set.of("--target", "--draft"), Set.of());
        Path t = a.requirePath("--target");
        Path d = a.requirePath("--draft");
        try (Checkpoint target = Checkpoint.open(t); Checkpoint draft = Checkpoint.open(d);
             TextTokenizer tt = TextTokenizer.available(t) ? TextTokenizer.open(t, target.config()) : null;
             TextTokenizer dt = TextTokenizer.available(d) ? TextTokenizer.open(d, draft.config()) : null) {
            PairCheckResult r = VocabularyCheck.evaluate(VocabularyCheck.Side.of(target.config(), tt),
                    VocabularyCheck.Side.of(draft.config(), dt));
            out.println("target: " + target.name() + " (" + target.config().architecture().hfName() + ", "
                    + target.config().numLayers() + " layers, hidden " + target.config().hiddenSize() + ")");
            out.println("draft:  " + draft.name() + " (" + draft.config().architecture().hfName() + ", "
                    + draft.config().numLayers() + " layers, hidden " + draft.config().hiddenSize() + ")");
            out.println(r.summary());
            for (String w : r.warnings()) {
                out.println("warning: " + w);
            }
            if (!r.ok()) {
                out.println("INCOMPATIBLE: " + r.error());
                return 1;
            }
            out.println("compatible");
            return 0;
        }
    }
}
