package org.specdec.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared/fixtures; tests that need them skip cleanly when the folder is absent. */
public final class Fixtures {
    private Fixtures() {}

    public static Path shared() {
        return Path.of(System.getProperty("specdec.shared", "../../shared")).toAbsolutePath().normalize();
    }

    /** The fixture folder, or a skipped test when it is not there. */
    public static Path require(String name) {
        Path p = shared().resolve("fixtures").resolve(name);
        Assumptions.assumeTrue(Files.isDirectory(p), "fixture " + p + " is absent; skipping");
        return p;
    }
}
