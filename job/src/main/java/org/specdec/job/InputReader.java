package org.specdec.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.row_number;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the input into the job's normalized rows: {@code id} (string), {@code prompt} (string) or
 * {@code prompt_token_ids} (array&lt;int&gt;), and optional {@code max_tokens}, {@code temperature},
 * {@code seed}, null where a row or the input has none. A configured column that the input lacks is
 * a startup error naming it and the available columns.
 */
public final class InputReader {

    public static final String ID = "id";
    public static final String PROMPT = "prompt";
    public static final String TOKEN_IDS = "prompt_token_ids";
    public static final String MAX_TOKENS = "max_tokens";
    public static final String TEMPERATURE = "temperature";
    public static final String SEED = "seed";

    private static final String FILE = "_specdec_file";
    private static final String POSITION = "_specdec_pos";

    private InputReader() {
    }

    /**
     * The normalized input.
     *
     * @param rows         columns id, prompt, prompt_token_ids, max_tokens, temperature, seed
     * @param tokenPrompts whether prompts are token ids (prompt is then null) rather than text
     */
    public record Input(Dataset<Row> rows, boolean tokenPrompts) {
    }

    /** Reads the input; a missing column is a startup error naming it and the available columns. */
    public static Input read(SparkSession spark, JobConfig conf) {
        String path = conf.get(JobConfig.INPUT_PATH);
        String format = conf.get(JobConfig.INPUT_FORMAT);
        if (format.equals("auto")) {
            format = detectFormat(spark, path);
        }
        Dataset<Row> raw;
        try {
            raw = switch (format) {
                case "parquet" -> spark.read().parquet(path);
                case "jsonl" -> spark.read().json(path);
                case "csv" -> spark.read().option("header", "true").option("multiLine", "true")
                        .option("escape", "\"").csv(path);
                case "text" -> spark.read().text(path).withColumnRenamed("value", conf.get(JobConfig.INPUT_PROMPT_COLUMN));
                default -> throw new JobConfigException("unknown input.format " + format);
            };
        } catch (JobConfigException e) {
            throw e;
        } catch (Exception e) {
            throw new JobConfigException("cannot read input " + path + " as " + format + ": " + firstLine(e)
                    + " (check input.path and input.format)", e);
        }
        // The file name must be taken before any other transformation (hidden metadata column).
        raw = raw.select(col("*"), col("_metadata.file_name").as(FILE));
        String[] available = Arrays.stream(raw.columns()).filter(c -> !c.equals(FILE)).toArray(String[]::new);
        long limit = conf.get(JobConfig.INPUT_LIMIT);

        Column id = idColumn(raw, conf, available, path);
        Column prompt;
        Column tokens;
        String promptCol = conf.get(JobConfig.INPUT_PROMPT_COLUMN);
        String tokensCol = conf.get(JobConfig.INPUT_TOKEN_IDS_COLUMN);
        boolean promptSet = conf.isSet(JobConfig.INPUT_PROMPT_COLUMN);
        boolean tokensSet = conf.isSet(JobConfig.INPUT_TOKEN_IDS_COLUMN);
        boolean useText;
        if (promptSet || tokensSet) {
            useText = promptSet;
            String wanted = useText ? promptCol : tokensCol;
            if (!has(available, wanted)) {
                throw missing(wanted, useText ? JobConfig.INPUT_PROMPT_COLUMN.key()
                        : JobConfig.INPUT_TOKEN_IDS_COLUMN.key(), available, path);
            }
        } else if (has(available, promptCol) || has(available, tokensCol)) {
            useText = has(available, promptCol);
        } else {
            throw missing(promptCol + "' (or '" + tokensCol, "input.prompt_column or input.prompt_token_ids_column",
                    available, path);
        }
        if (useText) {
            prompt = col(promptCol).cast(DataTypes.StringType);
            tokens = lit(null).cast(intArray());
        } else {
            prompt = lit(null).cast(DataTypes.StringType);
            tokens = tokenIds(raw.schema(), tokensCol);
        }
        Column maxTokens = optional(conf, JobConfig.INPUT_MAX_TOKENS_COLUMN, available, path, DataTypes.IntegerType);
        Column temperature = optional(conf, JobConfig.INPUT_TEMPERATURE_COLUMN, available, path, DataTypes.DoubleType);
        Column seed = optional(conf, JobConfig.INPUT_SEED_COLUMN, available, path, DataTypes.LongType);

        Dataset<Row> withPosition = raw;
        if (!hasIdColumn(conf, available)) {
            withPosition = raw.withColumn(POSITION, monotonically_increasing_id());
        }
        Dataset<Row> out = withPosition.select(id.as(ID), prompt.as(PROMPT), tokens.as(TOKEN_IDS),
                maxTokens.as(MAX_TOKENS), temperature.as(TEMPERATURE), seed.as(SEED));
        return new Input(limit > 0 ? out.limit((int) limit) : out, !useText);
    }

