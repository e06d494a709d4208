package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The in-register kernels of {@link TiledMatmul} for 16-bit tiles and a few input rows: {@code V}
 * tiles of pairs ({@link TiledWeights}) widened to F32 in registers, as {@link WeightRowReader}
 * widens pairs, and multiplied at once with {@code R} input rows. Each pair is widened once for the
 * R rows, where a widened chunk would be written to scratch and read back.
 *
 * <p>Tiles start at {@code p[base]}, {@code stride} ints apart, {@code half} pairs each; row i at
 * {@code x[xOff + i * n ...]}; row i's tile v into {@code out[o + i * oStride + v * LANES ...]}. Each
 * output is the same FMA chain over the columns in order as {@link TileKernels} runs over a widened
 * chunk (the even column of a pair, then the odd one), so the bits match whichever computes a row.
 * Each shape is written out, for F16 and for BF16: accumulators in an array, or vectors returned by
 * a helper C2 did not inline, would be boxed.
 */
final class PairKernels {
    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final VectorSpecies<Integer> I = WeightRowReader.I;
    private static final int L = VectorMath.LANES;
    private static final int F16_IN_F32_BITS = WeightRowReader.F16_IN_F32_BITS;
    private static final float F16_EXPONENT_SHIFT = WeightRowReader.F16_EXPONENT_SHIFT;

    private PairKernels() {}

    static void f16x3x1(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        int b1 = base + stride;
        int b2 = base + 2 * stride;
        FloatVector a00 = FloatVector.zero(F), a10 = a00, a20 = a00;
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            IntVector u1 = IntVector.fromArray(I, p, b1 + e);
            IntVector u2 = IntVector.fromArray(I, p, b2 + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector we1 = u1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector we2 = u2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            a10 = we1.fma(be0, a10);
            a20 = we2.fma(be0, a20);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector wo1 = u1.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector wo2 = u2.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
            a10 = wo1.fma(bo0, a10);
            a20 = wo2.fma(bo0, a20);
        }
        a00.intoArray(out, o);
        a10.intoArray(out, o + L);
        a20.intoArray(out, o + 2 * L);
    }

    static void f16x3x2(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        int x1 = xOff + n;
        int b1 = base + stride;
        int b2 = base + 2 * stride;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            IntVector u1 = IntVector.fromArray(I, p, b1 + e);
            IntVector u2 = IntVector.fromArray(I, p, b2 + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector we1 = u1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector we2 = u2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            a10 = we1.fma(be0, a10);
            a20 = we2.fma(be0, a20);
            FloatVector be1 = FloatVector.broadcast(F, x[x1 + 2 * q]);
            a01 = we0.fma(be1, a01);
            a11 = we1.fma(be1, a11);
            a21 = we2.fma(be1, a21);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector wo1 = u1.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector wo2 = u2.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
            a10 = wo1.fma(bo0, a10);
            a20 = wo2.fma(bo0, a20);
            FloatVector bo1 = FloatVector.broadcast(F, x[x1 + 2 * q + 1]);
            a01 = wo0.fma(bo1, a01);
            a11 = wo1.fma(bo1, a11);
            a21 = wo2.fma(bo1, a21);
        }
        a00.intoArray(out, o);
        a10.intoArray(out, o + L);
        a20.intoArray(out, o + 2 * L);
        a01.intoArray(out, o + oStride);
        a11.intoArray(out, o + oStride + L);
        a21.intoArray(out, o + oStride + 2 * L);
    }

