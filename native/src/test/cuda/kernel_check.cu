// Standalone GPU check of the staged GEMM and the fused reduction kernels against the baseline
// kernels (SPECDEC_CUDA_BASELINE=1 path), without Java: bitwise equality of outputs, then the
// time of a 1B-shaped pass without attention (16 layers + LM head, graph-replayed) both ways.
//   nvcc -O3 -std=c++17 -arch=sm_90 -o kernel_check native/src/test/cuda/kernel_check.cu && ./kernel_check
#include "../../main/cuda/specdec.cu"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#define CK(x)                                                                              \
    do {                                                                                   \
        cudaError_t e_ = (x);                                                              \
        if (e_ != cudaSuccess) {                                                           \
            printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__); \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

// Deeper weight prefetch, t8 only: measured against the production AHEAD (2) below.
template <int AH>
__global__ void __launch_bounds__(256) staged_t8_ahead(float* part, int ldp, long long splitStride, const float* X, int ldx,
                                                       const __nv_bfloat16* W, int ldw, int M, int N, int Np, int splitLen) {
    gemm_staged_body<__nv_bfloat16, 1, AH>(part, ldp, splitStride, X, ldx, W, ldw, M, N, Np, splitLen);
}

static int pad(int n, int m) { return (n + m - 1) / m * m; }
static int ceil_div(int a, int b) { return (a + b - 1) / b; }
static int SM = 132;
static int failures = 0;

// LaunchGeometry.splits
static int splits(int n, int k) {
    int kp = pad(k, 64), chunks = kp / 64, blocks = (pad(n, 16) + 127) / 128;
    int wanted = std::max(1, (2 * SM + blocks - 1) / blocks), most = std::max(1, kp / 256), best = 1;
    for (int s = 1; s <= std::min(wanted, most); s++)
        if (chunks % s == 0) best = s;
    return best;
}

__global__ void fill_w(__nv_bfloat16* w, long long n, int rows, int cols, int ld, unsigned seed, float scale) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        int r = i / ld, c = i % ld;
        unsigned h = (unsigned)i * 2654435761u ^ seed * 97531u;
        h ^= h >> 13; h *= 0x5bd1e995u; h ^= h >> 15;
        float v = ((h & 0xffffff) / 16777216.0f - 0.5f) * 2.f * scale;
        w[i] = __float2bfloat16(r < rows && c < cols ? v : 0.f);
    }
}
__global__ void fill_w16(__half* w, long long n, int rows, int cols, int ld, unsigned seed, float scale) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        int r = i / ld, c = i % ld;
        unsigned h = (unsigned)i * 2654435761u ^ seed * 97531u;
        h ^= h >> 13; h *= 0x5bd1e995u; h ^= h >> 15;
        float v = ((h & 0xffffff) / 16777216.0f - 0.5f) * 2.f * scale;
        w[i] = __float2half(r < rows && c < cols ? v : 0.f);
    }
}
__global__ void fill_f(float* x, long long n, int cols, int ld, unsigned seed, float scale) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        unsigned h = (unsigned)i * 2246822519u ^ seed * 3266489917u;
        h ^= h >> 13; h *= 0x5bd1e995u; h ^= h >> 15;
        float v = ((h & 0xffffff) / 16777216.0f - 0.5f) * 2.f * scale;
        x[i] = (i % ld) < cols ? v : 0.f;
    }
}

