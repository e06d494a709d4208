package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.ADD;
import org.specdec.tensor.DType;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link MappedDecode} on Java 25: weight vectors loaded from the mapped block as a
 * {@link MemorySegment}. Each method mirrors a kernel of {@link CpuMatmul} (named at the method),
 * reading the same elements in the same order; only where the weights come from differs. Written
 * out per dtype for the reason the copying kernels are: a vector crossing a call C2 did not inline
 * is boxed.
 */
final class SegmentDecode implements MappedDecode {
    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final VectorSpecies<Integer> I = WeightRowReader.I;
    private static final int L = VectorMath.LANES;
    private static final boolean IN_ORDER = VectorMath.REDUCE_LANES_IN_ORDER;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int F16_IN_F32_BITS = WeightRowReader.F16_IN_F32_BITS;
    private static final float F16_EXPONENT_SHIFT = WeightRowReader.F16_EXPONENT_SHIFT;

    /** Mirrors {@code CpuMatmul.block4x1} for the first input row. */
    @Override
    public void f32(WeightTensor w, int row, float[] x, float[] lanes, float[] out, int col) {
        ByteBuffer block = w.blockOf(row);
        MemorySegment s = MemorySegment.ofBuffer(block);
        long off = w.byteOffsetInBlock(row);
        int n = w.cols();
        long rb = 4L * n;
        int vecEnd = InputPanel.vectorEnd(n);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c < vecEnd; c += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, c);
            long o = off + 4L * c;
            a0 = FloatVector.fromMemorySegment(F, s, o, LE).fma(v0, a0);
            a1 = FloatVector.fromMemorySegment(F, s, o + rb, LE).fma(v0, a1);
            a2 = FloatVector.fromMemorySegment(F, s, o + 2 * rb, LE).fma(v0, a2);
            a3 = FloatVector.fromMemorySegment(F, s, o + 3 * rb, LE).fma(v0, a3);
        }
        if (!IN_ORDER) {
            a0.intoArray(lanes, 0);
        }
        float s0 = IN_ORDER ? a0.reduceLanes(ADD) : VectorMath.laneSum(lanes, 0);
        if (!IN_ORDER) {
            a1.intoArray(lanes, L);
        }
        float s1 = IN_ORDER ? a1.reduceLanes(ADD) : VectorMath.laneSum(lanes, L);
        if (!IN_ORDER) {
            a2.intoArray(lanes, 2 * L);
        }
        float s2 = IN_ORDER ? a2.reduceLanes(ADD) : VectorMath.laneSum(lanes, 2 * L);
        if (!IN_ORDER) {
            a3.intoArray(lanes, 3 * L);
        }
        float s3 = IN_ORDER ? a3.reduceLanes(ADD) : VectorMath.laneSum(lanes, 3 * L);
        for (int i = c; i < n; i++) {
            long o = off + 4L * i;
            s0 += s.get(FLOAT, o) * x[i];
            s1 += s.get(FLOAT, o + rb) * x[i];
            s2 += s.get(FLOAT, o + 2 * rb) * x[i];
            s3 += s.get(FLOAT, o + 3 * rb) * x[i];
        }
        out[col] = s0;
        out[col + 1] = s1;
        out[col + 2] = s2;
        out[col + 3] = s3;
    }

    /** Mirrors {@code CpuMatmul.pairs4x1Bf16}. */
    @Override
    public void bf16(WeightTensor w, int row, float[] x, float[] tails, float[] lanes, float[] out, int col) {
        ByteBuffer block = w.blockOf(row);
        MemorySegment s = MemorySegment.ofBuffer(block);
        long off = w.byteOffsetInBlock(row);
        int n = w.cols();
        long rb = 2L * n;
        int pairedEnd = InputPanel.pairedVectorEnd(n);
        int vecEnd = InputPanel.vectorEnd(n);
        tails(DType.BF16, s, off, rb, pairedEnd, n, tails);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int e = 0; e < pairedEnd; e += 2 * L) {
            long o = off + 2L * e;  // the pair holding elements e and e + 1
            FloatVector xe = FloatVector.fromArray(F, x, e);
            FloatVector xo = FloatVector.fromArray(F, x, e + L);
            IntVector u0 = FloatVector.fromMemorySegment(F, s, o, LE).reinterpretAsInts();
            IntVector u1 = FloatVector.fromMemorySegment(F, s, o + rb, LE).reinterpretAsInts();
            IntVector u2 = FloatVector.fromMemorySegment(F, s, o + 2 * rb, LE).reinterpretAsInts();
            IntVector u3 = FloatVector.fromMemorySegment(F, s, o + 3 * rb, LE).reinterpretAsInts();
            a0 = u0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a0);
            a1 = u1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a1);
            a2 = u2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a2);
            a3 = u3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a3);
            a0 = u0.and(0xffff0000).reinterpretAsFloats().fma(xo, a0);
            a1 = u1.and(0xffff0000).reinterpretAsFloats().fma(xo, a1);
            a2 = u2.and(0xffff0000).reinterpretAsFloats().fma(xo, a2);
            a3 = u3.and(0xffff0000).reinterpretAsFloats().fma(xo, a3);
        }
        for (int c = pairedEnd; c < vecEnd; c += L) {
            FloatVector v = FloatVector.fromArray(F, x, c);
            a0 = FloatVector.fromArray(F, tails, c).fma(v, a0);
            a1 = FloatVector.fromArray(F, tails, n + c).fma(v, a1);
            a2 = FloatVector.fromArray(F, tails, 2 * n + c).fma(v, a2);
            a3 = FloatVector.fromArray(F, tails, 3 * n + c).fma(v, a3);
        }
        if (!IN_ORDER) {
            a0.intoArray(lanes, 0);
        }
        out[col] = CpuMatmul.tail(IN_ORDER ? a0.reduceLanes(ADD) : VectorMath.laneSum(lanes, 0), tails, 0, x,
                0, vecEnd, n);
        if (!IN_ORDER) {
            a1.intoArray(lanes, L);
        }
        out[col + 1] = CpuMatmul.tail(IN_ORDER ? a1.reduceLanes(ADD) : VectorMath.laneSum(lanes, L), tails, n, x,
                0, vecEnd, n);
        if (!IN_ORDER) {
            a2.intoArray(lanes, 2 * L);
        }
        out[col + 2] = CpuMatmul.tail(IN_ORDER ? a2.reduceLanes(ADD) : VectorMath.laneSum(lanes, 2 * L),
                tails, 2 * n, x, 0, vecEnd, n);
        if (!IN_ORDER) {
            a3.intoArray(lanes, 3 * L);
        }
        out[col + 3] = CpuMatmul.tail(IN_ORDER ? a3.reduceLanes(ADD) : VectorMath.laneSum(lanes, 3 * L),
                tails, 3 * n, x, 0, vecEnd, n);
    }

    /** Mirrors {@code CpuMatmul.pairs4x1F16}. */
    @Override
    public void f16(WeightTensor w, int row, float[] x, float[] tails, float[] lanes, float[] out, int col) {
        ByteBuffer block = w.blockOf(row);
        MemorySegment s = MemorySegment.ofBuffer(block);
        long off = w.byteOffsetInBlock(row);
        int n = w.cols();
        long rb = 2L * n;
        int pairedEnd = InputPanel.pairedVectorEnd(n);
        int vecEnd = InputPanel.vectorEnd(n);
        tails(DType.F16, s, off, rb, pairedEnd, n, tails);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int e = 0; e < pairedEnd; e += 2 * L) {
            long o = off + 2L * e;
            FloatVector xe = FloatVector.fromArray(F, x, e);
            FloatVector xo = FloatVector.fromArray(F, x, e + L);
            IntVector u0 = IntVector.fromMemorySegment(I, s, o, LE);
            IntVector u1 = IntVector.fromMemorySegment(I, s, o + rb, LE);
            IntVector u2 = IntVector.fromMemorySegment(I, s, o + 2 * rb, LE);
            IntVector u3 = IntVector.fromMemorySegment(I, s, o + 3 * rb, LE);
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
        for (int c = pairedEnd; c < vecEnd; c += L) {
            FloatVector v = FloatVector.fromArray(F, x, c);
            a0 = FloatVector.fromArray(F, tails, c).fma(v, a0);
            a1 = FloatVector.fromArray(F, tails, n + c).fma(v, a1);
            a2 = FloatVector.fromArray(F, tails, 2 * n + c).fma(v, a2);
            a3 = FloatVector.fromArray(F, tails, 3 * n + c).fma(v, a3);
        }
        if (!IN_ORDER) {
            a0.intoArray(lanes, 0);
        }
        out[col] = CpuMatmul.tail(IN_ORDER ? a0.reduceLanes(ADD) : VectorMath.laneSum(lanes, 0), tails, 0, x,
                0, vecEnd, n);
        if (!IN_ORDER) {
            a1.intoArray(lanes, L);
        }
        out[col + 1] = CpuMatmul.tail(IN_ORDER ? a1.reduceLanes(ADD) : VectorMath.laneSum(lanes, L), tails, n, x,
                0, vecEnd, n);
        if (!IN_ORDER) {
            a2.intoArray(lanes, 2 * L);
        }
        out[col + 2] = CpuMatmul.tail(IN_ORDER ? a2.reduceLanes(ADD) : VectorMath.laneSum(lanes, 2 * L),
                tails, 2 * n, x, 0, vecEnd, n);
        if (!IN_ORDER) {
            a3.intoArray(lanes, 3 * L);
        }
        out[col + 3] = CpuMatmul.tail(IN_ORDER ? a3.reduceLanes(ADD) : VectorMath.laneSum(lanes, 3 * L),
                tails, 3 * n, x, 0, vecEnd, n);
    }

    /** Elements [from, n) of four 16-bit rows as F32 at their own places of each row's slot of {@code dst}. */
    private static void tails(DType dtype, MemorySegment s, long off, long rb, int from, int n, float[] dst) {
        for (int r = 0; r < 4; r++) {
            for (int e = from; e < n; e++) {
                short h = s.get(SHORT, off + r * rb + 2L * e);
                dst[r * n + e] = dtype == DType.BF16 ? HalfFloats.bf16ToFloat(h) : HalfFloats.f16ToFloat(h);
            }
        }
    }
}
