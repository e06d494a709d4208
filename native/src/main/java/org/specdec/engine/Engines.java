package org.specdec.engine;

import org.specdec.backend.Backend;
import org.specdec.backend.Backends;
import org.specdec.backend.ModelRunner;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.model.LlamaWeights;
import org.specdec.model.MemoryPlan;
import org.specdec.pair.PairCheckResult;
import org.specdec.pair.VocabularyCheck;
import org.specdec.speculative.Drafter;
import org.specdec.speculative.ModelDrafter;
import org.specdec.tokenizer.TextTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Builds a {@link GenerationEngine} from {@link EngineSettings}: opens the checkpoints (memory
 * mapped), checks the pair, picks the backend, loads both models. Every startup problem is an
 * exception naming the file, field or setting; nothing is decoded before the checks pass.
 */
public final class Engines {
    private static final Logger LOG = LoggerFactory.getLogger(Engines.class);

    /** Context used when the model allows more: KV memory grows with it. */
    public static final int DEFAULT_MAX_CONTEXT = 4096;

    private Engines() {}

    public static GenerationEngine open(EngineSettings spec) {
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            Checkpoint target = Checkpoint.open(spec.targetDir());
            opened.push(target);
            ModelConfig tc = target.config();
            int maxContext = Math.min(tc.maxPositionEmbeddings(),
                    spec.maxContext() > 0 ? spec.maxContext() : DEFAULT_MAX_CONTEXT);
            TextTokenizer tokenizer = TextTokenizer.available(spec.targetDir())
                    ? TextTokenizer.open(spec.targetDir(), tc) : null;
            if (tokenizer != null) {
                opened.push(tokenizer);
            }
            int k = spec.hasDraft() ? spec.k() : 0;
            int maxK = spec.adaptiveK() ? Math.max(k, spec.maxK()) : k;
            int tensorParallel = spec.tensorParallelDegree();
            Backend backend = Backends.open(spec.device(), spec.threads(), maxContext + maxK + 1, spec.maxBatch(),
                    tensorParallel);
            opened.push(backend);
            LlamaWeights targetWeights = LlamaWeights.load(target);
            if (tensorParallel > 1) {
                // Refuses a degree that does not split the heads before anything is loaded.
                MemoryPlan plan = MemoryPlan.of(targetWeights, null, tensorParallel, Math.max(1, spec.maxBatch()),
                        maxContext + maxK + 1, Math.max(1, spec.maxBatch()) * (maxK + 1));
                LOG.info("specdec: {} split over tensor parallel {}:\n{}", target.name(), tensorParallel,
                        plan.describe().strip());
                requireHeap(plan, target.name());
            }
            ModelRunner targetRunner = backend.loadTarget(targetWeights);
            Drafter drafter = null;
            String draftName = null;
            if (k > 0 && spec.draftDir() != null) {
                Checkpoint draft = Checkpoint.open(spec.draftDir());
                opened.push(draft);
                TextTokenizer draftTokenizer = TextTokenizer.available(spec.draftDir())
                        ? TextTokenizer.open(spec.draftDir(), draft.config()) : null;
                if (draftTokenizer != null) {
                    opened.push(draftTokenizer);
                }
                PairCheckResult pair = VocabularyCheck.require(tc, tokenizer, draft.config(), draftTokenizer);
                pair.warnings().forEach(w -> LOG.warn("draft/target pair: {}", w));
                draftName = draft.name();
                drafter = new ModelDrafter(backend.load(LlamaWeights.load(draft)), draftName);
            } else if (k > 0 && spec.selfDraftLayers() > 0) {
                if (spec.selfDraftLayers() >= tc.numLayers()) {
                    throw new IllegalArgumentException("self-draft layers (" + spec.selfDraftLayers()
                            + ") must be fewer than the target's " + tc.numLayers() + " layers");
                }
                draftName = "self:" + spec.selfDraftLayers();
                // The same weight objects: a GPU backend shares the target's uploaded matrices with it.
                drafter = new ModelDrafter(backend.load(targetWeights.firstLayers(spec.selfDraftLayers())), draftName);
            }
            List<Integer> eos = tokenizer != null ? tokenizer.specialTokens().eosIds() : tc.eosTokenIds();
            // The settings the engine runs with: the context, device and draft length actually used.
            EngineSettings resolved = spec.toBuilder().k(k).maxK(maxK).maxBatch(Math.max(1, spec.maxBatch()))
                    .maxContext(maxContext).device(backend.device()).build();
            LoadedModels models = new LoadedModels(target.name(), draftName, eos);
            TextCodec codec = tokenizer == null ? null : new TokenizerTextCodec(tokenizer);
            List<AutoCloseable> resources = List.copyOf(opened);
            return new SpeculativeEngine(targetRunner, drafter, codec, resolved, models, () -> closeAll(resources));
        } catch (RuntimeException e) {
            closeAll(List.copyOf(opened));
            throw e;
        }
    }

    /**
     * The CPU shards keep their KV caches and activations on the heap (weights stay mapped): refuse
     * a group whose caches would not fit in three quarters of it, before any is allocated.
     */
    private static void requireHeap(MemoryPlan plan, String model) {
        long need = plan.devices().stream().mapToLong(d -> d.kvBytes() + d.activationBytes()).sum();
        long heap = Runtime.getRuntime().maxMemory();
        if (need > heap / 4 * 3) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                    "%s split over tensor parallel %d needs %d MiB of heap for its KV caches and activations, "
                            + "more than 3/4 of the %d MiB heap (-Xmx, spark.executor.memory). Lower max_batch or "
                            + "max_context, or give the JVM more memory.%n%s", model, plan.tensorParallel(),
                    need >> 20, heap >> 20, plan.describe().strip()));
        }
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable c : resources) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Closing is best effort: the first failure must not hide the others.
            }
        }
    }
}
