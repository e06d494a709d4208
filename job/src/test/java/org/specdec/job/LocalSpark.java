package org.specdec.job;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.specdec.testing.Fixtures;

/** A small local-mode session bound to 127.0.0.1, and the model pair the repository ships. */
final class LocalSpark {

    private LocalSpark() {
    }

    static SparkSession start() {
        return SparkSession.builder().master("local[2]").appName("specdec-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.executor.heartbeatInterval", "2s")
                .config("spark.sql.extensions", "org.specdec.udf.SpecdecSqlExtensions")
                .getOrCreate();
    }

    /** The trained target the repository ships (models/sotu-target: 4096 tokens, 256 positions, BOS = 1). */
    static Path target() {
        return Fixtures.shippedModel("sotu-target");
    }

    /** The trained draft shipped with it (models/sotu-draft, same vocabulary). */
    static Path draft() {
        return Fixtures.shippedModel("sotu-draft");
    }
}
