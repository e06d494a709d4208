package org.specdec.job.stats;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import org.specdec.engine.GenerationResult;

/**
 * Everything the summary and the report say about a run, gathered row by row by the tasks that
 * wrote the rows and merged on the driver (see {@link RunStatisticsAccumulator}), so nothing reads
 * the output back. {@link #add} is the one definition of what a row contributes: counts and token
 * sums, latency and time-to-first-token distributions of the rows without error (error rows were
 * never timed), acceptance, where it was decoded, its error, and when it finished.
 *
 * <p>Thread-safe: a task adds rows while the executor's heartbeat thread serializes the running
 * task's statistics for the driver's progress line.
 */
public final class RunStatistics implements Serializable {

    private static final long serialVersionUID = 1L;

    private long rows;
    private long promptTokens;
    private long generatedTokens;
    private long specSteps;
    private long draftTokens;
    private long acceptedTokens;
    private double targetMs;
    private double draftMs;
    private long decodeStartMillis;
    private long lastFinishedMillis;
    private final QuantileSketch latencyMs = new QuantileSketch();
    private final QuantileSketch ttftMs = new QuantileSketch();
    private final AcceptanceCounts acceptance = new AcceptanceCounts();
    private final DeviceAssignments devices = new DeviceAssignments();
    private final ErrorRows errors = new ErrorRows();
    private final CompletionTimeline timeline = new CompletionTimeline();

    /**
     * One output row.
     *
     * @param id          the row's id as written
     * @param r           what the engine (or the partition runner, for an error row) returned
     * @param executorId  executor that wrote the row
     * @param gpu         address of the GPU Spark assigned to the task, or null
     * @param finishedAt  when the row was done, epoch milliseconds
     */
    public synchronized void add(String id, GenerationResult r, String executorId, String gpu, long finishedAt) {
        rows++;
        promptTokens += r.promptTokens();
        generatedTokens += r.generatedTokens();
        specSteps += r.specSteps();
        draftTokens += r.draftTokens();
        acceptedTokens += r.acceptedTokens();
        targetMs += r.targetMs();
        draftMs += r.draftMs();
        if (r.isError()) {
            errors.add(id, r.error());
        } else {
            latencyMs.add(r.latencyMs());
            ttftMs.add(r.ttftMs());
        }
        acceptance.add(r.acceptanceRate(), r.acceptanceByPosition(), r.draftTokens(), r.specSteps());
        devices.add(executorId, gpu, r.device(), 1, r.generatedTokens());
        timeline.add(finishedAt, r.generatedTokens(), r.specSteps(), r.targetMs());
        lastFinishedMillis = Math.max(lastFinishedMillis, finishedAt);
    }

    /** A task that decodes these rows began, at {@code epochMillis}; the earliest one counts. */
    public synchronized void taskStarted(long epochMillis) {
        decodeStartMillis = decodeStartMillis == 0 ? epochMillis : Math.min(decodeStartMillis, epochMillis);
    }

    /** Adds another task's (or run's) statistics to these. */
    public synchronized void merge(RunStatistics o) {
        if (o == this) {
            throw new IllegalArgumentException("cannot merge statistics into themselves");
        }
        synchronized (o) {
            rows += o.rows;
            promptTokens += o.promptTokens;
            generatedTokens += o.generatedTokens;
            specSteps += o.specSteps;
            draftTokens += o.draftTokens;
            acceptedTokens += o.acceptedTokens;
            targetMs += o.targetMs;
            draftMs += o.draftMs;
            latencyMs.merge(o.latencyMs);
            ttftMs.merge(o.ttftMs);
            acceptance.merge(o.acceptance);
            devices.merge(o.devices);
            errors.merge(o.errors);
            timeline.merge(o.timeline);
            if (o.decodeStartMillis != 0) {
                taskStarted(o.decodeStartMillis);
            }
            lastFinishedMillis = Math.max(lastFinishedMillis, o.lastFinishedMillis);
        }
    }

    /** A copy that shares nothing with these statistics. */
    public RunStatistics copy() {
        RunStatistics c = new RunStatistics();
        c.merge(this);
        return c;
    }

    public synchronized boolean isEmpty() {
        return rows == 0;
    }

    public synchronized long rows() {
        return rows;
    }

    public synchronized long errorRows() {
        return errors.count();
    }

    public synchronized long promptTokens() {
        return promptTokens;
    }

    public synchronized long generatedTokens() {
        return generatedTokens;
    }

    public synchronized long specSteps() {
        return specSteps;
    }

    public synchronized long draftTokens() {
        return draftTokens;
    }

    public synchronized long acceptedTokens() {
        return acceptedTokens;
    }

    /** Sum of the rows' target_ms: a target pass counts once for every row in it. */
    public synchronized double targetMs() {
        return targetMs;
    }

    /** Sum of the rows' draft_ms. */
    public synchronized double draftMs() {
        return draftMs;
    }

    /** When the first task of these rows began decoding, epoch milliseconds; 0 before any did. */
    public synchronized long decodeStartMillis() {
        return decodeStartMillis;
    }

    /** When the last of these rows finished, epoch milliseconds; 0 before any did. */
    public synchronized long lastFinishedMillis() {
        return lastFinishedMillis;
    }

    /**
     * Seconds from the first task's start to the last row's finish: the time spent decoding, without
     * the job's start-up, input and output work around it. 0 before any row finished.
     */
    public synchronized double decodeSeconds() {
        return decodeStartMillis == 0 || lastFinishedMillis == 0 ? 0
                : Math.max(0, lastFinishedMillis - decodeStartMillis) / 1000.0;
    }

    /** latency_ms of the rows without error. */
    public QuantileSketch latencyMs() {
        return latencyMs;
    }

    /** ttft_ms of the rows without error. */
    public QuantileSketch ttftMs() {
        return ttftMs;
    }

    public AcceptanceCounts acceptance() {
        return acceptance;
    }

    public DeviceAssignments devices() {
        return devices;
    }

    public ErrorRows errors() {
        return errors;
    }

    public CompletionTimeline timeline() {
        return timeline;
    }

    private synchronized void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
    }

    /** Short: Spark's UI and event log print accumulator values with toString. */
    @Override
    public synchronized String toString() {
        return "rows=" + rows + " errors=" + errors.count() + " generated_tokens=" + generatedTokens;
    }
}
