package org.specdec.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.specdec.engine.GenerationResult;
import org.specdec.job.stats.RunStatistics;

/** Tenths of a run's rows in finishing order, with their tokens/s and what was sampled meanwhile. */
class SteadyStateTableTest {

    static final long T0 = 1_700_000_000L; // epoch seconds of the first finished row

    /** {@code rowsPerSecond} rows of 16 tokens and 16 target passes of 5 ms each, in each second from {@code from}. */
    static void finish(RunStatistics stats, long from, long seconds, int rowsPerSecond, double msPerPass) {
        for (long s = from; s < from + seconds; s++) {
            for (int i = 0; i < rowsPerSecond; i++) {
                String id = s + "-" + i;
                stats.add(id, new GenerationResult(id, "x", null, "length", null, 4, 16, 16, 0, 0, null, 1.0,
                        new int[0], 0, 1, 2, 0, 8, 0, 16 * msPerPass, "cpu", "t", null, 0, 1, 0), "0", "0",
                        (T0 + s) * 1000 + 1000L * i / rowsPerSecond);
            }
        }
    }

    @Test
    void aRunThatSlowsDownHalfwayShowsItInItsLastTenthsAndFailsTheVerdict() {
        RunStatistics stats = new RunStatistics();
        finish(stats, 0, 50, 100, 5.0);   // 5,000 rows at 1,600 tokens/s
        finish(stats, 50, 100, 50, 7.5);  // 5,000 rows at 800 tokens/s, passes 1.5x as long
        List<ExecutorMemorySamples.Sample> memory = List.of(
                new ExecutorMemorySamples.Sample((T0 + 10) * 1000, "0", 100L << 20, 300L << 20, 0),
                new ExecutorMemorySamples.Sample((T0 + 140) * 1000, "0", 200L << 20, 310L << 20, 0));
        List<HostCpuSampler.Sample> host = List.of(new HostCpuSampler.Sample((T0 + 10) * 1000, 2.0, 0.0),
                new HostCpuSampler.Sample((T0 + 140) * 1000, 1.3, 0.7));
        List<ControlProbe.Sample> probe = List.of(new ControlProbe.Sample((T0 + 140) * 1000, 4.0, 2.5, 9.0));
        List<SteadyStateTable.Share> shares = SteadyStateTable.shares(stats.timeline(), 10, memory, host, probe);

        assertEquals(10, shares.size());
        for (int i = 0; i < 10; i++) {
            SteadyStateTable.Share s = shares.get(i);
            assertEquals(1000, s.rows());
            assertEquals(16_000, s.tokens());
            assertEquals(i < 5 ? 1600 : 800, s.tokensPerS(), 1e-6, "share " + (i + 1));
            assertEquals(i < 5 ? 5.0 : 7.5, s.msPerTargetPass(), 1e-9);
            assertEquals(i < 5 ? 10.0 * i : 50 + 20.0 * (i - 5), s.startS(), 1e-9);
        }
        assertEquals(100, shares.get(1).heapMb(), 1e-9, "the sample at 10 s is in the second tenth");
        assertEquals(310, shares.get(9).rssMb(), 1e-9);
        assertEquals(0.7, shares.get(9).otherCores(), 1e-9);
        assertEquals(4.0, shares.get(9).probeWallMs(), 1e-9);
        assertEquals(9.0, shares.get(9).probeMemoryMs(), 1e-9);
        assertTrue(Double.isNaN(shares.get(0).heapMb()), "nothing sampled in the first tenth");

        SteadyStateTable.Verdict v = SteadyStateTable.verdict(shares);
        assertEquals(1600, v.first(), 1e-6);
        assertEquals((4 * 1600 + 4 * 800) / 8.0, v.middle(), 1e-6);
        assertEquals(800 / 1200.0, v.lastToMiddle(), 1e-9);
        assertFalse(v.steady(0.10));
        assertTrue(SteadyStateTable.markdown(shares, memory).contains("last within 10% of the middle: NO"));
    }

    @Test
    void anEvenRunIsSteadyAndSharesSplitInsideASecond() {
        RunStatistics stats = new RunStatistics();
        finish(stats, 0, 33, 30, 5.0); // 990 rows: tenths of 99 rows end inside seconds
        List<SteadyStateTable.Share> shares = SteadyStateTable.shares(stats.timeline(), 10, List.of(), List.of(),
                List.of());
        for (SteadyStateTable.Share s : shares) {
            assertEquals(99, s.rows());
            assertEquals(99 * 16, s.tokens());
            assertEquals(30 * 16, s.tokensPerS(), 1e-6);
            assertEquals(3.3, s.endS() - s.startS(), 1e-9);
        }
        assertTrue(SteadyStateTable.verdict(shares).steady(0.10));
    }
}
