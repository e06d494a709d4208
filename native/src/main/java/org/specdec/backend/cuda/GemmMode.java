package org.specdec.backend.cuda;

/**
 * What a GEMM does with its product X W^T, as the {@code splitk_reduce} kernel's {@code mode}
 * argument encodes it (layers.cuh).
 */
enum GemmMode {
    /** out = X W^T (+ bias): projections and the LM head. */
    STORE(0),
    /** out += X W^T: the residual connection after attention and after the MLP. */
    ADD(1),
    /** out[:, n] = silu(P[:, n]) * P[:, n + half] of the fused gate/up product P: the SwiGLU MLP. */
    SWIGLU(2);

    /** The value the kernel expects. */
    final int kernelCode;

    GemmMode(int kernelCode) {
        this.kernelCode = kernelCode;
    }
}
