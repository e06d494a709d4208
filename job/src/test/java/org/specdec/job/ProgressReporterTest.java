package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.specdec.engine.GenerationResult;
import org.specdec.job.stats.RunStatisticsAccumulator;
import org.specdec.udf.LocalSpark;

/**
 * In local mode the progress line counts the rows of running tasks as soon as they finish, without
 * waiting for an executor heartbeat (Spark's default interval, 10 s, is longer than this test), and
 * its rate is over the time since the first task began decoding.
 */
class ProgressReporterTest {

    static final int ROWS = 8;
    static final int TOKENS_PER_ROW = 3;
    /** Static: in local mode the tasks run in this JVM and wait here until the test has looked. */
    static final CountDownLatch RELEASE = new CountDownLatch(1);

    /** Adds every row of its partition to the statistics, then waits (still running) until released. */
    static final class GatherThenWait implements MapPartitionsFunction<Long, String> {
        private static final long serialVersionUID = 1L;
        private final RunStatisticsAccumulator stats;

        GatherThenWait(RunStatisticsAccumulator stats) {
            this.stats = stats;
        }

        @Override
        public Iterator<String> call(Iterator<Long> input) throws Exception {
            stats.taskStarted(System.currentTimeMillis());
            Thread.sleep(100); // some decoding time: a rate over 0 s would mean nothing
            List<String> out = new ArrayList<>();
            while (input.hasNext()) {
                String id = "row-" + input.next();
                stats.addRow(id, new GenerationResult(id, "x", null, "length", null, 1, TOKENS_PER_ROW, 1, 0, 0, null,
                        1.0, new int[0], 0, 1, 2, 0, 1, 0, 1, "cpu", "t", null, 0, 1, 0), "driver", null,
                        System.currentTimeMillis());
                out.add(id);
            }
            if (!RELEASE.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the task");
            }
            return out.iterator();
        }
    }

    @Test
    void rowsOfRunningTasksShowBeforeAnyTaskEnds() throws Exception {
        SparkSession spark = LocalSpark.start();
        RunStatisticsAccumulator stats = RunStatisticsAccumulator.register(spark.sparkContext());
        ProgressReporter progress = new ProgressReporter(stats, ROWS, 0, System.err);
        spark.sparkContext().addSparkListener(progress);
        try {
            assertTrue(progress.line().contains("0/8 rows") && progress.line().contains("waiting for the first task"),
                    progress.line());
            CompletableFuture<List<String>> job = CompletableFuture.supplyAsync(() -> spark.range(0, ROWS, 1, 2)
                    .as(Encoders.LONG()).mapPartitions(new GatherThenWait(stats), Encoders.STRING()).collectAsList());
            String line = progress.line();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!line.startsWith("specdec: 8/8 rows") && System.nanoTime() < deadline) {
                Thread.sleep(50);
                line = progress.line();
            }
            assertTrue(line.startsWith("specdec: 8/8 rows (100%)"), "both tasks still run: " + line);
            assertFalse(job.isDone(), "no task has ended yet");
            assertTrue(line.contains("| 24 tokens in "), line);
            assertFalse(line.contains(" 0.0 tok/s"), line);
            RELEASE.countDown();
            assertEquals(ROWS, job.get(120, TimeUnit.SECONDS).size());
            // The ended tasks now count through their end events, once.
            long deadlineEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!progress.line().contains("| 24 tokens in ") && System.nanoTime() < deadlineEnd) {
                Thread.sleep(50);
            }
            assertTrue(progress.line().startsWith("specdec: 8/8 rows"), progress.line());
            assertTrue(progress.line().contains("| 24 tokens in "), progress.line());
        } finally {
            RELEASE.countDown();
            spark.sparkContext().removeSparkListener(progress);
            progress.close();
        }
    }
}
