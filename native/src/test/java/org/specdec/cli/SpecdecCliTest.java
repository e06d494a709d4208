package org.specdec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.testing.SyntheticPair;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runtime's commands, run in-process the way the launcher runs them. */
class SpecdecCliTest {
    private final CliCapture cli = new CliCapture();

    @Test
    void generateJsonPrintsOneObjectPerPromptWithTheSchemaFieldNames() throws Exception {
        int code = cli.run("generate", "--target", SyntheticPair.target().toString(), "--draft",
                SyntheticPair.independentDraft().toString(), "--k", "3", "--prompt", "the cat", "--prompt-ids", "1,5,9",
                "--max-tokens", "6", "--json", "--threads", "1");
        assertEquals(0, code, cli.err.toString());
        String[] lines = cli.out.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertEquals(2, lines.length);
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode n = json.readTree(line);
            for (String field : new String[] {"id", "generated_text", "generated_token_ids", "finish_reason", "error",
                    "prompt_tokens", "generated_tokens", "spec_steps", "draft_tokens", "accepted_tokens",
                    "acceptance_rate", "mean_acceptance_length", "acceptance_by_position", "k", "ttft_ms",
                    "latency_ms", "queue_ms", "tokens_per_s", "draft_ms", "target_ms", "device", "target_model",
                    "draft_model", "temperature", "top_p", "seed"}) {
                assertTrue(n.has(field), "missing " + field + " in " + line);
            }
            assertEquals(6, n.get("generated_tokens").asInt());
            assertEquals(6, n.get("generated_token_ids").size());
        }
    }

    @Test
    void makeModelThenGenerateWithItsSelfDraft(@TempDir Path dir) {
        Path model = dir.resolve("m");
        assertEquals(0, cli.run("make-model", "--preset", "tiny", "--seed", "3", "--dtype", "bf16", "--out", model.toString()),
                cli.err.toString());
        assertTrue(Files.exists(model.resolve("model.safetensors")));
        assertEquals(0, cli.run("generate", "--target", model.toString(), "--self-draft", "2", "--k", "2", "--prompt",
                "hello world", "--max-tokens", "5"), cli.err.toString());
        assertTrue(cli.out.toString().contains("generated=5"), cli.out.toString());
    }

    @Test
    void checkPairReportsCompatibleAndIncompatiblePairs(@TempDir Path dir) {
        assertEquals(0, cli.run("check-pair", "--target", SyntheticPair.target().toString(), "--draft",
                SyntheticPair.independentDraft().toString()), cli.err.toString());
        assertTrue(cli.out.toString().contains("compatible"));
        Path other = dir.resolve("small");
        assertEquals(0, cli.run("make-model", "--preset", "small", "--seed", "1", "--out", other.toString()));
        cli.out.reset();
        assertEquals(1, cli.run("check-pair", "--target", SyntheticPair.target().toString(), "--draft", other.toString()));
        assertTrue(cli.out.toString().contains("INCOMPATIBLE"), cli.out.toString());
    }

    @Test
    void gemmComparesTheKernelsForEveryBatchAndRefusesOtherDtypes() {
        assertEquals(0, cli.run("gemm", "--rows", "64", "--cols", "96", "--dtype", "bf16", "--batch", "3,40",
                "--seconds", "0.01", "--rounds", "1"));
        String table = cli.out.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("gemm: BF16 64 x 96"), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("| 3 | ")) && table.lines().anyMatch(l -> l.startsWith("| 40 | ")),
                table);
        assertEquals(2, cli.run("gemm", "--dtype", "q4"));
    }

    @Test
    void badArgumentsExitWithUsageErrors() {
        assertEquals(2, cli.run("generate", "--target", "/nonexistent/model", "--prompt", "x"));
        assertTrue(cli.err.toString().contains("/nonexistent/model"), cli.err.toString());
        assertEquals(2, cli.run("frobnicate"));
        assertEquals(2, cli.run("generate", "--bogus"));
    }
}
