package org.specdec.job.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.specdec.engine.GenerationResult;

/** What a row contributes, how tasks' statistics merge, and the bounded parts. */
class RunStatisticsTest {

    static GenerationResult row(String id, int generated, int steps, int drafted, int accepted, int[] byPosition,
                                double ttft, double latency, String device) {
        return new GenerationResult(id, "t", null, "length", null, 3, generated, steps, drafted, accepted,
                drafted == 0 ? null : accepted / (double) drafted, generated / (double) steps, byPosition, 2.0, ttft,
                latency, 0.5, 100.0, 1.5, 4.0 * steps, device, "target", "draft", 0.0, 1.0, 1L);
    }

    static GenerationResult error(String id, String why) {
        return GenerationResult.error(id, why, 2, "cpu", "target", "draft", 0.0, 1.0, 1L);
    }

    @Test
    void aRowContributesItsCountsTimingsAcceptancePlacementAndFinishTime() {
        RunStatistics s = new RunStatistics();
        s.add("a", row("a", 10, 5, 8, 6, new int[] {4, 2}, 12, 50, "cpu"), "0", "1", 10_500);
        s.add("b", row("b", 4, 4, 0, 0, new int[0], 8, 30, "cpu"), "1", "0", 10_900);
        s.add("c", error("c", "prompt is empty"), "1", "0", 11_200);

        assertEquals(3, s.rows());
        assertEquals(1, s.errorRows());
        assertEquals(3 + 3 + 2, s.promptTokens());
        assertEquals(14, s.generatedTokens());
        assertEquals(9, s.specSteps());
        assertEquals(8, s.draftTokens());
        assertEquals(6, s.acceptedTokens());
        assertEquals(4.0 * 9, s.targetMs(), 1e-9);
        // Error rows were never timed: latency and TTFT are of a and b only.
        assertEquals(2, s.latencyMs().count());
        assertEquals(10, s.ttftMs().mean(), 1e-9);
        assertEquals(50, s.latencyMs().quantile(1));
        // a drafted (rate 0.75 -> bin 7); b did not and is in no bin; passes of drafting rows only.
        assertEquals(1, s.acceptance().rowsInBin(7));
        assertEquals(2, s.acceptance().positions());
        assertEquals(4 / 5.0, s.acceptance().acceptedShare(0), 1e-12);
        assertEquals(2 / 5.0, s.acceptance().acceptedShare(1), 1e-12);
        // Two executors, each pinned to its gpu, backend cpu.
        assertEquals(2, s.devices().executors());
        assertEquals(2, s.devices().devices());
        assertEquals(List.of("cpu"), s.devices().backends());
        assertEquals(List.of(new DeviceAssignments.Assignment("0", "1", "cpu", 1, 10),
                new DeviceAssignments.Assignment("1", "0", "cpu", 2, 4)), s.devices().assignments());
        assertEquals(Map.of("0", 10L, "1", 4L), s.devices().tokensByExecutor());
        // Rows finished in seconds 10 and 11.
        List<CompletionTimeline.Second> t = s.timeline().seconds();
        assertEquals(2, t.size());
        assertEquals(new CompletionTimeline.Second(10, 2, 14, 9, 36.0), t.get(0));
        assertEquals(new CompletionTimeline.Second(11, 1, 0, 0, 0.0), t.get(1));
        assertEquals(Map.of("c", "prompt is empty"), s.errors().firstById());
    }

    @Test
    void tasksMergeIntoWhatOneTaskWithAllTheirRowsWouldHaveGathered() throws Exception {
        RunStatistics one = new RunStatistics();
        RunStatistics merged = new RunStatistics();
        for (int task = 0; task < 4; task++) {
            RunStatistics t = new RunStatistics();
            for (int i = 0; i < 25; i++) {
                String id = "t" + task + "-" + i;
                GenerationResult r = i % 7 == 3 ? error(id, "cause " + (i % 2))
                        : row(id, 1 + i % 5, 1 + i % 3, i % 4, i % 4 / 2, new int[] {i % 4 / 2}, i, 10 + i * task,
                                "cpu");
                t.add(id, r, "e" + task % 2, null, 1000L * i);
                one.add(id, r, "e" + task % 2, null, 1000L * i);
            }
            merged.merge(roundTrip(t)); // as a task's update arrives: serialized
        }
        assertEquals(one.rows(), merged.rows());
        assertEquals(one.generatedTokens(), merged.generatedTokens());
        assertEquals(one.errorRows(), merged.errorRows());
        assertEquals(one.errors().topCauses(10), merged.errors().topCauses(10));
        assertEquals(one.errors().firstById(), merged.errors().firstById());
        for (double q : new double[] {0, 0.5, 0.95, 1}) {
            assertEquals(one.latencyMs().quantile(q), merged.latencyMs().quantile(q), 0.0);
        }
        assertEquals(one.devices().assignments(), merged.devices().assignments());
        assertEquals(2, merged.devices().devices(), "the CPUs of two executors without a gpu");
        assertEquals(one.timeline().seconds(), merged.timeline().seconds());
        assertEquals(one.acceptance().acceptedShare(0), merged.acceptance().acceptedShare(0), 0.0);
    }

    @Test
    void errorRowsKeepTheSmallestIdsAndBoundTheCauses() {
        RunStatistics s = new RunStatistics();
        int n = ErrorRows.MAX_CAUSES + 500;
        for (int i = n - 1; i >= 0; i--) {
            String id = String.format("id-%05d", i);
            s.add(id, error(id, "max_tokens '" + i + "' is not an integer"), "driver", null, 0);
        }
        assertEquals(n, s.errorRows());
        assertEquals(ErrorRows.FIRST_IDS, s.errors().firstById().size());
        assertEquals("id-00000", s.errors().firstById().keySet().iterator().next());
        assertTrue(s.errors().firstById().containsKey("id-00049"));
        assertEquals(500, s.errors().otherCauses(), "causes beyond the first 1000 distinct ones");
        assertEquals(10, s.errors().topCauses(10).size());
    }

    static RunStatistics roundTrip(RunStatistics s) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (RunStatistics) in.readObject();
        }
    }
}
