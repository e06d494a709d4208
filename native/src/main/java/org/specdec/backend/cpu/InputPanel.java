package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
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
 *
 * <p>From {@link #COLUMN_MIN_ROWS} rows on (up to {@link #COLUMN_MAX_COLS} columns), the vector part of the rows is also kept column-wise
 * ({@link #columns()}), for the GEMM kernels whose vector lanes are input rows: there each FMA adds
 * to {@code LANES} dot products at once, and no lanes are left to sum at the end. A row-wise kernel's
 * accumulator lane l adds the elements l, l + L, l + 2L, ... of the kernels' order (L = LANES);
 * the columns are grouped the same way, so that each such partial sum reads consecutive memory:
 * element k of row r lies at {@code ((k % L) * (vectorEnd / L) + k / L) * columnStride() + r},
 * with the rows padded with zeros to whole vectors.
 */
final class InputPanel {
    private static final int L = VectorMath.LANES;
    /** The system property that turns the column-wise kernels off, to measure them against the row-wise ones. */
    static final String SWITCH = "specdec.cpu.columnKernels";
    /** Elements of one paired block: {@code LANES} pairs. */
    static final int PAIRED_BLOCK = 2 * L;

    /**
     * Lane j takes element 2j (mod L) of a vector: the even elements of a block's first vector in
     * the low half, those of its second in the high half; blended by {@link #HIGH_HALF}. Two
     * one-vector shuffles and a blend: Java 17 compiles a two-vector shuffle as a slow fallback.
     */
    private static final VectorShuffle<Float> EVENS = VectorShuffle.fromOp(VectorMath.F, j -> (2 * j) % L);
    private static final VectorShuffle<Float> ODDS = VectorShuffle.fromOp(VectorMath.F, j -> (2 * j + 1) % L);
    private static final VectorMask<Float> HIGH_HALF = VectorMask.fromLong(VectorMath.F, -1L << (L / 2));

    private float[] natural;
    private float[] paired = new float[0];
    private boolean hasPaired;
    private int rows;
    private int cols;
    private float[] columns = new float[0];
    private boolean hasColumns;
    private boolean pairedColumns;
    private int columnStride;
    /** For each place k of the vector part, in the kernels' order: the natural element there, and where its column starts. */
    private int[] columnSource = new int[0];
    private int[] columnStart = new int[0];
    private int layoutCols = -1;
    private int layoutStride = -1;
    private boolean layoutPaired;

    /**
     * Input rows from which on a GEMM multiplies column-wise ({@code CpuMatmul}), two or three vectors
     * of rows at a time: below it a mostly empty second vector and the kernels' per-pass cost outweigh
     * the lane sums saved. Measured with {@code SpecdecCli gemm}, one thread, against the row-wise
     * kernels: 0.8-1.1x at 17 rows, 0.9-1.25x at 24, 1.25-1.6x at 32 to 64 (F16 and F32, 256 to 768
     * columns). The system property {@value #SWITCH}{@code =false} turns the column-wise kernels off.
     */
    static final int COLUMN_MIN_ROWS = Boolean.parseBoolean(System.getProperty(SWITCH, "true")) ? L + L / 2 : Integer.MAX_VALUE;
    /**
     * Columns up to which the column-wise kernels are used. Over longer rows the row-wise kernels sum
     * lanes rarely (once per row of 64 or more FMAs), and the column-wise kernels' weight broadcasts
     * cost more than the sums they save: measured 0.9-1.25x at 1,536 and 2,048 columns, 0.6-1.0x at
     * 3,072, also with the passes split into chunks that keep the weights in L1.
     */
    static final int COLUMN_MAX_COLS = 1024;

    /**
     * Takes {@code rows} rows of {@code cols} elements from {@code x} (not copied: the caller keeps
     * {@code x} unchanged while the panel is in use); with {@code pairedOrder}, the caller then
     * fills the paired order with {@link #pairRows} over all rows, and where {@link #hasColumns} the
     * column-wise copy with {@link #transposeColumns} over the vector part (in parallel where it pays),
     * or both at once with {@link #fill}.
     */
    void set(float[] x, int rows, int cols, boolean pairedOrder) {
        set(x, rows, cols, pairedOrder, rows >= COLUMN_MIN_ROWS);
    }

    /**
     * {@link #set}, with the column-wise copy (and so the column-wise kernels) or without it; never
     * beyond {@link #COLUMN_MAX_COLS} columns.
     */
    void set(float[] x, int rows, int cols, boolean pairedOrder, boolean columnWise) {
        this.natural = x;
        this.rows = rows;
        this.cols = cols;
        this.hasPaired = pairedOrder;
        if (pairedOrder && paired.length < rows * cols) {
            paired = new float[Math.max(rows * cols, paired.length * 2)];
        }
        hasColumns = columnWise && cols <= COLUMN_MAX_COLS;
        if (hasColumns) {
            // The order of the 16-bit weights where the model has them; a matrix of the other order
            // then takes the row-wise kernels.
            pairedColumns = pairedOrder;
            columnStride = (rows + L - 1) / L * L;
            int vecEnd = vectorEnd(cols);
            if (columns.length < vecEnd * columnStride) {
                columns = new float[Math.max(vecEnd * columnStride, columns.length * 2)];
            }
            if (layoutCols != cols || layoutStride != columnStride || layoutPaired != pairedColumns) {
                columnSource = new int[vecEnd];
                columnStart = new int[vecEnd];
                for (int k = 0; k < vecEnd; k++) {
                    columnSource[k] = pairedColumns ? naturalIndex(k, cols) : k;
                    columnStart[k] = ((k % L) * (vecEnd / L) + k / L) * columnStride;
                }
                layoutCols = cols;
                layoutStride = columnStride;
                layoutPaired = pairedColumns;
            }
        }
    }

    /** Fills every derived layout on this thread (tests, and callers without workers). */
    void fill() {
        if (hasPaired) {
            pairRows(0, rows);
        }
        if (hasColumns) {
            transposeColumns(0, vectorEnd(cols));
        }
    }

    /** Writes rows [from, to) in the paired order. */
    void pairRows(int from, int to) {
        float[] x = natural;
        int vecEnd = pairedVectorEnd(cols);
        for (int r = from; r < to; r++) {
            int base = r * cols;
            for (int e = base; e < base + vecEnd; e += PAIRED_BLOCK) {
                FloatVector a = FloatVector.fromArray(VectorMath.F, x, e);
                FloatVector b = FloatVector.fromArray(VectorMath.F, x, e + L);
                a.rearrange(EVENS).blend(b.rearrange(EVENS), HIGH_HALF).intoArray(paired, e);
                a.rearrange(ODDS).blend(b.rearrange(ODDS), HIGH_HALF).intoArray(paired, e + L);
            }
            System.arraycopy(x, base + vecEnd, paired, base + vecEnd, cols - vecEnd);
        }
    }

    /**
     * Writes places [from, to) of the vector part ({@link #vectorEnd}) into the column-wise copy,
     * padding rows included. Place by place: each column is written in order, and the rows' cache
     * lines stay in L1 from one place to the next.
     */
    void transposeColumns(int from, int to) {
        float[] x = natural;
        int n = cols;
        for (int k = from; k < to; k++) {
            int dst = columnStart[k];
            int src = columnSource[k];
            for (int r = 0; r < rows; r++) {
                columns[dst + r] = x[r * n + src];
            }
            for (int r = rows; r < columnStride; r++) {
                columns[dst + r] = 0f;
            }
        }
    }

    /**
     * Whether this panel has the column-wise copy in the order a weight of {@code dtype} is
     * multiplied with (from {@link #COLUMN_MIN_ROWS} rows on, up to {@link #COLUMN_MAX_COLS} columns).
     */
    boolean hasColumns(DType dtype) {
        return hasColumns && (dtype != DType.F32) == pairedColumns;
    }

    /** Whether {@link #set} asked for the column-wise copy, to be filled by {@link #transposeColumns}. */
    boolean hasColumns() {
        return hasColumns;
    }

    /** The column-wise copy (see the class comment for its layout). */
    float[] columns() {
        return columns;
    }

    /** Rows of the column-wise copy: the rows rounded up to whole vectors. */
    int columnStride() {
        return columnStride;
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

    /** Which natural element lies at place {@code k} of the paired order: the inverse of {@link #pairedIndex}. */
    static int naturalIndex(int k, int n) {
        if (k >= pairedVectorEnd(n)) {
            return k;
        }
        int block = k - k % PAIRED_BLOCK;
        int within = k % PAIRED_BLOCK;
        return within < L ? block + 2 * within : block + 2 * (within - L) + 1;
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
