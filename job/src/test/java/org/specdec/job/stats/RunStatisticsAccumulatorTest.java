package org.specdec.job.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.engine.GenerationResult;

/**
 * The driver's statistics count each written row once, also when a task attempt gathered rows
 * and then failed: as in the job, rows are gathered in the result stage of a file write.
 */
class RunStatisticsAccumulatorTest {
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2,3]").appName("specdec-accumulator-test") // 3 attempts per task
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** Gathers every row; the first attempt of partition 1 fails after gathering all of its rows. */
    static final class GatherThenFailOnce implements MapPartitionsFunction<Long, String> {
        private static final long serialVersionUID = 1L;
        private final RunStatisticsAccumulator stats;

        GatherThenFailOnce(RunStatisticsAccumulator stats) {
            this.stats = stats;
        }

        @Override
        public Iterator<String> call(Iterator<Long> input) {
            TaskContext ctx = TaskContext.get();
            List<String> out = new ArrayList<>();
            while (input.hasNext()) {
                long v = input.next();
                String id = "row-" + v;
                stats.addRow(id, new GenerationResult(id, "x", null, "length", null, 1, (int) v, 1, 0, 0, null, 1.0,
                        new int[0], 0, 1, 2, 0, 1, 0, 1, "cpu", "t", null, 0, 1, 0), "driver", null, 0);
                out.add(id);
            }
            if (ctx.partitionId() == 1 && ctx.attemptNumber() == 0) {
                throw new IllegalStateException("first attempt of partition 1 fails after gathering its rows");
            }
            return out.iterator();
        }
    }

    @Test
    void aFailedAttemptsRowsAreNotCountedAndItsRetryCountsOnce() {
        RunStatisticsAccumulator stats = RunStatisticsAccumulator.register(spark.sparkContext());
        spark.range(0, 40).repartition(4).as(Encoders.LONG())
                .mapPartitions(new GatherThenFailOnce(stats), Encoders.STRING())
                .write().text(dir.resolve("out").toString());
        assertEquals(40, spark.read().text(dir.resolve("out").toString()).count(), "rows written");
        assertEquals(40, stats.value().rows(), "rows gathered: each written row once");
        assertEquals(40 * 39 / 2, stats.value().generatedTokens());
    }

    /** The executor's heartbeat may ask a task's copy while it is still being deserialized. */
    @Test
    void aCopyWhoseFieldsAreNotYetReadIsZero() throws Exception {
        RunStatisticsAccumulator a = new RunStatisticsAccumulator();
        java.lang.reflect.Field stats = RunStatisticsAccumulator.class.getDeclaredField("stats");
        stats.setAccessible(true);
        stats.set(a, null); // as between AccumulatorV2.readObject (which registers it) and this class's fields
        assertTrue(a.isZero());
    }
}
