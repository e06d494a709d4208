package org.specdec.backend.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.specdec.kv.HeapKvCache;
import org.specdec.tensor.VectorExp;

/**
 * Causal attention of a block of queries that share one KV head of one row's cache
 * ({@link HeapKvCache}): scores, softmax, probability-weighted sum of the value rows.
 *
 * <p>A block holds up to {@link #BLOCK} queries: the query heads of a grouped-query KV head, at one
 * or more of the row's new positions (a verification pass has k + 1). They are attended together,
 * so each key and value vector is loaded once for all of them and their FMA chains overlap, where
 * one query at a time waits on each chain's latency.
 *
 * <p>Every query still gets the arithmetic it would get alone, so a row attends the same in any
 * batch and any block. Scores come a key tile ({@link VectorMath#LANES} positions) at a time: the
 * head's elements times the tile's rows of that element, accumulated over the elements in order,
 * two chains (even and odd elements). Lanes of a tile outside the query's range are computed, then
 * set to -Infinity, so their exponentials are exactly 0. The softmax sum adds whole tiles lane-wise,
 * then the lanes in index order. Each output element is one FMA chain over the query's positions
 * in order, from 0.
 *
 * <p>The kernels for four and for two queries are written out: C2 keeps an accumulator in a
 * register only as a local of its own, not as an element of an array.
 */
final class CpuAttention {
    /** Queries attended together. */
    static final int BLOCK = 4;
    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final int L = VectorMath.LANES;

    private CpuAttention() {}

    /** Length of one query's scores for caches of {@code capacity} positions: whole tiles. */
    static int scratchLength(int capacity) {
        return (capacity + L - 1) / L * L;
    }

    /** A worker's block of queries and their scores; reused for every block. */
    static final class Block {
        private final int stride;
        private final float[] scores;
        private final float[] lanes = new float[L];
        private final int[] qOff = new int[BLOCK];
        private final int[] first = new int[BLOCK];
        private final int[] pos = new int[BLOCK];
        private int n;

        /** A block for caches of up to {@code capacity} positions. */
        Block(int capacity) {
            this.stride = scratchLength(capacity);
            this.scores = new float[BLOCK * stride];
        }

        boolean full() {
            return n == BLOCK;
        }

        boolean isEmpty() {
            return n == 0;
        }

        /**
         * Adds the query whose elements start at {@code qOff} in the query array, attending to
         * positions [first, pos]; its output goes to the same offset in the output array.
         */
        void add(int qOff, int first, int pos) {
            this.qOff[n] = qOff;
            this.first[n] = first;
            this.pos[n] = pos;
            n++;
        }
    }

    /**
     * Attends the block's queries over KV head {@code kvOff / hd} of {@code cache}'s {@code layer},
     * writing each query's {@code hd} outputs to {@code out} at its query offset, and empties the block.
     */
    static void attend(Block b, float[] q, HeapKvCache cache, int layer, int kvOff, int hd, float scale,
                       float[] out) {
        if (cache.keyTile() != L) {
            throw new IllegalStateException("key tile " + cache.keyTile() + " is not the vector width " + L);
        }
        float[] keys = cache.keys(layer);
        int i = 0;
        for (; i + 4 <= b.n; i += 4) {
            scores4(b, i, q, keys, cache, kvOff, hd, scale);
        }
        for (; i + 2 <= b.n; i += 2) {
            scores2(b, i, q, keys, cache, kvOff, hd, scale);
        }
        for (; i < b.n; i++) {
            scores1(b, i, q, keys, cache, kvOff, hd, scale);
        }
        for (i = 0; i < b.n; i++) {
            softmax(b, i);
        }
        float[] values = cache.values(layer);
        int kvd = cache.kvDim();
        int whole = hd / (2 * L) * (2 * L);
        i = 0;
        for (; i + 4 <= b.n; i += 4) {
            for (int c = 0; c < whole; c += 2 * L) {
                weightedSum4(b, i, values, kvOff + c, kvd, out, c);
            }
        }
        for (; i + 2 <= b.n; i += 2) {
            for (int c = 0; c < whole; c += 2 * L) {
                weightedSum2(b, i, values, kvOff + c, kvd, out, c);
            }
        }
        for (int j = 0; j < b.n; j++) {
            int from = j < i ? whole : 0;  // the elements no block of four or two wrote
            if (from < hd) {
                VectorMath.weightedRowSum(b.scores, j * b.stride, b.first[j], b.pos[j] + 1, 1f,
                        values, kvOff + from, kvd, out, b.qOff[j] + from, hd - from);
            }
        }
        b.n = 0;
    }

