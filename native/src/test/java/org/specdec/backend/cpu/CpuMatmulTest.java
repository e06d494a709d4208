package org.specdec.backend.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.specdec.tensor.DType;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU GEMM in every dtype: against a double-precision reference, and bit-identical for a row
 * whatever the batch it is in (one input row takes the fused decode kernels, several the row-wise
 * block kernels, many the column-wise ones) and whether its weight row lies on the pair grid or not.
 */
class CpuMatmulTest {
    /** Columns with a tail after the last whole paired block and after the last vector. */
    static final int COLS = 3 * InputPanel.PAIRED_BLOCK + VectorMath.LANES + 6;
    /** An odd row length: no row lies on the pair grid. */
    static final int ODD_COLS = COLS - 1;
    static final int ROWS = 11;
    /**
     * Batches that reach every kernel: the row-wise 4x5 blocks, then 4x4 down to 4x1; from
     * {@link InputPanel#COLUMN_MIN_ROWS} rows on the column-wise kernels over three and two vectors of
     * rows, the rows after the last group row-wise.
     */
    static final int[] BATCHES = {2, 3, 4, 5, 6, 7, 8, 9, 11, 16, 17, 31, 32, 33, 40, 48, 49, 64, 65, 81, 96, 97};

    static WeightTensor tensor(DType dtype, int rows, int cols, long seed, float[] values) {
        Random rnd = new Random(seed);
        ByteBuffer b = ByteBuffer.allocateDirect(rows * cols * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            float v = (float) rnd.nextGaussian();
            switch (dtype) {
                case F32 -> b.putFloat(v);
                case BF16 -> b.putShort(HalfFloats.floatToBf16(v));
                case F16 -> b.putShort(HalfFloats.floatToF16(v));
                default -> throw new AssertionError(dtype);
            }
        }
        b.flip();
        WeightTensor w = WeightTensor.of("w", dtype, new long[] {rows, cols}, b);
        for (int i = 0; i < rows * cols; i++) {
            values[i] = w.get(i / cols, i % cols);
        }
        return w;
    }

