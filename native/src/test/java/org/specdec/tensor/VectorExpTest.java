package org.specdec.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorExpTest {

    /** Distance in units in the last place between two positive normal floats. */
    private static int ulps(float a, float b) {
        return Math.abs(Float.floatToIntBits(a) - Float.floatToIntBits(b));
    }

    @Test
    void isWithinOneUlpOfEToTheXOverTheNormalRange() {
        int worst = 0;
        float worstAt = 0;
        // Every 97th float bit pattern between the two ends, both signs: about 20 million values.
        for (int bits = 0; bits <= Float.floatToIntBits(VectorExp.OVERFLOW); bits += 97) {
            for (float x : new float[] {Float.intBitsToFloat(bits), -Float.intBitsToFloat(bits)}) {
                if (x < VectorExp.UNDERFLOW + 0.5f) {
                    continue;  // near the bottom the result is subnormal and the ulp scale changes
                }
                int d = ulps(VectorExp.exp(x), (float) Math.exp(x));
                if (d > worst) {
                    worst = d;
                    worstAt = x;
                }
            }
        }
        assertTrue(worst <= 1, "worst error " + worst + " ulp at x = " + worstAt);
    }

    @Test
    void edgesUnderflowToZeroOverflowToInfinityAndKeepNaN() {
        assertEquals(1f, VectorExp.exp(0f));
        assertEquals(1f, VectorExp.exp(-0f));
        assertEquals(0f, VectorExp.exp(-88f));
        assertEquals(0f, VectorExp.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, VectorExp.exp(89f));
        assertEquals(Float.POSITIVE_INFINITY, VectorExp.exp(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(VectorExp.exp(Float.NaN)));
        float smallest = VectorExp.exp(VectorExp.UNDERFLOW);
        assertTrue(smallest > 0 && smallest < 1.2e-38f, "e^UNDERFLOW = " + smallest);
        assertTrue(VectorExp.exp(VectorExp.OVERFLOW) > 2e38f);
    }

    /** A value's result depends neither on its lane nor on where a range starts or ends. */
    @Test
    void aValueGetsTheSameBitsAtAnyPlaceOfAnyRange() {
        Random rnd = new Random(5);
        float[] values = new float[301];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (rnd.nextGaussian() * 20);
        }
        for (int from = 0; from < 40; from += 3) {
            for (int to = values.length - 37; to <= values.length; to += 5) {
                float[] a = values.clone();
                VectorExp.expInPlace(a, from, to, 1.5f, 0.7f);
                for (int i = 0; i < a.length; i++) {
                    float want = i >= from && i < to ? VectorExp.exp((values[i] - 1.5f) * 0.7f) : values[i];
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(a[i]),
                            "element " + i + " of [" + from + ", " + to + ")");
                }
            }
        }
    }

    /** SwiGLU takes the same e^x: gate / (1 + e^-gate) * up, element by element, at any range. */
    @Test
    void siluTimesIsGateOverOnePlusEToTheMinusGateTimesUp() {
        Random rnd = new Random(11);
        float[] gate = new float[203];
        float[] up = new float[gate.length];
        for (int i = 0; i < gate.length; i++) {
            gate[i] = (float) (rnd.nextGaussian() * 6);
            up[i] = (float) rnd.nextGaussian();
        }
        gate[7] = 0f;
        gate[8] = -0f;
        gate[9] = -100f;  // e^100 overflows: silu is -0
        gate[10] = 100f;
        for (int from = 0; from < 20; from += 7) {
            for (int to = gate.length - 19; to <= gate.length; to += 6) {
                float[] a = gate.clone();
                VectorExp.siluTimes(a, up, from, to);
                for (int i = 0; i < a.length; i++) {
                    float want = i >= from && i < to ? gate[i] / (1f + VectorExp.exp(-gate[i])) * up[i] : gate[i];
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(a[i]),
                            "element " + i + " of [" + from + ", " + to + ")");
                }
            }
        }
        float[] one = {100f};  // an array shorter than a vector
        VectorExp.siluTimes(one, new float[] {up[10]}, 0, 1);
        assertEquals(100f * up[10], one[0]);
    }
}
