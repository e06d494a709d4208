// Causal grouped-query attention of every new token over its row's KV cache. A token at position
// pos sees cache positions [first, pos], first = pos - window + 1 with a sliding window, else 0.
// The drafted block of a verification pass was appended to the cache before this kernel runs, so
// causal masking inside the block is just "s <= pos".
//
// One block per (token, head), ATTN_WARPS warps. Warp w takes keys s = first + w, first + w + NW, ...
// two at a time (two independent dot products and shuffle trees in flight), with an online softmax
// (running max m, running sum l, running output o); the NW partial states are merged through shared
// memory at the end in warp order. Lane j holds head elements j, j + 32, ... (EPL of them), so K and V
// rows are read coalesced. No score buffer: any context length fits. A long context is a chain of
// pos / (2 NW) dependent steps per warp, so more warps shorten it directly.
// The work split depends only on the token's own positions, never on the batch: batch invariant.
#pragma once
#include "common.cuh"

#define ATTN_WARPS 16

template <int EPL>
__device__ __forceinline__ float attn_dot(const float* qr, const float* __restrict__ kr, int lane, int hd) {
    float dot = 0.f;
#pragma unroll
    for (int e = 0; e < EPL; e++) {
        int i = lane + 32 * e;
        if (i < hd) dot += qr[e] * kr[i];
    }
    return dot;
}

template <int EPL>
__device__ void attention_body(float* __restrict__ out, int ldo, const float* __restrict__ qkv, int ldq,
                               int heads, int kvHeads, int hd, const int* __restrict__ tokPos,
                               const int* __restrict__ tokSlot, const float* __restrict__ kcache,
                               const float* __restrict__ vcache, long long slotStride, long long layerOffset,
                               int window, float scale) {
    constexpr int NW = ATTN_WARPS;
    __shared__ float sm_m[NW];
    __shared__ float sm_l[NW];
    __shared__ float sm_o[NW][EPL * 32];
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
    for (int s = first + w; s <= pos; s += 2 * NW) {
        int s2 = s + NW;
        bool two = s2 <= pos;
        const float* k0 = kcache + base + (long long)s * kvdim;
        const float* k1 = kcache + base + (long long)s2 * kvdim;
        float d0 = attn_dot<EPL>(qr, k0, lane, hd);
        float d1 = two ? attn_dot<EPL>(qr, k1, lane, hd) : 0.f;
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) {
            d0 += __shfl_xor_sync(0xffffffffu, d0, off);
            d1 += __shfl_xor_sync(0xffffffffu, d1, off);
        }
        float sc0 = d0 * scale;
        float sc1 = two ? d1 * scale : -INFINITY;
        float mNew = fmaxf(m, fmaxf(sc0, sc1));
        float corr = expf(m - mNew);  // exp(-inf) = 0 on the first keys
        float p0 = expf(sc0 - mNew);
        float p1 = two ? expf(sc1 - mNew) : 0.f;
        l = l * corr + p0 + p1;
        const float* v0 = vcache + base + (long long)s * kvdim;
        const float* v1 = vcache + base + (long long)s2 * kvdim;
#pragma unroll
        for (int e = 0; e < EPL; e++) {
            int i = lane + 32 * e;
            float add = 0.f;
            if (i < hd) {
                add = p0 * v0[i];
                if (two) add += p1 * v1[i];
            }
            o[e] = o[e] * corr + add;
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
        float mAll = -INFINITY;
#pragma unroll
        for (int j = 0; j < NW; j++) mAll = fmaxf(mAll, sm_m[j]);
        float lAll = 0.f;
        float f[NW];
#pragma unroll
        for (int j = 0; j < NW; j++) {
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
                for (int j = 0; j < NW; j++) acc += sm_o[j][i] * f[j];
                dst[i] = acc * inv;
            }
        }
    }
}

#define ATTENTION_KERNEL(NAME, EPL)                                                                           \
    extern "C" __global__ void __launch_bounds__(32 * ATTN_WARPS) NAME(                                       \
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
