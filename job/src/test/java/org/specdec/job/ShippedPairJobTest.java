package org.specdec.job;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.udf.LocalSpark;

/**
 * Job tests in local mode on the model pair the repository ships (models/sotu-target with
 * models/sotu-draft): one session per test class, each test in its own directory.
 */
abstract class ShippedPairJobTest {

    static SparkSession spark;
    static Path model;
    static Path draft;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        model = LocalJob.target();
        draft = LocalJob.draft();
        spark = LocalSpark.start();
    }

    @AfterAll
    static void stopSpark() {
        LocalSpark.stop(spark);
    }
}
