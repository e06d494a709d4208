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
import java.util.OptionalLong;

/**
 * Builds a {@link GenerationEngine} from {@link EngineSettings}: opens the checkpoints (memory
 * mapped), checks the pair, picks the backend, loads both models. Every startup problem is an
 * exception naming the file, field or setting; nothing is decoded before the checks pass.
 */
public final class Engines {
    private static final Logger LOG = LoggerFactory.getLogger(Engines.class);

    private Engines() {}

    public static GenerationEngine open(EngineSettings spec) {
        // From config.json alone: a degree that does not split the heads, or a self-draft as deep as
        // the target, is refused before any file is opened.
        int tensorParallel = spec.tensorParallelDegree();
        MemoryPlan plan = EngineMemory.plan(spec, tensorParallel);
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            Checkpoint target = Checkpoint.open(spec.targetDir());
            opened.push(target);
            ModelConfig tc = target.config();
            EngineSizes sizes = EngineSizes.of(spec, tc);
            LOG.info("specdec: memory plan of {}{} (tensor parallel {}):\n{}", target.name(),
                    spec.draftDir() != null && sizes.k() > 0 ? " with draft " + spec.draftDir().getFileName() : "",
                    tensorParallel, plan.describe().strip());
            TextTokenizer tokenizer = TextTokenizer.available(spec.targetDir())
                    ? TextTokenizer.open(spec.targetDir(), tc) : null;
            if (tokenizer != null) {
                opened.push(tokenizer);
            }
            Backend backend = Backends.open(spec.device(), spec.threads(), sizes.capacity(), sizes.rows(),
                    tensorParallel, spec.cpuWeightLayout());
            opened.push(backend);
            requireMemory(backend, plan, spec, target.name());
            LlamaWeights targetWeights = LlamaWeights.load(target);
            ModelRunner targetRunner = backend.loadTarget(targetWeights);
            int k = sizes.k();
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
                draftName = "self:" + spec.selfDraftLayers();
                // The same weight objects: a GPU backend shares the target's uploaded matrices with it.
                drafter = new ModelDrafter(backend.load(targetWeights.firstLayers(spec.selfDraftLayers())), draftName);
            }
            List<Integer> eos = tokenizer != null ? tokenizer.specialTokens().eosIds() : tc.eosTokenIds();
            // The settings the engine runs with: the context, device and draft length actually used.
            EngineSettings resolved = spec.toBuilder().k(k).maxK(sizes.maxK()).maxBatch(sizes.rows())
                    .maxContext(sizes.maxContext()).device(backend.device()).build();
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
     * Checks the plan against what the backend has, before any weight is loaded. A GPU holds
     * weights, caches and activations in its own memory: the largest device must fit in what is
     * free, else the refusal names the sizes and the degree that would fit. The CPU backend maps
     * the weights (the page cache holds them) and keeps caches and activations on the heap, which
     * every shard shares: a split group whose caches would not fit in three quarters of the heap
     * is refused before any is allocated.
     */
    private static void requireMemory(Backend backend, MemoryPlan plan, EngineSettings spec, String model) {
        OptionalLong device = backend.deviceMemoryBytes();
        if (device.isPresent()) {
            plan.require(device.getAsLong(), backend.device() + " (free memory)", EngineMemory.candidates(spec));
            return;
        }
        if (plan.tensorParallel() == 1) {
            return;
        }
        long need = plan.heapBytes();
        long heap = Runtime.getRuntime().maxMemory();
        if (need > heap / 4 * 3) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                    "%s split over tensor parallel %d needs %s of heap for its KV caches (the draft's too) and activations, "
                            + "more than 3/4 of the %s heap (-Xmx, spark.executor.memory); every shard of a CPU "
                            + "group shares the heap, so no degree needs less. Lower max_batch or max_context, or "
                            + "give the JVM more memory.%n%s", model, plan.tensorParallel(), MemoryPlan.size(need),
                    MemoryPlan.size(heap), plan.describe().strip()));
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
