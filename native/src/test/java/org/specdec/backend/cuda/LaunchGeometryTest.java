package org.specdec.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host-side shapes of the kernels: padding, split-K and GEMM variants. */
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
    void uniformsStayBelowOne() {
        assertTrue(AcceptanceStaging.uniform(0.99999999999) < 1f);
        assertEquals(0.5f, AcceptanceStaging.uniform(0.5));
    }
}
