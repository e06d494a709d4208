package org.specdec.backend.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.specdec.tensor.DType;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiled CPU GEMM in every dtype: against a double-precision reference, and bit-identical for a
 * row whatever the batch it is in (one row takes the in-register decode kernels, several the
 * widened-chunk kernels in blocks of 6, 4, 2 and 1 rows) and however the tiles are split.
 */
class TiledMatmulTest {
    static final int L = VectorMath.LANES;
    /** Not a multiple of the lanes: the last tile is partial. */
    static final int ROWS = 7 * L + 5;
    /** More than two chunks, the last a short one. */
    static final int COLS = 2 * TiledMatmul.CHUNK + 44;
    static final int[] BATCHES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 17, 32, 40};

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void matchesDoublePrecisionAndIsTheSameForARowInAnyBatch(DType dtype) {
        float[] values = new float[ROWS * COLS];
        TiledWeights w = TiledWeights.of(CpuMatmulTest.tensor(dtype, ROWS, COLS, 3, values));
        assertEquals(dtype != DType.F32, w.holdsPairs(), "16-bit tiles keep their dtype");
        for (int j = 0; j < ROWS; j += 13) {
            for (int k = 0; k < COLS; k += 7) {
                assertEquals(values[j * COLS + k], w.get(j, k), "tile element (" + j + ", " + k + ")");
            }
        }
        float[] bias = CpuMatmulTest.inputs(1, ROWS, 5);
        int maxM = BATCHES[BATCHES.length - 1];
        float[] x = CpuMatmulTest.inputs(maxM, COLS, 11);
        float[][] alone = new float[maxM][];
        for (int i = 0; i < maxM; i++) {
            float[] row = java.util.Arrays.copyOfRange(x, i * COLS, (i + 1) * COLS);
            alone[i] = multiply(w, row, 1, bias, ROWS, 0);
            for (int j = 0; j < ROWS; j++) {
                double e = bias[j];
                double scale = 0;
                for (int k = 0; k < COLS; k++) {
                    e += (double) values[j * COLS + k] * row[k];
                    scale += Math.abs((double) values[j * COLS + k] * row[k]);
                }
                assertEquals(e, alone[i][j], 1e-5 * scale, "row " + i + " output " + j);
            }
        }
        for (int m : BATCHES) {
            float[] out = multiply(w, x, m, bias, ROWS + 3, 2);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < ROWS; j++) {
                    assertEquals(Float.floatToIntBits(alone[i][j]), Float.floatToIntBits(out[i * (ROWS + 3) + 2 + j]),
                            dtype + ": row " + i + " of a batch of " + m + ", output " + j);
                }
                assertEquals(0f, out[i * (ROWS + 3)], "outside the output columns");
                assertEquals(0f, out[i * (ROWS + 3) + 1], "outside the output columns");
            }
        }
    }

    @Test
    void splittingTheTilesBetweenCallsGivesTheSameBits() {
        float[] values = new float[ROWS * COLS];
        TiledWeights w = TiledWeights.of(CpuMatmulTest.tensor(DType.F16, ROWS, COLS, 4, values));
        for (int m : new int[] {1, 5, 8}) {
            float[] x = CpuMatmulTest.inputs(m, COLS, 17);
            float[] whole = multiply(w, x, m, null, ROWS, 0);
            float[] split = new float[m * ROWS];
            TiledMatmul.Scratch s = new TiledMatmul.Scratch();
            int[] cuts = {0, 1, 2, 5, w.tiles()};
            for (int c = 0; c + 1 < cuts.length; c++) {
                TiledMatmul.tiles(w, cuts[c], cuts[c + 1], x, m, null, split, ROWS, 0, s);
            }
            for (int i = 0; i < whole.length; i++) {
                assertEquals(Float.floatToIntBits(whole[i]), Float.floatToIntBits(split[i]), "batch " + m + " element " + i);
            }
        }
    }

    @Test
    void f16WithInfinityAndOddColumnsAreTiledAsExactF32() {
        int rows = L + 1;
        int cols = 2 * L;
        ByteBuffer b = ByteBuffer.allocateDirect(rows * cols * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            b.putShort(HalfFloats.floatToF16(i % 7 - 3));
        }
        b.putShort(2 * (3 * cols + 5), (short) 0x7c00);  // +infinity at (3, 5)
        WeightTensor inf = WeightTensor.of("inf", DType.F16, new long[] {rows, cols}, b.flip());
        TiledWeights tiled = TiledWeights.of(inf);
        assertFalse(tiled.holdsPairs(), "the register widening would make an infinity finite");
        assertEquals(Float.POSITIVE_INFINITY, tiled.get(3, 5));
        float[] x = new float[cols];
        x[5] = 1;
        float[] out = multiply(tiled, x, 1, null, rows, 0);
        assertEquals(Float.POSITIVE_INFINITY, out[3]);
        float[] values = new float[rows * (cols - 1)];
        TiledWeights odd = TiledWeights.of(CpuMatmulTest.tensor(DType.BF16, rows, cols - 1, 9, values));
        assertFalse(odd.holdsPairs(), "an odd row length has no whole pairs");
        for (int j = 0; j < rows; j++) {
            for (int k = 0; k < cols - 1; k++) {
                assertEquals(values[j * (cols - 1) + k], odd.get(j, k));
            }
        }
    }

    @Test
    void aSliceIsTiledAsItsOwnRows() {
        float[] values = new float[ROWS * COLS];
        WeightTensor whole = CpuMatmulTest.tensor(DType.F16, ROWS, COLS, 21, values);
        WeightTensor rows = whole.slice(L + 3, 3 * L + 3, 0, COLS);
        TiledWeights t = TiledWeights.of(rows);
        assertEquals(2 * L, t.rows());
        for (int j = 0; j < 2 * L; j++) {
            for (int k = 0; k < COLS; k += 5) {
                assertEquals(values[(L + 3 + j) * COLS + k], t.get(j, k));
            }
        }
    }

    @Test
    void autoTilesSmallModelsAndReadsLargeOnesWhereTheyAreMapped() {
        long gib = 1L << 30;
        assertEquals(CpuWeights.TILED, CpuWeights.AUTO.resolve(10_000_000, 4 * gib));
        assertEquals(CpuWeights.STORED, CpuWeights.AUTO.resolve(CpuWeights.AUTO_TILED_MAX_BYTES + 1, 64 * gib));
        assertEquals(CpuWeights.STORED, CpuWeights.AUTO.resolve(300L << 20, gib), "a quarter of a 1 GiB heap is less");
        assertEquals(CpuWeights.TILED, CpuWeights.TILED.resolve(300L << 20, gib), "an explicit value stays");
        assertEquals(CpuWeights.STORED, CpuWeights.STORED.resolve(1));
        assertEquals(CpuWeights.Q8_0, CpuWeights.parse(" Q8_0 "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuWeights.parse("tiles"));
        assertTrue(e.getMessage().contains("'tiles'"), e.getMessage());
        CpuModelRunner.requireHeapForTiles(700L << 20, gib);
        IllegalStateException heap = assertThrows(IllegalStateException.class,
                () -> CpuModelRunner.requireHeapForTiles(800L << 20, gib));
        assertTrue(heap.getMessage().contains("model.cpu_weights tiled") && heap.getMessage().contains("stored"),
                heap.getMessage());
    }

    /** {@code w} times m rows of x into a zeroed [m][outStride] array at column outCol. */
    static float[] multiply(TiledWeights w, float[] x, int m, float[] bias, int outStride, int outCol) {
        float[] out = new float[m * outStride];
        TiledMatmul.tiles(w, 0, w.tiles(), x, m, bias, out, outStride, outCol, new TiledMatmul.Scratch());
        return out;
    }
}
