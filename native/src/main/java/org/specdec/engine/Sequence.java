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
 * generated), its KV caches in the target and the draft, its generator and its statistics. It
 * commits the tokens the verifier hands it, applies its own stop rules (EOS, stop strings,
 * max_tokens, the context window) and completes its future when it finishes.
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
    /** The verifier's tokens of the current step: the accepted drafts, then the target's own token. */
    final int[] verified;
    final SplittableRandom rng;
    final RowStats stats;
    final CompletableFuture<GenerationResult> future = new CompletableFuture<>();
    final long submitNanos;
    private final RowContext context;
    private final TextCodec.Detokenizer detokenizer;
    private final StopStringMatcher stopMatcher;
    private final StringBuilder text = new StringBuilder();

    int length;
    int generated;
    int k;
    long admitNanos;
    long firstTokenNanos;
    KvCache targetCache;
    KvCache draftCache;

    Sequence(String id, SamplingParams params, int[] prompt, int initialK, RowContext context) {
        this.id = id;
        this.params = params;
        this.context = context;
        this.promptLength = prompt.length;
        this.maxTokens = Math.min(params.maxTokens(), context.maxContext() - prompt.length);
        int maxK = context.maxK();
        // Room for the committed sequence plus a drafted block written after it.
        this.tokens = Arrays.copyOf(prompt, context.maxContext() + maxK + 1);
        this.length = prompt.length;
        this.drafts = new int[Math.max(1, maxK)];
        this.q = params.isGreedy() || maxK == 0 ? null : new float[maxK * context.draftVocab()];
        this.verified = new int[maxK + 2];
        this.rng = new SplittableRandom(params.seed());
        this.detokenizer = context.codec() == null ? null : context.codec().newDetokenizer(prompt);
        this.stopMatcher = params.stop().isEmpty() ? null : new StopStringMatcher(params.stop());
        this.stats = new RowStats(maxK);
        this.k = initialK;
        this.submitNanos = System.nanoTime();
    }

    int[] generatedIds() {
        return Arrays.copyOfRange(tokens, promptLength, promptLength + generated);
    }

    /** Drafts this row can still commit: every step also commits one token of the target's own. */
    int draftRoom() {
        return Math.min(maxTokens - generated - 1, context.maxContext() - length);
    }

    /** Committed tokens the target cache lacks: 1 in a decoding step, more while the prompt is prefilled. */
    int uncachedTargetTokens() {
        return length - targetCache.length();
    }

    /** Committed tokens the draft cache lacks: what the drafter must catch up with before it proposes. */
    int draftBacklog() {
        return length - draftCache.length();
    }

    /**
     * Commits the verifier's tokens, {@code kept[0..accepted]} (the accepted drafts, then the
     * target's token), up to the first that finishes the row, and keeps only the KV of the
     * accepted drafts: everything after them is stale. Returns true when the row finished (its
     * future is then complete).
     */
    boolean commit(int[] kept, int accepted) {
        int base = length;
        boolean done = false;
        for (int e = 0; e <= accepted && !done; e++) {
            done = emit(kept[e]);
        }
        int valid = base + accepted;
        targetCache.truncate(Math.min(targetCache.length(), valid));
        if (draftCache != null) {
            draftCache.truncate(Math.min(draftCache.length(), valid));
        }
        return done;
    }

    /** Completes the row with an error (it still appears in the output). */
    void fail(String message) {
        future.complete(context.error(id, message, promptLength, params));
    }

    /** Commits one token; returns true when the row is finished. */
    private boolean emit(int token) {
        tokens[length++] = token;
        generated++;
        if (firstTokenNanos == 0) {
            firstTokenNanos = System.nanoTime();
        }
        if (!params.ignoreEos() && context.eos().contains(token)) {
            finish(GenerationResult.FINISH_STOP, false);
            return true;
        }
        if (detokenizer != null) {
            String piece = detokenizer.push(token);
            if (!piece.isEmpty() && appendText(piece)) {
                finish(GenerationResult.FINISH_STOP, true);
                return true;
            }
        }
        if (generated >= maxTokens || length >= context.maxContext()) {
            finish(GenerationResult.FINISH_LENGTH, false);
            return true;
        }
        return false;
    }

    /** Appends detokenized text through the row's stop-string matcher; true when a stop string ended the row. */
    private boolean appendText(String piece) {
        if (stopMatcher == null) {
            text.append(piece);
            return false;
        }
        StopStringMatcher.Step st = stopMatcher.accept(piece);
        text.append(st.text());
        return st.stopped();
    }

    private void finish(String reason, boolean cutByStopString) {
        String finalReason = reason;
        if (detokenizer != null && !cutByStopString) {
            if (appendText(detokenizer.flush())) {
                finalReason = GenerationResult.FINISH_STOP;
            } else if (stopMatcher != null) {
                text.append(stopMatcher.flush());
            }
        }
        long now = System.nanoTime();
        double latencyMs = (now - admitNanos) / 1e6;
        double ttftMs = firstTokenNanos == 0 ? latencyMs : (firstTokenNanos - admitNanos) / 1e6;
        double queueMs = (admitNanos - submitNanos) / 1e6;
        future.complete(new GenerationResult(
                id,
                context.codec() == null ? null : text.toString(),
                generatedIds(),
                finalReason,
                null,
                promptLength,
                generated,
                stats.specSteps(),
                stats.draftTokens(),
                stats.acceptedTokens(),
                stats.acceptanceRate(),
                stats.meanAcceptanceLength(generated),
                stats.acceptanceByPosition(),
                stats.meanK(),
                ttftMs,
                latencyMs,
                queueMs,
                latencyMs > 0 ? generated / (latencyMs / 1000.0) : 0,
                stats.draftMs(),
                stats.targetMs(),
                context.device(),
                context.targetModel(),
                context.draftModel(),
                params.temperature(),
                params.topP(),
                params.seed()));
    }
}
