package org.specdec.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorMathTest {

    /** Every element is the in-order FMA chain over s, whatever the width (one to four vectors a pass, and the tail). */
    @Test
    void weightedRowSumIsEachElementsFmaChainInOrder() {
        Random rnd = new Random(3);
        int stride = 300;
        float[] rows = new float[70 * stride];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) rnd.nextGaussian();
        }
        float[] weights = new float[70];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = rnd.nextFloat();
        }
        for (int n : new int[] {5, 16, 32, 48, 64, 100, 128, 200}) {
            for (int[] range : new int[][] {{0, 1}, {0, 66}, {13, 70}}) {
                float[] out = new float[n + 3];
                VectorMath.weightedRowSum(weights, 0, range[0], range[1], 0.37f, rows, 7, stride, out, 3, n);
                for (int i = 0; i < n; i++) {
                    float want = 0;
                    for (int s = range[0]; s < range[1]; s++) {
                        want = Math.fma(rows[7 + s * stride + i], weights[s] * 0.37f, want);
                    }
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[3 + i]),
                            "element " + i + " of " + n + ", positions [" + range[0] + ", " + range[1] + ")");
                }
            }
        }
    }
}
