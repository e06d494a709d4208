package org.specdec.job;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.specdec.testing.Fixtures;

/** What the local-mode job tests share: the model pair the repository ships, and their base config. */
final class LocalJob {

    private LocalJob() {
    }

    /** The trained target the repository ships (models/sotu-target: 4096 tokens, 256 positions, BOS = 1). */
    static Path target() {
        return Fixtures.shippedModel("sotu-target");
    }

    /** The trained draft shipped with it (models/sotu-draft, same vocabulary). */
    static Path draft() {
        return Fixtures.shippedModel("sotu-draft");
    }

    /**
     * A job over {@code in} into {@code out} with the pair: k = 3 with fixed drafting (the tests
     * check speculative statistics, not the draft switch, which is timed on a busy machine), 4 rows
     * per batch, 2 CPU threads, no progress line; then {@code settings} ("key=value"), which win.
     */
    static JobConfig config(Path target, Path draft, Path in, Path out, String... settings) {
        Map<String, Object> m = new HashMap<>();
        m.put("model.target", target.toString());
        m.put("model.draft", draft.toString());
        m.put("model.k", 3);
        m.put("model.draft_switch", false);
        m.put("model.max_batch", 4);
        m.put("model.threads", 2);
        m.put("input.path", in.toString());
        m.put("output.path", out.toString());
        m.put("job.progress_interval_s", 0);
        for (String kv : settings) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return JobConfig.of(m);
    }
}
