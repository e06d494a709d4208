package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;


/**
 * Converts weight rows from their stored dtype into F32 scratch rows that stay in L1 while
 * they are multiplied with every input row of the batch. The mapped weight is thus read from memory
 * once per forward pass, whatever the batch size. One reader per worker thread.
 */
final class WeightRowReader {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final boolean WIDE = FloatVector.SPECIES_PREFERRED.length() >= 16;

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
                bf16ToF32(n, base);
                break;
            case F16:
                w.copyRowBits16(r, halves, 0);
                for (int i = 0; i < n; i++) {
                    rows[base + i] = HalfFloats.f16ToFloat(halves[i]);
                }
                break;
            default:
                throw new AssertionError(w.dtype());
        }
    }

    private void bf16ToF32(int n, int base) {
        int i = 0;
        if (WIDE) {
            int bound = n - (n % 16);
            for (; i < bound; i += 16) {
                // bf16 is the top half of an f32: widen, shift left 16, reinterpret.
                ShortVector s = ShortVector.fromArray(S, halves, i);
                IntVector wide = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
                wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(rows, base + i);
            }
        }
        for (; i < n; i++) {
            rows[base + i] = HalfFloats.bf16ToFloat(halves[i]);
        }
    }
}
