package org.specdec.job;

import java.io.PrintStream;
import java.util.Map;
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
import scala.Tuple4;
import scala.collection.Iterator;

/**
 * The driver's live progress line: rows done/total, tokens/s and acceptance so far. Running tasks
 * report their {@link RunStatistics} so far with every executor heartbeat; finished tasks with
 * their end event (a failed attempt's rows are dropped, its retry counts again).
 */
final class ProgressReporter extends SparkListener implements AutoCloseable {

    private final long totalRows;
    private final long startNanos = System.nanoTime();
    private final Map<Long, RunStatistics> running = new ConcurrentHashMap<>();
    private final RunStatistics finished = new RunStatistics();
    private final ScheduledExecutorService timer;

    ProgressReporter(long totalRows, int intervalSeconds, PrintStream out) {
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
            RunStatistics s = statistics(t._4());
            if (s != null) {
                running.put((Long) t._1(), s);
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        running.remove(end.taskInfo().taskId());
        if (end.reason() == Success$.MODULE$) {
            RunStatistics s = statistics(end.taskInfo().accumulables());
            if (s != null) {
                finished.merge(s);
            }
        }
    }

    /** This job's statistics among a task's accumulator updates, or null. */
    private static RunStatistics statistics(scala.collection.immutable.Seq<AccumulableInfo> infos) {
        Iterator<AccumulableInfo> it = infos.iterator();
        while (it.hasNext()) {
            AccumulableInfo a = it.next();
            if (a.name().isDefined() && a.name().get().equals(RunStatisticsAccumulator.NAME) && a.update().isDefined()
                    && a.update().get() instanceof RunStatistics s) {
                return s;
            }
        }
        return null;
    }

    String line() {
        long rows = finished.rows();
        long errors = finished.errorRows();
        long tokens = finished.generatedTokens();
        long draft = finished.draftTokens();
        long accepted = finished.acceptedTokens();
        for (RunStatistics s : running.values()) {
            rows += s.rows();
            errors += s.errorRows();
            tokens += s.generatedTokens();
            draft += s.draftTokens();
            accepted += s.acceptedTokens();
        }
        rows = Math.min(rows, totalRows);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        String acceptance = draft == 0 ? "-" : String.format("%.3f", accepted / (double) draft);
        return String.format("specdec: %d/%d rows (%.0f%%) | %.1f tok/s | acceptance %s | errors %d | %ds",
                rows, totalRows, totalRows == 0 ? 100.0 : 100.0 * rows / totalRows,
                tokens / Math.max(seconds, 1e-9), acceptance, errors, Math.round(seconds));
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
