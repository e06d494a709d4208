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
 * sum; a single difference settles it (on Java 25 within about 0.1 s). Where none shows within
 * a second, the JVM is taken to keep the order. Java 17 is known to keep it (the tests check the
 * bits on it) and is not probed.
 */
final class LaneOrderProbe {
    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final int L = VectorMath.LANES;
    private static final int VECTORS = 64;
    /** Enough calls for C2 to compile the reduction (it does after some thousands)... */
    private static final int MIN_CALLS = 200_000;
    /** ...and time for its compile queue, busy while a JVM starts (Java 25 shows the tree in 0.1 s). */
    private static final long MIN_NANOS = 1_000_000_000L;

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
        for (int call = 0; ; call++) {
            int v = call % VECTORS;
            if (Float.floatToRawIntBits(reduce(a, v * L)) != Float.floatToRawIntBits(want[v])) {
                return false;
            }
            if (call >= MIN_CALLS && System.nanoTime() - start > MIN_NANOS) {
                return true;
            }
        }
    }

    private static float reduce(float[] a, int off) {
        return FloatVector.fromArray(F, a, off).reduceLanes(VectorOperators.ADD);
    }
}
