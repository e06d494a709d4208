package org.specdec.speculative;

import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.kv.KvCache;
import org.specdec.sampling.LogitsProcessor;

/**
 * Drafts with a small causal LM: an independent draft model or the target's first n layers
 * (self-draft). Step j of a block runs ONE batched forward for all rows still drafting: the
 * first step also catches the draft cache up with tokens the target committed since the last
 * block; later steps feed the previous draft token.
 */
public final class ModelDrafter implements Drafter {
    private final ModelRunner runner;
    private final String name;
    private final ForwardBatch forward = new ForwardBatch();
    private final LogitsProcessor processor = new LogitsProcessor();
    private final int[] one = new int[1];
    private int[] rowOfLogit = new int[8];
    private int[] greedyIds = new int[8];

    public ModelDrafter(ModelRunner runner, String name) {
        this.runner = runner;
        this.name = name;
    }

    @Override
    public KvCache newCache(int capacity) {
        return runner.newCache(capacity);
    }

    @Override
    public int vocabSize() {
        return runner.config().vocabSize();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void propose(DraftBatch b) {
        int vocab = vocabSize();
        int maxK = 0;
        for (int i = 0; i < b.rows; i++) {
            maxK = Math.max(maxK, b.k[i]);
        }
        if (rowOfLogit.length < b.rows) {
            rowOfLogit = new int[b.rows * 2];
            greedyIds = new int[b.rows * 2];
        }
        for (int j = 0; j < maxK; j++) {
            forward.clear();
            int n = 0;
            for (int i = 0; i < b.rows; i++) {
                if (b.k[i] <= j) {
                    continue;
                }
                KvCache cache = b.cache[i];
                if (j == 0) {
                    int cached = cache.length();
                    addSanitized(cache, b.tokens[i], cached, b.length[i] - cached, vocab);
                } else {
                    one[0] = b.drafts[i][j - 1];
                    forward.add(cache, one, 0, 1, 1);
                }
                rowOfLogit[n++] = i;
            }
            boolean allGreedy = true;
            for (int r = 0; r < n; r++) {
                allGreedy &= b.params[rowOfLogit[r]].isGreedy();
            }
            if (allGreedy) {
                // Only the ids are needed: on a GPU no logits cross to the host.
                runner.forwardArgmax(forward, greedyIds);
                for (int r = 0; r < n; r++) {
                    b.drafts[rowOfLogit[r]][j] = greedyIds[r];
                }
                continue;
            }
            float[] logits = runner.forward(forward);
            for (int r = 0; r < n; r++) {
                int i = rowOfLogit[r];
                int off = r * vocab;
                int token;
                if (b.params[i].isGreedy()) {
                    token = LogitsProcessor.argmax(logits, off, vocab);
                } else {
                    float[] q = b.q[i];
                    // q is written in place at [j][vocab]; probabilities() writes from index 0.
                    float[] tmp = scratch(vocab);
                    processor.probabilities(logits, off, vocab, b.params[i], tmp);
                    System.arraycopy(tmp, 0, q, j * vocab, vocab);
                    token = LogitsProcessor.sample(tmp, vocab, b.rng[i].nextDouble());
                }
                b.drafts[i][j] = token;
            }
        }
    }

    /**
     * A near-identical pair may let the target emit ids the smaller draft lacks (Phi-3's added
     * tokens); the draft reads them as id 0 (unknown). Only acceptance can suffer, never output.
     */
    private void addSanitized(KvCache cache, int[] tokens, int from, int count, int vocab) {
        boolean clean = true;
        for (int t = from; t < from + count; t++) {
            clean &= tokens[t] < vocab;
        }
        if (clean) {
            forward.add(cache, tokens, from, count, 1);
            return;
        }
        int[] copy = java.util.Arrays.copyOfRange(tokens, from, from + count);
        for (int t = 0; t < count; t++) {
            if (copy[t] >= vocab) {
                copy[t] = 0;
            }
        }
        forward.add(cache, copy, 0, count, 1);
    }

    private float[] scratchBuf = new float[0];

    private float[] scratch(int n) {
        if (scratchBuf.length < n) {
            scratchBuf = new float[n];
        }
        return scratchBuf;
    }

    @Override
    public void close() {
        runner.close();
    }
}
