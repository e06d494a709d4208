package org.specdec.speculative;

import org.specdec.sampling.SamplingParams;

import java.util.SplittableRandom;

/**
 * The rows of one verification step handed to {@link DeviceAcceptance}, as parallel arrays reused
 * across steps. In: k (drafts), drafts, q (the draft distributions {@code [k][draftVocab]} of a
 * sampled row, null for greedy rows), params and the row's generator. Out: {@code out[r]} holds the
 * accepted drafts followed by the emitted token, {@code accepted[r]} how many drafts were kept.
 */
public final class AcceptanceRows {
    public int rows;
    public int draftVocab;
    public int[] k = new int[0];
    public int[][] drafts = new int[0][];
    public float[][] q = new float[0][];
    public SamplingParams[] params = new SamplingParams[0];
    public SplittableRandom[] rng = new SplittableRandom[0];
    public int[][] out = new int[0][];
    public int[] accepted = new int[0];

    public void reset(int capacity, int draftVocabSize) {
        rows = 0;
        draftVocab = draftVocabSize;
        if (k.length < capacity) {
            k = new int[capacity];
            drafts = new int[capacity][];
            q = new float[capacity][];
            params = new SamplingParams[capacity];
            rng = new SplittableRandom[capacity];
            out = new int[capacity][];
            accepted = new int[capacity];
        }
    }

    /** Adds a row; {@code rowOut} must hold k+1 tokens. */
    public int add(int rowK, int[] rowDrafts, float[] rowQ, SamplingParams rowParams, SplittableRandom rowRng,
                   int[] rowOut) {
        int i = rows++;
        k[i] = rowK;
        drafts[i] = rowDrafts;
        q[i] = rowQ;
        params[i] = rowParams;
        rng[i] = rowRng;
        out[i] = rowOut;
        accepted[i] = 0;
        return i;
    }
}
