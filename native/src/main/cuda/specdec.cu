// The one translation unit of the specdec CUDA kernels: nvcc builds it into a single fatbin
// (SASS for sm_80/86/89/90 and compute_90 PTX) that CudaModule loads with cuModuleLoadData.
// Pipeline order of the Llama forward pass, as CudaModelRunner launches it:
//   embed_gather -> per layer [rmsnorm, gemm(qkv) + splitk_reduce(bias), rope_kv_append,
//   attention_hd*, gemm(o) + splitk_reduce(residual), rmsnorm, gemm(gate|up) +
//   splitk_reduce(swiglu), gemm(down) + splitk_reduce(residual)] -> rmsnorm(logit rows) ->
//   gemm(lm_head) + splitk_reduce -> accept_tokens (device acceptance) or a logits copy.
// That is the SPECDEC_CUDA_BASELINE=1 sequence. By default the GEMMs are the staged variants and
// the reductions are fused: rmsnorm (layer 0 only) -> per layer [gemm(qkv) + qkv_rope_kv_append,
//   attention_split_* + attention_merge, gemm(o) + residual_rmsnorm(ffn norm), gemm(gate|up) + splitk_reduce(swiglu),
//   gemm(down) + residual_rmsnorm(next attention norm; last layer: splitk_reduce)] -> same tail.
// A tensor-parallel shard stores its o_proj and down_proj outputs as partials and adds the sum
// over shards with allreduce_add instead of the residual splitk_reduce.
#include "layers.cuh"
#include "attention.cuh"
#include "gemm.cuh"
#include "accept.cuh"
#include "collective.cuh"
