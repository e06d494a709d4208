package org.specdec.engine;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.specdec.backend.cpu.CpuWeights;
import org.specdec.settings.Setting;
import org.specdec.settings.SettingValues;

/**
 * What an engine is built from: the model pair and the decoding settings. Every surface reads the
 * same table ({@link #SETTINGS}): the job's {@code model.*} keys, {@code spec_generate}'s
 * {@code spark.specdec.*} conf and the runtime CLI's flags, so a setting has one default and one
 * doc wherever it is set. Spark executors key their shared engine by this record (with the device
 * and thread count resolved), and it travels to them inside task closures, hence the paths as text.
 * Build one with {@link #builder()}.
 *
 * @param target          target model directory (Hugging Face layout)
 * @param draft           independent draft model directory, or null
 * @param selfDraftLayers without a draft: the draft is the target's first n layers (0 = none)
 * @param k               most draft tokens per step; 0 = target-only decoding
 * @param adaptiveK       let the draft length follow acceptance (within 1..maxK)
 * @param maxK            upper bound for adaptive k
 * @param draftSwitch     draft only where the measured cost model says it pays (see
 *                        {@link org.specdec.speculative.DraftSwitch}); greedy output is the same either way
 * @param maxBatch        most rows decoded together (continuous batching)
 * @param threads         CPU backend threads (0 = every core this process may use)
 * @param maxContext      KV cache length per row (0 = the target's max_position_embeddings, capped at 4096)
 * @param device          {@value #AUTO}, {@value #CPU} or {@code cuda:N}
 * @param tensorParallel  shards the target is split into ({@value #AUTO_TENSOR_PARALLEL} = auto: one, or in
 *                        Spark one per gpu address of the task, see {@link #tensorParallelFor})
 * @param cpuWeights      {@value #AUTO_WEIGHTS}, {@value #STORED_WEIGHTS}, {@value #TILED_WEIGHTS} or
 *                        {@value #Q8_0_WEIGHTS}: how the CPU backend holds the matrices
 */
