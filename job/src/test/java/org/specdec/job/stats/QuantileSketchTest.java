package org.specdec.job.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Quantiles within the stated relative accuracy of the exact nearest-rank values, merged or not. */
class QuantileSketchTest {

    /** The exact nearest-rank quantile of sorted values. */
    static double exact(double[] sorted, double q) {
        if (q <= 0) {
            return sorted[0];
        }
        int rank = (int) Math.max(1, Math.ceil(q * sorted.length));
        return sorted[rank - 1];
    }

    static void assertWithinAccuracy(double expected, double actual, String what) {
        double tolerance = QuantileSketch.RELATIVE_ACCURACY * expected + 1e-12;
        assertTrue(Math.abs(actual - expected) <= tolerance, what + ": " + actual + " vs exact " + expected);
    }

    @Test
    void quantilesOfSkewedLatenciesAreWithinHalfAPercentAndTheExtremesAreExact() {
        SplittableRandom rnd = new SplittableRandom(7);
        double[] v = new double[20_000];
        QuantileSketch s = new QuantileSketch();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.exp(rnd.nextGaussian() * 1.5 + 4); // log-normal: 0.1 ms .. tens of seconds
            s.add(v[i]);
        }
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        for (double q : new double[] {0.01, 0.1, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999}) {
            assertWithinAccuracy(exact(sorted, q), s.quantile(q), "q=" + q);
        }
        assertEquals(sorted[0], s.quantile(0));
        assertEquals(sorted[sorted.length - 1], s.quantile(1));
        assertEquals(Arrays.stream(v).average().orElseThrow(), s.mean(), 1e-9);
        assertEquals(v.length, s.count());
    }

    @Test
    void mergedSketchesAnswerAsOneSketchOfAllValues() {
        QuantileSketch all = new QuantileSketch();
        QuantileSketch merged = new QuantileSketch();
        SplittableRandom rnd = new SplittableRandom(3);
        for (int part = 0; part < 8; part++) {
            QuantileSketch p = new QuantileSketch();
            // Parts with disjoint ranges: merging must re-base the buckets in both directions.
            double scale = Math.pow(10, part % 4 - 1);
            for (int i = 0; i < 500; i++) {
                double x = scale * (1 + rnd.nextDouble());
                p.add(x);
                all.add(x);
            }
            merged.merge(p);
        }
        for (double q = 0; q <= 1.0001; q += 0.05) {
            assertEquals(all.quantile(q), merged.quantile(q), 0.0, "q=" + q);
        }
        assertEquals(all.count(), merged.count());
    }

    @Test
    void zerosNegativesAndNaN() {
        QuantileSketch s = new QuantileSketch();
        assertTrue(Double.isNaN(s.quantile(0.5)), "empty");
        assertTrue(Double.isNaN(s.mean()));
        s.add(Double.NaN);
        s.add(-1);
        assertEquals(0, s.count(), "NaN and negative values are not timings");
        s.add(0);
        s.add(0);
        s.add(10);
        assertEquals(0, s.quantile(0.5));
        assertWithinAccuracy(10, s.quantile(0.9), "q=0.9");
        assertEquals(10, s.quantile(1));
    }
}
