package org.specdec.backend.cpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.specdec.tensor.DType;
import org.specdec.tensor.WeightTensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 8-bit weights: each within half a step of the weight it stands for, the same value from every
 * reader, and a GEMM row's result the same bits alone (the fused decode kernel) and in any batch.
 */
class Q8WeightsTest {
    /** A whole packed group, then a tail of whole vectors and single elements, in two blocks' scales. */
    static final int COLS = Q8Weights.GROUP + 2 * VectorMath.LANES + 5;
    static final int ROWS = 11;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void everyWeightIsWithinHalfAStepOfItsBlockScale(DType dtype) {
        float[] values = new float[ROWS * COLS];
        WeightTensor w = CpuMatmulTest.tensor(dtype, ROWS, COLS, 21, values);
        Q8Weights q = Q8Weights.quantize(w);
        for (int r = 0; r < ROWS; r++) {
            for (int b = 0; b * Q8Weights.BLOCK < COLS; b++) {
                float max = 0;
                for (int c = b * Q8Weights.BLOCK; c < Math.min(COLS, (b + 1) * Q8Weights.BLOCK); c++) {
                    max = Math.max(max, Math.abs(values[r * COLS + c]));
                }
                for (int c = b * Q8Weights.BLOCK; c < Math.min(COLS, (b + 1) * Q8Weights.BLOCK); c++) {
                    float d = q.scale(r, c);
                    assertEquals(max / 127f, d, 0f, "row " + r + " block " + b);
                    assertTrue(Math.abs(q.quantized(r, c)) <= 127);
                    assertEquals(values[r * COLS + c], q.get(r, c), d / 2 * 1.0001f, "row " + r + " col " + c);
                }
            }
        }
    }

    @Test
    void dequantisedRowsAreTheValuesGetGives() {
        WeightTensor w = CpuMatmulTest.tensor(DType.F32, ROWS, COLS, 22, new float[ROWS * COLS]);
        Q8Weights q = Q8Weights.quantize(w);
        float[] rows = new float[3 * COLS];
        q.dequantize(5, 3, rows);
        for (int s = 0; s < 3; s++) {
            for (int c = 0; c < COLS; c++) {
                assertEquals(Float.floatToRawIntBits(q.get(5 + s, c)), Float.floatToRawIntBits(rows[s * COLS + c]),
                        "row " + (5 + s) + " col " + c);
            }
        }
    }

    @Test
    void aRowsResultDoesNotDependOnItsBatchAndMatchesTheDequantisedProduct() {
        WeightTensor w = CpuMatmulTest.tensor(DType.F32, ROWS, COLS, 23, new float[ROWS * COLS]);
        Q8Weights q = Q8Weights.quantize(w);
        int most = CpuMatmulTest.BATCHES[CpuMatmulTest.BATCHES.length - 1];
        float[] x = CpuMatmulTest.inputs(most, COLS, 24);
        float[] alone = new float[most * ROWS];
        for (int t = 0; t < most; t++) {
            float[] one = gemm(q, java.util.Arrays.copyOfRange(x, t * COLS, (t + 1) * COLS), 1);
            System.arraycopy(one, 0, alone, t * ROWS, ROWS);
        }
        for (int t = 0; t < most; t++) {
            for (int j = 0; j < ROWS; j++) {
                double want = 0;
                for (int c = 0; c < COLS; c++) {
                    want += (double) q.get(j, c) * x[t * COLS + c];
                }
                assertEquals(want, alone[t * ROWS + j], 1e-4 * Math.sqrt(COLS), "row " + t + " out " + j);
            }
        }
        for (int m : CpuMatmulTest.BATCHES) {
            float[] batched = gemm(q, x, m);
            for (int i = 0; i < m * ROWS; i++) {
                assertEquals(Float.floatToRawIntBits(alone[i]), Float.floatToRawIntBits(batched[i]),
                        "batch " + m + " row " + i / ROWS + " out " + i % ROWS);
            }
        }
    }

    @Test
    void aNonFiniteWeightIsRefusedNamingTheTensor() {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * 2 * 40).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 80; i++) {
            b.putFloat(i == 47 ? Float.NaN : 0.5f);
        }
        WeightTensor w = WeightTensor.of("model.layers.0.mlp.up_proj.weight", DType.F32, new long[] {2, 40}, b.flip());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Q8Weights.quantize(w));
        assertTrue(e.getMessage().contains("model.layers.0.mlp.up_proj.weight") && e.getMessage().contains("row 1"),
                e.getMessage());
    }

    private static float[] gemm(Q8Weights q, float[] x, int m) {
        InputPanel panel = new InputPanel();
        panel.set(x, m, q.cols(), false);
        panel.fill();
        float[] out = new float[m * q.rows()];
        CpuMatmul.rows(q, 0, q.rows(), panel, null, out, q.rows(), 0, new WeightRowReader(q.cols() + 8));
        return out;
    }
}
