package org.specdec.engine;

import org.specdec.stats.EngineCounters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A loaded draft/target pair that decodes rows with continuous batching. Thread-safe: many
 * callers (Spark task threads) submit rows and their rows are decoded in the same batches.
 * A bad row completes with an error result; the future never completes exceptionally for a
 * row-level problem.
 */
public interface GenerationEngine extends AutoCloseable {

    CompletableFuture<GenerationResult> submit(GenerationRequest request);

    /** Submits all rows and waits; results are in request order. */
    default List<GenerationResult> generateAll(List<GenerationRequest> requests) {
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>(requests.size());
        for (GenerationRequest r : requests) {
            futures.add(submit(r));
        }
        List<GenerationResult> out = new ArrayList<>(requests.size());
        for (CompletableFuture<GenerationResult> f : futures) {
            out.add(f.join());
        }
        return out;
    }

    /** "cpu" or "cuda:N". */
    String device();

    /** Directory name + short content hash of the target. */
    String targetModelName();

    /** Name of the draft, "self:N" for a self-draft, or null without one. */
    String draftModelName();

    /** Largest prompt + generation length a row may have. */
    int maxContext();

    /** Whether text prompts can be used (the target has tokenizer.json). */
    boolean hasTokenizer();

    /** What the engine did so far: passes, drafting and skipped steps, acceptance counts. */
    default EngineCounters counters() {
        return EngineCounters.NONE;
    }

    @Override
    void close();
}
