package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.specdec.cli.SpecdecCli;

/**
 * Text prompts end to end on a seeded synthetic pair with a tokenizer (preset tiny, draft = the
 * target's first 2 layers): the job's greedy generated_text is what {@code generate --json}
 * prints, and {@code spec_generate(prompt)} through spark.sql returns the same generations.
 */
class SpecdecJobTextTest extends SyntheticPairJobTest {

    static final List<String> PROMPTS = List.of(
            "the old man said",
            "one day she went to the school",
            "a little boy and his father",
            "water is",
            "they made a house near the river and",
            "the children like to play in the sun with their dog");
    static final int MAX_TOKENS = 16;

    private Path writePrompts() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            lines.add(json.writeValueAsString(Map.of("id", "p" + i, "prompt", PROMPTS.get(i))));
        }
        Path in = dir.resolve("prompts.jsonl");
        Files.write(in, lines);
        return in;
    }

    private JobConfig config(Path in, Path out) {
        return LocalJob.config(target, draft, in, out, "output.token_ids=true", "sampling.max_tokens=" + MAX_TOKENS,
                "job.partitions=2");
    }

    /** id → output row of a job run over PROMPTS. */
    private Map<String, Row> runJob(Path in) {
        Path out = dir.resolve("out");
        JobSummary s = SpecdecJob.run(spark, config(in, out),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(PROMPTS.size(), s.rowsGenerated());
        assertEquals(0, s.rowsError());
        Map<String, Row> byId = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            byId.put(r.getAs("id"), r);
        }
        assertEquals(PROMPTS.size(), byId.size());
        return byId;
    }

    @Test
    void greedyGeneratedTextEqualsWhatGeneratePrints() throws Exception {
        Map<String, Row> job = runJob(writePrompts());

        List<String> args = new ArrayList<>(List.of("generate", "--target", target.toString(), "--draft",
                draft.toString(), "--k", "3", "--batch", "4", "--threads", "2", "--max-tokens",
                Integer.toString(MAX_TOKENS), "--json"));
        for (String p : PROMPTS) {
            args.add("--prompt");
            args.add(p);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SpecdecCli.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(PROMPTS.size(), lines.size(), out.toString(StandardCharsets.UTF_8));

        ObjectMapper json = new ObjectMapper();
        int nonEmpty = 0;
        for (int i = 0; i < PROMPTS.size(); i++) {
            JsonNode cli = json.readTree(lines.get(i));
            Row r = job.get("p" + i);
            assertNotNull(r, "p" + i);
            assertNull(r.getAs("error"), "p" + i);
            String text = r.getAs("generated_text");
            assertEquals(cli.get("generated_text").asText(), text, "generated_text of '" + PROMPTS.get(i) + "'");
            List<Integer> cliIds = new ArrayList<>();
            cli.get("generated_token_ids").forEach(n -> cliIds.add(n.asInt()));
            assertEquals(cliIds, r.getList(r.fieldIndex("generated_token_ids")), "token ids of p" + i);
            assertEquals(cli.get("prompt_tokens").asInt(), r.<Integer>getAs("prompt_tokens"), "p" + i);
            assertEquals(cli.get("finish_reason").asText(), r.getAs("finish_reason"), "p" + i);
            if (!text.isBlank()) {
                nonEmpty++;
            }
        }
        assertTrue(nonEmpty >= PROMPTS.size() / 2, "the tokenizer decodes readable text: " + job.values());
    }

    @Test
    void sqlFunctionOnTextPromptsReturnsTheSameGenerationsAsTheJob() throws Exception {
        Path in = writePrompts();
        Map<String, Row> job = runJob(in); // also points spark.specdec.* at the job's pair and max_tokens
        spark.read().json(in.toString()).createOrReplaceTempView("text_prompts");
        List<Row> sql = spark.sql("SELECT id, spec_generate(prompt) AS g FROM text_prompts").collectAsList();
        assertEquals(PROMPTS.size(), sql.size());
        for (Row r : sql) {
            String id = r.getAs("id");
            Row g = r.getStruct(1);
            assertNull(g.getAs("error"), id);
            Row j = job.get(id);
            assertEquals(j.<String>getAs("generated_text"), g.getAs("generated_text"), "generated_text of " + id);
            assertEquals(j.<Integer>getAs("generated_tokens"), g.<Integer>getAs("generated_tokens"), id);
            assertEquals(j.<String>getAs("draft_model"), g.<String>getAs("draft_model"), id);
            assertEquals(j.<String>getAs("target_model"), g.<String>getAs("target_model"), id);
        }
    }
}
