package org.specdec.backend.cpu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.kv.KvCache;
import org.specdec.model.LlamaWeights;
import org.specdec.sampling.LogitsProcessor;
import org.specdec.testing.Fixtures;
import org.specdec.testing.Models;
import org.specdec.testing.ReferenceLlama;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU forward pass on the real stories260K weights (GQA, intermediate 172: vector tails and a
 * partial last tile), with the matrices read where they are mapped and copied into tiles.
 */
class CpuModelRunnerTest {
    static Checkpoint ckpt;
    static LlamaWeights weights;
    static CpuBackend stored;
    static CpuBackend tiled;

    static final int[] TOKENS = {1, 403, 407, 261, 378, 300, 285, 273, 1000 % 512, 259, 13, 365, 286, 282, 301, 412};

    @BeforeAll
    static void load() {
        ckpt = Checkpoint.open(Fixtures.require("stories260K"));
        weights = Models.load(ckpt);
        stored = new CpuBackend(2, 512, 1, CpuWeights.STORED);
        tiled = new CpuBackend(2, 512, 1, CpuWeights.TILED);
    }

    static CpuBackend backend(CpuWeights layout) {
        return layout == CpuWeights.TILED ? tiled : stored;
    }

    @AfterAll
    static void close() {
        for (CpuBackend b : new CpuBackend[] {stored, tiled}) {
            if (b != null) {
                b.close();
            }
        }
        if (ckpt != null) {
            ckpt.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = CpuWeights.class, names = {"STORED", "TILED"})
    void logitsMatchNaiveDoublePrecisionReference(CpuWeights layout) {
        ModelRunner runner = backend(layout).load(weights);
        KvCache cache = runner.newCache(64);
        ForwardBatch b = new ForwardBatch();
        b.add(cache, TOKENS, 0, TOKENS.length, TOKENS.length);
        float[] logits = runner.forward(b).clone();
        ReferenceLlama.assertMatches(weights, TOKENS, logits, 1e-4, "stories260K");
    }

    @ParameterizedTest
    @EnumSource(value = CpuWeights.class, names = {"STORED", "TILED"})
    void batchedMultiPositionForwardEqualsPositionByPosition(CpuWeights layout) {
        ModelRunner runner = backend(layout).load(weights);
        int v = weights.config().vocabSize();
        // Batched: three rows of different lengths, all positions at once.
        KvCache[] caches = {runner.newCache(64), runner.newCache(64), runner.newCache(64)};
        int[][] rows = {TOKENS, Arrays.copyOf(TOKENS, 5), Arrays.copyOfRange(TOKENS, 3, 12)};
        ForwardBatch b = new ForwardBatch();
        for (int r = 0; r < 3; r++) {
            b.add(caches[r], rows[r], 0, rows[r].length, rows[r].length);
        }
        float[] batched = runner.forward(b).clone();
        int off = 0;
        for (int r = 0; r < 3; r++) {
            KvCache single = runner.newCache(64);
            for (int t = 0; t < rows[r].length; t++) {
                ForwardBatch one = new ForwardBatch();
                one.add(single, rows[r], t, 1, 1);
                float[] lg = runner.forward(one);
                for (int i = 0; i < v; i++) {
                    float a = batched[(off + t) * v + i];
                    float e = lg[i];
                    assertEquals(Float.floatToIntBits(e), Float.floatToIntBits(a),
                            layout + ": row " + r + " pos " + t + " token " + i + ": " + a + " vs " + e);
                }
            }
            off += rows[r].length;
            assertEquals(rows[r].length, caches[r].length());
        }
    }

    @ParameterizedTest
    @EnumSource(value = CpuWeights.class, names = {"STORED", "TILED"})
    void rollbackThenRecomputeGivesTheSameLogits(CpuWeights layout) {
        ModelRunner runner = backend(layout).load(weights);
        int v = weights.config().vocabSize();
        KvCache cache = runner.newCache(64);
        ForwardBatch b = new ForwardBatch();
        b.add(cache, TOKENS, 0, 10, 1);
        float[] first = Arrays.copyOf(runner.forward(b), v);
        cache.truncate(6);
        b.clear();
        b.add(cache, TOKENS, 6, 4, 1);
        float[] again = Arrays.copyOf(runner.forward(b), v);
        assertArrayEquals(first, again);
    }

    @ParameterizedTest
    @EnumSource(value = CpuWeights.class, names = {"STORED", "TILED"})
    void greedyDecodingFromBosIsDeterministic(CpuWeights layout) {
        int[] a = greedy(layout, 40);
        int[] b = greedy(layout, 40);
        assertArrayEquals(a, b);
        assertTrue(Arrays.stream(a).distinct().count() > 5, "degenerate output " + Arrays.toString(a));
    }

    private int[] greedy(CpuWeights layout, int steps) {
        ModelRunner runner = backend(layout).load(weights);
        KvCache cache = runner.newCache(64);
        ForwardBatch b = new ForwardBatch();
        int[] out = new int[steps];
        int[] cur = {1};
        int v = weights.config().vocabSize();
        for (int s = 0; s < steps; s++) {
            b.clear();
            b.add(cache, cur, 0, 1, 1);
            cur[0] = LogitsProcessor.argmax(runner.forward(b), 0, v);
            out[s] = cur[0];
        }
        return out;
    }
}