    /** Scores of one query over its tiles, into its row of the block's scores. */
    private static void scores1(Block b, int i, float[] q, float[] keys, HeapKvCache cache, int kvOff, int hd,
                                float scale) {
        int qo = b.qOff[i];
        int so = i * b.stride;
        for (int tile = b.first[i] - b.first[i] % L; tile <= b.pos[i]; tile += L) {
            int base = cache.keyIndex(tile, kvOff);  // element kvOff of the tile's first position; the next lie L apart
            FloatVector even = FloatVector.zero(F);
            FloatVector odd = FloatVector.zero(F);
            int d = 0;
            for (; d + 1 < hd; d += 2) {
                even = FloatVector.fromArray(F, keys, base + d * L).fma(FloatVector.broadcast(F, q[qo + d]), even);
                odd = FloatVector.fromArray(F, keys, base + (d + 1) * L)
                        .fma(FloatVector.broadcast(F, q[qo + d + 1]), odd);
            }
            if (d < hd) {
                even = FloatVector.fromArray(F, keys, base + d * L).fma(FloatVector.broadcast(F, q[qo + d]), even);
            }
            even.add(odd).mul(scale).intoArray(b.scores, so + tile);
        }
    }

    /**
     * Scores of queries i to i + 3 over the union of their tiles, each key vector loaded once for
     * the four (a query's tiles past its own range are computed and never read).
     */
    private static void scores4(Block b, int i, float[] q, float[] keys, HeapKvCache cache, int kvOff, int hd,
                                float scale) {
        int q0 = b.qOff[i];
        int q1 = b.qOff[i + 1];
        int q2 = b.qOff[i + 2];
        int q3 = b.qOff[i + 3];
        int s0 = i * b.stride;
        int s1 = s0 + b.stride;
        int s2 = s1 + b.stride;
        int s3 = s2 + b.stride;
        int lo = Math.min(Math.min(b.first[i], b.first[i + 1]), Math.min(b.first[i + 2], b.first[i + 3]));
        int hi = Math.max(Math.max(b.pos[i], b.pos[i + 1]), Math.max(b.pos[i + 2], b.pos[i + 3]));
        float[] sc = b.scores;
        for (int tile = lo - lo % L; tile <= hi; tile += L) {
            int base = cache.keyIndex(tile, kvOff);
            FloatVector e0 = FloatVector.zero(F);
            FloatVector e1 = e0;
            FloatVector e2 = e0;
            FloatVector e3 = e0;
            FloatVector o0 = e0;
            FloatVector o1 = e0;
            FloatVector o2 = e0;
            FloatVector o3 = e0;
            int d = 0;
            for (; d + 1 < hd; d += 2) {
                FloatVector ke = FloatVector.fromArray(F, keys, base + d * L);
                FloatVector ko = FloatVector.fromArray(F, keys, base + (d + 1) * L);
                e0 = ke.fma(FloatVector.broadcast(F, q[q0 + d]), e0);
                o0 = ko.fma(FloatVector.broadcast(F, q[q0 + d + 1]), o0);
                e1 = ke.fma(FloatVector.broadcast(F, q[q1 + d]), e1);
                o1 = ko.fma(FloatVector.broadcast(F, q[q1 + d + 1]), o1);
                e2 = ke.fma(FloatVector.broadcast(F, q[q2 + d]), e2);
                o2 = ko.fma(FloatVector.broadcast(F, q[q2 + d + 1]), o2);
                e3 = ke.fma(FloatVector.broadcast(F, q[q3 + d]), e3);
                o3 = ko.fma(FloatVector.broadcast(F, q[q3 + d + 1]), o3);
            }
            if (d < hd) {
                FloatVector ke = FloatVector.fromArray(F, keys, base + d * L);
                e0 = ke.fma(FloatVector.broadcast(F, q[q0 + d]), e0);
                e1 = ke.fma(FloatVector.broadcast(F, q[q1 + d]), e1);
                e2 = ke.fma(FloatVector.broadcast(F, q[q2 + d]), e2);
                e3 = ke.fma(FloatVector.broadcast(F, q[q3 + d]), e3);
            }
            e0.add(o0).mul(scale).intoArray(sc, s0 + tile);
            e1.add(o1).mul(scale).intoArray(sc, s1 + tile);
            e2.add(o2).mul(scale).intoArray(sc, s2 + tile);
            e3.add(o3).mul(scale).intoArray(sc, s3 + tile);
        }
    }

