package org.specdec.job;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.job.report.RunReport;
import org.specdec.job.stats.RunStatistics;
import org.specdec.job.stats.RunStatisticsAccumulator;
import org.specdec.sampling.SamplingParams;
import org.specdec.sampling.SamplingSettings;
import org.specdec.settings.SettingsHelp;
import org.specdec.udf.executor.ExecutorEngines;
import org.specdec.udf.executor.OutputSchema;
import org.specdec.udf.executor.TaskPlacement;
import org.specdec.udf.SqlSettings;

/**
 * The batch job: config → input → partitions → output → report.
 *
 * <pre>
 * specdecode run --config conf/demo.yaml [--set key=value ...]
 * spark-submit --class org.specdec.job.SpecdecJob specdec-job.jar --config job.yaml
 * </pre>
 *
 * Exit codes: 0 ok; 2 startup error (config, input column, model); 3 error rows above
 * job.max_error_fraction (every row is written first).
 */
public final class SpecdecJob {

    public static final int EXIT_STARTUP = 2;
    private static final String WIDE_PLAN_KEY = "spark.sql.debug.maxToStringFields";
    private static final String LOG_LEVEL_KEY = "spark.log.level";

    private SpecdecJob() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = runMain(args);
        } catch (JobConfigException e) {
            System.err.println("specdec: error: " + e.getMessage());
            code = EXIT_STARTUP;
        }
        if (code != 0) {
            System.exit(code);
        }
    }

    static int runMain(String[] args) {
        Path configFile = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "-c" -> configFile = Path.of(value(args, ++i, "--config"));
                case "--set" -> overrides.add(value(args, ++i, "--set"));
                case "--help", "-h" -> {
                    System.out.print(usage());
                    return 0;
                }
                default -> throw new JobConfigException("unknown argument '" + args[i]
                        + "' (usage: --config FILE.yaml [--set key=value ...])");
            }
        }
        JobConfig conf = JobConfig.load(configFile, overrides);
        EngineSettings engine = ModelSetup.prepare(conf);
        SparkSession spark = session(conf);
        try {
            return run(spark, conf, engine, System.out).exitCode();
        } finally {
            spark.stop();
            ExecutorEngines.closeAll();
        }
    }

    /** {@code run --help}: the command line, where relative paths point, and every key. */
    static String usage() {
        String about = JobConfig.RELATIVE_PATHS + " Keys, as key type = default (the model.* and sampling.* ones "
                + "are also generate's flags and spec_generate's spark.specdec.* conf, with the same defaults):";
        return "usage: specdecode run --config FILE.yaml [--set key=value ...] [--master URL] [--conf k=v ...]\n\n"
                + String.join("\n", SettingsHelp.wrap(about, 100)) + "\n" + JobConfig.describe();
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new JobConfigException(flag + " needs a value");
        }
        return args[i];
    }

    /**
     * The session for a job: the config's spark.* settings where spark-submit did not set them,
     * local[*] when no master is given, and speculative execution off.
     */
    public static SparkSession session(JobConfig conf) {
        SparkConf submitted = new SparkConf(); // what spark-submit put in system properties
        refuseSpeculation(submitted.getBoolean("spark.speculation", false), "spark-submit's --conf");
        refuseSpeculation(conf);
        SparkSession.Builder b = SparkSession.builder().appName(conf.get(JobConfig.JOB_NAME));
        for (Map.Entry<String, String> e : conf.sparkConf().entrySet()) {
            if (!submitted.contains(e.getKey())) {
                b.config(e.getKey(), e.getValue());
            }
        }
        if (!submitted.contains("spark.master") && !conf.sparkConf().containsKey("spark.master")) {
            b.master("local[*]");
        }
        b.config("spark.speculation", "false");
        String logLevel = conf.get(JobConfig.JOB_LOG_LEVEL);
        if (logLevel != null && !submitted.contains(LOG_LEVEL_KEY)) {
            // Executors take the driver's level when they register, and follow it when it changes.
            b.config(LOG_LEVEL_KEY, logLevel.toUpperCase(java.util.Locale.ROOT));
            b.config("spark.executor.syncLogLevel.enabled", "true");
        }
        if (!submitted.contains(WIDE_PLAN_KEY) && !conf.sparkConf().containsKey(WIDE_PLAN_KEY)) {
            // The input plan (file positions, per-row columns) is wider than Spark's default of 25
            // fields, and printing it truncated logs a warning on every run.
            b.config(WIDE_PLAN_KEY, "200");
        }
        return b.getOrCreate();
    }

    /** Speculative execution asked for in the job config (YAML spark: section or --set spark.*). */
    private static void refuseSpeculation(JobConfig conf) {
        String v = conf.sparkConf().get("spark.speculation");
        refuseSpeculation(v != null && v.trim().equalsIgnoreCase("true"), "the job config (spark.speculation)");
    }

    private static void refuseSpeculation(boolean on, String where) {
        if (on) {
            throw new JobConfigException("spark.speculation=true (from " + where + ") would run duplicate attempts of "
                    + "generation tasks (double GPU cost); set spark.speculation=false");
        }
    }

    /** Runs the job in an existing session (tests, notebooks). */
    public static JobSummary run(SparkSession spark, JobConfig conf, PrintStream console) {
        return run(spark, conf, ModelSetup.prepare(conf), console);
    }

    static JobSummary run(SparkSession spark, JobConfig conf, EngineSettings engine, PrintStream console) {
        if (spark.sparkContext().conf().getBoolean("spark.speculation", false)) {
            throw new JobConfigException("spark.speculation is on in this session; generation needs "
                    + "spark.speculation=false (duplicate attempts double GPU cost)");
        }
        refuseSpeculation(conf);
        long t0 = System.nanoTime();
        String output = conf.get(JobConfig.OUTPUT_PATH);
        String mode = conf.get(JobConfig.OUTPUT_MODE);
        OutputDirectory outputDir = OutputDirectory.of(spark, output);
        if (mode.equals("error_if_exists") && outputDir.exists()) {
            throw new JobConfigException(outputDir.hasCommittedRows()
                    ? "output.path " + output + " already exists; set output.mode=overwrite to replace it or "
                            + "output.mode=resume to add the missing rows"
                    : "output.path " + output + " holds an unfinished run with no committed rows; set "
                            + "output.mode=resume to finish it or output.mode=overwrite to start again");
        }
        PromptTemplate template = conf.get(JobConfig.PROMPT_TEMPLATE).equals("chat")
                ? PromptTemplate.chatFromModel(Path.of(engine.target()), conf.get(JobConfig.PROMPT_SYSTEM),
                        conf.get(JobConfig.PROMPT_TEMPLATE_TIME_LIMIT_MS))
                : PromptTemplate.raw();
        InputReader.Input read = InputReader.read(spark, conf);
        boolean tokenPrompts = read.tokenPrompts();
        if (spark.sparkContext().isLocal()) {
            loadOnDriver(engine);
        }
        // Same pair for spec_generate in this session.
        new SqlSettings(engine, SamplingSettings.read(conf)).applyTo(spark);

        CachedInput.Counted cachedInput = CachedInput.persist(read.rows());
        Dataset<Row> input = cachedInput.rows();
        long rowsInput = cachedInput.count();
        DuplicateIds.Report duplicates = DuplicateIds.find(input);
        if (duplicates.any()) {
            if (conf.get(JobConfig.INPUT_DUPLICATE_IDS).equals("error")) {
                input.unpersist();
                throw DuplicateIds.refusal(duplicates, conf.get(JobConfig.INPUT_PATH));
            }
            console.println("specdec: input: " + duplicates.describe() + "; input.duplicate_ids=first keeps the "
                    + "first row of each");
            CachedInput.Counted firsts = CachedInput.persist(DuplicateIds.keepFirst(input));
            rowsInput = firsts.count();
            input.unpersist();
            input = firsts.rows();
        }
        boolean resume = mode.equals("resume");
        if (resume && outputDir.abortUnfinishedJob()) {
            console.println("specdec: resume: discarded the uncommitted files of an unfinished run ("
                    + new org.apache.hadoop.fs.Path(output, OutputDirectory.PENDING) + ")");
        }
        // Rows already committed; the unfinished run's uncommitted ones were discarded just above.
        boolean skipDone = resume && outputDir.hasCommittedRows();
        Dataset<Row> todo = input;
        if (skipDone) {
            Dataset<Row> done = spark.read().parquet(output).select(col(OutputSchema.ID)).distinct();
            todo = input.join(done, input.col(InputReader.ID).equalTo(done.col(OutputSchema.ID)), "left_anti");
            // Eager and cut from the output's lineage: writing the output re-caches plans that read it,
            // and this run's id set must not change when its rows land.
            todo = todo.localCheckpoint(true);
        }
        long rowsTodo = skipDone ? countRows(todo) : rowsInput;
        boolean withTokenIds = conf.get(JobConfig.OUTPUT_TOKEN_IDS) || !ModelSetup.hasTokenizer(engine);
        if (skipDone) {
            StructType existing = spark.read().parquet(output).schema();
            withTokenIds = java.util.Arrays.asList(existing.fieldNames()).contains(OutputSchema.GENERATED_TOKEN_IDS);
        }
        StructType schema = OutputSchema.jobSchema(withTokenIds);

        RunStatisticsAccumulator statistics = RunStatisticsAccumulator.register(spark.sparkContext());
        ProgressReporter progress = new ProgressReporter(statistics, rowsTodo,
                conf.get(JobConfig.JOB_PROGRESS_INTERVAL_S), System.err);
        spark.sparkContext().addSparkListener(progress);
        try {
            if (rowsTodo > 0 || !skipDone) {
                int partitions = conf.get(JobConfig.JOB_PARTITIONS) > 0 ? conf.get(JobConfig.JOB_PARTITIONS)
                        : spark.sparkContext().defaultParallelism();
                partitions = (int) Math.max(1, Math.min(partitions, Math.max(rowsTodo, 1)));
                spark.sparkContext().setJobDescription("specdec: generate " + rowsTodo + " rows");
                Dataset<Row> generated = todo.repartition(partitions).mapPartitions(
                        new PartitionRunner(engine, SamplingDefaults.from(conf), read.overrides(), template,
                                tokenPrompts, withTokenIds, statistics), Encoders.row(schema));
                SaveMode saveMode = switch (mode) {
                    case "resume" -> SaveMode.Append;
                    case "overwrite" -> SaveMode.Overwrite;
                    default -> SaveMode.ErrorIfExists;
                };
                generated.write().mode(saveMode).parquet(output);
            }
        } finally {
            spark.sparkContext().removeSparkListener(progress);
            progress.close();
        }
        console.println(progress.line());
        double wall = (System.nanoTime() - t0) / 1e9;

        // What this run's tasks wrote, gathered as they wrote it: the output is not read back.
        RunStatistics runStats = statistics.value();
        JobSummary summary = JobSummary.of(runStats, output, rowsInput, rowsInput - rowsTodo, wall,
                conf.get(JobConfig.JOB_MAX_ERROR_FRACTION));
        input.unpersist();
        todo.unpersist();
        console.print(summary.render());
        String summaryPath = conf.get(JobConfig.OUTPUT_SUMMARY_PATH) != null ? conf.get(JobConfig.OUTPUT_SUMMARY_PATH)
                : stripSlash(output) + ".summary.json";
        try {
            summary.write(spark, summaryPath);
            console.println("  summary.json        " + summaryPath);
        } catch (IOException e) {
            console.println("specdec: warning: cannot write " + summaryPath + ": " + e.getMessage());
        }
        String reportPath = conf.get(JobConfig.OUTPUT_REPORT_PATH) != null ? conf.get(JobConfig.OUTPUT_REPORT_PATH)
                : stripSlash(output) + ".report.html";
        if (!reportPath.equals("none")) {
            try {
                // The report must never fail a job whose rows are written.
                String html = RunReport.html("specdec run", output, runStats, summary.reportRows(), wall);
                writeText(spark, reportPath, html);
                console.println("  report.html         " + reportPath);
            } catch (IOException | RuntimeException e) {
                console.println("specdec: warning: cannot write the report " + reportPath + ": " + e);
            }
        }
        return summary;
    }

    /** Rows of a checkpointed dataset, counted from its own plan. */
    private static long countRows(Dataset<Row> cached) {
        return cached.queryExecution().toRdd().count();
    }

    private static void loadOnDriver(EngineSettings engine) {
        // In local mode the driver is the executor: loading here catches an unreadable model, a
        // mismatched pair or a target that cannot decode (NaN logits) at startup, and the tasks then
        // reuse this engine.
        String pair = "target " + engine.target() + (engine.draft() != null ? ", draft " + engine.draft() : "");
        GenerationEngine loaded;
        try {
            loaded = ExecutorEngines.engine(engine, TaskPlacement.current()); // the driver: no GPU, as local tasks
        } catch (RuntimeException e) {
            throw new JobConfigException("cannot load the model pair (" + pair + "): " + e.getMessage(), e);
        }
        GenerationResult check = loaded.submit(GenerationRequest.ofTokens("startup check", new int[] {0},
                SamplingParams.greedy(1))).join();
        if (check.isError()) {
            throw new JobConfigException("the model pair cannot decode (" + pair + "): " + check.error());
        }
    }

    private static void writeText(SparkSession spark, String path, String text) throws IOException {
        SideFile.write(spark.sparkContext().hadoopConfiguration(), path,
                text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String stripSlash(String p) {
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
