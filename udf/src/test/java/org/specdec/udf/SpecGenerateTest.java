package org.specdec.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.specdec.engine.EngineSettings;
import org.specdec.testing.Fixtures;
import org.specdec.udf.executor.ExecutorEngines;
import org.specdec.udf.executor.OutputSchema;

/**
 * {@code spec_generate} in a local session with the pair the repository ships: the struct it
 * returns, one model load for every call, and bad input as an error struct, never a failed query.
 */
class SpecGenerateTest {

    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalSpark.start();
        // The extension registered the function already; a program's own registration must work too.
        SpecGenerate.register(spark);
        spark.conf().set(EngineSettings.TARGET.sqlKey(), Fixtures.shippedModel("sotu-target").toString());
        spark.conf().set(EngineSettings.DRAFT.sqlKey(), Fixtures.shippedModel("sotu-draft").toString());
        spark.conf().set(EngineSettings.K.sqlKey(), "3");
        spark.conf().set(EngineSettings.THREADS.sqlKey(), "1");
        spark.conf().set(EngineSettings.DRAFT_SWITCH.sqlKey(), "false");
    }

    @AfterAll
    static void stop() {
        LocalSpark.stop(spark);
    }

    @Test
    void returnsTheOutputStructForEachPrompt() {
        List<Row> rows = spark.sql("SELECT p, spec_generate(p, 6) AS g FROM VALUES "
                + "('The Congress'), ('We the people'), ('') AS t(p) ORDER BY p").collectAsList();
        assertEquals(3, rows.size());
        assertEquals(OutputSchema.sqlStruct(), rows.get(0).getStruct(1).schema());
        for (Row r : rows) {
            Row g = r.getStruct(1);
            String prompt = r.getString(0);
            if (prompt.isEmpty()) {
                assertNotNull(g.getAs("error"), "an empty prompt is an error row");
                assertEquals("error", g.getAs("finish_reason"));
                assertNull(g.getAs("generated_text"));
                continue;
            }
            assertNull(g.getAs("error"), prompt);
            assertNotNull(g.getAs("generated_text"), prompt);
            int generated = g.<Integer>getAs("generated_tokens");
            assertTrue(generated >= 1 && generated <= 6, prompt + ": " + generated);
            assertEquals(generated, g.getList(g.fieldIndex("generated_token_ids")).size());
            assertTrue(g.<Integer>getAs("draft_tokens") > 0, "the shipped draft proposes tokens");
            assertEquals("cpu", g.getAs("device"));
            assertTrue(g.<String>getAs("target_model").startsWith("sotu-target@"));
            assertTrue(g.<String>getAs("draft_model").startsWith("sotu-draft@"));
        }
        assertEquals(1, ExecutorEngines.loadCount(), "one engine for every call of the executor");
    }

    @Test
    void tokenIdPromptsAndTheirErrors() {
        List<Row> rows = spark.sql("SELECT spec_generate(array(1, 40, 50), 4).error AS ok, "
                + "spec_generate(array(1, 99999), 4).error AS out_of_vocabulary").collectAsList();
        assertNull(rows.get(0).get(0));
        String error = rows.get(0).getString(1);
        assertNotNull(error, "a token id past the vocabulary is an error row");
        assertTrue(!error.contains("\n"), "one line: " + error);
    }

    @Test
    void wrongArgumentCountNamesTheSignature() {
        Exception e = assertThrows(Exception.class, () -> spark.sql("SELECT spec_generate()").collect());
        assertTrue(String.valueOf(e.getMessage()).contains("prompt [, max_tokens [, temperature]]"), e.getMessage());
    }
}