    /** Scores of queries i and i + 1, as {@link #scores4} does for four. */
    private static void scores2(Block b, int i, float[] q, float[] keys, HeapKvCache cache, int kvOff, int hd,
                                float scale) {
        int q0 = b.qOff[i];
        int q1 = b.qOff[i + 1];
        int s0 = i * b.stride;
        int s1 = s0 + b.stride;
        int lo = Math.min(b.first[i], b.first[i + 1]);
        int hi = Math.max(b.pos[i], b.pos[i + 1]);
        float[] sc = b.scores;
        for (int tile = lo - lo % L; tile <= hi; tile += L) {
            int base = cache.keyIndex(tile, kvOff);
            FloatVector e0 = FloatVector.zero(F);
            FloatVector e1 = e0;
            FloatVector o0 = e0;
            FloatVector o1 = e0;
            int d = 0;
            for (; d + 1 < hd; d += 2) {
                FloatVector ke = FloatVector.fromArray(F, keys, base + d * L);
                FloatVector ko = FloatVector.fromArray(F, keys, base + (d + 1) * L);
                e0 = ke.fma(FloatVector.broadcast(F, q[q0 + d]), e0);
                o0 = ko.fma(FloatVector.broadcast(F, q[q0 + d + 1]), o0);
                e1 = ke.fma(FloatVector.broadcast(F, q[q1 + d]), e1);
                o1 = ko.fma(FloatVector.broadcast(F, q[q1 + d + 1]), o1);
            }
            if (d < hd) {
                FloatVector ke = FloatVector.fromArray(F, keys, base + d * L);
                e0 = ke.fma(FloatVector.broadcast(F, q[q0 + d]), e0);
                e1 = ke.fma(FloatVector.broadcast(F, q[q1 + d]), e1);
            }
            e0.add(o0).mul(scale).intoArray(sc, s0 + tile);
            e1.add(o1).mul(scale).intoArray(sc, s1 + tile);
        }
    }

    /**
     * Turns query i's scores over [first, pos] into probabilities, in place. Only e^x uses the
     * Vector API here: the max, the sum and the scaling are plain loops, which C1 runs without
     * allocating a vector per operation and which do not depend on C2 keeping the Vector API's
     * intrinsics (it sometimes compiles a lane-wise max without, and every call then allocates).
     */
    private static void softmax(Block b, int i) {
        float[] sc = b.scores;
        int so = i * b.stride;
        int first = so + b.first[i];
        int last = so + b.pos[i];
        // Exact in any order. A NaN score is skipped here but still makes every probability NaN
        // through its e^x and the sum.
        float max = Float.NEGATIVE_INFINITY;
        for (int s = first; s <= last; s++) {
            if (sc[s] > max) {
                max = sc[s];
            }
        }
        // e^x over whole tiles, lane by lane the same values in range, without a masked tail: the
        // lanes outside [first, last] are set to -Infinity first, so theirs are exactly 0.
        int from = first - b.first[i] % L;
        int end = so + (b.pos[i] + L) / L * L;
        Arrays.fill(sc, from, first, Float.NEGATIVE_INFINITY);
        Arrays.fill(sc, last + 1, end, Float.NEGATIVE_INFINITY);
        VectorExp.expInPlace(sc, from, end, max, 1f);
        // The sum: tiles added lane-wise, then the lanes in index order.
        float[] lanes = b.lanes;
        System.arraycopy(sc, from, lanes, 0, L);
        for (int s = from + L; s < end; s += L) {
            for (int j = 0; j < L; j++) {
                lanes[j] += sc[s + j];
            }
        }
        float sum = lanes[0];
        for (int j = 1; j < L; j++) {
            sum += lanes[j];
        }
        float inv = 1f / sum;
        for (int s = from; s < end; s++) {
            sc[s] *= inv;
        }
    }

