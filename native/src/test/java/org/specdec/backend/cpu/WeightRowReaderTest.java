package org.specdec.backend.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.specdec.tensor.DType;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector widening of 16-bit weights read as pairs, against the scalar definitions, on every bit
 * pattern in both halves of a pair, through the paired element order.
 */
class WeightRowReaderTest {
    /**
     * Pattern {@code (e - shift) & 0xffff} at element e, over a row whose tail is not a whole block;
     * with {@code finiteOnly}, halves with exponent 31 (infinities, NaNs) become zero.
     */
    private static int[] pairsOfAllPatterns(int n, int shift, boolean finiteOnly) {
        int[] pairs = new int[n / 2 + 1];
        for (int e = 0; e < n; e++) {
            int h = pattern(e, shift, finiteOnly);
            pairs[e >> 1] |= (e & 1) == 0 ? h : h << 16;
        }
        return pairs;
    }

    private static int pattern(int e, int shift, boolean finiteOnly) {
        int h = (e - shift) & 0xffff;
        return finiteOnly && (h & 0x7c00) == 0x7c00 ? 0 : h;
    }

    private static void check(boolean bf16) {
        int n = 65536 + 2 * InputPanel.PAIRED_BLOCK + 7;
        // Each pattern in both halves of a pair; F16 rows with and without infinities and NaNs
        // (they take different paths).
        for (int variant = 0; variant < 4; variant++) {
            int shift = variant & 1;
            boolean finiteOnly = variant >= 2;
            int[] pairs = pairsOfAllPatterns(n, shift, finiteOnly);
            float[] dst = new float[n + 3];
            if (bf16) {
                WeightRowReader.bf16PairsToF32(pairs, 0, n, dst, 3);
            } else {
                WeightRowReader.f16PairsToF32(pairs, 0, n, dst, 3);
            }
            for (int e = 0; e < n; e++) {
                short h = (short) pattern(e, shift, finiteOnly);
                float want = bf16 ? HalfFloats.bf16ToFloat(h) : HalfFloats.f16ToFloat(h);
                assertEquals(Float.floatToRawIntBits(want),
                        Float.floatToRawIntBits(dst[3 + InputPanel.pairedIndex(e, n)]), "element " + e + " bits " + (h & 0xffff));
            }
        }
    }

    @Test
    void f16WidensExactlyIncludingSubnormalsInfinitiesAndNaNs() {
        check(false);
    }

    @Test
    void bf16WidensExactly() {
        check(true);
    }

    /** A tensor holding one infinity is found by its scan (its slices share it); finite ones and BF16 are not. */
    @Test
    void anF16TensorIsScannedOnceForInfinitiesAndNaNs() {
        int rows = 4;
        int cols = 2 * InputPanel.PAIRED_BLOCK + 3;
        ByteBuffer finite = ByteBuffer.allocateDirect(rows * cols * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            finite.putShort(i * 2, HalfFloats.floatToF16(0.25f * (i % 9) - 1));
        }
        assertFalse(WeightTensor.of("clean", DType.F16, new long[] {rows, cols}, finite).hasNonFiniteF16());
        assertFalse(WeightTensor.of("bf16", DType.BF16, new long[] {rows, cols}, finite).hasNonFiniteF16());
        for (int at : new int[] {0, 3 * cols + 17, rows * cols - 1}) {
            for (short bits : new short[] {(short) 0xfc00, (short) 0x7c00, (short) 0x7e01}) {
                ByteBuffer broken = ByteBuffer.allocateDirect(rows * cols * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < rows * cols; i++) {
                    broken.putShort(i * 2, finite.getShort(i * 2));
                }
                broken.putShort(at * 2, bits);
                WeightTensor w = WeightTensor.of("broken", DType.F16, new long[] {rows, cols}, broken);
                assertTrue(w.slice(0, 1, 0, cols).hasNonFiniteF16(), "element " + at + " bits " + (bits & 0xffff));
                assertTrue(w.hasNonFiniteF16(), "a slice's scan is its tensor's");
            }
        }
    }

    @Test
    void pairedOrderIsAPermutation() {
        for (int n : new int[] {1, 7, InputPanel.PAIRED_BLOCK, 3 * InputPanel.PAIRED_BLOCK + 5}) {
            boolean[] seen = new boolean[n];
            for (int e = 0; e < n; e++) {
                int at = InputPanel.pairedIndex(e, n);
                assertEquals(false, seen[at], "n " + n + " element " + e);
                seen[at] = true;
            }
        }
    }
}
