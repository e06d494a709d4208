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
 * <p>The micro-kernels hold a block of 4 (weight rows) x up to 5 (input rows) accumulators: each
 * load feeds several FMAs, which matters once M grows (batched verification is compute-bound on a
 * CPU). Wider blocks do not pay: with more vectors live, C2 stops compiling the loop to registers.
 * Each block shape is written out: accumulators held in an array, or passed to a helper, would be
 * boxed. A single input row against BF16 weights, or F16 weights without infinities or NaNs
 * (decode), skips the F32 scratch: the pairs are widened in registers and multiplied at once. Every dot product, whatever kernel computes it, runs the
 * same operations in the same order (one vector accumulator over the chunks of the weight's
 * element order, lane reduction, scalar tail), so a row's result does not depend on the batch it
 * is in.
 */
final class CpuMatmul {
    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final VectorSpecies<Integer> I = WeightRowReader.I;
    private static final int L = VectorMath.LANES;
    private static final int F16_IN_F32_BITS = WeightRowReader.F16_IN_F32_BITS;
    private static final float F16_EXPONENT_SHIFT = WeightRowReader.F16_EXPONENT_SHIFT;

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
        int vecEnd = InputPanel.vectorEnd(n);
        boolean decodeFromPairs = m == 1 && (dtype == DType.BF16 || dtype == DType.F16 && !w.hasNonFiniteF16());
        float[] ws = reader.rows;
        for (int j = jFrom; j < jTo; j += 4) {
            int jn = Math.min(4, jTo - j);
            int col = outCol + j;
            if (decodeFromPairs && jn == 4) {
                reader.loadPairsAndTails(w, j, 4);
                if (dtype == DType.BF16) {
                    pairs4x1Bf16(reader.pairs, WeightRowReader.pairStride(n), InputPanel.pairedVectorEnd(n), vecEnd, x,
                            ws, n, out, col);
                } else {
                    pairs4x1F16(reader.pairs, WeightRowReader.pairStride(n), InputPanel.pairedVectorEnd(n), vecEnd, x,
                            ws, n, out, col);
                }
            } else {
                reader.load(w, j, jn);
                int i = 0;
                if (jn == 4) {
                    for (; i + 5 <= m; i += 5) {
                        block4x5(ws, n, vecEnd, x, i, out, outStride, col);
                    }
                    switch (m - i) {
                        case 4 -> block4x4(ws, n, vecEnd, x, i, out, outStride, col);
                        case 3 -> block4x3(ws, n, vecEnd, x, i, out, outStride, col);
                        case 2 -> block4x2(ws, n, vecEnd, x, i, out, outStride, col);
                        case 1 -> block4x1(ws, n, vecEnd, x, i, out, outStride, col);
                        default -> { }
                    }
                    i = m;
                }
                for (; i < m; i++) {
                    for (int r = 0; r < jn; r++) {
                        out[i * outStride + col + r] = VectorMath.dot(ws, r * n, x, i * n, vecEnd, n);
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

    /**
     * Decode of one input row against four BF16 rows read as pairs: the same FMAs in the same order
     * as {@link #block4x1} over the widened rows, without writing them to scratch.
     */
    private static void pairs4x1Bf16(int[] p, int ps, int pairedEnd, int vecEnd, float[] x, float[] tails, int n,
                                     float[] out, int col) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int e = 0; e < pairedEnd; e += 2 * L) {
            int q = e >> 1;
            FloatVector xe = FloatVector.fromArray(F, x, e);
            FloatVector xo = FloatVector.fromArray(F, x, e + L);
            IntVector u0 = IntVector.fromArray(I, p, q);
            IntVector u1 = IntVector.fromArray(I, p, ps + q);
            IntVector u2 = IntVector.fromArray(I, p, 2 * ps + q);
            IntVector u3 = IntVector.fromArray(I, p, 3 * ps + q);
            a0 = u0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a0);
            a1 = u1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a1);
            a2 = u2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a2);
            a3 = u3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a3);
            a0 = u0.and(0xffff0000).reinterpretAsFloats().fma(xo, a0);
            a1 = u1.and(0xffff0000).reinterpretAsFloats().fma(xo, a1);
            a2 = u2.and(0xffff0000).reinterpretAsFloats().fma(xo, a2);
            a3 = u3.and(0xffff0000).reinterpretAsFloats().fma(xo, a3);
        }
        for (int c = pairedEnd; c < vecEnd; c += L) {  // the whole vector after the paired blocks
            FloatVector v = FloatVector.fromArray(F, x, c);
            a0 = FloatVector.fromArray(F, tails, c).fma(v, a0);
            a1 = FloatVector.fromArray(F, tails, n + c).fma(v, a1);
            a2 = FloatVector.fromArray(F, tails, 2 * n + c).fma(v, a2);
            a3 = FloatVector.fromArray(F, tails, 3 * n + c).fma(v, a3);
        }
        out[col] = tail(a0.reduceLanes(VectorOperators.ADD), tails, 0, x, 0, vecEnd, n);
        out[col + 1] = tail(a1.reduceLanes(VectorOperators.ADD), tails, n, x, 0, vecEnd, n);
        out[col + 2] = tail(a2.reduceLanes(VectorOperators.ADD), tails, 2 * n, x, 0, vecEnd, n);
        out[col + 3] = tail(a3.reduceLanes(VectorOperators.ADD), tails, 3 * n, x, 0, vecEnd, n);
    }

    /**
     * {@link #pairs4x1Bf16} for F16 rows of a tensor without infinities or NaNs: each half moved to
     * an f32's place by shifts and a mask and scaled by 2^112 as {@link WeightRowReader} widens it,
     * in registers. Written out, one call per block of four rows: in a longer method C2 sometimes
     * gave up inlining the lane operations and the loop ran 20x slower.
     */
    private static void pairs4x1F16(int[] p, int ps, int pairedEnd, int vecEnd, float[] x, float[] tails, int n,
                                     float[] out, int col) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int e = 0; e < pairedEnd; e += 2 * L) {
            int q = e >> 1;
            FloatVector xe = FloatVector.fromArray(F, x, e);
            FloatVector xo = FloatVector.fromArray(F, x, e + L);
            IntVector u0 = IntVector.fromArray(I, p, q);
            IntVector u1 = IntVector.fromArray(I, p, ps + q);
            IntVector u2 = IntVector.fromArray(I, p, 2 * ps + q);
            IntVector u3 = IntVector.fromArray(I, p, 3 * ps + q);
            a0 = u0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT).fma(xe, a0);
            a1 = u1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT).fma(xe, a1);
            a2 = u2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT).fma(xe, a2);
            a3 = u3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT).fma(xe, a3);
            a0 = u0.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats().mul(F16_EXPONENT_SHIFT)
                    .fma(xo, a0);
            a1 = u1.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats().mul(F16_EXPONENT_SHIFT)
                    .fma(xo, a1);
            a2 = u2.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats().mul(F16_EXPONENT_SHIFT)
                    .fma(xo, a2);
            a3 = u3.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats().mul(F16_EXPONENT_SHIFT)
                    .fma(xo, a3);
        }
        for (int c = pairedEnd; c < vecEnd; c += L) {  // the whole vector after the paired blocks
            FloatVector v = FloatVector.fromArray(F, x, c);
            a0 = FloatVector.fromArray(F, tails, c).fma(v, a0);
            a1 = FloatVector.fromArray(F, tails, n + c).fma(v, a1);
            a2 = FloatVector.fromArray(F, tails, 2 * n + c).fma(v, a2);
            a3 = FloatVector.fromArray(F, tails, 3 * n + c).fma(v, a3);
        }
        out[col] = tail(a0.reduceLanes(VectorOperators.ADD), tails, 0, x, 0, vecEnd, n);
        out[col + 1] = tail(a1.reduceLanes(VectorOperators.ADD), tails, n, x, 0, vecEnd, n);
        out[col + 2] = tail(a2.reduceLanes(VectorOperators.ADD), tails, 2 * n, x, 0, vecEnd, n);
        out[col + 3] = tail(a3.reduceLanes(VectorOperators.ADD), tails, 3 * n, x, 0, vecEnd, n);
    }

    /** Four weight rows by five input rows: 20 accumulators, 9 loads per 20 FMAs. */
    private static void block4x5(float[] w, int n, int vecEnd, float[] x, int i, float[] out, int stride, int col) {
        int x0 = i * n;
        int x1 = x0 + n;
        int x2 = x1 + n;
        int x3 = x2 + n;
        int x4 = x3 + n;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a04 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a24 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00, a34 = a00;
        int c = 0;
        for (; c < vecEnd; c += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + c);
            FloatVector v1 = FloatVector.fromArray(F, x, x1 + c);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + c);
            FloatVector v3 = FloatVector.fromArray(F, x, x3 + c);
            FloatVector v4 = FloatVector.fromArray(F, x, x4 + c);
            FloatVector w0 = FloatVector.fromArray(F, w, c);
            a00 = w0.fma(v0, a00);
            a01 = w0.fma(v1, a01);
            a02 = w0.fma(v2, a02);
            a03 = w0.fma(v3, a03);
            a04 = w0.fma(v4, a04);
            FloatVector w1 = FloatVector.fromArray(F, w, n + c);
            a10 = w1.fma(v0, a10);
            a11 = w1.fma(v1, a11);
            a12 = w1.fma(v2, a12);
            a13 = w1.fma(v3, a13);
            a14 = w1.fma(v4, a14);
            FloatVector w2 = FloatVector.fromArray(F, w, 2 * n + c);
            a20 = w2.fma(v0, a20);
            a21 = w2.fma(v1, a21);
            a22 = w2.fma(v2, a22);
            a23 = w2.fma(v3, a23);
            a24 = w2.fma(v4, a24);
            FloatVector w3 = FloatVector.fromArray(F, w, 3 * n + c);
            a30 = w3.fma(v0, a30);
            a31 = w3.fma(v1, a31);
            a32 = w3.fma(v2, a32);
            a33 = w3.fma(v3, a33);
            a34 = w3.fma(v4, a34);
        }
        out[i * stride + col] = tail(a00.reduceLanes(VectorOperators.ADD), w, 0, x, x0, c, n);
        out[(i + 1) * stride + col] = tail(a01.reduceLanes(VectorOperators.ADD), w, 0, x, x1, c, n);
        out[(i + 2) * stride + col] = tail(a02.reduceLanes(VectorOperators.ADD), w, 0, x, x2, c, n);
        out[(i + 3) * stride + col] = tail(a03.reduceLanes(VectorOperators.ADD), w, 0, x, x3, c, n);
        out[(i + 4) * stride + col] = tail(a04.reduceLanes(VectorOperators.ADD), w, 0, x, x4, c, n);
        out[i * stride + col + 1] = tail(a10.reduceLanes(VectorOperators.ADD), w, n, x, x0, c, n);
        out[(i + 1) * stride + col + 1] = tail(a11.reduceLanes(VectorOperators.ADD), w, n, x, x1, c, n);
        out[(i + 2) * stride + col + 1] = tail(a12.reduceLanes(VectorOperators.ADD), w, n, x, x2, c, n);
        out[(i + 3) * stride + col + 1] = tail(a13.reduceLanes(VectorOperators.ADD), w, n, x, x3, c, n);
        out[(i + 4) * stride + col + 1] = tail(a14.reduceLanes(VectorOperators.ADD), w, n, x, x4, c, n);
        out[i * stride + col + 2] = tail(a20.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x0, c, n);
        out[(i + 1) * stride + col + 2] = tail(a21.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x1, c, n);
        out[(i + 2) * stride + col + 2] = tail(a22.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x2, c, n);
        out[(i + 3) * stride + col + 2] = tail(a23.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x3, c, n);
        out[(i + 4) * stride + col + 2] = tail(a24.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x4, c, n);
        out[i * stride + col + 3] = tail(a30.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x0, c, n);
        out[(i + 1) * stride + col + 3] = tail(a31.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x1, c, n);
        out[(i + 2) * stride + col + 3] = tail(a32.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x2, c, n);
        out[(i + 3) * stride + col + 3] = tail(a33.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x3, c, n);
        out[(i + 4) * stride + col + 3] = tail(a34.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x4, c, n);
    }

    /** Four weight rows by four input rows. */
    private static void block4x4(float[] w, int n, int vecEnd, float[] x, int i, float[] out, int stride, int col) {
        int x0 = i * n;
        int x1 = x0 + n;
        int x2 = x1 + n;
        int x3 = x2 + n;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int c = 0;
        for (; c < vecEnd; c += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + c);
            FloatVector v1 = FloatVector.fromArray(F, x, x1 + c);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + c);
            FloatVector v3 = FloatVector.fromArray(F, x, x3 + c);
            FloatVector w0 = FloatVector.fromArray(F, w, c);
            a00 = w0.fma(v0, a00);
            a01 = w0.fma(v1, a01);
            a02 = w0.fma(v2, a02);
            a03 = w0.fma(v3, a03);
            FloatVector w1 = FloatVector.fromArray(F, w, n + c);
            a10 = w1.fma(v0, a10);
            a11 = w1.fma(v1, a11);
            a12 = w1.fma(v2, a12);
            a13 = w1.fma(v3, a13);
            FloatVector w2 = FloatVector.fromArray(F, w, 2 * n + c);
            a20 = w2.fma(v0, a20);
            a21 = w2.fma(v1, a21);
            a22 = w2.fma(v2, a22);
            a23 = w2.fma(v3, a23);
            FloatVector w3 = FloatVector.fromArray(F, w, 3 * n + c);
            a30 = w3.fma(v0, a30);
            a31 = w3.fma(v1, a31);
            a32 = w3.fma(v2, a32);
            a33 = w3.fma(v3, a33);
        }
        out[i * stride + col] = tail(a00.reduceLanes(VectorOperators.ADD), w, 0, x, x0, c, n);
        out[(i + 1) * stride + col] = tail(a01.reduceLanes(VectorOperators.ADD), w, 0, x, x1, c, n);
        out[(i + 2) * stride + col] = tail(a02.reduceLanes(VectorOperators.ADD), w, 0, x, x2, c, n);
        out[(i + 3) * stride + col] = tail(a03.reduceLanes(VectorOperators.ADD), w, 0, x, x3, c, n);
        out[i * stride + col + 1] = tail(a10.reduceLanes(VectorOperators.ADD), w, n, x, x0, c, n);
        out[(i + 1) * stride + col + 1] = tail(a11.reduceLanes(VectorOperators.ADD), w, n, x, x1, c, n);
        out[(i + 2) * stride + col + 1] = tail(a12.reduceLanes(VectorOperators.ADD), w, n, x, x2, c, n);
        out[(i + 3) * stride + col + 1] = tail(a13.reduceLanes(VectorOperators.ADD), w, n, x, x3, c, n);
        out[i * stride + col + 2] = tail(a20.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x0, c, n);
        out[(i + 1) * stride + col + 2] = tail(a21.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x1, c, n);
        out[(i + 2) * stride + col + 2] = tail(a22.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x2, c, n);
        out[(i + 3) * stride + col + 2] = tail(a23.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x3, c, n);
        out[i * stride + col + 3] = tail(a30.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x0, c, n);
        out[(i + 1) * stride + col + 3] = tail(a31.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x1, c, n);
        out[(i + 2) * stride + col + 3] = tail(a32.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x2, c, n);
        out[(i + 3) * stride + col + 3] = tail(a33.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x3, c, n);
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
        out[i * stride + col] = tail(a00.reduceLanes(VectorOperators.ADD), w, 0, x, x0, c, n);
        out[(i + 1) * stride + col] = tail(a01.reduceLanes(VectorOperators.ADD), w, 0, x, x1, c, n);
        out[(i + 2) * stride + col] = tail(a02.reduceLanes(VectorOperators.ADD), w, 0, x, x2, c, n);
        out[i * stride + col + 1] = tail(a10.reduceLanes(VectorOperators.ADD), w, n, x, x0, c, n);
        out[(i + 1) * stride + col + 1] = tail(a11.reduceLanes(VectorOperators.ADD), w, n, x, x1, c, n);
        out[(i + 2) * stride + col + 1] = tail(a12.reduceLanes(VectorOperators.ADD), w, n, x, x2, c, n);
        out[i * stride + col + 2] = tail(a20.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x0, c, n);
        out[(i + 1) * stride + col + 2] = tail(a21.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x1, c, n);
        out[(i + 2) * stride + col + 2] = tail(a22.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x2, c, n);
        out[i * stride + col + 3] = tail(a30.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x0, c, n);
        out[(i + 1) * stride + col + 3] = tail(a31.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x1, c, n);
        out[(i + 2) * stride + col + 3] = tail(a32.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x2, c, n);
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
        out[i * stride + col] = tail(a00.reduceLanes(VectorOperators.ADD), w, 0, x, x0, c, n);
        out[(i + 1) * stride + col] = tail(a01.reduceLanes(VectorOperators.ADD), w, 0, x, x1, c, n);
        out[i * stride + col + 1] = tail(a10.reduceLanes(VectorOperators.ADD), w, n, x, x0, c, n);
        out[(i + 1) * stride + col + 1] = tail(a11.reduceLanes(VectorOperators.ADD), w, n, x, x1, c, n);
        out[i * stride + col + 2] = tail(a20.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x0, c, n);
        out[(i + 1) * stride + col + 2] = tail(a21.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x1, c, n);
        out[i * stride + col + 3] = tail(a30.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x0, c, n);
        out[(i + 1) * stride + col + 3] = tail(a31.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x1, c, n);
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
        out[i * stride + col] = tail(a0.reduceLanes(VectorOperators.ADD), w, 0, x, x0, c, n);
        out[i * stride + col + 1] = tail(a1.reduceLanes(VectorOperators.ADD), w, n, x, x0, c, n);
        out[i * stride + col + 2] = tail(a2.reduceLanes(VectorOperators.ADD), w, 2 * n, x, x0, c, n);
        out[i * stride + col + 3] = tail(a3.reduceLanes(VectorOperators.ADD), w, 3 * n, x, x0, c, n);
    }

    /**
     * The scalar tail of a dot product from element {@code c} on, added to the reduced vector part
     * {@code s}: the end of every kernel's dot product. Vectors never cross a call boundary here: a
     * vector argument of a call C2 did not inline would be boxed on every call.
     */
    private static float tail(float s, float[] w, int wOff, float[] x, int xOff, int c, int n) {
        for (int i = c; i < n; i++) {
            s += w[wOff + i] * x[xOff + i];
        }
        return s;
    }
}