    /**
     * Elements [c, c + 2L) of queries i to i + 3's outputs: the probability-weighted sum of the
     * value rows from {@code valueOff}. Positions all four attend are summed in one loop, each value
     * load shared; positions only some attend (a sliding window's start, the later positions of a
     * verification) before and after it, so each query still sums its positions in order.
     */
    private static void weightedSum4(Block b, int i, float[] values, int valueOff, int kvd, float[] out, int c) {
        float[] p = b.scores;
        int p0 = i * b.stride;
        int p1 = p0 + b.stride;
        int p2 = p1 + b.stride;
        int p3 = p2 + b.stride;
        int f0 = b.first[i];
        int f1 = b.first[i + 1];
        int f2 = b.first[i + 2];
        int f3 = b.first[i + 3];
        int e0 = b.pos[i];
        int e1 = b.pos[i + 1];
        int e2 = b.pos[i + 2];
        int e3 = b.pos[i + 3];
        int shared = Math.max(Math.max(f0, f1), Math.max(f2, f3));
        int sharedEnd = Math.min(Math.min(e0, e1), Math.min(e2, e3));
        if (shared > sharedEnd) {
            // No position all four attend: the parts before cover each range alone.
            shared = Integer.MAX_VALUE;
            sharedEnd = Integer.MAX_VALUE - 1;
        }
        FloatVector a0 = FloatVector.zero(F);
        FloatVector b0 = a0;
        FloatVector a1 = a0;
        FloatVector b1 = a0;
        FloatVector a2 = a0;
        FloatVector b2 = a0;
        FloatVector a3 = a0;
        FloatVector b3 = a0;
        for (int s = f0, r = valueOff + s * kvd; s < Math.min(shared, e0 + 1); s++, r += kvd) {
            FloatVector w = FloatVector.broadcast(F, p[p0 + s]);
            a0 = FloatVector.fromArray(F, values, r).fma(w, a0);
            b0 = FloatVector.fromArray(F, values, r + L).fma(w, b0);
        }
        for (int s = f1, r = valueOff + s * kvd; s < Math.min(shared, e1 + 1); s++, r += kvd) {
            FloatVector w = FloatVector.broadcast(F, p[p1 + s]);
            a1 = FloatVector.fromArray(F, values, r).fma(w, a1);
            b1 = FloatVector.fromArray(F, values, r + L).fma(w, b1);
        }
        for (int s = f2, r = valueOff + s * kvd; s < Math.min(shared, e2 + 1); s++, r += kvd) {
            FloatVector w = FloatVector.broadcast(F, p[p2 + s]);
            a2 = FloatVector.fromArray(F, values, r).fma(w, a2);
            b2 = FloatVector.fromArray(F, values, r + L).fma(w, b2);
        }
        for (int s = f3, r = valueOff + s * kvd; s < Math.min(shared, e3 + 1); s++, r += kvd) {
            FloatVector w = FloatVector.broadcast(F, p[p3 + s]);
            a3 = FloatVector.fromArray(F, values, r).fma(w, a3);
            b3 = FloatVector.fromArray(F, values, r + L).fma(w, b3);
        }
        for (int s = shared, r = valueOff + s * kvd; s <= sharedEnd; s++, r += kvd) {
            FloatVector va = FloatVector.fromArray(F, values, r);
            FloatVector vb = FloatVector.fromArray(F, values, r + L);
            FloatVector w0 = FloatVector.broadcast(F, p[p0 + s]);
            FloatVector w1 = FloatVector.broadcast(F, p[p1 + s]);
            FloatVector w2 = FloatVector.broadcast(F, p[p2 + s]);
            FloatVector w3 = FloatVector.broadcast(F, p[p3 + s]);
            a0 = va.fma(w0, a0);
            b0 = vb.fma(w0, b0);
            a1 = va.fma(w1, a1);
            b1 = vb.fma(w1, b1);
            a2 = va.fma(w2, a2);
            b2 = vb.fma(w2, b2);
            a3 = va.fma(w3, a3);
            b3 = vb.fma(w3, b3);
        }
        for (int s = sharedEnd + 1, r = valueOff + s * kvd; s <= e0; s++, r += kvd) {
            FloatVector w = FloatVector.broadcast(F, p[p0 + s]);
            a0 = FloatVector.fromArray(F, values, r).fma(w, a0);
            b0 = FloatVector.fromArray(F, values, r + L).fma(w, b0);
        }
        for (int s = sharedEnd + 1, r = valueOff + s * kvd; s <= e1; s++, r += kvd) {
            FloatVector w = FloatVector.broadcast(F, p[p1 + s]);
            a1 = FloatVector.fromArray(F, values, r).fma(w, a1);
            b1 = FloatVector.fromArray(F, values, r + L).fma(w, b1);
        }
        for (int s = sharedEnd + 1, r = valueOff + s * kvd; s <= e2; s++, r += kvd) {
            FloatVector w = FloatVector.broadcast(F, p[p2 + s]);
            a2 = FloatVector.fromArray(F, values, r).fma(w, a2);
            b2 = FloatVector.fromArray(F, values, r + L).fma(w, b2);
        }
        for (int s = sharedEnd + 1, r = valueOff + s * kvd; s <= e3; s++, r += kvd) {
            FloatVector w = FloatVector.broadcast(F, p[p3 + s]);
            a3 = FloatVector.fromArray(F, values, r).fma(w, a3);
            b3 = FloatVector.fromArray(F, values, r + L).fma(w, b3);
        }
        int o0 = b.qOff[i] + c;
        int o1 = b.qOff[i + 1] + c;
        int o2 = b.qOff[i + 2] + c;
        int o3 = b.qOff[i + 3] + c;
        a0.intoArray(out, o0);
        b0.intoArray(out, o0 + L);
        a1.intoArray(out, o1);
        b1.intoArray(out, o1 + L);
        a2.intoArray(out, o2);
        b2.intoArray(out, o2 + L);
        a3.intoArray(out, o3);
        b3.intoArray(out, o3 + L);
    }

