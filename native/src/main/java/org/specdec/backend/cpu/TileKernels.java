package org.specdec.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked F32 kernels of {@link TiledMatmul}: {@code V} tiles of {@link TiledWeights}
 * (each a vector of outputs) times {@code R} input rows, {@code V * R} accumulators, one FMA per
 * accumulator per input column, each input element broadcast once for the V tiles.
 *
 * <p>Weights: tile v's column k at {@code w[wOff + v * tileStride + k * LANES ...]} for k in
 * [0, kc). Inputs: row i's column k at {@code x[xOff + i * xStride + k]}. Outputs: row i's tile v at
 * {@code out[oOff + i * oStride + v * LANES ...]}; with {@code first} the chains start at zero,
 * else they go on from what {@code out} holds (a chunk of columns after an earlier one), so a
 * result does not depend on how the columns were chunked. Every kernel runs the same chain per
 * output: which kernel computes a row cannot change its bits.
 *
 * <p>Each shape is written out: accumulators in an array, or passed to a helper, would be boxed.
 * Three tiles by six rows is the widest block C2 keeps in registers here; measured against 2 x 8,
 * 2 x 12, 3 x 8 and 4 x 6 on the shipped target's shapes (one thread), it was fastest from 8 to 40
 * input rows.
 */
final class TileKernels {
    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final int L = VectorMath.LANES;

    private TileKernels() {}

