package org.specdec.speculative;

import org.junit.jupiter.api.Test;
import org.specdec.backend.AcceptanceRows;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.kv.KvCache;
import org.specdec.kv.KvLength;
import org.specdec.sampling.LogitsProcessor;
import org.specdec.sampling.SamplingParams;
import org.specdec.testing.ChiSquare;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rejection rule on hand-made distributions, the way vLLM tests its rejection sampler: a
 * target whose logit rows are given (log p, so that p is exactly the distribution at temperature
 * 1), drafts drawn from a given q, and the outcome checked exactly where it is certain and with a
 * chi-square test (significance 0.001, fixed seeds) where it is a distribution.
 */
class RejectionSamplerTest {
    static final int VOCAB = 8;
    static final SamplingParams SAMPLED = new SamplingParams(1.0, 0, 1.0, 0, 16, List.of(), true);
    static final SamplingParams GREEDY = SamplingParams.greedy(16);
    static final int TRIALS = 20_000;

    static final double[] P = {0.30, 0.20, 0.15, 0.10, 0.10, 0.08, 0.05, 0.02};
    /** Overlaps P: more mass on the tail, so some drafts are over-proposed and get rejected. */
    static final double[] Q = {0.10, 0.10, 0.10, 0.10, 0.15, 0.15, 0.15, 0.15};

    /** A target whose logits are fixed: every forward returns {@code logits} ({@code [positions][VOCAB]}). */
    static final class FixedLogits implements ModelRunner {
        float[] logits;

        FixedLogits(float[] logits) {
            this.logits = logits;
        }

        @Override
        public ModelConfig config() {
            return new ModelConfig(ModelConfig.Architecture.LLAMA, 8, 8, 1, 1, 1, 8, VOCAB, 64, 1e-5f, 10000, null,
                    false, false, 0, 1, List.of(2));
        }

        @Override
        public KvCache newCache(int capacity) {
            return new KvLength(capacity) {};
        }

        @Override
        public float[] forward(ForwardBatch batch) {
            assertTrue(batch.totalLogits() * VOCAB <= logits.length, "the test gave too few logit rows");
            return logits;
        }

        @Override
        public long weightBytesPerPass() {
            return 0;
        }
    }

    /** Logit rows that are log p of each distribution: at temperature 1 the target's p is the given one. */
    static float[] logits(double[]... rows) {
        float[] out = new float[rows.length * VOCAB];
        for (int r = 0; r < rows.length; r++) {
            for (int t = 0; t < VOCAB; t++) {
                out[r * VOCAB + t] = rows[r][t] > 0 ? (float) Math.log(rows[r][t]) : Float.NEGATIVE_INFINITY;
            }
        }
        return out;
    }

    /** The same distribution at k positions, flat {@code [k][VOCAB]}, as the drafter stores q. */
    static float[] repeat(double[] dist, int k) {
        float[] out = new float[k * VOCAB];
        for (int j = 0; j < k; j++) {
            for (int t = 0; t < VOCAB; t++) {
                out[j * VOCAB + t] = (float) dist[t];
            }
        }
        return out;
    }

    /** The distribution the sampler computes from logit row {@code row} (so that p == q holds to the bit). */
    static float[] processed(float[] logits, int row) {
        float[] p = new float[VOCAB];
        new LogitsProcessor().probabilities(logits, row * VOCAB, VOCAB, SAMPLED, p);
        return p;
    }

    static double[] residual(double[] p, double[] q) {
        double[] r = new double[VOCAB];
        double mass = 0;
        for (int t = 0; t < VOCAB; t++) {
            r[t] = Math.max(0, p[t] - q[t]);
            mass += r[t];
        }
        for (int t = 0; t < VOCAB; t++) {
            r[t] /= mass;
        }
        return r;
    }

    static void assertFollows(long[] counts, double[] expected, String what) {
        double[] chi = ChiSquare.oneSample(counts, expected);
        assertTrue(chi[0] < ChiSquare.critical001(chi[1]), what + ": chi2 " + chi[0] + " (df " + chi[1]
                + ", critical " + ChiSquare.critical001(chi[1]) + "), counts " + Arrays.toString(counts));
    }

    /**
     * One block verified again and again against fixed target logits ({@code [gamma+1][VOCAB]}),
     * its drafts drawn each time from q (flat {@code [gamma][VOCAB]}) with the drafter's generator.
     */
    static final class Block {
        final float[] logits;
        final float[] q;
        final int gamma;
        final RejectionSampler sampler;
        final SplittableRandom draftRng;
        final SplittableRandom rng;
        final int[] out;
        final int[] drafts;

