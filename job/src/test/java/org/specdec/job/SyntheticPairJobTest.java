package org.specdec.job;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.testing.SyntheticPair;
import org.specdec.udf.LocalSpark;

/**
 * Job tests in local mode on a seeded synthetic pair with a word-level tokenizer (preset tiny,
 * seed 7; draft = the target's first 2 layers), made once per test class: text prompts work
 * without any model outside the build.
 */
abstract class SyntheticPairJobTest {

    static SparkSession spark;
    static Path target;
    static Path draft;

    @TempDir
    static Path models;

    @TempDir
    Path dir;

    @BeforeAll
    static void makePairAndStartSpark() {
        target = models.resolve("tiny-target");
        draft = models.resolve("tiny-draft-l2");
        SyntheticPair.make("tiny", 7, target, draft);
        spark = LocalSpark.start();
    }

    @AfterAll
    static void stopSpark() {
        LocalSpark.stop(spark);
    }
}