    /** Elements [c, c + 2L) of queries i and i + 1's outputs, as {@link #weightedSum4} does for four. */
    private static void weightedSum2(Block b, int i, float[] values, int valueOff, int kvd, float[] out, int c) {
        float[] p = b.scores;
        int p0 = i * b.stride;
        int p1 = p0 + b.stride;
        int f0 = b.first[i];
        int f1 = b.first[i + 1];
        int e0 = b.pos[i];
        int e1 = b.pos[i + 1];
        int shared = Math.max(f0, f1);
        int sharedEnd = Math.min(e0, e1);
        if (shared > sharedEnd) {
            shared = Integer.MAX_VALUE;
            sharedEnd = Integer.MAX_VALUE - 1;
        }
        FloatVector a0 = FloatVector.zero(F);
        FloatVector b0 = a0;
        FloatVector a1 = a0;
        FloatVector b1 = a0;
        for (int s = f0, r = valueOff + s * kvd; s < Math.min(shared, e0 + 1); s++, r += kvd) {
            FloatVector w = FloatVector.broadcast(F, p[p0 + s]);
            a0 = FloatVector.fromArray(F, values, r).fma(w, a0);
            b0 = FloatVector.fromArray(F, values, r + L).fma(w, b0);
        }
        for (int s = f1, r = valueOff + s * kvd; s < Math.min(shared, e1 + 1); s++, r += kvd) {
            FloatVector w = FloatVector.broadcast(F, p[p1 + s]);
            a1 = FloatVector.fromArray(F, values, r).fma(w, a1);
            b1 = FloatVector.fromArray(F, values, r + L).fma(w, b1);
        }
        for (int s = shared, r = valueOff + s * kvd; s <= sharedEnd; s++, r += kvd) {
            FloatVector va = FloatVector.fromArray(F, values, r);
            FloatVector vb = FloatVector.fromArray(F, values, r + L);
            FloatVector w0 = FloatVector.broadcast(F, p[p0 + s]);
            FloatVector w1 = FloatVector.broadcast(F, p[p1 + s]);
            a0 = va.fma(w0, a0);
            b0 = vb.fma(w0, b0);
            a1 = va.fma(w1, a1);
            b1 = vb.fma(w1, b1);
        }
        for (int s = sharedEnd + 1, r = valueOff + s * kvd; s <= e0; s++, r += kvd) {
            FloatVector w = FloatVector.broadcast(F, p[p0 + s]);
            a0 = FloatVector.fromArray(F, values, r).fma(w, a0);
            b0 = FloatVector.fromArray(F, values, r + L).fma(w, b0);
        }
        for (int s = sharedEnd + 1, r = valueOff + s * kvd; s <= e1; s++, r += kvd) {
            FloatVector w = FloatVector.broadcast(F, p[p1 + s]);
            a1 = FloatVector.fromArray(F, values, r).fma(w, a1);
            b1 = FloatVector.fromArray(F, values, r + L).fma(w, b1);
        }
        int o0 = b.qOff[i] + c;
        int o1 = b.qOff[i + 1] + c;
        a0.intoArray(out, o0);
        b0.intoArray(out, o0 + L);
        a1.intoArray(out, o1);
        b1.intoArray(out, o1 + L);
    }
}
