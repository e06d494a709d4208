package org.specdec.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.specdec.backend.Backend;
import org.specdec.backend.ModelRunner;
import org.specdec.backend.tp.HostAllReduce;
import org.specdec.backend.tp.ShardRunner;
import org.specdec.backend.tp.TensorParallelRunner;
import org.specdec.model.LlamaWeights;
import org.specdec.model.ShardLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU backend: Vector API kernels on the runtime's own worker pool. With tensor parallelism
 * N, a target is split into N shards, each with its own workers (the backend's threads divided
 * among them), summing their partial outputs in host memory; the draft stays whole on the main
 * pool.
 */
public final class CpuBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(CpuBackend.class);
    private final WorkerPool pool;
    private final int maxPositions;
    private final int tensorParallel;
    /** How models hold their matrices: as mapped, tiled or quantised at load; auto decided per model. */
    private final CpuWeights weights;
    private final List<WorkerPool> shardPools = new ArrayList<>();
    /** One thread per shard, driving a sharded model's passes. */
    private WorkerPool shardDrivers;

    /**
     * @param threads      worker threads, 0 = all available processors
     * @param maxPositions longest row (prompt + generation + draft block) any runner must hold
     */
    public CpuBackend(int threads, int maxPositions) {
        this(threads, maxPositions, 1);
    }

    /** @param tensorParallel shards of each target ({@link #loadTarget}); 1 = whole */
    public CpuBackend(int threads, int maxPositions, int tensorParallel) {
        this(threads, maxPositions, tensorParallel, CpuWeights.AUTO);
    }

    /** @param weights how every model holds its matrices ({@code model.cpu_weights}) */
    public CpuBackend(int threads, int maxPositions, int tensorParallel, CpuWeights weights) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        if (tensorParallel < 1) {
            throw new IllegalArgumentException("tensor parallel degree must be >= 1, not " + tensorParallel);
        }
        this.pool = new WorkerPool(n, "specdec-cpu");
        this.maxPositions = maxPositions;
        this.tensorParallel = tensorParallel;
        this.weights = weights;
        warnWithoutTrapLimit();
    }

    /** The {@code -XX:PerMethodTrapLimit} conf/java-options sets; below it C2 may leave the kernels' vectors boxed. */
    static final int TRAP_LIMIT = 100_000;
    private static final java.util.concurrent.atomic.AtomicBoolean TRAP_LIMIT_CHECKED =
            new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Warns once per JVM started without conf/java-options' trap limit: the CPU kernels then run at
     * their speed only while C2 compiles them before the Vector API's shared methods have recorded
     * 100 class-check traps, and 5-10x slower after.
     */
    private static void warnWithoutTrapLimit() {
        if (TRAP_LIMIT_CHECKED.getAndSet(true)) {
            return;
        }
        long limit = 100;
        for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:PerMethodTrapLimit=")) {
                try {
                    limit = Long.parseLong(arg.substring(arg.indexOf('=') + 1));
                } catch (NumberFormatException e) {
                    limit = 100;
                }
            }
        }
        if (limit < TRAP_LIMIT) {
            LOG.warn("specdec: this JVM runs with -XX:PerMethodTrapLimit={}: add -XX:PerMethodTrapLimit={} to its "
                    + "options (conf/java-options, spark.executor.extraJavaOptions), or the CPU backend's kernels "
                    + "may run 5-10x slower once compiled late", limit, TRAP_LIMIT);
        }
    }

    @Override
    public String device() {
        return "cpu";
    }

    @Override
    public ModelRunner load(LlamaWeights weights) {
        long t0 = System.nanoTime();
        CpuWeights layout = this.weights.resolve(weights.matrixBytes());
        CpuModelRunner runner = new CpuModelRunner(weights, ShardLayout.whole(weights.config()), null, pool,
                maxPositions, layout);
        logCopies(layout, runner.copiedBytes(), weights, t0);
        return runner;
    }

    /** The model split over this backend's tensor-parallel degree (whole when it is 1). */
    @Override
    public synchronized ModelRunner loadTarget(LlamaWeights weights) {
        if (tensorParallel == 1) {
            return load(weights);
        }
        ShardLayout.check(weights.config(), tensorParallel);
        if (shardPools.isEmpty()) {
            int each = Math.max(1, pool.threads() / tensorParallel);
            for (int r = 0; r < tensorParallel; r++) {
                shardPools.add(new WorkerPool(each, "specdec-cpu-shard" + r));
            }
            shardDrivers = new WorkerPool(tensorParallel, "specdec-tp");
        }
        HostAllReduce allReduce = new HostAllReduce(tensorParallel);
        List<ShardRunner> shards = new ArrayList<>(tensorParallel);
        long t0 = System.nanoTime();
        long copied = 0;
        CpuWeights layout = this.weights.resolve(weights.matrixBytes());
        for (int r = 0; r < tensorParallel; r++) {
            CpuModelRunner shard = new CpuModelRunner(weights, ShardLayout.of(weights.config(), tensorParallel, r),
                    allReduce, shardPools.get(r), maxPositions, layout);
            copied += shard.copiedBytes();
            shards.add(shard);
        }
        logCopies(layout, copied, weights, t0);
        return new TensorParallelRunner(shards, allReduce, shardDrivers);
    }

    /** Quantising changes outputs, so it is logged where users see it; tiles are the default, logged for debugging. */
    private static void logCopies(CpuWeights layout, long bytes, LlamaWeights weights, long t0) {
        if (layout == CpuWeights.STORED) {
            return;
        }
        String message = String.format(Locale.ROOT, "specdec: %s the matrices of a %d-layer model (model.cpu_weights %s): "
                        + "%.1f MiB on the heap (stored: %.1f MiB), in %d ms",
                layout == CpuWeights.Q8_0 ? "quantised to 8 bits" : "copied into tiles", weights.config().numLayers(),
                layout.setting(), bytes / 1048576.0, weights.matrixBytes() / 1048576.0, (System.nanoTime() - t0) / 1_000_000);
        if (layout == CpuWeights.Q8_0) {
            LOG.info(message);
        } else {
            LOG.debug(message);
        }
    }

    public int tensorParallel() {
        return tensorParallel;
    }

    public int threads() {
        return pool.threads();
    }

    /** How the matrices are read with {@code layout} on this JVM, for logs. */
    public static String weightReading(CpuWeights layout) {
        return switch (layout) {
            case TILED -> "matrices copied into tiles at load (model.cpu_weights tiled)";
            case Q8_0 -> "matrices quantised to 8 bits at load (model.cpu_weights q8_0)";
            case STORED -> "matrices read where mapped: " + MappedDecode.describe(CpuMatmul.MAPPED);
            case AUTO -> "matrices copied into tiles at load up to " + (CpuWeights.AUTO_TILED_MAX_BYTES >> 30)
                    + " GiB and a quarter of the heap, else read where mapped: " + MappedDecode.describe(CpuMatmul.MAPPED);
        };
    }

    WorkerPool pool() {
        return pool;
    }

    @Override
    public synchronized void close() {
        pool.close();
        shardPools.forEach(WorkerPool::close);
        if (shardDrivers != null) {
            shardDrivers.close();
        }
    }
}
