package org.specdec.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.cpu.PassStages.Stage;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.kv.KvCache;
import org.specdec.model.LlamaWeights;
import org.specdec.testing.Fixtures;

class PassStagesTest {

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    void chargesEachLapToTheStageItEnds() {
        try (WorkerPool pool = new WorkerPool(1, "stages-test")) {
            PassStages stages = new PassStages(pool);
            stages.startPass();  // off: nothing is recorded
            stages.lap(Stage.MATMUL);
            stages.endPass();
            assertEquals(0, stages.passes());

            stages.enable(true);
            stages.startPass();
            spin(1_000_000);
            stages.lap(Stage.MATMUL);
            spin(300_000);
            stages.lap(Stage.ATTENTION);
            stages.endPass();
            stages.enable(false);
            assertEquals(1, stages.passes());
            double[] ms = stages.medianPassMs();
            assertTrue(ms[Stage.MATMUL.ordinal()] >= 1.0, "matmul " + ms[Stage.MATMUL.ordinal()]);
            assertTrue(ms[Stage.ATTENTION.ordinal()] >= 0.3, "attention " + ms[Stage.ATTENTION.ordinal()]);
            assertEquals(0.0, ms[Stage.SWIGLU.ordinal()]);
        }
    }

    @Test
    void reportsThePassWithTheMedianTotalLargestStageFirst() {
        try (WorkerPool pool = new WorkerPool(1, "stages-test")) {
            PassStages stages = new PassStages(pool);
            int n = Stage.values().length;
            long[][] passes = {new long[n + 1], new long[n + 1], new long[n + 1]};
            passes[0][Stage.MATMUL.ordinal()] = 9_000_000;  // the slowest pass
            passes[1][Stage.MATMUL.ordinal()] = 1_000_000;  // the median: 1.5 ms in all
            passes[1][Stage.ATTENTION.ordinal()] = 500_000;
            passes[1][n] = 200_000;
            passes[2][Stage.ATTENTION.ordinal()] = 100_000;  // the fastest
            for (long[] p : passes) {
                stages.record(p);
            }
            double[] ms = stages.medianPassMs();
            assertEquals(1.0, ms[Stage.MATMUL.ordinal()], 1e-9);
            assertEquals(0.5, ms[Stage.ATTENTION.ordinal()], 1e-9);
            assertEquals(0.2, ms[n], 1e-9);
            String line = stages.summary();
            assertTrue(line.startsWith("the median of 3 passes, 1.500 ms: matrix products 1.000 (67%), attention 0.500 (33%)"),
                    line);
            assertTrue(line.endsWith("waited 0.200 ms for other workers"), line);
        }
    }

    @Test
    void aTimedForwardPassAddsUpToAtMostItsWallTime() {
        try (Checkpoint ck = Checkpoint.open(Fixtures.shippedModel("sotu-target"));
             CpuBackend backend = new CpuBackend(2, 128)) {
            LlamaWeights w = LlamaWeights.load(ck);
            CpuModelRunner runner = (CpuModelRunner) backend.loadTarget(w);
            KvCache cache = runner.newCache(64);
            // A 10-token prefill: more new positions than one attention task takes, so RoPE and the KV
            // append run as their own stage.
            int[] tokens = {1, 40, 41, 42, 43, 44, 45, 46, 47, 48};
            runner.timeStages(true);
            ForwardBatch b = new ForwardBatch();
            b.add(cache, tokens, 0, tokens.length, 1);
            long t0 = System.nanoTime();
            runner.forward(b);
            double wallMs = (System.nanoTime() - t0) / 1e6;
            runner.timeStages(false);

            assertEquals(1, runner.stages().passes());
            double[] ms = runner.stages().medianPassMs();
            double sum = 0;
            for (Stage s : Stage.values()) {
                if (s == Stage.ROPE_AND_ATTENTION) {
                    assertEquals(0.0, ms[s.ordinal()], "a prefill's attention tasks do not rotate their heads");
                } else {
                    assertTrue(ms[s.ordinal()] > 0, s + " took no time");
                }
                sum += ms[s.ordinal()];
            }
            assertTrue(sum <= wallMs, sum + " ms of stages in a pass of " + wallMs + " ms");

            // A decode pass: each attention task rotates and appends its own heads.
            runner.timeStages(true);
            b = new ForwardBatch();
            b.add(cache, tokens, tokens.length - 1, 1, 1);
            runner.forward(b);
            runner.timeStages(false);
            ms = runner.stages().medianPassMs();
            assertTrue(ms[Stage.ROPE_AND_ATTENTION.ordinal()] > 0, "rope and attention took no time");
            assertEquals(0.0, ms[Stage.ATTENTION.ordinal()]);
            assertEquals(0.0, ms[Stage.ROPE_AND_CACHE.ordinal()]);
        }
    }
}
