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
// This is the baseline path (SPECDEC_CUDA_BASELINE=1); the default is attention_split_* below.
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
                               int window, float scale, int headFrom, int group, int kvFrom) {
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
    // Local query head -> local KV head; headFrom / group / kvFrom are the tensor-parallel offsets
    // (0, heads / kvHeads, 0 on one device).
    int kvh = (headFrom + h) / group - kvFrom;
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
        long long layerOffset, int window, float scale, int headFrom, int group, int kvFrom) {                 \
        attention_body<EPL>(out, ldo, qkv, ldq, heads, kvHeads, hd, tokPos, tokSlot, kcache, vcache,          \
                            slotStride, layerOffset, window, scale, headFrom, group, kvFrom);                 \
    }

// head_dim <= 32, <= 64, <= 128, <= 256
ATTENTION_KERNEL(attention_hd32, 1)
ATTENTION_KERNEL(attention_hd64, 2)
ATTENTION_KERNEL(attention_hd128, 4)
ATTENTION_KERNEL(attention_hd256, 8)

// ---------------------------------------------------------------------------------------------
// Split-key attention (flash-decoding), the default path. One block per (token, tile of QH query
// heads sharing one KV head, split j of S), then attention_merge per (token, head).
//
// Why: one block per (token, head) gave 32 blocks at batch 1 and a chain of pos / 32 dependent
// steps per warp, each exposing a KV load latency (110 us per layer at context 2048 on an H200).
//
// Split rule: cache positions are cut into chunks of ATTN_CHUNK (chunk c = s / ATTN_CHUNK, from
// position 0) and chunk c belongs to split c % S. S depends only on the runner's KV capacity
// (LaunchGeometry.attentionSplits), so the grid is a function of the token count alone (a CUDA
// graph replays it at other positions); a split with no chunk in [first, pos] exits at once. The
// keys a block takes, and the order it combines them in, depend only on the token's own position:
// batch invariant and deterministic.
// In a block, warp w takes keys c * CHUNK + w * KPW + (0..KPW-1) + k * NW * KPW of each of its
// chunks: KPW keys' K and V rows are loaded together per step (one exposed latency per step, not
// one per key), and each K/V row serves all QH query heads of the tile (read once per tile).
// The warps' (m, l, o) are merged in warp order through shared memory; the split's partial (o
// unnormalized, m, l) goes to the workspace, which attention_merge combines in split order.
#define ATTN_SPLIT_WARPS 8
#define ATTN_KPW 4
#define ATTN_CHUNK 64
#define ATTN_MERGE_THREADS 64
static_assert(ATTN_CHUNK % (ATTN_SPLIT_WARPS * ATTN_KPW) == 0, "a warp step never crosses a chunk");

__device__ __forceinline__ int attn_first_key(int pos, int window) {
    return window > 0 ? max(0, pos - window + 1) : 0;
}

// The first chunk >= cFirst that belongs to split j (c % splits == j); beyond pos / ATTN_CHUNK
// when the split has no key of [first, pos]. Mirrored by LaunchGeometry.attentionFirstChunk.
__device__ __forceinline__ int attn_split_first_chunk(int j, int cFirst, int splits) {
    return cFirst + (j - cFirst % splits + splits) % splits;
}

