package org.specdec.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x for F32 vectors, built only from lane operations IEEE 754 defines exactly (FMA, add,
 * multiply, divide, compare, integer bit operations). The Vector API's compiled code and its Java
 * fallback (what runs before C2 compiles a loop) therefore give the same bits, and a value's
 * result depends neither on its lane nor on the array around it: a row decodes the same in any
 * batch, early or late in a run.
 *
 * <p>{@code Math.exp} costs about 15 ns per element here, which made the SwiGLU and the attention
 * softmax of a small model's pass cost as much as its matrix products; this costs about 0.3 ns.
 * {@code lanewise(EXP)} is as fast but calls the platform's vector math library, whose last bit
 * differs from its own Java fallback's, so outputs could change once the JIT warms up.
 *
 * <p>The method is Cephes' expf: n = round(x log2 e), r = x - n ln 2 in two steps (Cody-Waite),
 * e^r by a degree-6 polynomial, times 2^n built in the exponent bits. Within 1 ulp of e^x where
 * e^x is a normal float; a subnormal or 0 just below {@link #UNDERFLOW} (e^x is subnormal there),
 * exactly 0 from about -87.7 down, +Infinity above {@link #OVERFLOW}; NaN stays NaN.
 */
public final class VectorExp {
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /** e^UNDERFLOW is the smallest normal float; from about -87.7 down the result is 0. */
    static final float UNDERFLOW = -87.33654f;
    /** Above this, 2^n would leave the normal exponent range: the result is +Infinity. */
    static final float OVERFLOW = 88.37626f;
    /** Inputs are clamped here first: n = round(x log2 e) then stays within [-128, 129]. */
    private static final float CLAMP_LOW = -88.7f;
    private static final float CLAMP_HIGH = 88.8f;
    private static final float LOG2E = 1.44269504088896341f;
    /** 1.5 * 2^23: adding it rounds to an integer, which then sits in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = 0x4B400000;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    private VectorExp() {}

    /** a[i] = e^((a[i] - shift) * scale) for i in [from, to). */
    public static void expInPlace(float[] a, int from, int to, float shift, float scale) {
        expLoop(a, from, to, shift, scale, null);
    }

    /** gate[i] = silu(gate[i]) * up[i] = gate[i] / (1 + e^-gate[i]) * up[i] for i in [from, to) (SwiGLU). */
    public static void siluTimes(float[] gate, float[] up, int from, int to) {
        expLoop(gate, from, to, 0f, -1f, up);
    }

    /**
     * The one vector loop that takes e^x; with {@code up} set it returns silu times up instead.
     * The polynomial is written inside the loop rather than in a method taking a vector: C2 does
     * not inline a vector method it has already compiled on its own, and a vector passed across a
     * call is boxed, which made SwiGLU cost a tenth of a pass in some runs.
     */
    private static void expLoop(float[] a, int from, int to, float shift, float scale, float[] up) {
        for (int i = from; i < to; i += L) {
            boolean whole = i + L <= to;
            VectorMask<Float> m = whole ? null : F.indexInRange(i, to);
            FloatVector in = whole ? FloatVector.fromArray(F, a, i) : FloatVector.fromArray(F, a, i, m);
            FloatVector x = in.sub(shift).mul(scale);
            FloatVector c = x.max(CLAMP_LOW).min(CLAMP_HIGH);
            FloatVector t = c.fma(LOG2E, ROUND);               // round(c log2 e) + ROUND, rounded once
            FloatVector n = t.sub(ROUND);
            FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), c);
            r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector p = r.fma(P0, P1);
            p = p.fma(r, FloatVector.broadcast(F, P2));
            p = p.fma(r, FloatVector.broadcast(F, P3));
            p = p.fma(r, FloatVector.broadcast(F, P4));
            p = p.fma(r, FloatVector.broadcast(F, P5));
            FloatVector y = p.fma(r.mul(r), r).add(1f);
            // 2^n from n's bits in the exponent field; n = -127 gives the bits of 0.0 and n = 128 those
            // of +Infinity, so results below and above the normal range need no compare and no blend.
            IntVector n2 = t.reinterpretAsInts().sub(ROUND_BITS).max(-127).min(128);
            FloatVector e = y.mul(n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            if (up != null) {
                FloatVector u = whole ? FloatVector.fromArray(F, up, i) : FloatVector.fromArray(F, up, i, m);
                e = in.div(e.add(1f)).mul(u);
            }
            if (whole) {
                e.intoArray(a, i);
            } else {
                e.intoArray(a, i, m);
            }
        }
    }

    /** e^x of one value, through the same lane operations as {@link #expInPlace}. */
    public static float exp(float x) {
        float[] lanes = new float[L];
        java.util.Arrays.fill(lanes, x);
        expInPlace(lanes, 0, L, 0f, 1f);  // (x - 0) * 1 is x, -0 included
        return lanes[0];
    }
}
