package org.specdec.job;

import java.nio.file.Files;
import java.nio.file.Path;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.engine.EngineSettings;
import org.specdec.synthetic.ModelPreset;
import org.specdec.synthetic.SyntheticModelMaker;
import org.specdec.tensor.DType;

/**
 * The driver's model checks before any task runs: makes the synthetic demo pair on first use,
 * and fails fast (naming the directory and the cause) on a missing or unreadable model.
 */
final class ModelSetup {

    private ModelSetup() {
    }

    /** The config's engine settings with absolute model paths, after making a synthetic pair if configured. */
    static EngineSettings prepare(JobConfig conf) {
        EngineSettings settings = conf.engineSettings();
        Path target = settings.targetDir().toAbsolutePath().normalize();
        Path draft = settings.draftDir() == null ? null : settings.draftDir().toAbsolutePath().normalize();
        String preset = conf.get(JobConfig.SYNTHETIC_PRESET);
        if (preset != null && !Files.isRegularFile(target.resolve("config.json"))) {
            makeSyntheticPair(conf, preset, target, draft);
        }
        check(JobConfig.MODEL_TARGET.key(), target);
        if (draft != null) {
            check(JobConfig.MODEL_DRAFT.key(), draft);
        }
        return settings.toBuilder().target(target).draft(draft).build();
    }

    static boolean hasTokenizer(EngineSettings s) {
        return Files.isRegularFile(Path.of(s.target()).resolve("tokenizer.json"));
    }

    private static void check(String key, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new JobConfigException(key + " " + dir + " does not exist (set " + key
                    + " to a Hugging Face model directory; a relative path in a config file is resolved against the "
                    + "file's folder, one given with --set against the working directory)");
        }
        try {
            ModelConfig.read(dir);
        } catch (RuntimeException e) {
            throw new JobConfigException("cannot read the model in " + key + " " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void makeSyntheticPair(JobConfig conf, String preset, Path target, Path draft) {
        long seed = conf.get(JobConfig.SYNTHETIC_SEED);
        System.err.println("specdec: first use: making synthetic model pair (preset " + preset + ", seed " + seed
                + ") in " + target + (draft != null ? " and " + draft : ""));
        try {
            SyntheticModelMaker maker = new SyntheticModelMaker();
            ModelPreset p = ModelPreset.named(preset);
            DType dtype = DType.parse(conf.get(JobConfig.SYNTHETIC_DTYPE));
            maker.write(p, seed, dtype, target, 0);
            if (draft != null) {
                maker.writeDraft(SyntheticModelMaker.DraftSpec.parse(conf.get(JobConfig.SYNTHETIC_DRAFT)), p, seed,
                        dtype, target, draft, 0);
            }
        } catch (RuntimeException e) {
            throw new JobConfigException("making the synthetic pair in " + target + " failed: " + e.getMessage()
                    + " (check model.synthetic.*)", e);
        }
    }
}
