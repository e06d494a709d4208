// The tensor-parallel all-reduce's arithmetic: each shard adds the sum of every shard's partial
// output (o_proj or down_proj over its slice of the input features) to its own copy of the
// residual stream. The partials are summed in rank order 0, 1, ..., N-1 on every shard, so all
// shards keep bit-identical residuals and the result never depends on timing.
#pragma once
#include "common.cuh"

#define ALLREDUCE_MAX_SHARDS 8

// out[t][c] += p0[t][c] + p1[t][c] + ... (the first `shards` pointers; the others are unused).
// grid = (ceil(cols / 256), m), 256 threads.
extern "C" __global__ void allreduce_add(float* __restrict__ out, int ldo, int ldp, int shards, int cols,
                                         const float* p0, const float* p1, const float* p2, const float* p3,
                                         const float* p4, const float* p5, const float* p6, const float* p7) {
    int t = blockIdx.y;
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    const float* p[ALLREDUCE_MAX_SHARDS] = {p0, p1, p2, p3, p4, p5, p6, p7};
    long long i = (long long)t * ldp + c;
    float acc = p0[i];
#pragma unroll
    for (int s = 1; s < ALLREDUCE_MAX_SHARDS; s++) {  // unrolled, so p stays in registers
        if (s < shards) acc += p[s][i];
    }
    out[(long long)t * ldo + c] += acc;
}