        Block(float[] logits, float[] q, int gamma, long seed) {
            this.logits = logits;
            this.q = q;
            this.gamma = gamma;
            this.sampler = new RejectionSampler(new FixedLogits(logits));
            this.draftRng = new SplittableRandom(seed);
            this.rng = new SplittableRandom(seed + 1);
            this.out = new int[gamma + 1];
            this.drafts = new int[gamma];
        }

        /** Drafts and verifies once; returns the accepted count ({@code out} holds them and the token after). */
        int verify() {
            float[] row = new float[VOCAB];
            for (int j = 0; j < gamma; j++) {
                System.arraycopy(q, j * VOCAB, row, 0, VOCAB);
                drafts[j] = LogitsProcessor.sample(row, VOCAB, draftRng.nextDouble());
            }
            return sampler.verifySampled(logits, 0, VOCAB, drafts, gamma, q, VOCAB, SAMPLED, rng, out);
        }
    }

    /** q equal to the target's own processed p at each of the first gamma positions. */
    static float[] qEqualToP(float[] logits, int gamma) {
        float[] q = new float[gamma * VOCAB];
        for (int j = 0; j < gamma; j++) {
            System.arraycopy(processed(logits, j), 0, q, j * VOCAB, VOCAB);
        }
        return q;
    }

    // ------------------------------------------------------------------ greedy (temperature 0)

    @Test
    void greedyAcceptsDraftsWhileTheyAreTheTargetArgmaxThenAddsTheTargetsToken() {
        double[] at3 = {0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.05, 0.05};
        double[] at1 = {0.1, 0.5, 0.1, 0.1, 0.1, 0.05, 0.05, 0};
        double[] at4 = {0.1, 0.1, 0.1, 0.1, 0.45, 0.05, 0.05, 0.05};
        double[] at6 = {0, 0, 0, 0, 0, 0, 1, 0};
        float[] lg = logits(at3, at1, at4, at6);
        RejectionSampler sampler = new RejectionSampler(new FixedLogits(lg));
        int[] out = new int[4];

        assertEquals(3, sampler.verifyGreedy(lg, 0, VOCAB, new int[] {3, 1, 4}, 3, out), "perfect match");
        assertArrayEquals(new int[] {3, 1, 4, 6}, out, "all accepted, then the bonus argmax");

        Arrays.fill(out, -1);
        assertEquals(2, sampler.verifyGreedy(lg, 0, VOCAB, new int[] {3, 1, 5}, 3, out), "late mismatch");
        assertArrayEquals(new int[] {3, 1, 4, -1}, out, "the target's argmax replaces the first wrong draft");

        Arrays.fill(out, -1);
        assertEquals(0, sampler.verifyGreedy(lg, 0, VOCAB, new int[] {0, 1, 4}, 3, out), "early mismatch");
        assertEquals(3, out[0]);

        assertEquals(0, sampler.verifyGreedy(lg, 0, VOCAB, new int[0], 0, out), "k = 0: target-only decoding");
        assertEquals(3, out[0]);
    }

    @Test
    void greedyTiesGoToTheLowestId() {
        float[] lg = logits(new double[] {0.1, 0.3, 0.1, 0.3, 0.1, 0.1, 0, 0}, new double[] {0, 0, 0, 0, 0, 0, 0.5, 0.5});
        RejectionSampler sampler = new RejectionSampler(new FixedLogits(lg));
        int[] out = new int[2];
        assertEquals(0, sampler.verifyGreedy(lg, 0, VOCAB, new int[] {3}, 1, out));
        assertEquals(1, out[0]);
        assertEquals(1, sampler.verifyGreedy(lg, 0, VOCAB, new int[] {1}, 1, out));
        assertArrayEquals(new int[] {1, 6}, out);
    }

    @Test
    void temperatureZeroRowsAreGreedyAndNeverDrawFromTheirGenerator() {
        FixedLogits target = new FixedLogits(logits(P, P, P));
        RejectionSampler sampler = new RejectionSampler(target);
        SplittableRandom rng = new SplittableRandom(5);
        AcceptanceRows rows = new AcceptanceRows();
        ForwardBatch batch = new ForwardBatch();
        rows.reset(1, VOCAB);
        batch.add(target.newCache(8), new int[] {1, 0, 0}, 0, 3, 3);
        rows.add(2, new int[] {0, 1}, null, GREEDY, rng, new int[3]);
        sampler.verify(batch, rows);
        assertEquals(1, rows.accepted[0], "argmax of P is 0: the first draft stays, the second (1) does not");
        assertArrayEquals(new int[] {0, 0}, Arrays.copyOf(rows.out[0], 2));
        assertEquals(new SplittableRandom(5).nextLong(), rng.nextLong(), "a greedy row consumed random draws");
    }

