package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.engine.EngineSettings;
import org.specdec.settings.Setting;
import org.specdec.testing.Fixtures;

class JobConfigTest {

    @TempDir
    Path dir;

    @Test
    void yamlSectionsBecomeDottedKeysAndSetOverridesWin() throws Exception {
        Path f = dir.resolve("job.yaml");
        Files.writeString(f, """
                model:
                  target: /m/target
                  k: 3
                input: {path: in.jsonl}
                output: {path: out}
                sampling:
                  stop: ["\\n\\n", "END"]
                spark:
                  master: local[2]
                  executor.resource.gpu.amount: 1
                """);
        JobConfig c = JobConfig.load(f, List.of("model.k=5", "sampling.temperature=0.7"));
        assertEquals("/m/target", c.get(JobConfig.MODEL_TARGET));
        assertEquals(5, c.get(JobConfig.MODEL_K));
        assertEquals(0.7, c.get(JobConfig.SAMPLING_TEMPERATURE));
        assertEquals(List.of("\n\n", "END"), c.get(JobConfig.SAMPLING_STOP));
        assertEquals(64, c.get(JobConfig.SAMPLING_MAX_TOKENS), "default");
        assertTrue(c.isSet(JobConfig.MODEL_K));
        assertFalse(c.isSet(JobConfig.INPUT_ID_COLUMN));
        assertEquals("local[2]", c.sparkConf().get("spark.master"));
        assertEquals("1", c.sparkConf().get("spark.executor.resource.gpu.amount"));
    }

    @Test
    void unknownKeyIsAStartupErrorWithASuggestion() {
        JobConfigException e = assertThrows(JobConfigException.class,
                () -> JobConfig.load(null, List.of("model.target=x", "input.path=i", "output.path=o", "sampling.max_token=3")));
        assertTrue(e.getMessage().contains("sampling.max_token"), e.getMessage());
        assertTrue(e.getMessage().contains("sampling.max_tokens"), e.getMessage());
    }

    @Test
    void badValueNamesTheKey() {
        JobConfigException e = assertThrows(JobConfigException.class,
                () -> JobConfig.load(null, List.of("model.target=x", "input.path=i", "output.path=o", "model.k=four")));
        assertTrue(e.getMessage().contains("model.k"), e.getMessage());
        JobConfigException mode = assertThrows(JobConfigException.class,
                () -> JobConfig.load(null, List.of("model.target=x", "input.path=i", "output.path=o", "output.mode=append")));
        assertTrue(mode.getMessage().contains("resume"), mode.getMessage());
    }

    @Test
    void missingRequiredKeyIsNamed() {
        JobConfigException e = assertThrows(JobConfigException.class,
                () -> JobConfig.load(null, List.of("input.path=i", "output.path=o")));
        assertTrue(e.getMessage().contains("model.target"), e.getMessage());
    }

    @Test
    void everyKeyIsDocumentedOnce() {
        assertEquals(JobConfig.ENTRIES.size(), JobConfig.ENTRIES.stream().map(Setting::key).distinct().count());
        for (Setting<?> e : JobConfig.ENTRIES) {
            assertFalse(e.doc().isBlank(), e.key());
        }
        assertTrue(JobConfig.describe().contains("job.max_error_fraction"));
    }

    @Test
    void demoConfigParses() {
        Path repo = Fixtures.repo();
        Path demo = repo.resolve("conf/demo.yaml");
        assertTrue(Files.isRegularFile(demo), demo + " is missing");
        JobConfig c = JobConfig.load(demo, List.of());
        assertEquals(null, c.get(JobConfig.SYNTHETIC_PRESET), "the demo runs the shipped trained pair");
        assertTrue(Files.isRegularFile(repo.resolve(c.get(JobConfig.MODEL_TARGET)).resolve("model.safetensors")),
                "conf/demo.yaml's target must be the shipped model");
    }

    @Test
    void relativePathsInAConfigFileAreResolvedAgainstItsFolderAndSetPathsAreLeftAsGiven() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("project/conf"));
        Path f = conf.resolve("job.yaml");
        Files.writeString(f, """
                model: {target: ../models/target, draft: /abs/draft}
                input: {path: prompts.jsonl}
                output: {path: hdfs:///data/out, summary_path: ../out/s.json, report_path: none}
                """);
        JobConfig c = JobConfig.load(f, List.of("model.draft=models/d"));
        assertEquals(dir.resolve("project/models/target").toString(), c.get(JobConfig.MODEL_TARGET));
        assertEquals("models/d", c.get(JobConfig.MODEL_DRAFT), "--set paths stay relative to the working directory");
        assertEquals(conf.resolve("prompts.jsonl").toString(), c.get(JobConfig.INPUT_PATH));
        assertEquals("hdfs:///data/out", c.get(JobConfig.OUTPUT_PATH), "a path with a scheme is used as is");
        assertEquals(dir.resolve("project/out/s.json").toString(), c.get(JobConfig.OUTPUT_SUMMARY_PATH));
        assertEquals(JobConfig.NO_REPORT, c.get(JobConfig.OUTPUT_REPORT_PATH));

        JobConfig absolute = JobConfig.load(f, List.of());
        assertEquals("/abs/draft", absolute.get(JobConfig.MODEL_DRAFT));
    }

    @Test
    void theDemoConfigFindsTheShippedPairFromAnyWorkingDirectory() {
        Path demo = Path.of(System.getProperty("user.dir")).getParent().resolve("conf/demo.yaml");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(demo), "conf/demo.yaml beside this module");
        // The surefire working directory is the job module, not the repository root the demo names.
        JobConfig c = JobConfig.load(demo, List.of());
        Path root = demo.toAbsolutePath().normalize().getParent().getParent();
        assertEquals(root.resolve("models/sotu-target").toString(), c.get(JobConfig.MODEL_TARGET));
        assertEquals(root.resolve("conf/sotu-prompts.jsonl").toString(), c.get(JobConfig.INPUT_PATH));
        assertEquals(root.resolve("out/demo").toString(), c.get(JobConfig.OUTPUT_PATH));
        EngineSettings prepared = ModelSetup.prepare(c);
        assertEquals(root.resolve("models/sotu-draft").toString(), prepared.draft());
    }
}
