package org.specdec.model;

import org.specdec.checkpoint.Checkpoint;
import org.specdec.checkpoint.ModelConfig;
import org.specdec.tensor.WeightTensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The immutable weights of a Llama-family decoder (Llama, Mistral, Qwen2 share this layout), named
 * as in Hugging Face checkpoints. A self-draft is a view of the first n layers that reuses the
 * same mapped tensors, so it costs no memory.
 */
public final class LlamaWeights {
    private final ModelConfig config;
    private final WeightTensor embedding;
    private final List<LayerWeights> layers;
    private final float[] finalNorm;
    private final WeightTensor lmHead;

    public LlamaWeights(ModelConfig config, WeightTensor embedding, List<LayerWeights> layers,
                        float[] finalNorm, WeightTensor lmHead) {
        this.config = config;
        this.embedding = embedding;
        this.layers = List.copyOf(layers);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    public ModelConfig config() { return config; }
    public WeightTensor embedding() { return embedding; }
    public List<LayerWeights> layers() { return layers; }
    public float[] finalNorm() { return finalNorm; }
    public WeightTensor lmHead() { return lmHead; }

    /** The matrices multiplied per position in a forward pass: every layer's seven, then the LM head. */
    public List<WeightTensor> matrices() {
        List<WeightTensor> m = new ArrayList<>(7 * layers.size() + 1);
        for (LayerWeights l : layers) {
            m.addAll(List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.wGate(), l.wUp(), l.wDown()));
        }
        m.add(lmHead);
        return m;
    }

    /** Bytes of matrix weights read per forward pass (for roofline figures). */
    public long matrixBytes() {
        return matrices().stream().mapToLong(WeightTensor::byteSize).sum();
    }

    /** Parameters of the matrices multiplied per position in a forward pass (two FLOPs each). */
    public long matrixParameters() {
        return matrices().stream().mapToLong(t -> (long) t.rows() * t.cols()).sum();
    }

    /** Parameter count, embedding included (counted once when tied). */
    public long parameterCount() {
        long p = (long) embedding.rows() * embedding.cols() + finalNorm.length;
        if (lmHead != embedding) {
            p += (long) lmHead.rows() * lmHead.cols();
        }
        for (LayerWeights l : layers) {
            p += (long) l.wq().rows() * l.wq().cols() + (long) l.wk().rows() * l.wk().cols()
                    + (long) l.wv().rows() * l.wv().cols() + (long) l.wo().rows() * l.wo().cols()
                    + (long) l.wGate().rows() * l.wGate().cols() + (long) l.wUp().rows() * l.wUp().cols()
                    + (long) l.wDown().rows() * l.wDown().cols() + l.attentionNorm().length + l.ffnNorm().length;
        }
        return p;
    }

    /** The self-draft: this model's first {@code n} layers with its final norm and head. */
    public LlamaWeights firstLayers(int n) {
        return new LlamaWeights(config.withLayers(n), embedding, layers.subList(0, n), finalNorm, lmHead);
    }

    /**
     * The weights one tensor-parallel shard reads: views of its rows or columns of each matrix
     * (see {@link ShardLayout}), over the same mapped buffers, so a shard costs no memory and reads
     * only its own part. Norms and the embedding are whole; the config stays the whole model's.
     */
    public LlamaWeights shard(ShardLayout s) {
        if (s.whole()) {
            return this;
        }
        int hd = config.headDim();
        int d = config.hiddenSize();
        int q0 = s.headFrom() * hd;
        int q1 = q0 + s.qDim(config);
        int kv0 = s.kvHeadFrom() * hd;
        int kv1 = kv0 + s.kvDim(config);
        int f0 = s.ffFrom();
        int f1 = f0 + s.ffCount();
        List<LayerWeights> parts = new ArrayList<>(layers.size());
        for (LayerWeights l : layers) {
            parts.add(new LayerWeights(l.attentionNorm(),
                    l.wq().slice(q0, q1, 0, d), l.wk().slice(kv0, kv1, 0, d), l.wv().slice(kv0, kv1, 0, d),
                    range(l.bq(), q0, q1), range(l.bk(), kv0, kv1), range(l.bv(), kv0, kv1),
                    l.wo().slice(0, d, q0, q1),
                    l.ffnNorm(),
                    l.wGate().slice(f0, f1, 0, d), l.wUp().slice(f0, f1, 0, d), l.wDown().slice(0, d, f0, f1)));
        }
        return new LlamaWeights(config, embedding, parts, finalNorm,
                lmHead.slice(s.vocabFrom(), s.vocabFrom() + s.vocabCount(), 0, d));
    }

    private static float[] range(float[] v, int from, int to) {
        return v == null ? null : java.util.Arrays.copyOfRange(v, from, to);
    }

    /** Loads every tensor of a checkpoint's model, shape-checked against its config.json. */
    public static LlamaWeights load(Checkpoint ckpt) {
        return load(ckpt.config(), new TensorSource() {
            @Override
            public WeightTensor tensor(String name, long... expectedShape) {
                return ckpt.tensor(name, expectedShape);
            }

            @Override
            public boolean hasTensor(String name) {
                return ckpt.hasTensor(name);
            }
        });
    }

    /** Loads and shape-checks every tensor the config implies. */
    public static LlamaWeights load(ModelConfig c, TensorSource src) {
        int d = c.hiddenSize();
        int kv = c.kvDim();
        int q = c.qDim();
        int ff = c.intermediateSize();
        int v = c.vocabSize();
        WeightTensor embed = src.tensor("model.embed_tokens.weight", v, d);
        List<LayerWeights> layers = new ArrayList<>(c.numLayers());
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            layers.add(new LayerWeights(
                    vector(src, p + "input_layernorm.weight", d),
                    src.tensor(p + "self_attn.q_proj.weight", q, d),
                    src.tensor(p + "self_attn.k_proj.weight", kv, d),
                    src.tensor(p + "self_attn.v_proj.weight", kv, d),
                    c.qkvBias() ? vector(src, p + "self_attn.q_proj.bias", q) : null,
                    c.qkvBias() ? vector(src, p + "self_attn.k_proj.bias", kv) : null,
                    c.qkvBias() ? vector(src, p + "self_attn.v_proj.bias", kv) : null,
                    src.tensor(p + "self_attn.o_proj.weight", d, q),
                    vector(src, p + "post_attention_layernorm.weight", d),
                    src.tensor(p + "mlp.gate_proj.weight", ff, d),
                    src.tensor(p + "mlp.up_proj.weight", ff, d),
                    src.tensor(p + "mlp.down_proj.weight", d, ff)));
        }
        float[] norm = vector(src, "model.norm.weight", d);
        WeightTensor head;
        if (src.hasTensor("lm_head.weight")) {
            head = src.tensor("lm_head.weight", v, d);
        } else if (c.tieWordEmbeddings()) {
            head = embed;
        } else {
            // Fails with the checkpoint's "missing tensor" message, naming lm_head.weight.
            head = src.tensor("lm_head.weight", v, d);
        }
        return new LlamaWeights(c, embed, layers, norm, head);
    }

    private static float[] vector(TensorSource src, String name, int n) {
        return src.tensor(name, n).toFloatArray();
    }
}
