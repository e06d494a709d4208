package org.specdec.engine;

import org.specdec.kv.KvCache;
import org.specdec.sampling.SamplingParams;
import org.specdec.stats.RowStats;
import org.specdec.tokenizer.StopStringMatcher;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * One row's decoding state while it is in the running batch: its committed tokens (prompt, then
 * generated), its KV caches in the target and the draft, its generator and its statistics.
 * Invariant between steps: the target cache holds every committed token but the last.
 */
final class Sequence {
    final String id;
    final SamplingParams params;
    final int promptLength;
    final int maxTokens;
    final int[] tokens;
    final int[] drafts;
    final float[] q;
    final SplittableRandom rng;
    final TextCodec.Detokenizer detokenizer;
    final StopStringMatcher stopMatcher;
    final StringBuilder text = new StringBuilder();
    final RowStats stats;
    final CompletableFuture<GenerationResult> future = new CompletableFuture<>();
    final long submitNanos;

    int length;
    int generated;
    int k;
    int maxDrafted;
    long admitNanos;
    long firstTokenNanos;
    KvCache targetCache;
    KvCache draftCache;

    Sequence(String id, SamplingParams params, int[] prompt, int maxContext, int maxK, int draftVocab,
             TextCodec codec, int initialK) {
        this.id = id;
        this.params = params;
        this.promptLength = prompt.length;
        this.maxTokens = Math.min(params.maxTokens(), maxContext - prompt.length);
        // Room for the committed sequence plus a drafted block written after it.
        this.tokens = Arrays.copyOf(prompt, maxContext + maxK + 1);
        this.length = prompt.length;
        this.drafts = new int[Math.max(1, maxK)];
        this.q = params.isGreedy() || maxK == 0 ? null : new float[maxK * draftVocab];
        this.rng = new SplittableRandom(params.seed());
        this.detokenizer = codec == null ? null : codec.newDetokenizer(prompt);
        this.stopMatcher = params.stop().isEmpty() ? null : new StopStringMatcher(params.stop());
        this.stats = new RowStats(maxK);
        this.k = initialK;
        this.submitNanos = System.nanoTime();
    }

    int[] generatedIds() {
        return Arrays.copyOfRange(tokens, promptLength, promptLength + generated);
    }
}
