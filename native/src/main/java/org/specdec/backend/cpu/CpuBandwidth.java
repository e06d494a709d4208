package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The CPU backend's memory roofline, measured where it runs: the rate at which the backend's own
 * worker threads read a buffer far larger than the caches with vector loads (a sum, so nothing is
 * written). A memory-bound forward pass can at best stream its weights at about this rate.
 */
public final class CpuBandwidth {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private CpuBandwidth() {}

    /** GB/s read by {@code backend}'s threads over {@code bytes} of heap, best of {@code repeats}. */
    public static double readGbs(CpuBackend backend, long bytes, int repeats) {
        return readGbs(backend.pool(), bytes, repeats);
    }

    static double readGbs(WorkerPool pool, long bytes, int repeats) {
        int floats = (int) Math.min(Integer.MAX_VALUE - 64, bytes / Float.BYTES);
        float[] data = new float[floats];
        Arrays.fill(data, 1f);  // touch every page before timing
        int chunks = pool.threads() * 16;
        int perChunk = floats / chunks / F.length() * F.length();
        float[] sums = new float[chunks];
        double best = Double.MAX_VALUE;
        for (int r = 0; r < repeats + 1; r++) {
            long t0 = System.nanoTime();
            pool.parallelFor(chunks, 1, (from, to, worker) -> {
                for (int c = from; c < to; c++) {
                    sums[c] = sum(data, c * perChunk, perChunk);
                }
            });
            double s = (System.nanoTime() - t0) / 1e9;
            if (r > 0) {  // the first pass warms the JIT
                best = Math.min(best, s);
            }
        }
        // Every chunk sums perChunk ones, so each sum is exact; checking them keeps the loads alive.
        for (float s : sums) {
            if (s != perChunk) {
                throw new IllegalStateException("bandwidth probe summed " + s + ", expected " + perChunk);
            }
        }
        return (double) chunks * perChunk * Float.BYTES / best / 1e9;
    }

    /** Four independent accumulators keep enough loads in flight to reach the memory's rate. */
    private static float sum(float[] a, int from, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int step = 4 * F.length();
        int i = from;
        for (int end = from + n - n % step; i < end; i += step) {
            s0 = s0.add(FloatVector.fromArray(F, a, i));
            s1 = s1.add(FloatVector.fromArray(F, a, i + F.length()));
            s2 = s2.add(FloatVector.fromArray(F, a, i + 2 * F.length()));
            s3 = s3.add(FloatVector.fromArray(F, a, i + 3 * F.length()));
        }
        float s = s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
        for (int end = from + n; i < end; i++) {
            s += a[i];
        }
        return s;
    }
}
