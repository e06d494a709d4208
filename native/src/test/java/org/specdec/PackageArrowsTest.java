package org.specdec;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The runtime's package arrows run one way, from the decoder down to the backends: backends run
 * forward passes and know nothing of drafting, verification or statistics; the speculative
 * pieces know nothing of the engine that schedules them; statistics know nothing of the project.
 * Read from the sources' import lines, so a new arrow the wrong way fails here, by name.
 */
class PackageArrowsTest {
    static final Path SOURCES = Path.of("src/main/java/org/specdec");
    static final Pattern IMPORT = Pattern.compile("^import (?:static )?org\\.specdec\\.([a-z]+)\\.", Pattern.MULTILINE);

    @Test
    void backendsImportNoneOfTheDecoderAbove() {
        assertEquals(List.of(), importsOf("backend", "speculative", "engine", "stats", "bench", "cli"));
    }

    @Test
    void speculativePiecesDoNotImportTheEngine() {
        assertEquals(List.of(), importsOf("speculative", "engine", "bench", "cli"));
    }

    @Test
    void statisticsImportNothingOfTheProject() {
        assertEquals(List.of(), importsOf("stats", "backend", "speculative", "engine", "sampling", "kv", "bench"));
    }

    /** "File: package" for each import in {@code pkg} (and below) of one of the {@code forbidden} top-level packages. */
    static List<String> importsOf(String pkg, String... forbidden) {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES.resolve(pkg))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    if (List.of(forbidden).contains(m.group(1))) {
                        found.add(SOURCES.relativize(f) + ": " + m.group(1));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }
}
