package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.specdec.tensor.DType;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;

/**
 * Reads weight rows from their mapped buffers into per-thread scratch that stays in L1 while it is
 * multiplied with every input row of the batch, so the mapped weight is read from memory once per
 * forward pass whatever the batch size. One reader per worker thread.
 *
 * <p>F32 rows are copied as stored. F16 and BF16 rows are copied as ints, each holding a pair of
 * elements: the low halves of a vector of pairs are the even elements and the high halves the odd
 * ones, so they widen to F32 in vector registers with no lane shuffle, in the paired order of
 * {@link InputPanel}. BF16 widens with a shift (even) or a mask (odd): bf16 is the top half of an
 * f32. F16 widens by multiplying its exponent-and-mantissa bits, shifted into an f32's place and
 * read as a float (the value times 2^-112), by 2^112, which rebiases normals and normalises
 * subnormals exactly; infinities and NaNs would come out finite, so the loop watches the exponents
 * and a row holding one is redone by the scalar definition. Every bit pattern converts exactly.
 *
 * <p>The widening is written out in each loop rather than in helpers returning vectors: a vector
 * crossing a call that C2 did not inline (its inlining node budget runs out in big kernels) is
 * boxed on every call, and such a loop runs many times slower. For the same reason F16 rows are
 * widened in a loop of their own, apart from the FMAs; BF16's two-operation widening fits in the
 * decode kernel's loop ({@link CpuMatmul}).
 */
