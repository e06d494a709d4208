package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.specdec.tensor.DType;
import org.specdec.tensor.WeightTensor;

/**
 * out[m][j] = x[m] . W[j] (+ bias[j]) for all M input rows and a range of output rows j: a GEMM
 * against a weight stored as {@code [out_features, in_features]}. Weight rows are read four at a
 * time into an L1 scratch ({@link WeightRowReader}) and each block is multiplied with every input
 * row, so the weight is read from memory once per pass whatever M is (verification reads each
 * weight once for all k+1 positions of all rows, not k+1 times).
 *
 * <p>The micro-kernels hold a 4 (weight rows) x 3 (input rows) block of accumulators: each load
 * feeds several FMAs, which matters once M grows (batched verification is compute-bound on a
 * CPU). A single input row against BF16 weights (decode) skips the F32 scratch: the pairs are
 * widened in registers and multiplied at once. Every dot product, whatever kernel computes it, runs the
 * same operations in the same order (one vector accumulator over the chunks of the weight's
 * element order, lane reduction, scalar tail), so a row's result does not depend on the batch it
 * is in.
 */
final class CpuMatmul {
    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final VectorSpecies<Integer> I = WeightRowReader.I;
    private static final int L = VectorMath.LANES;

    private CpuMatmul() {}

    static void rows(WeightTensor w, int jFrom, int jTo, InputPanel in, float[] bias, float[] out, int outStride,
                     int outCol, WeightRowReader reader) {
        int n = w.cols();
        int m = in.rows();
        if (in.cols() != n) {
            throw new IllegalArgumentException("tensor " + w.name() + " has " + n + " columns, its input " + in.cols());
        }
        DType dtype = w.dtype();
        float[] x = in.elements(dtype);
        int vecEnd = InputPanel.vectorEnd(dtype, n);
        boolean decodeFromPairs = m == 1 && dtype == DType.BF16;
        float[] ws = reader.rows;
        for (int j = jFrom; j < jTo; j += 4) {
            int jn = Math.min(4, jTo - j);
            int col = outCol + j;
            if (decodeFromPairs && jn == 4) {
                for (int r = 0; r < 4; r++) {
                    reader.loadPairsAndTail(w, j + r, r);
                }
                pairs4x1Bf16(reader.pairs, reader.pairStride, vecEnd, x, ws, n, out, col);
            } else {
                for (int r = 0; r < jn; r++) {
                    reader.load(w, j + r, r);
                }
                int i = 0;
                if (jn == 4) {
                    for (; i + 3 <= m; i += 3) {
                        block4x3(ws, n, vecEnd, x, i, out, outStride, col);
                    }
                    if (m - i == 2) {
                        block4x2(ws, n, vecEnd, x, i, out, outStride, col);
                        i += 2;
                    } else if (m - i == 1) {
                        block4x1(ws, n, vecEnd, x, i, out, outStride, col);
                        i += 1;
                    }
                }
                for (; i < m; i++) {
                    for (int r = 0; r < jn; r++) {
                        out[i * outStride + col + r] = dot(ws, r * n, x, i * n, vecEnd, n);
                    }
                }
            }
            if (bias != null) {
                for (int r = 0; r < jn; r++) {
                    float bj = bias[j + r];
                    for (int t = 0; t < m; t++) {
                        out[t * outStride + col + r] += bj;
                    }
                }
            }
        }
    }

    /** One dot product in the kernels' order: vector chunks up to {@code vecEnd}, reduction, tail. */
    private static float dot(float[] w, int wOff, float[] x, int xOff, int vecEnd, int n) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (; c < vecEnd; c += L) {
            acc = FloatVector.fromArray(F, w, wOff + c).fma(FloatVector.fromArray(F, x, xOff + c), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; c < n; c++) {
            s += w[wOff + c] * x[xOff + c];
        }
        return s;
    }