    static void f16x3x3(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        int x1 = xOff + n;
        int x2 = xOff + 2 * n;
        int b1 = base + stride;
        int b2 = base + 2 * stride;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00, a20 = a00, a21 = a00, a22 = a00;
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            IntVector u1 = IntVector.fromArray(I, p, b1 + e);
            IntVector u2 = IntVector.fromArray(I, p, b2 + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector we1 = u1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector we2 = u2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            a10 = we1.fma(be0, a10);
            a20 = we2.fma(be0, a20);
            FloatVector be1 = FloatVector.broadcast(F, x[x1 + 2 * q]);
            a01 = we0.fma(be1, a01);
            a11 = we1.fma(be1, a11);
            a21 = we2.fma(be1, a21);
            FloatVector be2 = FloatVector.broadcast(F, x[x2 + 2 * q]);
            a02 = we0.fma(be2, a02);
            a12 = we1.fma(be2, a12);
            a22 = we2.fma(be2, a22);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector wo1 = u1.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector wo2 = u2.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
            a10 = wo1.fma(bo0, a10);
            a20 = wo2.fma(bo0, a20);
            FloatVector bo1 = FloatVector.broadcast(F, x[x1 + 2 * q + 1]);
            a01 = wo0.fma(bo1, a01);
            a11 = wo1.fma(bo1, a11);
            a21 = wo2.fma(bo1, a21);
            FloatVector bo2 = FloatVector.broadcast(F, x[x2 + 2 * q + 1]);
            a02 = wo0.fma(bo2, a02);
            a12 = wo1.fma(bo2, a12);
            a22 = wo2.fma(bo2, a22);
        }
        a00.intoArray(out, o);
        a10.intoArray(out, o + L);
        a20.intoArray(out, o + 2 * L);
        a01.intoArray(out, o + oStride);
        a11.intoArray(out, o + oStride + L);
        a21.intoArray(out, o + oStride + 2 * L);
        a02.intoArray(out, o + 2 * oStride);
        a12.intoArray(out, o + 2 * oStride + L);
        a22.intoArray(out, o + 2 * oStride + 2 * L);
    }

    static void f16x3x5(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        int x1 = xOff + n;
        int x2 = xOff + 2 * n;
        int x3 = xOff + 3 * n;
        int x4 = xOff + 4 * n;
        int b1 = base + stride;
        int b2 = base + 2 * stride;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a04 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a24 = a00;
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            IntVector u1 = IntVector.fromArray(I, p, b1 + e);
            IntVector u2 = IntVector.fromArray(I, p, b2 + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector we1 = u1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector we2 = u2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            a10 = we1.fma(be0, a10);
            a20 = we2.fma(be0, a20);
            FloatVector be1 = FloatVector.broadcast(F, x[x1 + 2 * q]);
            a01 = we0.fma(be1, a01);
            a11 = we1.fma(be1, a11);
            a21 = we2.fma(be1, a21);
            FloatVector be2 = FloatVector.broadcast(F, x[x2 + 2 * q]);
            a02 = we0.fma(be2, a02);
            a12 = we1.fma(be2, a12);
            a22 = we2.fma(be2, a22);
            FloatVector be3 = FloatVector.broadcast(F, x[x3 + 2 * q]);
            a03 = we0.fma(be3, a03);
            a13 = we1.fma(be3, a13);
            a23 = we2.fma(be3, a23);
            FloatVector be4 = FloatVector.broadcast(F, x[x4 + 2 * q]);
            a04 = we0.fma(be4, a04);
            a14 = we1.fma(be4, a14);
            a24 = we2.fma(be4, a24);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector wo1 = u1.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector wo2 = u2.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
            a10 = wo1.fma(bo0, a10);
            a20 = wo2.fma(bo0, a20);
            FloatVector bo1 = FloatVector.broadcast(F, x[x1 + 2 * q + 1]);
            a01 = wo0.fma(bo1, a01);
            a11 = wo1.fma(bo1, a11);
            a21 = wo2.fma(bo1, a21);
            FloatVector bo2 = FloatVector.broadcast(F, x[x2 + 2 * q + 1]);
            a02 = wo0.fma(bo2, a02);
            a12 = wo1.fma(bo2, a12);
            a22 = wo2.fma(bo2, a22);
            FloatVector bo3 = FloatVector.broadcast(F, x[x3 + 2 * q + 1]);
            a03 = wo0.fma(bo3, a03);
            a13 = wo1.fma(bo3, a13);
            a23 = wo2.fma(bo3, a23);
            FloatVector bo4 = FloatVector.broadcast(F, x[x4 + 2 * q + 1]);
            a04 = wo0.fma(bo4, a04);
            a14 = wo1.fma(bo4, a14);
            a24 = wo2.fma(bo4, a24);
        }
        a00.intoArray(out, o);
        a10.intoArray(out, o + L);
        a20.intoArray(out, o + 2 * L);
        a01.intoArray(out, o + oStride);
        a11.intoArray(out, o + oStride + L);
        a21.intoArray(out, o + oStride + 2 * L);
        a02.intoArray(out, o + 2 * oStride);
        a12.intoArray(out, o + 2 * oStride + L);
        a22.intoArray(out, o + 2 * oStride + 2 * L);
        a03.intoArray(out, o + 3 * oStride);
        a13.intoArray(out, o + 3 * oStride + L);
        a23.intoArray(out, o + 3 * oStride + 2 * L);
        a04.intoArray(out, o + 4 * oStride);
        a14.intoArray(out, o + 4 * oStride + L);
        a24.intoArray(out, o + 4 * oStride + 2 * L);
    }

