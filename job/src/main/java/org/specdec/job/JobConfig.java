package org.specdec.job;

import static org.specdec.job.ConfigEntry.bool;
import static org.specdec.job.ConfigEntry.choice;
import static org.specdec.job.ConfigEntry.decimal;
import static org.specdec.job.ConfigEntry.integer;
import static org.specdec.job.ConfigEntry.longValue;
import static org.specdec.job.ConfigEntry.requiredString;
import static org.specdec.job.ConfigEntry.string;
import static org.specdec.job.ConfigEntry.stringList;

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

/**
 * The job's settings: a YAML file (nested maps, keys as below) plus {@code --set a.b=c} overrides.
 * Every key is defined here once, with its doc and default ({@code specdecode run --help} prints
 * them). The {@code spark:} section is passed to Spark as is (spark-submit's own --conf wins).
 */
public final class JobConfig {

    // ---- model
    public static final ConfigEntry<String> MODEL_TARGET = requiredString("model.target",
            "Target model directory (Hugging Face layout). Relative paths are resolved against the working directory.");
    public static final ConfigEntry<String> MODEL_DRAFT = string("model.draft", null,
            "Independent draft model directory; unset for a self-draft or target-only decoding.");
    public static final ConfigEntry<Integer> MODEL_SELF_DRAFT_LAYERS = integer("model.self_draft_layers", 0,
            "Without model.draft: draft with the target's first n layers (0 = no self-draft).");
    public static final ConfigEntry<Integer> MODEL_K = integer("model.k", 4,
            "Draft tokens proposed per step; 0 = target-only decoding.");
    public static final ConfigEntry<Boolean> MODEL_ADAPTIVE_K = bool("model.adaptive_k", false,
            "Let the draft length follow the acceptance rate, within 1..model.max_k.");
    public static final ConfigEntry<Integer> MODEL_MAX_K = integer("model.max_k", 8, "Upper bound for adaptive k.");
    public static final ConfigEntry<Boolean> MODEL_DRAFT_SWITCH = bool("model.draft_switch", true,
            "Turn drafting off at batch sizes where it does not pay: the engine measures draft and target pass times "
                    + "per batch size and the acceptance rate online, and drafts only while the predicted speedup "
                    + "(1 - a^(k+1)) / ((1 - a)(k c + v)) is at least 1.05. Output is the same either way.");
    public static final ConfigEntry<Integer> MODEL_MAX_BATCH = integer("model.max_batch", 16,
            "Rows the executor's shared engine decodes together (continuous batching across tasks).");
    public static final ConfigEntry<Integer> MODEL_THREADS = integer("model.threads", 0,
            "CPU backend threads per executor (0 = the cores Spark gave the executor: local[N] in local mode, "
                    + "spark.executor.cores on a cluster, else all cores of the machine).");
    public static final ConfigEntry<Integer> MODEL_MAX_CONTEXT = integer("model.max_context", 0,
            "KV cache length per row; 0 = the target's max_position_embeddings capped at 4096.");
    public static final ConfigEntry<String> MODEL_DEVICE = choice("model.device", "auto",
            "auto: each task runs on the GPU Spark assigned to it (cuda:N, from TaskContext.resources()), on the CPU "
                    + "without one; cpu: always the CPU backend, also on GPU executors (the assigned GPU is still "
                    + "logged per task; the device column says cpu).", "auto", "cpu");
    public static final ConfigEntry<String> SYNTHETIC_PRESET = string("model.synthetic.preset", null,
            "If set and model.target has no config.json yet, make a seeded synthetic pair there first "
                    + "(make-model presets: tiny, small, 110m). For demos and tests.");
    public static final ConfigEntry<Long> SYNTHETIC_SEED = longValue("model.synthetic.seed", 42,
            "Seed of the synthetic pair.");
    public static final ConfigEntry<String> SYNTHETIC_DTYPE = choice("model.synthetic.dtype", "f32",
            "Weight type of the synthetic pair.", "f32", "bf16");
    public static final ConfigEntry<String> SYNTHETIC_DRAFT = string("model.synthetic.draft", "layers:2",
            "How the synthetic draft is made (written to model.draft): independent, layers:N or identical.");

