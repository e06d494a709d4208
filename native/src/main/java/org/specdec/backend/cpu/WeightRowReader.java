package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;


/**
 * Converts weight rows from their stored dtype into F32 scratch rows that stay in L1 while
 * they are multiplied with every input row of the batch. The mapped weight is thus read from memory
 * once per forward pass, whatever the batch size. One reader per worker thread.
 */
final class WeightRowReader {
    /** Int lanes of the widest vector; the 16-bit source vector has as many lanes. */
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(I.length() * Short.SIZE));
    private static final int LANES = I.length();
    /** 2^112: scales a half's exponent-and-mantissa bits, read as a float, to the half's value. */
    private static final float F16_EXPONENT_SHIFT = 0x1p112f;

    /** Up to four converted rows, slot s at [s * cols, (s + 1) * cols). */
    final float[] rows;
    private final short[] halves;

    WeightRowReader(int maxCols) {
        rows = new float[4 * maxCols];
        halves = new short[maxCols];
    }

    /** Converts row {@code r} of {@code w} to F32 into slot {@code slot} of {@link #rows}. */
    void load(WeightTensor w, int r, int slot) {
        int n = w.cols();
        int base = slot * n;
        switch (w.dtype()) {
            case F32:
                w.copyRowF32(r, rows, base);
                break;
            case BF16:
                w.copyRowBits16(r, halves, 0);
                bf16ToF32(halves, n, rows, base);
                break;
            case F16:
                w.copyRowBits16(r, halves, 0);
                f16ToF32(halves, n, rows, base);
                break;
            default:
                throw new AssertionError(w.dtype());
        }
    }

    /** bf16 is the top half of an f32: widen, shift left 16, reinterpret. Exact. */
    static void bf16ToF32(short[] src, int n, float[] dst, int off) {
        int i = 0;
        for (int bound = n - n % LANES; i < bound; i += LANES) {
            IntVector wide = (IntVector) ShortVector.fromArray(S, src, i).convertShape(VectorOperators.S2I, I, 0);
            wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, off + i);
        }
        for (; i < n; i++) {
            dst[off + i] = HalfFloats.bf16ToFloat(src[i]);
        }
    }

    /**
     * IEEE half to f32 in vector registers, exactly (subnormals, infinities and NaN payloads
     * included): the half's exponent and mantissa bits shifted into an f32's place read as a float
     * are the value times 2^-112, so one multiply by 2^112 rebiases normals and normalises
     * subnormals; infinities and NaNs (exponent 31) get the f32's all-ones exponent back.
     */
    static void f16ToF32(short[] src, int n, float[] dst, int off) {
        int i = 0;
        for (int bound = n - n % LANES; i < bound; i += LANES) {
            IntVector h = ((IntVector) ShortVector.fromArray(S, src, i).convertShape(VectorOperators.S2I, I, 0))
                    .and(0xffff);
            IntVector em = h.and(0x7fff);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            IntVector bits = em.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(F16_EXPONENT_SHIFT)
                    .reinterpretAsInts();
            bits = bits.blend(bits.or(0x7f800000), em.compare(VectorOperators.GE, 0x7c00));
            bits.or(sign).reinterpretAsFloats().intoArray(dst, off + i);
        }
        for (; i < n; i++) {
            dst[off + i] = HalfFloats.f16ToFloat(src[i]);
        }
    }
}
