package org.specdec.speculative;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.specdec.backend.ModelRunner;
import org.specdec.backend.cpu.CpuBackend;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.engine.LoadedModels;
import org.specdec.engine.SpeculativeEngine;
import org.specdec.kv.KvCache;
import org.specdec.kv.KvLength;
import org.specdec.model.LlamaWeights;
import org.specdec.sampling.SamplingParams;
import org.specdec.testing.SyntheticPair;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The draft switch inside the engine: a draft that never agrees with the target is switched off
 * after a few steps and then costs next to nothing (its passes are skipped), a draft that always
 * agrees keeps drafting, and greedy output equals target-only output in both cases.
 */
class DraftSwitchEngineTest {
    static final int ROWS = 16;
    static final int MAX_TOKENS = 48;
    static Checkpoint checkpoint;
    static List<GenerationRequest> requests;
    static List<int[]> baseline;

    @BeforeAll
    static void setUp() {
        checkpoint = Checkpoint.open(SyntheticPair.target());
        Random r = new Random(3);
        SamplingParams greedy = new SamplingParams(0, 0, 1, 0, MAX_TOKENS, List.of(), true);
        requests = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            int[] p = new int[3 + r.nextInt(6)];
            p[0] = 1;
            for (int j = 1; j < p.length; j++) {
                p[j] = 3 + r.nextInt(500);
            }
            requests.add(GenerationRequest.ofTokens("r" + i, p, greedy));
        }
        baseline = new ArrayList<>();
        try (GenerationEngine e = Engines.open(EngineSettings.builder().target(SyntheticPair.target()).k(0).maxK(0)
                .maxBatch(4).device("cpu").threads(2).maxContext(128).draftSwitch(false).build())) {
            for (GenerationResult g : e.generateAll(requests)) {
                assertNull(g.error());
                baseline.add(g.generatedTokenIds());
            }
        }
    }

    @AfterAll
    static void tearDown() {
        checkpoint.close();
    }

    /** Only a length: what the engine's cleanliness check and rollback look at. */
    static final class LengthOnlyCache extends KvLength {
        LengthOnlyCache(int capacity) {
            super(capacity);
        }
    }

    /** A drafter that proposes what {@code next} says and counts its passes; each pass busy-waits costNanos. */
    static final class ScriptedDrafter implements Drafter {
        interface Next {
            int token(int[] tokens, int length, int j);
        }

        final AtomicInteger passes = new AtomicInteger();
        /** Rows drafting in each pass, in order. */
        final List<Integer> rowsPerPass = java.util.Collections.synchronizedList(new ArrayList<>());
        final Next next;
        final int vocab;
        final long costNanos;

        ScriptedDrafter(int vocab, long costNanos, Next next) {
            this.vocab = vocab;
            this.costNanos = costNanos;
            this.next = next;
        }

        @Override
        public KvCache newCache(int capacity) {
            return new LengthOnlyCache(capacity);
        }

        @Override
        public int vocabSize() {
            return vocab;
        }

        @Override
        public void propose(DraftBatch b) {
            passes.incrementAndGet();
            rowsPerPass.add(b.rows);
            long until = System.nanoTime() + costNanos;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            for (int i = 0; i < b.rows; i++) {
                // The cache advances as a model drafter's does: committed tokens plus k - 1 fed drafts.
                KvLength cache = (KvLength) b.cache[i];
                cache.advance(b.length[i] + b.k[i] - 1 - cache.length());
                for (int j = 0; j < b.k[i]; j++) {
                    b.drafts[i][j] = next.token(b.tokens[i], b.length[i], j);
                }
            }
        }

        @Override
        public String name() {
            return "scripted";
        }
    }

    static List<int[]> run(ScriptedDrafter drafter, CpuBackend backend, ModelRunner target, boolean sw,
                           AtomicInteger skipped) {
        return run(drafter, target, sw, skipped, new AtomicInteger());
    }

    static List<int[]> run(ScriptedDrafter drafter, ModelRunner target, boolean sw, AtomicInteger skipped,
                           AtomicInteger probes) {
        EngineSettings o = EngineSettings.builder().target("t").k(4).maxK(4).maxBatch(4).maxContext(128).device("cpu")
                .draftSwitch(sw).build();
        List<int[]> out = new ArrayList<>();
        SpeculativeEngine e = new SpeculativeEngine(target, drafter, null, o,
                new LoadedModels("t", drafter.name(), List.of()));
        for (GenerationResult g : e.generateAll(requests)) {
            assertNull(g.error());
            out.add(g.generatedTokenIds());
        }
        skipped.set((int) e.counters().skippedSteps());
        probes.set((int) e.counters().probes());
        e.close();
        return out;
    }

    @Test
    void aDraftThatNeverAgreesIsSwitchedOffAndItsPassesAreSkipped() {
        try (CpuBackend backend = new CpuBackend(2, 256)) {
            ModelRunner target = backend.load(LlamaWeights.load(checkpoint));
            // Token ids the greedy target never emits here: position-dependent garbage.
            ScriptedDrafter wrong = new ScriptedDrafter(target.config().vocabSize(), 2_000_000,
                    (t, len, j) -> 3 + (len * 31 + j * 17) % 500);
            AtomicInteger skipped = new AtomicInteger();
            List<int[]> fixed = run(wrong, backend, target, false, skipped);
            int passesWithoutSwitch = wrong.passes.getAndSet(0);
            List<int[]> switched = run(wrong, backend, target, true, skipped);
            int passesWithSwitch = wrong.passes.get();
            for (int i = 0; i < ROWS; i++) {
                assertArrayEquals(baseline.get(i), fixed.get(i), "fixed k, row " + i);
                assertArrayEquals(baseline.get(i), switched.get(i), "switched, row " + i);
            }
            // 16 rows x 48 tokens, 4 at a time, ~1 token per pass: ~190 steps, all drafted without the switch.
            assertTrue(passesWithoutSwitch > 150, "without switch: " + passesWithoutSwitch);
            assertTrue(passesWithSwitch * 5 < passesWithoutSwitch, "draft passes with the switch: " + passesWithSwitch
                    + " (without: " + passesWithoutSwitch + ")");
            assertTrue(skipped.get() > passesWithoutSwitch / 2, "skipped steps: " + skipped.get());
        }
    }

    @Test
    void onceOffItProbesWithOneRowAndReMeasuresWithEveryRow() {
        try (CpuBackend backend = new CpuBackend(2, 256)) {
            ModelRunner target = backend.load(LlamaWeights.load(checkpoint));
            ScriptedDrafter wrong = new ScriptedDrafter(target.config().vocabSize(), 0,
                    (t, len, j) -> 3 + (len * 31 + j * 17) % 500);
            AtomicInteger skipped = new AtomicInteger();
            AtomicInteger probes = new AtomicInteger();
            // 4x the rows: enough steps at batch 4 for probes after 64 and 128 more steps.
            List<GenerationRequest> saved = requests;
            List<GenerationRequest> more = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                for (GenerationRequest q : saved) {
                    more.add(GenerationRequest.ofTokens(q.id() + "-" + r, q.promptTokenIds(), q.params()));
                }
            }
            requests = more;
            try {
                run(wrong, target, true, skipped, probes);
            } finally {
                requests = saved;
            }
            assertTrue(probes.get() >= 3, "probes: " + probes.get());
            List<Integer> rows = wrong.rowsPerPass;
            // The last passes are probes (the switch went off after its first measurements). They
            // alternate: a one-row probe samples acceptance, then a re-measurement drafts for the
            // whole batch in two steps; never a whole-batch pass outside a re-measurement.
            int first = rows.size() - probes.get();
            int period = 1 + DraftSwitch.REMEASURE_STEPS;
            for (int i = first; i < rows.size(); i++) {
                if ((i - first) % period == 0) {
                    org.junit.jupiter.api.Assertions.assertEquals(1, rows.get(i), "pass " + i + " of " + rows);
                } else {
                    assertTrue(rows.get(i) > 1, "pass " + i + " of " + rows + " re-measures with every row");
                }
            }
        }
    }

    /**
     * The tiny test model is compute-bound (verifying 5 positions costs ~5 passes, so even a perfect
     * free draft does not pay, and the switch rightly turns it off). A real target streams its
     * weights once per pass whatever the positions: this runner adds that fixed cost (3 ms).
     */
    static final class MemoryBoundRunner implements ModelRunner {
        final ModelRunner inner;

        MemoryBoundRunner(ModelRunner inner) {
            this.inner = inner;
        }

        @Override
        public org.specdec.checkpoint.ModelConfig config() {
            return inner.config();
        }

        @Override
        public KvCache newCache(int capacity) {
            return inner.newCache(capacity);
        }

        @Override
        public float[] forward(org.specdec.backend.ForwardBatch batch) {
            long until = System.nanoTime() + 3_000_000;
            float[] out = inner.forward(batch);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            return out;
        }

        @Override
        public long weightBytesPerPass() {
            return inner.weightBytesPerPass();
        }
    }

    @Test
    void aDraftThatAlwaysAgreesWithAMemoryBoundTargetKeepsDrafting() {
        try (CpuBackend backend = new CpuBackend(2, 256)) {
            ModelRunner target = new MemoryBoundRunner(backend.load(LlamaWeights.load(checkpoint)));
            // An oracle: the target's own greedy continuation of whichever row this is.
            ScriptedDrafter oracle = new ScriptedDrafter(target.config().vocabSize(), 0, (t, len, j) -> {
                for (int i = 0; i < ROWS; i++) {
                    int[] p = requests.get(i).promptTokenIds();
                    if (len >= p.length && Arrays.equals(p, 0, p.length, t, 0, p.length)) {
                        int at = len - p.length + j;
                        return at < MAX_TOKENS ? baseline.get(i)[at] : 0;
                    }
                }
                return 0;
            });
            AtomicInteger skipped = new AtomicInteger();
            List<int[]> out = run(oracle, backend, target, true, skipped);
            for (int i = 0; i < ROWS; i++) {
                assertArrayEquals(baseline.get(i), out.get(i), "row " + i);
            }
            int passes = oracle.passes.get();
            // ~48 / 5 passes per row when drafting; skipped steps are only the baseline measurements.
            assertTrue(passes > 3 * skipped.get(), "draft passes " + passes + ", skipped steps " + skipped.get());
        }
    }
}