    static void f16x1x1(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        FloatVector a00 = FloatVector.zero(F);
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
        }
        a00.intoArray(out, o);
    }

    static void f16x1x2(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        int x1 = xOff + n;
        FloatVector a00 = FloatVector.zero(F), a01 = a00;
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            FloatVector be1 = FloatVector.broadcast(F, x[x1 + 2 * q]);
            a01 = we0.fma(be1, a01);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
            FloatVector bo1 = FloatVector.broadcast(F, x[x1 + 2 * q + 1]);
            a01 = wo0.fma(bo1, a01);
        }
        a00.intoArray(out, o);
        a01.intoArray(out, o + oStride);
    }

    static void f16x1x4(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        int x1 = xOff + n;
        int x2 = xOff + 2 * n;
        int x3 = xOff + 3 * n;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                    .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT);
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            FloatVector be1 = FloatVector.broadcast(F, x[x1 + 2 * q]);
            a01 = we0.fma(be1, a01);
            FloatVector be2 = FloatVector.broadcast(F, x[x2 + 2 * q]);
            a02 = we0.fma(be2, a02);
            FloatVector be3 = FloatVector.broadcast(F, x[x3 + 2 * q]);
            a03 = we0.fma(be3, a03);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS).reinterpretAsFloats()
                    .mul(F16_EXPONENT_SHIFT);
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
            FloatVector bo1 = FloatVector.broadcast(F, x[x1 + 2 * q + 1]);
            a01 = wo0.fma(bo1, a01);
            FloatVector bo2 = FloatVector.broadcast(F, x[x2 + 2 * q + 1]);
            a02 = wo0.fma(bo2, a02);
            FloatVector bo3 = FloatVector.broadcast(F, x[x3 + 2 * q + 1]);
            a03 = wo0.fma(bo3, a03);
        }
        a00.intoArray(out, o);
        a01.intoArray(out, o + oStride);
        a02.intoArray(out, o + 2 * oStride);
        a03.intoArray(out, o + 3 * oStride);
    }

    static void bf16x3x1(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        int b1 = base + stride;
        int b2 = base + 2 * stride;
        FloatVector a00 = FloatVector.zero(F), a10 = a00, a20 = a00;
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            IntVector u1 = IntVector.fromArray(I, p, b1 + e);
            IntVector u2 = IntVector.fromArray(I, p, b2 + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector we1 = u1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector we2 = u2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            a10 = we1.fma(be0, a10);
            a20 = we2.fma(be0, a20);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.and(0xffff0000).reinterpretAsFloats();
            FloatVector wo1 = u1.and(0xffff0000).reinterpretAsFloats();
            FloatVector wo2 = u2.and(0xffff0000).reinterpretAsFloats();
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
            a10 = wo1.fma(bo0, a10);
            a20 = wo2.fma(bo0, a20);
        }
        a00.intoArray(out, o);
        a10.intoArray(out, o + L);
        a20.intoArray(out, o + 2 * L);
    }

    static void bf16x3x2(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        int x1 = xOff + n;
        int b1 = base + stride;
        int b2 = base + 2 * stride;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            IntVector u1 = IntVector.fromArray(I, p, b1 + e);
            IntVector u2 = IntVector.fromArray(I, p, b2 + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector we1 = u1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector we2 = u2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            a10 = we1.fma(be0, a10);
            a20 = we2.fma(be0, a20);
            FloatVector be1 = FloatVector.broadcast(F, x[x1 + 2 * q]);
            a01 = we0.fma(be1, a01);
            a11 = we1.fma(be1, a11);
            a21 = we2.fma(be1, a21);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.and(0xffff0000).reinterpretAsFloats();
            FloatVector wo1 = u1.and(0xffff0000).reinterpretAsFloats();
            FloatVector wo2 = u2.and(0xffff0000).reinterpretAsFloats();
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
            a10 = wo1.fma(bo0, a10);
            a20 = wo2.fma(bo0, a20);
            FloatVector bo1 = FloatVector.broadcast(F, x[x1 + 2 * q + 1]);
            a01 = wo0.fma(bo1, a01);
            a11 = wo1.fma(bo1, a11);
            a21 = wo2.fma(bo1, a21);
        }
        a00.intoArray(out, o);
        a10.intoArray(out, o + L);
        a20.intoArray(out, o + 2 * L);
        a01.intoArray(out, o + oStride);
        a11.intoArray(out, o + oStride + L);
        a21.intoArray(out, o + oStride + 2 * L);
    }

    static void bf16x3x3(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        int x1 = xOff + n;
        int x2 = xOff + 2 * n;
        int b1 = base + stride;
        int b2 = base + 2 * stride;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00, a20 = a00, a21 = a00, a22 = a00;
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            IntVector u1 = IntVector.fromArray(I, p, b1 + e);
            IntVector u2 = IntVector.fromArray(I, p, b2 + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector we1 = u1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector we2 = u2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            a10 = we1.fma(be0, a10);
            a20 = we2.fma(be0, a20);
            FloatVector be1 = FloatVector.broadcast(F, x[x1 + 2 * q]);
            a01 = we0.fma(be1, a01);
            a11 = we1.fma(be1, a11);
            a21 = we2.fma(be1, a21);
            FloatVector be2 = FloatVector.broadcast(F, x[x2 + 2 * q]);
            a02 = we0.fma(be2, a02);
            a12 = we1.fma(be2, a12);
            a22 = we2.fma(be2, a22);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.and(0xffff0000).reinterpretAsFloats();
            FloatVector wo1 = u1.and(0xffff0000).reinterpretAsFloats();
            FloatVector wo2 = u2.and(0xffff0000).reinterpretAsFloats();
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
            a10 = wo1.fma(bo0, a10);
            a20 = wo2.fma(bo0, a20);
            FloatVector bo1 = FloatVector.broadcast(F, x[x1 + 2 * q + 1]);
            a01 = wo0.fma(bo1, a01);
            a11 = wo1.fma(bo1, a11);
            a21 = wo2.fma(bo1, a21);
            FloatVector bo2 = FloatVector.broadcast(F, x[x2 + 2 * q + 1]);
            a02 = wo0.fma(bo2, a02);
            a12 = wo1.fma(bo2, a12);
            a22 = wo2.fma(bo2, a22);
        }
        a00.intoArray(out, o);
        a10.intoArray(out, o + L);
        a20.intoArray(out, o + 2 * L);
        a01.intoArray(out, o + oStride);
        a11.intoArray(out, o + oStride + L);
        a21.intoArray(out, o + oStride + 2 * L);
        a02.intoArray(out, o + 2 * oStride);
        a12.intoArray(out, o + 2 * oStride + L);
        a22.intoArray(out, o + 2 * oStride + 2 * L);
    }

    static void bf16x3x5(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        int x1 = xOff + n;
        int x2 = xOff + 2 * n;
        int x3 = xOff + 3 * n;
        int x4 = xOff + 4 * n;
        int b1 = base + stride;
        int b2 = base + 2 * stride;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a04 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a24 = a00;
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            IntVector u1 = IntVector.fromArray(I, p, b1 + e);
            IntVector u2 = IntVector.fromArray(I, p, b2 + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector we1 = u1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector we2 = u2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            a10 = we1.fma(be0, a10);
            a20 = we2.fma(be0, a20);
            FloatVector be1 = FloatVector.broadcast(F, x[x1 + 2 * q]);
            a01 = we0.fma(be1, a01);
            a11 = we1.fma(be1, a11);
            a21 = we2.fma(be1, a21);
            FloatVector be2 = FloatVector.broadcast(F, x[x2 + 2 * q]);
            a02 = we0.fma(be2, a02);
            a12 = we1.fma(be2, a12);
            a22 = we2.fma(be2, a22);
            FloatVector be3 = FloatVector.broadcast(F, x[x3 + 2 * q]);
            a03 = we0.fma(be3, a03);
            a13 = we1.fma(be3, a13);
            a23 = we2.fma(be3, a23);
            FloatVector be4 = FloatVector.broadcast(F, x[x4 + 2 * q]);
            a04 = we0.fma(be4, a04);
            a14 = we1.fma(be4, a14);
            a24 = we2.fma(be4, a24);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.and(0xffff0000).reinterpretAsFloats();
            FloatVector wo1 = u1.and(0xffff0000).reinterpretAsFloats();
            FloatVector wo2 = u2.and(0xffff0000).reinterpretAsFloats();
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
            a10 = wo1.fma(bo0, a10);
            a20 = wo2.fma(bo0, a20);
            FloatVector bo1 = FloatVector.broadcast(F, x[x1 + 2 * q + 1]);
            a01 = wo0.fma(bo1, a01);
            a11 = wo1.fma(bo1, a11);
            a21 = wo2.fma(bo1, a21);
            FloatVector bo2 = FloatVector.broadcast(F, x[x2 + 2 * q + 1]);
            a02 = wo0.fma(bo2, a02);
            a12 = wo1.fma(bo2, a12);
            a22 = wo2.fma(bo2, a22);
            FloatVector bo3 = FloatVector.broadcast(F, x[x3 + 2 * q + 1]);
            a03 = wo0.fma(bo3, a03);
            a13 = wo1.fma(bo3, a13);
            a23 = wo2.fma(bo3, a23);
            FloatVector bo4 = FloatVector.broadcast(F, x[x4 + 2 * q + 1]);
            a04 = wo0.fma(bo4, a04);
            a14 = wo1.fma(bo4, a14);
            a24 = wo2.fma(bo4, a24);
        }
        a00.intoArray(out, o);
        a10.intoArray(out, o + L);
        a20.intoArray(out, o + 2 * L);
        a01.intoArray(out, o + oStride);
        a11.intoArray(out, o + oStride + L);
        a21.intoArray(out, o + oStride + 2 * L);
        a02.intoArray(out, o + 2 * oStride);
        a12.intoArray(out, o + 2 * oStride + L);
        a22.intoArray(out, o + 2 * oStride + 2 * L);
        a03.intoArray(out, o + 3 * oStride);
        a13.intoArray(out, o + 3 * oStride + L);
        a23.intoArray(out, o + 3 * oStride + 2 * L);
        a04.intoArray(out, o + 4 * oStride);
        a14.intoArray(out, o + 4 * oStride + L);
        a24.intoArray(out, o + 4 * oStride + 2 * L);
    }

    static void bf16x1x1(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        FloatVector a00 = FloatVector.zero(F);
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.and(0xffff0000).reinterpretAsFloats();
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
        }
        a00.intoArray(out, o);
    }

    static void bf16x1x2(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        int x1 = xOff + n;
        FloatVector a00 = FloatVector.zero(F), a01 = a00;
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            FloatVector be1 = FloatVector.broadcast(F, x[x1 + 2 * q]);
            a01 = we0.fma(be1, a01);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.and(0xffff0000).reinterpretAsFloats();
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
            FloatVector bo1 = FloatVector.broadcast(F, x[x1 + 2 * q + 1]);
            a01 = wo0.fma(bo1, a01);
        }
        a00.intoArray(out, o);
        a01.intoArray(out, o + oStride);
    }

    static void bf16x1x4(int[] p, int base, int stride, int half, float[] x, int xOff, int n, float[] out,
            int o, int oStride) {
        int x0 = xOff;
        int x1 = xOff + n;
        int x2 = xOff + 2 * n;
        int x3 = xOff + 3 * n;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        for (int q = 0, e = 0; q < half; q++, e += L) {
            IntVector u0 = IntVector.fromArray(I, p, base + e);
            FloatVector we0 = u0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector be0 = FloatVector.broadcast(F, x[x0 + 2 * q]);
            a00 = we0.fma(be0, a00);
            FloatVector be1 = FloatVector.broadcast(F, x[x1 + 2 * q]);
            a01 = we0.fma(be1, a01);
            FloatVector be2 = FloatVector.broadcast(F, x[x2 + 2 * q]);
            a02 = we0.fma(be2, a02);
            FloatVector be3 = FloatVector.broadcast(F, x[x3 + 2 * q]);
            a03 = we0.fma(be3, a03);
            // The odd columns go on from the even ones: the same chain as a widened chunk.
            FloatVector wo0 = u0.and(0xffff0000).reinterpretAsFloats();
            FloatVector bo0 = FloatVector.broadcast(F, x[x0 + 2 * q + 1]);
            a00 = wo0.fma(bo0, a00);
            FloatVector bo1 = FloatVector.broadcast(F, x[x1 + 2 * q + 1]);
            a01 = wo0.fma(bo1, a01);
            FloatVector bo2 = FloatVector.broadcast(F, x[x2 + 2 * q + 1]);
            a02 = wo0.fma(bo2, a02);
            FloatVector bo3 = FloatVector.broadcast(F, x[x3 + 2 * q + 1]);
            a03 = wo0.fma(bo3, a03);
        }
        a00.intoArray(out, o);
        a01.intoArray(out, o + oStride);
        a02.intoArray(out, o + 2 * oStride);
        a03.intoArray(out, o + 3 * oStride);
    }
}