    // ------------------------------------------------------------------ sampled

    @Test
    void everyDraftIsAcceptedWhenPEqualsQ() {
        float[] lg = logits(P, P, P, P);
        Block block = new Block(lg, qEqualToP(lg, 3), 3, 1);
        for (int t = 0; t < 2_000; t++) {
            assertEquals(3, block.verify(), "trial " + t);
            assertArrayEquals(block.drafts, Arrays.copyOf(block.out, 3));
        }
    }

    @Test
    void everyDraftIsRejectedWhenPAndQAreDisjoint() {
        double[] low = {0.4, 0.3, 0.2, 0.1, 0, 0, 0, 0};
        double[] high = {0, 0, 0, 0, 0.25, 0.25, 0.25, 0.25};
        Block block = new Block(logits(low, low, low), repeat(high, 2), 2, 3);
        long[] recovered = new long[VOCAB];
        for (int t = 0; t < TRIALS; t++) {
            assertEquals(0, block.verify());
            recovered[block.out[0]]++;
        }
        // norm(max(0, p - q)) is p itself when they share no token.
        assertFollows(recovered, low, "recovered tokens of disjoint p and q");
    }

    @Test
    void theBonusTokenIsSampledFromTheLastTargetDistributionWhenAllAreAccepted() {
        double[] bonus = {0.05, 0.05, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2};
        float[] lg = logits(P, P, bonus);
        Block block = new Block(lg, qEqualToP(lg, 2), 2, 5);
        long[] bonusCounts = new long[VOCAB];
        for (int t = 0; t < TRIALS; t++) {
            assertEquals(2, block.verify());
            bonusCounts[block.out[2]]++;
        }
        assertFollows(bonusCounts, bonus, "bonus tokens");
    }

    @Test
    void aRejectedDraftIsReplacedByADrawFromTheResidualDistribution() {
        Block block = new Block(logits(P, P), repeat(Q, 1), 1, 7);
        long[] recovered = new long[VOCAB];
        for (int t = 0; t < TRIALS * 2; t++) {
            if (block.verify() == 0) {
                recovered[block.out[0]]++;
            }
        }
        double[] expected = residual(P, Q);
        for (int t = 0; t < VOCAB; t++) {
            if (expected[t] == 0) {
                assertEquals(0, recovered[t], "token " + t + " has no residual mass but was recovered");
            }
        }
        assertFollows(recovered, expected, "recovered tokens vs norm(max(0, p - q))");
    }

    @Test
    void acceptanceRateIsTheOverlapOfPAndQ() {
        // Leviathan et al. 2023, Definition 3.1 / Corollary 3.6: alpha = E[min(1, p/q)] = sum of min(p, q).
        double alpha = 0;
        for (int t = 0; t < VOCAB; t++) {
            alpha += Math.min(P[t], Q[t]);
        }
        Block block = new Block(logits(P, P), repeat(Q, 1), 1, 9);
        int accepted = 0;
        for (int t = 0; t < TRIALS; t++) {
            accepted += block.verify();
        }
        double sd = Math.sqrt(alpha * (1 - alpha) / TRIALS);
        assertEquals(alpha, accepted / (double) TRIALS, 4 * sd);
    }

    @Test
    void emittedTokensHaveTheTargetDistributionAtEveryPosition() {
        // Different targets per position, one draft distribution: whatever is accepted or
        // recovered, the token emitted at position j is distributed as p_j.
        double[] p1 = {0.02, 0.05, 0.08, 0.1, 0.1, 0.15, 0.2, 0.3};
        double[] p2 = {0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125};
        Block block = new Block(logits(P, p1, p2), repeat(Q, 2), 2, 11);
        long[][] counts = new long[3][VOCAB];
        for (int t = 0; t < TRIALS * 2; t++) {
            int accepted = block.verify();
            for (int j = 0; j <= accepted; j++) {
                counts[j][block.out[j]]++;
            }
        }
        assertFollows(counts[0], P, "position 0");
        assertFollows(counts[1], p1, "position 1");
        assertFollows(counts[2], p2, "position 2 (the bonus)");
    }

