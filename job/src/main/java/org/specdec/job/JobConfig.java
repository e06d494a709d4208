package org.specdec.job;

import static org.specdec.settings.Setting.bool;
import static org.specdec.settings.Setting.choice;
import static org.specdec.settings.Setting.decimal;
import static org.specdec.settings.Setting.hadoopPath;
import static org.specdec.settings.Setting.integer;
import static org.specdec.settings.Setting.longValue;
import static org.specdec.settings.Setting.string;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.specdec.engine.EngineSettings;
import org.specdec.sampling.SamplingSettings;
import org.specdec.settings.Setting;
import org.specdec.settings.SettingValues;
import org.specdec.settings.SettingsHelp;

/**
 * The job's settings: a YAML file (nested maps, keys as below) plus {@code --set a.b=c} overrides.
 * Every key is defined once, with its doc and default ({@code specdecode run --help} prints them);
 * the {@code model.*} and {@code sampling.*} keys are the engine and sampling settings tables that
 * {@code spec_generate} and the runtime CLI read too. Relative paths in a config file are resolved
 * against the file's folder, so a config runs from any working directory; paths given with
 * {@code --set} are relative to the working directory, as on any command line. The {@code spark:}
 * section is passed to Spark as is (spark-submit's own --conf wins).
 */
public final class JobConfig implements SettingValues {

    // ---- model: the engine settings, shared with spec_generate and the runtime CLI
    public static final Setting<String> MODEL_TARGET = EngineSettings.TARGET;
    public static final Setting<String> MODEL_DRAFT = EngineSettings.DRAFT;
    public static final Setting<Integer> MODEL_SELF_DRAFT_LAYERS = EngineSettings.SELF_DRAFT_LAYERS;
    public static final Setting<Integer> MODEL_K = EngineSettings.K;
    public static final Setting<Boolean> MODEL_ADAPTIVE_K = EngineSettings.ADAPTIVE_K;
    public static final Setting<Integer> MODEL_MAX_K = EngineSettings.MAX_K;
    public static final Setting<Boolean> MODEL_DRAFT_SWITCH = EngineSettings.DRAFT_SWITCH;
    public static final Setting<Integer> MODEL_MAX_BATCH = EngineSettings.MAX_BATCH;
    public static final Setting<Integer> MODEL_THREADS = EngineSettings.THREADS;
    public static final Setting<Integer> MODEL_MAX_CONTEXT = EngineSettings.MAX_CONTEXT;
    public static final Setting<String> MODEL_DEVICE = EngineSettings.DEVICE_SETTING;
    public static final Setting<String> SYNTHETIC_PRESET = string("model.synthetic.preset", null,
            "If set and model.target has no config.json yet, make a seeded synthetic pair there first "
                    + "(make-model presets: tiny, small, 110m). For demos and tests.");
    public static final Setting<Long> SYNTHETIC_SEED = longValue("model.synthetic.seed", 42,
            "Seed of the synthetic pair.");
    public static final Setting<String> SYNTHETIC_DTYPE = choice("model.synthetic.dtype", "f32",
            "Weight type of the synthetic pair.", "f32", "bf16");
    public static final Setting<String> SYNTHETIC_DRAFT = string("model.synthetic.draft", "layers:2",
            "How the synthetic draft is made (written to model.draft): independent, layers:N or identical.");

