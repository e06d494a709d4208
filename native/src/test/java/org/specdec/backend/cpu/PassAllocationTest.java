package org.specdec.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.specdec.backend.ForwardBatch;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.kv.KvCache;
import org.specdec.model.LlamaWeights;
import org.specdec.testing.Fixtures;
import org.specdec.util.AllocationCounter;

/**
 * Once the JIT has compiled the kernels, a pass allocates next to nothing: the Vector API boxes a
 * vector per operation only in code that C2 has not compiled, or compiled without the operation's
 * intrinsic (an attention softmax compiled so allocated about 1 MB per batch-8 verification pass).
 */
class PassAllocationTest {
    /** A compiled pass allocates the worker loops' lambdas, about 1.4 KB; a boxing kernel, hundreds of KB. */
    static final long BOUND_BYTES = 16 * 1024;
    static final int ROWS = 8;
    static final int CONTEXT = 32;

    @Test
    void aCompiledPassAllocatesAlmostNothing() {
        assumeTrue(AllocationCounter.isSupported(), "this JVM does not count allocated bytes");
        try (Checkpoint ck = Checkpoint.open(Fixtures.shippedModel("sotu-target"));
             CpuBackend backend = new CpuBackend(2, 128)) {
            CpuModelRunner runner = (CpuModelRunner) backend.loadTarget(LlamaWeights.load(ck));
            int[] tokens = new int[CONTEXT + 5];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = 3 + i * 7 % 200;
            }
            KvCache[] caches = new KvCache[ROWS];
            ForwardBatch prefill = new ForwardBatch();
            for (int r = 0; r < ROWS; r++) {
                caches[r] = runner.newCache(64);
                prefill.add(caches[r], tokens, 0, CONTEXT, 1);
            }
            runner.forward(prefill);
            // A decode pass and a verification pass of every row, built once: the test allocates nothing.
            ForwardBatch decode = new ForwardBatch();
            ForwardBatch verify = new ForwardBatch();
            for (KvCache c : caches) {
                decode.add(c, tokens, CONTEXT, 1, 1);
                verify.add(c, tokens, CONTEXT, 5, 5);
            }
            long perPass = Long.MAX_VALUE;
            long deadline = System.nanoTime() + 60_000_000_000L;
            // Until C2 has compiled the kernels (seconds), passes allocate: measure until they stop.
            while (perPass > BOUND_BYTES && System.nanoTime() < deadline) {
                long before = AllocationCounter.allocatedBytes();
                for (int i = 0; i < 50; i++) {
                    runner.forward(decode);
                    truncate(caches);
                    runner.forward(verify);
                    truncate(caches);
                }
                perPass = (AllocationCounter.allocatedBytes() - before) / 100;
            }
            assertTrue(perPass <= BOUND_BYTES, "a compiled pass allocated " + perPass + " bytes");
        }
    }

    private static void truncate(KvCache[] caches) {
        for (KvCache c : caches) {
            c.truncate(CONTEXT);
        }
    }
}
