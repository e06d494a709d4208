package org.specdec.backend.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.specdec.kv.HeapKvCache;
import org.specdec.tensor.VectorExp;

/**
 * Attention of one query head at one position over the keys and values of its row's cache
 * ({@link HeapKvCache}): scores, softmax, probability-weighted sum of the value rows.
 *
 * <p>Scores come a key tile ({@link VectorMath#LANES} positions) at a time: the head's elements
 * times the tile's rows of that element, accumulated over the elements in order, two chains
 * (even and odd elements) so that FMA latency does not bound the loop. A position's score is the
 * same sum whatever lane or tile it falls in, so it depends only on the query and the key: a row
 * attends the same in any batch. Lanes of a tile outside the attended range are computed, then
 * set to -Infinity, so their exponentials are 0 and the rest ignores them.
 */
final class CpuAttention {
    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final int L = VectorMath.LANES;

    private CpuAttention() {}

    /** Length a score scratch needs for caches of {@code capacity} positions: whole tiles. */
    static int scratchLength(int capacity) {
        return (capacity + L - 1) / L * L;
    }

    /**
     * out[outOff, outOff + hd) = softmax over positions s in [first, pos] of (q . key_s * scale),
     * weighting value_s, for the KV head whose elements start at {@code kvOff} in the cache.
     *
     * @param scores scratch of {@link #scratchLength} of the cache's capacity
     */
    static void head(float[] q, int qOff, HeapKvCache cache, int layer, int kvOff, int hd, int first, int pos,
                     float scale, float[] scores, float[] out, int outOff) {
        if (cache.keyTile() != L) {
            throw new IllegalStateException("key tile " + cache.keyTile() + " is not the vector width " + L);
        }
        float[] keys = cache.keys(layer);
        int kvd = cache.kvDim();
        for (int tile = first - first % L; tile <= pos; tile += L) {
            int base = cache.keyIndex(tile, kvOff);  // element kvOff of the tile's first position; the next lie L apart
            FloatVector even = FloatVector.zero(F);
            FloatVector odd = FloatVector.zero(F);
            int d = 0;
            for (; d + 1 < hd; d += 2) {
                even = FloatVector.fromArray(F, keys, base + d * L).fma(FloatVector.broadcast(F, q[qOff + d]), even);
                odd = FloatVector.fromArray(F, keys, base + (d + 1) * L)
                        .fma(FloatVector.broadcast(F, q[qOff + d + 1]), odd);
            }
            if (d < hd) {
                even = FloatVector.fromArray(F, keys, base + d * L).fma(FloatVector.broadcast(F, q[qOff + d]), even);
            }
            even.add(odd).mul(scale).intoArray(scores, tile);
        }
        // The maximum over whole tiles, with the lanes outside [first, pos] set to -Infinity first (their
        // exponentials below are then 0): a lane-wise max is exact in any order, and a scalar loop of
        // Math.max is a dependency chain of several instructions per position.
        int from = first - first % L;
        int end = (pos + L) / L * L;
        Arrays.fill(scores, from, first, Float.NEGATIVE_INFINITY);
        Arrays.fill(scores, pos + 1, end, Float.NEGATIVE_INFINITY);
        FloatVector maxes = FloatVector.fromArray(F, scores, from);
        for (int s = from + L; s < end; s += L) {
            maxes = maxes.max(FloatVector.fromArray(F, scores, s));
        }
        float max = maxes.reduceLanes(VectorOperators.MAX);
        // e^x over the whole tiles the scores filled: lane by lane the same values in range, without
        // a masked tail (on Java 17 its lane index checks cost about 45 ns a call).
        VectorExp.expInPlace(scores, from, end, max, 1f);
        float sum = 0;
        for (int s = first; s <= pos; s++) {
            sum += scores[s];
        }
        VectorMath.weightedRowSum(scores, first, pos + 1, 1f / sum, cache.values(layer), kvOff, kvd, out, outOff, hd);
    }
}
