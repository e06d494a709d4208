package org.specdec.backend.cuda;

/**
 * Host-side shapes of the kernels in {@code native/src/main/cuda}: padding of weight and
 * activation rows, the split-K choice and the GEMM variant for a token count. Pure arithmetic, so
 * it is tested without a GPU.
 *
 * <p>Batch invariance rests on one rule kept here: the K split of a matrix depends only on its
 * shape (N, K) and the device's SM count, never on how many tokens share the pass, and every GEMM
 * variant accumulates an output element in the same order. A token's logits are therefore the
 * same in a 1-token decode step and in a (k+1)-token verification pass.
 */
public final class LaunchGeometry {
    /** k per GEMM main-loop iteration (KC in gemm.cuh). */
    public static final int K_CHUNK = 64;
    /** Weight rows per skinny GEMM block (8 warps x 16 rows). */
    public static final int SKINNY_ROWS = 128;
    /** Weight rows x tokens of a tiled GEMM block (8 x 2 warps of 16 rows x 64 tokens). */
    public static final int TILED_ROWS = 128;
    public static final int TILED_TOKENS = 128;
    /** Threads of a tiled GEMM block. */
    public static final int TILED_THREADS = 512;
    /**
     * From this many tokens in one GEMM the tiled variant runs. Measured on an H200 (BENCHMARKS.md):
     * an 80-token verification pass took 6.2 ms as two skinny t64 blocks and 6.6 ms as one tiled
     * block (whose second warp row is mostly padding), a 160-token pass 11.7 ms tiled.
     */
    public static final int TILED_FROM_TOKENS = 129;
    /** Most tokens one GEMM launch takes; longer passes are cut into chunks (bounds the split-K workspace). */
    public static final int MAX_TOKENS_PER_GEMM = 256;
    /** Threads of an attention block (ATTN_WARPS in attention.cuh: 16 warps share one (token, head)). */
    public static final int ATTENTION_THREADS = 512;
    /** Threads of the rmsnorm launch; residual_rmsnorm reproduces its sum-of-squares order (NORM_THREADS in layers.cuh). */
    public static final int NORM_THREADS = 256;
    /** Threads of the fused split-K reduction + RMSNorm kernel (one block per token). */
    public static final int RESIDUAL_NORM_THREADS = 1024;
    /** Threads of the fused qkv reduction + RoPE + KV append kernel (one block per token). */
    public static final int QKV_ROPE_THREADS = 512;
    /** Activation elements a staged skinny GEMM block holds in shared memory (tokens x k; 8192 in gemm.cuh). */
    public static final int STAGED_ELEMENTS = 8192;
    /** Fewest k per split, so that a split streams enough weight bytes per warp to hide latency. */
    static final int MIN_SPLIT_K = 256;

    private LaunchGeometry() {}

