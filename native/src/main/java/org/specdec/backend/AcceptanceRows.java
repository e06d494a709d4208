package org.specdec.backend;

import org.specdec.sampling.SamplingParams;

import java.util.SplittableRandom;

/**
 * The rows of one verification pass and what the verifier decided for them, as parallel arrays
 * reused across steps; row r is row r of the pass's {@link ForwardBatch}, whose last k+1 tokens
 * have logits. In: k (drafts), drafts, q (the draft distributions {@code [k][draftVocab]} of a
 * sampled row, null for greedy rows), params and the row's generator. Out: {@code out[r]} holds
 * the accepted drafts followed by the one token the target adds after them, {@code accepted[r]}
 * how many drafts were kept, and {@code nanLogits[r]} whether the row could not be decided because
 * its target logits hold a NaN (only a verifier that reads the logits on the host can tell).
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
    public boolean[] nanLogits = new boolean[0];

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
            nanLogits = new boolean[capacity];
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
        nanLogits[i] = false;
        return i;
    }

    /** Checks that these rows describe {@code batch}: one row per batch row, each with logits for its k+1 positions. */
    public void requireMatches(ForwardBatch batch) {
        if (rows != batch.rows()) {
            throw new IllegalArgumentException("acceptance rows (" + rows + ") != batch rows (" + batch.rows() + ")");
        }
        for (int r = 0; r < rows; r++) {
            if (batch.logitCount(r) != k[r] + 1) {
                throw new IllegalArgumentException("row " + r + " has " + batch.logitCount(r)
                        + " logit positions for k=" + k[r] + " drafts (needs k+1)");
            }
        }
    }
}
