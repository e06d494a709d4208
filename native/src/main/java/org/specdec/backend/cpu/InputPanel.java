package org.specdec.backend.cpu;

import org.specdec.tensor.DType;

/**
 * The M input rows of one GEMM ({@code [rows x cols]}, row-major), in the element order the
 * weight's kernels read them.
 *
 * <p>F32 weights read the rows as they are. 16-bit weights are read as pairs of elements packed in
 * one int (see {@link WeightRowReader}): a vector of pairs widens to one vector of the even
 * elements and one of the odd elements with a shift or a mask, with no lane shuffle. Their input
 * rows are therefore kept in the <em>paired</em> order: each block of {@code 2 * LANES} elements
 * becomes its even elements followed by its odd elements; the tail after the last whole block
 * stays in place. A dot product is the same sum in either order, and every batch size reads the
 * same order, so results stay batch-invariant.
 */
final class InputPanel {
    private static final int L = VectorMath.LANES;
    /** Elements of one paired block: {@code LANES} pairs. */
    static final int PAIRED_BLOCK = 2 * L;

    private float[] natural;
    private float[] paired = new float[0];
    private boolean hasPaired;
    private int rows;
    private int cols;

    /**
     * Takes {@code rows} rows of {@code cols} elements from {@code x} (not copied: the caller keeps
     * {@code x} unchanged while the panel is in use); with {@code pairedOrder}, the caller then
     * fills the paired order with {@link #pairRows} over all rows (in parallel where it pays).
     */
    void set(float[] x, int rows, int cols, boolean pairedOrder) {
        this.natural = x;
        this.rows = rows;
        this.cols = cols;
        this.hasPaired = pairedOrder;
        if (pairedOrder && paired.length < rows * cols) {
            paired = new float[Math.max(rows * cols, paired.length * 2)];
        }
    }

    /** Writes rows [from, to) in the paired order. */
    void pairRows(int from, int to) {
        float[] x = natural;
        int vecEnd = pairedVectorEnd(cols);
        for (int r = from; r < to; r++) {
            int base = r * cols;
            for (int e = 0; e < vecEnd; e += PAIRED_BLOCK) {
                for (int j = 0; j < L; j++) {
                    paired[base + e + j] = x[base + e + 2 * j];
                    paired[base + e + L + j] = x[base + e + 2 * j + 1];
                }
            }
            System.arraycopy(x, base + vecEnd, paired, base + vecEnd, cols - vecEnd);
        }
    }

    int rows() {
        return rows;
    }

    int cols() {
        return cols;
    }

    /** The rows in the order a weight of {@code dtype} is multiplied with. */
    float[] elements(DType dtype) {
        if (dtype == DType.F32) {
            return natural;
        }
        if (!hasPaired) {
            throw new IllegalStateException("input panel was set without the paired order a " + dtype + " weight reads");
        }
        return paired;
    }

    /**
     * Where the vector part of a row of {@code n} elements ends, for every dtype: the kernels multiply
     * whole vectors up to here (for 16-bit weights the paired blocks, then at most one vector in
     * natural order) and the rest one element at a time.
     */
    static int vectorEnd(int n) {
        return n - n % L;
    }

    /** Where the paired blocks of a row of {@code n} elements end; the natural-order tail follows. */
    static int pairedVectorEnd(int n) {
        return n - n % PAIRED_BLOCK;
    }

    /** Where natural element {@code e} of a row of {@code n} elements lies in the paired order. */
    static int pairedIndex(int e, int n) {
        if (e >= pairedVectorEnd(n)) {
            return e;
        }
        int block = e - e % PAIRED_BLOCK;
        int within = e % PAIRED_BLOCK;
        return block + (within & 1) * L + (within >> 1);
    }
}
