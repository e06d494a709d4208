package org.specdec.job.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;

/**
 * The same two small fixed workloads, timed every few seconds in this JVM while the job runs (in
 * local mode, the JVM that decodes): multiply-adds over an L1-resident array (the core's speed) and
 * one pass over an array larger than the last-level cache (the memory system, which the CPU
 * backend's weight streaming depends on, and which other tenants of the host share). If the
 * engine's passes get slower late in a job while these stay as fast as early on, the cause is in
 * the engine's state; if these get slower too, the JVM got less of the machine. Wall time includes
 * waiting for a core; CPU time is the work alone.
 */
final class ControlProbe extends BackgroundSampler<ControlProbe.Sample> {

    /** One run of the workloads: the compute one's wall and CPU time, the memory one's wall time. */
    record Sample(long epochMillis, double wallMs, double cpuMs, double memoryMs) {
    }

    static final long INTERVAL_MS = 5_000;
    private static final int LENGTH = 1024;
    private static final int ROUNDS = 4_000;
    /** 64 MiB: larger than the last-level cache of the machines this runs on. */
    private static final int STREAM_FLOATS = 16 << 20;

    /** Keeps the JIT from removing the workload. */
    private volatile float sink;

    ControlProbe() {
        super("specdec-control-probe");
        start();
    }

    @Override
    void sample() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        float[] a = new float[LENGTH];
        float[] big = new float[STREAM_FLOATS];
        java.util.Arrays.fill(big, 1f);
        for (int i = 0; i < 50; i++) {
            sink = workload(a) + stream(big); // compiled before the first sample
        }
        while (!closed()) {
            long cpu0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            sink = workload(a);
            long wall = System.nanoTime() - t0;
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            long t1 = System.nanoTime();
            sink = stream(big);
            long memory = System.nanoTime() - t1;
            add(new Sample(System.currentTimeMillis(), wall / 1e6, cpu / 1e6, memory / 1e6));
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

    /** One read of every element, four independent sums so that the loads, not the adds, set the pace. */
    private static float stream(float[] big) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        for (int i = 0; i < big.length; i += 4) {
            s0 += big[i];
            s1 += big[i + 1];
            s2 += big[i + 2];
            s3 += big[i + 3];
        }
        return s0 + s1 + s2 + s3;
    }
}