typedef void (*BfK)(float*, int, long long, const float*, int, const __nv_bfloat16*, int, int, int, int, int);
typedef void (*HK)(float*, int, long long, const float*, int, const __half*, int, int, int, int, int);
static BfK bfKernel(int m, bool staged) {
    int tb = m <= 8 ? 8 : m <= 16 ? 16 : m <= 32 ? 32 : 64;
    if (staged) return tb == 8 ? gemm_bf16_staged_t8 : tb == 16 ? gemm_bf16_staged_t16 : tb == 32 ? gemm_bf16_staged_t32 : gemm_bf16_staged_t64;
    return tb == 8 ? gemm_bf16_skinny_t8 : tb == 16 ? gemm_bf16_skinny_t16 : tb == 32 ? gemm_bf16_skinny_t32 : gemm_bf16_skinny_t64;
}
static HK hKernel(int m, bool staged) {
    int tb = m <= 8 ? 8 : m <= 16 ? 16 : m <= 32 ? 32 : 64;
    if (staged) return tb == 8 ? gemm_f16_staged_t8 : tb == 16 ? gemm_f16_staged_t16 : tb == 32 ? gemm_f16_staged_t32 : gemm_f16_staged_t64;
    return tb == 8 ? gemm_f16_skinny_t8 : tb == 16 ? gemm_f16_skinny_t16 : tb == 32 ? gemm_f16_skinny_t32 : gemm_f16_skinny_t64;
}
static int tbOf(int m) { return m <= 8 ? 8 : m <= 16 ? 16 : m <= 32 ? 32 : 64; }

struct Mat { void* w; int n, k, kp, np; bool f16; };

static int AHEAD_OVERRIDE = 0;
static void gemm(const Mat& w, const float* x, int m, float* part, bool staged, cudaStream_t s) {
    int sp = splits(w.n, w.k);
    dim3 grid(ceil_div(m, tbOf(m)), ceil_div(w.np, 128), sp);
    if (staged && m <= 8 && AHEAD_OVERRIDE && !w.f16) {
        auto k = AHEAD_OVERRIDE == 3 ? staged_t8_ahead<3> : AHEAD_OVERRIDE == 4 ? staged_t8_ahead<4> : staged_t8_ahead<1>;
        k<<<grid, 256, 0, s>>>(part, w.n, (long long)m * w.n, x, w.kp, (const __nv_bfloat16*)w.w, w.kp, m, w.n, w.np, w.kp / sp);
        return;
    }
    if (w.f16)
        hKernel(m, staged)<<<grid, 256, 0, s>>>(part, w.n, (long long)m * w.n, x, w.kp, (const __half*)w.w, w.kp, m, w.n, w.np, w.kp / sp);
    else
        bfKernel(m, staged)<<<grid, 256, 0, s>>>(part, w.n, (long long)m * w.n, x, w.kp, (const __nv_bfloat16*)w.w, w.kp, m, w.n, w.np, w.kp / sp);
}

static Mat makeMat(int n, int k, bool f16, unsigned seed) {
    Mat w{nullptr, n, k, pad(k, 64), pad(n, 16), f16};
    long long cnt = (long long)w.np * w.kp;
    CK(cudaMalloc(&w.w, cnt * 2));
    if (f16) fill_w16<<<1024, 256>>>((__half*)w.w, cnt, n, k, w.kp, seed, 0.05f);
    else fill_w<<<1024, 256>>>((__nv_bfloat16*)w.w, cnt, n, k, w.kp, seed, 0.05f);
    return w;
}

