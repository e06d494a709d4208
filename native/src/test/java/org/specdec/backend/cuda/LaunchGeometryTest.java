package org.specdec.backend.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host-side shapes of the kernels: padding, split-K, GEMM variants and the split attention. */
class LaunchGeometryTest {

    @Test
    void rowsArePaddedTo64ElementsAndMatricesTo16Rows() {
        assertEquals(64, LaunchGeometry.paddedK(64));
        assertEquals(192, LaunchGeometry.paddedK(172), "stories260K's intermediate size has a tail");
        assertEquals(2048, LaunchGeometry.paddedK(2048));
        assertEquals(128256, LaunchGeometry.paddedRows(128256));
        assertEquals(176, LaunchGeometry.paddedRows(172));
    }

    @Test
    void splitsDivideTheChunksAndLeaveAtLeast256KPerSplit() {
        for (int sm : new int[] {1, 84, 108, 132}) {
            for (int[] nk : new int[][] {{3072, 2048}, {2048, 2048}, {16384, 2048}, {2048, 8192}, {128256, 2048},
                    {172, 64}, {64, 172}, {8, 8}}) {
                int s = LaunchGeometry.splits(nk[0], nk[1], sm);
                int kp = LaunchGeometry.paddedK(nk[1]);
                assertTrue(s >= 1);
                assertEquals(0, (kp / LaunchGeometry.K_CHUNK) % s, "whole chunks per split");
                assertTrue(s == 1 || kp / s >= 256, "split of at least 256 k");
                assertEquals(kp, s * LaunchGeometry.splitLength(nk[0], nk[1], sm));
            }
        }
    }

    @Test
    void skinnyMatricesOfA1BModelAreSplitToFillAnH100() {
        int sm = 132;
        assertEquals(16, LaunchGeometry.splits(2048, 8192, sm), "down_proj: 16 row blocks need 16 splits");
        assertEquals(1, LaunchGeometry.splits(128256, 2048, sm), "lm_head has 1002 row blocks already");
        int[] g = LaunchGeometry.gemmGrid(2048, 8192, 5, sm);
        assertEquals(1, g[0]);
        assertEquals(16, g[1]);
        assertEquals(16, g[2]);
    }

    @Test
    void theSplitDependsOnTheMatrixNotOnTheTokens() {
        // Batch invariance: the same split for a 1-token decode and a 256-token prefill chunk.
        int[] one = LaunchGeometry.gemmGrid(3072, 2048, 1, 132);
        for (int m = 2; m <= 256; m++) {
            assertEquals(one[2], LaunchGeometry.gemmGrid(3072, 2048, m, 132)[2]);
        }
    }

