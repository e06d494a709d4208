package org.specdec.job;

import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;
import org.specdec.engine.GenerationResult;

/**
 * Accumulators the partition runner bumps per row. The driver's {@link ProgressReporter} reads
 * them from executor heartbeats (running tasks) and task ends, for the live progress line only:
 * the summary is computed from the written output, which retries cannot double count.
 */
public final class ProgressCounters implements Serializable {

    private static final long serialVersionUID = 1L;
    static final String PREFIX = "specdec.";

    final LongAccumulator rows;
    final LongAccumulator errors;
    final LongAccumulator generatedTokens;
    final LongAccumulator draftTokens;
    final LongAccumulator acceptedTokens;

    ProgressCounters(SparkContext sc) {
        rows = sc.longAccumulator(PREFIX + "rows");
        errors = sc.longAccumulator(PREFIX + "errors");
        generatedTokens = sc.longAccumulator(PREFIX + "generated_tokens");
        draftTokens = sc.longAccumulator(PREFIX + "draft_tokens");
        acceptedTokens = sc.longAccumulator(PREFIX + "accepted_tokens");
    }

    void add(GenerationResult r) {
        rows.add(1);
        if (r.isError()) {
            errors.add(1);
        }
        generatedTokens.add(r.generatedTokens());
        draftTokens.add(r.draftTokens());
        acceptedTokens.add(r.acceptedTokens());
    }
}