    // ---- input
    public static final Setting<String> INPUT_PATH = hadoopPath("input.path",
            "Input file or directory (any Hadoop file system path).").mustBeSet();
    public static final Setting<String> INPUT_FORMAT = choice("input.format", "auto",
            "Input format; auto picks it from the file extension (.parquet, .jsonl/.json, .csv, .txt).",
            "auto", "parquet", "jsonl", "csv", "text");
    public static final Setting<String> INPUT_ID_COLUMN = string("input.id_column", "id",
            "Id column. If the input has none (and this key is not set), ids are derived as "
                    + "'<file name>:<row position in file>' (stable across runs).");
    public static final Setting<String> INPUT_PROMPT_COLUMN = string("input.prompt_column", "prompt",
            "Text prompt column (for text input, each line is a prompt).");
    public static final Setting<String> INPUT_TOKEN_IDS_COLUMN = string("input.prompt_token_ids_column",
            "prompt_token_ids", "Token-id prompt column (array of ints), used when there is no text prompt column.");
    public static final Setting<String> INPUT_MAX_TOKENS_COLUMN = string("input.max_tokens_column", "max_tokens",
            "Optional per-row max_tokens column; used when present.");
    public static final Setting<String> INPUT_TEMPERATURE_COLUMN = string("input.temperature_column",
            "temperature", "Optional per-row temperature column; used when present.");
    public static final Setting<String> INPUT_SEED_COLUMN = string("input.seed_column", "seed",
            "Optional per-row seed column; used when present.");
    public static final Setting<Integer> INPUT_LIMIT = integer("input.limit", 0, 0,
            "Use only the first n input rows (0 = all).");
    public static final Setting<String> INPUT_DUPLICATE_IDS = choice("input.duplicate_ids", "error",
            "What to do with ids that occur more than once (the output has one row per id, and resume skips ids "
                    + "already written): error = startup error naming an example and the count; first = keep the "
                    + "first row of each id (by file and position) and drop the others.", "error", "first");

    // ---- prompt
    public static final Setting<String> PROMPT_TEMPLATE = choice("prompt.template", "raw",
            "raw: the prompt as is; chat: rendered as a user message with the target's chat_template "
                    + "from tokenizer_config.json, as transformers renders it (sandboxed: no file access, no Java "
                    + "methods; the prompt text is data, never rendered as a template).", "raw", "chat");
    public static final Setting<String> PROMPT_SYSTEM = string("prompt.system", null,
            "With prompt.template=chat: an optional system message before each prompt.");
    public static final Setting<Integer> PROMPT_TEMPLATE_TIME_LIMIT_MS = integer("prompt.template_time_limit_ms",
            1000, 1, "With prompt.template=chat: CPU time one rendering of the chat template may take. Over it, the "
                    + "start-up check is a startup error and a row's rendering makes that row an error row.");

    // ---- sampling: the run's defaults, shared with spec_generate and the runtime CLI
    public static final Setting<Integer> SAMPLING_MAX_TOKENS = SamplingSettings.MAX_TOKENS;
    public static final Setting<Double> SAMPLING_TEMPERATURE = SamplingSettings.TEMPERATURE;
    public static final Setting<Double> SAMPLING_TOP_P = SamplingSettings.TOP_P;
    public static final Setting<Integer> SAMPLING_TOP_K = SamplingSettings.TOP_K;
    public static final Setting<Long> SAMPLING_SEED = SamplingSettings.SEED;
    public static final Setting<List<String>> SAMPLING_STOP = SamplingSettings.STOP;
    public static final Setting<Boolean> SAMPLING_IGNORE_EOS = SamplingSettings.IGNORE_EOS;

    // ---- job
    public static final Setting<String> JOB_NAME = string("job.name", "specdec", "Spark application name.");
    public static final Setting<Integer> JOB_PARTITIONS = integer("job.partitions", 0, 0,
            "Partitions the input is repartitioned to (0 = spark.default.parallelism).");
    public static final Setting<Double> JOB_MAX_ERROR_FRACTION = decimal("job.max_error_fraction", 0.05,
            "Error budget: after writing every row, exit with code 3 if more than this share of this run's "
                    + "rows have error set (1.0 = never).");
    public static final Setting<Integer> JOB_PROGRESS_INTERVAL_S = integer("job.progress_interval_s", 5, 0,
            "Seconds between driver progress lines (0 = off).");
    public static final Setting<String> JOB_LOG_LEVEL = choice("job.log_level", null,
            "Root log level of the driver and every executor (unset: the log4j2 file's, which the launcher gives "
                    + "both: Spark's warnings and specdec's own lines). info shows Spark's task and stage lines, "
                    + "debug more. Sets spark.log.level with spark.executor.syncLogLevel.enabled.",
            "error", "warn", "info", "debug", "trace");

