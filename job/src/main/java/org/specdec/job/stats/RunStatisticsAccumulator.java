package org.specdec.job.stats;

import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.apache.spark.util.AccumulatorV2;
import org.specdec.engine.GenerationResult;

/**
 * Brings each task's {@link RunStatistics} to the driver. The job's rows are produced in the
 * result stage of the output write, where Spark merges a task's accumulator updates only when the
 * task succeeded and only once per partition: a failed or retried attempt, or one whose commit was
 * denied, never counts, so the driver's value describes exactly the rows the output holds from
 * this run. Running tasks also send their statistics so far with every executor heartbeat (the
 * progress line reads them).
 */
public final class RunStatisticsAccumulator extends AccumulatorV2<RunStatistics, RunStatistics> {

    private static final long serialVersionUID = 1L;
    /** The name the driver's listeners find it by. */
    public static final String NAME = "specdec.run_statistics";

    private volatile RunStatistics stats = new RunStatistics();

    /** A new accumulator registered with {@code sc} under {@link #NAME}. */
    public static RunStatisticsAccumulator register(SparkContext sc) {
        RunStatisticsAccumulator a = new RunStatisticsAccumulator();
        sc.register(a, NAME);
        return a;
    }

    /**
     * The current task begins decoding at {@code epochMillis}. Until it ends, a driver in this JVM
     * (local mode) reads its statistics through {@link TasksInThisJvm}.
     */
    public void taskStarted(long epochMillis) {
        RunStatistics s = stats;
        s.taskStarted(epochMillis);
        TaskContext task = TaskContext.get();
        if (task != null) {
            long accumulatorId = id();
            TasksInThisJvm.started(accumulatorId, task.taskAttemptId(), s);
            task.addTaskCompletionListener((TaskCompletionListener) done ->
                    TasksInThisJvm.ended(accumulatorId, done.taskAttemptId()));
        }
    }

    /** One output row of the current task; see {@link RunStatistics#add}. */
    public void addRow(String id, GenerationResult r, String executorId, String gpu, long finishedAt) {
        stats.add(id, r, executorId, gpu, finishedAt);
    }

    /**
     * Null while a task deserializes its copy: Spark registers the accumulator with the task (and
     * the executor's heartbeat thread can ask it) before this class's own fields are read.
     */
    @Override
    public boolean isZero() {
        RunStatistics s = stats;
        return s == null || s.isEmpty();
    }

    @Override
    public AccumulatorV2<RunStatistics, RunStatistics> copy() {
        RunStatisticsAccumulator c = new RunStatisticsAccumulator();
        c.stats = stats.copy();
        return c;
    }

    @Override
    public void reset() {
        stats = new RunStatistics();
    }

    @Override
    public void add(RunStatistics v) {
        stats.merge(v);
    }

    @Override
    public void merge(AccumulatorV2<RunStatistics, RunStatistics> other) {
        stats.merge(other.value());
    }

    @Override
    public RunStatistics value() {
        return stats;
    }
}
