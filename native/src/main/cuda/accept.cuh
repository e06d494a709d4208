// The acceptance step on the device (Leviathan et al. 2023, Algorithm 1; Chen et al. 2023), one
// block per row, so only the accepted ids and the accepted count cross to the host. Notation as
// in RejectionSampler: p = target distribution, q = draft distribution, x_i = draft at i, gamma = k.
//  - greedy rows: accept x_i while x_i == argmax p_i (lowest id on a tie); then emit argmax p at
//    the first mismatch, or the bonus argmax p_gamma;
//  - sampled rows: p = softmax(logits / T), then top-k, then top-p (LogitsProcessor's order and
//    tie rule: every token tied with the threshold is kept); accept x_i when u < p(x_i) / q(x_i);
//    at the first rejection sample norm(max(0, p - q)) (p itself if that is empty); if all gamma
//    are accepted sample the bonus token from p_gamma.
// Uniforms come from the host (two per position, drawn from the row's own seeded generator), so a
// row's draws never depend on its batch neighbours. Every reduction has a fixed order (thread
// strides, fixed trees, integer histograms), so the kernel is deterministic.
#pragma once
#include "common.cuh"

#define ACCEPT_THREADS 1024

struct Shared {
    float red[32];
    int redi[32];
    unsigned long long hist[256];
    float scan[ACCEPT_THREADS];
    int pick;
    unsigned int prefix;
    int keepAll;
};

// Greedy choice over x[0..n): the highest value, the lowest index on a tie.
__device__ int block_argmax(const float* __restrict__ x, int n, Shared& sh) {
    float bv = -INFINITY;
    int bi = 0x7fffffff;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float v = x[i];
        if (v > bv || bi == 0x7fffffff) {
            bv = v;
            bi = i;
        }
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(0xffffffffu, bv, o);
        int oi = __shfl_xor_sync(0xffffffffu, bi, o);
        if (ov > bv || (ov == bv && oi < bi)) {
            bv = ov;
            bi = oi;
        }
    }
    int lane = threadIdx.x & 31;
    int wid = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) {
        sh.red[wid] = bv;
        sh.redi[wid] = bi;
    }
    __syncthreads();
    if (wid == 0) {
        int nw = blockDim.x >> 5;
        bv = lane < nw ? sh.red[lane] : -INFINITY;
        bi = lane < nw ? sh.redi[lane] : 0x7fffffff;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            float ov = __shfl_xor_sync(0xffffffffu, bv, o);
            int oi = __shfl_xor_sync(0xffffffffu, bi, o);
            if (ov > bv || (ov == bv && oi < bi)) {
                bv = ov;
                bi = oi;
            }
        }
        if (lane == 0) sh.pick = bi;
    }
    __syncthreads();
    return sh.pick;
}

// The largest value v of p[0..n) (all >= 0) with W(p >= v) >= target, where W counts elements
// (byMass = false) or sums their mass in 2^-40 fixed point (byMass = true, integer adds, so the
// histogram is exact and order-free). MSB-first radix select on the float bits, 8 bits a pass.
// Returns 0 (keep everything) when the whole set weighs less than target.
__device__ float radix_threshold(const float* __restrict__ p, int n, bool byMass, double target, Shared& sh) {
    const double scale = 1099511627776.0;  // 2^40
    unsigned long long tgt = byMass ? (unsigned long long)(target * scale) : (unsigned long long)target;
    unsigned int prefix = 0;
    unsigned int mask = 0;
    unsigned long long above = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        for (int i = threadIdx.x; i < 256; i += blockDim.x) sh.hist[i] = 0ULL;
        __syncthreads();
        for (int i = threadIdx.x; i < n; i += blockDim.x) {
            unsigned int key = __float_as_uint(p[i]);
            if ((key & mask) == prefix) {
                unsigned long long w = byMass ? (unsigned long long)((double)p[i] * scale) : 1ULL;
                atomicAdd(&sh.hist[(key >> shift) & 255u], w);
            }
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            unsigned long long cum = above;
            int d = -1;
            for (int b = 255; b >= 0; b--) {
                if (cum + sh.hist[b] >= tgt) {
                    d = b;
                    break;
                }
                cum += sh.hist[b];
            }
            if (d < 0) {
                sh.keepAll = 1;
            } else {
                sh.keepAll = 0;
                sh.prefix = prefix | ((unsigned int)d << shift);
                sh.hist[0] = cum;  // weight strictly above the chosen digit, read back below
            }
        }
        __syncthreads();
        if (sh.keepAll) {
            __syncthreads();
            return 0.f;
        }
        prefix = sh.prefix;
        above = sh.hist[0];
        mask |= 255u << shift;
        __syncthreads();
    }
    return __uint_as_float(prefix);
}

