// Causal grouped-query attention of every new token over its row's KV cache. A token at position
// pos sees cache positions [first, pos], first = pos - window + 1 with a sliding window, else 0.
// The drafted block of a verification pass was appended to the cache before this kernel runs, so
// causal masking inside the block is just "s <= pos".
//
// One block per (token, head), 4 warps. Warp w takes keys s = first + w, first + w + 4, ... with
// an online softmax (running max m, running sum l, running output o); the 4 partial states are
// merged through shared memory at the end. Lane j holds head elements j, j + 32, ... (EPL of them),
// so K and V rows are read coalesced. No score buffer: any context length fits.
#pragma once
#include "common.cuh"

template <int EPL>
__device__ void attention_body(float* __restrict__ out, int ldo, const float* __restrict__ qkv, int ldq,
                               int heads, int kvHeads, int hd, const int* __restrict__ tokPos,
                               const int* __restrict__ tokSlot, const float* __restrict__ kcache,
                               const float* __restrict__ vcache, long long slotStride, long long layerOffset,
                               int window, float scale) {
    __shared__ float sm_m[4];
    __shared__ float sm_l[4];
    __shared__ float sm_o[4][EPL * 32];
    int t = blockIdx.x / heads;
    int h = blockIdx.x % heads;
    int lane = threadIdx.x & 31;
    int w = threadIdx.x >> 5;
    int pos = tokPos[t];
    int first = window > 0 ? max(0, pos - window + 1) : 0;
    int kvdim = kvHeads * hd;
    int kvh = h / (heads / kvHeads);
    const float* q = qkv + (long long)t * ldq + h * hd;
    long long base = (long long)tokSlot[t] * slotStride + layerOffset + kvh * hd;
    float qr[EPL];
    float o[EPL];
#pragma unroll
    for (int e = 0; e < EPL; e++) {
        int i = lane + 32 * e;
        qr[e] = i < hd ? q[i] : 0.f;
        o[e] = 0.f;
    }
    float m = -INFINITY;
    float l = 0.f;
    for (int s = first + w; s <= pos; s += 4) {
        const float* kr = kcache + base + (long long)s * kvdim;
        float dot = 0.f;
#pragma unroll
        for (int e = 0; e < EPL; e++) {
            int i = lane + 32 * e;
            if (i < hd) dot += qr[e] * kr[i];
        }
        float sc = warp_sum(dot) * scale;
        float mNew = fmaxf(m, sc);
        float corr = expf(m - mNew);  // exp(-inf) = 0 on the first key
        float p = expf(sc - mNew);
        l = l * corr + p;
        const float* vr = vcache + base + (long long)s * kvdim;
#pragma unroll
        for (int e = 0; e < EPL; e++) {
            int i = lane + 32 * e;
            o[e] = o[e] * corr + (i < hd ? p * vr[i] : 0.f);
        }
        m = mNew;
    }
    if (lane == 0) {
        sm_m[w] = m;
        sm_l[w] = l;
    }
#pragma unroll
    for (int e = 0; e < EPL; e++) sm_o[w][lane + 32 * e] = o[e];
    __syncthreads();
    if (w == 0) {
        float mAll = fmaxf(fmaxf(sm_m[0], sm_m[1]), fmaxf(sm_m[2], sm_m[3]));
        float lAll = 0.f;
        float f[4];
#pragma unroll
        for (int j = 0; j < 4; j++) {
            // A warp that saw no key has m = -inf and l = 0: its factor is 0.
            f[j] = sm_l[j] > 0.f ? expf(sm_m[j] - mAll) : 0.f;
            lAll += sm_l[j] * f[j];
        }
        float inv = 1.f / lAll;
        float* dst = out + (long long)t * ldo + h * hd;
#pragma unroll
        for (int e = 0; e < EPL; e++) {
            int i = lane + 32 * e;
            if (i < hd) {
                float acc = 0.f;
#pragma unroll
                for (int j = 0; j < 4; j++) acc += sm_o[j][i] * f[j];
                dst[i] = acc * inv;
            }
        }
    }
}

#define ATTENTION_KERNEL(NAME, EPL)                                                                           \
    extern "C" __global__ void __launch_bounds__(128) NAME(                                                    \
        float* out, int ldo, const float* qkv, int ldq, int heads, int kvHeads, int hd, const int* tokPos,    \
        const int* tokSlot, const float* kcache, const float* vcache, long long slotStride,                   \
        long long layerOffset, int window, float scale) {                                                      \
        attention_body<EPL>(out, ldo, qkv, ldq, heads, kvHeads, hd, tokPos, tokSlot, kcache, vcache,          \
                            slotStride, layerOffset, window, scale);                                          \
    }

// head_dim <= 32, <= 64, <= 128, <= 256
ATTENTION_KERNEL(attention_hd32, 1)
ATTENTION_KERNEL(attention_hd64, 2)
ATTENTION_KERNEL(attention_hd128, 4)
ATTENTION_KERNEL(attention_hd256, 8)
