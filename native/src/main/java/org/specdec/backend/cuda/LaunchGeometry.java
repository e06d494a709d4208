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

    static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }
}