    // ---- input
    public static final ConfigEntry<String> INPUT_PATH = requiredString("input.path",
            "Input file or directory (any Hadoop file system path).");
    public static final ConfigEntry<String> INPUT_FORMAT = choice("input.format", "auto",
            "Input format; auto picks it from the file extension (.parquet, .jsonl/.json, .csv, .txt).",
            "auto", "parquet", "jsonl", "csv", "text");
    public static final ConfigEntry<String> INPUT_ID_COLUMN = string("input.id_column", "id",
            "Id column. If the input has none (and this key is not set), ids are derived as "
                    + "'<file name>:<row position in file>' (stable across runs).");
    public static final ConfigEntry<String> INPUT_PROMPT_COLUMN = string("input.prompt_column", "prompt",
            "Text prompt column (for text input, each line is a prompt).");
    public static final ConfigEntry<String> INPUT_TOKEN_IDS_COLUMN = string("input.prompt_token_ids_column",
            "prompt_token_ids", "Token-id prompt column (array of ints), used when there is no text prompt column.");
    public static final ConfigEntry<String> INPUT_MAX_TOKENS_COLUMN = string("input.max_tokens_column", "max_tokens",
            "Optional per-row max_tokens column; used when present.");
    public static final ConfigEntry<String> INPUT_TEMPERATURE_COLUMN = string("input.temperature_column",
            "temperature", "Optional per-row temperature column; used when present.");
    public static final ConfigEntry<String> INPUT_SEED_COLUMN = string("input.seed_column", "seed",
            "Optional per-row seed column; used when present.");
    public static final ConfigEntry<Integer> INPUT_LIMIT = integer("input.limit", 0,
            "Use only the first n input rows (0 = all).");
    public static final ConfigEntry<String> INPUT_DUPLICATE_IDS = choice("input.duplicate_ids", "error",
            "What to do with ids that occur more than once (the output has one row per id, and resume skips ids "
                    + "already written): error = startup error naming an example and the count; first = keep the "
                    + "first row of each id (by file and position) and drop the others.", "error", "first");

    // ---- prompt
    public static final ConfigEntry<String> PROMPT_TEMPLATE = choice("prompt.template", "raw",
            "raw: the prompt as is; chat: rendered as a user message with the target's chat_template "
                    + "from tokenizer_config.json, as transformers renders it (sandboxed: no file access, no Java "
                    + "methods; the prompt text is data, never rendered as a template).", "raw", "chat");
    public static final ConfigEntry<String> PROMPT_SYSTEM = string("prompt.system", null,
            "With prompt.template=chat: an optional system message before each prompt.");
    public static final ConfigEntry<Integer> PROMPT_TEMPLATE_TIME_LIMIT_MS = integer("prompt.template_time_limit_ms",
            1000, "With prompt.template=chat: CPU time one rendering of the chat template may take. Over it, the "
                    + "start-up check is a startup error and a row's rendering makes that row an error row.");

    // ---- sampling
    public static final ConfigEntry<Integer> SAMPLING_MAX_TOKENS = integer("sampling.max_tokens", 64,
            "Most tokens generated per row (a max_tokens column overrides it per row).");
    public static final ConfigEntry<Double> SAMPLING_TEMPERATURE = decimal("sampling.temperature", 0.0,
            "0 = greedy (token-identical to target-only decoding); > 0 samples with exact rejection sampling.");
    public static final ConfigEntry<Double> SAMPLING_TOP_P = decimal("sampling.top_p", 1.0, "Nucleus sampling; 1 = off.");
    public static final ConfigEntry<Integer> SAMPLING_TOP_K = integer("sampling.top_k", 0, "Top-k sampling; 0 = off.");
    public static final ConfigEntry<Long> SAMPLING_SEED = longValue("sampling.seed", 0,
            "Base seed; a row without a seed column uses a stable mix of this and its id.");
    public static final ConfigEntry<List<String>> SAMPLING_STOP = stringList("sampling.stop",
            "Stop strings; the text is cut before the first one found.");
    public static final ConfigEntry<Boolean> SAMPLING_IGNORE_EOS = bool("sampling.ignore_eos", false,
            "Keep generating past EOS (benchmarks).");

    // ---- job
    public static final ConfigEntry<String> JOB_NAME = string("job.name", "specdec", "Spark application name.");
    public static final ConfigEntry<Integer> JOB_PARTITIONS = integer("job.partitions", 0,
            "Partitions the input is repartitioned to (0 = spark.default.parallelism).");
    public static final ConfigEntry<Double> JOB_MAX_ERROR_FRACTION = decimal("job.max_error_fraction", 0.05,
            "Error budget: after writing every row, exit with code 3 if more than this share of this run's "
                    + "rows have error set (1.0 = never).");
    public static final ConfigEntry<Integer> JOB_PROGRESS_INTERVAL_S = integer("job.progress_interval_s", 5,
            "Seconds between driver progress lines (0 = off).");
    public static final ConfigEntry<String> JOB_LOG_LEVEL = choice("job.log_level", null,
            "Root log level of the driver and every executor (unset: the log4j2 file's, which the launcher gives "
                    + "both: Spark's warnings and specdec's own lines). info shows Spark's task and stage lines, "
                    + "debug more. Sets spark.log.level with spark.executor.syncLogLevel.enabled.",
            "error", "warn", "info", "debug", "trace");

    // ---- output
    public static final ConfigEntry<String> OUTPUT_PATH = requiredString("output.path",
            "Output directory (Parquet, written through Spark's commit protocol).");
    public static final ConfigEntry<String> OUTPUT_MODE = choice("output.mode", "error_if_exists",
            "error_if_exists: fail if the output exists; overwrite: replace it; resume: generate only ids "
                    + "not yet in the output and append them.", "error_if_exists", "overwrite", "resume");
    public static final ConfigEntry<Boolean> OUTPUT_TOKEN_IDS = bool("output.token_ids", false,
            "Write generated_token_ids (always written for a target without tokenizer.json).");
    public static final ConfigEntry<String> OUTPUT_SUMMARY_PATH = string("output.summary_path", null,
            "Where summary.json goes; default '<output.path>.summary.json', beside the output directory.");