// p[i] = 0 where p[i] < thr, then renormalize.
__device__ void keep_at_least(float* __restrict__ p, int n, float thr, Shared& sh) {
    float s = 0.f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float v = p[i];
        if (v < thr) {
            p[i] = 0.f;
        } else {
            s += v;
        }
    }
    s = block_sum(s, sh.red);
    float inv = 1.f / s;
    __syncthreads();
    for (int i = threadIdx.x; i < n; i += blockDim.x) p[i] *= inv;
    __syncthreads();
}

// LogitsProcessor.probabilities on the device: p = softmax(x / T), then top-k, then top-p.
__device__ void probabilities(const float* __restrict__ x, int n, float temperature, int topK, float topP,
                              float* __restrict__ p, Shared& sh) {
    float mx = -INFINITY;
    for (int i = threadIdx.x; i < n; i += blockDim.x) mx = fmaxf(mx, x[i]);
    mx = block_max(mx, sh.red);
    float invT = 1.f / temperature;
    float s = 0.f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float e = expf((x[i] - mx) * invT);
        p[i] = e;
        s += e;
    }
    s = block_sum(s, sh.red);
    float inv = 1.f / s;
    __syncthreads();
    for (int i = threadIdx.x; i < n; i += blockDim.x) p[i] *= inv;
    __syncthreads();
    if (topK > 0 && topK < n) {
        keep_at_least(p, n, radix_threshold(p, n, false, (double)topK, sh), sh);
    }
    if (topP < 1.f) {
        keep_at_least(p, n, radix_threshold(p, n, true, (double)topP, sh), sh);
    }
}

// LogitsProcessor.sample: inverse CDF of an unnormalized p with uniform u, in index order.
// Thread j owns the contiguous chunk [j*c, (j+1)*c); chunk sums are scanned in order by one thread.
__device__ int sample_index(const float* __restrict__ p, int n, float u, Shared& sh) {
    int c = (n + blockDim.x - 1) / blockDim.x;
    int lo = min(n, threadIdx.x * c);
    int hi = min(n, lo + c);
    float s = 0.f;
    int lastNz = -1;
    for (int i = lo; i < hi; i++) {
        if (p[i] > 0.f) {
            s += p[i];
            lastNz = i;
        }
    }
    __syncthreads();
    sh.scan[threadIdx.x] = s;
    if (threadIdx.x == 0) sh.pick = -1;
    __syncthreads();
    if (threadIdx.x == 0) {
        float acc = 0.f;
        for (int j = 0; j < (int)blockDim.x; j++) {
            float v = sh.scan[j];
            sh.scan[j] = acc;  // exclusive prefix
            acc += v;
        }
        sh.red[0] = acc;  // total
    }
    __syncthreads();
    float total = sh.red[0];
    float target = u * total;
    float start = sh.scan[threadIdx.x];
    if (s > 0.f && start <= target && target < start + s) {
        float acc = start;
        int found = lastNz;
        for (int i = lo; i < hi; i++) {
            if (p[i] > 0.f) {
                acc += p[i];
                if (acc > target) {
                    found = i;
                    break;
                }
            }
        }
        sh.pick = found;
    }
    // Fallback when rounding left target past every chunk: the last non-zero entry.
    int lnz = lastNz;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) lnz = max(lnz, __shfl_xor_sync(0xffffffffu, lnz, o));
    __syncthreads();
    if ((threadIdx.x & 31) == 0) sh.redi[threadIdx.x >> 5] = lnz;
    __syncthreads();
    int pick = sh.pick;
    if (pick < 0) {
        pick = 0;
        for (int j = 0; j < (int)(blockDim.x >> 5); j++) pick = max(pick, sh.redi[j]);
    }
    __syncthreads();
    return pick;
}

