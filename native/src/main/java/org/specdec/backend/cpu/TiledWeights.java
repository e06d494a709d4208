package org.specdec.backend.cpu;

import org.specdec.tensor.DType;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;

/**
 * A weight matrix ({@code [out_features, in_features]}) copied at load into tiles for
 * {@link TiledMatmul}, in its stored dtype: tile t holds output rows [t * LANES, (t + 1) * LANES),
 * input column by input column, so one vector load gives one input column's weights for
 * {@code LANES} outputs. Kernels then keep one output per vector lane, and each output is one FMA
 * chain over the input columns in order: no lanes to sum at the end, whatever the batch, so a
 * row's result never depends on the rows it is batched with.
 *
 * <p>F32 tiles hold floats: element (k, l) of tile t at {@code (t * cols + k) * LANES + l}. F16 and
 * BF16 tiles hold the halves of two consecutive columns in one int (column 2p in the low half, 2p + 1
 * in the high half): pair (p, l) of tile t at {@code (t * cols / 2 + p) * LANES + l}, widened to
 * F32 in registers as {@link WeightRowReader} widens pairs. A 16-bit matrix with an odd column
 * count, or an F16 one holding an infinity or a NaN (which the register widening would turn
 * finite), is held as F32 tiles instead, converted exactly. Rows past the last output in the last
 * tile are zeros.
 */
final class TiledWeights {
    static final int L = VectorMath.LANES;

    private final String name;
    private final DType dtype;
    private final int rows;
    private final int cols;
    private final int tiles;
    /** F32 tiles, or null where the tiles hold pairs. */
    final float[] f32;
    /** 16-bit pairs, or null where the tiles hold F32. */
    final int[] pairs;

    private TiledWeights(String name, DType dtype, int rows, int cols, float[] f32, int[] pairs) {
        this.name = name;
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
        this.tiles = tilesOf(rows);
        this.f32 = f32;
        this.pairs = pairs;
    }

    static int tilesOf(int rows) {
        return (rows + L - 1) / L;
    }

    /** Copies every row of {@code w} (any stored dtype, a slice included) into tiles. */
    static TiledWeights of(WeightTensor w) {
        int rows = w.rows();
        int cols = w.cols();
        long elements = (long) tilesOf(rows) * L * cols;
        if (elements > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + w.name() + " has " + rows + " x " + cols
                    + " weights: too many for one tiled array; set model.cpu_weights: stored");
        }
        boolean sixteenBit = w.dtype() == DType.F16 || w.dtype() == DType.BF16;
        if (sixteenBit && cols % 2 == 0 && !w.hasNonFiniteF16()) {
            return new TiledWeights(w.name(), w.dtype(), rows, cols, null, packPairs(w));
        }
        return new TiledWeights(w.name(), DType.F32, rows, cols, packF32(w), null);
    }

    private static float[] packF32(WeightTensor w) {
        int rows = w.rows();
        int cols = w.cols();
        float[] out = new float[tilesOf(rows) * L * cols];
        float[] row = new float[cols];
        for (int j = 0; j < rows; j++) {
            w.readRow(j, row, 0);
            int base = (j / L) * cols * L + j % L;
            for (int k = 0; k < cols; k++) {
                out[base + k * L] = row[k];
            }
        }
        return out;
    }

    private static int[] packPairs(WeightTensor w) {
        int rows = w.rows();
        int cols = w.cols();
        int half = cols / 2;
        int[] out = new int[tilesOf(rows) * L * half];
        short[] row = new short[cols];
        for (int j = 0; j < rows; j++) {
            w.copyRowBits16(j, row, 0);
            int base = (j / L) * half * L + j % L;
            for (int p = 0; p < half; p++) {
                out[base + p * L] = (row[2 * p] & 0xffff) | (row[2 * p + 1] << 16);
            }
        }
        return out;
    }

    /** The exact F32 value of element (j, k), for tests and checks. */
    float get(int j, int k) {
        int t = j / L;
        int l = j % L;
        if (f32 != null) {
            return f32[(t * cols + k) * L + l];
        }
        int pair = pairs[(t * (cols / 2) + k / 2) * L + l];
        short h = (short) ((k & 1) == 0 ? pair : pair >>> 16);
        return dtype == DType.BF16 ? HalfFloats.bf16ToFloat(h) : HalfFloats.f16ToFloat(h);
    }

    String name() {
        return name;
    }

    /** F32, or the 16-bit dtype the pairs hold. */
    DType dtype() {
        return dtype;
    }

    boolean holdsPairs() {
        return pairs != null;
    }

    int rows() {
        return rows;
    }

    int cols() {
        return cols;
    }

    int tiles() {
        return tiles;
    }

    /** Floats (F32) or ints (pairs) from one tile to the next. */
    int tileStride() {
        return pairs != null ? cols / 2 * L : cols * L;
    }

    /** Bytes the tiles hold, padding included: what one pass reads. */
    long byteSize() {
        return pairs != null ? 4L * pairs.length : 4L * f32.length;
    }
}
