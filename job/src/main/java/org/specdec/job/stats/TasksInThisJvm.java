package org.specdec.job.stats;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The statistics of the tasks running in this JVM, by accumulator id and task attempt. In local
 * mode the driver runs the tasks itself, so its progress line reads them here as rows finish,
 * instead of waiting for the executor's next heartbeat (Spark's default interval is 10 s; a shorter
 * one lets the local executor's first heartbeat reach the driver before its block manager is
 * registered, which Spark logs as a NullPointerException). On a cluster executor the entries are
 * never read; each is removed when its task ends.
 */
public final class TasksInThisJvm {

    private static final Map<Long, Map<Long, RunStatistics>> RUNNING = new ConcurrentHashMap<>();

    private TasksInThisJvm() {
    }

    static void started(long accumulatorId, long taskAttemptId, RunStatistics stats) {
        RUNNING.computeIfAbsent(accumulatorId, id -> new ConcurrentHashMap<>()).put(taskAttemptId, stats);
    }

    static void ended(long accumulatorId, long taskAttemptId) {
        RUNNING.computeIfPresent(accumulatorId, (id, tasks) -> {
            tasks.remove(taskAttemptId);
            return tasks.isEmpty() ? null : tasks;
        });
    }

    /** Task attempt id and statistics so far of each running task that adds to this accumulator. */
    public static List<Map.Entry<Long, RunStatistics>> running(long accumulatorId) {
        Map<Long, RunStatistics> tasks = RUNNING.get(accumulatorId);
        return tasks == null ? List.of() : List.copyOf(tasks.entrySet());
    }
}