// rowInfo[r] = {first logit row, k, greedy (1/0), topK}; rowF[r] = {temperature, topP};
// drafts[r * kStride + i]; q: draft distributions [r][kStride][draftVocab] (rows with a q only);
// uniforms[r * 2 * (kStride + 1) + 2 i (+1)]; scratch [r][vocab];
// out[r * (kStride + 1) + i] receives the accepted drafts then the emitted token; accepted[r].
extern "C" __global__ void __launch_bounds__(ACCEPT_THREADS) accept_tokens(
    const float* __restrict__ logits, int vocab, const int* __restrict__ rowInfo, const float* __restrict__ rowF,
    const int* __restrict__ drafts, int kStride, const float* __restrict__ q, int draftVocab,
    const float* __restrict__ uniforms, float* __restrict__ scratch, int* __restrict__ out,
    int* __restrict__ accepted) {
    __shared__ Shared sh;
    int r = blockIdx.x;
    int first = rowInfo[4 * r];
    int gamma = rowInfo[4 * r + 1];
    bool greedy = rowInfo[4 * r + 2] != 0;
    int topK = rowInfo[4 * r + 3];
    float temperature = rowF[2 * r];
    float topP = rowF[2 * r + 1];
    const int* x = drafts + (long long)r * kStride;
    const float* u = uniforms + (long long)r * 2 * (kStride + 1);
    int* o = out + (long long)r * (kStride + 1);
    float* p = scratch + (long long)r * vocab;
    for (int i = 0; i <= gamma; i++) {
        const float* lg = logits + (long long)(first + i) * vocab;
        if (greedy) {
            int best = block_argmax(lg, vocab, sh);
            if (threadIdx.x == 0) o[i] = best;
            if (i == gamma || x[i] != best) {
                if (threadIdx.x == 0) accepted[r] = i;
                return;
            }
            continue;
        }
        probabilities(lg, vocab, temperature, topK, topP, p, sh);
        if (i == gamma) {
            int tok = sample_index(p, vocab, u[2 * i + 1], sh);
            if (threadIdx.x == 0) {
                o[i] = tok;
                accepted[r] = i;
            }
            return;
        }
        int xi = x[i];
        const float* qi = q + ((long long)r * kStride + i) * draftVocab;
        float px = xi < vocab ? p[xi] : 0.f;
        float qx = qi[xi];
        if (qx > 0.f && u[2 * i] < fminf(1.f, px / qx)) {
            if (threadIdx.x == 0) o[i] = xi;
            __syncthreads();
            continue;
        }
        // Rejected: the residual norm(max(0, p - q)), or p itself when it is empty.
        float mass = 0.f;
        for (int t = threadIdx.x; t < vocab; t += blockDim.x) {
            float qt = t < draftVocab ? qi[t] : 0.f;
            mass += fmaxf(0.f, p[t] - qt);
        }
        mass = block_sum(mass, sh.red);
        __syncthreads();
        if (mass > 0.f) {
            for (int t = threadIdx.x; t < vocab; t += blockDim.x) {
                float qt = t < draftVocab ? qi[t] : 0.f;
                p[t] = fmaxf(0.f, p[t] - qt);
            }
        }
        __syncthreads();
        int tok = sample_index(p, vocab, u[2 * i + 1], sh);
        if (threadIdx.x == 0) {
            o[i] = tok;
            accepted[r] = i;
        }
        return;
    }
}

// Greedy drafting on the device: out[r] = argmax of logit row r (lowest id on a tie, as
// LogitsProcessor.argmax), one block per row, so only n ids cross to the host instead of n x vocab
// floats.
extern "C" __global__ void __launch_bounds__(ACCEPT_THREADS) argmax_rows(const float* __restrict__ logits,
                                                                          int vocab, int* __restrict__ out) {
    __shared__ Shared sh;
    int best = block_argmax(logits + (long long)blockIdx.x * vocab, vocab, sh);
    if (threadIdx.x == 0) out[blockIdx.x] = best;
}
