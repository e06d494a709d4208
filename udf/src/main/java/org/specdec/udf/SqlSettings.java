package org.specdec.udf;

import java.io.Serializable;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;
import org.specdec.engine.EngineSettings;
import org.specdec.sampling.SamplingParams;
import org.specdec.sampling.SamplingSettings;
import org.specdec.settings.Setting;
import org.specdec.settings.SettingValues;

/**
 * What configures {@code spec_generate}: the {@code spark.specdec.*} keys of the engine and
 * sampling settings tables ({@link EngineSettings#SETTINGS}, {@link SamplingSettings#SETTINGS}),
 * with the defaults every other surface has. Set them with {@code --conf}, {@code SET key=value}
 * in spark-sql, or {@link #applyTo}. They are read on the driver when a query is analyzed, and
 * travel to the executors inside the function.
 *
 * @param engine   the model pair and decoding settings
 * @param sampling the sampling defaults; a call's max_tokens and temperature arguments override them
 */
public record SqlSettings(EngineSettings engine, SamplingParams sampling) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Every setting with a {@code spark.specdec.*} key. */
    public static final List<Setting<?>> SETTINGS = Stream.concat(EngineSettings.SETTINGS.stream(),
            SamplingSettings.SETTINGS.stream()).filter(s -> s.sqlKey() != null).toList();

    /** Reads the settings from a session's conf; names the key to set when the target is missing. */
    public static SqlSettings from(RuntimeConfig c) {
        return read(key -> c.get(key, null));
    }

    /** Reads the settings from a conf lookup (null when a key is unset). */
    public static SqlSettings read(Function<String, String> conf) {
        String target = conf.apply(EngineSettings.TARGET.sqlKey());
        if (target == null || target.isBlank()) {
            String key = EngineSettings.TARGET.sqlKey();
            throw new IllegalArgumentException("spec_generate needs a model: set " + key
                    + "=/path/to/model (e.g. SET " + key + "=... in spark-sql, or --conf on spark-submit)");
        }
        SettingValues values = SettingValues.of(s -> s.sqlKey() == null ? null : conf.apply(s.sqlKey()),
                Setting::sqlKey);
        return new SqlSettings(EngineSettings.read(values), SamplingSettings.read(values));
    }

    /** Writes these settings into a session's conf, so SQL calls use the same pair as a job. */
    public void applyTo(SparkSession spark) {
        RuntimeConfig c = spark.conf();
        set(c, EngineSettings.TARGET, engine.target());
        set(c, EngineSettings.DRAFT, engine.draft());
        set(c, EngineSettings.SELF_DRAFT_LAYERS, engine.selfDraftLayers());
        set(c, EngineSettings.K, engine.k());
        set(c, EngineSettings.ADAPTIVE_K, engine.adaptiveK());
        set(c, EngineSettings.MAX_K, engine.maxK());
        set(c, EngineSettings.DRAFT_SWITCH, engine.draftSwitch());
        set(c, EngineSettings.MAX_BATCH, engine.maxBatch());
        set(c, EngineSettings.THREADS, engine.threads());
        set(c, EngineSettings.MAX_CONTEXT, engine.maxContext());
        set(c, EngineSettings.DEVICE_SETTING, engine.device());
        set(c, SamplingSettings.MAX_TOKENS, sampling.maxTokens());
        set(c, SamplingSettings.TEMPERATURE, sampling.temperature());
        set(c, SamplingSettings.TOP_P, sampling.topP());
        set(c, SamplingSettings.TOP_K, sampling.topK());
        set(c, SamplingSettings.SEED, sampling.seed());
    }

    private static <T> void set(RuntimeConfig c, Setting<T> setting, T value) {
        if (value == null) {
            c.unset(setting.sqlKey());
        } else {
            c.set(setting.sqlKey(), value.toString());
        }
    }
}
