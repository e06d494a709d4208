package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise and reduction kernels on F32 arrays with the Vector API. Every reduction uses one
 * fixed order (vector lanes, then the scalar tail), so a result depends only on its inputs, never
 * on batch size or thread count: batched and position-by-position passes agree bit for bit.
 */
final class VectorMath {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();

    private VectorMath() {}

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return dot(a, aOff, b, bOff, F.loopBound(n), n);
    }

    /** The dot product with whole vectors up to {@code vecEnd} (a multiple of the lanes), then one element at a time. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int vecEnd, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < vecEnd; i += LANES) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /** y[yOff..] += a * x[xOff..] over n elements. */
    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector av = FloatVector.broadcast(F, a);
        for (; i < bound; i += LANES) {
            av.fma(FloatVector.fromArray(F, x, xOff + i), FloatVector.fromArray(F, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /** out = x / rms(x) * weight, over n elements (RMSNorm). */
    static void rmsnorm(float[] x, int xOff, float[] weight, float eps, float[] out, int outOff, int n) {
        float ss = dot(x, xOff, x, xOff, n);
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += LANES) {
            FloatVector.fromArray(F, x, xOff + i).mul(scale).mul(FloatVector.fromArray(F, weight, i))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * scale * weight[i];
        }
    }

    /** gate[i] = silu(gate[i]) * up[i] (SwiGLU). */
    static void swiglu(float[] gate, float[] up, int off, int n) {
        for (int i = off; i < off + n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    static void add(float[] y, int yOff, float[] x, int xOff, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += LANES) {
            FloatVector.fromArray(F, y, yOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }
}
