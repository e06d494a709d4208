package org.specdec.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.specdec.kv.HeapKvCache;

class CpuAttentionTest {

    private static final int KV_HEADS = 2;

    /**
     * Queries attended in blocks of four (a verification's positions x a group's heads) give each
     * query bit for bit what it gets alone, and match softmax attention in double precision.
     */
    @Test
    void blocksGiveEachQueryItsOwnResult() {
        Random rnd = new Random(11);
        for (int hd : new int[] {32, 64, 8, 48, 37}) {
            for (int window : new int[] {0, 20}) {
                int capacity = 90;
                int kvd = KV_HEADS * hd;
                HeapKvCache cache = new HeapKvCache(1, capacity, kvd, VectorMath.LANES);
                float[] key = new float[kvd];
                float[] value = new float[kvd];
                for (int p = 0; p < capacity; p++) {
                    for (int e = 0; e < kvd; e++) {
                        key[e] = (float) rnd.nextGaussian();
                        value[e] = (float) rnd.nextGaussian();
                    }
                    cache.put(0, p, key, 0, value, 0);
                }
                // Queries at positions 40..44 and 70..85 (verification-like runs), 2 heads each.
                int[] positions = {0, 3, 15, 16, 17, 40, 41, 42, 43, 44, 70, 71, 72, 80, 85, 89};
                int qd = 2 * hd;
                float[] q = new float[positions.length * qd];
                for (int i = 0; i < q.length; i++) {
                    q[i] = (float) rnd.nextGaussian();
                }
                float scale = (float) (1.0 / Math.sqrt(hd));
                int kvOff = hd;  // the second KV head
                float[] alone = new float[q.length];
                CpuAttention.Block block = new CpuAttention.Block(capacity);
                for (int t = 0; t < positions.length; t++) {
                    for (int h = 0; h < 2; h++) {
                        block.add(t * qd + h * hd, first(positions[t], window), positions[t]);
                        CpuAttention.attend(block, q, cache, 0, kvOff, hd, scale, alone);
                    }
                }
                for (int per : new int[] {2, 4, 6, 10}) {  // tokens of one block: full and partial blocks
                    float[] together = new float[q.length];
                    for (int t0 = 0; t0 < positions.length; t0 += per) {
                        for (int t = t0; t < Math.min(positions.length, t0 + per); t++) {
                            for (int h = 0; h < 2; h++) {
                                block.add(t * qd + h * hd, first(positions[t], window), positions[t]);
                                if (block.full()) {
                                    CpuAttention.attend(block, q, cache, 0, kvOff, hd, scale, together);
                                }
                            }
                        }
                        if (!block.isEmpty()) {
                            CpuAttention.attend(block, q, cache, 0, kvOff, hd, scale, together);
                        }
                    }
                    for (int i = 0; i < q.length; i++) {
                        assertEquals(Float.floatToRawIntBits(alone[i]), Float.floatToRawIntBits(together[i]),
                                "hd " + hd + ", window " + window + ", " + per + " tokens a block, element " + i);
                    }
                }
                for (int t = 0; t < positions.length; t++) {
                    for (int h = 0; h < 2; h++) {
                        double[] want = reference(q, t * qd + h * hd, cache, kvOff, hd, first(positions[t], window),
                                positions[t], scale);
                        for (int e = 0; e < hd; e++) {
                            assertEquals(want[e], alone[t * qd + h * hd + e], 1e-4,
                                    "hd " + hd + ", window " + window + ", position " + positions[t] + ", element " + e);
                        }
                    }
                }
            }
        }
    }

    private static int first(int pos, int window) {
        return window > 0 ? Math.max(0, pos - window + 1) : 0;
    }

    private static double[] reference(float[] q, int qOff, HeapKvCache cache, int kvOff, int hd, int first, int pos,
                                      float scale) {
        float[] keys = cache.keys(0);
        float[] values = cache.values(0);
        double[] scores = new double[pos + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int s = first; s <= pos; s++) {
            double dot = 0;
            for (int e = 0; e < hd; e++) {
                dot += (double) q[qOff + e] * keys[cache.keyIndex(s, kvOff + e)];
            }
            scores[s] = dot * scale;
            max = Math.max(max, scores[s]);
        }
        double sum = 0;
        for (int s = first; s <= pos; s++) {
            scores[s] = Math.exp(scores[s] - max);
            sum += scores[s];
        }
        double[] out = new double[hd];
        for (int s = first; s <= pos; s++) {
            for (int e = 0; e < hd; e++) {
                out[e] += scores[s] / sum * values[s * cache.kvDim() + kvOff + e];
            }
        }
        return out;
    }
}
