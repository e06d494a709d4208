package org.specdec.job;

import java.nio.file.Files;
import java.nio.file.Path;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.synthetic.ModelPreset;
import org.specdec.synthetic.SyntheticModelMaker;
import org.specdec.tensor.DType;
import org.specdec.udf.EngineSettings;

/**
 * The driver's model checks before any task runs: makes the synthetic demo pair on first use,
 * and fails fast (naming the directory and the cause) on a missing or unreadable model.
 */
final class ModelSetup {

    private ModelSetup() {
    }

    /** Engine settings with absolute model paths, after making a synthetic pair if configured. */
    static EngineSettings prepare(JobConfig conf) {
        Path target = Path.of(conf.get(JobConfig.MODEL_TARGET)).toAbsolutePath().normalize();
        String draftText = conf.get(JobConfig.MODEL_DRAFT);
        Path draft = draftText == null ? null : Path.of(draftText).toAbsolutePath().normalize();
        String preset = conf.get(JobConfig.SYNTHETIC_PRESET);
        if (preset != null && !Files.isRegularFile(target.resolve("config.json"))) {
            makeSyntheticPair(conf, preset, target, draft);
        }
        check("model.target", target);
        if (draft != null) {
            check("model.draft", draft);
        }
        return new EngineSettings(target.toString(), draft == null ? null : draft.toString(),
                conf.get(JobConfig.MODEL_SELF_DRAFT_LAYERS), conf.get(JobConfig.MODEL_K),
                conf.get(JobConfig.MODEL_ADAPTIVE_K), conf.get(JobConfig.MODEL_MAX_K),
                conf.get(JobConfig.MODEL_MAX_BATCH), conf.get(JobConfig.MODEL_THREADS),
                conf.get(JobConfig.MODEL_MAX_CONTEXT), conf.get(JobConfig.MODEL_DRAFT_SWITCH),
                conf.get(JobConfig.MODEL_DEVICE));
    }

    static boolean hasTokenizer(EngineSettings s) {
        return Files.isRegularFile(Path.of(s.target()).resolve("tokenizer.json"));
    }

    private static void check(String key, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new JobConfigException(key + " " + dir + " does not exist (set " + key
                    + " to a Hugging Face model directory)");
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
