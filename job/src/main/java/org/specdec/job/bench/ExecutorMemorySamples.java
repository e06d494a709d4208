package org.specdec.job.bench;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import scala.collection.Iterator;

/**
 * Executor memory over a run, from the metrics every executor (and the driver, which is the
 * executor in local mode) sends with its heartbeats: heap in use, resident set size of the
 * executor's process tree (needs spark.executor.processTreeMetrics.enabled) and major GCs so far.
 */
final class ExecutorMemorySamples extends SparkListener {

    /** One heartbeat's peaks: heap and RSS in bytes (RSS 0 when process tree metrics are off). */
    record Sample(long epochMillis, String executorId, long heapBytes, long rssBytes, long majorGcCount) {
    }

    private final List<Sample> samples = new ArrayList<>();

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        long heap = 0;
        long rss = 0;
        long majorGcs = 0;
        boolean any = false;
        Iterator<ExecutorMetrics> it = update.executorUpdates().valuesIterator();
        while (it.hasNext()) {
            ExecutorMetrics m = it.next();
            heap = Math.max(heap, m.getMetricValue("JVMHeapMemory"));
            rss = Math.max(rss, m.getMetricValue("ProcessTreeJVMRSSMemory"));
            majorGcs = Math.max(majorGcs, m.getMetricValue("MajorGCCount"));
            any = true;
        }
        if (any) {
            synchronized (samples) {
                samples.add(new Sample(System.currentTimeMillis(), update.execId(), heap, rss, majorGcs));
            }
        }
    }

    /** The executors' samples; the driver's only in local mode, where it is the executor. */
    List<Sample> samples() {
        synchronized (samples) {
            boolean cluster = samples.stream().anyMatch(s -> !s.executorId().equals("driver"));
            return samples.stream().filter(s -> !cluster || !s.executorId().equals("driver")).toList();
        }
    }
}
