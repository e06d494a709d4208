package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.specdec.engine.EngineSettings;
import org.specdec.sampling.SamplingSettings;
import org.specdec.settings.Setting;
import org.specdec.settings.SettingsHelp;
import org.specdec.udf.SqlSettings;

/**
 * The README says what {@code run --help} says: its settings table is the settings table, row for
 * row (key, flag, conf key, type, default, doc), and every setting name, flag and conf key the
 * README mentions elsewhere exists.
 */
class ReadmeSettingsTest {

    private static final Path README = Path.of(System.getProperty("user.dir")).getParent().resolve("README.md");
    private static final Pattern JOB_KEY = Pattern.compile("`((?:model|input|prompt|sampling|job|output)\\.[a-z_.]+)");
    private static final Pattern CONF_KEY = Pattern.compile("(spark\\.specdec\\.[A-Za-z]+)");

    @Test
    void theReadmeSettingsTableIsTheSettingsTable() throws IOException {
        String readme = Files.readString(README);
        String expected = SettingsHelp.markdownTable(JobConfig.ENTRIES);
        String header = expected.substring(0, expected.indexOf('\n') + 1);
        int start = readme.indexOf(header);
        assertTrue(start >= 0, "README has no settings table; it should be:\n" + expected);
        List<String> rows = new ArrayList<>();
        for (String line : readme.substring(start).split("\n")) {
            if (!line.startsWith("|")) {
                break;
            }
            if (!line.startsWith("| `spark.*`")) {
                rows.add(line);
            }
        }
        assertEquals(expected, String.join("\n", rows) + "\n",
                "README's settings table differs from the settings table; it should be:\n" + expected);
    }

    @Test
    void helpShowsEachSettingWithTheReadmesDefault() throws IOException {
        String readme = Files.readString(README);
        String help = SpecdecJob.usage();
        for (Setting<?> s : JobConfig.ENTRIES) {
            assertTrue(help.contains("  " + s.key() + " " + s.type() + " = " + s.shownDefault() + "\n"),
                    s.key() + " in run --help");
            String row = "| `" + s.key() + "` |";
            int at = readme.indexOf(row);
            assertTrue(at >= 0, s.key() + " in the README");
            String line = readme.substring(at, readme.indexOf('\n', at));
            assertTrue(line.contains(" | " + s.shownDefault() + " | "), s.key() + " default in " + line);
        }
        assertTrue(help.replaceAll("\\s+", " ").contains(JobConfig.RELATIVE_PATHS), help);
    }

    @Test
    void everySettingTheReadmeNamesExists() throws IOException {
        String readme = Files.readString(README);
        Set<String> keys = new TreeSet<>();
        JobConfig.ENTRIES.forEach(s -> keys.add(s.key()));
        Set<String> unknown = new TreeSet<>();
        Matcher m = JOB_KEY.matcher(readme);
        while (m.find()) {
            String key = m.group(1).replaceAll("\\.$", "");
            if (!keys.contains(key) && !key.endsWith(".*") && !isFileName(key)) {
                unknown.add(key);
            }
        }
        Set<String> confKeys = new TreeSet<>();
        SqlSettings.SETTINGS.forEach(s -> confKeys.add(s.sqlKey()));
        Matcher c = CONF_KEY.matcher(readme);
        while (c.find()) {
            if (!confKeys.contains(c.group(1))) {
                unknown.add(c.group(1));
            }
        }
        assertEquals(Set.of(), unknown, "README names settings that do not exist");
    }

    @Test
    void theReadmesGenerateFlagListIsTheTablesFlagColumn() throws IOException {
        String readme = Files.readString(README);
        int at = readme.indexOf("`generate` flags:");
        assertTrue(at >= 0, "README lists generate's flags");
        String paragraph = readme.substring(at, readme.indexOf("\n\n", at));
        Set<String> listed = new TreeSet<>();
        Matcher m = Pattern.compile("`(--[a-z-]+)").matcher(paragraph);
        while (m.find()) {
            listed.add(m.group(1));
        }
        Set<String> flags = new TreeSet<>(Set.of("--prompt", "--prompt-ids", "--json"));
        for (List<Setting<?>> table : List.of(EngineSettings.SETTINGS, SamplingSettings.SETTINGS)) {
            table.forEach(s -> flags.add(s.cliFlag()));
        }
        assertEquals(flags, listed);
    }

    /** {@code output.summary.json}-like names in prose are files, not keys. */
    private static boolean isFileName(String text) {
        return text.endsWith(".json") || text.endsWith(".html") || text.endsWith(".yaml");
    }
}
