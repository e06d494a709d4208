package org.specdec.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Slices of a tensor stored in several row blocks read the same elements as the whole tensor. */
class WeightTensorSliceTest {
    static final int ROWS = 11;
    static final int COLS = 7;
    static final int ROWS_PER_BLOCK = 3;

    /** Element (r, c) is r * 100 + c, in blocks of 3 rows. */
    static WeightTensor tensor(DType dtype) {
        List<ByteBuffer> blocks = new ArrayList<>();
        for (int r0 = 0; r0 < ROWS; r0 += ROWS_PER_BLOCK) {
            int n = Math.min(ROWS_PER_BLOCK, ROWS - r0);
            ByteBuffer b = ByteBuffer.allocate(n * COLS * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = r0; r < r0 + n; r++) {
                for (int c = 0; c < COLS; c++) {
                    float v = r * 100 + c;
                    switch (dtype) {
                        case F32 -> b.putFloat(v);
                        case F16 -> b.putShort(HalfFloats.floatToF16(v));
                        case BF16 -> b.putShort((short) (Float.floatToIntBits(v) >>> 16));
                        default -> throw new AssertionError(dtype);
                    }
                }
            }
            blocks.add(b.flip());
        }
        return new WeightTensor("w", dtype, new long[] {ROWS, COLS}, ROWS_PER_BLOCK, blocks);
    }

    @Test
    void aSliceAcrossBlocksReadsTheSameElementsInEveryDtype() {
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            WeightTensor whole = tensor(dtype);
            // Rows 2..9 cross three block boundaries; columns 1..5 make the rows strided.
            WeightTensor s = whole.slice(2, 10, 1, 6);
            assertEquals(8, s.rows());
            assertEquals(5, s.cols());
            assertFalse(s.contiguousRows());
            assertEquals((long) COLS * dtype.bytes(), s.rowPitchBytes());
            assertEquals(8L * 5 * dtype.bytes(), s.byteSize());
            float[] row = new float[5];
            for (int r = 0; r < s.rows(); r++) {
                s.readRow(r, row, 0);
                for (int c = 0; c < s.cols(); c++) {
                    assertEquals(whole.get(r + 2, c + 1), s.get(r, c), dtype + " (" + r + ", " + c + ")");
                    assertEquals(whole.get(r + 2, c + 1), row[c], dtype + " row " + r);
                }
            }
            // A slice of a slice.
            WeightTensor t = s.slice(3, 6, 2, 4);
            assertEquals(whole.get(7, 4), t.get(2, 1));
            // Rows per run: row 0 of s is stored row 2, the last of its block.
            assertEquals(1, s.rowsInBlockFrom(0));
            assertEquals(3, s.rowsInBlockFrom(1));
            assertEquals(3, s.rowsInBlockFrom(4));
            assertEquals(1, s.rowsInBlockFrom(7)); // the slice ends there
        }
    }

    @Test
    void rowSlicesAreContiguousAndCopyRowsAsStored() {
        WeightTensor whole = tensor(DType.F32);
        WeightTensor s = whole.slice(4, 11, 0, COLS);
        assertTrue(s.contiguousRows());
        float[] a = new float[COLS];
        float[] b = new float[COLS];
        for (int r = 0; r < s.rows(); r++) {
            s.copyRowF32(r, a, 0);
            whole.copyRowF32(r + 4, b, 0);
            assertEquals(java.util.Arrays.toString(b), java.util.Arrays.toString(a));
        }
    }

    @Test
    void anEmptyOrOutOfRangeSliceIsRefused() {
        WeightTensor whole = tensor(DType.F32);
        assertThrows(IllegalArgumentException.class, () -> whole.slice(0, 12, 0, COLS));
        assertThrows(IllegalArgumentException.class, () -> whole.slice(3, 3, 0, COLS));
        assertThrows(IllegalArgumentException.class, () -> whole.slice(0, 1, 5, 8));
    }
}
