package org.specdec.job.bench;

import java.util.ArrayList;
import java.util.List;

/** Takes samples on its own daemon thread while a job runs, until closed. */
abstract class BackgroundSampler<S> implements AutoCloseable {
    private final List<S> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    BackgroundSampler(String threadName) {
        thread = new Thread(this::sample, threadName);
        thread.setDaemon(true);
    }

    /** Starts sampling; a subclass calls it once its own fields are set. */
    final void start() {
        thread.start();
    }

    /** The sampling loop: runs until {@link #closed()}, or returns when interrupted. */
    abstract void sample();

    final boolean closed() {
        return closed;
    }

    final void add(S sample) {
        synchronized (samples) {
            samples.add(sample);
        }
    }

    final List<S> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
