package org.specdec.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.specdec.backend.AcceptanceRows;
import org.specdec.backend.Backend;
import org.specdec.backend.Backends;
import org.specdec.backend.DeviceAcceptance;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.backend.cpu.CpuBackend;
import org.specdec.backend.cpu.CpuWeights;
import org.specdec.backend.cpu.CpuBandwidth;
import org.specdec.backend.cpu.CpuModelRunner;
import org.specdec.backend.cpu.CpuPeak;
import org.specdec.backend.cpu.PassStages;
import org.specdec.backend.cpu.WorkerPool;
import org.specdec.backend.cuda.CudaBackend;
import org.specdec.backend.cuda.CudaTensorParallelBackend;
import org.specdec.backend.cuda.CudaTensorParallelRunner;
import org.specdec.backend.tp.HostAllReduce;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.engine.EngineSettings;
import org.specdec.kv.KvCache;
import org.specdec.model.LlamaWeights;
import org.specdec.sampling.SamplingParams;
import org.specdec.util.AllocationCounter;
import org.specdec.util.Args;
import org.specdec.util.JitActivity;

/**
 * The cost of one target forward pass, the unit every speedup is made of: median time of a
 * pass of {@code positions} new tokens per row at a given batch and context, the weight bytes it
 * streams as a share of the device's measured bandwidth (a GPU's copy rate, the CPU threads' read
 * rate), and on a GPU the launches per pass,
 * a per-kernel time table and device memory before and after many steps.
 *
 * <p>Passes run as the engine runs them: on a device with {@link DeviceAcceptance} the pass ends
 * in greedy device acceptance (no logits copy), elsewhere in a plain forward.
 */
public final class PassProfile {
    /** Timed passes per measurement (after 3 untimed ones); the median is reported. */
    static final int REPEATS = 15;
    static final long WARM_UP_NS = 4_000_000_000L;
    static final long WARM_UP_WINDOW_NS = 500_000_000L;
    static final long WARM_UP_MAX_NS = 30_000_000_000L;

    public record Options(Path target, String device, int[] batches, int[] positions, int shortContext,
                          int longContext, int threads, int memorySteps, int tensorParallel, String cpuWeights) {
        public static final Set<String> VALUE_FLAGS = Set.of("--target", "--device", "--batch", "--positions",
                "--context", "--long-context", "--threads", "--memory-steps", "--tensor-parallel", "--cpu-weights");

        public static final String USAGE = """
                  --target DIR [--device cpu|cuda:N] [--batch 1,4,16,32] [--positions 1,5] [--context 64]
                  [--long-context 2048] [--threads 0] [--memory-steps 100] [--tensor-parallel 1]
                  [--cpu-weights auto|stored|tiled|q8_0]
                  Median pass times at each batch x positions (context --context), at batch 1 also at
                  --long-context (0 skips it); on the CPU after each row where the calling thread's time
                  goes, stage by stage; on a GPU the copy bandwidth, launches per pass, a per-kernel
                  table and free device memory before and after --memory-steps verification steps. With
                  --tensor-parallel N the target is split over N shards (on cuda:N all on that GPU, on
                  cuda:N,M,... one per GPU), and the all-reduce is also timed alone at each batch's
                  decode size. --cpu-weights (model.cpu_weights, CPU only): auto (the default) tiles a
                  model up to 2 GiB of matrices at load, stored reads them where they are mapped,
                  q8_0 quantises them to 8 bits at load (the weight bytes per pass are then the 8-bit
                  copies').
                """;

        public static Options parse(Args a) {
            return new Options(a.requirePath("--target"), a.get("--device", "cpu"),
                    Args.intList(a.get("--batch", "1,4,16,32")), Args.intList(a.get("--positions", "1,5")),
                    a.getInt("--context", 64), a.getInt("--long-context", 2048), a.getInt("--threads", 0),
                    a.getInt("--memory-steps", 100), Math.max(1, a.getInt("--tensor-parallel", 1)),
                    EngineSettings.parseCpuWeights(a.get("--cpu-weights", EngineSettings.AUTO_WEIGHTS)));
        }
    }

    private final Options o;
    private final PrintStream log;

