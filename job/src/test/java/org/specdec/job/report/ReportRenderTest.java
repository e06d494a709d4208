package org.specdec.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bench report opened in headless Chromium: it renders with no console errors, and a
 * laptop-sized screenshot is left in target/report-artifacts/ for people to look at. Skipped when
 * no Chromium is installed here (.ci/run installs Debian's chromium, so CI runs it). A control page
 * that does log a console error proves the log scan sees errors at all.
 */
class ReportRenderTest {
    static String chromium;

    @BeforeAll
    static void findChromium() {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("CHROMIUM");
        if (env != null && !env.isBlank()) {
            candidates.add(env);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
                candidates.add(Path.of(dir, name).toString());
            }
        }
        chromium = candidates.stream().filter(c -> Files.isExecutable(Path.of(c))).findFirst().orElse(null);
        Assumptions.assumeTrue(chromium != null, "no chromium on PATH (apt-get install chromium); skipping");
    }

    /** Chromium's stderr after loading the file, with a screenshot taken; fails on timeout. */
    static String open(Path html, Path screenshot, Path profile) throws IOException, InterruptedException {
        Path log = profile.resolveSibling(profile.getFileName() + ".log");
        ProcessBuilder pb = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile,
                "--enable-logging=stderr", "--v=0", "--window-size=1366,900",
                "--screenshot=" + screenshot, html.toUri().toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s; log: " + Files.readString(log));
        }
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** Lines where the page logged to the console or threw. */
    static List<String> consoleErrors(String log) {
        List<String> out = new ArrayList<>();
        for (String line : log.split("\n")) {
            if (line.contains(":CONSOLE") || line.contains("Uncaught") || line.contains("ERR_FILE_NOT_FOUND")) {
                out.add(line);
            }
        }
        return out;
    }

    @Test
    void benchReportRendersWithoutConsoleErrorsAndLeavesAScreenshot() throws Exception {
        Path dir = ReportFixtures.artifacts();
        Path html = dir.resolve("bench-report-render.html");
        Files.writeString(html, ReportFixtures.benchHtml());
        Path png = dir.resolve("bench-report.png");
        Files.deleteIfExists(png);
        String log = open(html, png, Files.createTempDirectory("specdec-chromium"));
        assertEquals(List.of(), consoleErrors(log), "console errors:\n" + log);
        assertTrue(Files.isRegularFile(png), "screenshot written; chromium log:\n" + log);
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 20_000, "a real page, not a blank screenshot: " + bytes.length + " bytes");
        assertEquals((byte) 0x89, bytes[0]);
        assertEquals('P', bytes[1]);
    }

    @Test
    void theLogScanSeesAConsoleErrorOnAControlPage() throws Exception {
        Path dir = ReportFixtures.artifacts();
        Path html = dir.resolve("console-error-control.html");
        Files.writeString(html, "<!DOCTYPE html><html><body><p>control</p>"
                + "<script>console.error('specdec-control-error')</script></body></html>");
        String log = open(html, dir.resolve("console-error-control.png"), Files.createTempDirectory("specdec-chromium"));
        List<String> errors = consoleErrors(log);
        assertFalse(errors.isEmpty(), "the scan must catch the control page's console.error; log:\n" + log);
        assertTrue(String.join("\n", errors).contains("specdec-control-error"));
    }
}
