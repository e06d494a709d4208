package org.specdec.tokenizer;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared/fixtures; tests that need them skip cleanly on a fresh clone elsewhere. */
public final class Fixtures {
    private Fixtures() {
    }

    /** {@code fixtures/<name>}, or a skipped test when it is absent. */
    public static Path dir(String name) {
        Path p = Path.of(System.getProperty("specdec.shared", "../../shared"), "fixtures", name);
        Assumptions.assumeTrue(Files.isRegularFile(p.resolve("tokenizer.json")), "fixture absent: " + p);
        return p;
    }
}
