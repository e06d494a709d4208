package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Random;

/**
 * Finds out whether this JVM's compiled {@code reduceLanes(ADD)} sums lanes in the order its
 * interpreted fallback does (lane 0 first, from zero). The Vector API leaves that order open: Java
 * 17's C2 keeps it, Java 25's C2 adds as a tree. The probe calls a reduction over vectors whose
 * sums depend on the order until C2 has compiled it and compares every result with the in-order
 * sum; a single difference settles it (on Java 25 within about 0.1 s). The JVM is taken to keep
 * the order only once the reduction has run as C2 compiles it (batches of calls at a speed the
 * interpreter and C1, allocating a vector per call, never reach) without a difference: on a
 * loaded machine C2's queue can hold the reduction for seconds, and a wall-clock limit alone then
 * took interpreted calls for compiled ones. Java 17 is known to keep the order (the tests check the
 * bits on it) and is not probed.
 */
final class LaneOrderProbe {
    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final int L = VectorMath.LANES;
    private static final int VECTORS = 64;
    /** Calls timed together. */
    private static final int BATCH = 10_000;
    /**
     * A batch this fast ran C2's code: 10 ns a call. Measured on Java 25: C2 0.8 ns; C1, allocating
     * a vector per call, 38 ns at tier 1, 80 ns at tier 2, 170-250 ns at tier 3.
     */
    private static final long COMPILED_BATCH_NANOS = 100_000L;
    /** Batches at compiled speed without a difference that settle "in order". */
    private static final int COMPILED_BATCHES = 20;
    /** Where the reduction never runs at compiled speed (a JVM without C2), the order is taken as kept. */
    private static final long MAX_NANOS = 20_000_000_000L;

    private LaneOrderProbe() {}

    static boolean reduceLanesInOrder() {
        if (Runtime.version().feature() == 17) {
            return true;
        }
        float[] a = new float[VECTORS * L];
        Random rnd = new Random(17);
        for (int i = 0; i < a.length; i++) {
            // Magnitudes over 30 binades: almost any change of order changes the rounding.
            a[i] = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(30) - 15));
        }
        java.util.Arrays.fill(a, 0, L, -0.0f);  // a vector of negative zeros: in-order from +0 gives +0
        float[] want = new float[VECTORS];
        for (int v = 0; v < VECTORS; v++) {
            float s = 0;
            for (int i = 0; i < L; i++) {
                s += a[v * L + i];
            }
            want[v] = s;
        }
        long start = System.nanoTime();
        long batchStart = start;
        int compiledBatches = 0;
        for (int call = 1; ; call++) {
            int v = call % VECTORS;
            if (Float.floatToRawIntBits(reduce(a, v * L)) != Float.floatToRawIntBits(want[v])) {
                return false;
            }
            if (call % BATCH == 0) {
                long now = System.nanoTime();
                if (now - batchStart < COMPILED_BATCH_NANOS) {
                    compiledBatches++;
                }
                batchStart = now;
                if (compiledBatches >= COMPILED_BATCHES || now - start > MAX_NANOS) {
                    return true;
                }
            }
        }
    }

    private static float reduce(float[] a, int off) {
        return FloatVector.fromArray(F, a, off).reduceLanes(VectorOperators.ADD);
    }
}