    // ---- output
    public static final Setting<String> OUTPUT_PATH = hadoopPath("output.path",
            "Output directory (Parquet, written through Spark's commit protocol).").mustBeSet();
    public static final Setting<String> OUTPUT_MODE = choice("output.mode", "error_if_exists",
            "error_if_exists: fail if the output exists; overwrite: replace it; resume: generate only ids "
                    + "not yet in the output and append them.", "error_if_exists", "overwrite", "resume");
    public static final Setting<Boolean> OUTPUT_TOKEN_IDS = bool("output.token_ids", false,
            "Write generated_token_ids (always written for a target without tokenizer.json).");
    public static final Setting<String> OUTPUT_SUMMARY_PATH = hadoopPath("output.summary_path",
            "Where summary.json goes; default '<output.path>.summary.json', beside the output directory.");
    /** The output.report_path value that turns the report off (never resolved as a path). */
    public static final String NO_REPORT = "none";
    public static final Setting<String> OUTPUT_REPORT_PATH = hadoopPath("output.report_path",
            "Where the HTML report goes (acceptance distribution, acceptance by draft position, latency CDF, "
                    + "tokens/s per executor, error rows); default '<output.path>.report.html'; 'none' = no report.");

    /** Every key, in the order help and the README list them. */
    public static final List<Setting<?>> ENTRIES = Stream.of(EngineSettings.SETTINGS, List.of(SYNTHETIC_PRESET,
                    SYNTHETIC_SEED, SYNTHETIC_DTYPE, SYNTHETIC_DRAFT,
                    INPUT_PATH, INPUT_FORMAT, INPUT_ID_COLUMN, INPUT_PROMPT_COLUMN, INPUT_TOKEN_IDS_COLUMN,
                    INPUT_MAX_TOKENS_COLUMN, INPUT_TEMPERATURE_COLUMN, INPUT_SEED_COLUMN, INPUT_LIMIT,
                    INPUT_DUPLICATE_IDS, PROMPT_TEMPLATE, PROMPT_SYSTEM, PROMPT_TEMPLATE_TIME_LIMIT_MS),
            SamplingSettings.SETTINGS, List.of(JOB_NAME, JOB_PARTITIONS, JOB_MAX_ERROR_FRACTION,
                    JOB_PROGRESS_INTERVAL_S, JOB_LOG_LEVEL, OUTPUT_PATH, OUTPUT_MODE, OUTPUT_TOKEN_IDS,
                    OUTPUT_SUMMARY_PATH, OUTPUT_REPORT_PATH))
            .<Setting<?>>flatMap(List::stream).toList();

    /** How help explains where relative paths point. */
    static final String RELATIVE_PATHS = "Relative paths (model.target, model.draft, input.path, output.*) in a "
            + "config file are resolved against the file's folder; given with --set, against the working directory. "
            + "A path with a scheme (hdfs://, s3a://, file:) is used as is.";

    static final String SPARK_SECTION = "spark";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** A URI scheme (hdfs:, s3a:, file:): such a path is never relative to the config file. */
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

    private final Map<String, Object> values;
    private final Map<String, String> spark;

    private JobConfig(Map<String, Object> values, Map<String, String> spark) {
        this.values = values;
        this.spark = spark;
    }

    /**
     * Reads an optional YAML file, resolving its relative paths against its folder, then applies
     * {@code key=value} overrides in order.
     */
    public static JobConfig load(Path yamlFile, List<String> overrides) {
        if (yamlFile == null) {
            return read(null, null, null, overrides);
        }
        String text;
        try {
            text = Files.readString(yamlFile);
        } catch (IOException e) {
            throw new JobConfigException("cannot read config " + yamlFile + ": " + e.getMessage());
        }
        return read(text, yamlFile.toString(), yamlFile.toAbsolutePath().normalize().getParent(), overrides);
    }

