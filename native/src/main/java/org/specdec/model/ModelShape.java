package org.specdec.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.specdec.checkpoint.CheckpointException;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.tensor.DType;

/**
 * What the memory plan needs to know of a model: its dimensions and the type its weights are
 * stored in, from {@code config.json} alone, so a model too large for its devices is refused
 * before any weight file is opened.
 *
 * @param config        the model's dimensions
 * @param weights       the stored weight type ({@code torch_dtype})
 * @param sharesWeights true for a self-draft: its weights are the target's, only its KV cache is its own
 */
public record ModelShape(ModelConfig config, DType weights, boolean sharesWeights) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads {@code dir/config.json}: the dimensions as {@link ModelConfig#read} does, and the weight
     * type from {@code torch_dtype} (or {@code dtype}, the newer name); without either, float32,
     * as transformers assumes.
     */
    public static ModelShape read(Path dir) {
        ModelConfig config = ModelConfig.read(dir);
        Path file = dir.resolve("config.json");
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": unreadable JSON: " + e.getMessage().split("\n")[0], e);
        }
        JsonNode type = root.hasNonNull("torch_dtype") ? root.get("torch_dtype") : root.get("dtype");
        if (type == null || type.isNull()) {
            return new ModelShape(config, DType.F32, false);
        }
        try {
            return new ModelShape(config, DType.parse(type.asText()), false);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": field 'torch_dtype' is '" + type.asText()
                    + "'; supported: float32, float16, bfloat16");
        }
    }

    /** The target's first {@code layers} layers as a self-draft: the target's weights, its own cache. */
    public ModelShape selfDraft(int layers) {
        return new ModelShape(config.withLayers(layers), weights, true);
    }

    /**
     * Bytes of the weights shard {@code s} holds: its columns of q/k/v and gate/up, its rows of
     * o_proj and down_proj, its vocabulary rows of an untied LM head (a tied head is the embedding
     * itself), and the whole embedding. Norms and biases, under 0.1% of a model, are left out.
     */
    public long weightBytes(ShardLayout s) {
        if (sharesWeights) {
            return 0;
        }
        ModelConfig c = config;
        long d = c.hiddenSize();
        long perLayer = d * s.qDim(c) + 2 * d * s.kvDim(c) + (long) s.qDim(c) * d + 3 * d * s.ffCount();
        long head = c.tieWordEmbeddings() ? 0 : s.vocabCount() * d;
        return (c.numLayers() * perLayer + head + c.vocabSize() * d) * weights.bytes();
    }

    /** Bytes of the F32 KV cache shard {@code s} holds for {@code rows} rows of {@code capacity} positions. */
    public long kvBytes(ShardLayout s, int rows, int capacity) {
        return (long) rows * 2L * config.numLayers() * capacity * s.kvDim(config) * Float.BYTES;
    }
}
