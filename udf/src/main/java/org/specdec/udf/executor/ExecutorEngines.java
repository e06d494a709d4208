package org.specdec.udf.executor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;

/**
 * The engines of this JVM: one per {@link EngineSettings} (model paths, draft, k, device), loaded on
 * first use and then shared by every task thread of the executor, so rows of concurrent tasks are
 * decoded in the same continuous batches. Never per task, never per row.
 */
public final class ExecutorEngines {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEngines.class);
    private static final Map<EngineSettings, GenerationEngine> ENGINES = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ExecutorEngines() {
    }

    /**
     * The shared engine for these settings on this device, loading it on first use. Threads 0
     * becomes the cores Spark gave this JVM ({@link ExecutorCores}).
     */
    public static GenerationEngine engine(EngineSettings settings, String device) {
        return engine(settings.toBuilder().device(device)
                .threads(settings.threads() > 0 ? settings.threads() : ExecutorCores.current()).build());
    }

    /**
     * The shared engine for a task placed at {@code where}: on the GPU Spark assigned to it, or on
     * the CPU under {@code device = cpu} or without a GPU. Logs one line per task with the executor,
     * the assigned GPU and the backend device, so a cluster's pinning can be read from executor logs.
     */
    public static GenerationEngine engine(EngineSettings settings, TaskPlacement where) {
        String device = settings.deviceFor(where.device());
        LOG.info("specdec: task stage {} partition {} attempt {} on executor {}: assigned gpu {}, device {} "
                        + "(device setting {})", where.stage(), where.partition(), where.taskAttempt(),
                where.executorId(), where.gpuAddress() == null ? "none" : where.gpuAddress(), device,
                settings.device());
        try {
            return engine(settings, device);
        } catch (RuntimeException e) {
            if (device.startsWith("cuda")) {
                throw new IllegalStateException("cannot open the model pair on " + device + " (the GPU Spark assigned to "
                        + "this task): " + e.getMessage() + "; to run the CPU backend on GPU executors set "
                        + "model.device=cpu (job) or spark.specdec.device=cpu (spec_generate)", e);
            }
            throw e;
        }
    }

    /** The shared engine for settings whose device and threads are already resolved. */
    public static GenerationEngine engine(EngineSettings spec) {
        GenerationEngine e = ENGINES.get(spec);
        if (e != null) {
            return e;
        }
        // computeIfAbsent holds the bin lock while loading: concurrent tasks wait for one load.
        return ENGINES.computeIfAbsent(spec, s -> {
            long t0 = System.nanoTime();
            GenerationEngine opened = Engines.open(s);
            int n = LOADS.incrementAndGet();
            org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
            LOG.info("specdec: loaded model pair target={} draft={} on {}{} in {} ms (load #{} in this JVM, executor {}, "
                            + "pid {})", opened.targetModelName(), opened.draftModelName(), opened.device(),
                    s.device().equals("cpu") ? " with " + s.threads() + " thread" + (s.threads() == 1 ? "" : "s") : "",
                    (System.nanoTime() - t0) / 1_000_000, n, env == null ? "none" : env.executorId(),
                    ProcessHandle.current().pid());
            return opened;
        });
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
