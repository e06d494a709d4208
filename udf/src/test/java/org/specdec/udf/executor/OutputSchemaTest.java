package org.specdec.udf.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.specdec.engine.GenerationResult;
import org.specdec.engine.ResultJson;

/** The output table's columns, their order and types, and how a result fills a row of them. */
class OutputSchemaTest {

    /** Users read these names and this order; README documents them. */
    static final String JOB_SCHEMA = "struct<id:string,generated_text:string,generated_token_ids:array<int>,"
            + "finish_reason:string,error:string,prompt_tokens:int,generated_tokens:int,spec_steps:int,"
            + "draft_tokens:int,accepted_tokens:int,acceptance_rate:double,mean_acceptance_length:double,"
            + "acceptance_by_position:array<int>,k:double,ttft_ms:double,latency_ms:double,queue_ms:double,"
            + "tokens_per_s:double,draft_ms:double,target_ms:double,device:string,executor_id:string,"
            + "task_attempt:int,target_model:string,draft_model:string,temperature:double,top_p:double,seed:bigint>";

    static final TaskPlacement WHERE = new TaskPlacement(List.of("1"), "7", 2, 3, 4);

    static GenerationResult ok() {
        return new GenerationResult("r1", "hello", new int[] {5, 6, 7}, GenerationResult.FINISH_LENGTH, null, 4, 3,
                2, 4, 2, 0.5, 1.5, new int[] {2, 0}, 2.0, 1.0, 9.0, 0.5, 333.0, 3.0, 4.0, "cpu", "t@1", "d@2",
                0.7, 0.9, 42L);
    }

    @Test
    void jobSchemaHasEveryColumnInItsOrder() {
        assertEquals(JOB_SCHEMA, OutputSchema.jobSchema(true).catalogString());
        assertEquals(JOB_SCHEMA.replace("generated_token_ids:array<int>,", ""),
                OutputSchema.jobSchema(false).catalogString());
        assertEquals(JOB_SCHEMA.replace("struct<id:string,", "struct<"), OutputSchema.sqlStruct().catalogString());
    }

    @Test
    void jsonHasTheResultsColumnsInTheSameOrder() {
        List<String> keys = List.copyOf(ResultJson.toMap(ok()).keySet());
        List<String> columns = List.of(OutputSchema.jobSchema(true).fieldNames());
        assertEquals(columns.stream().filter(c -> !c.equals("executor_id") && !c.equals("task_attempt")).toList(),
                keys, "generate --json: the output columns a result knows");
    }

    @Test
    void jobRowTakesTheInputIdQueueTimeAndPlacement() {
        Row row = OutputSchema.jobRow("input-id", ok(), WHERE, 12.5, true);
        Row named = new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(
                toArray(row), OutputSchema.jobSchema(true));
        assertEquals("input-id", named.getAs("id"));
        assertEquals("hello", named.getAs("generated_text"));
        assertEquals(List.of(5, 6, 7), named.getList(named.fieldIndex("generated_token_ids")));
        assertEquals(List.of(2, 0), named.getList(named.fieldIndex("acceptance_by_position")));
        assertEquals(12.5, named.<Double>getAs("queue_ms"));
        assertEquals("cpu", named.getAs("device"), "the engine's device wins over the task's GPU");
        assertEquals("7", named.getAs("executor_id"));
        assertEquals(2, named.<Integer>getAs("task_attempt"));
        assertEquals(42L, named.<Long>getAs("seed"));
        assertEquals(0.5, named.<Double>getAs("acceptance_rate"));

        Row sql = OutputSchema.sqlRow(ok(), WHERE);
        assertEquals(OutputSchema.sqlStruct().size(), sql.size());
        assertEquals("hello", sql.get(0));
        assertEquals(0.5, sql.get(OutputSchema.sqlStruct().fieldIndex("queue_ms")), "the engine's queue time");
    }

    @Test
    void errorRowHasNullsWhereTheSchemaSaysSoAndKeepsItsSampling() {
        GenerationResult e = GenerationResult.error("bad", "prompt is empty", 0, null, "t@1", "d@2", 0.0, 1.0, 7L);
        Row row = OutputSchema.jobRow("bad", e, WHERE, 0, false);
        Row named = new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(
                toArray(row), OutputSchema.jobSchema(false));
        assertNull(named.getAs("generated_text"));
        assertEquals("error", named.getAs("finish_reason"));
        assertEquals("prompt is empty", named.getAs("error"));
        assertNull(named.getAs("acceptance_rate"));
        assertEquals(List.of(), named.getList(named.fieldIndex("acceptance_by_position")));
        assertEquals("cuda:1", named.getAs("device"), "no engine device: the task's");
        assertEquals(7L, named.<Long>getAs("seed"));
        assertNull(ResultJson.toMap(e).get("generated_token_ids"));
        assertArrayEquals(new int[0], (int[]) ResultJson.toMap(e).get("acceptance_by_position"));
    }

    @Test
    void oneLineFlattensMessages() {
        assertEquals("a b", OutputSchema.oneLine(new IllegalStateException("a\nb")));
        assertEquals("NullPointerException", OutputSchema.oneLine(new NullPointerException()));
    }

    private static Object[] toArray(Row row) {
        Object[] v = new Object[row.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = row.get(i);
        }
        return v;
    }
}
