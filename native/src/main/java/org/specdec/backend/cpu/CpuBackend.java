package org.specdec.backend.cpu;

import org.specdec.backend.Backend;
import org.specdec.backend.ModelRunner;
import org.specdec.model.LlamaWeights;

/** The CPU backend: Vector API kernels on the runtime's own worker pool. */
public final class CpuBackend implements Backend {
    private final WorkerPool pool;
    private final int maxPositions;

    /**
     * @param threads      worker threads, 0 = all available processors
     * @param maxPositions longest row (prompt + generation + draft block) any runner must hold
     */
    public CpuBackend(int threads, int maxPositions) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        this.pool = new WorkerPool(n, "specdec-cpu");
        this.maxPositions = maxPositions;
    }

    @Override
    public String device() {
        return "cpu";
    }

    @Override
    public ModelRunner load(LlamaWeights weights) {
        return new CpuModelRunner(weights, pool, maxPositions);
    }

    public int threads() {
        return pool.threads();
    }

    WorkerPool pool() {
        return pool;
    }

    @Override
    public void close() {
        pool.close();
    }
}
