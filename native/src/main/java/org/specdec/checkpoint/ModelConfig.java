package org.specdec.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The architecture hyper-parameters of a Hugging Face decoder checkpoint, read from
 * {@code config.json} (and {@code generation_config.json} for the EOS list).
 *
 * @param qkvBias      q/k/v projections carry a bias (Qwen2 always; Llama when attention_bias)
 * @param slidingWindow attention window in tokens, or 0 for full attention (Mistral)
 * @param eosTokenIds  every id that ends generation (config.json and generation_config.json merged)
 */
public record ModelConfig(
        Architecture architecture,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositionEmbeddings,
        float rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        int slidingWindow,
        int bosTokenId,
        List<Integer> eosTokenIds) {

    public enum Architecture {
        LLAMA("LlamaForCausalLM"), MISTRAL("MistralForCausalLM"), QWEN2("Qwen2ForCausalLM");

        private final String hfName;

        Architecture(String hfName) {
            this.hfName = hfName;
        }

        public String hfName() {
            return hfName;
        }

        static Architecture fromHf(String name) {
            for (Architecture a : values()) {
                if (a.hfName.equals(name)) {
                    return a;
                }
            }
            return null;
        }
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    public int qDim() {
        return numHeads * headDim;
    }

    /** The same model cut to its first {@code layers} layers (self-draft). */
    public ModelConfig withLayers(int layers) {
        if (layers < 1 || layers > numLayers) {
            throw new IllegalArgumentException("self-draft layers must be in 1.." + numLayers + ", got " + layers);
        }
        return new ModelConfig(architecture, hiddenSize, intermediateSize, layers, numHeads, numKvHeads, headDim,
                vocabSize, maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling, tieWordEmbeddings, qkvBias,
                slidingWindow, bosTokenId, eosTokenIds);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads {@code dir/config.json} and, if present, {@code dir/generation_config.json}. */
    public static ModelConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": missing (a model directory needs config.json)");
        }
        JsonNode root = readJson(file);
        Path genFile = dir.resolve("generation_config.json");
        JsonNode gen = Files.isRegularFile(genFile) ? readJson(genFile) : null;
        return parse(root, file, gen);
    }

    static JsonNode readJson(Path file) {
        try {
            if (Files.size(file) > 64L << 20) {
                throw new CheckpointException(file + ": larger than 64 MB, not a config file");
            }
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new CheckpointException(file + ": not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new CheckpointException(file + ": unreadable JSON: " + e.getMessage().split("\n")[0], e);
        }
    }

    static ModelConfig parse(JsonNode c, Path file, JsonNode gen) {
        JsonNode archs = c.get("architectures");
        String archName = archs != null && archs.isArray() && archs.size() > 0 ? archs.get(0).asText() : null;
        if (archName == null) {
            String type = c.path("model_type").asText("");
            archName = switch (type) {
                case "llama" -> "LlamaForCausalLM";
                case "mistral" -> "MistralForCausalLM";
                case "qwen2" -> "Qwen2ForCausalLM";
                default -> null;
            };
        }
        Architecture arch = archName == null ? null : Architecture.fromHf(archName);
        if (arch == null) {
            throw new CheckpointException(file + ": field 'architectures' is " + archName
                    + "; supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM");
        }
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new CheckpointException(file + ": field 'hidden_act' is '" + act + "'; only silu (SwiGLU) is supported");
        }
        int hidden = positiveInt(c, "hidden_size", file);
        int inter = positiveInt(c, "intermediate_size", file);
        int layers = positiveInt(c, "num_hidden_layers", file);
        int heads = positiveInt(c, "num_attention_heads", file);
        int kvHeads = c.has("num_key_value_heads") && !c.get("num_key_value_heads").isNull()
                ? positiveInt(c, "num_key_value_heads", file) : heads;
        if (heads % kvHeads != 0) {
            throw new CheckpointException(file + ": num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        int headDim = c.has("head_dim") && !c.get("head_dim").isNull() ? positiveInt(c, "head_dim", file) : hidden / heads;
        if (headDim % 2 != 0) {
            throw new CheckpointException(file + ": head_dim " + headDim + " must be even for rotary embeddings");
        }
        int vocab = positiveInt(c, "vocab_size", file);
        int maxPos = c.has("max_position_embeddings") ? positiveInt(c, "max_position_embeddings", file) : 2048;
        double eps = c.path("rms_norm_eps").asDouble(1e-6);
        if (!(eps > 0 && eps < 1)) {
            throw new CheckpointException(file + ": field 'rms_norm_eps' must be in (0, 1), got " + eps);
        }
        double theta = c.path("rope_theta").asDouble(10000.0);
        if (!(theta > 1)) {
            throw new CheckpointException(file + ": field 'rope_theta' must be > 1, got " + theta);
        }
        RopeScaling scaling = parseRopeScaling(c.get("rope_scaling"), file);
        boolean tie = c.path("tie_word_embeddings").asBoolean(false);
        boolean bias = arch == Architecture.QWEN2 || c.path("attention_bias").asBoolean(false);
        if (c.path("mlp_bias").asBoolean(false)) {
            throw new CheckpointException(file + ": field 'mlp_bias' is true; MLP biases are not supported");
        }
        int window = 0;
        JsonNode sw = c.get("sliding_window");
        if (sw != null && sw.isNumber() && (arch == Architecture.MISTRAL
                || c.path("use_sliding_window").asBoolean(false))) {
            window = sw.asInt();
            if (window < 0) {
                throw new CheckpointException(file + ": field 'sliding_window' is negative");
            }
        }
        int bos = c.path("bos_token_id").isNumber() ? c.get("bos_token_id").asInt() : -1;
        List<Integer> eos = new ArrayList<>();
        addIds(c.get("eos_token_id"), eos);
        if (gen != null) {
            if (bos < 0 && gen.path("bos_token_id").isNumber()) {
                bos = gen.get("bos_token_id").asInt();
            }
            addIds(gen.get("eos_token_id"), eos);
        }
        for (int id : eos) {
            if (id < 0 || id >= vocab) {
                throw new CheckpointException(file + ": eos_token_id " + id + " is outside the vocabulary (" + vocab + ")");
            }
        }
        return new ModelConfig(arch, hidden, inter, layers, heads, kvHeads, headDim, vocab, maxPos, (float) eps,
                theta, scaling, tie, bias, window, bos, List.copyOf(eos));
    }

    private static void addIds(JsonNode n, List<Integer> out) {
        if (n == null || n.isNull()) {
            return;
        }
        if (n.isArray()) {
            n.forEach(x -> {
                if (x.isNumber() && !out.contains(x.asInt())) {
                    out.add(x.asInt());
                }
            });
        } else if (n.isNumber() && !out.contains(n.asInt())) {
            out.add(n.asInt());
        }
    }

    private static RopeScaling parseRopeScaling(JsonNode n, Path file) {
        if (n == null || n.isNull()) {
            return null;
        }
        String type = n.has("rope_type") ? n.get("rope_type").asText() : n.path("type").asText("");
        type = type.toLowerCase(Locale.ROOT);
        double factor = n.path("factor").asDouble(1.0);
        switch (type) {
            case "default":
                return null;
            case "linear":
                if (!(factor >= 1)) {
                    throw new CheckpointException(file + ": rope_scaling.factor must be >= 1, got " + factor);
                }
                return new RopeScaling("linear", factor, 0, 0, 0);
            case "llama3":
                double low = n.path("low_freq_factor").asDouble(1.0);
                double high = n.path("high_freq_factor").asDouble(4.0);
                int orig = n.path("original_max_position_embeddings").asInt(8192);
                if (!(factor >= 1) || !(high > low) || orig <= 0) {
                    throw new CheckpointException(file + ": rope_scaling (llama3) needs factor >= 1, "
                            + "high_freq_factor > low_freq_factor and original_max_position_embeddings > 0");
                }
                return new RopeScaling("llama3", factor, low, high, orig);
            default:
                throw new CheckpointException(file + ": rope_scaling type '" + type
                        + "' is not supported (supported: llama3, linear)");
        }
    }

    private static int positiveInt(JsonNode c, String field, Path file) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) {
            throw new CheckpointException(file + ": missing field '" + field + "'");
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() <= 0) {
            throw new CheckpointException(file + ": field '" + field + "' must be a positive integer, got " + n);
        }
        return n.asInt();
    }
}