    public static int pad(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    /** Row length (elements) of a weight matrix or activation buffer with {@code k} columns. */
    public static int paddedK(int k) {
        return pad(k, K_CHUNK);
    }

    /** Allocated rows of a weight matrix with {@code n} rows (16 per mma tile). */
    public static int paddedRows(int n) {
        return pad(n, 16);
    }

    /**
     * Number of K splits for an N x K matrix: enough blocks to give each SM about two, a split of
     * at least {@link #MIN_SPLIT_K}, and a split count that divides the padded K into whole chunks.
     */
    public static int splits(int n, int k, int smCount) {
        int chunks = paddedK(k) / K_CHUNK;
        int blocks = (paddedRows(n) + SKINNY_ROWS - 1) / SKINNY_ROWS;
        int wanted = Math.max(1, (2 * smCount + blocks - 1) / blocks);
        int most = Math.max(1, paddedK(k) / MIN_SPLIT_K);
        int best = 1;
        for (int s = 1; s <= Math.min(wanted, most); s++) {
            if (chunks % s == 0) {
                best = s;
            }
        }
        return best;
    }

    /** k per split: a multiple of {@link #K_CHUNK}. */
    public static int splitLength(int n, int k, int smCount) {
        return paddedK(k) / splits(n, k, smCount);
    }

    /** The GEMM kernel name for a weight dtype prefix ("bf16" or "f16") and a token count (1..256). */
    public static String gemmKernel(String dtype, int tokens) {
        if (tokens < 1 || tokens > MAX_TOKENS_PER_GEMM) {
            throw new IllegalArgumentException("GEMM takes 1.." + MAX_TOKENS_PER_GEMM + " tokens, got " + tokens);
        }
        if (tokens >= TILED_FROM_TOKENS) {
            return "gemm_" + dtype + "_tiled";
        }
        return "gemm_" + dtype + "_skinny_t" + skinnyTokens(tokens);
    }

    /**
     * The kernel of the default (non-baseline) path: the staged skinny variants ({@code
     * gemm_<dtype>_staged_t8..t64}, activations staged per super-chunk) below
     * {@link #TILED_FROM_TOKENS}, the tiled one from there. Same grid and arguments as
     * {@link #gemmKernel}, and for the same split the same mma sequence per output element.
     */
    public static String stagedGemmKernel(String dtype, int tokens) {
        String k = gemmKernel(dtype, tokens);
        return tokens >= TILED_FROM_TOKENS ? k : "gemm_" + dtype + "_staged_t" + skinnyTokens(tokens);
    }

    /** k per shared-memory stage of a staged skinny block with {@code blockTokens} (8..64) tokens. */
    public static int stagedSuperChunk(int blockTokens) {
        return STAGED_ELEMENTS / blockTokens;
    }

    /** Tokens per skinny block: the smallest of 8, 16, 32, 64 that holds {@code tokens}, else 64. */
    public static int skinnyTokens(int tokens) {
        if (tokens <= 8) {
            return 8;
        }
        if (tokens <= 16) {
            return 16;
        }
        if (tokens <= 32) {
            return 32;
        }
        return 64;
    }

    /** Grid of a GEMM launch: {x = token blocks, y = row blocks, z = splits}. */
    public static int[] gemmGrid(int n, int k, int tokens, int smCount) {
        int splits = splits(n, k, smCount);
        int rows = paddedRows(n);
        if (tokens >= TILED_FROM_TOKENS) {
            return new int[] {ceil(tokens, TILED_TOKENS), ceil(rows, TILED_ROWS), splits};
        }
        return new int[] {ceil(tokens, skinnyTokens(tokens)), ceil(rows, SKINNY_ROWS), splits};
    }

    /** Attention kernel for a head size: lanes hold ceil(headDim / 32) elements each (1, 2, 4 or 8). */
    public static String attentionKernel(int headDim) {
        if (headDim <= 32) {
            return "attention_hd32";
        }
        if (headDim <= 64) {
            return "attention_hd64";
        }
        if (headDim <= 128) {
            return "attention_hd128";
        }
        if (headDim <= 256) {
            return "attention_hd256";
        }
        throw new IllegalArgumentException("head_dim " + headDim + " > 256 is not supported by the CUDA backend");
    }

    // ------------------------------------------------------------ split-key attention

    /** Threads of an attention_split_* block (ATTN_SPLIT_WARPS = 8 warps in attention.cuh). */
    public static final int ATTENTION_SPLIT_THREADS = 256;
    /** Threads of an attention_merge block (ATTN_MERGE_THREADS). */
    public static final int ATTENTION_MERGE_THREADS = 64;
    /** Cache positions per chunk (ATTN_CHUNK): chunk c = position / 64 belongs to split c % S. */
    public static final int ATTENTION_CHUNK = 64;
    /** Capacity positions per split before another split is added. */
    public static final int ATTENTION_KEYS_PER_SPLIT = 128;
    /**
     * Most splits per (token, head tile). Every split is a block whether or not it holds keys, so
     * a 160-token verification pass at context 64 launches S x more blocks than have work; 8 keeps
     * that overhead bounded while context 2048 is still 8 blocks of 256 keys per head tile.
     */
    public static final int MAX_ATTENTION_SPLITS = 8;
    /** Most tokens per attention launch; longer passes run in chunks (bounds the partials' workspace). */
    public static final int MAX_TOKENS_PER_ATTENTION = 256;

    /**
     * Splits of a token's key range: a function of the runner's KV capacity only, never of the
     * batch or the positions, so a captured pass graph stays valid at any position.
     */
    public static int attentionSplits(int capacity) {
        return Math.max(1, Math.min(MAX_ATTENTION_SPLITS, ceil(capacity, ATTENTION_KEYS_PER_SPLIT)));
    }

    /** Floats per lane and head of the split kernel: ceil(headDim / 32) rounded up to 1, 2, 4 or 8. */
    static int attentionElementsPerLane(int headDim) {
        String k = attentionKernel(headDim);
        return Integer.parseInt(k.substring("attention_hd".length())) / 32;
    }

    /**
     * Query heads per split block (QH): the largest of 4, 2, 1 with QH x elements-per-lane <= 8
     * (registers), dividing the local head count, the group size and headFrom, so that the QH
     * consecutive heads of a tile map to one KV head ({@code (headFrom + h) / group - kvFrom}).
     */
    public static int attentionHeadsPerBlock(int headDim, int heads, int group, int headFrom) {
        int epl = attentionElementsPerLane(headDim);
        for (int qh = 4; qh > 1; qh /= 2) {
            if (qh * epl <= 8 && heads % qh == 0 && group % qh == 0 && headFrom % qh == 0) {
                return qh;
            }
        }
        return 1;
    }

    /** The split kernel for a head size and QH, e.g. attention_split_hd64_q4. */
    public static String attentionSplitKernel(int headDim, int headsPerBlock) {
        int epl = attentionElementsPerLane(headDim);
        if (headsPerBlock < 1 || headsPerBlock > 4 || Integer.bitCount(headsPerBlock) != 1
                || headsPerBlock * epl > 8) {
            throw new IllegalArgumentException("no split attention kernel for head_dim " + headDim + " with "
                    + headsPerBlock + " heads per block");
        }
        return attentionKernel(headDim).replace("attention_", "attention_split_") + "_q" + headsPerBlock;
    }

    /** Blocks of a split attention launch: tokens x head tiles x splits (one dimension). */
    public static int attentionSplitBlocks(int tokens, int heads, int headsPerBlock, int splits) {
        long blocks = (long) tokens * (heads / headsPerBlock) * splits;
        if (heads % headsPerBlock != 0 || blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("attention grid " + tokens + " x " + heads + "/" + headsPerBlock
                    + " x " + splits);
        }
        return (int) blocks;
    }

    /** Floats of the partials workspace for {@code tokens}: per (token, head, split) o[headDim], m and l. */
    public static long attentionPartialFloats(int tokens, int heads, int headDim, int splits) {
        return (long) tokens * heads * splits * (headDim + 2);
    }

    /** First key of a token at {@code pos}: pos - window + 1 with a sliding window, else 0 (as the kernels). */
    static int attentionFirstKey(int pos, int window) {
        return window > 0 ? Math.max(0, pos - window + 1) : 0;
    }

    /**
     * attn_split_first_chunk of attention.cuh: the first chunk {@code >= cFirst} with
     * {@code c % splits == j}. Split j holds keys of [first, pos] iff this is {@code <= pos / 64}.
     */
    static int attentionFirstChunk(int j, int cFirst, int splits) {
        return cFirst + (j - cFirst % splits + splits) % splits;
    }

    static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }
}
