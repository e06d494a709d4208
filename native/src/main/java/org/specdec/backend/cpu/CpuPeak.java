package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU backend's compute roofline, measured where it runs: the FMA rate of the backend's own
 * worker threads on registers alone (twelve independent accumulator chains, enough to cover the
 * FMA latency on current cores). A compute-bound pass, such as a verification pass over many
 * positions, can at best multiply at about this rate.
 */
public final class CpuPeak {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 12;
    private static final int WARM_UP_CALLS = 20_000;
    private static final int WARM_UP_ITERATIONS = 64;

    private CpuPeak() {}

    /** GFLOP/s (an FMA counts two) of {@code backend}'s threads together, best of {@code repeats}. */
    public static double fmaGflops(CpuBackend backend, int repeats) {
        WorkerPool pool = backend.pool();
        long iterations = 2_000_000;
        float[] sums = new float[pool.threads()];
        // Many short calls first, so that C2 compiles the method whole: a few long calls would run
        // in the interpreter's Vector API fallback, then in an on-stack-replacement compile, and
        // the figure scattered (178-401 GFLOP/s between runs on one machine).
        pool.parallelFor(pool.threads(), 1, (from, to, worker) -> {
            for (int t = from; t < to; t++) {
                for (int i = 0; i < WARM_UP_CALLS; i++) {
                    sums[t] += chains(WARM_UP_ITERATIONS, t);
                }
            }
        });
        double best = Double.MAX_VALUE;
        for (int r = 0; r < repeats + 1; r++) {
            long t0 = System.nanoTime();
            pool.parallelFor(pool.threads(), 1, (from, to, worker) -> {
                for (int t = from; t < to; t++) {
                    sums[t] = chains(iterations, t);
                }
            });
            double s = (System.nanoTime() - t0) / 1e9;
            if (r > 0) {  // the first run settles the clock and the caches
                best = Math.min(best, s);
            }
        }
        for (float s : sums) {
            if (Float.isNaN(s)) {
                throw new IllegalStateException("FMA probe produced NaN");
            }
        }
        return pool.threads() * iterations * CHAINS * F.length() * 2.0 / best / 1e9;
    }

    private static float chains(long iterations, int seed) {
        FloatVector m = FloatVector.broadcast(F, 0.999999f);
        FloatVector c = FloatVector.broadcast(F, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(F, seed);
        FloatVector a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3), a4 = a0.add(4), a5 = a0.add(5);
        FloatVector a6 = a0.add(6), a7 = a0.add(7), a8 = a0.add(8), a9 = a0.add(9), a10 = a0.add(10);
        FloatVector a11 = a0.add(11);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
