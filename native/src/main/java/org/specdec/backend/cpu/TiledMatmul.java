package org.specdec.backend.cpu;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.specdec.tensor.DType;

/**
 * out[m][j] = x[m] . W[j] (+ bias[j]) over a range of tiles of a {@link TiledWeights} matrix: the
 * CPU GEMM for weights copied into tiles at load. Lane l of a kernel's accumulator is output
 * {@code t * LANES + l}, built as one FMA chain over the input columns in order, so there are no
 * lanes to sum and every kernel, whatever the number of input rows, gives a row the same bits.
 *
 * <p>Up to {@link #DIRECT_ROWS} input rows (decode, small verification batches), 16-bit tiles are
 * widened in registers straight from the pairs ({@link PairKernels}), three tiles by blocks of 5,
 * 3, 2 or 1 rows. More rows take the columns in chunks of {@link #CHUNK}: for 16-bit tiles each
 * chunk of three tiles is widened once into an L1 scratch and multiplied with every input row, six
 * rows at a time ({@link TileKernels}); F32 tiles are read where they are, in chunks too once there
 * is more than one block of rows to reuse them. The weights are read from memory once per call
 * whatever the number of input rows.
 */
final class TiledMatmul {
    private static final VectorSpecies<Integer> I = WeightRowReader.I;
    private static final int L = VectorMath.LANES;
    private static final int F16_IN_F32_BITS = WeightRowReader.F16_IN_F32_BITS;
    private static final float F16_EXPONENT_SHIFT = WeightRowReader.F16_EXPONENT_SHIFT;
    /** Input columns per chunk (even: whole pairs): three widened tiles take 24 KiB of L1 at 16 lanes. */
    static final int CHUNK = 128;
    /**
     * Input rows up to which 16-bit tiles are widened in registers for every block of rows
     * ({@link PairKernels}) rather than once per chunk into scratch: measured with one thread on the
     * shipped target's shapes, in registers was faster up to 10 rows, the scratch from 12. The
     * system property {@code specdec.tiles.directRows} overrides it, to measure the two.
     */
    static final int DIRECT_ROWS = Integer.getInteger("specdec.tiles.directRows", 10);
    /** Tiles multiplied together: the unit callers split a matrix's tiles into between threads. */
    static final int GROUP = 3;

    private TiledMatmul() {}

    /** One worker thread's scratch: widened chunks, and the outputs of a last, partial tile. */
    static final class Scratch {
        final float[] widened = new float[GROUP * CHUNK * L];
        private float[] edge = new float[0];

        float[] edge(int rows) {
            if (edge.length < rows * L) {
                edge = new float[Math.max(rows * L, edge.length * 2)];
            }
            return edge;
        }
    }

    /**
     * Tiles [tFrom, tTo) of {@code w} times the {@code m} rows of {@code x} (row-major, {@code w.cols()}
     * each): output j of row i into {@code out[i * outStride + outCol + j]}, for the outputs j the
     * tiles hold (a last, partial tile writes only its real outputs).
     */
    static void tiles(TiledWeights w, int tFrom, int tTo, float[] x, int m, float[] bias, float[] out, int outStride,
                      int outCol, Scratch s) {
        int fullTiles = w.rows() / L;
        int fullEnd = Math.min(tTo, fullTiles);
        if (tFrom < fullEnd) {
            run(w, tFrom, fullEnd, x, m, out, outStride, outCol + tFrom * L, s);
        }
        if (tTo > fullTiles && tFrom <= fullTiles) {
            // The last tile has fewer real outputs than lanes: computed aside, its real lanes copied.
            float[] edge = s.edge(m);
            run(w, fullTiles, fullTiles + 1, x, m, edge, L, 0, s);
            int real = w.rows() - fullTiles * L;
            for (int i = 0; i < m; i++) {
                System.arraycopy(edge, i * L, out, i * outStride + outCol + fullTiles * L, real);
            }
        }
        if (bias != null) {
            int from = tFrom * L;
            int to = Math.min(tTo * L, w.rows());
            for (int i = 0; i < m; i++) {
                int o = i * outStride + outCol;
                for (int j = from; j < to; j++) {
                    out[o + j] += bias[j];
                }
            }
        }
    }

