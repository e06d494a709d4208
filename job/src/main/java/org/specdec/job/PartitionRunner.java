package org.specdec.job;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.job.stats.RunStatisticsAccumulator;
import org.specdec.sampling.SamplingParams;
import org.specdec.udf.executor.ExecutorEngines;
import org.specdec.udf.executor.OutputSchema;
import org.specdec.udf.executor.TaskPlacement;

/**
 * Decodes one partition: its rows go to the executor's shared engine (loaded once per JVM and
 * device, see {@link ExecutorEngines}), which batches them with the rows of every other task on
 * that device. A window of submitted rows keeps the engine's batch full; results come back in input
 * order, one output row per input row. A row that cannot be decoded becomes an error row; it never
 * fails the task. Input rows are read by column name ({@link InputReader}'s columns), not position.
 */
final class PartitionRunner implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PartitionRunner.class);

    private final EngineSettings engineSettings;
    private final SamplingDefaults sampling;
    private final RowOverrides overrides;
    private final PromptTemplate template;
    private final boolean tokenPrompts;
    private final boolean withTokenIds;
    private final RunStatisticsAccumulator statistics;

    PartitionRunner(EngineSettings engineSettings, SamplingDefaults sampling, RowOverrides overrides,
                    PromptTemplate template, boolean tokenPrompts, boolean withTokenIds,
                    RunStatisticsAccumulator statistics) {
        this.tokenPrompts = tokenPrompts;
        this.engineSettings = engineSettings;
        this.sampling = sampling;
        this.overrides = overrides;
        this.template = template;
        this.withTokenIds = withTokenIds;
        this.statistics = statistics;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        TaskPlacement where = TaskPlacement.current();
        GenerationEngine engine = ExecutorEngines.engineForTask(engineSettings, where);
        int window = Math.max(8, 4 * engineSettings.maxBatch());
        statistics.taskStarted(System.currentTimeMillis());
        return new Decoding(input, engine, where, window, System.nanoTime());
    }

    /** One in-flight row. */
    private record Pending(String id, SamplingParams params, long submittedNanos,
                           CompletableFuture<GenerationResult> result) {
    }

    private final class Decoding implements Iterator<Row> {
        private final Iterator<Row> input;
        private final GenerationEngine engine;
        private final TaskPlacement where;
        private final int window;
        private final long partitionStart;
        private final ArrayDeque<Pending> pending = new ArrayDeque<>();
        private long rows;
        private boolean finished;

        Decoding(Iterator<Row> input, GenerationEngine engine, TaskPlacement where, int window, long partitionStart) {
            this.input = input;
            this.engine = engine;
            this.where = where;
            this.window = window;
            this.partitionStart = partitionStart;
        }

        @Override
        public boolean hasNext() {
            fill();
            if (pending.isEmpty() && !finished) {
                finished = true;
                LOG.info("specdec: task stage {} partition {} attempt {} on executor {}: done, {} rows in {} ms",
                        where.stage(), where.partition(), where.taskAttempt(), where.executorId(), rows,
                        (System.nanoTime() - partitionStart) / 1_000_000);
            }
            return !pending.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Pending p = pending.poll();
            GenerationResult r;
            try {
                r = p.result().join();
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                r = errorRow(p.id(), p.params(), "decoding failed: " + OutputSchema.oneLine(cause));
            }
            statistics.addRow(p.id(), r, where.executorId(), where.gpuAddress(), System.currentTimeMillis());
            rows++;
            // The output's queue_ms runs from partition start; the engine counts from submission.
            double queueMs = (p.submittedNanos() - partitionStart) / 1e6 + r.queueMs();
            return OutputSchema.jobRow(p.id(), r, where, queueMs, withTokenIds);
        }

        private void fill() {
            while (pending.size() < window && input.hasNext()) {
                Row row = input.next();
                String id = row.getAs(InputReader.ID);
                String problem = row.getAs(InputReader.INPUT_ERROR);
                SamplingParams params;
                try {
                    params = sampling.forRow(id, overrides.maxTokens(row.getAs(InputReader.MAX_TOKENS)),
                            overrides.temperature(row.getAs(InputReader.TEMPERATURE)),
                            overrides.seed(row.getAs(InputReader.SEED)));
                } catch (IllegalArgumentException e) {
                    params = sampling.forRow(id, null, null, null);
                    problem = problem != null ? problem : e.getMessage();
                }
                CompletableFuture<GenerationResult> f;
                try {
                    f = problem != null ? CompletableFuture.completedFuture(errorRow(id, params, problem))
                            : engine.submit(request(id, row, params));
                } catch (RuntimeException e) {
                    f = CompletableFuture.completedFuture(errorRow(id, params, OutputSchema.oneLine(e)));
                }
                pending.add(new Pending(id, params, System.nanoTime(), f));
            }
        }

        private GenerationRequest request(String id, Row row, SamplingParams params) {
            if (tokenPrompts) {
                int column = row.fieldIndex(InputReader.TOKEN_IDS);
                if (row.isNullAt(column)) {
                    return GenerationRequest.ofTokens(id, null, params); // the engine names the null prompt
                }
                List<Integer> ids = row.getList(column);
                int[] tokens = new int[ids.size()];
                for (int i = 0; i < tokens.length; i++) {
                    Integer t = ids.get(i);
                    if (t == null) {
                        throw new IllegalArgumentException("prompt_token_ids has a null at position " + i);
                    }
                    tokens[i] = t;
                }
                return GenerationRequest.ofTokens(id, tokens, params);
            }
            String prompt = row.getAs(InputReader.PROMPT);
            return GenerationRequest.ofText(id, template.apply(prompt), params);
        }

        private GenerationResult errorRow(String id, SamplingParams params, String message) {
            return GenerationResult.error(id, message, 0, engine.device(), engine.targetModelName(),
                    engine.draftModelName(), params.temperature(), params.topP(), params.seed());
        }
    }
}