    private static boolean hasIdColumn(JobConfig conf, String[] available) {
        return has(available, conf.get(JobConfig.INPUT_ID_COLUMN));
    }

    /**
     * The id column, or '<file name>:<position in file>' (0-based). Spark reads a file's splits in
     * order and numbers rows in partition order, so the position is the row's place in its file.
     */
    private static Column idColumn(Dataset<Row> raw, JobConfig conf, String[] available, String path) {
        String idCol = conf.get(JobConfig.INPUT_ID_COLUMN);
        if (has(available, idCol)) {
            return col(idCol).cast(DataTypes.StringType);
        }
        if (conf.isSet(JobConfig.INPUT_ID_COLUMN)) {
            throw missing(idCol, "input.id_column (or unset it to derive ids from file and row position)",
                    available, path);
        }
        return concat(col(FILE), lit(":"),
                (row_number().over(Window.partitionBy(col(FILE)).orderBy(col(POSITION))).minus(1)).cast("string"));
    }

    private static Column tokenIds(StructType schema, String name) {
        DataType t = schema.apply(name).dataType();
        if (t instanceof ArrayType) {
            return col(name).cast(intArray());
        }
        // CSV and text carry lists as JSON text: "[1, 2, 3]".
        return from_json(col(name).cast(DataTypes.StringType), intArray(), Map.of());
    }

    private static Column optional(JobConfig conf, ConfigEntry<String> key, String[] available, String path,
                                   DataType type) {
        String name = conf.get(key);
        if (has(available, name)) {
            return col(name).cast(type);
        }
        if (conf.isSet(key)) {
            throw missing(name, key.key(), available, path);
        }
        return lit(null).cast(type);
    }

    private static DataType intArray() {
        return DataTypes.createArrayType(DataTypes.IntegerType, true);
    }

    private static boolean has(String[] columns, String name) {
        return name != null && Arrays.asList(columns).contains(name);
    }

    private static JobConfigException missing(String column, String key, String[] available, String path) {
        return new JobConfigException("input column '" + column + "' not found in " + path
                + "; available columns: " + Arrays.toString(available) + ". Set " + key + " to one of them.");
    }

    /** Format from the extension of the path, or of the first data file in a directory. */
    static String detectFormat(SparkSession spark, String path) {
        String name = path;
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(p)) {
                throw new JobConfigException("input.path " + path + " does not exist");
            }
            if (fs.getFileStatus(p).isDirectory()) {
                name = null;
                for (FileStatus s : fs.listStatus(p)) {
                    String n = s.getPath().getName();
                    if (s.isFile() && !n.startsWith("_") && !n.startsWith(".")) {
                        name = n;
                        break;
                    }
                }
                if (name == null) {
                    throw new JobConfigException("input.path " + path + " has no data files");
                }
            }
        } catch (IOException e) {
            throw new JobConfigException("cannot list input.path " + path + ": " + e.getMessage(), e);
        }
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".parquet")) {
            return "parquet";
        }
        if (n.endsWith(".jsonl") || n.endsWith(".json") || n.endsWith(".ndjson")) {
            return "jsonl";
        }
        if (n.endsWith(".csv")) {
            return "csv";
        }
        if (n.endsWith(".txt") || n.endsWith(".text")) {
            return "text";
        }
        throw new JobConfigException("cannot tell the input format of " + name
                + " from its extension; set input.format to parquet, jsonl, csv or text");
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
