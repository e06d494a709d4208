package org.specdec.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.testing.Fixtures;
import org.specdec.tokenizer.TextTokenizer;

/** The bench's real prompts: the job's JSON-lines input, text through the target's tokenizer. */
class BenchPromptsTest {
    @TempDir
    Path dir;

    @Test
    void textAndTokenIdPromptsAreReadInFileOrder() throws Exception {
        Path target = Fixtures.shippedModel("sotu-target");
        Path file = dir.resolve("p.jsonl");
        Files.writeString(file, """
                {"id": "a", "prompt": "We the people"}

                {"id": "b", "prompt_token_ids": [1, 17, 300]}
                {"prompt": "The Congress"}
                """);
        List<int[]> prompts = BenchPrompts.read(file, target);
        assertEquals(3, prompts.size());
        try (TextTokenizer t = TextTokenizer.open(target)) {
            assertArrayEquals(t.encode("We the people"), prompts.get(0));
            assertArrayEquals(t.encode("The Congress"), prompts.get(2));
        }
        assertArrayEquals(new int[] {1, 17, 300}, prompts.get(1));
    }

    @Test
    void aLineWithoutAPromptIsAnErrorNamingFileAndLine() throws Exception {
        Path target = Fixtures.shippedModel("sotu-target");
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"prompt\": \"ok\"}\n{\"prompt\": \"\"}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchPrompts.read(file, target));
        assertTrue(e.getMessage().contains("bad.jsonl line 2") && e.getMessage().contains("no prompt"),
                e.getMessage());
        Files.writeString(file, "{\"prompt_token_ids\": [1, \"x\"]}\n");
        e = assertThrows(IllegalArgumentException.class, () -> BenchPrompts.read(file, target));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("not a token id"), e.getMessage());
        Files.writeString(file, "not json\n");
        e = assertThrows(IllegalArgumentException.class, () -> BenchPrompts.read(file, target));
        assertTrue(e.getMessage().contains("line 1: not JSON"), e.getMessage());
    }
}