    public PassProfile(Options options, PrintStream log) {
        this.o = options;
        this.log = log;
    }

    /** Runs every measurement, printing as it goes; returns the batch-1, 1-position pass time in ms. */
    public double run() {
        int maxBatch = Arrays.stream(o.batches).max().orElse(1);
        int maxPositions = Arrays.stream(o.positions).max().orElse(1);
        int capacity = Math.max(o.shortContext, o.longContext) + maxPositions + 8;
        try (Checkpoint ck = Checkpoint.open(o.target);
             Backend backend = Backends.open(o.device, o.threads, capacity, maxBatch, o.tensorParallel,
                     CpuWeights.parse(o.cpuWeights))) {
            LlamaWeights w = LlamaWeights.load(ck);
            ModelRunner runner = backend.loadTarget(w);
            CudaBackend gpu = backend instanceof CudaBackend c ? c : null;
            double bytes = runner.weightBytesPerPass();
            double copyGbs = Double.NaN;
            double fmaGflops = Double.NaN;
            log.printf(Locale.ROOT, "model %s: %d layers, hidden %d, vocab %d, %.1f MB of weights read per pass%n",
                    ck.name(), w.config().numLayers(), w.config().hiddenSize(), w.config().vocabSize(), bytes / 1e6);
            CudaBackend firstGpu = gpu != null ? gpu
                    : backend instanceof CudaTensorParallelBackend group ? group.firstDevice() : null;
            if (firstGpu != null) {
                copyGbs = firstGpu.copyBandwidthGbs(1L << 31, 10);
                log.printf(Locale.ROOT, "device %s %s: compute capability %d.%d, %d SMs, driver CUDA %d.%d; device-to-device"
                                + " copy %.0f GB/s (bytes read + written, 2 GiB, best of 10)%n", o.device,
                        firstGpu.deviceName(), firstGpu.computeCapability() / 10, firstGpu.computeCapability() % 10,
                        firstGpu.smCount(), firstGpu.driverVersion() / 1000, firstGpu.driverVersion() % 1000 / 10,
                        copyGbs);
            } else if (backend instanceof CpuBackend cpu) {
                copyGbs = CpuBandwidth.readGbs(cpu, 1L << 30, 5);
                fmaGflops = CpuPeak.fmaGflops(cpu, 3);
                log.printf(Locale.ROOT, "device cpu: %d worker threads read %.1f GB/s (1 GiB heap array, vector sum,"
                        + " best of 5); the share column is of this rate. Their FMA peak: %.0f GFLOP/s (registers"
                        + " only, best of 3); %s%n", cpu.threads(), copyGbs, fmaGflops,
                        CpuBackend.weightReading(CpuWeights.parse(o.cpuWeights).resolve(w.matrixBytes())));
            }
            KvCache[] pool = new KvCache[maxBatch];
            for (int r = 0; r < maxBatch; r++) {
                pool[r] = runner.newCache(capacity);
            }
            warmUp(runner, pool, o.shortContext, o.batches, o.positions, WARM_UP_NS);
            double batch1 = Double.NaN;
            log.println("| batch | positions/row | context | pass ms | weight GB/s | share of bandwidth | tokens/s (1 position) |");
            log.println("|---:|---:|---:|---:|---:|---:|---:|");
            for (int batch : o.batches) {
                KvCache[] caches = prefill(runner, pool, batch, o.shortContext);
                double one = Double.NaN;
                for (int p : o.positions) {
                    double ms = passMs(runner, caches, o.shortContext, p);
                    row(batch, p, o.shortContext, ms, bytes, copyGbs);
                    if (runner instanceof CpuModelRunner cpuRunner) {
                        log.println("  where the calling thread's time goes, " + stages(cpuRunner, caches, o.shortContext, p));
                    }
                    if (p == 1) {
                        one = ms;
                    } else if (!Double.isNaN(one)) {
                        log.printf(Locale.ROOT, "  batch %d: %d-position pass = %.2fx a 1-position pass%s%n", batch, p,
                                ms / one, Double.isNaN(fmaGflops) ? "" : String.format(Locale.ROOT,
                                        "; its matrix products alone at the peak would take %.3f ms (%.0f%% of the"
                                                + " pass)", 2.0 * w.matrixParameters() * batch * p / fmaGflops / 1e6,
                                        100 * 2.0 * w.matrixParameters() * batch * p / fmaGflops / 1e6 / ms));
                    }
                }
                if (batch == 1) {
                    batch1 = one;
                }
            }
            if (runner instanceof CudaTensorParallelRunner group) {
                for (int batch : o.batches) {
                    double us = group.allReduceMicros(batch, 200);
                    log.printf(Locale.ROOT, "  batch %d: one all-reduce of %d floats over %d shards %.1f us (queued back to"
                                    + " back, host enqueue included); %d per pass (2 per layer) = %.3f ms%n", batch,
                            batch * w.config().hiddenSize(), o.tensorParallel, us, 2 * w.config().numLayers(),
                            us * 2 * w.config().numLayers() / 1e3);
                }
            }
            if (o.tensorParallel > 1 && backend instanceof CpuBackend) {
                for (int batch : o.batches) {
                    double us = allReduceMicros(o.tensorParallel, batch * w.config().hiddenSize());
                    log.printf(Locale.ROOT, "  batch %d: one all-reduce of %d floats over %d shards %.1f us; "
                                    + "%d per pass (2 per layer) = %.3f ms%n", batch, batch * w.config().hiddenSize(),
                            o.tensorParallel, us, 2 * w.config().numLayers(), us * 2 * w.config().numLayers() / 1e3);
                }
            }
            if (o.longContext > 0 && !Double.isNaN(batch1)) {
                KvCache[] caches = prefill(runner, pool, 1, o.longContext);
                double ms = passMs(runner, caches, o.longContext, 1);
                row(1, 1, o.longContext, ms, bytes, copyGbs);
                log.printf(Locale.ROOT, "  batch 1: a pass at context %d = %.2fx a pass at context %d%n", o.longContext,
                        ms / batch1, o.shortContext);
            }
            if (gpu != null) {
                kernels(gpu, runner, pool, 1);
                kernels(gpu, runner, pool, 5);
                memory(gpu, runner, pool, Math.min(4, maxBatch));
            }
            return batch1;
        }
    }

