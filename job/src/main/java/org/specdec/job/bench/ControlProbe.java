package org.specdec.job.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The same small fixed workload, timed every few seconds in this JVM while the job runs (in local
 * mode, the JVM that decodes): if the engine's passes get slower late in a job while this stays
 * as fast as early on, the cause is in the engine's state; if this gets slower too, the JVM got
 * less of the machine (other processes, frequency). Wall time includes waiting for a core; CPU
 * time is the work alone.
 */
final class ControlProbe implements AutoCloseable {

    /** One run of the workload. */
    record Sample(long epochMillis, double wallMs, double cpuMs) {
    }

    static final long INTERVAL_MS = 5_000;
    private static final int LENGTH = 1024;
    private static final int ROUNDS = 4_000;

    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean closed;
    /** Keeps the JIT from removing the workload. */
    private volatile float sink;

    ControlProbe() {
        thread = new Thread(this::run, "specdec-control-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        float[] a = new float[LENGTH];
        for (int i = 0; i < 50; i++) {
            sink = workload(a); // compiled before the first sample
        }
        while (!closed) {
            long cpu0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            sink = workload(a);
            long wall = System.nanoTime() - t0;
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            synchronized (samples) {
                samples.add(new Sample(System.currentTimeMillis(), wall / 1e6, cpu / 1e6));
            }
            try {
                TimeUnit.MILLISECONDS.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** About 4 million dependent multiply-adds over an L1-resident array. */
    private static float workload(float[] a) {
        float s = 0;
        for (int r = 0; r < ROUNDS; r++) {
            for (int i = 0; i < a.length; i++) {
                a[i] = a[i] * 0.999f + 0.001f;
                s += a[i];
            }
        }
        return s;
    }

    List<Sample> samples() {
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
