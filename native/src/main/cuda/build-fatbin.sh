#!/usr/bin/env bash
# Builds native/src/main/cuda/specdec.cu into ONE fatbin: SASS for sm_80, sm_86, sm_89, sm_90 and
# compute_90 PTX (JIT-compiled by the driver on newer GPUs). Called by the Maven build
# (exec-maven-plugin, generate-resources) with the output directory; the jar carries the result as
# /cuda/specdec.fatbin. Without nvcc it prints why and exits 0: the build passes and the CUDA
# backend reports itself unavailable. The register/spill report goes to target/cuda-ptxas.log: a
# line per kernel for sm_90, then ptxas's whole -Xptxas -v output (hundreds of lines). The console
# gets one line, or nvcc's messages when it fails.
# Environment: NVCC (path to nvcc), SPECDEC_CUDA_ARCHS (override the -gencode list).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build-fatbin.sh OUTPUT_DIR}"
nvcc="${NVCC:-}"
if [[ -z "$nvcc" ]]; then
  nvcc="$(command -v nvcc || true)"
  [[ -z "$nvcc" && -x /usr/local/cuda/bin/nvcc ]] && nvcc=/usr/local/cuda/bin/nvcc
fi
if [[ -z "$nvcc" ]]; then
  echo "[specdec-cuda] nvcc not found: CUDA kernels not built (the CUDA backend will report itself unavailable)"
  exit 0
fi
mkdir -p "$out"
fatbin="$out/specdec.fatbin"
log="$(cd "$out/../.." && pwd)/cuda-ptxas.log"
# Up to date: nothing in the sources (or this script) is newer than the fatbin.
if [[ -f "$fatbin" && -f "$log" ]] && [[ -z "$(find "$here" -newer "$fatbin" -type f)" ]]; then
  echo "[specdec-cuda] kernels up to date: $fatbin (register report: $log)"
  exit 0
fi
archs="${SPECDEC_CUDA_ARCHS:--gencode arch=compute_80,code=sm_80 -gencode arch=compute_86,code=sm_86 -gencode arch=compute_89,code=sm_89 -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90}"
start=$(date +%s)
# shellcheck disable=SC2086
"$nvcc" -fatbin -O3 -std=c++17 $archs -Xptxas -v -o "$fatbin.tmp" "$here/specdec.cu" 2>"$log.raw" || {
  cat "$log.raw"; echo "[specdec-cuda] nvcc FAILED"; exit 1; }
mv "$fatbin.tmp" "$fatbin"
# Summary: one line per kernel for sm_90 (registers, spill stores/loads, shared memory).
awk '
  /Compiling entry function/ { match($0, /'"'"'[^'"'"']+'"'"'/); fn = substr($0, RSTART+1, RLENGTH-2);
                               arch = $0; sub(/.*for '"'"'/, "", arch); sub(/'"'"'.*/, "", arch) }
  /bytes spill stores/ { st = $0; sub(/ bytes spill stores.*/, "", st); sub(/.*, /, "", st);
                         ld = $0; sub(/ bytes spill loads.*/, "", ld); sub(/.*, /, "", ld);
                         sf = $0; sub(/ bytes stack frame.*/, "", sf); gsub(/ /, "", sf) }
  /Used [0-9]+ registers/ { match($0, /Used [0-9]+ registers/); regs = substr($0, RSTART+5, RLENGTH-15);
                            smem = "0"; if (match($0, /[0-9]+ bytes smem/)) smem = substr($0, RSTART, RLENGTH-11);
                            if (arch == "sm_90") printf "[specdec-cuda] %s %-28s regs %3s  stack %3s B  spill st/ld %s/%s B  smem %s B\n", arch, fn, regs, sf, st, ld, smem }
' "$log.raw" > "$log.summary"
spills=$(grep -c 'spill st/ld [1-9]' "$log.summary" || true)
{
  echo "[specdec-cuda] $("$nvcc" --version | tail -1)"
  echo "[specdec-cuda] nvcc -fatbin $archs"
  cat "$log.summary"
  echo
  echo "# ptxas -v, every architecture"
  cat "$log.raw"
} > "$log"
rm -f "$log.raw" "$log.summary"
echo "[specdec-cuda] built $fatbin ($(stat -c %s "$fatbin") bytes) in $(( $(date +%s) - start )) s;" \
  "kernels with spills on sm_90: $spills; register report: $log"
