package org.specdec.engine;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.specdec.sampling.SamplingParams;
import org.specdec.testing.SyntheticPair;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Row-level behaviour of the engine on a synthetic pair with a word-level tokenizer. */
class EngineRowsTest {
    static GenerationEngine engine;

    @BeforeAll
    static void open() {
        engine = Engines.open(EngineSettings.builder().target(SyntheticPair.target())
                .draft(SyntheticPair.independentDraft()).k(3).maxK(3).maxBatch(4).device("cpu").threads(2)
                .maxContext(64).draftSwitch(false).build());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static SamplingParams greedy(int max) {
        return new SamplingParams(0, 0, 1, 0, max, List.of(), true);
    }

    @Test
    void badRowsBecomeErrorRowsAndGoodRowsStillFinish() {
        List<GenerationRequest> reqs = List.of(
                GenerationRequest.ofText("null", null, greedy(8)),
                GenerationRequest.ofText("empty", "", greedy(8)),
                GenerationRequest.ofText("long", "the ".repeat(200), greedy(8)),
                GenerationRequest.ofText("negative", "the cat", greedy(8).withMaxTokens(-1)),
                GenerationRequest.ofText("temp", "the cat", new SamplingParams(-1, 0, 1, 0, 8, List.of(), false)),
                GenerationRequest.ofTokens("badid", new int[] {1, 99999}, greedy(8)),
                GenerationRequest.ofText("good", "the cat", greedy(8)));
        List<GenerationResult> out = engine.generateAll(reqs);
        assertEquals(7, out.size());
        for (int i = 0; i < 6; i++) {
            GenerationResult r = out.get(i);
            assertEquals(reqs.get(i).id(), r.id());
            assertNotNull(r.error(), r.id());
            assertEquals("error", r.finishReason());
            assertNull(r.generatedText());
            assertFalse(r.error().contains("\n"), "one-line error: " + r.error());
        }
        assertTrue(out.get(0).error().contains("null"));
        assertTrue(out.get(1).error().contains("empty"));
        assertTrue(out.get(2).error().contains("context window"), out.get(2).error());
        assertTrue(out.get(3).error().contains("max_tokens"));
        assertTrue(out.get(4).error().contains("temperature"));
        assertTrue(out.get(5).error().contains("99999"));
        GenerationResult good = out.get(6);
        assertNull(good.error());
        assertEquals(8, good.generatedTokens());
        assertEquals("length", good.finishReason());
        assertFalse(good.generatedText().isBlank());
    }

    @Test
    void statisticsAreConsistent() {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            reqs.add(GenerationRequest.ofText("r" + i, "the man and the " + i,
                    new SamplingParams(i % 2 == 0 ? 0 : 0.8, 0, 0.95, i, 5 + i, List.of(), true)));
        }
        for (GenerationResult r : engine.generateAll(reqs)) {
            assertNull(r.error());
            assertTrue(r.generatedTokens() <= 5 + Integer.parseInt(r.id().substring(1)));
            assertTrue(r.acceptedTokens() <= r.draftTokens());
            int sum = 0;
            for (int a : r.acceptanceByPosition()) {
                sum += a;
            }
            assertEquals(r.acceptedTokens(), sum);
            assertTrue(r.latencyMs() >= r.ttftMs());
            assertTrue(r.ttftMs() >= 0 && r.queueMs() >= 0);
            assertEquals((double) r.generatedTokens() / r.specSteps(), r.meanAcceptanceLength(), 1e-9);
            assertEquals("cpu", r.device());
            assertTrue(r.targetModel().startsWith("target@"), r.targetModel());
            assertTrue(r.draftModel().startsWith("independent@"), r.draftModel());
            assertTrue(r.k() > 0 && r.k() <= 3);
            assertEquals(r.generatedTokens(), r.generatedTokenIds().length);
        }
    }

    @Test
    void stopStringCutsTheTextAndEndsTheRow() {
        GenerationResult free = engine.generateAll(List.of(GenerationRequest.ofText("a", "the cat", greedy(20)))).get(0);
        String[] words = free.generatedText().trim().split(" ");
        assertTrue(words.length > 4, free.generatedText());
        String stop = words[3];
        SamplingParams withStop = new SamplingParams(0, 0, 1, 0, 20, List.of(stop), true);
        GenerationResult cut = engine.generateAll(List.of(GenerationRequest.ofText("b", "the cat", withStop))).get(0);
        assertEquals("stop", cut.finishReason());
        assertFalse(cut.generatedText().contains(stop));
        assertTrue(free.generatedText().startsWith(cut.generatedText()));
        assertTrue(cut.generatedTokens() < free.generatedTokens());
    }

    @Test
    void concurrentSubmittersShareTheEngineAndGetTheirOwnRows() throws Exception {
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        List<GenerationResult> alone = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            alone.add(engine.generateAll(List.of(GenerationRequest.ofText("t" + t, "a day of " + t, greedy(10)))).get(0));
        }
        for (int t = 0; t < 4; t++) {
            final int id = t;
            futures.add(new CompletableFuture<>());
            Thread th = new Thread(() -> futures.get(id).complete(
                    engine.submit(GenerationRequest.ofText("t" + id, "a day of " + id, greedy(10))).join()));
            threads.add(th);
        }
        threads.forEach(Thread::start);
        for (int t = 0; t < 4; t++) {
            GenerationResult r = futures.get(t).get();
            assertEquals("t" + t, r.id());
            assertArrayEquals(alone.get(t).generatedTokenIds(), r.generatedTokenIds());
        }
    }
}
