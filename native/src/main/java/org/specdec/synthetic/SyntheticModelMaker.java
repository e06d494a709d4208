package org.specdec.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.checkpoint.CheckpointException;
import org.specdec.checkpoint.SafetensorsWriter;
import org.specdec.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Writes seeded Llama-architecture checkpoints in Hugging Face layout (config.json,
 * generation_config.json, safetensors weights, tokenizer.json, tokenizer_config.json), and the
 * drafts that go with them. Weights are drawn one tensor per core and written in order, so a model
 * needs about one tensor per core of heap. Each tensor's random stream is seeded
 * from the model seed and the tensor's name, so a tensor's values do not depend on which other
 * tensors are written.
 */
public final class SyntheticModelMaker {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What was written. */
    public record Written(Path directory, String description, long parameters, long tensorBytes) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: %s, %,d parameters, %,d bytes of weights",
                    directory, description, parameters, tensorBytes);
        }
    }

    /** A draft to write next to a target: {@code independent}, {@code layers:N} or {@code identical}. */
    public record DraftSpec(Kind kind, int layers) {
        public enum Kind { INDEPENDENT, LAYERS, IDENTICAL }

        public static DraftSpec parse(String s) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            if (t.equals("independent")) {
                return new DraftSpec(Kind.INDEPENDENT, 0);
            }
            if (t.equals("identical")) {
                return new DraftSpec(Kind.IDENTICAL, 0);
            }
            if (t.startsWith("layers:")) {
                try {
                    return new DraftSpec(Kind.LAYERS, Integer.parseInt(t.substring(7)));
                } catch (NumberFormatException e) {
                    // fall through to the usage error
                }
            }
            throw new IllegalArgumentException("--draft '" + s + "': use independent, layers:N or identical");
        }
    }

    private final WeightInit init;

    public SyntheticModelMaker() {
        this(WeightInit.DEFAULT);
    }

    public SyntheticModelMaker(WeightInit init) {
        this.init = init;
    }

    /** Writes a model of {@code preset} drawn from {@code seed}; shardBytes <= 0 means one file. */
    public Written write(ModelPreset preset, long seed, DType dtype, Path out, long shardBytes) {
        try {
            Files.createDirectories(out);
            writeConfig(out, preset, preset.numLayers(), dtype, seed);
            writeTokenizer(out, preset.vocabSize());
            int h = preset.hiddenSize();
            int q = preset.numHeads() * preset.headDim();
            int kv = preset.kvDim();
            int ff = preset.intermediateSize();
            List<Drawn> tensors = new ArrayList<>();
            tensors.add(new Drawn("model.embed_tokens.weight", preset.vocabSize(), h, init.embedStd()));
            for (int l = 0; l < preset.numLayers(); l++) {
                String p = "model.layers." + l + ".";
                tensors.add(new Drawn(p + "self_attn.q_proj.weight", q, h, init.qkStd(h)));
                tensors.add(new Drawn(p + "self_attn.k_proj.weight", kv, h, init.qkStd(h)));
                tensors.add(new Drawn(p + "self_attn.v_proj.weight", kv, h, init.projectionStd(h)));
                tensors.add(new Drawn(p + "self_attn.o_proj.weight", h, q, init.outputStd(q, l)));
                tensors.add(new Drawn(p + "mlp.gate_proj.weight", ff, h, init.projectionStd(h)));
                tensors.add(new Drawn(p + "mlp.up_proj.weight", ff, h, init.projectionStd(h)));
                tensors.add(new Drawn(p + "mlp.down_proj.weight", h, ff, init.outputStd(ff, l)));
                tensors.add(new Drawn(p + "input_layernorm.weight", h, 0, 0));
                tensors.add(new Drawn(p + "post_attention_layernorm.weight", h, 0, 0));
            }
            tensors.add(new Drawn("model.norm.weight", h, 0, 0));
            tensors.add(new Drawn("lm_head.weight", preset.vocabSize(), h, init.lmHeadStd(h)));
            SafetensorsWriter w = new SafetensorsWriter(out, dtype, shardBytes);
            writeAll(w, seed, tensors);
            SafetensorsWriter.Result r = w.finish();
            return new Written(out, preset.name() + " seed " + seed + " " + dtype, r.parameters(), r.tensorBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write model: " + e.getMessage(), e);
        }
    }

    /** Writes the draft described by {@code spec} for the target just written to {@code targetDir}. */
    public Written writeDraft(DraftSpec spec, ModelPreset target, long seed, DType dtype, Path targetDir, Path out,
                              long shardBytes) {
        return switch (spec.kind()) {
            case INDEPENDENT -> write(target.independentDraft(), independentSeed(seed), dtype, out, shardBytes);
            case LAYERS -> firstLayers(targetDir, spec.layers(), out, shardBytes);
            case IDENTICAL -> copy(targetDir, out);
        };
    }

    /** A different, fixed seed for the independent draft, so it shares nothing with the target. */
    static long independentSeed(long seed) {
        return mix(seed ^ 0x6A09E667F3BCC909L);
    }

    /**
     * A self-draft saved as its own checkpoint: the target's first {@code layers} layers plus its
     * embeddings, final norm and lm_head, byte for byte.
     */
    public static Written firstLayers(Path targetDir, int layers, Path out, long shardBytes) {
        try (Checkpoint target = Checkpoint.open(targetDir)) {
            int total = target.config().numLayers();
            if (layers < 1 || layers > total) {
                throw new IllegalArgumentException("layers:" + layers + " must be in 1.." + total);
            }
            Files.createDirectories(out);
            copyAuxiliaryFiles(targetDir, out);
            ObjectNode config = (ObjectNode) JSON.readTree(targetDir.resolve("config.json").toFile());
            config.put("num_hidden_layers", layers);
            JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), config);
            // Copied tensors keep their own dtype; the writer's default is unused.
            SafetensorsWriter w = new SafetensorsWriter(out, DType.F32, shardBytes);
            for (String name : target.tensorNames()) {
                if (layerOf(name) < layers) {
                    w.add(name, target.tensor(name));
                }
            }
            SafetensorsWriter.Result r = w.finish();
            return new Written(out, "first " + layers + " of " + total + " layers of " + target.name(),
                    r.parameters(), r.tensorBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write self-draft: " + e.getMessage(), e);
        }
    }

    /** An exact copy of the target's files: the draft that is always accepted. */
    public static Written copy(Path targetDir, Path out) {
        try (Checkpoint target = Checkpoint.open(targetDir); Stream<Path> files = Files.list(targetDir)) {
            Files.createDirectories(out);
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, out.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            long params = 0;
            for (String n : target.tensorNames()) {
                params += Arrays.stream(target.tensor(n).shape()).reduce(1, Math::multiplyExact);
            }
            return new Written(out, "copy of " + target.name(), params, target.weightBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot copy target: " + e.getMessage(), e);
        }
    }

    /** Layer index of a {@code model.layers.N.*} tensor name; -1 for every other tensor. */
    static int layerOf(String name) {
        String prefix = "model.layers.";
        if (!name.startsWith(prefix)) {
            return -1;
        }
        int dot = name.indexOf('.', prefix.length());
        try {
            return Integer.parseInt(name.substring(prefix.length(), dot));
        } catch (RuntimeException e) {
            throw new CheckpointException("tensor '" + name + "': cannot parse its layer index");
        }
    }

    private static void copyAuxiliaryFiles(Path from, Path to) throws IOException {
        for (String f : List.of("generation_config.json", "tokenizer.json", "tokenizer_config.json")) {
            if (Files.isRegularFile(from.resolve(f))) {
                Files.copy(from.resolve(f), to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** A tensor to draw: N(0, std^2) entries of [rows][cols], or a vector of ones when cols is 0. */
    private record Drawn(String name, int rows, int cols, double std) {
        long[] shape() {
            return cols == 0 ? new long[] {rows} : new long[] {rows, cols};
        }

        float[] values(long seed) {
            if (cols == 0) {
                float[] v = new float[rows];
                Arrays.fill(v, 1f);
                return v;
            }
            return new Gaussian(mix(seed ^ mix(name.hashCode()))).fill(Math.multiplyExact(rows, cols), std);
        }
    }

    /**
     * Draws the tensors on all cores and writes them in order. Each tensor has its own random
     * stream, so the bytes do not depend on the thread count; at most one tensor per thread is
     * held in memory ahead of the writer.
     */
    private static void writeAll(SafetensorsWriter w, long seed, List<Drawn> tensors) {
        int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), tensors.size()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "specdec-make-model");
            t.setDaemon(true);
            return t;
        });
        try {
            Deque<Future<float[]>> ahead = new ArrayDeque<>();
            int next = 0;
            for (Drawn d : tensors) {
                while (next < tensors.size() && ahead.size() < threads) {
                    Drawn t = tensors.get(next++);
                    ahead.add(pool.submit(() -> t.values(seed)));
                }
                w.add(d.name(), d.shape(), take(ahead.poll()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static float[] take(Future<float[]> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while drawing weights", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    /** SplitMix64's finaliser: spreads nearby seeds and name hashes over all 64 bits. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void writeConfig(Path out, ModelPreset p, int layers, DType dtype, long seed) throws IOException {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", p.hiddenSize());
        c.put("intermediate_size", p.intermediateSize());
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", p.numHeads());
        c.put("num_key_value_heads", p.numKvHeads());
        c.put("head_dim", p.headDim());
        c.put("vocab_size", p.vocabSize());
        c.put("max_position_embeddings", p.maxPositionEmbeddings());
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.putNull("rope_scaling");
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("tie_word_embeddings", false);
        c.put("bos_token_id", Vocabulary.BOS_ID);
        c.put("eos_token_id", Vocabulary.EOS_ID);
        c.put("torch_dtype", switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        });
        c.put("use_cache", true);
        // Provenance: extra config keys are ignored by transformers.
        c.putObject("specdec_synthetic").put("preset", p.name()).put("seed", seed);
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), c);

        ObjectNode g = JSON.createObjectNode();
        g.put("bos_token_id", Vocabulary.BOS_ID);
        g.put("eos_token_id", Vocabulary.EOS_ID);
        g.put("do_sample", false);
        g.put("max_length", p.maxPositionEmbeddings());
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("generation_config.json").toFile(), g);
    }

    private static void writeTokenizer(Path out, int vocabSize) throws IOException {
        TokenizerFiles.write(out, Vocabulary.tokens(vocabSize));
    }
}
