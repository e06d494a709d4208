package org.specdec.backend.cuda;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

/**
 * Every kernel and graph launch of a {@link CudaBackend} goes through here, so these live in one
 * place: the launch count (always on: it is how a decode step's launch budget is measured), a
 * debug mode that synchronizes after each launch and names the kernel that faulted
 * ({@code SPECDEC_CUDA_SYNC=1} or {@code -Dspecdec.cuda.sync=true}), and a per-kernel timer
 * ({@link #startProfile()}) that brackets each launch with CUDA events.
 *
 * <p>An asynchronous fault (illegal address, misaligned access) is otherwise reported by whatever
 * driver call comes next, usually the end-of-pass synchronisation, which says nothing about
 * which of ~200 launches caused it.
 */
final class KernelLauncher {
    /** Set in the environment (or as a system property) to synchronize after every launch. */
    static final String SYNC_ENV = "SPECDEC_CUDA_SYNC";
    static final String SYNC_PROPERTY = "specdec.cuda.sync";
    /** SPECDEC_CUDA_GRAPHS=0 launches every kernel on its own (graphs are on by default). */
    static final String GRAPHS_ENV = "SPECDEC_CUDA_GRAPHS";
    /**
     * SPECDEC_CUDA_BASELINE=1 (or -Dspecdec.cuda.baseline=true) runs the unfused decode kernels
     * (one attention block per token and head, activations staged every 64 k, separate split-K
     * reductions and norms), kept so that a GPU run measures both side by side and can fall back.
     */
    static final String BASELINE_ENV = "SPECDEC_CUDA_BASELINE";
    /** How long the stream is held before a profiled stretch: longer than the host needs to enqueue a pass. */
    static final long PROFILE_HOLD_NS = 50_000_000L;

    private final CUmodule module;
    private final CUstream stream;
    private final boolean syncEach;
    private final boolean graphsEnabled;
    private final boolean baseline;
    private final Map<String, CUfunction> functions = new HashMap<>();
    private long launches;
    /** Host launches of every backend in this JVM (benchmarks divide it by engine steps). */
    private static final java.util.concurrent.atomic.LongAdder ALL = new java.util.concurrent.atomic.LongAdder();
    private boolean capturing;
    private List<Timed> profile;

    /** One profiled launch: its kernel and the events around it. */
    private record Timed(String kernel, CUevent start, CUevent end) {}

    /** Per-kernel totals of a profile, in launch order of first appearance. */
    record KernelTime(String kernel, int launches, double ms) {}

    KernelLauncher(CUmodule module, CUstream stream) {
        this.module = module;
        this.stream = stream;
        this.syncEach = syncRequested();
        this.graphsEnabled = !"0".equals(System.getenv(GRAPHS_ENV)) && !Boolean.getBoolean("specdec.cuda.noGraphs");
        String b = System.getenv(BASELINE_ENV);
        this.baseline = Boolean.getBoolean("specdec.cuda.baseline") || (b != null && !b.isBlank() && !b.equals("0"));
    }

    static boolean syncRequested() {
        String env = System.getenv(SYNC_ENV);
        return Boolean.getBoolean(SYNC_PROPERTY) || (env != null && !env.isBlank() && !env.equals("0"));
    }

    /**
     * Whether passes may run as CUDA graphs now: not while debugging (a graph would hide which
     * kernel faulted) or profiling (each kernel is timed on its own).
     */
    boolean graphsAllowed() {
        return graphsEnabled && !syncEach && profile == null;
    }

    /** While capturing, launches are recorded into the graph: not counted, not synchronized. */
    void capturing(boolean on) {
        capturing = on;
    }

    /** Launches a captured pass (one host launch for all its kernels). */
    void launchGraph(CUgraphExec exec) {
        cuGraphLaunch(exec, stream);
        launches++;
        ALL.increment();
    }

    static long allLaunches() {
        return ALL.sum();
    }

    /** Whether the runners use the baseline kernels ({@link #BASELINE_ENV}). */
    boolean baseline() {
        return baseline;
    }

    boolean syncEach() {
        return syncEach;
    }

    /** Launches counted since this backend was opened. */
    long launches() {
        return launches;
    }

    CUfunction function(String name) {
        return functions.computeIfAbsent(name, n -> {
            CUfunction f = new CUfunction();
            try {
                cuModuleGetFunction(f, module, n);
            } catch (CudaException e) {
                throw new IllegalStateException("kernel '" + n + "' is not in the loaded fatbin: " + e.getMessage(), e);
            }
            return f;
        });
    }

    void launch(String kernel, int gx, int gy, int gz, int threads, Pointer... args) {
        CUfunction f = function(kernel);
        Timed t = null;
        if (profile != null) {
            t = new Timed(kernel, event(), event());
            cuEventRecord(t.start, stream);
        }
        try {
            cuLaunchKernel(f, gx, gy, gz, threads, 1, 1, 0, stream, Pointer.to(args), null);
        } catch (CudaException e) {
            throw failure(kernel, gx, gy, gz, threads, "launch", e);
        }
        if (capturing) {
            return;
        }
        launches++;
        ALL.increment();
        if (t != null) {
            cuEventRecord(t.end, stream);
            profile.add(t);
        }
        if (syncEach) {
            try {
                cuStreamSynchronize(stream);
            } catch (CudaException e) {
                throw failure(kernel, gx, gy, gz, threads, "execution", e);
            }
        }
    }

    private static CudaException failure(String kernel, int gx, int gy, int gz, int threads, String what,
                                         CudaException e) {
        return new CudaException(String.format(Locale.ROOT, "kernel %s (grid %d x %d x %d, %d threads) failed in %s: %s",
                kernel, gx, gy, gz, threads, what, e.getMessage()), e);
    }

    /**
     * Starts timing every launch with CUDA events, until {@link #stopProfile()}. The stream is
     * held first (gpu_sleep), so the launches queue up and the events time the kernels alone.
     */
    void startProfile() {
        cuLaunchKernel(function("gpu_sleep"), 1, 1, 1, 1, 1, 1, 0, stream,
                Pointer.to(Pointer.to(new long[] {PROFILE_HOLD_NS})), null);
        profile = new ArrayList<>();
    }

    /**
     * Synchronizes, stops timing and returns the per-kernel totals (kernels in order of first
     * launch). The events add a little time of their own, so the sum is slightly above an
     * unprofiled pass.
     */
    List<KernelTime> stopProfile() {
        List<Timed> timed = profile;
        profile = null;
        if (timed == null) {
            return List.of();
        }
        cuStreamSynchronize(stream);
        Map<String, double[]> byKernel = new LinkedHashMap<>();
        float[] ms = new float[1];
        for (Timed t : timed) {
            cuEventElapsedTime(ms, t.start, t.end);
            double[] acc = byKernel.computeIfAbsent(t.kernel, k -> new double[2]);
            acc[0]++;
            acc[1] += ms[0];
            cuEventDestroy(t.start);
            cuEventDestroy(t.end);
        }
        List<KernelTime> out = new ArrayList<>();
        byKernel.forEach((k, v) -> out.add(new KernelTime(k, (int) v[0], v[1])));
        return out;
    }

    private static CUevent event() {
        CUevent e = new CUevent();
        cuEventCreate(e, 0);
        return e;
    }
}