final class WeightRowReader {
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorMath.F.vectorShape());
    private static final int L = VectorMath.LANES;
    /** 2^112: scales a half's exponent-and-mantissa bits, read as a float, to the half's value. */
    static final float F16_EXPONENT_SHIFT = 0x1p112f;
    /** Sign, exponent and mantissa of a half moved to an f32's places (bit 31, bits 27..13). */
    static final int F16_IN_F32_BITS = 0x8fffe000;

    /** Four F32 rows in the order their kernels read: slot s at [s * cols, (s + 1) * cols). */
    final float[] rows;
    /** Four 16-bit rows as raw pairs: slot s at [s * pairStride(cols), ...). */
    final int[] pairs;
    private final short[] halves;
    /** Where a kernel stores its accumulators to sum their lanes ({@link VectorMath#laneSum}): up to 4 x 5 of them. */
    final float[] lanes = new float[20 * L];
    /** The column-wise kernels' stored partial sums: {@code LANES} planes for each of up to 4 x 3 accumulators. */
    final float[] planes = new float[12 * L * L];

    WeightRowReader(int maxCols) {
        rows = new float[4 * maxCols];
        pairs = new int[4 * pairStride(maxCols)];
        halves = new short[maxCols];
    }

    /** Ints per row of pairs: an odd row's last element sits alone in the low half of its int. */
    static int pairStride(int cols) {
        return (cols + 1) >> 1;
    }

    /**
     * Rows [r, r + count) of {@code w} as F32 into slots 0 .. count - 1 of {@link #rows}, in their
     * kernels' order. Rows lying back to back are read with one memory copy: a copy call and its
     * index arithmetic per row cost a pass of a 110M model about as much as its attention.
     */
    void load(WeightTensor w, int r, int count) {
        int n = w.cols();
        if (w.dtype() == DType.F32) {
            if (!w.copyRowsF32(r, count, rows, 0)) {
                for (int s = 0; s < count; s++) {
                    w.copyRowF32(r + s, rows, s * n);
                }
            }
            return;
        }
        readPairs(w, r, count);
        int ps = pairStride(n);
        for (int s = 0; s < count; s++) {
            if (w.dtype() == DType.BF16) {
                bf16PairsToF32(pairs, s * ps, n, rows, s * n);
            } else {
                f16PairsToF32(pairs, s * ps, n, rows, s * n);
            }
        }
    }

    /**
     * The raw pairs of 16-bit rows [r, r + count) into {@link #pairs}, and each row's elements
     * after the paired blocks, as F32, into its slot of {@link #rows} at their own places: what the
     * fused one-row kernels read.
     */
    void loadPairsAndTails(WeightTensor w, int r, int count) {
        int n = w.cols();
        readPairs(w, r, count);
        for (int s = 0; s < count; s++) {
            tailToF32(w.dtype(), pairs, s * pairStride(n), InputPanel.pairedVectorEnd(n), n, rows, s * n);
        }
    }

    private void readPairs(WeightTensor w, int r, int count) {
        int n = w.cols();
        int ps = pairStride(n);
        if (w.copyRowsPairs(r, count, pairs, 0)) {
            return;
        }
        for (int s = 0; s < count; s++) {
            int at = s * ps;
            if (w.copyRowPairs(r + s, pairs, at)) {
                continue;
            }
            // A row off the pair grid (odd length or odd offset in its block): pack it here.
            w.copyRowBits16(r + s, halves, 0);
            for (int p = 0; p < n / 2; p++) {
                pairs[at + p] = (halves[2 * p] & 0xffff) | (halves[2 * p + 1] << 16);
            }
            if ((n & 1) != 0) {
                pairs[at + n / 2] = halves[n - 1] & 0xffff;
            }
        }
    }

    static void bf16PairsToF32(int[] src, int srcOff, int n, float[] dst, int off) {
        int vecEnd = InputPanel.pairedVectorEnd(n);
        for (int e = 0; e < vecEnd; e += 2 * L) {
            IntVector u = IntVector.fromArray(I, src, srcOff + (e >> 1));
            u.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, off + e);
            u.and(0xffff0000).reinterpretAsFloats().intoArray(dst, off + e + L);
        }
        tailToF32(DType.BF16, src, srcOff, vecEnd, n, dst, off);
    }

    /**
     * F16 pairs to F32 with the finite-value widening, watching the exponents as it goes; a row
     * holding an infinity or a NaN (a broken weight, but still converted exactly) is redone by the
     * scalar definition.
     */
    static void f16PairsToF32(int[] src, int srcOff, int n, float[] dst, int off) {
        int vecEnd = InputPanel.pairedVectorEnd(n);
        IntVector exponents = IntVector.zero(I);
        for (int e = 0; e < vecEnd; e += 2 * L) {
            IntVector u = IntVector.fromArray(I, src, srcOff + (e >> 1));
            // A half moved to the top of the int and shifted right by 3 with its sign copied: the sign
            // stays at bit 31 and exponent and mantissa land in an f32's place (bits 27..13); the
            // mask clears the sign's copies and the other half's bits. Even halves first move up.
            u.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT).intoArray(dst, off + e);
            u.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT).intoArray(dst, off + e + L);
            exponents = exponents.or(u.and(0x7c007c00).add(0x04000400));
        }
        if (exponents.and(0x80008000).reduceLanes(VectorOperators.OR) != 0) {
            for (int e = 0; e < vecEnd; e++) {
                int pair = src[srcOff + (e >> 1)];
                dst[off + InputPanel.pairedIndex(e, n)] = HalfFloats.f16ToFloat((short) ((e & 1) == 0 ? pair : pair >>> 16));
            }
        }
        tailToF32(DType.F16, src, srcOff, vecEnd, n, dst, off);
    }

    /** Elements [from, n) of a row of pairs, in natural order (the scalar tail). */
    private static void tailToF32(DType dtype, int[] src, int srcOff, int from, int n, float[] dst, int off) {
        for (int e = from; e < n; e++) {
            int pair = src[srcOff + (e >> 1)];
            short h = (short) ((e & 1) == 0 ? pair : pair >>> 16);
            dst[off + e] = dtype == DType.BF16 ? HalfFloats.bf16ToFloat(h) : HalfFloats.f16ToFloat(h);
        }
    }
}