    public static final ConfigEntry<String> OUTPUT_REPORT_PATH = string("output.report_path", null,
            "Where the HTML report goes (acceptance distribution, acceptance by draft position, latency CDF, "
                    + "tokens/s per executor, error rows); default '<output.path>.report.html'; 'none' = no report.");

    public static final List<ConfigEntry<?>> ENTRIES = List.of(
            MODEL_TARGET, MODEL_DRAFT, MODEL_SELF_DRAFT_LAYERS, MODEL_K, MODEL_ADAPTIVE_K, MODEL_MAX_K, MODEL_DRAFT_SWITCH,
            MODEL_MAX_BATCH, MODEL_THREADS, MODEL_MAX_CONTEXT, MODEL_DEVICE, SYNTHETIC_PRESET, SYNTHETIC_SEED,
            SYNTHETIC_DTYPE,
            SYNTHETIC_DRAFT,
            INPUT_PATH, INPUT_FORMAT, INPUT_ID_COLUMN, INPUT_PROMPT_COLUMN, INPUT_TOKEN_IDS_COLUMN,
            INPUT_MAX_TOKENS_COLUMN, INPUT_TEMPERATURE_COLUMN, INPUT_SEED_COLUMN, INPUT_LIMIT, INPUT_DUPLICATE_IDS,
            PROMPT_TEMPLATE, PROMPT_SYSTEM, PROMPT_TEMPLATE_TIME_LIMIT_MS,
            SAMPLING_MAX_TOKENS, SAMPLING_TEMPERATURE, SAMPLING_TOP_P, SAMPLING_TOP_K, SAMPLING_SEED, SAMPLING_STOP,
            SAMPLING_IGNORE_EOS,
            JOB_NAME, JOB_PARTITIONS, JOB_MAX_ERROR_FRACTION, JOB_PROGRESS_INTERVAL_S, JOB_LOG_LEVEL,
            OUTPUT_PATH, OUTPUT_MODE, OUTPUT_TOKEN_IDS, OUTPUT_SUMMARY_PATH, OUTPUT_REPORT_PATH);

    static final String SPARK_SECTION = "spark";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Map<String, Object> values;
    private final Map<String, String> spark;

    private JobConfig(Map<String, Object> values, Map<String, String> spark) {
        this.values = values;
        this.spark = spark;
    }

    /** Reads an optional YAML file, then applies {@code key=value} overrides in order. */
    public static JobConfig load(Path yamlFile, List<String> overrides) {
        Map<String, Object> flat = new LinkedHashMap<>();
        if (yamlFile != null) {
            Object root;
            try {
                root = YAML.readValue(Files.readString(yamlFile), Object.class);
            } catch (IOException e) {
                throw new JobConfigException("cannot read config " + yamlFile + ": " + e.getMessage());
            }
            if (root != null && !(root instanceof Map<?, ?>)) {
                throw new JobConfigException("config " + yamlFile + " must be a YAML mapping of sections "
                        + "(model:, input:, output:, ...)");
            }
            if (root != null) {
                flatten("", (Map<?, ?>) root, flat);
            }
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new JobConfigException("--set expects key=value (e.g. --set sampling.max_tokens=32), got '" + o + "'");
            }
            String key = o.substring(0, eq).trim();
            flat.put(key, parseScalar(o.substring(eq + 1)));
        }
        return of(flat);
    }

    /** A config from already flat keys (tests). */
    public static JobConfig of(Map<String, Object> flat) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> spark = new TreeMap<>();
        List<String> known = ENTRIES.stream().map(ConfigEntry::key).toList();
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
        for (ConfigEntry<?> entry : ENTRIES) {
            c.get(entry); // parse everything now: a bad value is a startup error naming its key
        }
        return c;
    }

    public <T> T get(ConfigEntry<T> entry) {
        Object raw = values.get(entry.key());
        if (raw == null) {
            if (entry.required()) {
                throw new JobConfigException("missing required config key " + entry.key() + ": " + entry.doc());
            }
            return entry.defaultValue();
        }
        try {
            return entry.parse().apply(raw);
        } catch (RuntimeException e) {
            throw new JobConfigException("bad value for " + entry.key() + ": " + e.getMessage() + " (" + entry.doc() + ")");
        }
    }

    /** Whether the key was given in the YAML or with --set (not just defaulted). */
    public boolean isSet(ConfigEntry<?> entry) {
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

    /** Every key with its default and doc, for --help. */
    public static String describe() {
        StringBuilder b = new StringBuilder();
        for (ConfigEntry<?> e : ENTRIES) {
            b.append("  ").append(e.key()).append(" = ")
                    .append(e.required() ? "(required)" : String.valueOf(e.defaultValue())).append('\n')
                    .append("      ").append(e.doc()).append('\n');
        }
        b.append("  spark.* = (any Spark setting, e.g. spark.master, spark.executor.resource.gpu.amount)\n");
        return b.toString();
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
