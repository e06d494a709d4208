package org.specdec.job.stats;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where a run's rows were decoded: per executor, the GPU Spark assigned to the task (none in local
 * mode or without a gpu resource) and the backend that ran (cpu, cuda:N), with rows and generated
 * tokens. A device is an assigned GPU of an executor, or an executor's CPU for tasks without a
 * GPU: {@link #devices()} counts those, so two executors pinned to gpu 0 and gpu 1 are two devices
 * whether the backend is cuda or cpu.
 */
public final class DeviceAssignments implements Serializable {

    private static final long serialVersionUID = 1L;

    /** One (executor, assigned gpu, backend) and what it decoded. */
    public record Assignment(String executorId, String gpu, String backend, long rows, long generatedTokens)
            implements Serializable {
    }

    /** Key "executor\0gpu\0backend" (gpu empty when none) to {rows, tokens}. */
    private final TreeMap<String, long[]> byKey = new TreeMap<>();

    void add(String executorId, String gpu, String backend, long rows, long tokens) {
        long[] v = byKey.computeIfAbsent(key(executorId, gpu, backend), k -> new long[2]);
        v[0] += rows;
        v[1] += tokens;
    }

    void merge(DeviceAssignments o) {
        o.byKey.forEach((k, v) -> {
            long[] mine = byKey.computeIfAbsent(k, x -> new long[2]);
            mine[0] += v[0];
            mine[1] += v[1];
        });
    }

    private static String key(String executorId, String gpu, String backend) {
        return String.valueOf(executorId) + '\0' + (gpu == null ? "" : gpu) + '\0' + String.valueOf(backend);
    }

    /** Every assignment, by executor id (numeric ids in numeric order), then gpu, then backend. */
    public List<Assignment> assignments() {
        List<Assignment> out = new ArrayList<>();
        byKey.forEach((k, v) -> {
            String[] p = k.split("\0", -1);
            out.add(new Assignment(p[0], p[1].isEmpty() ? null : p[1], p[2], v[0], v[1]));
        });
        out.sort(Comparator.comparing((Assignment a) -> a.executorId(), DeviceAssignments::compareIds)
                .thenComparing(a -> a.gpu() == null ? "" : a.gpu(), DeviceAssignments::compareIds)
                .thenComparing(Assignment::backend));
        return out;
    }

    /** Executors that decoded rows. */
    public long executors() {
        return assignments().stream().map(Assignment::executorId).distinct().count();
    }

    /** Assigned GPUs (per executor), plus the CPU of each executor that decoded rows without one. */
    public long devices() {
        return assignments().stream().map(a -> a.executorId() + '\0' + (a.gpu() == null ? "cpu" : "gpu " + a.gpu()))
                .distinct().count();
    }

    /** The backends that decoded rows (cpu, cuda:0, ...), sorted. */
    public List<String> backends() {
        return List.copyOf(new TreeSet<>(assignments().stream().map(Assignment::backend).toList()));
    }

    /** Generated tokens per executor, by executor id. */
    public Map<String, Long> tokensByExecutor() {
        Map<String, Long> m = new TreeMap<>(DeviceAssignments::compareIds);
        for (Assignment a : assignments()) {
            m.merge(a.executorId(), a.generatedTokens(), Long::sum);
        }
        return m;
    }

    /** Numbers in numeric order, before other names ("2" before "10" before "driver"). */
    static int compareIds(String a, String b) {
        boolean na = a.matches("\\d{1,18}");
        boolean nb = b.matches("\\d{1,18}");
        if (na && nb) {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        }
        if (na != nb) {
            return na ? -1 : 1;
        }
        return a.compareTo(b);
    }
}
