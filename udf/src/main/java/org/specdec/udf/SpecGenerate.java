package org.specdec.udf;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.classic.ExpressionUtils;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.sampling.SamplingParams;
import org.specdec.udf.executor.ExecutorEngines;
import org.specdec.udf.executor.OutputSchema;
import org.specdec.udf.executor.TaskPlacement;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * {@code spec_generate(prompt [, max_tokens [, temperature]])}: generates for one prompt with the
 * executor's shared engine and returns a struct with the text and the per-row statistics
 * ({@link OutputSchema#sqlStruct()}). Concurrent tasks of one executor submit to the same engine,
 * so their rows share batches; within one task the calls are one at a time (a scalar function sees
 * one row), which is why the batch job is the faster path for large tables.
 *
 * <p>The model comes from the session's {@code spark.specdec.*} conf ({@link SqlSettings}), read
 * when a query is analyzed. A bad prompt gives a struct with {@code error} set, never a failed task.
 */
public final class SpecGenerate {

    public static final String NAME = "spec_generate";
    private static final AtomicLong CALLS = new AtomicLong();

    private SpecGenerate() {
    }

    /** Registers {@code spec_generate} in a session (for programs; spark-sql uses the extension). */
    public static void register(SparkSession spark) {
        org.apache.spark.sql.classic.SparkSession classic = (org.apache.spark.sql.classic.SparkSession) spark;
        // The registry takes qualified names only (system.builtin.NAME), as the extension's path makes them.
        classic.sessionState().functionRegistry().registerFunction(
                org.apache.spark.sql.catalyst.analysis.FunctionRegistry$.MODULE$.builtinFunctionIdentifier(NAME),
                info(), builder());
    }

    static FunctionIdentifier identifier() {
        return FunctionIdentifier.apply(NAME);
    }

    static ExpressionInfo info() {
        return new ExpressionInfo(SpecGenerate.class.getName(), null, NAME,
                "_FUNC_(prompt [, max_tokens [, temperature]]) - Generates text for prompt with the "
                        + "speculative decoding pair configured by spark.specdec.target / spark.specdec.draft; "
                        + "returns a struct with generated_text, finish_reason, error and the per-row statistics.",
                "");
    }

    /** Builds the call for 1 to 3 arguments: missing ones fall back to the conf defaults. */
    static scala.Function1<Seq<Expression>, Expression> builder() {
        return new Builder();
    }

    private static final class Builder extends AbstractFunction1<Seq<Expression>, Expression>
            implements java.io.Serializable {
        @Override
        public Expression apply(Seq<Expression> args) {
            List<Expression> a = CollectionConverters.asJava(args);
            if (a.isEmpty() || a.size() > 3) {
                throw new IllegalArgumentException(NAME + " takes 1 to 3 arguments (prompt [, max_tokens [, temperature]]), got "
                        + a.size());
            }
            SqlSettings settings = SqlSettings.from(SparkSession.active().conf());
            // A text prompt, or token ids (array of ints) for models without tokenizer.json.
            boolean tokens = a.get(0).resolved() && a.get(0).dataType() instanceof org.apache.spark.sql.types.ArrayType;
            Column prompt = ExpressionUtils.column(a.get(0)).cast(tokens ? "array<int>" : "string");
            Column maxTokens = a.size() > 1 ? ExpressionUtils.column(a.get(1)).cast("int")
                    : functions.lit(null).cast("int");
            Column temperature = a.size() > 2 ? ExpressionUtils.column(a.get(2)).cast("double")
                    : functions.lit(null).cast("double");
            UserDefinedFunction udf = functions.udf(new Call(settings, tokens), OutputSchema.sqlStruct())
                    .withName(NAME)
                    // Not collapsible into several field accesses: each access would generate again.
                    .asNondeterministic();
            // Converted by the session (not ExpressionUtils.expression, which only wraps the column node).
            return ((org.apache.spark.sql.classic.SparkSession) SparkSession.active())
                    .expression(udf.apply(prompt, maxTokens, temperature));
        }
    }

    /** The per-row call, run on executors. */
    static final class Call implements UDF3<Object, Integer, Double, Row> {
        private final SqlSettings settings;
        private final boolean tokens;

        Call(SqlSettings settings, boolean tokens) {
            this.settings = settings;
            this.tokens = tokens;
        }

        @Override
        public Row call(Object prompt, Integer maxTokens, Double temperature) {
            TaskPlacement where = TaskPlacement.current();
            SamplingParams d = settings.sampling();
            SamplingParams params = new SamplingParams(temperature == null ? d.temperature() : temperature, d.topK(),
                    d.topP(), d.seed(), maxTokens == null ? d.maxTokens() : maxTokens, d.stop(), d.ignoreEos());
            String id = "sql-" + CALLS.incrementAndGet();
            GenerationEngine engine = ExecutorEngines.engine(settings.engine(), where);
            GenerationResult r;
            try {
                GenerationRequest request = tokens ? GenerationRequest.ofTokens(id, tokenIds(prompt), params)
                        : GenerationRequest.ofText(id, (String) prompt, params);
                r = engine.submit(request).join();
            } catch (RuntimeException e) {
                r = GenerationResult.error(id, OutputSchema.oneLine(e), 0, engine.device(),
                        engine.targetModelName(), engine.draftModelName(), params.temperature(), params.topP(),
                        params.seed());
            }
            return OutputSchema.sqlRow(r, where);
        }

        private static int[] tokenIds(Object prompt) {
            if (prompt == null) {
                return null;
            }
            List<?> list = prompt instanceof scala.collection.Seq<?> seq ? CollectionConverters.asJava(seq)
                    : (List<?>) prompt;
            int[] ids = new int[list.size()];
            for (int i = 0; i < ids.length; i++) {
                Object v = list.get(i);
                if (v == null) {
                    throw new IllegalArgumentException("prompt token ids have a null at position " + i);
                }
                ids[i] = ((Number) v).intValue();
            }
            return ids;
        }
    }
}