    /**
     * Median time of one {@link HostAllReduce#sum} of {@code floats} values over {@code shards}
     * threads (as the shards of a pass call it, back to back), in microseconds.
     */
    static double allReduceMicros(int shards, int floats) {
        HostAllReduce allReduce = new HostAllReduce(shards);
        allReduce.ensureCapacity(floats);
        float[][] bufs = new float[shards][floats];
        int calls = 200;
        double[] us = new double[REPEATS];
        try (WorkerPool drivers = new WorkerPool(shards, "specdec-allreduce-bench")) {
            for (int rep = -3; rep < REPEATS; rep++) {
                long t0 = System.nanoTime();
                drivers.parallelFor(shards, 1, (from, to, worker) -> {
                    for (int s = from; s < to; s++) {
                        for (int i = 0; i < calls; i++) {
                            allReduce.sum(s, bufs[s], floats);
                        }
                    }
                });
                if (rep >= 0) {
                    us[rep] = (System.nanoTime() - t0) / 1e3 / calls;
                }
            }
        }
        Arrays.sort(us);
        return us[us.length / 2];
    }

    /**
     * Rounds of passes over every measured shape until the JIT has settled: at least
     * {@code minNs}, then until three windows of half a second in a row bring no round 2%
     * faster than the best before them and no JIT compilation (at most {@link #WARM_UP_MAX_NS}). The CPU backend's vector
     * kernels differ by shape and are compiled while the worker threads keep both cores busy, so
     * compilation lags the wall clock by seconds, and a kernel still running C1 code is many
     * times slower; a fixed, short warm-up measured some shapes before they were compiled.
     */
    static void warmUp(ModelRunner runner, KvCache[] pool, int context, int[] batches, int[] positions, long minNs) {
        long start = System.nanoTime();
        double best = Double.MAX_VALUE;
        int quietWindows = 0;
        // Every other round with the stage timer on, so the JIT compiles the timed passes too: it
        // compiles a branch never taken as a trap, and turning timing on later would run them
        // deoptimised (twice as slow, measured).
        CpuModelRunner staged = runner instanceof CpuModelRunner cpu ? cpu : null;
        boolean timed = false;
        long compiledBefore = JitActivity.compilationMs();
        while (System.nanoTime() - start < WARM_UP_MAX_NS) {
            long windowStart = System.nanoTime();
            double windowBest = Double.MAX_VALUE;
            while (System.nanoTime() - windowStart < WARM_UP_WINDOW_NS) {
                if (staged != null) {
                    timed = !timed;
                    staged.timeStages(timed);
                }
                long t0 = System.nanoTime();
                for (int batch : batches) {
                    KvCache[] caches = prefill(runner, pool, batch, context);
                    for (int p : positions) {
                        pass(runner, verifyBatch(caches, context, p), caches, p);
                        truncate(caches, context);
                    }
                }
                windowBest = Math.min(windowBest, System.nanoTime() - t0);
            }
            // A window is quiet when it brought no round 2% faster and the JIT compiled nothing during
            // it: a compilation that lands after the warm-up (seen 0.1 s before a batch-1 measurement)
            // made that pass measure 1.5 ms instead of 0.5.
            long compiled = JitActivity.compilationMs();
            boolean compiling = compiled != compiledBefore;
            compiledBefore = compiled;
            quietWindows = windowBest < best * 0.98 || compiling ? 0 : quietWindows + 1;
            best = Math.min(best, windowBest);
            if (quietWindows >= 3 && System.nanoTime() - start >= minNs) {
                break;
            }
        }
        if (staged != null) {
            staged.timeStages(false);
        }
    }

