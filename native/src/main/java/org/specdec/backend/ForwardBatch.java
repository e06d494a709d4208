package org.specdec.backend;

import org.specdec.kv.KvCache;

import java.util.Arrays;

/**
 * The input of one batched forward pass: for each row, the new tokens to append to its KV cache
 * and how many of the LAST positions need logits. A target verification pass of k drafts has
 * k+1 logit positions per row; a prefill has 1. Reused across steps (no per-token allocation).
 */
public final class ForwardBatch {
    private KvCache[] caches = new KvCache[8];
    private int[] tokenOffset = new int[8];
    private int[] tokenCount = new int[8];
    private int[] logitCount = new int[8];
    private int[] tokens = new int[64];
    private int rows;
    private int totalTokens;
    private int totalLogits;

    public void clear() {
        rows = 0;
        totalTokens = 0;
        totalLogits = 0;
    }

    /** Adds a row: {@code count} tokens from {@code src[from..]}, logits for the last {@code logits} of them. */
    public void add(KvCache cache, int[] src, int from, int count, int logits) {
        if (count < 1 || logits < 0 || logits > count) {
            throw new IllegalArgumentException("row needs >= 1 token and 0..count logits: " + count + ", " + logits);
        }
        if (rows == caches.length) {
            int n = rows * 2;
            caches = Arrays.copyOf(caches, n);
            tokenOffset = Arrays.copyOf(tokenOffset, n);
            tokenCount = Arrays.copyOf(tokenCount, n);
            logitCount = Arrays.copyOf(logitCount, n);
        }
        if (totalTokens + count > tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(tokens.length * 2, totalTokens + count));
        }
        System.arraycopy(src, from, tokens, totalTokens, count);
        caches[rows] = cache;
        tokenOffset[rows] = totalTokens;
        tokenCount[rows] = count;
        logitCount[rows] = logits;
        rows++;
        totalTokens += count;
        totalLogits += logits;
    }

    public int rows() { return rows; }
    public int totalTokens() { return totalTokens; }
    public int totalLogits() { return totalLogits; }
    public KvCache cache(int row) { return caches[row]; }
    public int tokenOffset(int row) { return tokenOffset[row]; }
    public int tokenCount(int row) { return tokenCount[row]; }
    public int logitCount(int row) { return logitCount[row]; }
    public int token(int flatIndex) { return tokens[flatIndex]; }
}