    static float[] inputs(int m, int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[m * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    static float[] gemm(WeightTensor w, float[] x, int m) {
        InputPanel panel = new InputPanel();
        panel.set(x, m, w.cols(), w.dtype() != DType.F32);
        panel.fill();
        float[] out = new float[m * w.rows()];
        CpuMatmul.rows(w, 0, w.rows(), panel, null, out, w.rows(), 0, new WeightRowReader(w.cols() + 8));
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void matchesDoublePrecisionReference(DType dtype) {
        float[] wv = new float[ROWS * COLS];
        WeightTensor w = tensor(dtype, ROWS, COLS, 7, wv);
        int m = 5;
        float[] x = inputs(m, COLS, 8);
        float[] out = gemm(w, x, m);
        for (int t = 0; t < m; t++) {
            for (int j = 0; j < ROWS; j++) {
                double want = 0;
                for (int c = 0; c < COLS; c++) {
                    want += (double) wv[j * COLS + c] * x[t * COLS + c];
                }
                assertEquals(want, out[t * ROWS + j], 1e-4 * Math.sqrt(COLS), dtype + " row " + t + " out " + j);
            }
        }
    }

    @Test
    void batchesFromTheThresholdOnAreMultipliedColumnWise() {
        int from = InputPanel.COLUMN_MIN_ROWS;
        assertTrue(from <= 3 * VectorMath.LANES, "threshold " + from);
        InputPanel panel = new InputPanel();
        panel.set(new float[from * COLS], from, COLS, false);
        assertTrue(panel.hasColumns(DType.F32));
        assertFalse(panel.hasColumns(DType.F16), "the columns are in the F32 weights' order");
        panel.set(new float[from * COLS], from, COLS, true);
        assertTrue(panel.hasColumns(DType.BF16) && panel.hasColumns(DType.F16));
        panel.set(new float[from * COLS], from - 1, COLS, false);
        assertFalse(panel.hasColumns(DType.F32));
        int wide = InputPanel.COLUMN_MAX_COLS + 1;
        panel.set(new float[from * wide], from, wide, false);
        assertFalse(panel.hasColumns(DType.F32), "beyond " + InputPanel.COLUMN_MAX_COLS + " columns row-wise");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void aRowsResultDoesNotDependOnItsBatch(DType dtype) {
        batchInvariance(dtype, COLS);
        batchInvariance(dtype, ODD_COLS);
    }

    private static void batchInvariance(DType dtype, int cols) {
        WeightTensor w = tensor(dtype, ROWS, cols, 3, new float[ROWS * cols]);
        int most = BATCHES[BATCHES.length - 1];
        float[] x = inputs(most, cols, 4);
        float[] alone = new float[most * ROWS];
        for (int t = 0; t < most; t++) {
            float[] one = gemm(w, java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1);
            System.arraycopy(one, 0, alone, t * ROWS, ROWS);
        }
        for (int m : BATCHES) {
            float[] batched = gemm(w, x, m);
            for (int i = 0; i < m * ROWS; i++) {
                assertEquals(Float.floatToRawIntBits(alone[i]), Float.floatToRawIntBits(batched[i]),
                        dtype + " cols " + cols + " batch " + m + " row " + i / ROWS + " out " + i % ROWS);
            }
        }
    }

    /**
     * A block of four weight rows reduces its four accumulators together; a row computed alone
     * (the remainder of a range) goes through {@link VectorMath#dot}. Both must give the same bits.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void aWeightRowGivesTheSameBitsInABlockOfFourAndAlone(DType dtype) {
        // Magnitudes spread over many binades, so that any change in the order of the additions shows.
        WeightTensor w = tensor(dtype, 8, COLS, 11, new float[8 * COLS]);
        Random rnd = new Random(12);
        for (int m : new int[] {1, 2, 3, 4, 5, 7, 17, 24, 40, 49, 81}) {
            float[] x = inputs(m, COLS, 13 + m);
            for (int i = 0; i < x.length; i++) {
                x[i] *= (float) Math.pow(2, rnd.nextInt(24) - 12);
            }
            float[] blocks = gemm(w, x, m);
            for (int j = 0; j < 8; j++) {
                InputPanel panel = new InputPanel();
                panel.set(x, m, COLS, w.dtype() != DType.F32);
                panel.fill();
                float[] alone = new float[m * 8];
                CpuMatmul.rows(w, j, j + 1, panel, null, alone, 8, 0, new WeightRowReader(COLS + 8));
                for (int t = 0; t < m; t++) {
                    assertEquals(Float.floatToRawIntBits(blocks[t * 8 + j]), Float.floatToRawIntBits(alone[t * 8 + j]),
                            dtype + " batch " + m + " row " + t + " out " + j);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void rowsOffThePairGridGiveTheSameResults(DType dtype) {
        // Columns [1, COLS + 1) of a wider matrix start at an odd element: the reader packs the pairs itself.
        float[] wide = new float[ROWS * (COLS + 2)];
        WeightTensor full = tensor(dtype, ROWS, COLS + 2, 5, wide);
        WeightTensor odd = full.slice(0, ROWS, 1, COLS + 1);
        float[] x = inputs(1, COLS, 6);
        float[] fromSlice = gemm(odd, x, 1);
        float[] packed = new float[ROWS * COLS];
        for (int j = 0; j < ROWS; j++) {
            System.arraycopy(wide, j * (COLS + 2) + 1, packed, j * COLS, COLS);
        }
        ByteBuffer b = ByteBuffer.allocateDirect(ROWS * COLS * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : packed) {
            b.putShort(dtype == DType.BF16 ? HalfFloats.floatToBf16(v) : HalfFloats.floatToF16(v));
        }
        b.flip();
        float[] aligned = gemm(WeightTensor.of("w", dtype, new long[] {ROWS, COLS}, b), x, 1);
        for (int j = 0; j < ROWS; j++) {
            assertEquals(Float.floatToRawIntBits(aligned[j]), Float.floatToRawIntBits(fromSlice[j]), "out " + j);
        }
    }
}