    /**
     * Reads YAML text (or none), then applies {@code key=value} overrides in order.
     *
     * @param yaml      the config text, or null for overrides only
     * @param source    what the text is called in errors (its file name)
     * @param folder    the folder its relative paths are resolved against; null leaves them relative
     *                  to the working directory (a config that is not a file)
     * @param overrides {@code --set} values, whose paths always stay as given
     */
    public static JobConfig read(String yaml, String source, Path folder, List<String> overrides) {
        Map<String, Object> flat = new LinkedHashMap<>();
        if (yaml != null) {
            Object root;
            try {
                root = YAML.readValue(yaml, Object.class);
            } catch (IOException e) {
                throw new JobConfigException("cannot read config " + source + ": " + e.getMessage());
            }
            if (root != null && !(root instanceof Map<?, ?>)) {
                throw new JobConfigException("config " + source + " must be a YAML mapping of sections "
                        + "(model:, input:, output:, ...)");
            }
            if (root != null) {
                flatten("", (Map<?, ?>) root, flat);
            }
            for (Setting<?> entry : ENTRIES) {
                if (folder != null && entry.kind() != Setting.Kind.VALUE && flat.get(entry.key()) instanceof String p) {
                    flat.put(entry.key(), resolve(folder, entry, p));
                }
            }
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new JobConfigException("--set expects key=value (e.g. --set sampling.max_tokens=32), got '" + o
                        + "'");
            }
            String key = o.substring(0, eq).trim();
            flat.put(key, parseScalar(o.substring(eq + 1)));
        }
        return of(flat);
    }

    /** A path from a config file in {@code folder}: relative ones (without a scheme) become absolute. */
    private static String resolve(Path folder, Setting<?> entry, String path) {
        if (path.isBlank() || SCHEME.matcher(path).find() || (entry == OUTPUT_REPORT_PATH && path.equals(NO_REPORT))) {
            return path;
        }
        Path p = Path.of(path);
        return p.isAbsolute() ? path : folder.resolve(p).normalize().toString();
    }

    /** A config from already flat keys (tests). */
    public static JobConfig of(Map<String, Object> flat) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> spark = new TreeMap<>();
        List<String> known = ENTRIES.stream().map(Setting::key).toList();
        for (Map.Entry<String, Object> e : flat.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(SPARK_SECTION + ".")) {
                spark.put(key, e.getValue() == null ? "" : e.getValue().toString());
            } else if (known.contains(key)) {
                values.put(key, e.getValue());
            } else {
                throw new JobConfigException("unknown config key '" + key + "'" + suggestion(key, known)
                        + " (specdecode run --help lists every key)");
            }
        }
        JobConfig c = new JobConfig(values, spark);
        for (Setting<?> entry : ENTRIES) {
            c.get(entry); // parse everything now: a bad value is a startup error naming its key
        }
        return c;
    }

    @Override
    public <T> T get(Setting<T> entry) {
        try {
            return entry.valueOf(values.get(entry.key()), entry.key());
        } catch (IllegalArgumentException e) {
            throw new JobConfigException(e.getMessage());
        }
    }

    /** The engine settings of this config (model.*), with its paths as given. */
    public EngineSettings engineSettings() {
        return EngineSettings.read(this);
    }

    /** Whether the key was given in the YAML or with --set (not just defaulted). */
    public boolean isSet(Setting<?> entry) {
        return values.get(entry.key()) != null;
    }

    /** The {@code spark:} section, with full {@code spark.*} keys. */
    public Map<String, String> sparkConf() {
        return Collections.unmodifiableMap(spark);
    }

    /** Returns a copy with some keys replaced (tests and resume runs). */
    public JobConfig with(Map<String, Object> changes) {
        Map<String, Object> flat = new LinkedHashMap<>(values);
        flat.putAll(spark);
        flat.putAll(changes);
        return of(flat);
    }

    /** Every key with its type, default and doc, for --help. */
    public static String describe() {
        return SettingsHelp.describe(ENTRIES, Setting::key)
                + "  spark.* = (any Spark setting, e.g. spark.master, spark.executor.resource.gpu.amount)\n";
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, Object> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> m) {
                flatten(key + ".", m, out);
            } else {
                out.put(key, e.getValue());
            }
        }
    }

    /** A --set value read as YAML, so lists ([a, b]), numbers and booleans work as in the file. */
    private static Object parseScalar(String text) {
        if (text.isEmpty()) {
            return "";
        }
        try {
            Object v = YAML.readValue(text, Object.class);
            return v instanceof Map<?, ?> ? text : v;
        } catch (IOException e) {
            return text;
        }
    }

    private static String suggestion(String key, List<String> known) {
        String leaf = key.substring(key.lastIndexOf('.') + 1);
        List<String> close = new ArrayList<>();
        for (String k : known) {
            if (k.endsWith("." + leaf) || k.startsWith(key)) {
                close.add(k);
            }
        }
        return close.isEmpty() ? "" : "; did you mean " + String.join(" or ", close) + "?";
    }
}