    /**
     * Decode of one input row against four BF16 rows read as pairs: the same FMAs in the same order
     * as {@link #block4x1} over the widened rows, without writing them to scratch.
     */
    private static void pairs4x1Bf16(int[] p, int ps, int vecEnd, float[] x, float[] tails, int n, float[] out,
                                     int col) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int e = 0; e < vecEnd; e += 2 * L) {
            int q = e >> 1;
            FloatVector xe = FloatVector.fromArray(F, x, e);
            FloatVector xo = FloatVector.fromArray(F, x, e + L);
            IntVector u0 = IntVector.fromArray(I, p, q);
            IntVector u1 = IntVector.fromArray(I, p, ps + q);
            IntVector u2 = IntVector.fromArray(I, p, 2 * ps + q);
            IntVector u3 = IntVector.fromArray(I, p, 3 * ps + q);
            a0 = WeightRowReader.bf16Even(u0).fma(xe, a0);
            a1 = WeightRowReader.bf16Even(u1).fma(xe, a1);
            a2 = WeightRowReader.bf16Even(u2).fma(xe, a2);
            a3 = WeightRowReader.bf16Even(u3).fma(xe, a3);
            a0 = WeightRowReader.bf16Odd(u0).fma(xo, a0);
            a1 = WeightRowReader.bf16Odd(u1).fma(xo, a1);
            a2 = WeightRowReader.bf16Odd(u2).fma(xo, a2);
            a3 = WeightRowReader.bf16Odd(u3).fma(xo, a3);
        }
        store(a0, tails, 0, x, 0, vecEnd, n, out, col);
        store(a1, tails, n, x, 0, vecEnd, n, out, col + 1);
        store(a2, tails, 2 * n, x, 0, vecEnd, n, out, col + 2);
        store(a3, tails, 3 * n, x, 0, vecEnd, n, out, col + 3);
    }

    private static void block4x3(float[] w, int n, int vecEnd, float[] x, int i, float[] out, int stride, int col) {
        int x0 = i * n;
        int x1 = x0 + n;
        int x2 = x1 + n;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00;
        int c = 0;
        for (; c < vecEnd; c += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + c);
            FloatVector v1 = FloatVector.fromArray(F, x, x1 + c);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + c);
            FloatVector w0 = FloatVector.fromArray(F, w, c);
            a00 = w0.fma(v0, a00);
            a01 = w0.fma(v1, a01);
            a02 = w0.fma(v2, a02);
            FloatVector w1 = FloatVector.fromArray(F, w, n + c);
            a10 = w1.fma(v0, a10);
            a11 = w1.fma(v1, a11);
            a12 = w1.fma(v2, a12);
            FloatVector w2 = FloatVector.fromArray(F, w, 2 * n + c);
            a20 = w2.fma(v0, a20);
            a21 = w2.fma(v1, a21);
            a22 = w2.fma(v2, a22);
            FloatVector w3 = FloatVector.fromArray(F, w, 3 * n + c);
            a30 = w3.fma(v0, a30);
            a31 = w3.fma(v1, a31);
            a32 = w3.fma(v2, a32);
        }
        store(a00, w, 0, x, x0, c, n, out, i * stride + col);
        store(a01, w, 0, x, x1, c, n, out, (i + 1) * stride + col);
        store(a02, w, 0, x, x2, c, n, out, (i + 2) * stride + col);
        store(a10, w, n, x, x0, c, n, out, i * stride + col + 1);
        store(a11, w, n, x, x1, c, n, out, (i + 1) * stride + col + 1);
        store(a12, w, n, x, x2, c, n, out, (i + 2) * stride + col + 1);
        store(a20, w, 2 * n, x, x0, c, n, out, i * stride + col + 2);
        store(a21, w, 2 * n, x, x1, c, n, out, (i + 1) * stride + col + 2);
        store(a22, w, 2 * n, x, x2, c, n, out, (i + 2) * stride + col + 2);
        store(a30, w, 3 * n, x, x0, c, n, out, i * stride + col + 3);
        store(a31, w, 3 * n, x, x1, c, n, out, (i + 1) * stride + col + 3);
        store(a32, w, 3 * n, x, x2, c, n, out, (i + 2) * stride + col + 3);
    }

    private static void block4x2(float[] w, int n, int vecEnd, float[] x, int i, float[] out, int stride, int col) {
        int x0 = i * n;
        int x1 = x0 + n;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        int c = 0;
        for (; c < vecEnd; c += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + c);
            FloatVector v1 = FloatVector.fromArray(F, x, x1 + c);
            FloatVector w0 = FloatVector.fromArray(F, w, c);
            a00 = w0.fma(v0, a00);
            a01 = w0.fma(v1, a01);
            FloatVector w1 = FloatVector.fromArray(F, w, n + c);
            a10 = w1.fma(v0, a10);
            a11 = w1.fma(v1, a11);
            FloatVector w2 = FloatVector.fromArray(F, w, 2 * n + c);
            a20 = w2.fma(v0, a20);
            a21 = w2.fma(v1, a21);
            FloatVector w3 = FloatVector.fromArray(F, w, 3 * n + c);
            a30 = w3.fma(v0, a30);
            a31 = w3.fma(v1, a31);
        }
        store(a00, w, 0, x, x0, c, n, out, i * stride + col);
        store(a01, w, 0, x, x1, c, n, out, (i + 1) * stride + col);
        store(a10, w, n, x, x0, c, n, out, i * stride + col + 1);
        store(a11, w, n, x, x1, c, n, out, (i + 1) * stride + col + 1);
        store(a20, w, 2 * n, x, x0, c, n, out, i * stride + col + 2);
        store(a21, w, 2 * n, x, x1, c, n, out, (i + 1) * stride + col + 2);
        store(a30, w, 3 * n, x, x0, c, n, out, i * stride + col + 3);
        store(a31, w, 3 * n, x, x1, c, n, out, (i + 1) * stride + col + 3);
    }

    /** Decode of a single row: four independent accumulator chains keep the loads in flight. */
    private static void block4x1(float[] w, int n, int vecEnd, float[] x, int i, float[] out, int stride, int col) {
        int x0 = i * n;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c < vecEnd; c += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + c);
            a0 = FloatVector.fromArray(F, w, c).fma(v0, a0);
            a1 = FloatVector.fromArray(F, w, n + c).fma(v0, a1);
            a2 = FloatVector.fromArray(F, w, 2 * n + c).fma(v0, a2);
            a3 = FloatVector.fromArray(F, w, 3 * n + c).fma(v0, a3);
        }
        store(a0, w, 0, x, x0, c, n, out, i * stride + col);
        store(a1, w, n, x, x0, c, n, out, i * stride + col + 1);
        store(a2, w, 2 * n, x, x0, c, n, out, i * stride + col + 2);
        store(a3, w, 3 * n, x, x0, c, n, out, i * stride + col + 3);
    }

    /** Lane reduction plus the scalar tail from {@code c}: the end of {@link VectorMath#dot}. */
    private static void store(FloatVector acc, float[] w, int wOff, float[] x, int xOff, int c, int n, float[] out,
                              int at) {
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (int i = c; i < n; i++) {
            s += w[wOff + i] * x[xOff + i];
        }
        out[at] = s;
    }
}