    /** Tiles [t0, t1), tile t0's outputs at column {@code col} of {@code out}. */
    private static void run(TiledWeights w, int t0, int t1, float[] x, int m, float[] out, int oStride, int col,
                            Scratch s) {
        int n = w.cols();
        if (m <= DIRECT_ROWS && w.holdsPairs()) {
            direct(w, t0, t1, x, m, out, oStride, col);
            return;
        }
        // One block of rows reuses nothing across chunks: F32 tiles then take all columns at once.
        int chunk = w.holdsPairs() || m > 6 ? CHUNK : n;
        for (int t = t0; t < t1; ) {
            int v = t1 - t >= GROUP ? GROUP : 1;
            int o = col + (t - t0) * L;
            for (int k0 = 0; k0 < n; k0 += chunk) {
                int kc = Math.min(chunk, n - k0);
                float[] src;
                int sOff;
                int sStride;
                if (w.holdsPairs()) {
                    widen(w, t, v, k0, kc, s.widened);
                    src = s.widened;
                    sOff = 0;
                    sStride = kc * L;
                } else {
                    src = w.f32;
                    sOff = (t * n + k0) * L;
                    sStride = n * L;
                }
                boolean first = k0 == 0;
                for (int i = 0; i < m; ) {
                    int left = m - i;
                    // Three tiles: one block for up to six rows; one tile (a matrix's last ones): 6, 4, 2, 1.
                    int r = v == GROUP ? Math.min(left, 6) : left >= 6 ? 6 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
                    int xOff = i * n + k0;
                    int oOff = i * oStride + o;
                    if (v == GROUP) {
                        switch (r) {
                            case 6 -> TileKernels.t3x6(src, sOff, sStride, kc, x, xOff, n, out, oOff, oStride, first);
                            case 5 -> TileKernels.t3x5(src, sOff, sStride, kc, x, xOff, n, out, oOff, oStride, first);
                            case 4 -> TileKernels.t3x4(src, sOff, sStride, kc, x, xOff, n, out, oOff, oStride, first);
                            case 3 -> TileKernels.t3x3(src, sOff, sStride, kc, x, xOff, n, out, oOff, oStride, first);
                            case 2 -> TileKernels.t3x2(src, sOff, sStride, kc, x, xOff, n, out, oOff, oStride, first);
                            default -> TileKernels.t3x1(src, sOff, sStride, kc, x, xOff, n, out, oOff, oStride, first);
                        }
                    } else {
                        switch (r) {
                            case 6 -> TileKernels.t1x6(src, sOff, sStride, kc, x, xOff, n, out, oOff, oStride, first);
                            case 4 -> TileKernels.t1x4(src, sOff, sStride, kc, x, xOff, n, out, oOff, oStride, first);
                            case 2 -> TileKernels.t1x2(src, sOff, sStride, kc, x, xOff, n, out, oOff, oStride, first);
                            default -> TileKernels.t1x1(src, sOff, sStride, kc, x, xOff, n, out, oOff, oStride, first);
                        }
                    }
                    i += r;
                }
            }
            t += v;
        }
    }

    /**
     * Columns [k0, k0 + kc) of tiles [t, t + v), widened to F32: tile u's column k0 + k at
     * {@code dst[(u * kc + k) * LANES ...]}.
     */
    private static void widen(TiledWeights w, int t, int v, int k0, int kc, float[] dst) {
        int[] p = w.pairs;
        boolean bf16 = w.dtype() == DType.BF16;
        int stride = w.tileStride();
        for (int u = 0; u < v; u++) {
            int src = (t + u) * stride + k0 / 2 * L;
            int d = u * kc * L;
            int end = src + kc / 2 * L;
            if (bf16) {
                for (; src < end; src += L, d += 2 * L) {
                    IntVector q = IntVector.fromArray(I, p, src);
                    q.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, d);
                    q.and(0xffff0000).reinterpretAsFloats().intoArray(dst, d + L);
                }
            } else {
                for (; src < end; src += L, d += 2 * L) {
                    IntVector q = IntVector.fromArray(I, p, src);
                    q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                            .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT).intoArray(dst, d);
                    q.lanewise(VectorOperators.ASHR, 3).and(F16_IN_F32_BITS)
                            .reinterpretAsFloats().mul(F16_EXPONENT_SHIFT).intoArray(dst, d + L);
                }
            }
        }
    }

    /**
     * 16-bit tiles [t0, t1) times a few rows, widened in registers ({@link PairKernels}): three tiles
     * at a time with up to six rows, then one tile with four rows at a time, then two, then one.
     */
    private static void direct(TiledWeights w, int t0, int t1, float[] x, int m, float[] out, int oStride, int col) {
        int[] p = w.pairs;
        int stride = w.tileStride();
        int n = w.cols();
        int half = n / 2;
        boolean bf16 = w.dtype() == DType.BF16;
        for (int t = t0; t < t1; ) {
            int v = t1 - t >= GROUP ? GROUP : 1;
            int base = t * stride;
            for (int i = 0; i < m; ) {
                int left = m - i;
                // Blocks of 5, 3, 2 or 1 rows, as few as can be: each block widens the pairs again. No
                // block of 4: Java 17's C2 leaves one of that kernel's six widenings boxed, every time.
                int r = v < GROUP ? (left >= 4 ? 4 : left >= 2 ? 2 : 1)
                        : left <= 3 ? left : left == 4 ? 2 : left == 6 ? 3 : 5;
                int xOff = i * n;
                int o = i * oStride + col + (t - t0) * L;
                switch ((bf16 ? 100 : 0) + 10 * v + r) {
                    case 35 -> PairKernels.f16x3x5(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 33 -> PairKernels.f16x3x3(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 32 -> PairKernels.f16x3x2(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 31 -> PairKernels.f16x3x1(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 14 -> PairKernels.f16x1x4(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 12 -> PairKernels.f16x1x2(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 11 -> PairKernels.f16x1x1(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 135 -> PairKernels.bf16x3x5(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 133 -> PairKernels.bf16x3x3(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 132 -> PairKernels.bf16x3x2(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 131 -> PairKernels.bf16x3x1(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 114 -> PairKernels.bf16x1x4(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 112 -> PairKernels.bf16x1x2(p, base, stride, half, x, xOff, n, out, o, oStride);
                    case 111 -> PairKernels.bf16x1x1(p, base, stride, half, x, xOff, n, out, o, oStride);
                    default -> throw new IllegalStateException(v + " tiles x " + r + " rows");
                }
                i += r;
            }
            t += v;
        }
    }
}
