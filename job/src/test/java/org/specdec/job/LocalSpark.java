package org.specdec.job;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;

/** A small local-mode session bound to 127.0.0.1, and the shared fixtures. */
final class LocalSpark {

    private LocalSpark() {
    }

    static SparkSession start() {
        return SparkSession.builder().master("local[2]").appName("specdec-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.extensions", "org.specdec.udf.SpecdecSqlExtensions")
                .getOrCreate();
    }

    /** stories260K (trained Llama, no tokenizer: token-id prompts, BOS = 1); skips when ../shared is absent. */
    static Path stories260K() {
        String shared = System.getProperty("specdec.shared", "../shared");
        Path p = Path.of(shared, "fixtures", "stories260K").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isRegularFile(p.resolve("model.safetensors")), "no shared fixtures at " + p);
        return p;
    }
}
