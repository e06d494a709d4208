package org.specdec.speculative;

import org.specdec.kv.KvCache;
import org.specdec.sampling.SamplingParams;

import java.util.SplittableRandom;

/**
 * The rows a drafter works on in one step, as parallel arrays reused across steps. For row i,
 * {@code tokens[i][0..length[i])} is the committed sequence; the drafter appends {@code k[i]}
 * proposals to {@code drafts[i]} and, for sampled rows, their distributions q to {@code q[i]}
 * ({@code [k][vocab]}), drawing from the row's own generator.
 */
public final class DraftBatch {
    public int rows;
    public int[][] tokens = new int[0][];
    public int[] length = new int[0];
    public int[] k = new int[0];
    public KvCache[] cache = new KvCache[0];
    public int[][] drafts = new int[0][];
    public float[][] q = new float[0][];
    public SamplingParams[] params = new SamplingParams[0];
    public SplittableRandom[] rng = new SplittableRandom[0];

    public void reset(int capacity) {
        rows = 0;
        if (length.length < capacity) {
            tokens = new int[capacity][];
            length = new int[capacity];
            k = new int[capacity];
            cache = new KvCache[capacity];
            drafts = new int[capacity][];
            q = new float[capacity][];
            params = new SamplingParams[capacity];
            rng = new SplittableRandom[capacity];
        }
    }

    public int add(int[] rowTokens, int rowLength, int rowK, KvCache rowCache, int[] rowDrafts, float[] rowQ,
                   SamplingParams rowParams, SplittableRandom rowRng) {
        int i = rows++;
        tokens[i] = rowTokens;
        length[i] = rowLength;
        k[i] = rowK;
        cache[i] = rowCache;
        drafts[i] = rowDrafts;
        q[i] = rowQ;
        params[i] = rowParams;
        rng[i] = rowRng;
        return i;
    }
}
