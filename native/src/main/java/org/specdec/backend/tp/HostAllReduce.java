package org.specdec.backend.tp;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sums the shards' partial activations in host memory, the all-reduce after o_proj and down_proj.
 * It is a one-shot reduce-scatter and all-gather over shared memory (as NCCL-style libraries do
 * for small messages): after a barrier, shard r sums elements [r*n/N, (r+1)*n/N) of all N
 * partials into a shared result, always in rank order 0, 1, ..., N-1, so the sum and the greedy
 * output never depend on timing; after a second barrier each shard copies the whole result back.
 * Every shard reads each partial element once, 2 barriers per call.
 *
 * <p>A shard that fails calls {@link #fail}, which wakes the others with an exception instead of
 * leaving them waiting for it.
 */
public final class HostAllReduce {
    private final int size;
    private final float[][] partials;
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile int phase;
    private final java.util.concurrent.atomic.AtomicReference<Throwable> failure =
            new java.util.concurrent.atomic.AtomicReference<>();
    private float[] result = new float[0];

    public HostAllReduce(int size) {
        this.size = size;
        this.partials = new float[size][];
    }

    /** Makes room for sums of {@code n} elements; called before the shards run, by one thread. */
    public void ensureCapacity(int n) {
        if (result.length < n) {
            result = new float[Math.max(n, result.length * 2)];
        }
    }

    /** Replaces {@code buf[0, n)} of every shard with the sum over shards; every shard must call it. */
    public void sum(int rank, float[] buf, int n) {
        partials[rank] = buf;
        await();
        int from = (int) ((long) n * rank / size);
        int to = (int) ((long) n * (rank + 1) / size);
        float[] out = result;
        float[] first = partials[0];
        System.arraycopy(first, from, out, from, to - from);
        for (int s = 1; s < size; s++) {
            float[] p = partials[s];
            for (int i = from; i < to; i++) {
                out[i] += p[i];
            }
        }
        await();
        System.arraycopy(out, 0, buf, 0, n);
    }

    /** Breaks the group: shards waiting in {@link #sum}, now or later, throw. The first cause is kept. */
    public void fail(Throwable cause) {
        failure.compareAndSet(null, cause);
    }

    /**
     * Clears a failure once every shard has returned, so the group can serve the next pass.
     * Only the thread that ran the group may call it.
     */
    public void recover() {
        failure.set(null);
        arrived.set(0);
    }

    private void await() {
        int p = phase;
        if (arrived.incrementAndGet() == size) {
            arrived.set(0);
            phase = p + 1; // volatile write after the reset: the next barrier starts from zero
            return;
        }
        for (int spins = 0; phase == p; spins++) {
            Throwable f = failure.get();
            if (f != null) {
                throw new IllegalStateException("another tensor-parallel shard failed: " + f, f);
            }
            if (spins < 4_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }
}
