package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.ADD;
import org.specdec.tensor.DType;
import org.specdec.tensor.WeightTensor;

/**
 * out[m][j] = x[m] . W[j] (+ bias[j]) for all M input rows and a range of output rows j: a GEMM
 * against a weight stored as {@code [out_features, in_features]}. Weight rows are read four at a
 * time into an L1 scratch ({@link WeightRowReader}) and each block is multiplied with every input
 * row, so the weight is read from memory once per pass whatever M is (verification reads each
 * weight once for all k+1 positions of all rows, not k+1 times).
 *
 * <p>The row-wise micro-kernels hold a block of 4 (weight rows) x up to 5 (input rows)
 * accumulators: each load feeds several FMAs, which matters once M grows (batched verification is
 * compute-bound on a CPU). Wider blocks do not pay: with more vectors live, C2 stops compiling the
 * loop to registers. Each of their accumulators ends in a sum of its lanes, as costly as its FMAs at
 * a few hundred columns; from {@link InputPanel#COLUMN_MIN_ROWS} input rows on, column-wise kernels
 * whose lanes are input rows compute the same sums without it ({@link #columnBlock}).
 * Each block shape is written out: accumulators held in an array, or passed to a helper, would be
 * boxed. A single input row against BF16 weights, or F16 weights without infinities or NaNs
 * (decode), skips the F32 scratch: the pairs are widened in registers and multiplied at once. On
 * Java 25, decode skips the copy too and loads the weights where they are mapped
 * ({@link MappedDecode}). Every dot product, whatever kernel computes it, runs the
 * same operations in the same order (one vector accumulator over the chunks of the weight's
 * element order, lane reduction, scalar tail), so a row's result does not depend on the batch it
 * is in.
 */
final class CpuMatmul {
    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final VectorSpecies<Integer> I = WeightRowReader.I;
    private static final int L = VectorMath.LANES;
    private static final boolean IN_ORDER = VectorMath.REDUCE_LANES_IN_ORDER;
    private static final int F16_IN_F32_BITS = WeightRowReader.F16_IN_F32_BITS;
    private static final float F16_EXPONENT_SHIFT = WeightRowReader.F16_EXPONENT_SHIFT;

    private CpuMatmul() {}

    /** The Java 25 decode kernels that read mapped weights in place, or null where rows are copied. */
    static final MappedDecode MAPPED = MappedDecode.load();

    static void rows(WeightTensor w, int jFrom, int jTo, InputPanel in, float[] bias, float[] out, int outStride,
                     int outCol, WeightRowReader reader) {
        rows(w, jFrom, jTo, in, bias, out, outStride, outCol, reader, MAPPED);
    }

    /** {@link #rows} with the given in-place decode kernels, or none: null copies every row first. */
    static void rows(WeightTensor w, int jFrom, int jTo, InputPanel in, float[] bias, float[] out, int outStride,
                     int outCol, WeightRowReader reader, MappedDecode mapped) {
        int n = w.cols();
        int m = in.rows();
        if (in.cols() != n) {
            throw new IllegalArgumentException("tensor " + w.name() + " has " + n + " columns, its input " + in.cols());
        }
        DType dtype = w.dtype();
        float[] x = in.elements(dtype);
        int vecEnd = InputPanel.vectorEnd(n);
        boolean decodeFromPairs = m == 1 && (dtype == DType.BF16 || dtype == DType.F16 && !w.hasNonFiniteF16());
        boolean decodeInPlace = mapped != null && m == 1 && w.contiguousRows()
                && (dtype == DType.F32 || decodeFromPairs);
        float[] ws = reader.rows;
        boolean byColumns = in.hasColumns(dtype);
        for (int j = jFrom; j < jTo; j += 4) {
            int jn = Math.min(4, jTo - j);
            int col = outCol + j;
            if (decodeInPlace && jn == 4 && w.rowsInBlockFrom(j) >= 4) {
                switch (dtype) {
                    case F32 -> mapped.f32(w, j, x, reader.lanes, out, col);
                    case BF16 -> mapped.bf16(w, j, x, ws, reader.lanes, out, col);
                    default -> mapped.f16(w, j, x, ws, reader.lanes, out, col);
                }
            } else if (decodeFromPairs && jn == 4) {
                reader.loadPairsAndTails(w, j, 4);
                if (dtype == DType.BF16) {
                    pairs4x1Bf16(reader.lanes, reader.pairs, WeightRowReader.pairStride(n), InputPanel.pairedVectorEnd(n),
                            vecEnd, x, ws, n, out, col);
                } else {
                    pairs4x1F16(reader.lanes, reader.pairs, WeightRowReader.pairStride(n), InputPanel.pairedVectorEnd(n),
                            vecEnd, x, ws, n, out, col);
                }
            } else if (byColumns && jn == 4) {
                reader.load(w, j, 4);
                columnBlock(ws, n, vecEnd, in, x, m, out, outStride, col, reader);
            } else {
                reader.load(w, j, jn);
                scratchBlock(ws, n, vecEnd, x, 0, m, jn, out, outStride, col, reader.lanes);
            }
            addBias(bias, j, jn, m, out, outStride, col);
        }
    }

