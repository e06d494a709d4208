package org.specdec.backend.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.specdec.tensor.DType;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The in-place decode kernels give the same bits as the copying ones, for every dtype, row length
 * and block layout; they are used exactly where the JVM can run them. Runs its comparisons on
 * Java 25 (the build's second test run), where the kernels exist.
 */
class MappedDecodeTest {
    private static final int ROWS = 23;  // blocks of 7 rows: four-row groups cross block ends

    @Test
    void theKernelsAreUsedWhereTheJvmHasThem() {
        if (Runtime.version().feature() < 25) {
            assertNull(CpuMatmul.MAPPED, "Java " + Runtime.version().feature() + " cannot run the Java 25 kernels");
        } else if (classFileOnClasspath()) {
            assertNotNull(CpuMatmul.MAPPED, "Java 25 with the kernels built must use them");
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void decodeGivesTheSameBitsReadInPlaceOrCopied(DType dtype) {
        assumeTrue(CpuMatmul.MAPPED != null, "needs Java 25 and a build with a JDK 25");
        int[] lengths = {CpuMatmulTest.COLS, CpuMatmulTest.ODD_COLS, 2 * InputPanel.PAIRED_BLOCK, 768, 37};
        for (int cols : lengths) {
            for (int rowsPerBlock : new int[] {ROWS, 7}) {
                WeightTensor w = tensor(dtype, cols, rowsPerBlock, 31L * cols + rowsPerBlock);
                float[] x = wideRangeInputs(cols, cols);
                InputPanel panel = new InputPanel();
                panel.set(x, 1, cols, true);
                panel.fill();
                float[] inPlace = new float[ROWS];
                float[] copied = new float[ROWS];
                CpuMatmul.rows(w, 0, ROWS, panel, null, inPlace, ROWS, 0, new WeightRowReader(cols), CpuMatmul.MAPPED);
                CpuMatmul.rows(w, 0, ROWS, panel, null, copied, ROWS, 0, new WeightRowReader(cols), null);
                for (int j = 0; j < ROWS; j++) {
                    assertEquals(Float.floatToRawIntBits(copied[j]), Float.floatToRawIntBits(inPlace[j]),
                            dtype + " cols " + cols + " rows per block " + rowsPerBlock + " out " + j);
                }
            }
        }
    }

    private static boolean classFileOnClasspath() {
        return MappedDecodeTest.class.getClassLoader()
                .getResource(MappedDecode.IMPLEMENTATION.replace('.', '/') + ".class") != null
                && Boolean.parseBoolean(System.getProperty(MappedDecode.SWITCH, "true"));
    }

    /** A tensor of {@link #ROWS} rows held in blocks of {@code rowsPerBlock} rows, values over many binades. */
    private static WeightTensor tensor(DType dtype, int cols, int rowsPerBlock, long seed) {
        Random rnd = new Random(seed);
        List<ByteBuffer> blocks = new ArrayList<>();
        for (int from = 0; from < ROWS; from += rowsPerBlock) {
            int rows = Math.min(rowsPerBlock, ROWS - from);
            ByteBuffer b = ByteBuffer.allocateDirect(rows * cols * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < rows * cols; i++) {
                float v = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(16) - 8));
                switch (dtype) {
                    case F32 -> b.putFloat(v);
                    case BF16 -> b.putShort(HalfFloats.floatToBf16(v));
                    case F16 -> b.putShort(HalfFloats.floatToF16(v));
                    default -> throw new AssertionError(dtype);
                }
            }
            blocks.add(b.flip());
        }
        return new WeightTensor("w", dtype, new long[] {ROWS, cols}, rowsPerBlock, blocks);
    }

    private static float[] wideRangeInputs(int cols, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(24) - 12));
        }
        return x;
    }
}