template <int EPL, int QH>
__device__ void attention_split_body(float* __restrict__ partO, float* __restrict__ partML,
                                     const float* __restrict__ qkv, int ldq, int heads, int kvHeads, int hd,
                                     const int* __restrict__ tokPos, const int* __restrict__ tokSlot,
                                     const float* __restrict__ kcache, const float* __restrict__ vcache,
                                     long long slotStride, long long layerOffset, int window, float scale,
                                     int headFrom, int group, int kvFrom, int splits) {
    constexpr int NW = ATTN_SPLIT_WARPS;
    constexpr int KPW = ATTN_KPW;
    constexpr int W = EPL * 32;
    __shared__ float sm_m[NW][QH];
    __shared__ float sm_l[NW][QH];
    __shared__ float sm_o[NW][QH][W];
    int tiles = heads / QH;
    int j = blockIdx.x % splits;
    int rest = blockIdx.x / splits;
    int tile = rest % tiles;
    int t = rest / tiles;
    int pos = tokPos[t];
    int first = attn_first_key(pos, window);
    int cLast = pos / ATTN_CHUNK;
    int c0 = attn_split_first_chunk(j, first / ATTN_CHUNK, splits);
    if (c0 > cLast) return;  // no key in this split (whole block, before any barrier)
    int lane = threadIdx.x & 31;
    int w = threadIdx.x >> 5;
    int h0 = tile * QH;
    // The host picks QH so that the tile's heads share one KV head (QH divides group and headFrom).
    int kvh = (headFrom + h0) / group - kvFrom;
    int kvdim = kvHeads * hd;
    const float* q = qkv + (long long)t * ldq + h0 * hd;
    long long base = (long long)tokSlot[t] * slotStride + layerOffset + kvh * hd;
    float qr[QH][EPL];
    float o[QH][EPL];
    float m[QH];
    float l[QH];
#pragma unroll
    for (int g = 0; g < QH; g++) {
#pragma unroll
        for (int e = 0; e < EPL; e++) {
            int i = lane + 32 * e;
            qr[g][e] = i < hd ? q[g * hd + i] : 0.f;
            o[g][e] = 0.f;
        }
        m[g] = -INFINITY;
        l[g] = 0.f;
    }
    for (int c = c0; c <= cLast; c += splits) {
        int chunkEnd = (c + 1) * ATTN_CHUNK;
        for (int s0 = c * ATTN_CHUNK + w * KPW; s0 < chunkEnd; s0 += NW * KPW) {
            // Warp-uniform: skip a step with no key in [first, pos] (so a step has at least one).
            if (s0 > pos || s0 + KPW - 1 < first) continue;
            float kr[KPW][EPL];
            float vr[KPW][EPL];
            bool ok[KPW];
            // All loads of the step first; a key outside [first, pos] is not read (it may lie past
            // the capacity) and counts as 0.
#pragma unroll
            for (int u = 0; u < KPW; u++) {
                int s = s0 + u;
                ok[u] = s >= first && s <= pos;
                const float* kp = kcache + base + (long long)s * kvdim;
                const float* vp = vcache + base + (long long)s * kvdim;
#pragma unroll
                for (int e = 0; e < EPL; e++) {
                    int i = lane + 32 * e;
                    bool in = ok[u] && i < hd;
                    kr[u][e] = in ? kp[i] : 0.f;
                    vr[u][e] = in ? vp[i] : 0.f;
                }
            }
            float d[QH][KPW];
#pragma unroll
            for (int g = 0; g < QH; g++) {
#pragma unroll
                for (int u = 0; u < KPW; u++) {
                    float dot = 0.f;
#pragma unroll
                    for (int e = 0; e < EPL; e++) dot += qr[g][e] * kr[u][e];
                    d[g][u] = dot;
                }
            }
#pragma unroll
            for (int off = 16; off > 0; off >>= 1) {
#pragma unroll
                for (int g = 0; g < QH; g++) {
#pragma unroll
                    for (int u = 0; u < KPW; u++) d[g][u] += __shfl_xor_sync(0xffffffffu, d[g][u], off);
                }
            }
#pragma unroll
            for (int g = 0; g < QH; g++) {
                float sc[KPW];
                float mNew = m[g];
#pragma unroll
                for (int u = 0; u < KPW; u++) {
                    sc[u] = ok[u] ? d[g][u] * scale : -INFINITY;
                    mNew = fmaxf(mNew, sc[u]);
                }
                float corr = expf(m[g] - mNew);  // exp(-inf) = 0 on the warp's first keys
                float p[KPW];
                float psum = 0.f;
#pragma unroll
                for (int u = 0; u < KPW; u++) {
                    p[u] = ok[u] ? expf(sc[u] - mNew) : 0.f;
                    psum += p[u];
                }
                l[g] = l[g] * corr + psum;
#pragma unroll
                for (int e = 0; e < EPL; e++) {
                    float acc = o[g][e] * corr;
#pragma unroll
                    for (int u = 0; u < KPW; u++) acc += p[u] * vr[u][e];
                    o[g][e] = acc;
                }
                m[g] = mNew;
            }
        }
    }
#pragma unroll
    for (int g = 0; g < QH; g++) {
        if (lane == 0) {
            sm_m[w][g] = m[g];
            sm_l[w][g] = l[g];
        }
#pragma unroll
        for (int e = 0; e < EPL; e++) sm_o[w][g][lane + 32 * e] = o[g][e];
    }
    __syncthreads();
    for (int idx = threadIdx.x; idx < QH * W; idx += NW * 32) {
        int g = idx / W;
        int i = idx % W;
        if (i >= hd) continue;
        float mAll = -INFINITY;
#pragma unroll
        for (int v = 0; v < NW; v++) mAll = fmaxf(mAll, sm_m[v][g]);
        float lAll = 0.f;
        float acc = 0.f;
#pragma unroll
        for (int v = 0; v < NW; v++) {
            // A warp that saw no key has m = -inf, l = 0 and o = 0: its factor is 0.
            float f = sm_l[v][g] > 0.f ? expf(sm_m[v][g] - mAll) : 0.f;
            lAll += sm_l[v][g] * f;
            acc += sm_o[v][g][i] * f;
        }
        long long pi = ((long long)t * heads + h0 + g) * splits + j;
        partO[pi * hd + i] = acc;
        if (i == 0) {
            partML[2 * pi] = mAll;
            partML[2 * pi + 1] = lAll;
        }
    }
}

