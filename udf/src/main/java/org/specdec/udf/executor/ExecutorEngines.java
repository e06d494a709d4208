package org.specdec.udf.executor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.specdec.backend.cpu.CpuBackend;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;

/**
 * The engines of this JVM: one per {@link EngineSettings} (model paths, draft, k, device, threads,
 * tensor-parallel degree), loaded on first use and then shared by every task thread of the
 * executor, so rows of concurrent tasks are decoded in the same continuous batches. Never per
 * task, never per row. A task that holds several gpu addresses gets its target split over them
 * (one tensor-parallel group); with {@code spark.task.resource.gpu.amount} equal to the
 * executor's amount that task is the executor's only one, and it keeps the group's batch full
 * with its own window of rows.
 */
public final class ExecutorEngines {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEngines.class);
    private static final Map<EngineSettings, GenerationEngine> ENGINES = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ExecutorEngines() {
    }

    /**
     * The shared engine for a task placed at {@code where}, as {@link #engine(EngineSettings, TaskPlacement)},
     * after one log line for the task with the executor, the gpu addresses Spark assigned and the
     * backend device, so a cluster's pinning can be read from executor logs.
     */
    public static GenerationEngine engineForTask(EngineSettings settings, TaskPlacement where) {
        LOG.info("specdec: task stage {} partition {} attempt {} on executor {}: assigned gpu {}, device {} "
                        + "(device setting {})", where.stage(), where.partition(), where.taskAttempt(),
                where.executorId(), where.gpuAddress() == null ? "none" : where.gpuAddress(),
                settings.deviceFor(where.device()), settings.device());
        return engine(settings, where);
    }

    /**
     * The shared engine for a task placed at {@code where}, loading it on first use: on the GPU
     * Spark assigned to it, or on the CPU under {@code device = cpu} or without a GPU; a task with
     * several gpu addresses gets one tensor-parallel group over them. Threads 0 becomes the cores
     * Spark gave this JVM ({@link ExecutorCores}).
     */
    public static GenerationEngine engine(EngineSettings settings, TaskPlacement where) {
        EngineSettings resolved = resolve(settings, where);
        try {
            return shared(resolved, where);
        } catch (RuntimeException e) {
            if (resolved.device().startsWith("cuda")) {
                throw new IllegalStateException("cannot open the model pair on " + resolved.device() + " (the GPU "
                        + "Spark assigned to this task): " + e.getMessage() + "; to run the CPU backend on GPU "
                        + "executors set model.device=cpu (job) or spark.specdec.device=cpu (spec_generate)", e);
            }
            throw e;
        }
    }

    /** The settings with the device, threads and tensor-parallel degree this task's engine runs with. */
    static EngineSettings resolve(EngineSettings settings, TaskPlacement where) {
        return settings.toBuilder().device(settings.deviceFor(where.device()))
                .threads(settings.threads() > 0 ? settings.threads() : ExecutorCores.current())
                .tensorParallel(settings.tensorParallelFor(where.gpus().size())).build();
    }

    /** The shared engine for resolved settings, loaded by the first task that asks. */
    private static GenerationEngine shared(EngineSettings spec, TaskPlacement where) {
        GenerationEngine e = ENGINES.get(spec);
        if (e != null) {
            return e;
        }
        // computeIfAbsent holds the bin lock while loading: concurrent tasks wait for one load.
        return ENGINES.computeIfAbsent(spec, s -> {
            long t0 = System.nanoTime();
            org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
            String executor = env == null ? "none" : env.executorId();
            if (s.tensorParallel() > 1) {
                LOG.info("specdec: {} on executor {}", group(s, where), executor);
            }
            GenerationEngine opened = Engines.open(s);
            int n = LOADS.incrementAndGet();
            LOG.info("specdec: loaded model pair target={} draft={} on {}{} in {} ms (load #{} in this JVM, executor {}, "
                            + "pid {}){}", opened.targetModelName(), opened.draftModelName(), opened.device(),
                    s.device().equals("cpu") ? " with " + s.threads() + " thread" + (s.threads() == 1 ? "" : "s") : "",
                    (System.nanoTime() - t0) / 1_000_000, n, executor, ProcessHandle.current().pid(),
                    opened.device().startsWith("cpu") ? "; " + CpuBackend.weightReading(s.cpuWeightLayout()) : "");
            return opened;
        });
    }

    /** "tensor-parallel group of 2 over gpu addresses 0,1 (backend cpu)". */
    static String group(EngineSettings resolved, TaskPlacement where) {
        return "tensor-parallel group of " + resolved.tensorParallel() + (where.gpus().size() > 1
                ? " over gpu addresses " + where.gpuAddress() : " shards without gpu addresses")
                + " (backend " + resolved.device() + ")";
    }

    /** How many engines this JVM has loaded (tests assert one load per executor). */
    public static int loadCount() {
        return LOADS.get();
    }

    /** Closes and forgets every engine (tests, and the driver at shutdown in local mode). */
    public static synchronized void closeAll() {
        for (GenerationEngine e : ENGINES.values()) {
            try {
                e.close();
            } catch (RuntimeException ex) {
                LOG.warn("specdec: closing engine failed: {}", ex.toString());
            }
        }
        ENGINES.clear();
    }
}