    /**
     * {@link #rows} for a matrix quantised to 8 bits ({@link Q8Weights}). One input row (decode)
     * widens the packed values in registers ({@link #q8x4x1}); several dequantise each block of rows
     * into the scratch for the F32 kernels. Both run the same operations in the same order, so a
     * row's result does not depend on its batch here either.
     */
    static void rows(Q8Weights w, int jFrom, int jTo, InputPanel in, float[] bias, float[] out, int outStride,
                     int outCol, WeightRowReader reader) {
        int n = w.cols();
        int m = in.rows();
        if (in.cols() != n) {
            throw new IllegalArgumentException("tensor " + w.name() + " has " + n + " columns, its input " + in.cols());
        }
        float[] x = in.elements(DType.F32);
        int vecEnd = InputPanel.vectorEnd(n);
        float[] ws = reader.rows;
        boolean byColumns = in.hasColumns(DType.F32);
        for (int j = jFrom; j < jTo; j += 4) {
            int jn = Math.min(4, jTo - j);
            int col = outCol + j;
            if (m == 1 && jn == 4) {
                for (int r = 0; r < 4; r++) {
                    w.tailToF32(j + r, ws, r * n);
                }
                q8x4x1(reader.lanes, w.packed(), w.packedOffset(j), w.packedOffset(1), w.scales(), j * w.blocksPerRow(),
                        w.blocksPerRow(), w.groupEnd(), vecEnd, x, ws, n, out, col);
            } else if (byColumns && jn == 4) {
                w.dequantize(j, 4, ws);
                columnBlock(ws, n, vecEnd, in, x, m, out, outStride, col, reader);
            } else {
                w.dequantize(j, jn, ws);
                scratchBlock(ws, n, vecEnd, x, 0, m, jn, out, outStride, col, reader.lanes);
            }
            addBias(bias, j, jn, m, out, outStride, col);
        }
    }

