package org.specdec.engine;

import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.kv.KvCache;
import org.specdec.sampling.LogitsProcessor;
import org.specdec.sampling.SamplingParams;
import org.specdec.speculative.AcceptanceRows;
import org.specdec.speculative.DeviceAcceptance;
import org.specdec.speculative.DraftBatch;
import org.specdec.speculative.DraftLengthPolicy;
import org.specdec.speculative.DraftSwitch;
import org.specdec.speculative.Drafter;
import org.specdec.speculative.RejectionSampler;
import org.specdec.tokenizer.StopStringMatcher;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Speculative decoding with continuous batching. One loop thread owns the running batch; each
 * step it (1) admits waiting rows up to maxBatch, (2) lets the drafter propose k tokens per row,
 * (3) runs ONE target pass over every row's uncached tokens plus its drafts (a new row's prompt
 * is its prefill, so prefill and verification share the pass), (4) accepts with the rejection
 * sampler, emits, applies stop rules and rolls back the KV caches. Finished rows leave at once.
 * k = 0 (no drafter) runs target-only decoding through the same code: the baseline.
 * When the target runner implements {@link DeviceAcceptance} (CUDA), steps (3) and (4a) run on the
 * device and only the accepted ids come back; the rest of the step is the same code.
 */
public final class SpeculativeEngine implements GenerationEngine {

    private final ModelRunner target;
    /** The target's device-side verifier, or null: the host verifies with {@link #sampler}. */
    private final DeviceAcceptance deviceAcceptance;
    private final Drafter drafter;
    private final TextCodec codec;
    private final AutoCloseable resources;
    /** The settings as resolved for the opened models: k, context and device are the ones in use. */
    private final EngineSettings options;
    private final LoadedModels models;
    private final DraftLengthPolicy policy;
    /** Turns drafting off at batch sizes where it does not pay; null = always draft. */
    private final DraftSwitch draftSwitch;
    private final Set<Integer> eos;
    private final int targetVocab;
    private final int draftVocab;

    private final ConcurrentLinkedQueue<Sequence> waiting = new ConcurrentLinkedQueue<>();
    private final List<Sequence> active = new ArrayList<>();
    private final ArrayDeque<KvCache> freeTargetCaches = new ArrayDeque<>();
    private final ArrayDeque<KvCache> freeDraftCaches = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workArrived = lock.newCondition();
    private final Thread loop;
    private volatile boolean closed;
    /** Why nothing can be decoded (the target's logits are NaN), or null; set once by the loop thread. */
    private volatile String broken;

    private final ForwardBatch verifyBatch = new ForwardBatch();
    private final DraftBatch draftBatch = new DraftBatch();
    private final RejectionSampler sampler = new RejectionSampler();
    private final AcceptanceRows acceptRows = new AcceptanceRows();
    private final int[] emitted;
    private int[][] deviceEmitted = new int[0][];
    private int[] stepK = new int[8];
    /** steps, drafting steps, drafting row-steps, draft tokens, accepted tokens, rejected blocks. */
    private final long[] totals = new long[6];

    public SpeculativeEngine(ModelRunner target, Drafter drafter, TextCodec codec, EngineSettings options,
                             LoadedModels models) {
        this(target, drafter, codec, options, models, null);
    }

    /**
     * @param options   the engine settings, with maxContext and device as the models were opened with
     * @param resources closed after the engine (checkpoints, tokenizer, backend), may be null
     */
    public SpeculativeEngine(ModelRunner target, Drafter drafter, TextCodec codec, EngineSettings options,
                             LoadedModels models, AutoCloseable resources) {
        this.resources = resources;
        this.target = target;
        this.deviceAcceptance = target instanceof DeviceAcceptance da ? da : null;
        this.drafter = options.k() > 0 ? drafter : null;
        this.codec = codec;
        this.options = options;
        this.models = models;
        this.policy = new DraftLengthPolicy(this.drafter == null ? 0 : options.k(), options.adaptiveK(), options.maxK());
        this.draftSwitch = this.drafter != null && options.draftSwitch()
                ? new DraftSwitch(options.maxBatch(), policy.maxK()) : null;
        this.eos = new HashSet<>(models.eosIds());
        this.targetVocab = target.config().vocabSize();
        this.draftVocab = this.drafter == null ? targetVocab : this.drafter.vocabSize();
        this.emitted = new int[policy.maxK() + 2];
        this.loop = new Thread(this::runLoop, "specdec-engine");
        this.loop.setDaemon(true);
        this.loop.start();
    }

