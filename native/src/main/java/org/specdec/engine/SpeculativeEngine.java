package org.specdec.engine;

import org.specdec.backend.AcceptanceRows;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.kv.KvCache;
import org.specdec.sampling.LogitsProcessor;
import org.specdec.sampling.SamplingParams;
import org.specdec.speculative.DraftBatch;
import org.specdec.speculative.DraftLengthPolicy;
import org.specdec.speculative.DraftSwitch;
import org.specdec.speculative.Drafter;
import org.specdec.speculative.Verifier;
import org.specdec.stats.EngineCounters;
import org.specdec.stats.EngineStats;
import org.specdec.stats.StepOutcome;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Speculative decoding with continuous batching. One loop thread owns the running batch: it admits
 * waiting rows up to maxBatch, then runs a step, in which it
 * <ol>
 *   <li>plans each row's draft length k ({@link StepPlan}: the row's own, possibly adaptive, k
 *       within max_tokens and the context window, capped by the draft switch);</li>
 *   <li>lets the drafter propose k tokens per row;</li>
 *   <li>verifies: ONE target pass over every row's uncached tokens plus its drafts (a new row's
 *       prompt is its prefill, so prefill and verification share the pass), and the rejection
 *       rule per row ({@link Verifier}: on the host from the logits, or on a CUDA device where
 *       only the accepted ids come back);</li>
 *   <li>commits each row's accepted drafts and the target's token after them, applies its stop
 *       rules and rolls back the KV caches ({@link Sequence#commit}); finished rows leave at once.</li>
 * </ol>
 * k = 0 (no drafter) runs target-only decoding through the same code: the baseline.
 */
public final class SpeculativeEngine implements GenerationEngine {

    private final ModelRunner target;
    private final Verifier verifier;
    private final Drafter drafter;
    private final TextCodec codec;
    private final AutoCloseable resources;
    /** The settings as resolved for the opened models: k, context and device are the ones in use. */
    private final EngineSettings options;
    private final LoadedModels models;
    private final DraftLengthPolicy policy;
    /** Turns drafting off at batch sizes where it does not pay; null = always draft. */
    private final DraftSwitch draftSwitch;
    private final EngineStats stats = new EngineStats();
    private final StepPlan plan;
    private final RowContext rowContext;
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
    private final AcceptanceRows acceptance = new AcceptanceRows();
    private final DraftBatch draftBatch = new DraftBatch();
    private final List<Sequence> finished = new ArrayList<>();

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
        this.verifier = Verifier.forTarget(target);
        this.drafter = options.k() > 0 ? drafter : null;
        this.codec = codec;
        this.options = options;
        this.models = models;
        this.policy = new DraftLengthPolicy(this.drafter == null ? 0 : options.k(), options.adaptiveK(), options.maxK());
        this.draftSwitch = this.drafter != null && options.draftSwitch()
                ? new DraftSwitch(options.maxBatch(), policy.maxK(), stats) : null;
        this.plan = new StepPlan(this.drafter != null, draftSwitch);
        this.targetVocab = target.config().vocabSize();
        this.draftVocab = this.drafter == null ? targetVocab : this.drafter.vocabSize();
        this.rowContext = new RowContext(options.maxContext(), policy.maxK(), draftVocab, codec,
                new HashSet<>(models.eosIds()), options.device(), models.targetName(), draftModelName());
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
        return stats.snapshot();
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
        Sequence s = new Sequence(id, p, prompt, policy.initialK(), rowContext);
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
                    s.fail(msg);
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
        KvCache cache;
        try {
            cache = target.newCache(cacheCapacity());
        } catch (RuntimeException e) {
            return "the target model " + models.targetName() + " cannot hold a row: " + e.getMessage();
        }
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
            try {
                s.targetCache = freeTargetCaches.isEmpty() ? target.newCache(cacheCapacity()) : freeTargetCaches.pop();
                if (drafter != null) {
                    s.draftCache = freeDraftCaches.isEmpty() ? drafter.newCache(cacheCapacity())
                            : freeDraftCaches.pop();
                }
            } catch (RuntimeException e) {
                // The row fails with the cause; the loop, and the rows after it, go on.
                release(s);
                s.fail("cannot allocate the row's KV cache: " + e.getMessage());
                continue;
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
        // 1. Plan: each row's draft length this step.
        plan.decide(active);
        // 2. Draft.
        double draftMs = plan.drafts() ? draft() : 0;
        // 3. Verify: one target pass over every row's uncached tokens and drafts, and the rejection rule.
        double targetMs = verify();
        // 4. Commit what each row kept, apply stop rules, roll back the caches.
        finished.clear();
        for (int i = 0; i < plan.rows(); i++) {
            Sequence s = active.get(i);
            if (commit(s, i, targetMs)) {
                finished.add(s);
            }
        }
        StepOutcome outcome = plan.outcome(draftMs, targetMs);
        stats.recordStep(outcome);
        if (draftSwitch != null) {
            draftSwitch.recordStep(outcome);
        }
        for (Sequence s : finished) {
            active.remove(s);
            release(s);
        }
    }

    /** Step 2: one drafter call for every row with k &gt; 0; returns its wall time in ms. */
    private double draft() {
        draftBatch.reset(active.size());
        for (int i = 0; i < plan.rows(); i++) {
            Sequence s = active.get(i);
            if (plan.k(i) > 0) {
                draftBatch.add(s.tokens, s.length, plan.k(i), s.draftCache, s.drafts, s.q, s.params, s.rng);
            }
        }
        long t0 = System.nanoTime();
        drafter.propose(draftBatch);
        double ms = (System.nanoTime() - t0) / 1e6;
        for (int i = 0; i < plan.rows(); i++) {
            if (plan.k(i) > 0) {
                active.get(i).stats.addDraftMs(ms);
            }
        }
        return ms;
    }

    /**
     * Step 3: each row feeds its uncached tokens and its drafts, with logits for its last k+1, and
     * the verifier decides them; returns the wall time in ms (the target pass and the acceptance).
     */
    private double verify() {
        verifyBatch.clear();
        acceptance.reset(active.size(), draftVocab);
        for (int i = 0; i < plan.rows(); i++) {
            Sequence s = active.get(i);
            int k = plan.k(i);
            System.arraycopy(s.drafts, 0, s.tokens, s.length, k);
            int cached = s.targetCache.length();
            verifyBatch.add(s.targetCache, s.tokens, cached, s.length - cached + k, k + 1);
            acceptance.add(k, s.drafts, s.q, s.params, s.rng, s.verified);
        }
        long t0 = System.nanoTime();
        verifier.verify(verifyBatch, acceptance);
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Step 4 for row {@code i}: counts its verification and commits its tokens; true when the row finished. */
    private boolean commit(Sequence s, int i, double targetMs) {
        s.stats.addTargetMs(targetMs);
        if (acceptance.nanLogits[i]) {
            s.fail("the target model computed NaN logits for this row after " + s.generated
                    + " generated tokens (its weights or activations overflow)");
            return true;
        }
        int k = plan.k(i);
        int accepted = acceptance.accepted[i];
        s.stats.recordStep(k, accepted);
        plan.countVerified(k, accepted);
        if (k > 0) {
            s.k = policy.next(s.k, k, accepted);
        }
        return s.commit(acceptance.out[i], accepted);
    }

    private GenerationResult error(String id, String message, int promptTokens, SamplingParams p) {
        return rowContext.error(id, message, promptTokens, p);
    }

    private void failPending(String why) {
        for (Iterator<Sequence> it = waiting.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            it.remove();
            s.fail(why);
        }
        for (Sequence s : active) {
            s.fail(why);
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
