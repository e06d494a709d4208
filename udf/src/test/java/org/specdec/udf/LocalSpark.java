package org.specdec.udf;

import org.apache.spark.sql.SparkSession;
import org.specdec.udf.executor.ExecutorEngines;

/**
 * A small local-mode session for tests (the udf's and, through its test-jar, the job's): bound to
 * 127.0.0.1, no UI, {@code spec_generate} registered by the SQL extension as a cluster would.
 */
public final class LocalSpark {

    private LocalSpark() {
    }

    public static SparkSession start() {
        return SparkSession.builder().master("local[2]").appName("specdec-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.extensions", SpecdecSqlExtensions.class.getName())
                .getOrCreate();
    }

    /** Stops the session and closes the engines its tasks loaded in this JVM. */
    public static void stop(SparkSession spark) {
        if (spark != null) {
            spark.stop();
        }
        ExecutorEngines.closeAll();
    }
}