    @Override
    public String device() {
        return options.device();
    }

    @Override
    public String targetModelName() {
        return models.targetName();
    }

    @Override
    public String draftModelName() {
        return drafter == null ? null : models.draftName();
    }

    @Override
    public int maxContext() {
        return options.maxContext();
    }

    @Override
    public boolean hasTokenizer() {
        return codec != null;
    }

    @Override
    public EngineCounters counters() {
        DraftSwitch.Counters sw = draftSwitch == null ? DraftSwitch.Counters.NONE : draftSwitch.counters();
        synchronized (totals) {
            return new EngineCounters(totals[0], totals[1], sw.stepsSkipped(), totals[2], totals[3], totals[4],
                    totals[5], sw.probes(), sw.switchedOff());
        }
    }

    @Override
    public CompletableFuture<GenerationResult> submit(GenerationRequest request) {
        SamplingParams p = request.params();
        String id = request.id();
        if (p == null) {
            return CompletableFuture.completedFuture(error(id, "no sampling parameters", 0, null));
        }
        String invalid = p.validate();
        if (invalid != null) {
            return CompletableFuture.completedFuture(error(id, invalid, 0, p));
        }
        int[] prompt;
        try {
            prompt = promptIds(request);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(error(id, e.getMessage(), 0, p));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(error(id, "tokenization failed: " + e, 0, p));
        }
        if (prompt.length >= options.maxContext()) {
            return CompletableFuture.completedFuture(error(id, "prompt has " + prompt.length
                    + " tokens, which does not fit the context window of " + options.maxContext()
                    + " tokens (prompt + generation)", prompt.length, p));
        }
        if (closed) {
            return CompletableFuture.completedFuture(error(id, "engine is closed", prompt.length, p));
        }
        if (broken != null) {
            return CompletableFuture.completedFuture(error(id, broken, prompt.length, p));
        }
        Sequence s = new Sequence(id, p, prompt, options.maxContext(), policy.maxK(), draftVocab, codec,
                policy.initialK());
        waiting.add(s);
        lock.lock();
        try {
            workArrived.signal();
        } finally {
            lock.unlock();
        }
        return s.future;
    }

    private int[] promptIds(GenerationRequest r) {
        if (r.promptTokenIds() != null) {
            int[] ids = r.promptTokenIds();
            if (ids.length == 0) {
                throw new IllegalArgumentException("empty prompt_token_ids");
            }
            for (int t : ids) {
                if (t < 0 || t >= targetVocab) {
                    throw new IllegalArgumentException("prompt token id " + t + " is outside the vocabulary (0.."
                            + (targetVocab - 1) + ")");
                }
            }
            return ids.clone();
        }
        if (r.prompt() == null) {
            throw new IllegalArgumentException("prompt is null");
        }
        if (r.prompt().isEmpty()) {
            throw new IllegalArgumentException("prompt is empty");
        }
        if (codec == null) {
            throw new IllegalArgumentException("the target model has no tokenizer.json: give prompt_token_ids");
        }
        int[] ids = codec.encode(r.prompt());
        if (ids.length == 0) {
            throw new IllegalArgumentException("prompt encodes to no tokens");
        }
        return ids;
    }