    @Test
    void kernelVariantFollowsTheTokenCount() {
        assertEquals("gemm_bf16_skinny_t8", LaunchGeometry.gemmKernel("bf16", 1));
        assertEquals("gemm_bf16_skinny_t8", LaunchGeometry.gemmKernel("bf16", 8));
        assertEquals("gemm_f16_skinny_t16", LaunchGeometry.gemmKernel("f16", 9));
        assertEquals("gemm_bf16_skinny_t32", LaunchGeometry.gemmKernel("bf16", 32));
        assertEquals("gemm_bf16_skinny_t64", LaunchGeometry.gemmKernel("bf16", 128));
        assertEquals("gemm_bf16_tiled", LaunchGeometry.gemmKernel("bf16", 129));
        assertEquals(2, LaunchGeometry.gemmGrid(2048, 2048, 256, 132)[0], "tiled blocks hold 128 tokens");
        assertEquals(16, LaunchGeometry.gemmGrid(2048, 2048, 200, 132)[1], "tiled blocks hold 128 weight rows");
        assertEquals(2, LaunchGeometry.gemmGrid(2048, 2048, 100, 132)[0], "skinny blocks hold 64 tokens");
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.gemmKernel("bf16", 257));
    }

    @Test
    void stagedKernelsReplaceTheSkinnyOnesOnlyWithTheSameGrid() {
        assertEquals("gemm_bf16_staged_t8", LaunchGeometry.stagedGemmKernel("bf16", 1));
        assertEquals("gemm_f16_staged_t16", LaunchGeometry.stagedGemmKernel("f16", 9));
        assertEquals("gemm_bf16_staged_t32", LaunchGeometry.stagedGemmKernel("bf16", 17));
        assertEquals("gemm_bf16_staged_t64", LaunchGeometry.stagedGemmKernel("bf16", 128));
        assertEquals("gemm_bf16_tiled", LaunchGeometry.stagedGemmKernel("bf16", 129));
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.stagedGemmKernel("bf16", 0));
        for (int m = 1; m <= 256; m++) {
            String base = LaunchGeometry.gemmKernel("bf16", m);
            String staged = LaunchGeometry.stagedGemmKernel("bf16", m);
            assertEquals(base.substring(base.lastIndexOf('_')), staged.substring(staged.lastIndexOf('_')),
                    "same token tile at " + m);
        }
    }

    @Test
    void stagedSuperChunksAreWholeStepsAndFitStaticSharedMemory() {
        for (int tb : new int[] {8, 16, 32, 64}) {
            int sk = LaunchGeometry.stagedSuperChunk(tb);
            assertEquals(0, sk % LaunchGeometry.K_CHUNK, "whole 64-k steps at t" + tb);
            long smem = 2L * tb * (sk + 32) * 2;  // hi + lo halves, rows padded by 32 halves
            assertTrue(smem <= 48 * 1024, "static shared memory at t" + tb + ": " + smem);
        }
        // The decode shapes of a 1B model on 132 SMs stage a whole split at once (t8), except the
        // LM head's 2048 k (two stages).
        int sk8 = LaunchGeometry.stagedSuperChunk(8);
        for (int[] nk : new int[][] {{3072, 2048}, {2048, 2048}, {16384, 2048}, {2048, 8192}}) {
            assertTrue(LaunchGeometry.splitLength(nk[0], nk[1], 132) <= sk8, nk[0] + " x " + nk[1]);
        }
        assertEquals(2, LaunchGeometry.splitLength(128256, 2048, 132) / sk8);
    }

    @Test
    void fusedNormKernelCoversTheNormLaunchItReproduces() {
        assertEquals(0, LaunchGeometry.RESIDUAL_NORM_THREADS % LaunchGeometry.NORM_THREADS);
        assertTrue(LaunchGeometry.RESIDUAL_NORM_THREADS <= 1024);
        assertEquals(0, LaunchGeometry.QKV_ROPE_THREADS % 32);
    }

    @Test
    void attentionKernelByHeadSize() {
        assertEquals("attention_hd32", LaunchGeometry.attentionKernel(16));
        assertEquals("attention_hd64", LaunchGeometry.attentionKernel(64));
        assertEquals("attention_hd128", LaunchGeometry.attentionKernel(128));
        assertEquals("attention_hd256", LaunchGeometry.attentionKernel(256));
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.attentionKernel(512));
    }

    @Test
    void attentionSplitsDependOnTheCapacityOnly() {
        assertEquals(1, LaunchGeometry.attentionSplits(1));
        assertEquals(1, LaunchGeometry.attentionSplits(128));
        assertEquals(2, LaunchGeometry.attentionSplits(129));
        assertEquals(2, LaunchGeometry.attentionSplits(256), "the GPU tests' capacity 256: two splits");
        assertEquals(4, LaunchGeometry.attentionSplits(512));
        assertEquals(8, LaunchGeometry.attentionSplits(1024));
        assertEquals(8, LaunchGeometry.attentionSplits(4096));
        assertEquals(8, LaunchGeometry.attentionSplits(131072));
        // The grid: tokens x head tiles x splits, whatever the positions.
        assertEquals(8 * 8, LaunchGeometry.attentionSplitBlocks(1, 32, 4, 8));
        assertEquals(160 * 8 * 8, LaunchGeometry.attentionSplitBlocks(160, 32, 4, 8));
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.attentionSplitBlocks(1, 6, 4, 8));
        assertEquals(256L * 32 * 8 * 66, LaunchGeometry.attentionPartialFloats(256, 32, 64, 8));
    }

    /**
     * The split kernel's loops, replayed on the host (ATTN_SPLIT_WARPS 8, ATTN_KPW 4, ATTN_CHUNK 64,
     * attn_split_first_chunk mirrored by attentionFirstChunk): every key of [first, pos] is taken
     * exactly once, by the split its chunk belongs to, nothing outside it is read, and the merge
     * (which reads only splits with attentionFirstChunk <= pos / 64) sees exactly the splits that
     * took keys.
     */
    @Test
    void everyKeyOfTheWindowIsTakenOnceByTheSplitOfItsChunk() {
        int nw = 8;
        int kpw = 4;
        int ch = LaunchGeometry.ATTENTION_CHUNK;
        assertEquals(0, ch % (nw * kpw));
        for (int splits = 1; splits <= LaunchGeometry.MAX_ATTENTION_SPLITS; splits++) {
            for (int window : new int[] {0, 1, 2, 5, 63, 64, 65, 100, 200, 4096}) {
                for (int pos = 0; pos < 700; pos++) {
                    int first = LaunchGeometry.attentionFirstKey(pos, window);
                    int[] taken = new int[pos + 1];
                    for (int j = 0; j < splits; j++) {
                        int c0 = LaunchGeometry.attentionFirstChunk(j, first / ch, splits);
                        boolean nonEmpty = c0 <= pos / ch;
                        int keys = 0;
                        for (int c = c0; c <= pos / ch; c += splits) {
                            for (int w = 0; w < nw; w++) {
                                for (int s0 = c * ch + w * kpw; s0 < (c + 1) * ch; s0 += nw * kpw) {
                                    if (s0 > pos || s0 + kpw - 1 < first) {
                                        continue;
                                    }
                                    boolean any = false;
                                    for (int u = 0; u < kpw; u++) {
                                        int s = s0 + u;
                                        if (s >= first && s <= pos) {
                                            assertEquals(j, (s / ch) % splits, "key " + s + " in split " + j);
                                            taken[s]++;
                                            keys++;
                                            any = true;
                                        }
                                    }
                                    assertTrue(any, "a warp step that is not skipped has a key");
                                }
                            }
                        }
                        assertEquals(nonEmpty, keys > 0, "split " + j + " of " + splits + " at pos " + pos
                                + " window " + window + ": the merge's rule and the kernel's work agree");
                    }
                    for (int s = 0; s <= pos; s++) {
                        assertEquals(s >= first ? 1 : 0, taken[s], "key " + s + " pos " + pos + " window " + window);
                    }
                }
            }
        }
    }

    @Test
    void attentionHeadTilesShareOneKvHead() {
        assertEquals(4, LaunchGeometry.attentionHeadsPerBlock(64, 32, 4, 0), "Llama-3.2-1B: 4 heads per KV head");
        assertEquals(2, LaunchGeometry.attentionHeadsPerBlock(128, 8, 8, 0), "hd128: registers allow 2");
        assertEquals(1, LaunchGeometry.attentionHeadsPerBlock(256, 8, 8, 0));
        assertEquals(2, LaunchGeometry.attentionHeadsPerBlock(16, 4, 2, 0), "tiny preset");
        assertEquals(1, LaunchGeometry.attentionHeadsPerBlock(8, 8, 1, 0), "no GQA: one head per block");
        assertEquals(1, LaunchGeometry.attentionHeadsPerBlock(64, 3, 3, 0));
        assertEquals(2, LaunchGeometry.attentionHeadsPerBlock(64, 16, 4, 2), "tensor parallel, headFrom 2");
        // Brute force: every head of a tile reads the same KV head, (headFrom + h) / group - kvFrom.
        for (int hd : new int[] {8, 32, 64, 128, 256}) {
            for (int group = 1; group <= 16; group++) {
                for (int heads = group; heads <= 32; heads++) {
                    for (int headFrom = 0; headFrom <= 8; headFrom++) {
                        int qh = LaunchGeometry.attentionHeadsPerBlock(hd, heads, group, headFrom);
                        assertEquals(0, heads % qh);
                        int kvFrom = headFrom / group;
                        for (int h0 = 0; h0 < heads; h0 += qh) {
                            int kv = (headFrom + h0) / group - kvFrom;
                            for (int h = h0; h < h0 + qh; h++) {
                                assertEquals(kv, (headFrom + h) / group - kvFrom);
                            }
                        }
                        LaunchGeometry.attentionSplitKernel(hd, qh);  // exists for this shape
                    }
                }
            }
        }
    }

    @Test
    void splitAttentionKernelsExistInTheSource() throws IOException {
        String src = Files.readString(Path.of("src/main/cuda/attention.cuh"));
        assertEquals("attention_split_hd64_q4", LaunchGeometry.attentionSplitKernel(64, 4));
        assertEquals("attention_split_hd32_q1", LaunchGeometry.attentionSplitKernel(8, 1));
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.attentionSplitKernel(128, 4));
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.attentionSplitKernel(256, 2));
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.attentionSplitKernel(64, 3));
        for (int hd = 2; hd <= 256; hd += 2) {
            for (int qh : new int[] {1, 2, 4}) {
                if (qh * LaunchGeometry.attentionElementsPerLane(hd) <= 8) {
                    String name = LaunchGeometry.attentionSplitKernel(hd, qh);
                    assertTrue(src.contains("ATTENTION_SPLIT_KERNEL(" + name + ","), name + " in attention.cuh");
                }
            }
        }
        assertTrue(src.contains("attention_merge("));
    }

    @Test
    void uniformsStayBelowOne() {
        assertTrue(AcceptanceStaging.uniform(0.99999999999) < 1f);
        assertEquals(0.5f, AcceptanceStaging.uniform(0.5));
    }
}
