package org.specdec.sampling;

import java.util.List;
import org.specdec.settings.Setting;
import org.specdec.settings.SettingValues;

/**
 * The sampling settings every surface reads from this one table: the job's {@code sampling.*}
 * keys (the run's defaults, which per-row columns override), the runtime CLI's flags and, where
 * {@code spec_generate} takes them, its {@code spark.specdec.*} conf (its call arguments override
 * max_tokens and temperature).
 */
public final class SamplingSettings {

    public static final Setting<Integer> MAX_TOKENS = Setting.integer("sampling.max_tokens", 64, 1,
            "Most tokens generated per row (a max_tokens column or argument overrides it per row).")
            .cli("--max-tokens").sql("spark.specdec.maxTokens");
    public static final Setting<Double> TEMPERATURE = Setting.decimal("sampling.temperature", 0.0,
            "0 = greedy (token-identical to target-only decoding); > 0 samples with exact rejection sampling.")
            .cli("--temperature").sql("spark.specdec.temperature");
    public static final Setting<Double> TOP_P = Setting.decimal("sampling.top_p", 1.0, "Nucleus sampling; 1 = off.")
            .cli("--top-p").sql("spark.specdec.topP");
    public static final Setting<Integer> TOP_K = Setting.integer("sampling.top_k", 0, 0, "Top-k sampling; 0 = off.")
            .cli("--top-k").sql("spark.specdec.topK");
    public static final Setting<Long> SEED = Setting.longValue("sampling.seed", 0,
            "Seed. In a job the base seed: a row without a seed column uses a stable mix of this and its id.")
            .cli("--seed").sql("spark.specdec.seed");
    public static final Setting<List<String>> STOP = Setting.stringList("sampling.stop",
            "Stop strings; the text is cut before the first one found (the flag is repeatable).").cli("--stop");
    public static final Setting<Boolean> IGNORE_EOS = Setting.bool("sampling.ignore_eos", false,
            "Keep generating past EOS (benchmarks).").cli("--ignore-eos");

    /** Every sampling setting, in the order help and the README list them. */
    public static final List<Setting<?>> SETTINGS = List.of(MAX_TOKENS, TEMPERATURE, TOP_P, TOP_K, SEED, STOP,
            IGNORE_EOS);

    private SamplingSettings() {
    }

    /** The sampling parameters as one surface gives them; unset ones take the table's defaults. */
    public static SamplingParams read(SettingValues values) {
        return new SamplingParams(values.get(TEMPERATURE), values.get(TOP_K), values.get(TOP_P), values.get(SEED),
                values.get(MAX_TOKENS), values.get(STOP), values.get(IGNORE_EOS));
    }
}
