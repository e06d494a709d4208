package org.specdec.model;

import org.specdec.checkpoint.ModelConfig;

/**
 * What one shard of a tensor-parallel group holds (Megatron-style): a contiguous range of the
 * attention heads with the key/value heads they read, a range of the MLP's intermediate features
 * and a range of the vocabulary. q/k/v and gate/up are split by their output features, o_proj and
 * down_proj by their input features (their partial outputs are summed across the group), and the
 * LM head by vocabulary rows (each shard writes its own logit columns). A key/value head that
 * the query heads of several shards read is held by each of them.
 */
public record ShardLayout(int rank, int size, int headFrom, int heads, int kvHeadFrom, int kvHeads, int ffFrom,
                          int ffCount, int vocabFrom, int vocabCount) {

    /** Shard {@code rank} of {@code size} for a model; a model whose heads do not split evenly is refused. */
    public static ShardLayout of(ModelConfig c, int size, int rank) {
        check(c, size);
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException("shard rank " + rank + " outside tensor parallel group of " + size);
        }
        int heads = c.numHeads() / size;
        int headFrom = rank * heads;
        int group = c.numHeads() / c.numKvHeads();
        int kvFrom = headFrom / group;
        int kvTo = (headFrom + heads - 1) / group + 1;
        int ffFrom = split(c.intermediateSize(), size, rank);
        int vocabFrom = split(c.vocabSize(), size, rank);
        return new ShardLayout(rank, size, headFrom, heads, kvFrom, kvTo - kvFrom, ffFrom,
                split(c.intermediateSize(), size, rank + 1) - ffFrom, vocabFrom,
                split(c.vocabSize(), size, rank + 1) - vocabFrom);
    }

    /** The whole model on one device. */
    public static ShardLayout whole(ModelConfig c) {
        return of(c, 1, 0);
    }

    /** Refuses a degree the model cannot be split into, naming the sizes and the degrees that would work. */
    public static void check(ModelConfig c, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("tensor parallel degree must be >= 1, not " + size);
        }
        if (c.numHeads() % size != 0 || c.intermediateSize() < size || c.vocabSize() < size) {
            StringBuilder ok = new StringBuilder();
            for (int n = 1; n <= c.numHeads(); n++) {
                if (c.numHeads() % n == 0) {
                    ok.append(ok.length() == 0 ? "" : ", ").append(n);
                }
            }
            throw new IllegalArgumentException("tensor parallel " + size + " does not split the model: "
                    + "num_attention_heads " + c.numHeads() + " must be a multiple of it (degrees that work: " + ok
                    + ")");
        }
    }

    /** True when this shard is the whole model. */
    public boolean whole() {
        return size == 1;
    }

    /** Query columns (heads x head_dim) this shard computes. */
    public int qDim(ModelConfig c) {
        return heads * c.headDim();
    }

    /** Key/value columns this shard caches. */
    public int kvDim(ModelConfig c) {
        return kvHeads * c.headDim();
    }

    /** Start of part {@code i} of {@code n} balanced parts of {@code total}. */
    private static int split(int total, int n, int i) {
        return (int) ((long) total * i / n);
    }
}
