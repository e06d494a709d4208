package org.specdec.backend.cuda;

import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;

import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

/**
 * The CUDA graphs of one runner's forward passes, keyed by the pass shape (tokens, logit rows):
 * every launch argument of a pass depends only on that shape and on buffers that stay put (the
 * per-token ids, positions and KV slots are read from device memory that is refilled before each
 * replay). A shape is captured the second time it is seen, so one-off prefill shapes cost nothing;
 * the least recently used graph goes when {@link #capacity} are held. Replacing a buffer
 * invalidates every graph ({@link #clear()}).
 */
final class PassGraphs implements AutoCloseable {
    private final int capacity;
    private final Set<Long> seen = new HashSet<>();
    private final LinkedHashMap<Long, CUgraphExec> graphs;

    PassGraphs(int capacity) {
        this.capacity = capacity;
        this.graphs = new LinkedHashMap<>(16, 0.75f, true);
    }

    /**
     * Records what {@code enqueue} queues on {@code stream} (and on streams it joins to it) into a
     * graph, without running it, while the {@code launchers} know they are capturing (no counting,
     * no synchronising).
     */
    static CUgraphExec record(CUstream stream, List<KernelLauncher> launchers, Runnable enqueue) {
        CUgraph graph = new CUgraph();
        cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
        launchers.forEach(l -> l.capturing(true));
        try {
            enqueue.run();
        } catch (RuntimeException e) {
            try {
                cuStreamEndCapture(stream, graph);
                cuGraphDestroy(graph);
            } catch (RuntimeException ignored) {
                // the capture is invalid anyway; the launch error is the one to report
            }
            throw e;
        } finally {
            launchers.forEach(l -> l.capturing(false));
        }
        cuStreamEndCapture(stream, graph);
        CUgraphExec exec = new CUgraphExec();
        try {
            cuGraphInstantiate(exec, graph, 0);
        } finally {
            cuGraphDestroy(graph);
        }
        return exec;
    }

    static long key(int tokens, int logitRows) {
        return ((long) tokens << 32) | (logitRows & 0xffffffffL);
    }

    /** The graph of this shape, or null (then it is marked seen, and captured next time). */
    CUgraphExec get(long key) {
        return graphs.get(key);
    }

    /** Whether a pass of this shape ran before (it is now marked as seen). */
    boolean seenBefore(long key) {
        if (seen.size() > 64 * capacity) {
            seen.clear();  // bounded: many distinct prefill shapes must not grow it forever
        }
        return !seen.add(key);
    }

    void put(long key, CUgraphExec exec) {
        graphs.put(key, exec);
        if (graphs.size() > capacity) {
            Iterator<Map.Entry<Long, CUgraphExec>> eldest = graphs.entrySet().iterator();
            cuGraphExecDestroy(eldest.next().getValue());
            eldest.remove();
        }
    }

    int size() {
        return graphs.size();
    }

    void clear() {
        for (CUgraphExec e : graphs.values()) {
            cuGraphExecDestroy(e);
        }
        graphs.clear();
    }

    @Override
    public void close() {
        clear();
        seen.clear();
    }
}
