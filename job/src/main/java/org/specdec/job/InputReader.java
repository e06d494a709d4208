package org.specdec.job;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.is_valid_utf8;
import static org.apache.spark.sql.functions.make_valid_utf8;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.when;

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
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.specdec.settings.Setting;

/**
 * Reads the input into the job's normalized rows: {@code id} (string, never null),
 * {@code prompt} (string) or {@code prompt_token_ids} (array&lt;int&gt;), the row's own
 * {@code max_tokens}, {@code temperature} and {@code seed} as text (parsed per row by
 * {@link RowOverrides}, so a bad value fails its row, not the job), {@code input_error} (why the row
 * cannot be generated: a line that is not JSON, a null id, a token list that is not ints), and the
 * file path and position of the row. A configured column that the input lacks is a startup error
 * naming it and the available columns.
 */
public final class InputReader {

    public static final String ID = "id";
    public static final String PROMPT = "prompt";
    public static final String TOKEN_IDS = "prompt_token_ids";
    public static final String MAX_TOKENS = "max_tokens";
    public static final String TEMPERATURE = "temperature";
    public static final String SEED = "seed";
    public static final String INPUT_ERROR = "input_error";

    /** Where Spark's JSON reader puts a line it cannot parse (PERMISSIVE mode). */
    private static final String UNPARSED = "_specdec_unparsed_line";
    private static final int QUOTED_CHARS = 80;

    private InputReader() {
    }

    /**
     * The normalized input.
     *
     * @param rows         columns id, prompt, prompt_token_ids, max_tokens, temperature, seed, input_error,
     *                     then the file path and position ({@link FilePositions})
     * @param tokenPrompts whether prompts are token ids (prompt is then null) rather than text
     * @param overrides    how the per-row value columns are parsed, with their input names
     */
    public record Input(Dataset<Row> rows, boolean tokenPrompts, RowOverrides overrides) {
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
                case "jsonl" -> spark.read().option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", UNPARSED)
                        .json(path);
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
        String[] available = Arrays.stream(raw.columns()).filter(c -> !c.equals(UNPARSED)).toArray(String[]::new);
        if (available.length == 0) {
            throw new JobConfigException("no line of input " + path + " is a JSON object (check input.path and "
                    + "input.format)");
        }
        Dataset<Row> positioned = FilePositions.of(raw);
        long limit = conf.get(JobConfig.INPUT_LIMIT);

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
        Column prompt;
        Column tokens;
        Column tokensError;
        if (useText) {
            prompt = col(promptCol).cast(DataTypes.StringType);
            tokens = lit(null).cast(intArray());
            tokensError = lit(null).cast(DataTypes.StringType);
        } else {
            prompt = lit(null).cast(DataTypes.StringType);
            tokens = tokenIds(raw.schema(), tokensCol);
            tokensError = when(col(tokensCol).isNotNull().and(tokens.isNull()),
                    concat(lit(tokensCol + " is not a list of token ids (ints): "),
                            quoted(col(tokensCol).cast(DataTypes.StringType))));
        }
        Column maxTokens = optional(conf, JobConfig.INPUT_MAX_TOKENS_COLUMN, available, path);
        Column temperature = optional(conf, JobConfig.INPUT_TEMPERATURE_COLUMN, available, path);
        Column seed = optional(conf, JobConfig.INPUT_SEED_COLUMN, available, path);

        String idCol = conf.get(JobConfig.INPUT_ID_COLUMN);
        boolean hasId = has(available, idCol);
        if (!hasId && conf.isSet(JobConfig.INPUT_ID_COLUMN)) {
            throw missing(idCol, "input.id_column (or unset it to derive ids from file and row position)",
                    available, path);
        }
        // '<file name>:<position in file>' (0-based): stable across runs, so resume works without ids.
        Column derivedId = concat(col(FilePositions.FILE), lit(":"), col(FilePositions.POSITION).cast("string"));
        Column givenId = hasId ? col(idCol).cast(DataTypes.StringType) : lit(null).cast(DataTypes.StringType);
        Column id = hasId ? coalesce(givenId, derivedId) : derivedId;

        boolean hasUnparsed = Arrays.asList(raw.columns()).contains(UNPARSED);
        Column unparsed = hasUnparsed ? col(UNPARSED) : lit(null).cast(DataTypes.StringType);
        Column unparsedError = when(unparsed.isNotNull(), when(not(is_valid_utf8(unparsed)),
                concat(lit("line is not valid UTF-8: "), quoted(make_valid_utf8(unparsed))))
                .otherwise(concat(lit("line is not a JSON object: "), quoted(unparsed))));
        Column nullIdError = hasId
                ? when(givenId.isNull(), lit("id is null (input column '" + idCol + "'); the row's id is its file and "
                        + "position instead"))
                : lit(null).cast(DataTypes.StringType);
        Column inputError = coalesce(unparsedError, nullIdError, tokensError);

        Dataset<Row> out = positioned.select(id.as(ID), prompt.as(PROMPT), tokens.as(TOKEN_IDS),
                maxTokens.as(MAX_TOKENS), temperature.as(TEMPERATURE), seed.as(SEED), inputError.as(INPUT_ERROR),
                col(FilePositions.PATH), col(FilePositions.POSITION));
        RowOverrides overrides = new RowOverrides(conf.get(JobConfig.INPUT_MAX_TOKENS_COLUMN),
                conf.get(JobConfig.INPUT_TEMPERATURE_COLUMN), conf.get(JobConfig.INPUT_SEED_COLUMN));
        return new Input(limit > 0 ? out.limit((int) limit) : out, !useText, overrides);
    }

    /** The first characters of a value, in quotes, for an error message. */
    private static Column quoted(Column text) {
        return concat(lit("'"), when(length(text).gt(QUOTED_CHARS),
                concat(substring(text, 1, QUOTED_CHARS), lit("..."))).otherwise(text), lit("'"));
    }

    /** An array column, or JSON text in CSV and text ("[1, 2, 3]"); null where it is not a list of ints. */
    private static Column tokenIds(StructType schema, String name) {
        DataType t = schema.apply(name).dataType();
        if (t instanceof ArrayType) {
            return col(name).try_cast(intArray());
        }
        return from_json(col(name).cast(DataTypes.StringType), intArray(), Map.of());
    }

    /** A per-row value column as text (RowOverrides parses it), or null when the input has none. */
    private static Column optional(JobConfig conf, Setting<String> key, String[] available, String path) {
        String name = conf.get(key);
        if (has(available, name)) {
            return col(name).cast(DataTypes.StringType);
        }
        if (conf.isSet(key)) {
            throw missing(name, key.key(), available, path);
        }
        return lit(null).cast(DataTypes.StringType);
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
