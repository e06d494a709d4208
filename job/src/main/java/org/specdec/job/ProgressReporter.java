package org.specdec.job;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.specdec.job.stats.RunStatistics;
import org.specdec.job.stats.RunStatisticsAccumulator;
import org.specdec.job.stats.TasksInThisJvm;
import scala.Tuple4;
import scala.collection.Iterator;

/**
 * The driver's live progress line: rows done/total, tokens and tokens/s while decoding, acceptance
 * so far. Finished tasks report their {@link RunStatistics} with their end event (a failed
 * attempt's rows are dropped, its retry counts again); running tasks in this JVM (local mode) are
 * read directly as their rows finish, running tasks elsewhere report with every executor heartbeat.
 *
 * <p>The rate is generated tokens of the finished rows over the time since the first task began
 * decoding (up to the last finished row once all are done), so it leaves out Spark's start-up,
 * input and output work; the summary's throughput divides by the job's whole wall time.
 */
final class ProgressReporter extends SparkListener implements AutoCloseable {

    private final long accumulatorId;
    private final long totalRows;
    private final long startNanos = System.nanoTime();
    private final Map<Long, RunStatistics> running = new ConcurrentHashMap<>();
    private final Set<Long> ended = ConcurrentHashMap.newKeySet();
    private final RunStatistics finished = new RunStatistics();
    private final ScheduledExecutorService timer;

    ProgressReporter(RunStatisticsAccumulator statistics, long totalRows, int intervalSeconds, PrintStream out) {
        this.accumulatorId = statistics.id();
        this.totalRows = totalRows;
        if (intervalSeconds > 0) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "specdec-progress");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(() -> out.println(line()), intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
        } else {
            timer = null;
        }
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        Iterator<Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>>> it =
                update.accumUpdates().iterator();
        while (it.hasNext()) {
            Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> t = it.next();
            Long taskId = (Long) t._1();
            RunStatistics s = statistics(t._4());
            // A heartbeat sent just before its task ended may be delivered after the end event.
            if (s != null && !ended.contains(taskId)) {
                running.put(taskId, s);
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        long taskId = end.taskInfo().taskId();
        ended.add(taskId);
        running.remove(taskId);
        if (end.reason() == Success$.MODULE$) {
            RunStatistics s = statistics(end.taskInfo().accumulables());
            if (s != null) {
                finished.merge(s);
            }
        }
    }

    /** This job's statistics among a task's accumulator updates, or null. */
    private RunStatistics statistics(scala.collection.immutable.Seq<AccumulableInfo> infos) {
        Iterator<AccumulableInfo> it = infos.iterator();
        while (it.hasNext()) {
            AccumulableInfo a = it.next();
            if (a.id() == accumulatorId && a.update().isDefined() && a.update().get() instanceof RunStatistics s) {
                return s;
            }
        }
        return null;
    }

    /** Finished tasks' statistics plus the latest of each running task's. */
    RunStatistics sofar() {
        Map<Long, RunStatistics> live = new HashMap<>(running);
        for (Map.Entry<Long, RunStatistics> e : TasksInThisJvm.running(accumulatorId)) {
            if (!ended.contains(e.getKey())) {
                live.put(e.getKey(), e.getValue());
            }
        }
        RunStatistics all = finished.copy();
        live.values().forEach(all::merge);
        return all;
    }

    String line() {
        RunStatistics s = sofar();
        long rows = Math.min(s.rows(), totalRows);
        long tokens = s.generatedTokens();
        long draft = s.draftTokens();
        String acceptance = draft == 0 ? "-" : String.format(Locale.ROOT, "%.3f", s.acceptedTokens() / (double) draft);
        String decoding;
        if (s.decodeStartMillis() == 0) {
            decoding = "waiting for the first task";
        } else {
            long until = rows >= totalRows && s.lastFinishedMillis() != 0 ? s.lastFinishedMillis()
                    : System.currentTimeMillis();
            double seconds = Math.max(0, until - s.decodeStartMillis()) / 1000.0;
            decoding = rows == 0 ? String.format(Locale.ROOT, "decoding for %.1f s, no row finished yet", seconds)
                    : String.format(Locale.ROOT, "%d tokens in %.1f s decoding: %.1f tok/s", tokens, seconds,
                            seconds > 0 ? tokens / seconds : 0.0);
        }
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        return String.format(Locale.ROOT, "specdec: %d/%d rows (%.0f%%) | %s | acceptance %s | errors %d | %d s",
                rows, totalRows, totalRows == 0 ? 100.0 : 100.0 * rows / totalRows, decoding, acceptance,
                s.errorRows(), Math.round(elapsed));
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
