package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.specdec.job.stats.RunStatistics;

/** The summary shows the draft length actually used: draft tokens per target pass. */
class SummaryMeanKTest {

    private static JobSummary summary(long specSteps, long draftTokens) {
        return new JobSummary("out", 2, 0, 2, 0, 10, 30, specSteps, draftTokens, draftTokens / 2, 10, 20, 5, 1, 1,
                List.of(), List.of("cpu"), 1.0, 0.05, 0, new RunStatistics());
    }

    @Test
    void meanKIsDraftTokensPerTargetPass() {
        JobSummary s = summary(10, 24);
        assertEquals(2.4, s.meanK(), 1e-12);
        assertTrue(s.render().contains("draft length        mean k 2.40 per target pass"), s.render());
        assertTrue(s.toJson().contains("\"mean_k\" : 2.4"), s.toJson());
        assertTrue(s.reportRows().stream().anyMatch(r -> r.get(1).equals("2.40")));
    }

    @Test
    void withoutPassesThereIsNoMeanK() {
        JobSummary s = summary(0, 0);
        assertEquals(null, s.meanK());
        assertTrue(s.render().contains("draft length        -"), s.render());
    }
}
