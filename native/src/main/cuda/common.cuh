// Shared helpers of the specdec kernels. Conventions for every kernel in this directory:
//  - activations are F32, row-major [tokens][ld] with ld a multiple of 64 (padded columns stay 0);
//  - weight matrices are [rows][ldk] in their stored dtype (dtype code 0 = F32, 1 = F16, 2 = BF16),
//    rows padded to a multiple of 16 and ldk to a multiple of 64 with zeros, so every row starts
//    16-byte aligned and the tensor-core path needs no tails;
//  - kernels are extern "C" so the host finds them by name with cuModuleGetFunction.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>

#define DT_F32 0
#define DT_F16 1
#define DT_BF16 2

__device__ __forceinline__ float load_weight(const void* w, long long i, int dtype) {
    if (dtype == DT_BF16) {
        return __bfloat162float(reinterpret_cast<const __nv_bfloat16*>(w)[i]);
    }
    if (dtype == DT_F16) {
        return __half2float(reinterpret_cast<const __half*>(w)[i]);
    }
    return reinterpret_cast<const float*>(w)[i];
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, o);
    }
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    }
    return v;
}

// Block-wide sum for blockDim.x a multiple of 32 (<= 1024); every thread gets the result.
// Fixed reduction tree, so the result does not depend on timing.
__device__ __forceinline__ float block_sum(float v, float* red /* >= 32 floats of smem */) {
    int lane = threadIdx.x & 31;
    int wid = threadIdx.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) red[wid] = v;
    __syncthreads();
    int nw = blockDim.x >> 5;
    float t = lane < nw ? red[lane] : 0.f;
    t = warp_sum(t);
    return t;
}

__device__ __forceinline__ float block_max(float v, float* red) {
    int lane = threadIdx.x & 31;
    int wid = threadIdx.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) red[wid] = v;
    __syncthreads();
    int nw = blockDim.x >> 5;
    float t = lane < nw ? red[lane] : -INFINITY;
    return warp_max(t);
}