#define ATTENTION_SPLIT_KERNEL(NAME, EPL, QH)                                                                  \
    extern "C" __global__ void __launch_bounds__(32 * ATTN_SPLIT_WARPS, 1) NAME(                                \
        float* partO, float* partML, const float* qkv, int ldq, int heads, int kvHeads, int hd,                \
        const int* tokPos, const int* tokSlot, const float* kcache, const float* vcache, long long slotStride, \
        long long layerOffset, int window, float scale, int headFrom, int group, int kvFrom, int splits) {     \
        attention_split_body<EPL, QH>(partO, partML, qkv, ldq, heads, kvHeads, hd, tokPos, tokSlot, kcache,    \
                                      vcache, slotStride, layerOffset, window, scale, headFrom, group, kvFrom, \
                                      splits);                                                                 \
    }

// head_dim <= 32 / 64 / 128 / 256 (EPL 1, 2, 4, 8) x QH query heads per block, QH * EPL <= 8 so
// the per-head registers (q, o) stay at 16 per thread.
ATTENTION_SPLIT_KERNEL(attention_split_hd32_q1, 1, 1)
ATTENTION_SPLIT_KERNEL(attention_split_hd32_q2, 1, 2)
ATTENTION_SPLIT_KERNEL(attention_split_hd32_q4, 1, 4)
ATTENTION_SPLIT_KERNEL(attention_split_hd64_q1, 2, 1)
ATTENTION_SPLIT_KERNEL(attention_split_hd64_q2, 2, 2)
ATTENTION_SPLIT_KERNEL(attention_split_hd64_q4, 2, 4)
ATTENTION_SPLIT_KERNEL(attention_split_hd128_q1, 4, 1)
ATTENTION_SPLIT_KERNEL(attention_split_hd128_q2, 4, 2)
ATTENTION_SPLIT_KERNEL(attention_split_hd256_q1, 8, 1)

// One block per (token, head): out = sum_j f_j o_j / sum_j f_j l_j, f_j = exp(m_j - max m), over
// the splits that hold keys of [first, pos] (the same rule as the split kernel, so partials of
// empty splits, never written in this pass, are never read), in split order.
extern "C" __global__ void __launch_bounds__(ATTN_MERGE_THREADS)
    attention_merge(float* out, int ldo, const float* __restrict__ partO, const float* __restrict__ partML,
                    int heads, int hd, const int* __restrict__ tokPos, int window, int splits) {
    int t = blockIdx.x / heads;
    int h = blockIdx.x % heads;
    int pos = tokPos[t];
    int cFirst = attn_first_key(pos, window) / ATTN_CHUNK;
    int cLast = pos / ATTN_CHUNK;
    long long p0 = ((long long)t * heads + h) * splits;
    float mAll = -INFINITY;
    for (int j = 0; j < splits; j++) {
        if (attn_split_first_chunk(j, cFirst, splits) <= cLast) mAll = fmaxf(mAll, partML[2 * (p0 + j)]);
    }
    float* dst = out + (long long)t * ldo + h * hd;
    for (int i = threadIdx.x; i < hd; i += ATTN_MERGE_THREADS) {
        float lAll = 0.f;
        float acc = 0.f;
        for (int j = 0; j < splits; j++) {
            if (attn_split_first_chunk(j, cFirst, splits) > cLast) continue;
            float f = expf(partML[2 * (p0 + j)] - mAll);
            lAll += partML[2 * (p0 + j) + 1] * f;
            acc += partO[(p0 + j) * hd + i] * f;
        }
        dst[i] = acc / lAll;
    }
}