static bool sameBits(const float* a, const float* b, size_t n, const char* what) {
    std::vector<float> ha(n), hb(n);
    CK(cudaMemcpy(ha.data(), a, n * 4, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(hb.data(), b, n * 4, cudaMemcpyDeviceToHost));
    size_t diff = 0, first = 0;
    for (size_t i = 0; i < n; i++)
        if (memcmp(&ha[i], &hb[i], 4) != 0) { if (!diff) first = i; diff++; }
    if (diff) {
        failures++;
        printf("MISMATCH %s: %zu of %zu differ, first at %zu: %.9g vs %.9g\n", what, diff, n, first, ha[first], hb[first]);
    } else {
        printf("ok %s (%zu values bit-identical)\n", what, n);
    }
    return diff == 0;
}

int main() {
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    SM = prop.multiProcessorCount;
    printf("device %s, %d SMs\n", prop.name, SM);

    // ---- 1. GEMM: staged vs skinny, bitwise, several shapes and token counts.
    {
        int shapes[][2] = {{3072, 2048}, {2048, 2048}, {16384, 2048}, {2048, 8192}, {128256, 2048}, {172, 192}, {8, 64}};
        int ms[] = {1, 3, 8, 9, 16, 17, 32, 33, 64, 100, 128};
        float *x, *pa, *pb;
        CK(cudaMalloc(&x, 128LL * 8192 * 4));
        CK(cudaMalloc(&pa, 64LL * 128 * 128256 * 4 / 8));
        CK(cudaMalloc(&pb, 64LL * 128 * 128256 * 4 / 8));
        for (int f16 = 0; f16 < 2; f16++) {
            for (auto& sh : shapes) {
                Mat w = makeMat(sh[0], sh[1], f16, sh[0] * 31 + sh[1]);
                fill_f<<<1024, 256>>>(x, 128LL * w.kp, sh[1], w.kp, 7 + sh[1], 2.f);
                for (int m : ms) {
                    if ((long long)m * w.n * splits(w.n, w.k) * 4 > 64LL * 128 * 128256 * 4 / 8) continue;
                    if (f16 && sh[0] == 128256 && m > 8) continue;
                    int sp = splits(w.n, w.k);
                    size_t n = (size_t)sp * m * w.n;
                    CK(cudaMemset(pa, 0xff, n * 4));
                    CK(cudaMemset(pb, 0xee, n * 4));
                    gemm(w, x, m, pa, false, 0);
                    gemm(w, x, m, pb, true, 0);
                    CK(cudaGetLastError());
                    CK(cudaDeviceSynchronize());
                    char what[128];
                    snprintf(what, sizeof what, "gemm %s %dx%d m=%d splits=%d", f16 ? "f16" : "bf16", sh[0], sh[1], m, sp);
                    sameBits(pa, pb, n, what);
                }
                CK(cudaFree(w.w));
            }
        }
        CK(cudaFree(x)); CK(cudaFree(pa)); CK(cudaFree(pb));
    }

    // ---- 2. fused reductions vs the separate kernels.
    {
        int d = 2048, heads = 32, kvh = 8, hd = 64, cap = 64;
        int qkvCols = (heads + 2 * kvh) * hd;
        for (int m : {1, 5, 64}) {
            for (int sp : {1, 8, 16}) {
                float *part, *r1, *r2, *n1, *n2, *w;
                CK(cudaMalloc(&part, (size_t)sp * m * qkvCols * 4));
                CK(cudaMalloc(&r1, (size_t)m * d * 4)); CK(cudaMalloc(&r2, (size_t)m * d * 4));
                CK(cudaMalloc(&n1, (size_t)m * d * 4)); CK(cudaMalloc(&n2, (size_t)m * d * 4));
                CK(cudaMalloc(&w, d * 4));
                fill_f<<<256, 256>>>(part, (long long)sp * m * d, d, d, 11, 1.f);
                fill_f<<<256, 256>>>(r1, (long long)m * d, d, d, 12, 3.f);
                fill_f<<<16, 256>>>(w, d, d, d, 13, 1.5f);
                CK(cudaMemcpy(r2, r1, (size_t)m * d * 4, cudaMemcpyDeviceToDevice));
                splitk_reduce<<<dim3(ceil_div(d, 256), m), 256>>>(r1, d, part, d, (long long)m * d, sp, d, 1, nullptr, d / 2);
                rmsnorm<<<m, 256>>>(n1, d, r1, d, w, d, 1e-5f, nullptr);
                residual_rmsnorm<<<m, 1024>>>(r2, d, part, d, (long long)m * d, sp, d, n2, d, w, 1e-5f);
                CK(cudaGetLastError()); CK(cudaDeviceSynchronize());
                char what[128];
                snprintf(what, sizeof what, "residual_rmsnorm m=%d splits=%d: residual", m, sp);
                sameBits(r1, r2, (size_t)m * d, what);
                snprintf(what, sizeof what, "residual_rmsnorm m=%d splits=%d: normed", m, sp);
                sameBits(n1, n2, (size_t)m * d, what);

                // qkv + bias + rope + KV append
                float *q1, *q2, *bias, *inv, *k1, *v1, *k2, *v2;
                int *pos, *slot;
                int ld = pad(qkvCols, 64);
                CK(cudaMalloc(&q1, (size_t)m * ld * 4)); CK(cudaMalloc(&q2, (size_t)m * ld * 4));
                CK(cudaMemset(q1, 0, (size_t)m * ld * 4)); CK(cudaMemset(q2, 0, (size_t)m * ld * 4));
                CK(cudaMalloc(&bias, qkvCols * 4)); CK(cudaMalloc(&inv, hd / 2 * 4));
                long long slotStride = 2LL * cap * kvh * hd;
                size_t kvN = 3 * slotStride;
                CK(cudaMalloc(&k1, kvN * 4)); CK(cudaMalloc(&v1, kvN * 4)); CK(cudaMalloc(&k2, kvN * 4)); CK(cudaMalloc(&v2, kvN * 4));
                CK(cudaMemset(k1, 0, kvN * 4)); CK(cudaMemset(v1, 0, kvN * 4)); CK(cudaMemset(k2, 0, kvN * 4)); CK(cudaMemset(v2, 0, kvN * 4));
                std::vector<int> hp(m), hs(m);
                for (int t = 0; t < m; t++) { hp[t] = 3 + t % 50; hs[t] = t % 3; }
                std::vector<float> hinv(hd / 2);
                for (int i = 0; i < hd / 2; i++) hinv[i] = powf(500000.f, -2.f * i / hd);
                CK(cudaMalloc(&pos, m * 4)); CK(cudaMalloc(&slot, m * 4));
                CK(cudaMemcpy(pos, hp.data(), m * 4, cudaMemcpyHostToDevice));
                CK(cudaMemcpy(slot, hs.data(), m * 4, cudaMemcpyHostToDevice));
                CK(cudaMemcpy(inv, hinv.data(), hd / 2 * 4, cudaMemcpyHostToDevice));
                fill_f<<<256, 256>>>(part, (long long)sp * m * qkvCols, qkvCols, qkvCols, 21, 1.f);
                fill_f<<<16, 256>>>(bias, qkvCols, qkvCols, qkvCols, 22, 0.5f);
                long long layerOffset = (long long)cap * kvh * hd;  // layer 1 of 2
                for (int useBias = 0; useBias < 2; useBias++) {
                    const float* b = useBias ? bias : nullptr;
                    splitk_reduce<<<dim3(ceil_div(qkvCols, 256), m), 256>>>(q1, ld, part, qkvCols, (long long)m * qkvCols, sp, qkvCols, 0, b, qkvCols / 2);
                    rope_kv_append<<<m, 128>>>(q1, ld, heads, kvh, hd, inv, pos, slot, k1, v1, slotStride, layerOffset, cap);
                    qkv_rope_kv_append<<<m, 512>>>(q2, ld, part, qkvCols, (long long)m * qkvCols, sp, b, heads, kvh, hd, inv, pos, slot, k2, v2, slotStride, layerOffset);
                    CK(cudaGetLastError()); CK(cudaDeviceSynchronize());
                    snprintf(what, sizeof what, "qkv_rope_kv_append m=%d splits=%d bias=%d: qkv", m, sp, useBias);
                    sameBits(q1, q2, (size_t)m * ld, what);
                    snprintf(what, sizeof what, "qkv_rope_kv_append m=%d splits=%d bias=%d: k cache", m, sp, useBias);
                    sameBits(k1, k2, kvN, what);
                    snprintf(what, sizeof what, "qkv_rope_kv_append m=%d splits=%d bias=%d: v cache", m, sp, useBias);
                    sameBits(v1, v2, kvN, what);
                }
                cudaFree(part); cudaFree(r1); cudaFree(r2); cudaFree(n1); cudaFree(n2); cudaFree(w);
                cudaFree(q1); cudaFree(q2); cudaFree(bias); cudaFree(inv); cudaFree(k1); cudaFree(v1); cudaFree(k2); cudaFree(v2);
                cudaFree(pos); cudaFree(slot);
            }
        }
    }

    // ---- 3. a 1B-shaped pass without attention and embedding: baseline vs new, bits and time.
    {
        const int L = 16, H = 2048, heads = 32, kvh = 8, hd = 64, FF = 8192, V = 128256, cap = 256;
        const int QKV = (heads + 2 * kvh) * hd;
        std::vector<Mat> wqkv, wo, wgu, wd;
        std::vector<float*> an, fn;
        for (int l = 0; l < L; l++) {
            wqkv.push_back(makeMat(QKV, H, false, 100 + l));
            wo.push_back(makeMat(H, H, false, 200 + l));
            wgu.push_back(makeMat(2 * FF, H, false, 300 + l));
            wd.push_back(makeMat(H, FF, false, 400 + l));
            float *a, *f;
            CK(cudaMalloc(&a, H * 4)); CK(cudaMalloc(&f, H * 4));
            fill_f<<<8, 256>>>(a, H, H, H, 500 + l, 1.f);
            fill_f<<<8, 256>>>(f, H, H, H, 600 + l, 1.f);
            an.push_back(a); fn.push_back(f);
        }
        Mat head = makeMat(V, H, false, 999);
        float *finalNorm, *inv;
        CK(cudaMalloc(&finalNorm, H * 4)); fill_f<<<8, 256>>>(finalNorm, H, H, H, 777, 1.f);
        std::vector<float> hinv(hd / 2);
        for (int i = 0; i < hd / 2; i++) hinv[i] = powf(500000.f, -2.f * i / hd);
        CK(cudaMalloc(&inv, hd / 2 * 4));
        CK(cudaMemcpy(inv, hinv.data(), hd / 2 * 4, cudaMemcpyHostToDevice));
        const int MT = 64;
        float *res0, *res, *normed, *qkv, *attn, *mlp, *ws, *logits, *headIn, *kc, *vc;
        int *pos, *slot, *rows;
        long long slotStride = (long long)L * cap * kvh * hd;
        CK(cudaMalloc(&res0, MT * H * 4)); CK(cudaMalloc(&res, MT * H * 4)); CK(cudaMalloc(&normed, MT * H * 4));
        CK(cudaMalloc(&qkv, MT * QKV * 4)); CK(cudaMalloc(&attn, MT * H * 4)); CK(cudaMalloc(&mlp, (size_t)MT * FF * 4));
        CK(cudaMalloc(&ws, 64LL * 16 * 2 * FF * 4)); CK(cudaMalloc(&logits, (size_t)MT * V * 4)); CK(cudaMalloc(&headIn, MT * H * 4));
        CK(cudaMalloc(&kc, slotStride * 4 * 4)); CK(cudaMalloc(&vc, slotStride * 4 * 4));  // slots 0-1 baseline, 2-3 new
        CK(cudaMemset(kc, 0, slotStride * 16)); CK(cudaMemset(vc, 0, slotStride * 16));
        CK(cudaMalloc(&pos, MT * 4)); CK(cudaMalloc(&slot, MT * 4)); CK(cudaMalloc(&rows, MT * 4));
        std::vector<int> hp(MT), hs(MT), hr(MT);
        for (int t = 0; t < MT; t++) { hp[t] = 10 + t; hs[t] = t % 2; hr[t] = t; }
        CK(cudaMemcpy(pos, hp.data(), MT * 4, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(slot, hs.data(), MT * 4, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(rows, hr.data(), MT * 4, cudaMemcpyHostToDevice));
        fill_f<<<256, 256>>>(res0, MT * H, H, H, 4242, 1.f);
        fill_f<<<256, 256>>>(attn, MT * H, H, H, 4343, 1.f);  // stands in for the attention output
        CK(cudaDeviceSynchronize());
        cudaStream_t s;
        CK(cudaStreamCreate(&s));
        auto reduce = [&](float* out, int ldo, const Mat& w, int m, int mode, int cols) {
            splitk_reduce<<<dim3(ceil_div(cols, 256), m), 256, 0, s>>>(out, ldo, ws, w.n, (long long)m * w.n, splits(w.n, w.k), cols, mode, nullptr, w.n / 2);
        };
        auto pass = [&](bool fusedPath, int m) {
            CK(cudaMemcpyAsync(res, res0, (size_t)m * H * 4, cudaMemcpyDeviceToDevice, s));
            rmsnorm<<<m, 256, 0, s>>>(normed, H, res, H, an[0], H, 1e-5f, nullptr);
            for (int l = 0; l < L; l++) {
                long long lo = (long long)l * cap * kvh * hd;
                if (!fusedPath) {
                    if (l > 0) rmsnorm<<<m, 256, 0, s>>>(normed, H, res, H, an[l], H, 1e-5f, nullptr);
                    gemm(wqkv[l], normed, m, ws, false, s);
                    reduce(qkv, QKV, wqkv[l], m, 0, QKV);
                    rope_kv_append<<<m, 128, 0, s>>>(qkv, QKV, heads, kvh, hd, inv, pos, slot, kc, vc, slotStride, lo, cap);
                    gemm(wo[l], attn, m, ws, false, s);
                    reduce(res, H, wo[l], m, 1, H);
                    rmsnorm<<<m, 256, 0, s>>>(normed, H, res, H, fn[l], H, 1e-5f, nullptr);
                    gemm(wgu[l], normed, m, ws, false, s);
                    reduce(mlp, FF, wgu[l], m, 2, FF);
                    gemm(wd[l], mlp, m, ws, false, s);
                    reduce(res, H, wd[l], m, 1, H);
                } else {
                    gemm(wqkv[l], normed, m, ws, true, s);
                    qkv_rope_kv_append<<<m, 512, 0, s>>>(qkv, QKV, ws, QKV, (long long)m * QKV, splits(QKV, H), nullptr, heads, kvh, hd, inv, pos, slot, kc + 2 * slotStride, vc + 2 * slotStride, slotStride, lo);
                    gemm(wo[l], attn, m, ws, true, s);
                    residual_rmsnorm<<<m, 1024, 0, s>>>(res, H, ws, H, (long long)m * H, splits(H, H), H, normed, H, fn[l], 1e-5f);
                    gemm(wgu[l], normed, m, ws, true, s);
                    reduce(mlp, FF, wgu[l], m, 2, FF);
                    gemm(wd[l], mlp, m, ws, true, s);
                    if (l + 1 < L)
                        residual_rmsnorm<<<m, 1024, 0, s>>>(res, H, ws, H, (long long)m * H, splits(H, FF), H, normed, H, an[l + 1], 1e-5f);
                    else
                        reduce(res, H, wd[l], m, 1, H);
                }
            }
            rmsnorm<<<m, 256, 0, s>>>(headIn, H, res, H, finalNorm, H, 1e-5f, rows);
            gemm(head, headIn, m, logits, fusedPath, s);
        };
        double weightBytes = 2.0 * L * ((double)QKV * H + (double)H * H + 2.0 * FF * H + (double)H * FF) + 2.0 * V * H;
        for (int m : {1, 5, 16, 64}) {
            float *logA, *resA;
            CK(cudaMalloc(&logA, (size_t)m * V * 4)); CK(cudaMalloc(&resA, (size_t)m * H * 4));
            pass(false, m);
            CK(cudaMemcpyAsync(logA, logits, (size_t)m * V * 4, cudaMemcpyDeviceToDevice, s));
            CK(cudaMemcpyAsync(resA, res, (size_t)m * H * 4, cudaMemcpyDeviceToDevice, s));
            pass(true, m);
            CK(cudaGetLastError());
            CK(cudaStreamSynchronize(s));
            char what[128];
            snprintf(what, sizeof what, "pass m=%d: final residual", m);
            sameBits(resA, res, (size_t)m * H, what);
            snprintf(what, sizeof what, "pass m=%d: logits", m);
            sameBits(logA, logits, (size_t)m * V, what);
            snprintf(what, sizeof what, "pass m=%d: k cache (baseline slots 0-1 vs new 2-3)", m);
            sameBits(kc, kc + 2 * slotStride, (size_t)(2 * slotStride), what);
            cudaFree(logA); cudaFree(resA);
            for (int fusedPath = 0; fusedPath < 2; fusedPath++) {
                cudaGraph_t g;
                cudaGraphExec_t ge;
                CK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
                pass(fusedPath, m);
                CK(cudaStreamEndCapture(s, &g));
                CK(cudaGraphInstantiate(&ge, g, 0));
                for (int i = 0; i < 3; i++) CK(cudaGraphLaunch(ge, s));
                cudaEvent_t e0, e1;
                cudaEventCreate(&e0); cudaEventCreate(&e1);
                const int reps = 20;
                cudaEventRecord(e0, s);
                for (int i = 0; i < reps; i++) CK(cudaGraphLaunch(ge, s));
                cudaEventRecord(e1, s);
                CK(cudaStreamSynchronize(s));
                float ms;
                cudaEventElapsedTime(&ms, e0, e1);
                ms /= reps;
                printf("TIME pass without attention, m=%d, %s: %.3f ms (%.0f GB/s of weights)\n", m,
                       fusedPath ? "new (staged GEMM, fused reductions)" : "baseline", ms, weightBytes / ms / 1e6);
                cudaGraphExecDestroy(ge); cudaGraphDestroy(g);
            }
        }
        // GEMM alone (65 launches, L2 does not hold the 2.47 GB), m = 1; st 2..4: staged t8 with AHEAD 1, 3, 4.
        for (int st = 0; st < 5; st++) {
            AHEAD_OVERRIDE = st == 2 ? 1 : st == 3 ? 3 : st == 4 ? 4 : 0;
            cudaGraph_t g;
            cudaGraphExec_t ge;
            CK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
            for (int l = 0; l < L; l++) {
                gemm(wqkv[l], normed, 1, ws, st, s);
                gemm(wo[l], attn, 1, ws, st, s);
                gemm(wgu[l], normed, 1, ws, st, s);
                gemm(wd[l], mlp, 1, ws, st, s);
            }
            gemm(head, headIn, 1, logits, st, s);
            CK(cudaStreamEndCapture(s, &g));
            CK(cudaGraphInstantiate(&ge, g, 0));
            for (int i = 0; i < 3; i++) CK(cudaGraphLaunch(ge, s));
            cudaEvent_t e0, e1;
            cudaEventCreate(&e0); cudaEventCreate(&e1);
            cudaEventRecord(e0, s);
            for (int i = 0; i < 20; i++) CK(cudaGraphLaunch(ge, s));
            cudaEventRecord(e1, s);
            CK(cudaStreamSynchronize(s));
            float ms;
            cudaEventElapsedTime(&ms, e0, e1);
            ms /= 20;
            printf("TIME 65 GEMMs only, m=1, %s: %.3f ms (%.0f GB/s)\n", st == 0 ? "skinny" : st == 1 ? "staged (AHEAD 2)" : st == 2 ? "staged AHEAD 1" : st == 3 ? "staged AHEAD 3" : "staged AHEAD 4", ms, weightBytes / ms / 1e6);
        }
    }
    printf(failures ? "FAILURES: %d\n" : "ALL BIT-IDENTICAL\n", failures);
    return failures ? 1 : 0;
}
