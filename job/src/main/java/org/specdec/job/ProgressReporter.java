package org.specdec.job;

import java.io.PrintStream;
import java.util.HashMap;
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
import scala.Tuple4;
import scala.collection.Iterator;

/**
 * The driver's live progress line: rows done/total, tokens/s and acceptance so far. Running tasks
 * report their {@link ProgressCounters} with every executor heartbeat; finished tasks with their
 * end event (a failed attempt's counts are dropped, its retry counts again).
 */
final class ProgressReporter extends SparkListener implements AutoCloseable {

    private final long totalRows;
    private final long startNanos = System.nanoTime();
    private final PrintStream out;
    private final Map<Long, Map<String, Long>> running = new ConcurrentHashMap<>();
    private final Map<String, Long> finished = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    ProgressReporter(long totalRows, int intervalSeconds, PrintStream out) {
        this.totalRows = totalRows;
        this.out = out;
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
            Map<String, Long> values = counters(t._4());
            if (!values.isEmpty()) {
                running.put((Long) t._1(), values);
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        long taskId = end.taskInfo().taskId();
        running.remove(taskId);
        if (end.reason() == Success$.MODULE$) {
            counters(end.taskInfo().accumulables()).forEach((k, v) -> finished.merge(k, v, Long::sum));
        }
    }

    private static Map<String, Long> counters(scala.collection.immutable.Seq<AccumulableInfo> infos) {
        Map<String, Long> m = new HashMap<>();
        Iterator<AccumulableInfo> it = infos.iterator();
        while (it.hasNext()) {
            AccumulableInfo a = it.next();
            if (a.name().isDefined() && a.name().get().startsWith(ProgressCounters.PREFIX) && a.update().isDefined()
                    && a.update().get() instanceof Number n) {
                m.put(a.name().get().substring(ProgressCounters.PREFIX.length()), n.longValue());
            }
        }
        return m;
    }

    private long value(String name) {
        long v = finished.getOrDefault(name, 0L);
        for (Map<String, Long> m : running.values()) {
            v += m.getOrDefault(name, 0L);
        }
        return v;
    }

    String line() {
        long rows = Math.min(value("rows"), totalRows);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long draft = value("draft_tokens");
        String acceptance = draft == 0 ? "-" : String.format("%.3f", value("accepted_tokens") / (double) draft);
        return String.format("specdec: %d/%d rows (%.0f%%) | %.1f tok/s | acceptance %s | errors %d | %ds",
                rows, totalRows, totalRows == 0 ? 100.0 : 100.0 * rows / totalRows,
                value("generated_tokens") / Math.max(seconds, 1e-9), acceptance, value("errors"), Math.round(seconds));
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