    /**
     * Decode of one input row against four 8-bit rows: each packed group widened, scaled and
     * multiplied in registers, the same FMAs in the same order as {@link #block4x1} over the rows
     * {@link Q8Weights#dequantize} would write.
     */
    private static void q8x4x1(float[] lanes, int[] p, int p0, int rowInts, float[] scales, int s0, int bpr,
                               int groupEnd, int vecEnd, float[] x, float[] tails, int n, float[] out, int col) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int q = p0;
        for (int g = 0; g < groupEnd; g += 4 * L, q += L) {
            IntVector u0 = IntVector.fromArray(I, p, q);
            IntVector u1 = IntVector.fromArray(I, p, q + rowInts);
            IntVector u2 = IntVector.fromArray(I, p, q + 2 * rowInts);
            IntVector u3 = IntVector.fromArray(I, p, q + 3 * rowInts);
            for (int k = 0; k < 4; k++) {
                int e = g + k * L;
                int b = s0 + e / Q8Weights.BLOCK;
                int up = 24 - 8 * k;
                FloatVector xv = FloatVector.fromArray(F, x, e);
                a0 = ((FloatVector) u0.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(scales[b]).fma(xv, a0);
                a1 = ((FloatVector) u1.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(scales[b + bpr]).fma(xv, a1);
                a2 = ((FloatVector) u2.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(scales[b + 2 * bpr]).fma(xv, a2);
                a3 = ((FloatVector) u3.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(scales[b + 3 * bpr]).fma(xv, a3);
            }
        }
        for (int c = groupEnd; c < vecEnd; c += L) {  // whole vectors after the packed groups
            FloatVector v = FloatVector.fromArray(F, x, c);
            a0 = FloatVector.fromArray(F, tails, c).fma(v, a0);
            a1 = FloatVector.fromArray(F, tails, n + c).fma(v, a1);
            a2 = FloatVector.fromArray(F, tails, 2 * n + c).fma(v, a2);
            a3 = FloatVector.fromArray(F, tails, 3 * n + c).fma(v, a3);
        }
        if (!IN_ORDER) {
            a0.intoArray(lanes, 0);
            a1.intoArray(lanes, L);
            a2.intoArray(lanes, 2 * L);
            a3.intoArray(lanes, 3 * L);
        }
        out[col] = tail(IN_ORDER ? a0.reduceLanes(ADD) : VectorMath.laneSum(lanes, 0), tails, 0, x, 0, vecEnd, n);
        out[col + 1] = tail(IN_ORDER ? a1.reduceLanes(ADD) : VectorMath.laneSum(lanes, L), tails, n, x, 0, vecEnd, n);
        out[col + 2] = tail(IN_ORDER ? a2.reduceLanes(ADD) : VectorMath.laneSum(lanes, 2 * L), tails, 2 * n, x, 0,
                vecEnd, n);
        out[col + 3] = tail(IN_ORDER ? a3.reduceLanes(ADD) : VectorMath.laneSum(lanes, 3 * L), tails, 3 * n, x, 0,
                vecEnd, n);
    }

    /** Rows of the scratch ({@code jn} of them, F32) times input rows [from, to), into {@code out}. */
    private static void scratchBlock(float[] ws, int n, int vecEnd, float[] x, int from, int to, int jn, float[] out,
                                     int outStride, int col, float[] lanes) {
        int i = from;
        if (jn == 4) {
            for (; i + 5 <= to; i += 5) {
                block4x5(lanes, ws, n, vecEnd, x, i, out, outStride, col);
            }
            switch (to - i) {
                case 4 -> block4x4(lanes, ws, n, vecEnd, x, i, out, outStride, col);
                case 3 -> block4x3(lanes, ws, n, vecEnd, x, i, out, outStride, col);
                case 2 -> block4x2(lanes, ws, n, vecEnd, x, i, out, outStride, col);
                case 1 -> block4x1(lanes, ws, n, vecEnd, x, i, out, outStride, col);
                default -> { }
            }
            i = to;
        }
        for (; i < to; i++) {
            for (int r = 0; r < jn; r++) {
                out[i * outStride + col + r] = VectorMath.dot(ws, r * n, x, i * n, vecEnd, n, lanes);
            }
        }
    }

    /**
     * Four rows of the scratch (F32) times every input row, column-wise ({@link InputPanel#columns()}):
     * three vectors of rows at a time, two where no more than two are left, and the last rows, fewer
     * than {@link InputPanel#COLUMN_MIN_ROWS}, row-wise. The kernels' lanes are input rows, so each
     * FMA works on {@code LANES} dot products and none has lanes to sum at the end, the cost that
     * bounds the row-wise kernels at a few hundred columns. Lane l of a row-wise accumulator is the
     * partial sum over elements l, l + L, l + 2L, ...; here each such partial sum is its own pass, and
     * the passes are added in the order a row-wise kernel adds its lanes, before the same scalar
     * tail. So a row gets the same bits here as alone.
     */
    private static void columnBlock(float[] ws, int n, int vecEnd, InputPanel in, float[] x, int m,
                                    float[] out, int outStride, int col, WeightRowReader reader) {
        float[] cols = in.columns();
        int stride = in.columnStride();
        float[] planes = reader.planes;
        int first = 0;
        while (m - first >= InputPanel.COLUMN_MIN_ROWS) {
            int vectors = m - first > 2 * L ? 3 : 2;
            if (vectors == 3) {
                columns4x3(planes, ws, n, vecEnd, cols, stride, first);
            } else {
                columns4x2(planes, ws, n, vecEnd, cols, stride, first);
            }
            // Accumulator r * vectors + q (weight row r, vector q of input rows) has its sums at
            // [(r * vectors + q) * L, ...): weight row r's at [r * group, ...).
            int group = vectors * L;
            float[] sums = planes;
            if (!IN_ORDER) {
                sums = reader.lanes;
                for (int a = 0; a < 4 * vectors; a++) {
                    VectorMath.laneSumsOfPlanes(planes, a * L * L, sums, a * L);
                }
            }
            // Row by row, the four outputs of a row side by side: output rows lie a whole matrix row
            // apart, and storing column by column would revisit each of their cache lines four times.
            int end = Math.min(m, first + group);
            for (int t = first; t < end; t++) {
                int s0 = t - first;
                int o = t * outStride + col;
                if (vecEnd == n) {
                    out[o] = sums[s0];
                    out[o + 1] = sums[group + s0];
                    out[o + 2] = sums[2 * group + s0];
                    out[o + 3] = sums[3 * group + s0];
                } else {
                    for (int r = 0; r < 4; r++) {
                        out[o + r] = tail(sums[r * group + s0], ws, r * n, x, t * n, vecEnd, n);
                    }
                }
            }
            first = end;
        }
        if (first < m) {
            scratchBlock(ws, n, vecEnd, x, first, m, 4, out, outStride, col, reader.lanes);
        }
    }

    /**
     * Four weight rows by three vectors of input rows, column-wise: 12 accumulators, 3 loads and 4
     * broadcasts per 12 FMAs. Where lanes are summed in order, each pass adds its accumulators to the
     * sums as it ends (from zero, as {@code reduceLanes} adds); else every pass is stored, for
     * {@link VectorMath#laneSumsOfPlanes}.
     */
    private static void columns4x3(float[] planes, float[] w, int n, int vecEnd, float[] cols, int stride, int g) {
        int passStride = vecEnd / L * stride;
        if (IN_ORDER) {
            java.util.Arrays.fill(planes, 0, 12 * L, 0f);
        }
        for (int l = 0; l < L; l++) {
            FloatVector p00 = FloatVector.zero(F), p01 = p00, p02 = p00, p10 = p00, p11 = p00, p12 = p00, p20 = p00, p21 = p00, p22 = p00, p30 = p00, p31 = p00, p32 = p00;
            for (int k = l, o = l * passStride + g; k < vecEnd; k += L, o += stride) {
                FloatVector x0 = FloatVector.fromArray(F, cols, o);
                FloatVector x1 = FloatVector.fromArray(F, cols, o + L);
                FloatVector x2 = FloatVector.fromArray(F, cols, o + 2 * L);
                FloatVector w0 = FloatVector.broadcast(F, w[k]);
                p00 = w0.fma(x0, p00);
                p01 = w0.fma(x1, p01);
                p02 = w0.fma(x2, p02);
                FloatVector w1 = FloatVector.broadcast(F, w[n + k]);
                p10 = w1.fma(x0, p10);
                p11 = w1.fma(x1, p11);
                p12 = w1.fma(x2, p12);
                FloatVector w2 = FloatVector.broadcast(F, w[2 * n + k]);
                p20 = w2.fma(x0, p20);
                p21 = w2.fma(x1, p21);
                p22 = w2.fma(x2, p22);
                FloatVector w3 = FloatVector.broadcast(F, w[3 * n + k]);
                p30 = w3.fma(x0, p30);
                p31 = w3.fma(x1, p31);
                p32 = w3.fma(x2, p32);
            }
            if (IN_ORDER) {
                FloatVector.fromArray(F, planes, 0).add(p00).intoArray(planes, 0);
                FloatVector.fromArray(F, planes, L).add(p01).intoArray(planes, L);
                FloatVector.fromArray(F, planes, 2 * L).add(p02).intoArray(planes, 2 * L);
                FloatVector.fromArray(F, planes, 3 * L).add(p10).intoArray(planes, 3 * L);
                FloatVector.fromArray(F, planes, 4 * L).add(p11).intoArray(planes, 4 * L);
                FloatVector.fromArray(F, planes, 5 * L).add(p12).intoArray(planes, 5 * L);
                FloatVector.fromArray(F, planes, 6 * L).add(p20).intoArray(planes, 6 * L);
                FloatVector.fromArray(F, planes, 7 * L).add(p21).intoArray(planes, 7 * L);
                FloatVector.fromArray(F, planes, 8 * L).add(p22).intoArray(planes, 8 * L);
                FloatVector.fromArray(F, planes, 9 * L).add(p30).intoArray(planes, 9 * L);
                FloatVector.fromArray(F, planes, 10 * L).add(p31).intoArray(planes, 10 * L);
                FloatVector.fromArray(F, planes, 11 * L).add(p32).intoArray(planes, 11 * L);
            } else {
                p00.intoArray(planes, l * L);
                p01.intoArray(planes, (L + l) * L);
                p02.intoArray(planes, (2 * L + l) * L);
                p10.intoArray(planes, (3 * L + l) * L);
                p11.intoArray(planes, (4 * L + l) * L);
                p12.intoArray(planes, (5 * L + l) * L);
                p20.intoArray(planes, (6 * L + l) * L);
                p21.intoArray(planes, (7 * L + l) * L);
                p22.intoArray(planes, (8 * L + l) * L);
                p30.intoArray(planes, (9 * L + l) * L);
                p31.intoArray(planes, (10 * L + l) * L);
                p32.intoArray(planes, (11 * L + l) * L);
            }
        }
    }

    /** {@link #columns4x3} over two vectors of input rows. */
    private static void columns4x2(float[] planes, float[] w, int n, int vecEnd, float[] cols, int stride, int g) {
        int passStride = vecEnd / L * stride;
        if (IN_ORDER) {
            java.util.Arrays.fill(planes, 0, 8 * L, 0f);
        }
        for (int l = 0; l < L; l++) {
            FloatVector p00 = FloatVector.zero(F), p01 = p00, p10 = p00, p11 = p00, p20 = p00, p21 = p00, p30 = p00, p31 = p00;
            for (int k = l, o = l * passStride + g; k < vecEnd; k += L, o += stride) {
                FloatVector x0 = FloatVector.fromArray(F, cols, o);
                FloatVector x1 = FloatVector.fromArray(F, cols, o + L);
                FloatVector w0 = FloatVector.broadcast(F, w[k]);
                p00 = w0.fma(x0, p00);
                p01 = w0.fma(x1, p01);
                FloatVector w1 = FloatVector.broadcast(F, w[n + k]);
                p10 = w1.fma(x0, p10);
                p11 = w1.fma(x1, p11);
                FloatVector w2 = FloatVector.broadcast(F, w[2 * n + k]);
                p20 = w2.fma(x0, p20);
                p21 = w2.fma(x1, p21);
                FloatVector w3 = FloatVector.broadcast(F, w[3 * n + k]);
                p30 = w3.fma(x0, p30);
                p31 = w3.fma(x1, p31);
            }
            if (IN_ORDER) {
                FloatVector.fromArray(F, planes, 0).add(p00).intoArray(planes, 0);
                FloatVector.fromArray(F, planes, L).add(p01).intoArray(planes, L);
                FloatVector.fromArray(F, planes, 2 * L).add(p10).intoArray(planes, 2 * L);
                FloatVector.fromArray(F, planes, 3 * L).add(p11).intoArray(planes, 3 * L);
                FloatVector.fromArray(F, planes, 4 * L).add(p20).intoArray(planes, 4 * L);
                FloatVector.fromArray(F, planes, 5 * L).add(p21).intoArray(planes, 5 * L);
                FloatVector.fromArray(F, planes, 6 * L).add(p30).intoArray(planes, 6 * L);
                FloatVector.fromArray(F, planes, 7 * L).add(p31).intoArray(planes, 7 * L);
            } else {
                p00.intoArray(planes, l * L);
                p01.intoArray(planes, (L + l) * L);
                p10.intoArray(planes, (2 * L + l) * L);
                p11.intoArray(planes, (3 * L + l) * L);
                p20.intoArray(planes, (4 * L + l) * L);
                p21.intoArray(planes, (5 * L + l) * L);
                p30.intoArray(planes, (6 * L + l) * L);
                p31.intoArray(planes, (7 * L + l) * L);
            }
        }
    }

    private static void addBias(float[] bias, int j, int jn, int m, float[] out, int outStride, int col) {
        if (bias != null) {
            for (int r = 0; r < jn; r++) {
                float bj = bias[j + r];
                for (int t = 0; t < m; t++) {
                    out[t * outStride + col + r] += bj;
                }
            }
        }
    }

    /**
     * Decode of one input row against four BF16 rows read as pairs: the same FMAs in the same order
     * as {@link #block4x1} over the widened rows, without writing them to scratch.
     */
    private static void pairs4x1Bf16(float[] lanes, int[] p, int ps, int pairedEnd, int vecEnd, float[] x, float[] tails,
                                     int n, float[] out, int col) {
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
        if (!IN_ORDER) {
            a0.intoArray(lanes, 0);
        }
        out[col] = tail(IN_ORDER ? a0.reduceLanes(ADD) : VectorMath.laneSum(lanes, 0), tails, 0, x, 0, vecEnd, n);
        if (!IN_ORDER) {
            a1.intoArray(lanes, L);
        }
        out[col + 1] = tail(IN_ORDER ? a1.reduceLanes(ADD) : VectorMath.laneSum(lanes, L), tails, n, x, 0, vecEnd, n);
        if (!IN_ORDER) {
            a2.intoArray(lanes, 2 * L);
        }
        out[col + 2] = tail(IN_ORDER ? a2.reduceLanes(ADD) : VectorMath.laneSum(lanes, 2 * L),
                tails, 2 * n, x, 0, vecEnd, n);
        if (!IN_ORDER) {
            a3.intoArray(lanes, 3 * L);
        }
        out[col + 3] = tail(IN_ORDER ? a3.reduceLanes(ADD) : VectorMath.laneSum(lanes, 3 * L),
                tails, 3 * n, x, 0, vecEnd, n);
    }

    /**
     * {@link #pairs4x1Bf16} for F16 rows of a tensor without infinities or NaNs: each half moved to
     * an f32's place by shifts and a mask and scaled by 2^112 as {@link WeightRowReader} widens it,
     * in registers. Written out, one call per block of four rows: in a longer method C2 sometimes
     * gave up inlining the lane operations and the loop ran 20x slower.
     */
    private static void pairs4x1F16(float[] lanes, int[] p, int ps, int pairedEnd, int vecEnd, float[] x, float[] tails,
                                    int n, float[] out, int col) {
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
        if (!IN_ORDER) {
            a0.intoArray(lanes, 0);
        }
        out[col] = tail(IN_ORDER ? a0.reduceLanes(ADD) : VectorMath.laneSum(lanes, 0), tails, 0, x, 0, vecEnd, n);
        if (!IN_ORDER) {
            a1.intoArray(lanes, L);
        }
        out[col + 1] = tail(IN_ORDER ? a1.reduceLanes(ADD) : VectorMath.laneSum(lanes, L), tails, n, x, 0, vecEnd, n);
        if (!IN_ORDER) {
            a2.intoArray(lanes, 2 * L);
        }
        out[col + 2] = tail(IN_ORDER ? a2.reduceLanes(ADD) : VectorMath.laneSum(lanes, 2 * L),
                tails, 2 * n, x, 0, vecEnd, n);
        if (!IN_ORDER) {
            a3.intoArray(lanes, 3 * L);
        }
        out[col + 3] = tail(IN_ORDER ? a3.reduceLanes(ADD) : VectorMath.laneSum(lanes, 3 * L),
                tails, 3 * n, x, 0, vecEnd, n);
    }

    /** Four weight rows by five input rows: 20 accumulators, 9 loads per 20 FMAs. */
    private static void block4x5(float[] lanes, float[] w, int n, int vecEnd, float[] x, int i, float[] out, int stride,
                                 int col) {
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
        if (!IN_ORDER) {
            a00.intoArray(lanes, 0);
        }
        out[i * stride + col] = tail(IN_ORDER ? a00.reduceLanes(ADD) : VectorMath.laneSum(lanes, 0), w, 0, x, x0, c, n);
        if (!IN_ORDER) {
            a01.intoArray(lanes, L);
        }
        out[(i + 1) * stride + col] = tail(IN_ORDER ? a01.reduceLanes(ADD) : VectorMath.laneSum(lanes, L),
                w, 0, x, x1, c, n);
        if (!IN_ORDER) {
            a02.intoArray(lanes, 2 * L);
        }
        out[(i + 2) * stride + col] = tail(IN_ORDER ? a02.reduceLanes(ADD) : VectorMath.laneSum(lanes, 2 * L),
                w, 0, x, x2, c, n);
        if (!IN_ORDER) {
            a03.intoArray(lanes, 3 * L);
        }
        out[(i + 3) * stride + col] = tail(IN_ORDER ? a03.reduceLanes(ADD) : VectorMath.laneSum(lanes, 3 * L),
                w, 0, x, x3, c, n);
        if (!IN_ORDER) {
            a04.intoArray(lanes, 4 * L);
        }
        out[(i + 4) * stride + col] = tail(IN_ORDER ? a04.reduceLanes(ADD) : VectorMath.laneSum(lanes, 4 * L),
                w, 0, x, x4, c, n);
        if (!IN_ORDER) {
            a10.intoArray(lanes, 5 * L);
        }
        out[i * stride + col + 1] = tail(IN_ORDER ? a10.reduceLanes(ADD) : VectorMath.laneSum(lanes, 5 * L),
                w, n, x, x0, c, n);
        if (!IN_ORDER) {
            a11.intoArray(lanes, 6 * L);
        }
        out[(i + 1) * stride + col + 1] = tail(IN_ORDER ? a11.reduceLanes(ADD) : VectorMath.laneSum(lanes, 6 * L),
                w, n, x, x1, c, n);
        if (!IN_ORDER) {
            a12.intoArray(lanes, 7 * L);
        }
        out[(i + 2) * stride + col + 1] = tail(IN_ORDER ? a12.reduceLanes(ADD) : VectorMath.laneSum(lanes, 7 * L),
                w, n, x, x2, c, n);
        if (!IN_ORDER) {
            a13.intoArray(lanes, 8 * L);
        }
        out[(i + 3) * stride + col + 1] = tail(IN_ORDER ? a13.reduceLanes(ADD) : VectorMath.laneSum(lanes, 8 * L),
                w, n, x, x3, c, n);
        if (!IN_ORDER) {
            a14.intoArray(lanes, 9 * L);
        }
        out[(i + 4) * stride + col + 1] = tail(IN_ORDER ? a14.reduceLanes(ADD) : VectorMath.laneSum(lanes, 9 * L),
                w, n, x, x4, c, n);
        if (!IN_ORDER) {
            a20.intoArray(lanes, 10 * L);
        }
        out[i * stride + col + 2] = tail(IN_ORDER ? a20.reduceLanes(ADD) : VectorMath.laneSum(lanes, 10 * L),
                w, 2 * n, x, x0, c, n);
        if (!IN_ORDER) {
            a21.intoArray(lanes, 11 * L);
        }
        out[(i + 1) * stride + col + 2] = tail(IN_ORDER ? a21.reduceLanes(ADD) : VectorMath.laneSum(lanes, 11 * L),
                w, 2 * n, x, x1, c, n);
        if (!IN_ORDER) {
            a22.intoArray(lanes, 12 * L);
        }
        out[(i + 2) * stride + col + 2] = tail(IN_ORDER ? a22.reduceLanes(ADD) : VectorMath.laneSum(lanes, 12 * L),
                w, 2 * n, x, x2, c, n);
        if (!IN_ORDER) {
            a23.intoArray(lanes, 13 * L);
        }
        out[(i + 3) * stride + col + 2] = tail(IN_ORDER ? a23.reduceLanes(ADD) : VectorMath.laneSum(lanes, 13 * L),
                w, 2 * n, x, x3, c, n);
        if (!IN_ORDER) {
            a24.intoArray(lanes, 14 * L);
        }
        out[(i + 4) * stride + col + 2] = tail(IN_ORDER ? a24.reduceLanes(ADD) : VectorMath.laneSum(lanes, 14 * L),
                w, 2 * n, x, x4, c, n);
        if (!IN_ORDER) {
            a30.intoArray(lanes, 15 * L);
        }
        out[i * stride + col + 3] = tail(IN_ORDER ? a30.reduceLanes(ADD) : VectorMath.laneSum(lanes, 15 * L),
                w, 3 * n, x, x0, c, n);
        if (!IN_ORDER) {
            a31.intoArray(lanes, 16 * L);
        }
        out[(i + 1) * stride + col + 3] = tail(IN_ORDER ? a31.reduceLanes(ADD) : VectorMath.laneSum(lanes, 16 * L),
                w, 3 * n, x, x1, c, n);
        if (!IN_ORDER) {
            a32.intoArray(lanes, 17 * L);
        }
        out[(i + 2) * stride + col + 3] = tail(IN_ORDER ? a32.reduceLanes(ADD) : VectorMath.laneSum(lanes, 17 * L),
                w, 3 * n, x, x2, c, n);
        if (!IN_ORDER) {
            a33.intoArray(lanes, 18 * L);
        }
        out[(i + 3) * stride + col + 3] = tail(IN_ORDER ? a33.reduceLanes(ADD) : VectorMath.laneSum(lanes, 18 * L),
                w, 3 * n, x, x3, c, n);
        if (!IN_ORDER) {
            a34.intoArray(lanes, 19 * L);
        }
        out[(i + 4) * stride + col + 3] = tail(IN_ORDER ? a34.reduceLanes(ADD) : VectorMath.laneSum(lanes, 19 * L),
                w, 3 * n, x, x4, c, n);
    }

    /** Four weight rows by four input rows. */
    private static void block4x4(float[] lanes, float[] w, int n, int vecEnd, float[] x, int i, float[] out, int stride,
                                 int col) {
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
        if (!IN_ORDER) {
            a00.intoArray(lanes, 0);
        }
        out[i * stride + col] = tail(IN_ORDER ? a00.reduceLanes(ADD) : VectorMath.laneSum(lanes, 0), w, 0, x, x0, c, n);
        if (!IN_ORDER) {
            a01.intoArray(lanes, L);
        }
        out[(i + 1) * stride + col] = tail(IN_ORDER ? a01.reduceLanes(ADD) : VectorMath.laneSum(lanes, L),
                w, 0, x, x1, c, n);
        if (!IN_ORDER) {
            a02.intoArray(lanes, 2 * L);
        }
        out[(i + 2) * stride + col] = tail(IN_ORDER ? a02.reduceLanes(ADD) : VectorMath.laneSum(lanes, 2 * L),
                w, 0, x, x2, c, n);
        if (!IN_ORDER) {
            a03.intoArray(lanes, 3 * L);
        }
        out[(i + 3) * stride + col] = tail(IN_ORDER ? a03.reduceLanes(ADD) : VectorMath.laneSum(lanes, 3 * L),
                w, 0, x, x3, c, n);
        if (!IN_ORDER) {
            a10.intoArray(lanes, 4 * L);
        }
        out[i * stride + col + 1] = tail(IN_ORDER ? a10.reduceLanes(ADD) : VectorMath.laneSum(lanes, 4 * L),
                w, n, x, x0, c, n);
        if (!IN_ORDER) {
            a11.intoArray(lanes, 5 * L);
        }
        out[(i + 1) * stride + col + 1] = tail(IN_ORDER ? a11.reduceLanes(ADD) : VectorMath.laneSum(lanes, 5 * L),
                w, n, x, x1, c, n);
        if (!IN_ORDER) {
            a12.intoArray(lanes, 6 * L);
        }
        out[(i + 2) * stride + col + 1] = tail(IN_ORDER ? a12.reduceLanes(ADD) : VectorMath.laneSum(lanes, 6 * L),
                w, n, x, x2, c, n);
        if (!IN_ORDER) {
            a13.intoArray(lanes, 7 * L);
        }
        out[(i + 3) * stride + col + 1] = tail(IN_ORDER ? a13.reduceLanes(ADD) : VectorMath.laneSum(lanes, 7 * L),
                w, n, x, x3, c, n);
        if (!IN_ORDER) {
            a20.intoArray(lanes, 8 * L);
        }
        out[i * stride + col + 2] = tail(IN_ORDER ? a20.reduceLanes(ADD) : VectorMath.laneSum(lanes, 8 * L),
                w, 2 * n, x, x0, c, n);
        if (!IN_ORDER) {
            a21.intoArray(lanes, 9 * L);
        }
        out[(i + 1) * stride + col + 2] = tail(IN_ORDER ? a21.reduceLanes(ADD) : VectorMath.laneSum(lanes, 9 * L),
                w, 2 * n, x, x1, c, n);
        if (!IN_ORDER) {
            a22.intoArray(lanes, 10 * L);
        }
        out[(i + 2) * stride + col + 2] = tail(IN_ORDER ? a22.reduceLanes(ADD) : VectorMath.laneSum(lanes, 10 * L),
                w, 2 * n, x, x2, c, n);
        if (!IN_ORDER) {
            a23.intoArray(lanes, 11 * L);
        }
        out[(i + 3) * stride + col + 2] = tail(IN_ORDER ? a23.reduceLanes(ADD) : VectorMath.laneSum(lanes, 11 * L),
                w, 2 * n, x, x3, c, n);
        if (!IN_ORDER) {
            a30.intoArray(lanes, 12 * L);
        }
        out[i * stride + col + 3] = tail(IN_ORDER ? a30.reduceLanes(ADD) : VectorMath.laneSum(lanes, 12 * L),
                w, 3 * n, x, x0, c, n);
        if (!IN_ORDER) {
            a31.intoArray(lanes, 13 * L);
        }
        out[(i + 1) * stride + col + 3] = tail(IN_ORDER ? a31.reduceLanes(ADD) : VectorMath.laneSum(lanes, 13 * L),
                w, 3 * n, x, x1, c, n);
        if (!IN_ORDER) {
            a32.intoArray(lanes, 14 * L);
        }
        out[(i + 2) * stride + col + 3] = tail(IN_ORDER ? a32.reduceLanes(ADD) : VectorMath.laneSum(lanes, 14 * L),
                w, 3 * n, x, x2, c, n);
        if (!IN_ORDER) {
            a33.intoArray(lanes, 15 * L);
        }
        out[(i + 3) * stride + col + 3] = tail(IN_ORDER ? a33.reduceLanes(ADD) : VectorMath.laneSum(lanes, 15 * L),
                w, 3 * n, x, x3, c, n);
    }

    private static void block4x3(float[] lanes, float[] w, int n, int vecEnd, float[] x, int i, float[] out, int stride,
                                 int col) {
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
        if (!IN_ORDER) {
            a00.intoArray(lanes, 0);
        }
        out[i * stride + col] = tail(IN_ORDER ? a00.reduceLanes(ADD) : VectorMath.laneSum(lanes, 0), w, 0, x, x0, c, n);
        if (!IN_ORDER) {
            a01.intoArray(lanes, L);
        }
        out[(i + 1) * stride + col] = tail(IN_ORDER ? a01.reduceLanes(ADD) : VectorMath.laneSum(lanes, L),
                w, 0, x, x1, c, n);
        if (!IN_ORDER) {
            a02.intoArray(lanes, 2 * L);
        }
        out[(i + 2) * stride + col] = tail(IN_ORDER ? a02.reduceLanes(ADD) : VectorMath.laneSum(lanes, 2 * L),
                w, 0, x, x2, c, n);
        if (!IN_ORDER) {
            a10.intoArray(lanes, 3 * L);
        }
        out[i * stride + col + 1] = tail(IN_ORDER ? a10.reduceLanes(ADD) : VectorMath.laneSum(lanes, 3 * L),
                w, n, x, x0, c, n);
        if (!IN_ORDER) {
            a11.intoArray(lanes, 4 * L);
        }
        out[(i + 1) * stride + col + 1] = tail(IN_ORDER ? a11.reduceLanes(ADD) : VectorMath.laneSum(lanes, 4 * L),
                w, n, x, x1, c, n);
        if (!IN_ORDER) {
            a12.intoArray(lanes, 5 * L);
        }
        out[(i + 2) * stride + col + 1] = tail(IN_ORDER ? a12.reduceLanes(ADD) : VectorMath.laneSum(lanes, 5 * L),
                w, n, x, x2, c, n);
        if (!IN_ORDER) {
            a20.intoArray(lanes, 6 * L);
        }
        out[i * stride + col + 2] = tail(IN_ORDER ? a20.reduceLanes(ADD) : VectorMath.laneSum(lanes, 6 * L),
                w, 2 * n, x, x0, c, n);
        if (!IN_ORDER) {
            a21.intoArray(lanes, 7 * L);
        }
        out[(i + 1) * stride + col + 2] = tail(IN_ORDER ? a21.reduceLanes(ADD) : VectorMath.laneSum(lanes, 7 * L),
                w, 2 * n, x, x1, c, n);
        if (!IN_ORDER) {
            a22.intoArray(lanes, 8 * L);
        }
        out[(i + 2) * stride + col + 2] = tail(IN_ORDER ? a22.reduceLanes(ADD) : VectorMath.laneSum(lanes, 8 * L),
                w, 2 * n, x, x2, c, n);
        if (!IN_ORDER) {
            a30.intoArray(lanes, 9 * L);
        }
        out[i * stride + col + 3] = tail(IN_ORDER ? a30.reduceLanes(ADD) : VectorMath.laneSum(lanes, 9 * L),
                w, 3 * n, x, x0, c, n);
        if (!IN_ORDER) {
            a31.intoArray(lanes, 10 * L);
        }
        out[(i + 1) * stride + col + 3] = tail(IN_ORDER ? a31.reduceLanes(ADD) : VectorMath.laneSum(lanes, 10 * L),
                w, 3 * n, x, x1, c, n);
        if (!IN_ORDER) {
            a32.intoArray(lanes, 11 * L);
        }
        out[(i + 2) * stride + col + 3] = tail(IN_ORDER ? a32.reduceLanes(ADD) : VectorMath.laneSum(lanes, 11 * L),
                w, 3 * n, x, x2, c, n);
    }

    private static void block4x2(float[] lanes, float[] w, int n, int vecEnd, float[] x, int i, float[] out, int stride,
                                 int col) {
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
        if (!IN_ORDER) {
            a00.intoArray(lanes, 0);
        }
        out[i * stride + col] = tail(IN_ORDER ? a00.reduceLanes(ADD) : VectorMath.laneSum(lanes, 0), w, 0, x, x0, c, n);
        if (!IN_ORDER) {
            a01.intoArray(lanes, L);
        }
        out[(i + 1) * stride + col] = tail(IN_ORDER ? a01.reduceLanes(ADD) : VectorMath.laneSum(lanes, L),
                w, 0, x, x1, c, n);
        if (!IN_ORDER) {
            a10.intoArray(lanes, 2 * L);
        }
        out[i * stride + col + 1] = tail(IN_ORDER ? a10.reduceLanes(ADD) : VectorMath.laneSum(lanes, 2 * L),
                w, n, x, x0, c, n);
        if (!IN_ORDER) {
            a11.intoArray(lanes, 3 * L);
        }
        out[(i + 1) * stride + col + 1] = tail(IN_ORDER ? a11.reduceLanes(ADD) : VectorMath.laneSum(lanes, 3 * L),
                w, n, x, x1, c, n);
        if (!IN_ORDER) {
            a20.intoArray(lanes, 4 * L);
        }
        out[i * stride + col + 2] = tail(IN_ORDER ? a20.reduceLanes(ADD) : VectorMath.laneSum(lanes, 4 * L),
                w, 2 * n, x, x0, c, n);
        if (!IN_ORDER) {
            a21.intoArray(lanes, 5 * L);
        }
        out[(i + 1) * stride + col + 2] = tail(IN_ORDER ? a21.reduceLanes(ADD) : VectorMath.laneSum(lanes, 5 * L),
                w, 2 * n, x, x1, c, n);
        if (!IN_ORDER) {
            a30.intoArray(lanes, 6 * L);
        }
        out[i * stride + col + 3] = tail(IN_ORDER ? a30.reduceLanes(ADD) : VectorMath.laneSum(lanes, 6 * L),
                w, 3 * n, x, x0, c, n);
        if (!IN_ORDER) {
            a31.intoArray(lanes, 7 * L);
        }
        out[(i + 1) * stride + col + 3] = tail(IN_ORDER ? a31.reduceLanes(ADD) : VectorMath.laneSum(lanes, 7 * L),
                w, 3 * n, x, x1, c, n);
    }

    /** Decode of a single row: four independent accumulator chains keep the loads in flight. */
    private static void block4x1(float[] lanes, float[] w, int n, int vecEnd, float[] x, int i, float[] out, int stride,
                                 int col) {
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
        if (!IN_ORDER) {
            a0.intoArray(lanes, 0);
        }
        out[i * stride + col] = tail(IN_ORDER ? a0.reduceLanes(ADD) : VectorMath.laneSum(lanes, 0), w, 0, x, x0, c, n);
        if (!IN_ORDER) {
            a1.intoArray(lanes, L);
        }
        out[i * stride + col + 1] = tail(IN_ORDER ? a1.reduceLanes(ADD) : VectorMath.laneSum(lanes, L),
                w, n, x, x0, c, n);
        if (!IN_ORDER) {
            a2.intoArray(lanes, 2 * L);
        }
        out[i * stride + col + 2] = tail(IN_ORDER ? a2.reduceLanes(ADD) : VectorMath.laneSum(lanes, 2 * L),
                w, 2 * n, x, x0, c, n);
        if (!IN_ORDER) {
            a3.intoArray(lanes, 3 * L);
        }
        out[i * stride + col + 3] = tail(IN_ORDER ? a3.reduceLanes(ADD) : VectorMath.laneSum(lanes, 3 * L),
                w, 3 * n, x, x0, c, n);
    }

    /**
     * The scalar tail of a dot product from element {@code c} on, added to the reduced vector part
     * {@code s}: the end of every kernel's dot product. Vectors never cross a call boundary here: a
     * vector argument of a call C2 did not inline would be boxed on every call.
     */
    static float tail(float s, float[] w, int wOff, float[] x, int xOff, int c, int n) {
        for (int i = c; i < n; i++) {
            s += w[wOff + i] * x[xOff + i];
        }
        return s;
    }
}
