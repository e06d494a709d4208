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

    static float dot(float[] a, int aOff, float[] b, int bOff, int n, float[] lanes) {
        return dot(a, aOff, b, bOff, F.loopBound(n), n, lanes);
    }

    /**
     * The dot product with whole vectors up to {@code vecEnd} (a multiple of the lanes), then one
     * element at a time; {@code lanes} is scratch of {@link #LANES} floats.
     */
    static float dot(float[] a, int aOff, float[] b, int bOff, int vecEnd, int n, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < vecEnd; i += LANES) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        if (!REDUCE_LANES_IN_ORDER) {
            acc.intoArray(lanes, 0);
        }
        float sum = REDUCE_LANES_IN_ORDER ? acc.reduceLanes(VectorOperators.ADD) : laneSum(lanes, 0);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /**
     * Whether {@code reduceLanes(ADD)} adds the lanes in order on this JVM, compiled or not
     * ({@link LaneOrderProbe}): Java 17's C2 does. The Vector API leaves the order open, and C2 on
     * Java 25 adds in another order than the same code run before it is compiled, so a row's
     * result would depend on how warm the JIT is. There every dot product of the CPU backend stores
     * its accumulator and sums the lanes with {@link #laneSum}, at a cost: a batch-8, 5-position
     * pass of the shipped target takes 7-9 ms on Java 25 against 4.0-4.2 ms with the JIT's sum.
     * Where the order holds, {@code reduceLanes} stays: the fastest in-order sum there.
     */
    static final boolean REDUCE_LANES_IN_ORDER = LaneOrderProbe.reduceLanesInOrder();

    /**
     * The sum of the {@link #LANES} floats at {@code a[off ...]}, pairwise (the upper half added to
     * the lower until one is left); widths other than 4, 8 and 16 overwrite them. Plain scalar
     * additions give the same bits interpreted or compiled.
     */
    static float laneSum(float[] a, int off) {
        // Written out for the usual widths: the same tree folded in memory costs a store and a load
        // per addition, and batched verification sums lanes about as often as it multiplies.
        switch (LANES) {
            case 16 -> {
                return (((a[off] + a[off + 8]) + (a[off + 4] + a[off + 12]))
                        + ((a[off + 2] + a[off + 10]) + (a[off + 6] + a[off + 14])))
                        + (((a[off + 1] + a[off + 9]) + (a[off + 5] + a[off + 13]))
                        + ((a[off + 3] + a[off + 11]) + (a[off + 7] + a[off + 15])));
            }
            case 8 -> {
                return ((a[off] + a[off + 4]) + (a[off + 2] + a[off + 6]))
                        + ((a[off + 1] + a[off + 5]) + (a[off + 3] + a[off + 7]));
            }
            case 4 -> {
                return (a[off] + a[off + 2]) + (a[off + 1] + a[off + 3]);
            }
            default -> {
                for (int h = LANES >> 1; h > 0; h >>= 1) {
                    for (int i = 0; i < h; i++) {
                        a[off + i] += a[off + i + h];
                    }
                }
                return a[off];
            }
        }
    }

    /**
     * {@link #laneSum} of {@link #LANES} accumulators at once, stored transposed: lane l of
     * accumulator i at {@code planes[off + l * LANES + i]}, its sum into {@code sums[sumsOff + i]}.
     * The same pairwise tree, on vectors (overwriting the planes).
     */
    static void laneSumsOfPlanes(float[] planes, int off, float[] sums, int sumsOff) {
        for (int h = LANES >> 1; h > 0; h >>= 1) {
            for (int i = 0; i < h; i++) {
                int a = off + i * LANES;
                FloatVector.fromArray(F, planes, a).add(FloatVector.fromArray(F, planes, a + h * LANES))
                        .intoArray(planes, a);
            }
        }
        System.arraycopy(planes, off, sums, sumsOff, LANES);
    }

    /**
     * out[outOff + i] = sum over s in [from, to) of weights[weightsOff + s] * scale * rows[rowOff + s * rowStride + i],
     * for i in [0, n): the attention's probability-weighted sum of value rows. Each output vector
     * stays in a register over all s (one FMA per row and vector), where adding one row at a time into
     * {@code out} would store and reload it for every row; up to four output vectors share one pass
     * over s, so their FMA chains overlap instead of each waiting on its own latency. The sum runs
     * over s in order, for every element.
     */
    static void weightedRowSum(float[] weights, int weightsOff, int from, int to, float scale, float[] rows, int rowOff,
                               int rowStride, float[] out, int outOff, int n) {
        int vecEnd = F.loopBound(n);
        int c = 0;
        for (; c + 4 * LANES <= vecEnd; c += 4 * LANES) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            for (int s = from; s < to; s++) {
                FloatVector p = FloatVector.broadcast(F, weights[weightsOff + s] * scale);
                int r = rowOff + s * rowStride + c;
                a0 = FloatVector.fromArray(F, rows, r).fma(p, a0);
                a1 = FloatVector.fromArray(F, rows, r + LANES).fma(p, a1);
                a2 = FloatVector.fromArray(F, rows, r + 2 * LANES).fma(p, a2);
                a3 = FloatVector.fromArray(F, rows, r + 3 * LANES).fma(p, a3);
            }
            a0.intoArray(out, outOff + c);
            a1.intoArray(out, outOff + c + LANES);
            a2.intoArray(out, outOff + c + 2 * LANES);
            a3.intoArray(out, outOff + c + 3 * LANES);
        }
        for (; c + 2 * LANES <= vecEnd; c += 2 * LANES) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            for (int s = from; s < to; s++) {
                FloatVector p = FloatVector.broadcast(F, weights[weightsOff + s] * scale);
                int r = rowOff + s * rowStride + c;
                a0 = FloatVector.fromArray(F, rows, r).fma(p, a0);
                a1 = FloatVector.fromArray(F, rows, r + LANES).fma(p, a1);
            }
            a0.intoArray(out, outOff + c);
            a1.intoArray(out, outOff + c + LANES);
        }
        for (; c < vecEnd; c += LANES) {
            FloatVector acc = FloatVector.zero(F);
            for (int s = from; s < to; s++) {
                acc = FloatVector.fromArray(F, rows, rowOff + s * rowStride + c).fma(FloatVector.broadcast(F, weights[weightsOff + s] * scale), acc);
            }
            acc.intoArray(out, outOff + c);
        }
        for (c = vecEnd; c < n; c++) {
            float acc = 0;
            for (int s = from; s < to; s++) {
                acc = Math.fma(rows[rowOff + s * rowStride + c], weights[weightsOff + s] * scale, acc);
            }
            out[outOff + c] = acc;
        }
    }

    /** out = x / rms(x) * weight, over n elements (RMSNorm); {@code lanes} is scratch of {@link #LANES} floats. */
    static void rmsnorm(float[] x, int xOff, float[] weight, float eps, float[] out, int outOff, int n, float[] lanes) {
        float ss = dot(x, xOff, x, xOff, n, lanes);
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
        VectorExp.siluTimes(gate, up, off, off + n);
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
