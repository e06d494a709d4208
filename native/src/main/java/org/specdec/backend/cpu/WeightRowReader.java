package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.specdec.tensor.DType;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts one weight row from its stored dtype into an F32 scratch row that stays in L1 while
 * it is multiplied with every input row of the batch. The mapped weight is thus read from memory
 * once per forward pass, whatever the batch size. One reader per worker thread.
 */
final class WeightRowReader {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final boolean WIDE = FloatVector.SPECIES_PREFERRED.length() >= 16;

    final float[] row;
    private final short[] halves;

    WeightRowReader(int maxCols) {
        row = new float[maxCols];
        halves = new short[maxCols];
    }

    /** Fills {@link #row}[0..cols) with row {@code r} of {@code w} as F32. */
    void load(WeightTensor w, int r) {
        ByteBuffer b = w.blockOf(r);
        int off = w.byteOffsetInBlock(r);
        int n = w.cols();
        switch (w.dtype()) {
            case F32:
                b.slice(off, n * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(row, 0, n);
                break;
            case BF16:
                b.slice(off, n * 2).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(halves, 0, n);
                bf16ToF32(n);
                break;
            case F16:
                b.slice(off, n * 2).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(halves, 0, n);
                for (int i = 0; i < n; i++) {
                    row[i] = HalfFloats.f16ToFloat(halves[i]);
                }
                break;
            default:
                throw new AssertionError(w.dtype());
        }
    }

    private void bf16ToF32(int n) {
        int i = 0;
        if (WIDE) {
            int bound = n - (n % 16);
            for (; i < bound; i += 16) {
                // bf16 is the top half of an f32: widen, shift left 16, reinterpret.
                ShortVector s = ShortVector.fromArray(S, halves, i);
                IntVector wide = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
                wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(row, i);
            }
        }
        for (; i < n; i++) {
            row[i] = HalfFloats.bf16ToFloat(halves[i]);
        }
    }

    static boolean isSupported(DType d) {
        return d == DType.F32 || d == DType.BF16 || d == DType.F16;
    }
}