    /** 3 tiles x 6 input rows: 18 accumulators. */
    static void t3x6(float[] w, int wOff, int tileStride, int kc, float[] x, int xOff, int xStride, float[] out, int oOff,
            int oStride, boolean first) {
        int x0 = xOff;
        int x1 = xOff + xStride;
        int x2 = xOff + 2 * xStride;
        int x3 = xOff + 3 * xStride;
        int x4 = xOff + 4 * xStride;
        int x5 = xOff + 5 * xStride;
        int o0 = oOff;
        int o1 = oOff + oStride;
        int o2 = oOff + 2 * oStride;
        int o3 = oOff + 3 * oStride;
        int o4 = oOff + 4 * oStride;
        int o5 = oOff + 5 * oStride;
        int w1Off = wOff + tileStride;
        int w2Off = wOff + 2 * tileStride;
        FloatVector a00, a01, a02, a03, a04, a05, a10, a11, a12, a13, a14, a15, a20, a21, a22, a23, a24, a25;
        if (first) {
            a00 = FloatVector.zero(F);
            a01 = a00; a02 = a00; a03 = a00; a04 = a00; a05 = a00; a10 = a00;
            a11 = a00; a12 = a00; a13 = a00; a14 = a00; a15 = a00; a20 = a00;
            a21 = a00; a22 = a00; a23 = a00; a24 = a00; a25 = a00;
        } else {
            a00 = FloatVector.fromArray(F, out, o0);
            a01 = FloatVector.fromArray(F, out, o1);
            a02 = FloatVector.fromArray(F, out, o2);
            a03 = FloatVector.fromArray(F, out, o3);
            a04 = FloatVector.fromArray(F, out, o4);
            a05 = FloatVector.fromArray(F, out, o5);
            a10 = FloatVector.fromArray(F, out, o0 + L);
            a11 = FloatVector.fromArray(F, out, o1 + L);
            a12 = FloatVector.fromArray(F, out, o2 + L);
            a13 = FloatVector.fromArray(F, out, o3 + L);
            a14 = FloatVector.fromArray(F, out, o4 + L);
            a15 = FloatVector.fromArray(F, out, o5 + L);
            a20 = FloatVector.fromArray(F, out, o0 + 2 * L);
            a21 = FloatVector.fromArray(F, out, o1 + 2 * L);
            a22 = FloatVector.fromArray(F, out, o2 + 2 * L);
            a23 = FloatVector.fromArray(F, out, o3 + 2 * L);
            a24 = FloatVector.fromArray(F, out, o4 + 2 * L);
            a25 = FloatVector.fromArray(F, out, o5 + 2 * L);
        }
        for (int k = 0; k < kc; k++) {
            int e = k * L;
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + e);
            FloatVector w1 = FloatVector.fromArray(F, w, w1Off + e);
            FloatVector w2 = FloatVector.fromArray(F, w, w2Off + e);
            FloatVector b0 = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(b0, a00);
            a10 = w1.fma(b0, a10);
            a20 = w2.fma(b0, a20);
            FloatVector b1 = FloatVector.broadcast(F, x[x1 + k]);
            a01 = w0.fma(b1, a01);
            a11 = w1.fma(b1, a11);
            a21 = w2.fma(b1, a21);
            FloatVector b2 = FloatVector.broadcast(F, x[x2 + k]);
            a02 = w0.fma(b2, a02);
            a12 = w1.fma(b2, a12);
            a22 = w2.fma(b2, a22);
            FloatVector b3 = FloatVector.broadcast(F, x[x3 + k]);
            a03 = w0.fma(b3, a03);
            a13 = w1.fma(b3, a13);
            a23 = w2.fma(b3, a23);
            FloatVector b4 = FloatVector.broadcast(F, x[x4 + k]);
            a04 = w0.fma(b4, a04);
            a14 = w1.fma(b4, a14);
            a24 = w2.fma(b4, a24);
            FloatVector b5 = FloatVector.broadcast(F, x[x5 + k]);
            a05 = w0.fma(b5, a05);
            a15 = w1.fma(b5, a15);
            a25 = w2.fma(b5, a25);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o1);
        a02.intoArray(out, o2);
        a03.intoArray(out, o3);
        a04.intoArray(out, o4);
        a05.intoArray(out, o5);
        a10.intoArray(out, o0 + L);
        a11.intoArray(out, o1 + L);
        a12.intoArray(out, o2 + L);
        a13.intoArray(out, o3 + L);
        a14.intoArray(out, o4 + L);
        a15.intoArray(out, o5 + L);
        a20.intoArray(out, o0 + 2 * L);
        a21.intoArray(out, o1 + 2 * L);
        a22.intoArray(out, o2 + 2 * L);
        a23.intoArray(out, o3 + 2 * L);
        a24.intoArray(out, o4 + 2 * L);
        a25.intoArray(out, o5 + 2 * L);
    }

    /** 3 tiles x 5 input rows: 15 accumulators. */
    static void t3x5(float[] w, int wOff, int tileStride, int kc, float[] x, int xOff, int xStride, float[] out, int oOff,
            int oStride, boolean first) {
        int x0 = xOff;
        int x1 = xOff + xStride;
        int x2 = xOff + 2 * xStride;
        int x3 = xOff + 3 * xStride;
        int x4 = xOff + 4 * xStride;
        int o0 = oOff;
        int o1 = oOff + oStride;
        int o2 = oOff + 2 * oStride;
        int o3 = oOff + 3 * oStride;
        int o4 = oOff + 4 * oStride;
        int w1Off = wOff + tileStride;
        int w2Off = wOff + 2 * tileStride;
        FloatVector a00, a01, a02, a03, a04, a10, a11, a12, a13, a14, a20, a21, a22, a23, a24;
        if (first) {
            a00 = FloatVector.zero(F);
            a01 = a00; a02 = a00; a03 = a00; a04 = a00; a10 = a00; a11 = a00;
            a12 = a00; a13 = a00; a14 = a00; a20 = a00; a21 = a00; a22 = a00;
            a23 = a00; a24 = a00;
        } else {
            a00 = FloatVector.fromArray(F, out, o0);
            a01 = FloatVector.fromArray(F, out, o1);
            a02 = FloatVector.fromArray(F, out, o2);
            a03 = FloatVector.fromArray(F, out, o3);
            a04 = FloatVector.fromArray(F, out, o4);
            a10 = FloatVector.fromArray(F, out, o0 + L);
            a11 = FloatVector.fromArray(F, out, o1 + L);
            a12 = FloatVector.fromArray(F, out, o2 + L);
            a13 = FloatVector.fromArray(F, out, o3 + L);
            a14 = FloatVector.fromArray(F, out, o4 + L);
            a20 = FloatVector.fromArray(F, out, o0 + 2 * L);
            a21 = FloatVector.fromArray(F, out, o1 + 2 * L);
            a22 = FloatVector.fromArray(F, out, o2 + 2 * L);
            a23 = FloatVector.fromArray(F, out, o3 + 2 * L);
            a24 = FloatVector.fromArray(F, out, o4 + 2 * L);
        }
        for (int k = 0; k < kc; k++) {
            int e = k * L;
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + e);
            FloatVector w1 = FloatVector.fromArray(F, w, w1Off + e);
            FloatVector w2 = FloatVector.fromArray(F, w, w2Off + e);
            FloatVector b0 = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(b0, a00);
            a10 = w1.fma(b0, a10);
            a20 = w2.fma(b0, a20);
            FloatVector b1 = FloatVector.broadcast(F, x[x1 + k]);
            a01 = w0.fma(b1, a01);
            a11 = w1.fma(b1, a11);
            a21 = w2.fma(b1, a21);
            FloatVector b2 = FloatVector.broadcast(F, x[x2 + k]);
            a02 = w0.fma(b2, a02);
            a12 = w1.fma(b2, a12);
            a22 = w2.fma(b2, a22);
            FloatVector b3 = FloatVector.broadcast(F, x[x3 + k]);
            a03 = w0.fma(b3, a03);
            a13 = w1.fma(b3, a13);
            a23 = w2.fma(b3, a23);
            FloatVector b4 = FloatVector.broadcast(F, x[x4 + k]);
            a04 = w0.fma(b4, a04);
            a14 = w1.fma(b4, a14);
            a24 = w2.fma(b4, a24);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o1);
        a02.intoArray(out, o2);
        a03.intoArray(out, o3);
        a04.intoArray(out, o4);
        a10.intoArray(out, o0 + L);
        a11.intoArray(out, o1 + L);
        a12.intoArray(out, o2 + L);
        a13.intoArray(out, o3 + L);
        a14.intoArray(out, o4 + L);
        a20.intoArray(out, o0 + 2 * L);
        a21.intoArray(out, o1 + 2 * L);
        a22.intoArray(out, o2 + 2 * L);
        a23.intoArray(out, o3 + 2 * L);
        a24.intoArray(out, o4 + 2 * L);
    }

    /** 3 tiles x 4 input rows: 12 accumulators. */
    static void t3x4(float[] w, int wOff, int tileStride, int kc, float[] x, int xOff, int xStride, float[] out, int oOff,
            int oStride, boolean first) {
        int x0 = xOff;
        int x1 = xOff + xStride;
        int x2 = xOff + 2 * xStride;
        int x3 = xOff + 3 * xStride;
        int o0 = oOff;
        int o1 = oOff + oStride;
        int o2 = oOff + 2 * oStride;
        int o3 = oOff + 3 * oStride;
        int w1Off = wOff + tileStride;
        int w2Off = wOff + 2 * tileStride;
        FloatVector a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23;
        if (first) {
            a00 = FloatVector.zero(F);
            a01 = a00; a02 = a00; a03 = a00; a10 = a00; a11 = a00; a12 = a00;
            a13 = a00; a20 = a00; a21 = a00; a22 = a00; a23 = a00;
        } else {
            a00 = FloatVector.fromArray(F, out, o0);
            a01 = FloatVector.fromArray(F, out, o1);
            a02 = FloatVector.fromArray(F, out, o2);
            a03 = FloatVector.fromArray(F, out, o3);
            a10 = FloatVector.fromArray(F, out, o0 + L);
            a11 = FloatVector.fromArray(F, out, o1 + L);
            a12 = FloatVector.fromArray(F, out, o2 + L);
            a13 = FloatVector.fromArray(F, out, o3 + L);
            a20 = FloatVector.fromArray(F, out, o0 + 2 * L);
            a21 = FloatVector.fromArray(F, out, o1 + 2 * L);
            a22 = FloatVector.fromArray(F, out, o2 + 2 * L);
            a23 = FloatVector.fromArray(F, out, o3 + 2 * L);
        }
        for (int k = 0; k < kc; k++) {
            int e = k * L;
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + e);
            FloatVector w1 = FloatVector.fromArray(F, w, w1Off + e);
            FloatVector w2 = FloatVector.fromArray(F, w, w2Off + e);
            FloatVector b0 = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(b0, a00);
            a10 = w1.fma(b0, a10);
            a20 = w2.fma(b0, a20);
            FloatVector b1 = FloatVector.broadcast(F, x[x1 + k]);
            a01 = w0.fma(b1, a01);
            a11 = w1.fma(b1, a11);
            a21 = w2.fma(b1, a21);
            FloatVector b2 = FloatVector.broadcast(F, x[x2 + k]);
            a02 = w0.fma(b2, a02);
            a12 = w1.fma(b2, a12);
            a22 = w2.fma(b2, a22);
            FloatVector b3 = FloatVector.broadcast(F, x[x3 + k]);
            a03 = w0.fma(b3, a03);
            a13 = w1.fma(b3, a13);
            a23 = w2.fma(b3, a23);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o1);
        a02.intoArray(out, o2);
        a03.intoArray(out, o3);
        a10.intoArray(out, o0 + L);
        a11.intoArray(out, o1 + L);
        a12.intoArray(out, o2 + L);
        a13.intoArray(out, o3 + L);
        a20.intoArray(out, o0 + 2 * L);
        a21.intoArray(out, o1 + 2 * L);
        a22.intoArray(out, o2 + 2 * L);
        a23.intoArray(out, o3 + 2 * L);
    }

    /** 3 tiles x 3 input rows: 9 accumulators. */
    static void t3x3(float[] w, int wOff, int tileStride, int kc, float[] x, int xOff, int xStride, float[] out, int oOff,
            int oStride, boolean first) {
        int x0 = xOff;
        int x1 = xOff + xStride;
        int x2 = xOff + 2 * xStride;
        int o0 = oOff;
        int o1 = oOff + oStride;
        int o2 = oOff + 2 * oStride;
        int w1Off = wOff + tileStride;
        int w2Off = wOff + 2 * tileStride;
        FloatVector a00, a01, a02, a10, a11, a12, a20, a21, a22;
        if (first) {
            a00 = FloatVector.zero(F);
            a01 = a00; a02 = a00; a10 = a00; a11 = a00; a12 = a00; a20 = a00;
            a21 = a00; a22 = a00;
        } else {
            a00 = FloatVector.fromArray(F, out, o0);
            a01 = FloatVector.fromArray(F, out, o1);
            a02 = FloatVector.fromArray(F, out, o2);
            a10 = FloatVector.fromArray(F, out, o0 + L);
            a11 = FloatVector.fromArray(F, out, o1 + L);
            a12 = FloatVector.fromArray(F, out, o2 + L);
            a20 = FloatVector.fromArray(F, out, o0 + 2 * L);
            a21 = FloatVector.fromArray(F, out, o1 + 2 * L);
            a22 = FloatVector.fromArray(F, out, o2 + 2 * L);
        }
        for (int k = 0; k < kc; k++) {
            int e = k * L;
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + e);
            FloatVector w1 = FloatVector.fromArray(F, w, w1Off + e);
            FloatVector w2 = FloatVector.fromArray(F, w, w2Off + e);
            FloatVector b0 = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(b0, a00);
            a10 = w1.fma(b0, a10);
            a20 = w2.fma(b0, a20);
            FloatVector b1 = FloatVector.broadcast(F, x[x1 + k]);
            a01 = w0.fma(b1, a01);
            a11 = w1.fma(b1, a11);
            a21 = w2.fma(b1, a21);
            FloatVector b2 = FloatVector.broadcast(F, x[x2 + k]);
            a02 = w0.fma(b2, a02);
            a12 = w1.fma(b2, a12);
            a22 = w2.fma(b2, a22);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o1);
        a02.intoArray(out, o2);
        a10.intoArray(out, o0 + L);
        a11.intoArray(out, o1 + L);
        a12.intoArray(out, o2 + L);
        a20.intoArray(out, o0 + 2 * L);
        a21.intoArray(out, o1 + 2 * L);
        a22.intoArray(out, o2 + 2 * L);
    }

    /** 3 tiles x 2 input rows: 6 accumulators. */
    static void t3x2(float[] w, int wOff, int tileStride, int kc, float[] x, int xOff, int xStride, float[] out, int oOff,
            int oStride, boolean first) {
        int x0 = xOff;
        int x1 = xOff + xStride;
        int o0 = oOff;
        int o1 = oOff + oStride;
        int w1Off = wOff + tileStride;
        int w2Off = wOff + 2 * tileStride;
        FloatVector a00, a01, a10, a11, a20, a21;
        if (first) {
            a00 = FloatVector.zero(F);
            a01 = a00; a10 = a00; a11 = a00; a20 = a00; a21 = a00;
        } else {
            a00 = FloatVector.fromArray(F, out, o0);
            a01 = FloatVector.fromArray(F, out, o1);
            a10 = FloatVector.fromArray(F, out, o0 + L);
            a11 = FloatVector.fromArray(F, out, o1 + L);
            a20 = FloatVector.fromArray(F, out, o0 + 2 * L);
            a21 = FloatVector.fromArray(F, out, o1 + 2 * L);
        }
        for (int k = 0; k < kc; k++) {
            int e = k * L;
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + e);
            FloatVector w1 = FloatVector.fromArray(F, w, w1Off + e);
            FloatVector w2 = FloatVector.fromArray(F, w, w2Off + e);
            FloatVector b0 = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(b0, a00);
            a10 = w1.fma(b0, a10);
            a20 = w2.fma(b0, a20);
            FloatVector b1 = FloatVector.broadcast(F, x[x1 + k]);
            a01 = w0.fma(b1, a01);
            a11 = w1.fma(b1, a11);
            a21 = w2.fma(b1, a21);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o1);
        a10.intoArray(out, o0 + L);
        a11.intoArray(out, o1 + L);
        a20.intoArray(out, o0 + 2 * L);
        a21.intoArray(out, o1 + 2 * L);
    }

    /** 3 tiles x 1 input row: 3 accumulators. */
    static void t3x1(float[] w, int wOff, int tileStride, int kc, float[] x, int xOff, int xStride, float[] out, int oOff,
            int oStride, boolean first) {
        int x0 = xOff;
        int o0 = oOff;
        int w1Off = wOff + tileStride;
        int w2Off = wOff + 2 * tileStride;
        FloatVector a00, a10, a20;
        if (first) {
            a00 = FloatVector.zero(F);
            a10 = a00; a20 = a00;
        } else {
            a00 = FloatVector.fromArray(F, out, o0);
            a10 = FloatVector.fromArray(F, out, o0 + L);
            a20 = FloatVector.fromArray(F, out, o0 + 2 * L);
        }
        for (int k = 0; k < kc; k++) {
            int e = k * L;
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + e);
            FloatVector w1 = FloatVector.fromArray(F, w, w1Off + e);
            FloatVector w2 = FloatVector.fromArray(F, w, w2Off + e);
            FloatVector b0 = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(b0, a00);
            a10 = w1.fma(b0, a10);
            a20 = w2.fma(b0, a20);
        }
        a00.intoArray(out, o0);
        a10.intoArray(out, o0 + L);
        a20.intoArray(out, o0 + 2 * L);
    }

    /** 1 tile x 6 input rows: 6 accumulators. */
    static void t1x6(float[] w, int wOff, int tileStride, int kc, float[] x, int xOff, int xStride, float[] out, int oOff,
            int oStride, boolean first) {
        int x0 = xOff;
        int x1 = xOff + xStride;
        int x2 = xOff + 2 * xStride;
        int x3 = xOff + 3 * xStride;
        int x4 = xOff + 4 * xStride;
        int x5 = xOff + 5 * xStride;
        int o0 = oOff;
        int o1 = oOff + oStride;
        int o2 = oOff + 2 * oStride;
        int o3 = oOff + 3 * oStride;
        int o4 = oOff + 4 * oStride;
        int o5 = oOff + 5 * oStride;
        FloatVector a00, a01, a02, a03, a04, a05;
        if (first) {
            a00 = FloatVector.zero(F);
            a01 = a00; a02 = a00; a03 = a00; a04 = a00; a05 = a00;
        } else {
            a00 = FloatVector.fromArray(F, out, o0);
            a01 = FloatVector.fromArray(F, out, o1);
            a02 = FloatVector.fromArray(F, out, o2);
            a03 = FloatVector.fromArray(F, out, o3);
            a04 = FloatVector.fromArray(F, out, o4);
            a05 = FloatVector.fromArray(F, out, o5);
        }
        for (int k = 0; k < kc; k++) {
            int e = k * L;
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + e);
            FloatVector b0 = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(b0, a00);
            FloatVector b1 = FloatVector.broadcast(F, x[x1 + k]);
            a01 = w0.fma(b1, a01);
            FloatVector b2 = FloatVector.broadcast(F, x[x2 + k]);
            a02 = w0.fma(b2, a02);
            FloatVector b3 = FloatVector.broadcast(F, x[x3 + k]);
            a03 = w0.fma(b3, a03);
            FloatVector b4 = FloatVector.broadcast(F, x[x4 + k]);
            a04 = w0.fma(b4, a04);
            FloatVector b5 = FloatVector.broadcast(F, x[x5 + k]);
            a05 = w0.fma(b5, a05);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o1);
        a02.intoArray(out, o2);
        a03.intoArray(out, o3);
        a04.intoArray(out, o4);
        a05.intoArray(out, o5);
    }

    /** 1 tile x 4 input rows: 4 accumulators. */
    static void t1x4(float[] w, int wOff, int tileStride, int kc, float[] x, int xOff, int xStride, float[] out, int oOff,
            int oStride, boolean first) {
        int x0 = xOff;
        int x1 = xOff + xStride;
        int x2 = xOff + 2 * xStride;
        int x3 = xOff + 3 * xStride;
        int o0 = oOff;
        int o1 = oOff + oStride;
        int o2 = oOff + 2 * oStride;
        int o3 = oOff + 3 * oStride;
        FloatVector a00, a01, a02, a03;
        if (first) {
            a00 = FloatVector.zero(F);
            a01 = a00; a02 = a00; a03 = a00;
        } else {
            a00 = FloatVector.fromArray(F, out, o0);
            a01 = FloatVector.fromArray(F, out, o1);
            a02 = FloatVector.fromArray(F, out, o2);
            a03 = FloatVector.fromArray(F, out, o3);
        }
        for (int k = 0; k < kc; k++) {
            int e = k * L;
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + e);
            FloatVector b0 = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(b0, a00);
            FloatVector b1 = FloatVector.broadcast(F, x[x1 + k]);
            a01 = w0.fma(b1, a01);
            FloatVector b2 = FloatVector.broadcast(F, x[x2 + k]);
            a02 = w0.fma(b2, a02);
            FloatVector b3 = FloatVector.broadcast(F, x[x3 + k]);
            a03 = w0.fma(b3, a03);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o1);
        a02.intoArray(out, o2);
        a03.intoArray(out, o3);
    }

    /** 1 tile x 2 input rows: 2 accumulators. */
    static void t1x2(float[] w, int wOff, int tileStride, int kc, float[] x, int xOff, int xStride, float[] out, int oOff,
            int oStride, boolean first) {
        int x0 = xOff;
        int x1 = xOff + xStride;
        int o0 = oOff;
        int o1 = oOff + oStride;
        FloatVector a00, a01;
        if (first) {
            a00 = FloatVector.zero(F);
            a01 = a00;
        } else {
            a00 = FloatVector.fromArray(F, out, o0);
            a01 = FloatVector.fromArray(F, out, o1);
        }
        for (int k = 0; k < kc; k++) {
            int e = k * L;
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + e);
            FloatVector b0 = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(b0, a00);
            FloatVector b1 = FloatVector.broadcast(F, x[x1 + k]);
            a01 = w0.fma(b1, a01);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o1);
    }

    /** 1 tile x 1 input row: 1 accumulators. */
    static void t1x1(float[] w, int wOff, int tileStride, int kc, float[] x, int xOff, int xStride, float[] out, int oOff,
            int oStride, boolean first) {
        int x0 = xOff;
        int o0 = oOff;
        FloatVector a00;
        if (first) {
            a00 = FloatVector.zero(F);
        } else {
            a00 = FloatVector.fromArray(F, out, o0);
        }
        for (int k = 0; k < kc; k++) {
            int e = k * L;
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + e);
            FloatVector b0 = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(b0, a00);
        }
        a00.intoArray(out, o0);
    }

}
