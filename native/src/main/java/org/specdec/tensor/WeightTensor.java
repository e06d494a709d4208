package org.specdec.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A weight tensor in its stored dtype, backed by read-only little-endian buffers that are
 * normally memory-mapped slices of a safetensors file. The tensor is viewed as a matrix of
 * {@code rows x cols} (a 1-D tensor is one row). Its bytes are split into blocks of whole rows,
 * because one {@link ByteBuffer} cannot address more than 2 GB and real tensors can exceed that.
 *
 * <p>A {@link #slice} is a view of a rectangle of another tensor's matrix (a tensor-parallel
 * shard's rows or columns) over the same buffers: its rows lie {@link #rowPitchBytes()} apart.
 */
public final class WeightTensor {
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final int rows;
    private final int cols;
    private final int rowsPerBlock;
    private final ByteBuffer[] blocks;
    private final FloatBuffer[] floatViews;
    private final ShortBuffer[] shortViews;
    /** 16-bit blocks read as little-endian pairs of elements (element 2p low, 2p + 1 high). */
    private final IntBuffer[] pairViews;
    /** Row 0 of this tensor is row {@code rowBase} of the stored matrix. */
    private final int rowBase;
    /** Elements per stored row: {@code cols} unless this is a column slice. */
    private final int storedCols;
    /** Column 0 of this tensor is column {@code colOffset} of the stored matrix. */
    private final int colOffset;
    /** {@link #hasNonFiniteF16()} once scanned (null before), shared with slices of the same buffers. */
    private final AtomicReference<Boolean> nonFiniteF16;

    /**
     * @param blocks consecutive row blocks; every block but the last holds exactly
     *               {@code rowsPerBlock} rows, the last holds the rest
     */
    public WeightTensor(String name, DType dtype, long[] shape, int rowsPerBlock, List<ByteBuffer> blocks) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        long c = shape.length == 0 ? 1 : shape[shape.length - 1];
        long r = 1;
        for (int i = 0; i < shape.length - 1; i++) {
            r *= shape[i];
        }
        if (r > Integer.MAX_VALUE || c > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + name + " too large: " + Arrays.toString(shape));
        }
        this.rows = (int) r;
        this.cols = (int) c;
        this.rowBase = 0;
        this.storedCols = this.cols;
        this.colOffset = 0;
        this.nonFiniteF16 = new AtomicReference<>();
        this.rowsPerBlock = rowsPerBlock;
        this.blocks = new ByteBuffer[blocks.size()];
        long seen = 0;
        for (int i = 0; i < blocks.size(); i++) {
            ByteBuffer b = blocks.get(i).duplicate().order(ByteOrder.LITTLE_ENDIAN);
            long expectRows = Math.min(rowsPerBlock, rows - (long) i * rowsPerBlock);
            if (b.remaining() != expectRows * cols * dtype.bytes()) {
                throw new IllegalArgumentException("tensor " + name + ": block " + i + " holds "
                        + b.remaining() + " bytes, expected " + expectRows * cols * dtype.bytes());
            }
            this.blocks[i] = b;
            seen += expectRows;
        }
        this.floatViews = new FloatBuffer[this.blocks.length];
        this.shortViews = new ShortBuffer[this.blocks.length];
        this.pairViews = new IntBuffer[this.blocks.length];
        for (int i = 0; i < this.blocks.length; i++) {
            ByteBuffer b = this.blocks[i].duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (dtype == DType.F32) {
                floatViews[i] = b.asFloatBuffer();
            } else {
                shortViews[i] = b.asShortBuffer();
                pairViews[i] = b.duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
            }
        }
        if (seen != rows) {
            throw new IllegalArgumentException("tensor " + name + ": blocks cover " + seen + " of " + rows + " rows");
        }
    }

    private WeightTensor(WeightTensor of, int rowFrom, int rowTo, int colFrom, int colTo) {
        this.name = of.name + "[" + rowFrom + ":" + rowTo + ", " + colFrom + ":" + colTo + "]";
        this.dtype = of.dtype;
        this.shape = new long[] {rowTo - rowFrom, colTo - colFrom};
        this.rows = rowTo - rowFrom;
        this.cols = colTo - colFrom;
        this.rowsPerBlock = of.rowsPerBlock;
        this.blocks = of.blocks;
        this.floatViews = of.floatViews;
        this.shortViews = of.shortViews;
        this.pairViews = of.pairViews;
        this.rowBase = of.rowBase + rowFrom;
        this.storedCols = of.storedCols;
        this.colOffset = of.colOffset + colFrom;
        this.nonFiniteF16 = of.nonFiniteF16;
    }

    /**
     * The view of rows [rowFrom, rowTo) and columns [colFrom, colTo) of this matrix, sharing its
     * buffers (nothing is copied or converted).
     */
    public WeightTensor slice(int rowFrom, int rowTo, int colFrom, int colTo) {
        if (rowFrom < 0 || rowTo > rows || rowFrom >= rowTo || colFrom < 0 || colTo > cols || colFrom >= colTo) {
            throw new IllegalArgumentException("tensor " + name + " " + rows + "x" + cols + ": no slice rows ["
                    + rowFrom + ", " + rowTo + ") columns [" + colFrom + ", " + colTo + ")");
        }
        return new WeightTensor(this, rowFrom, rowTo, colFrom, colTo);
    }

    /** Bytes from the start of one row to the start of the next. */
    public long rowPitchBytes() {
        return (long) storedCols * dtype.bytes();
    }

    /** Whether the rows lie back to back (not a column slice). */
    public boolean contiguousRows() {
        return storedCols == cols;
    }

    /** How many rows from {@code row} on lie in the same block as it (one pitched copy covers them). */
    public int rowsInBlockFrom(int row) {
        int stored = rowBase + row;
        return Math.min(rowsPerBlock - stored % rowsPerBlock, rows - row);
    }

    /** A tensor held in one buffer (tests, small tensors). */
    public static WeightTensor of(String name, DType dtype, long[] shape, ByteBuffer data) {
        long c = shape.length == 0 ? 1 : shape[shape.length - 1];
        long r = 1;
        for (int i = 0; i < shape.length - 1; i++) {
            r *= shape[i];
        }
        return new WeightTensor(name, dtype, shape, (int) Math.max(1, r), List.of(data));
    }

    public String name() { return name; }
    public DType dtype() { return dtype; }
    public long[] shape() { return shape.clone(); }
    public int rows() { return rows; }
    public int cols() { return cols; }
    public int rowsPerBlock() { return rowsPerBlock; }
    public int blockCount() { return blocks.length; }

    /** The block holding {@code row}; index it with {@link #byteOffsetInBlock(int)}. */
    public ByteBuffer blockOf(int row) {
        return blocks[(rowBase + row) / rowsPerBlock];
    }

    /** Where row {@code row}'s first element lies in {@link #blockOf(int)}'s buffer. */
    public int byteOffsetInBlock(int row) {
        return elementInBlock(row) * dtype.bytes();
    }

    private int elementInBlock(int row) {
        return ((rowBase + row) % rowsPerBlock) * storedCols + colOffset;
    }

    /**
     * Copies row {@code row} of an F32 tensor into {@code dst}. Uses a view made once per block,
     * so the copy is a plain memory copy with no per-row allocation; safe from many threads.
     */
    public void copyRowF32(int row, float[] dst, int dstOff) {
        floatViews[(rowBase + row) / rowsPerBlock].get(elementInBlock(row), dst, dstOff, cols);
    }

    /**
     * Copies rows [row, row + count) of an F32 tensor back to back into {@code dst} with one memory
     * copy, where they lie back to back in one block; returns false, copying nothing, where they
     * do not (a column slice, or a block boundary among them).
     */
    public boolean copyRowsF32(int row, int count, float[] dst, int dstOff) {
        if (storedCols != cols || rowsInBlockFrom(row) < count) {
            return false;
        }
        floatViews[(rowBase + row) / rowsPerBlock].get(elementInBlock(row), dst, dstOff, count * cols);
        return true;
    }

    /**
     * {@link #copyRowPairs} for rows [row, row + count) back to back ({@code cols / 2} ints each) with
     * one memory copy, under the same conditions as {@link #copyRowsF32}, on the pair grid.
     */
    public boolean copyRowsPairs(int row, int count, int[] dst, int dstOff) {
        int e = elementInBlock(row);
        if (storedCols != cols || rowsInBlockFrom(row) < count || (e & 1) != 0 || (cols & 1) != 0) {
            return false;
        }
        pairViews[(rowBase + row) / rowsPerBlock].get(e >> 1, dst, dstOff, count * (cols >> 1));
        return true;
    }

    /** Copies the raw 16-bit values of row {@code row} of an F16/BF16 tensor into {@code dst}. */
    public void copyRowBits16(int row, short[] dst, int dstOff) {
        shortViews[(rowBase + row) / rowsPerBlock].get(elementInBlock(row), dst, dstOff, cols);
    }

    /**
     * Copies row {@code row} of an F16/BF16 tensor as {@code cols / 2} little-endian pairs of
     * elements (element {@code 2p} in the low half of {@code dst[dstOff + p]}), the form the CPU
     * kernels widen in vector registers. Returns false, copying nothing, where the row does not start
     * on a pair boundary of its block or has an odd length; the caller then reads it with
     * {@link #copyRowBits16}.
     */
    public boolean copyRowPairs(int row, int[] dst, int dstOff) {
        int e = elementInBlock(row);
        if ((e & 1) != 0 || (cols & 1) != 0) {
            return false;
        }
        IntBuffer view = pairViews[(rowBase + row) / rowsPerBlock];
        if (view == null) {
            throw new IllegalStateException("tensor " + name + " is " + dtype + ", not a 16-bit type");
        }
        view.get(e >> 1, dst, dstOff, cols >> 1);
        return true;
    }

    /**
     * Whether an F16 tensor stores an infinity or a NaN anywhere in its buffers (false for other
     * dtypes). Scanned once, on first use, and shared by every slice of the same buffers: the CPU
     * decode kernel widens F16 pairs in registers without watching exponents only where there are
     * none.
     */
    public boolean hasNonFiniteF16() {
        Boolean known = nonFiniteF16.get();
        if (known == null) {
            known = dtype == DType.F16 && scanNonFiniteF16();
            nonFiniteF16.set(known);
        }
        return known;
    }

    private boolean scanNonFiniteF16() {
        int[] chunk = new int[4096];
        for (ByteBuffer block : blocks) {
            IntBuffer pairs = block.duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
            int flags = 0;
            while (pairs.hasRemaining()) {
                int n = Math.min(chunk.length, pairs.remaining());
                pairs.get(chunk, 0, n);
                for (int i = 0; i < n; i++) {
                    // A half whose exponent bits are all set carries into its top bit: infinity or NaN.
                    flags |= (chunk[i] & 0x7c007c00) + 0x04000400;
                }
            }
            if ((flags & 0x80008000) != 0) {
                return true;
            }
            if ((block.remaining() & 3) != 0 && (block.getShort(block.limit() - 2) & 0x7c00) == 0x7c00) {
                return true;  // an odd count of halves: the last one is not in a pair
            }
        }
        return false;
    }

    public long byteSize() {
        return (long) rows * cols * dtype.bytes();
    }

    /** One element converted to F32 (slow path: tests and one-off reads). */
    public float get(int row, int col) {
        ByteBuffer b = blockOf(row);
        int off = byteOffsetInBlock(row) + col * dtype.bytes();
        switch (dtype) {
            case F32: return b.getFloat(off);
            case BF16: return HalfFloats.bf16ToFloat(b.getShort(off));
            case F16: return HalfFloats.f16ToFloat(b.getShort(off));
            default: throw new AssertionError(dtype);
        }
    }

    /** Converts one row to F32 into {@code dst[dstOff .. dstOff+cols)}. */
    public void readRow(int row, float[] dst, int dstOff) {
        ByteBuffer b = blockOf(row);
        int off = byteOffsetInBlock(row);
        switch (dtype) {
            case F32:
                copyRowF32(row, dst, dstOff);
                break;
            case BF16:
                for (int c = 0; c < cols; c++) {
                    dst[dstOff + c] = HalfFloats.bf16ToFloat(b.getShort(off + 2 * c));
                }
                break;
            case F16:
                for (int c = 0; c < cols; c++) {
                    dst[dstOff + c] = HalfFloats.f16ToFloat(b.getShort(off + 2 * c));
                }
                break;
            default:
                throw new AssertionError(dtype);
        }
    }

    /** The whole tensor as F32 (tests and tiny tensors such as norms only). */
    public float[] toFloatArray() {
        long n = (long) rows * cols;
        if (n > 64L << 20) {
            throw new IllegalStateException("refusing to expand " + name + " (" + n + " elements) to F32 on the heap");
        }
        float[] out = new float[(int) n];
        for (int r = 0; r < rows; r++) {
            readRow(r, out, r * cols);
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