    @Test
    void theSameGeneratorStateGivesTheSameDecisions() {
        float[] lg = logits(P, P, P, P);
        float[] q = repeat(Q, 3);
        int[] drafts = {4, 5, 6};
        int[] a = new int[4];
        int[] b = new int[4];
        RejectionSampler sampler = new RejectionSampler(new FixedLogits(lg));
        for (long seed = 0; seed < 50; seed++) {
            int na = sampler.verifySampled(lg, 0, VOCAB, drafts, 3, q, VOCAB, SAMPLED, new SplittableRandom(seed), a);
            int nb = sampler.verifySampled(lg, 0, VOCAB, drafts, 3, q, VOCAB, SAMPLED, new SplittableRandom(seed), b);
            assertEquals(na, nb);
            assertArrayEquals(Arrays.copyOf(a, na + 1), Arrays.copyOf(b, nb + 1));
        }
    }

    // ------------------------------------------------------------------ as the host verifier

    @Test
    void verifyDecidesEveryRowFromItsOwnLogitRows() {
        double[] at5 = {0, 0, 0, 0, 0, 1, 0, 0};
        double[] at2 = {0, 0, 1, 0, 0, 0, 0, 0};
        double[] at7 = {0, 0, 0, 0, 0, 0, 0, 1};
        // Row 0: k = 1 (2 logit rows), row 1: k = 0 (1 row), row 2: k = 2 (3 rows).
        FixedLogits target = new FixedLogits(logits(at5, at2, at7, at2, at5, at7));
        RejectionSampler sampler = new RejectionSampler(target);
        ForwardBatch batch = new ForwardBatch();
        AcceptanceRows rows = new AcceptanceRows();
        rows.reset(3, VOCAB);
        int[][] drafts = {{5}, {}, {2, 0}};
        for (int[] d : drafts) {
            int[] tokens = new int[d.length + 1];
            System.arraycopy(d, 0, tokens, 1, d.length);
            batch.add(target.newCache(8), tokens, 0, tokens.length, tokens.length);
            rows.add(d.length, d, null, GREEDY, null, new int[d.length + 1]);
        }
        sampler.verify(batch, rows);
        assertEquals(1, rows.accepted[0]);
        assertArrayEquals(new int[] {5, 2}, rows.out[0]);
        assertEquals(0, rows.accepted[1]);
        assertArrayEquals(new int[] {7}, rows.out[1]);
        assertEquals(1, rows.accepted[2]);
        assertArrayEquals(new int[] {2, 5, 0}, rows.out[2]);
        for (int r = 0; r < 3; r++) {
            assertFalse(rows.nanLogits[r]);
        }
    }

    @Test
    void aRowWithNaNLogitsIsMarkedAndItsNeighboursAreStillDecided() {
        float[] lg = logits(P, P, P);
        lg[VOCAB + 3] = Float.NaN;
        FixedLogits target = new FixedLogits(lg);
        RejectionSampler sampler = new RejectionSampler(target);
        ForwardBatch batch = new ForwardBatch();
        AcceptanceRows rows = new AcceptanceRows();
        rows.reset(3, VOCAB);
        for (int r = 0; r < 3; r++) {
            batch.add(target.newCache(8), new int[] {1}, 0, 1, 1);
            rows.add(0, new int[0], null, GREEDY, null, new int[1]);
        }
        sampler.verify(batch, rows);
        assertFalse(rows.nanLogits[0]);
        assertTrue(rows.nanLogits[1]);
        assertFalse(rows.nanLogits[2]);
        assertEquals(0, rows.out[0][0]);
        assertEquals(0, rows.out[2][0]);
    }

    @Test
    void rowsThatDoNotDescribeTheBatchAreRefused() {
        FixedLogits target = new FixedLogits(logits(P, P, P));
        RejectionSampler sampler = new RejectionSampler(target);
        ForwardBatch batch = new ForwardBatch();
        batch.add(target.newCache(8), new int[] {1, 2}, 0, 2, 1);
        AcceptanceRows rows = new AcceptanceRows();
        rows.reset(1, VOCAB);
        rows.add(1, new int[] {2}, null, GREEDY, null, new int[2]);
        assertThrows(IllegalArgumentException.class, () -> sampler.verify(batch, rows), "k = 1 needs 2 logit rows");
    }
}
