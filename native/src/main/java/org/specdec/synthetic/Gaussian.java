package org.specdec.synthetic;

import java.util.SplittableRandom;

/**
 * Standard normal samples by the Box-Muller transform over {@link SplittableRandom}. Written out
 * here (not {@code Random.nextGaussian}) so the stream is specified by this code alone and a
 * seed gives the same model bytes on every JDK (StrictMath: Math may differ by an ulp).
 */
final class Gaussian {
    private final SplittableRandom random;
    private double spare;
    private boolean hasSpare;

    Gaussian(long seed) {
        this.random = new SplittableRandom(seed);
    }

    double next() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u1 = 1.0 - random.nextDouble(); // (0, 1]: log is finite
        double u2 = random.nextDouble();
        double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
        double theta = 2.0 * Math.PI * u2;
        spare = r * StrictMath.sin(theta);
        hasSpare = true;
        return r * StrictMath.cos(theta);
    }

    /** {@code n} samples of N(0, std^2). */
    float[] fill(int n, double std) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (next() * std);
        }
        return out;
    }
}
