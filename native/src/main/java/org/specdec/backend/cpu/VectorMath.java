package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.specdec.tensor.VectorExp;

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

    /**
     * out[outOff + i] = sum over s in [from, to) of weights[s] * scale * rows[rowOff + s * rowStride + i],
     * for i in [0, n): the attention's probability-weighted sum of value rows. Each output vector
     * stays in a register over all s (one FMA per row and vector), where adding one row at a time into
     * {@code out} would store and reload it for every row. The sum runs over s in order, for every element.
     */
    static void weightedRowSum(float[] weights, int from, int to, float scale, float[] rows, int rowOff,
                               int rowStride, float[] out, int outOff, int n) {
        int vecEnd = F.loopBound(n);
        for (int c = 0; c < vecEnd; c += LANES) {
            FloatVector acc = FloatVector.zero(F);
            for (int s = from; s < to; s++) {
                acc = FloatVector.fromArray(F, rows, rowOff + s * rowStride + c).fma(FloatVector.broadcast(F, weights[s] * scale), acc);
            }
            acc.intoArray(out, outOff + c);
        }
        for (int c = vecEnd; c < n; c++) {
            float acc = 0;
            for (int s = from; s < to; s++) {
                acc = Math.fma(rows[rowOff + s * rowStride + c], weights[s] * scale, acc);
            }
            out[outOff + c] = acc;
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

    /** gate[i] = silu(gate[i]) * up[i] (SwiGLU), with {@link VectorExp}'s e^x for every element. */
    static void swiglu(float[] gate, float[] up, int off, int n) {
        int end = off + n;
        int i = off;
        for (; i + LANES <= end; i += LANES) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(VectorExp.exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        if (i < end) {
            VectorMask<Float> m = F.indexInRange(i, end);
            FloatVector g = FloatVector.fromArray(F, gate, i, m);
            g.div(VectorExp.exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i, m)).intoArray(gate, i, m);
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
