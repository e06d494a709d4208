package org.specdec.job.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.specdec.job.stats.RunStatistics;

/** The acceptance histogram says how many of the run's rows it holds: only rows that drafted have a rate. */
class RunReportChartsTest {

    @Test
    void theAcceptanceHistogramNamesTheRowsItCovers() {
        RunStatistics stats = ReportFixtures.runStatistics(); // 20 rows, the 3 error rows drafted nothing
        String svg = RunReport.acceptanceDistribution(stats.acceptance(), stats.rows());
        assertTrue(svg.contains("<figcaption>Acceptance rate across the 17 of 20 rows that drafted</figcaption>"), svg);
        String all = RunReport.acceptanceDistribution(stats.acceptance(), 17);
        assertTrue(all.contains("<figcaption>Acceptance rate across rows (all 17)</figcaption>"), all);
    }
}