    private void runLoop() {
        broken = probeTarget();
        while (!closed) {
            if (broken != null) {
                failPending(broken);
            }
            admit();
            if (active.isEmpty()) {
                lock.lock();
                try {
                    if (waiting.isEmpty() && !closed) {
                        workArrived.await(100, TimeUnit.MILLISECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    lock.unlock();
                }
                continue;
            }
            try {
                step();
            } catch (Throwable t) {
                // A failed pass fails the rows in it, never the engine or the job.
                String msg = "decoding failed: " + t;
                for (Sequence s : active) {
                    release(s);
                    s.future.complete(error(s.id, msg, s.promptLength, s.params));
                }
                active.clear();
                if (t instanceof VirtualMachineError vme && !(t instanceof OutOfMemoryError)) {
                    throw vme;
                }
            }
        }
        failPending("engine closed");
    }

    /**
     * One one-token target pass before any row is decoded. A target whose logits are NaN (broken
     * weights) would emit token 0 at every step without any error; this names the cause instead,
     * and every row fails with it. Returns null when the logits are usable.
     */
    private String probeTarget() {
        KvCache cache = target.newCache(cacheCapacity());
        try {
            int bos = target.config().bosTokenId();
            int token = bos >= 0 && bos < targetVocab ? bos : 0;
            ForwardBatch probe = new ForwardBatch();
            probe.add(cache, new int[] {token}, 0, 1, 1);
            float[] logits = target.forward(probe);
            if (LogitsProcessor.containsNaN(logits, 0, targetVocab)) {
                return "the target model " + models.targetName() + " computes NaN logits (one-token input, token id "
                        + token + "): its weights are broken, so nothing can be decoded";
            }
            return null;
        } catch (RuntimeException e) {
            return null; // a pass that fails fails its rows in step(), with its own cause
        } finally {
            cache.reset();
            freeTargetCaches.push(cache);
        }
    }

    private void admit() {
        while (active.size() < options.maxBatch()) {
            Sequence s = waiting.poll();
            if (s == null) {
                return;
            }
            s.targetCache = freeTargetCaches.isEmpty() ? target.newCache(cacheCapacity()) : freeTargetCaches.pop();
            if (drafter != null) {
                s.draftCache = freeDraftCaches.isEmpty() ? drafter.newCache(cacheCapacity()) : freeDraftCaches.pop();
            }
            s.admitNanos = System.nanoTime();
            active.add(s);
        }
    }

    private int cacheCapacity() {
        return options.maxContext() + policy.maxK() + 1;
    }

    private void release(Sequence s) {
        if (s.targetCache != null) {
            s.targetCache.reset();
            freeTargetCaches.push(s.targetCache);
            s.targetCache = null;
        }
        if (s.draftCache != null) {
            s.draftCache.reset();
            freeDraftCaches.push(s.draftCache);
            s.draftCache = null;
        }
    }

    private void step() {
        int n = active.size();
        if (stepK.length < n) {
            stepK = new int[n * 2];
        }
        // 1. Draft length per row: never draft past max_tokens or the context window.
        boolean anyDraft = false;
        int kSum = 0;
        for (int i = 0; i < n; i++) {
            Sequence s = active.get(i);
            int k = drafter == null ? 0 : s.k;
            k = Math.min(k, s.maxTokens - s.generated - 1);
            k = Math.min(k, options.maxContext() - s.length);
            stepK[i] = Math.max(0, k);
            kSum += stepK[i];
            anyDraft |= stepK[i] > 0;
        }
        // 1b. Does drafting pay at this batch size, and up to which k? At 0 this step is plain target decoding.
        boolean probe = false;
        if (anyDraft && draftSwitch != null) {
            int limit = draftSwitch.draftLimit(n, kSum / (double) n);
            probe = draftSwitch.probing();
            int onlyRow = probe ? freshestDraftRow(n) : -1;
            kSum = 0;
            anyDraft = false;
            for (int i = 0; i < n; i++) {
                stepK[i] = onlyRow >= 0 && i != onlyRow ? 0 : Math.min(stepK[i], limit);
                kSum += stepK[i];
                anyDraft |= stepK[i] > 0;
            }
        }
        // A clean step (no prompt prefill, short draft catch-up, every row drafting alike: not a
        // one-row probe) is a sample for the switch's cost tables.
        boolean clean = !probe;
        for (int i = 0; i < n && clean; i++) {
            Sequence s = active.get(i);
            clean = s.length - s.targetCache.length() == 1
                    && (stepK[i] == 0 || s.length - s.draftCache.length() <= 2);
        }
        // 2. Draft.
        double draftMs = 0;
        if (anyDraft) {
            draftBatch.reset(n);
            for (int i = 0; i < n; i++) {
                Sequence s = active.get(i);
                if (stepK[i] > 0) {
                    draftBatch.add(s.tokens, s.length, stepK[i], s.draftCache, s.drafts, s.q, s.params, s.rng);
                }
            }
            long t0 = System.nanoTime();
            drafter.propose(draftBatch);
            draftMs = (System.nanoTime() - t0) / 1e6;
            for (int i = 0; i < n; i++) {
                if (stepK[i] > 0) {
                    active.get(i).stats.addDraftMs(draftMs);
                }
            }
        }
        // 3. Verify: one target pass over every row's uncached tokens followed by its drafts.
        verifyBatch.clear();
        for (int i = 0; i < n; i++) {
            Sequence s = active.get(i);
            System.arraycopy(s.drafts, 0, s.tokens, s.length, stepK[i]);
            int cached = s.targetCache.length();
            verifyBatch.add(s.targetCache, s.tokens, cached, s.length - cached + stepK[i], stepK[i] + 1);
        }
        long t0 = System.nanoTime();
        float[] logits = null;
        if (deviceAcceptance != null) {
            prepareDeviceRows(n);
            deviceAcceptance.forwardAndAccept(verifyBatch, acceptRows);
        } else {
            logits = target.forward(verifyBatch);
        }
        double targetMs = (System.nanoTime() - t0) / 1e6;
        // 4. Accept, emit, roll back.
        int logitRow = 0;
        int acceptedSum = 0;
        int rejections = 0;
        List<Sequence> finished = null;
        for (int i = 0; i < n; i++) {
            Sequence s = active.get(i);
            int k = stepK[i];
            s.stats.addTargetMs(targetMs);
            int off = logitRow * targetVocab;
            logitRow += k + 1;
            if (logits != null && LogitsProcessor.containsNaN(logits, off, (k + 1) * targetVocab)) {
                s.future.complete(error(s.id, "the target model computed NaN logits for this row after "
                        + s.generated + " generated tokens (its weights or activations overflow)", s.promptLength,
                        s.params));
                if (finished == null) {
                    finished = new ArrayList<>();
                }
                finished.add(s);
                continue;
            }
            int accepted;
            int[] tokensOut = emitted;
            if (deviceAcceptance != null) {
                accepted = acceptRows.accepted[i];
                tokensOut = acceptRows.out[i];
            } else {
                accepted = s.params.isGreedy()
                        ? sampler.verifyGreedy(logits, off, targetVocab, s.drafts, k, emitted)
                        : sampler.verifySampled(logits, off, targetVocab, s.drafts, k, s.q, draftVocab, s.params,
                        s.rng, emitted);
            }
            s.stats.recordStep(k, accepted);
            s.maxDrafted = Math.max(s.maxDrafted, k);
            acceptedSum += accepted;
            if (accepted < k) {
                rejections++;
            }
            if (k > 0) {
                s.k = policy.next(s.k, k, accepted);
            }
            int base = s.length;
            boolean done = false;
            for (int e = 0; e <= accepted && !done; e++) {
                done = emit(s, tokensOut[e]);
            }
            // Keep the KV of accepted drafts; everything after them is stale.
            int valid = base + accepted;
            s.targetCache.truncate(Math.min(s.targetCache.length(), valid));
            if (s.draftCache != null) {
                s.draftCache.truncate(Math.min(s.draftCache.length(), valid));
            }
            if (done) {
                if (finished == null) {
                    finished = new ArrayList<>();
                }
                finished.add(s);
            }
        }
        int draftingRows = 0;
        for (int i = 0; i < n; i++) {
            draftingRows += stepK[i] > 0 ? 1 : 0;
        }
        synchronized (totals) {
            totals[0]++;
            totals[1] += anyDraft ? 1 : 0;
            totals[2] += draftingRows;
            totals[3] += kSum;
            totals[4] += acceptedSum;
            totals[5] += rejections;
        }
        if (draftSwitch != null) {
            if (anyDraft) {
                draftSwitch.recordAcceptance(acceptedSum, rejections);
                if (clean) {
                    draftSwitch.recordSpeculative(n, draftMs, kSum, targetMs, logitRow);
                }
            } else if (clean) {
                draftSwitch.recordTargetOnly(n, targetMs);
            }
        }
        if (finished != null) {
            for (Sequence s : finished) {
                active.remove(s);
                release(s);
            }
        }
    }

    /** Of the rows that could draft this step, the one whose draft cache needs the least catch-up. */
    private int freshestDraftRow(int n) {
        int best = -1;
        int bestBehind = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            Sequence s = active.get(i);
            int behind = s.length - s.draftCache.length();
            if (stepK[i] > 0 && behind < bestBehind) {
                best = i;
                bestBehind = behind;
            }
        }
        return best;
    }

    /** The rows of this step for the device verifier, in verifyBatch order. */
    private void prepareDeviceRows(int n) {
        acceptRows.reset(n, draftVocab);
        if (deviceEmitted.length < n) {
            deviceEmitted = new int[n * 2][policy.maxK() + 2];
        }
        for (int i = 0; i < n; i++) {
            Sequence s = active.get(i);
            acceptRows.add(stepK[i], s.drafts, s.params.isGreedy() ? null : s.q, s.params, s.rng, deviceEmitted[i]);
        }
    }

    /** Commits one token; returns true when the row is finished (its future is then complete). */
    private boolean emit(Sequence s, int token) {
        s.tokens[s.length++] = token;
        s.generated++;
        if (s.firstTokenNanos == 0) {
            s.firstTokenNanos = System.nanoTime();
        }
        if (!s.params.ignoreEos() && eos.contains(token)) {
            finish(s, GenerationResult.FINISH_STOP);
            return true;
        }
        if (s.detokenizer != null) {
            String piece = s.detokenizer.push(token);
            if (!piece.isEmpty() && appendText(s, piece)) {
                finish(s, GenerationResult.FINISH_STOP, true);
                return true;
            }
        }
        if (s.generated >= s.maxTokens || s.length >= options.maxContext()) {
            finish(s, GenerationResult.FINISH_LENGTH);
            return true;
        }
        return false;
    }

    /** Appends detokenized text through the row's stop-string matcher; true when a stop string ended the row. */
    private static boolean appendText(Sequence s, String piece) {
        if (s.stopMatcher == null) {
            s.text.append(piece);
            return false;
        }
        StopStringMatcher.Step st = s.stopMatcher.accept(piece);
        s.text.append(st.text());
        return st.stopped();
    }

    private void finish(Sequence s, String reason) {
        finish(s, reason, false);
    }

    private void finish(Sequence s, String reason, boolean cutByStopString) {
        String finalReason = reason;
        if (s.detokenizer != null && !cutByStopString) {
            if (appendText(s, s.detokenizer.flush())) {
                finalReason = GenerationResult.FINISH_STOP;
            } else if (s.stopMatcher != null) {
                s.text.append(s.stopMatcher.flush());
            }
        }
        long now = System.nanoTime();
        double latencyMs = (now - s.admitNanos) / 1e6;
        double ttftMs = s.firstTokenNanos == 0 ? latencyMs : (s.firstTokenNanos - s.admitNanos) / 1e6;
        double queueMs = (s.admitNanos - s.submitNanos) / 1e6;
        SamplingParams p = s.params;
        s.future.complete(new GenerationResult(
                s.id,
                codec == null ? null : s.text.toString(),
                s.generatedIds(),
                finalReason,
                null,
                s.promptLength,
                s.generated,
                s.stats.specSteps(),
                s.stats.draftTokens(),
                s.stats.acceptedTokens(),
                s.stats.acceptanceRate(),
                s.stats.meanAcceptanceLength(s.generated),
                s.stats.acceptanceByPosition(s.maxDrafted),
                s.stats.meanK(),
                ttftMs,
                latencyMs,
                queueMs,
                latencyMs > 0 ? s.generated / (latencyMs / 1000.0) : 0,
                s.stats.draftMs(),
                s.stats.targetMs(),
                options.device(),
                models.targetName(),
                draftModelName(),
                p.temperature(),
                p.topP(),
                p.seed()));
    }

    private GenerationResult error(String id, String message, int promptTokens, SamplingParams p) {
        return GenerationResult.error(id, message, promptTokens, options.device(), models.targetName(),
                draftModelName(), p == null ? 0 : p.temperature(), p == null ? 1 : p.topP(), p == null ? 0 : p.seed());
    }

    private void failPending(String why) {
        for (Iterator<Sequence> it = waiting.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            it.remove();
            s.future.complete(error(s.id, why, s.promptLength, s.params));
        }
        for (Sequence s : active) {
            s.future.complete(error(s.id, why, s.promptLength, s.params));
        }
        active.clear();
    }

    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            workArrived.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            loop.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failPending("engine closed");
        target.close();
        if (drafter != null) {
            drafter.close();
        }
        if (resources != null) {
            try {
                resources.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing engine resources failed", e);
            }
        }
    }
}
