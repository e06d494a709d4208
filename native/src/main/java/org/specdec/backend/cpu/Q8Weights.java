package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.specdec.tensor.WeightTensor;

/**
 * A weight matrix quantised at load to 8 bits in blocks of {@link #BLOCK} along each row, the
 * layout of llama.cpp's Q8_0: per block one scale {@code d = max|w| / 127} and 32 signed bytes
 * {@code q = round(w / d)}, so {@code w ~ q * d} with an error of at most {@code d / 2}. It holds
 * 1.125 bytes per weight (F32 holds 4, F16 and BF16 2), in heap arrays the CPU kernels read instead
 * of the mapped tensor. Chosen explicitly ({@code model.cpu_weights: q8_0}); it changes outputs.
 *
 * <p>The bytes of each group of {@code 4 * LANES} elements of a row are packed four to an int:
 * lane i of the group's int vector holds elements i, i + L, i + 2L and i + 3L (lowest byte first),
 * so each quarter widens to a float vector in the natural element order with two shifts and a
 * conversion, with no lane shuffle. The elements after the last whole group stay one byte each.
 */
final class Q8Weights {
    static final int BLOCK = 32;
    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final VectorSpecies<Integer> I = WeightRowReader.I;
    private static final int L = VectorMath.LANES;
    /** Elements per packed group: four vectors. */
    static final int GROUP = 4 * L;

    private final String name;
    private final int rows;
    private final int cols;
    private final int blocksPerRow;
    /** Where a row's whole groups end; its remaining elements are in {@link #tail}. */
    private final int groupEnd;
    private final int[] packed;
    private final byte[] tail;
    private final float[] scales;

    private Q8Weights(String name, int rows, int cols) {
        if (BLOCK % L != 0) {
            throw new IllegalStateException(L + " vector lanes do not divide a block of " + BLOCK);
        }
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.blocksPerRow = (cols + BLOCK - 1) / BLOCK;
        this.groupEnd = cols - cols % GROUP;
        if ((long) rows * cols > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + name + " has " + rows + " x " + cols
                    + " weights: too many for one 8-bit array");
        }
        this.packed = new int[rows * (groupEnd / 4)];
        this.tail = new byte[rows * (cols - groupEnd)];
        this.scales = new float[rows * blocksPerRow];
    }

    /** Quantises every row of {@code w} (any stored dtype, a slice included). */
    static Q8Weights quantize(WeightTensor w) {
        Q8Weights out = new Q8Weights(w.name(), w.rows(), w.cols());
        float[] row = new float[w.cols()];
        byte[] q = new byte[w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            w.readRow(r, row, 0);
            out.quantizeRow(r, row, q);
        }
        return out;
    }

    private void quantizeRow(int r, float[] row, byte[] q) {
        for (int b = 0; b < blocksPerRow; b++) {
            int from = b * BLOCK;
            int to = Math.min(cols, from + BLOCK);
            float max = 0;
            for (int c = from; c < to; c++) {
                float a = Math.abs(row[c]);
                if (!(a <= Float.MAX_VALUE)) {
                    throw new IllegalArgumentException("tensor " + name + " row " + r + " column " + c + " holds "
                            + row[c] + ": 8-bit quantisation needs finite weights");
                }
                max = Math.max(max, a);
            }
            float d = max / 127f;
            scales[r * blocksPerRow + b] = d;
            float inv = d == 0 ? 0 : 1f / d;
            for (int c = from; c < to; c++) {
                q[c] = (byte) Math.max(-127, Math.min(127, Math.round(row[c] * inv)));
            }
        }
        int p = r * (groupEnd / 4);
        for (int g = 0; g < groupEnd; g += GROUP) {
            for (int i = 0; i < L; i++) {
                packed[p++] = (q[g + i] & 0xff) | (q[g + L + i] & 0xff) << 8 | (q[g + 2 * L + i] & 0xff) << 16
                        | q[g + 3 * L + i] << 24;
            }
        }
        System.arraycopy(q, groupEnd, tail, r * (cols - groupEnd), cols - groupEnd);
    }

    String name() { return name; }
    int rows() { return rows; }
    int cols() { return cols; }

    /** Bytes held: the 8-bit values and the scales. */
    long byteSize() {
        return 4L * packed.length + tail.length + 4L * scales.length;
    }

    /** The 8-bit value of one element. */
    int quantized(int row, int col) {
        if (col >= groupEnd) {
            return tail[row * (cols - groupEnd) + col - groupEnd];
        }
        int g = col - col % GROUP;
        int within = col - g;
        int word = packed[row * (groupEnd / 4) + g / 4 + within % L];
        return word << (24 - 8 * (within / L)) >> 24;
    }

    /** The scale of the block holding one element. */
    float scale(int row, int col) {
        return scales[row * blocksPerRow + col / BLOCK];
    }

    /** The dequantised weight {@code q * d} of one element, rounded once: what every kernel multiplies by. */
    float get(int row, int col) {
        return quantized(row, col) * scale(row, col);
    }

    /**
     * Rows [r, r + count) dequantised into {@code dst}, row s at {@code s * cols}, each element as
     * {@link #get} gives it, widened and scaled in vector registers.
     */
    void dequantize(int r, int count, float[] dst) {
        for (int s = 0; s < count; s++) {
            int row = r + s;
            int p = row * (groupEnd / 4);
            int sRow = row * blocksPerRow;
            int o = s * cols;
            for (int g = 0; g < groupEnd; g += GROUP, p += L) {
                IntVector u = IntVector.fromArray(I, packed, p);
                float d0 = scales[sRow + g / BLOCK];
                float d1 = scales[sRow + (g + L) / BLOCK];
                float d2 = scales[sRow + (g + 2 * L) / BLOCK];
                float d3 = scales[sRow + (g + 3 * L) / BLOCK];
                ((FloatVector) u.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(d0).intoArray(dst, o + g);
                ((FloatVector) u.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(d1).intoArray(dst, o + g + L);
                ((FloatVector) u.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(d2).intoArray(dst, o + g + 2 * L);
                ((FloatVector) u.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).mul(d3)
                        .intoArray(dst, o + g + 3 * L);
            }
            tailToF32(row, dst, o);
        }
    }

    /** Elements [groupEnd, cols) of a row, dequantised, at their own places of {@code dst[o ...]}. */
    void tailToF32(int row, float[] dst, int o) {
        for (int c = groupEnd; c < cols; c++) {
            dst[o + c] = get(row, c);
        }
    }

    int groupEnd() { return groupEnd; }

    /**
     * Where the packed ints of a row start (four elements each, {@link #GROUP} elements per L ints);
     * {@code packedOffset(1)} is the ints per row.
     */
    int packedOffset(int row) {
        return row * (groupEnd / 4);
    }

    int[] packed() { return packed; }

    float[] scales() { return scales; }

    int blocksPerRow() { return blocksPerRow; }
}
