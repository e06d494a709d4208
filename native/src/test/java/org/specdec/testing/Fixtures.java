package org.specdec.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Where tests find files outside their module: the repository (its shipped models) and the shared
 * fixtures folder beside it. Every module's tests locate them here, whatever directory the test
 * JVM runs in. A test that needs a shared fixture skips cleanly when it is absent (a fresh clone
 * has no ../shared); the shipped models are part of the repository and always there.
 */
public final class Fixtures {
    private Fixtures() {}

    /**
     * The repository root: system property {@code specdec.repo}, else the nearest directory at or
     * above the working directory that holds {@code models/} and a {@code pom.xml}.
     */
    public static Path repo() {
        String set = System.getProperty("specdec.repo");
        if (set != null) {
            return Path.of(set).toAbsolutePath().normalize();
        }
        Path cwd = Path.of("").toAbsolutePath().normalize();
        for (Path p = cwd; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root (a directory with models/ and pom.xml) at or above "
                + cwd + "; set -Dspecdec.repo");
    }

    /** The shared folder: system property {@code specdec.shared}, else {@code shared/} beside the repository. */
    public static Path shared() {
        String set = System.getProperty("specdec.shared");
        Path p = set != null ? Path.of(set) : repo().resolveSibling("shared");
        return p.toAbsolutePath().normalize();
    }

    /** {@code fixtures/<name>} in the shared folder, or a skipped test when it is absent. */
    public static Path require(String name) {
        Path p = shared().resolve("fixtures").resolve(name);
        Assumptions.assumeTrue(Files.isDirectory(p), "fixture " + p + " is absent; skipping");
        return p;
    }

    /** A shared tokenizer fixture (a folder with tokenizer.json), or a skipped test when it is absent. */
    public static Path tokenizer(String name) {
        Path p = require(name);
        Assumptions.assumeTrue(Files.isRegularFile(p.resolve("tokenizer.json")), "fixture " + p
                + " has no tokenizer.json; skipping");
        return p;
    }

    /** A model shipped in the repository's models/ folder (sotu-target, sotu-draft). */
    public static Path shippedModel(String name) {
        Path p = repo().resolve("models").resolve(name);
        if (!Files.isRegularFile(p.resolve("config.json"))) {
            throw new IllegalStateException("shipped model " + p + " is missing: the repository is incomplete");
        }
        return p;
    }
}
