package org.specdec.backend.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The runtime's own thread pool for data-parallel loops (never the common ForkJoin pool, which
 * Spark executors share). The caller thread works as worker 0. Workers spin briefly between
 * loops, because a forward pass issues a few dozen loops back to back and parking costs more than
 * the gaps; after {@link #SPIN_NANOS} without work they park.
 */
public final class WorkerPool implements AutoCloseable {

    /** Body of a parallel loop: handles indices [from, to) on behalf of worker {@code worker}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to, int worker);
    }

    private static final long SPIN_NANOS = 100_000;
    private static final VarHandle PARKED = MethodHandles.arrayElementVarHandle(boolean[].class);

    private final Thread[] workers;
    private final int threads;
    private final AtomicInteger nextIndex = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile long generation;
    /** Whether each worker is parked or about to park (so the next loop must unpark it). */
    private final boolean[] parked;
    private volatile boolean closed;
    private RangeBody body;
    /** Whether {@link #parallelFor} adds the caller's wait for the last worker to {@link #callerWaitNanos}. */
    private volatile boolean timeWaits;
    private long waitNanos;
    private int count;
    private int grain;

    public WorkerPool(int threads, String name) {
        this.threads = Math.max(1, threads);
        this.workers = new Thread[this.threads - 1];
        this.parked = new boolean[this.threads - 1];
        for (int i = 0; i < workers.length; i++) {
            final int id = i + 1;
            Thread t = new Thread(() -> workerLoop(id), name + "-" + id);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over [0, n) split into chunks of at least {@code minGrain} indices.
     * Returns when every chunk is done; rethrows the first failure.
     */
    public synchronized void parallelFor(int n, int minGrain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        if (threads == 1 || n <= minGrain) {
            body.run(0, n, 0);
            return;
        }
        // About 4 chunks per thread balances uneven chunks without much contention.
        this.grain = Math.max(minGrain, (n + threads * 4 - 1) / (threads * 4));
        this.body = body;
        this.count = n;
        nextIndex.set(0);
        failure.set(null);
        running.set(workers.length);
        generation++; // volatile write: publishes the fields above
        // A spinning worker sees the new generation by itself; unparking it anyway costs a lock.
        for (int i = 0; i < workers.length; i++) {
            if ((boolean) PARKED.getVolatile(parked, i)) {
                LockSupport.unpark(workers[i]);
            }
        }
        drain(0);
        long waitStart = timeWaits ? System.nanoTime() : 0;
        // A worker still in its last chunk: spin briefly, then yield so that on a busy machine
        // (Spark task threads, other executors) the worker gets the core it needs to finish.
        for (int spins = 0; running.get() != 0; spins++) {
            if (spins < 2_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        if (timeWaits) {
            waitNanos += System.nanoTime() - waitStart;
        }
        this.body = null;
        Throwable t = failure.get();
        if (t != null) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }

    /** Starts or stops timing the caller's waits; starting clears the total. */
    public synchronized void timeWaits(boolean on) {
        if (on && !timeWaits) {
            waitNanos = 0;
        }
        timeWaits = on;
    }

    /** Nanoseconds the calling thread spent waiting for workers to finish, while {@link #timeWaits} was on. */
    public synchronized long callerWaitNanos() {
        return waitNanos;
    }

    private void drain(int worker) {
        RangeBody b = body;
        int n = count;
        int g = grain;
        try {
            for (int start = nextIndex.getAndAdd(g); start < n; start = nextIndex.getAndAdd(g)) {
                b.run(start, Math.min(n, start + g), worker);
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
            nextIndex.set(n);
        }
    }

    private void workerLoop(int id) {
        long seen = 0;
        while (!closed) {
            long spinStart = System.nanoTime();
            while (generation == seen && !closed) {
                if (System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    PARKED.setVolatile(parked, id - 1, true);
                    if (generation == seen && !closed) {  // a loop published before the flag was seen
                        LockSupport.parkNanos(this, 10_000_000L);
                    }
                    PARKED.setVolatile(parked, id - 1, false);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            drain(id);
            running.decrementAndGet();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
