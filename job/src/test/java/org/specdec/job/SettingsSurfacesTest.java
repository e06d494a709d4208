package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.specdec.cli.GenerateCommand;
import org.specdec.engine.EngineSettings;
import org.specdec.sampling.SamplingParams;
import org.specdec.sampling.SamplingSettings;
import org.specdec.settings.Setting;
import org.specdec.udf.SqlSettings;

/**
 * The job config, the runtime CLI and spec_generate's Spark conf read one settings table: with
 * nothing set they resolve the same engine and sampling settings, the table's defaults, and a
 * value set on any of them lands in the same field.
 */
class SettingsSurfacesTest {

    private static final String TARGET = "/models/target";

    @Test
    void withNothingSetTheCliTheJobAndSqlResolveTheTablesDefaults() {
        JobConfig job = JobConfig.of(Map.of("model.target", TARGET, "input.path", "in", "output.path", "out"));
        SqlSettings sql = SqlSettings.read(Map.of("spark.specdec.target", TARGET)::get);
        var cli = GenerateCommand.values("generate", "--target", TARGET);

        EngineSettings defaults = EngineSettings.builder().target(TARGET).build();
        assertEquals(defaults, job.engineSettings(), "job");
        assertEquals(defaults, EngineSettings.read(cli), "generate");
        assertEquals(defaults, sql.engine(), "spec_generate");
        assertEquals(16, defaults.maxBatch());
        assertTrue(defaults.draftSwitch());
        assertEquals(EngineSettings.AUTO, defaults.device());

        SamplingParams sampling = SamplingSettings.read(job);
        assertEquals(sampling, SamplingSettings.read(cli), "generate");
        assertEquals(sampling, sql.sampling(), "spec_generate");
        assertEquals(SamplingParams.greedy(64), sampling);
    }

    /** Each engine setting, set to a value other than its default on each surface, reads back the same. */
    @Test
    void aValueSetOnAnySurfaceReachesTheSameField() {
        for (Setting<?> s : EngineSettings.SETTINGS) {
            if (s == EngineSettings.TARGET) {
                continue;
            }
            String value = otherThanDefault(s);
            Map<String, Object> jobKeys = new HashMap<>(Map.of("model.target", TARGET, "input.path", "in",
                    "output.path", "out"));
            jobKeys.put(s.key(), value);
            EngineSettings job = JobConfig.of(jobKeys).engineSettings();
            EngineSettings cli = EngineSettings.read(GenerateCommand.values("generate", "--target", TARGET,
                    s.cliFlag() + "=" + value));
            Map<String, String> conf = Map.of("spark.specdec.target", TARGET, s.sqlKey(), value);
            EngineSettings sql = SqlSettings.read(conf::get).engine();
            assertEquals(job, cli, s.key() + " vs " + s.cliFlag());
            assertEquals(job, sql, s.key() + " vs " + s.sqlKey());
            assertNotEquals(EngineSettings.builder().target(TARGET).build(), job, s.key() + "=" + value);
        }
    }

    /** Every setting a surface offers has its name there, and no two settings share one. */
    @Test
    void everySurfaceNamesEachSettingOnce() {
        List<String> flags = new ArrayList<>();
        List<String> confKeys = new ArrayList<>();
        for (Setting<?> s : JobConfig.ENTRIES) {
            if (s.cliFlag() != null) {
                flags.add(s.cliFlag());
            }
            if (s.sqlKey() != null) {
                confKeys.add(s.sqlKey());
                assertTrue(s.sqlKey().startsWith("spark.specdec."), s.sqlKey());
            }
        }
        assertEquals(flags.size(), flags.stream().distinct().count(), flags.toString());
        assertEquals(confKeys.size(), confKeys.stream().distinct().count(), confKeys.toString());
        for (Setting<?> s : EngineSettings.SETTINGS) {
            assertTrue(s.cliFlag() != null && s.sqlKey() != null && JobConfig.ENTRIES.contains(s), s.key());
        }
        for (Setting<?> s : SamplingSettings.SETTINGS) {
            assertTrue(s.cliFlag() != null && JobConfig.ENTRIES.contains(s), s.key());
        }
        assertEquals(SqlSettings.SETTINGS.size(), confKeys.size());
    }

    private static String otherThanDefault(Setting<?> s) {
        Object d = s.defaultValue();
        if (s == EngineSettings.DRAFT) {
            return "/models/draft";
        }
        if (s == EngineSettings.DEVICE_SETTING) {
            return "cpu";
        }
        if (s == EngineSettings.TENSOR_PARALLEL) {
            return "4";
        }
        if (s == EngineSettings.CPU_WEIGHTS) {
            return EngineSettings.Q8_0_WEIGHTS;
        }
        if (d instanceof Boolean b) {
            return Boolean.toString(!b);
        }
        if (d instanceof Integer i) {
            return Integer.toString(i + 3);
        }
        throw new AssertionError("no sample value for " + s.key());
    }
}