    private void row(int batch, int positions, int context, double ms, double bytes, double copyGbs) {
        double gbs = bytes / (ms / 1e3) / 1e9;
        log.printf(Locale.ROOT, "| %d | %d | %d | %.3f | %.0f | %s | %s |%n", batch, positions, context, ms, gbs,
                Double.isNaN(copyGbs) ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * gbs / copyGbs),
                positions == 1 ? String.format(Locale.ROOT, "%.0f", batch * 1e3 / ms) : "-");
    }

    /** Launch count, host enqueue time and per-kernel device time of one pass at batch 1. */
    private void kernels(CudaBackend gpu, ModelRunner runner, KvCache[] pool, int positions) {
        KvCache[] caches = prefill(runner, pool, 1, o.shortContext);
        ForwardBatch b;
        for (int warm = 0; warm < 3; warm++) {  // the second pass of a shape captures its CUDA graph
            b = verifyBatch(caches, o.shortContext, positions);
            pass(runner, b, caches, positions);
            truncate(caches, o.shortContext);
        }
        long launches0 = gpu.launchCount();
        long t0 = System.nanoTime();
        b = verifyBatch(caches, o.shortContext, positions);
        pass(runner, b, caches, positions);
        double wallMs = (System.nanoTime() - t0) / 1e6;
        long launches = gpu.launchCount() - launches0;
        truncate(caches, o.shortContext);
        gpu.startKernelProfile();
        b = verifyBatch(caches, o.shortContext, positions);
        pass(runner, b, caches, positions);
        List<CudaBackend.KernelTime> times = gpu.stopKernelProfile();
        truncate(caches, o.shortContext);
        double sum = times.stream().mapToDouble(CudaBackend.KernelTime::ms).sum();
        int kernelLaunches = times.stream().mapToInt(CudaBackend.KernelTime::launches).sum();
        log.printf(Locale.ROOT, "kernels of one %d-position pass at batch 1, context %d: %d host launches (graphs"
                + " included), %.3f ms wall; %d kernels, %.3f ms of summed kernel time (each kernel timed alone)%n",
                positions, o.shortContext, launches, wallMs, kernelLaunches, sum);
        log.println("| kernel | launches | ms | share |");
        log.println("|---|---:|---:|---:|");
        times.stream().sorted((x, y) -> Double.compare(y.ms(), x.ms())).forEach(t -> log.printf(Locale.ROOT,
                "| %s | %d | %.3f | %.0f%% |%n", t.kernel(), t.launches(), t.ms(), 100 * t.ms() / sum));
    }

    /** Free device memory before and after many verification steps: a leak shows as a drop. */
    private void memory(CudaBackend gpu, ModelRunner runner, KvCache[] pool, int batch) {
        KvCache[] caches = prefill(runner, pool, batch, o.shortContext);
        long before = gpu.memInfo()[0];
        for (int i = 0; i < o.memorySteps; i++) {
            pass(runner, verifyBatch(caches, o.shortContext, 5), caches, 5);
            truncate(caches, o.shortContext);
        }
        long after = gpu.memInfo()[0];
        log.printf(Locale.ROOT, "device memory free: %d MiB before, %d MiB after %d verification steps at batch %d"
                + " (change %+d MiB)%n", before >> 20, after >> 20, o.memorySteps, batch, (after - before) >> 20);
    }

    /**
     * The first {@code batch} caches of {@code pool}, reset and filled with {@code context} tokens
     * each (one prefill pass). Caches are reused: a GPU runner preallocates a fixed number of rows.
     */
    static KvCache[] prefill(ModelRunner runner, KvCache[] pool, int batch, int context) {
        KvCache[] caches = Arrays.copyOf(pool, batch);
        ForwardBatch b = new ForwardBatch();
        int[] tokens = tokens(context);
        for (KvCache c : caches) {
            c.reset();
            b.add(c, tokens, 0, context, 1);
        }
        runner.forward(b);
        return caches;
    }

    /** Median ms of a pass of {@code positions} new tokens per row over caches holding {@code context}. */
    static double passMs(ModelRunner runner, KvCache[] caches, int context, int positions) {
        double[] ms = new double[REPEATS];
        for (int i = 0; i < REPEATS + 3; i++) {
            ForwardBatch b = verifyBatch(caches, context, positions);
            long t0 = System.nanoTime();
            pass(runner, b, caches, positions);
            long t1 = System.nanoTime();
            truncate(caches, context);
            if (i >= 3) {
                ms[i - 3] = (t1 - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        return ms[REPEATS / 2];
    }

    /**
     * {@link PassStages#summary} over {@link #REPEATS} more passes of the shape, and the bytes the
     * JVM's threads allocated during each pass (0 once the kernels are compiled: the Vector API
     * allocates only in code C2 has not compiled, or compiled without its intrinsics).
     */
    static String stages(CpuModelRunner runner, KvCache[] caches, int context, int positions) {
        runner.timeStages(true);
        try {
            long allocated = 0;
            for (int i = 0; i < REPEATS; i++) {
                ForwardBatch b = verifyBatch(caches, context, positions);
                long before = AllocationCounter.allocatedBytes();
                pass(runner, b, caches, positions);
                allocated += AllocationCounter.allocatedBytes() - before;
                truncate(caches, context);
            }
            String summary = runner.stages().summary();
            return !AllocationCounter.isSupported() ? summary : summary + String.format(Locale.ROOT,
                    "; allocated %d bytes per pass", allocated / REPEATS);
        } finally {
            runner.timeStages(false);
        }
    }

    private static ForwardBatch verifyBatch(KvCache[] caches, int context, int positions) {
        ForwardBatch b = new ForwardBatch();
        int[] tokens = tokens(context + positions);
        for (KvCache c : caches) {
            b.add(c, tokens, context, positions, positions);
        }
        return b;
    }

    /** One pass as the engine runs it: device acceptance where the runner has it, else a forward. */
    private static void pass(ModelRunner runner, ForwardBatch b, KvCache[] caches, int positions) {
        if (runner instanceof DeviceAcceptance da) {
            AcceptanceRows rows = new AcceptanceRows();
            rows.reset(caches.length, runner.config().vocabSize());
            int[] drafts = tokens(positions);
            SamplingParams greedy = SamplingParams.greedy(1);
            for (int r = 0; r < caches.length; r++) {
                rows.add(positions - 1, drafts, null, greedy, null, new int[positions + 1]);
            }
            da.forwardAndAccept(b, rows);
        } else {
            runner.forward(b);
        }
    }

    private static int[] tokens(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = 3 + i % 61;
        }
        return t;
    }

    private static void truncate(KvCache[] caches, int length) {
        for (KvCache c : caches) {
            c.truncate(length);
        }
    }
}