public record EngineSettings(String target, String draft, int selfDraftLayers, int k, boolean adaptiveK, int maxK,
                             boolean draftSwitch, int maxBatch, int threads, int maxContext, String device,
                             int tensorParallel, String cpuWeights)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final String AUTO = "auto";
    public static final String CPU = "cpu";
    /** model.cpu_weights: the matrices read where the checkpoint is mapped, in their stored dtype. */
    public static final String STORED_WEIGHTS = "stored";
    /** model.cpu_weights: the matrices quantised to 8 bits at load. */
    public static final String Q8_0_WEIGHTS = "q8_0";
    /** model.cpu_weights: the matrices copied into tiles at load, in their stored dtype. */
    public static final String TILED_WEIGHTS = "tiled";
    /** model.cpu_weights: tiled for a model up to 2 GiB of matrices, else stored. */
    public static final String AUTO_WEIGHTS = "auto";
    /** model.tensor_parallel: auto. */
    public static final int AUTO_TENSOR_PARALLEL = 0;
    private static final Pattern DEVICE = Pattern.compile("auto|cpu|cuda(:\\d+(,\\d+)*)?");

    public static final Setting<String> TARGET = Setting.localPath("model.target",
            "Target model directory (Hugging Face layout).").mustBeSet().cli("--target").sql("spark.specdec.target");
    public static final Setting<String> DRAFT = Setting.localPath("model.draft",
            "Independent draft model directory; unset for a self-draft or target-only decoding.")
            .cli("--draft").sql("spark.specdec.draft");
    public static final Setting<Integer> SELF_DRAFT_LAYERS = Setting.integer("model.self_draft_layers", 0, 0,
            "Without model.draft: draft with the target's first n layers (0 = no self-draft).")
            .cli("--self-draft").sql("spark.specdec.selfDraftLayers");
    public static final Setting<Integer> K = Setting.integer("model.k", 4, 0,
            "Most draft tokens proposed per step; 0 = target-only decoding. Without model.draft or "
                    + "model.self_draft_layers there is no draft and k does not matter. The draft switch (on by "
                    + "default) and adaptive k draft fewer tokens, or none, where that pays better, so the mean "
                    + "draft length (the k column, the summary's mean k) is often below this value.")
            .cli("--k").sql("spark.specdec.k");
    public static final Setting<Boolean> ADAPTIVE_K = Setting.bool("model.adaptive_k", false,
            "Let the draft length follow the acceptance rate, within 1..model.max_k.")
            .cli("--adaptive").sql("spark.specdec.adaptiveK");
    public static final Setting<Integer> MAX_K = Setting.integer("model.max_k", 8, 0,
            "Upper bound for adaptive k.").cli("--max-k").sql("spark.specdec.maxK");
    public static final Setting<Boolean> DRAFT_SWITCH = Setting.bool("model.draft_switch", true,
            "Draft only where it pays: the engine measures draft and target pass times per batch size and the "
                    + "acceptance rate online, and each step drafts the length, up to model.k, with the best "
                    + "predicted speedup (1 - a^(k+1)) / ((1 - a)(k c + v)), or nothing when no length gains 5%. "
                    + "So it caps model.k: the mean k per target pass is often well below it, and 0 where "
                    + "drafting never pays. Output is the same either way; false drafts model.k tokens every step.")
            .cli("--draft-switch").sql("spark.specdec.draftSwitch");
    public static final Setting<Integer> MAX_BATCH = Setting.integer("model.max_batch", 16, 1,
            "Rows one engine decodes together (continuous batching; in Spark the executor's engine, shared by "
                    + "its tasks).").cli("--batch").sql("spark.specdec.maxBatch");
    public static final Setting<Integer> THREADS = Setting.integer("model.threads", 0, 0,
            "CPU backend threads (0 = in Spark the cores Spark gave the executor: local[N] in local mode, "
                    + "spark.executor.cores on a cluster; otherwise all cores of the machine).")
            .cli("--threads").sql("spark.specdec.threads");
    public static final Setting<Integer> MAX_CONTEXT = Setting.integer("model.max_context", 0, 0,
            "KV cache length per row (prompt + generation); 0 = the target's max_position_embeddings capped at "
                    + "4096.").cli("--max-context").sql("spark.specdec.maxContext");
    public static final Setting<String> DEVICE_SETTING = new Setting<>("model.device", "auto|cpu|cuda:N|cuda:N,M,...", AUTO,
            "auto: in Spark each task runs on the GPU Spark assigned to it (cuda:N, from "
                    + "TaskContext.resources()) and on the CPU without one; outside Spark (generate) on the CPU. "
                    + "cpu: always the CPU backend, also on GPU executors (the assigned GPU is still logged per "
                    + "task; the device column says cpu). cuda:N: always that GPU, whatever Spark assigned "
                    + "(cuda = cuda:0). cuda:N,M,...: a tensor-parallel group with one shard per GPU (a task "
                    + "holding several gpu addresses under auto gets this).",
            EngineSettings::parseDevice, false, Setting.Kind.VALUE, "--device", "spark.specdec.device");
    public static final Setting<String> TENSOR_PARALLEL = new Setting<>("model.tensor_parallel", "auto|N", AUTO,
            "Split the target over N shards (Megatron-style: attention heads, MLP features and vocabulary; "
                    + "o_proj and down_proj outputs summed by a deterministic all-reduce); the draft stays whole. "
                    + "On the CPU the shards share the backend's threads, each with its own workers. N must "
                    + "divide num_attention_heads. auto: in Spark, a task that holds several gpu addresses "
                    + "(spark.task.resource.gpu.amount) splits the target over them, one shard per address; "
                    + "otherwise one (the whole model). A task with several addresses takes no other N. "
                    + "On CUDA each shard has its own stream and GPU (with device cuda:N all shards share that "
                    + "GPU); the all-reduce reads peer memory, or stages through host memory where two GPUs "
                    + "have no peer access; the draft runs whole on the first GPU.",
            EngineSettings::shownShards, false, Setting.Kind.VALUE,
            "--tensor-parallel",
            "spark.specdec.tensorParallel");

    public static final Setting<String> CPU_WEIGHTS = new Setting<>("model.cpu_weights", "auto|stored|tiled|q8_0",
            AUTO_WEIGHTS,
            "How the CPU backend holds the models' matrices. stored: read where the checkpoint is mapped, in its "
                    + "dtype. tiled: copied when the models load into tiles of 16 output rows (the vector width), "
                    + "still in the stored dtype but on the heap, which the CPU multiplies 1.3-3.7x faster "
                    + "(BENCHMARKS.md); a row's outputs can differ from stored's in the last bits (another "
                    + "summation order). auto: "
                    + "tiled for a model whose matrices take at most 2 GiB and a quarter of the heap, else "
                    + "stored. q8_0: quantised when the "
                    + "models load, to 8 bits in blocks of 32 with one scale each (llama.cpp's Q8_0 layout, 1.125 "
                    + "bytes per weight, held on the heap): decode reads a quarter of F32's bytes and about half "
                    + "of F16's, but outputs change (BENCHMARKS.md measures how often they agree with stored). "
                    + "Only the CPU backend reads it; on a GPU the matrices are read as stored.",
            EngineSettings::parseCpuWeights, false, Setting.Kind.VALUE, "--cpu-weights", "spark.specdec.cpuWeights");

    /** Every engine setting, in the order help and the README list them. */
    public static final List<Setting<?>> SETTINGS = List.of(TARGET, DRAFT, SELF_DRAFT_LAYERS, K, ADAPTIVE_K, MAX_K,
            DRAFT_SWITCH, MAX_BATCH, THREADS, MAX_CONTEXT, DEVICE_SETTING, TENSOR_PARALLEL, CPU_WEIGHTS);

    public EngineSettings {
        device = parseDevice(device == null ? AUTO : device);
        cpuWeights = parseCpuWeights(cpuWeights == null ? AUTO_WEIGHTS : cpuWeights);
        if (tensorParallel < 0) {
            throw new IllegalArgumentException(TENSOR_PARALLEL.key() + " " + tensorParallel + ": use auto or N >= 1");
        }
    }

    /** The defaults of {@link #SETTINGS}, with no target yet. */
    public static Builder builder() {
        return new Builder();
    }

    /** The settings as one surface gives them; unset ones take the table's defaults. */
    public static EngineSettings read(SettingValues values) {
        return builder().target(values.get(TARGET)).draft(values.get(DRAFT))
                .selfDraftLayers(values.get(SELF_DRAFT_LAYERS)).k(values.get(K)).adaptiveK(values.get(ADAPTIVE_K))
                .maxK(values.get(MAX_K)).draftSwitch(values.get(DRAFT_SWITCH)).maxBatch(values.get(MAX_BATCH))
                .threads(values.get(THREADS)).maxContext(values.get(MAX_CONTEXT)).device(values.get(DEVICE_SETTING))
                .tensorParallel(shards(values.get(TENSOR_PARALLEL))).cpuWeights(values.get(CPU_WEIGHTS)).build();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public Path targetDir() {
        return Path.of(target);
    }

    /** The independent draft's directory, or null. */
    public Path draftDir() {
        return draft == null ? null : Path.of(draft);
    }

    public boolean hasDraft() {
        return k > 0 && (draft != null || selfDraftLayers > 0);
    }

    /** The backend device for a task Spark placed on {@code assigned} ({@code cuda:N} or cpu). */
    public String deviceFor(String assigned) {
        return device.equals(AUTO) ? assigned : device;
    }

    /** Shards of the target: auto resolves to one. */
    public int tensorParallelDegree() {
        return tensorParallel == AUTO_TENSOR_PARALLEL ? 1 : tensorParallel;
    }

    /**
     * Shards of the target for a task Spark gave {@code gpus} GPU addresses: under auto one per
     * address when there are several, else one. A task's addresses form one group, so with several
     * a different N is refused, naming both settings.
     */
    public int tensorParallelFor(int gpus) {
        if (gpus <= 1) {
            return tensorParallelDegree();
        }
        if (tensorParallel == AUTO_TENSOR_PARALLEL || tensorParallel == gpus) {
            return gpus;
        }
        throw new IllegalArgumentException(TENSOR_PARALLEL.key() + " " + tensorParallel + " but the task holds " + gpus
                + " gpu addresses (spark.task.resource.gpu.amount), which form one tensor-parallel group: set "
                + TENSOR_PARALLEL.key() + " to auto or " + gpus + ", or give each task " + tensorParallel + " gpus");
    }

    /** model.tensor_parallel's value as it is shown: auto or the shard count. */
    private static String shownShards(Object v) {
        int n = shards(v);
        return n == AUTO_TENSOR_PARALLEL ? AUTO : String.valueOf(n);
    }

    /** model.tensor_parallel's value as a shard count, {@value #AUTO_TENSOR_PARALLEL} for auto. */
    private static int shards(Object v) {
        String s = v.toString().trim();
        if (s.equalsIgnoreCase(AUTO)) {
            return AUTO_TENSOR_PARALLEL;
        }
        try {
            int n = Integer.parseInt(s);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("tensor parallel '" + s + "': use auto or a number of shards >= 1");
    }

    /** How the CPU backend holds the matrices. */
    public CpuWeights cpuWeightLayout() {
        return CpuWeights.parse(cpuWeights);
    }

    /** A model.cpu_weights value, checked and in its canonical spelling. */
    public static String parseCpuWeights(Object v) {
        return CpuWeights.parse(v.toString()).setting();
    }

    private static String parseDevice(Object v) {
        String s = v.toString().trim();
        if (!DEVICE.matcher(s).matches()) {
            throw new IllegalArgumentException("device '" + s + "': use auto (the task's GPU in Spark, else the CPU),"
                    + " cpu, cuda:N, or cuda:N,M,... (a tensor-parallel group, one shard per GPU)");
        }
        return s;
    }

    /** Settings by name, starting from the defaults of {@link #SETTINGS}. */
    public static final class Builder {
        private String target;
        private String draft;
        private int selfDraftLayers = SELF_DRAFT_LAYERS.defaultValue();
        private int k = K.defaultValue();
        private boolean adaptiveK = ADAPTIVE_K.defaultValue();
        private int maxK = MAX_K.defaultValue();
        private boolean draftSwitch = DRAFT_SWITCH.defaultValue();
        private int maxBatch = MAX_BATCH.defaultValue();
        private int threads = THREADS.defaultValue();
        private int maxContext = MAX_CONTEXT.defaultValue();
        private String device = DEVICE_SETTING.defaultValue();
        private int tensorParallel = shards(TENSOR_PARALLEL.defaultValue());
        private String cpuWeights = CPU_WEIGHTS.defaultValue();

        private Builder() {
        }

        private Builder(EngineSettings s) {
            target = s.target;
            draft = s.draft;
            selfDraftLayers = s.selfDraftLayers;
            k = s.k;
            adaptiveK = s.adaptiveK;
            maxK = s.maxK;
            draftSwitch = s.draftSwitch;
            maxBatch = s.maxBatch;
            threads = s.threads;
            maxContext = s.maxContext;
            device = s.device;
            tensorParallel = s.tensorParallel;
            cpuWeights = s.cpuWeights;
        }

        public Builder target(String dir) {
            target = dir;
            return this;
        }

        public Builder target(Path dir) {
            return target(dir.toString());
        }

        public Builder draft(String dir) {
            draft = dir == null || dir.isBlank() ? null : dir;
            return this;
        }

        public Builder draft(Path dir) {
            return draft(dir == null ? null : dir.toString());
        }

        public Builder selfDraftLayers(int n) {
            selfDraftLayers = n;
            return this;
        }

        public Builder k(int n) {
            k = n;
            return this;
        }

        public Builder adaptiveK(boolean on) {
            adaptiveK = on;
            return this;
        }

        public Builder maxK(int n) {
            maxK = n;
            return this;
        }

        public Builder draftSwitch(boolean on) {
            draftSwitch = on;
            return this;
        }

        public Builder maxBatch(int n) {
            maxBatch = n;
            return this;
        }

        public Builder threads(int n) {
            threads = n;
            return this;
        }

        public Builder maxContext(int n) {
            maxContext = n;
            return this;
        }

        public Builder device(String d) {
            device = d;
            return this;
        }

        public Builder tensorParallel(int n) {
            tensorParallel = n;
            return this;
        }

        public Builder cpuWeights(String w) {
            cpuWeights = w;
            return this;
        }

        public EngineSettings build() {
            if (target == null) {
                throw new IllegalArgumentException(TARGET.key() + " is required: " + TARGET.doc());
            }
            return new EngineSettings(target, draft, selfDraftLayers, k, adaptiveK, maxK, draftSwitch, maxBatch,
                    threads, maxContext, device, tensorParallel, cpuWeights);
        }
    }
}
