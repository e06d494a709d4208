#!/usr/bin/env bash
# GPU check of the CUDA backend, in two steps (docs/gpu.md).
#   scripts/gpu-check.sh prepare        on the build machine (JDK 17, Maven, nvcc): the native jar with
#                                       the fatbin, the test classes, a jlink JRE and the jars, into
#                                       gpu-bundle/ (git-ignored, < 50 MiB; DJL's tokenizer is left out:
#                                       prompts are token ids). Nothing is fetched at run time.
#   OUT=DIR scripts/gpu-check.sh run    on the GPU machine (no Java, no network): device check, GPU tests,
#                                       pass profile of a Llama-3.2-1B-shaped BF16 target, the concurrency
#                                       bench, and (where torch + transformers exist) the Hugging Face
#                                       reference. Each step writes its results under $OUT as it ends
#                                       (8 files at most, what a device call returns), and a line to
#                                       $OUT/summary.txt. Sized for < 6 minutes.
#   OUT=DIR scripts/gpu-check.sh run --dry-run
#                                       the same steps on the CPU with small models, on the bundle's own
#                                       JRE: proves the packaging without a GPU (CI runs it).
# Environment: OUT (results; default gpu-bundle/results), SKIP_TRANSFORMERS=1 (skips step 5),
# SPECDEC_GPU_MODELS (generated models; default a folder under /tmp, outside the bundle, so a rerun's carry does not replace them).
set -uo pipefail
cd "$(dirname "$0")/.."
B=gpu-bundle
step="${1:-}"
dry=false
[[ "${2:-}" == "--dry-run" ]] && dry=true

prepare() {
  set -e
  rm -rf "$B" && mkdir -p "$B/lib"
  mvn -B -q -o -pl native package -DskipTests 2>/dev/null || mvn -B -q -pl native package -DskipTests
  mvn -B -q -pl native dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$PWD/$B/lib" \
      -DexcludeArtifactIds=tokenizers,api,gson,error_prone_annotations,jna,commons-compress,commons-codec,commons-io
  cp $(ls native/target/specdec-native-*.jar | grep -v -e -tests -e -sources) "$B/lib/"
  cp -r native/target/test-classes "$B/test-classes"
  if [[ ! -f native/target/classes/cuda/specdec.fatbin ]]; then
    echo "warning: no fatbin (nvcc missing on this machine): the bundle can only run --dry-run"
  fi
  # JCuda's natives jar: keep only the driver binding (libJCudaDriver needs just libcuda.so.1).
  python3 - "$B"/lib/jcuda-natives-*.jar <<'PY'
import sys, zipfile, os
src = sys.argv[1]; tmp = src + ".tmp"
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zo:
    for e in zi.infolist():
        if e.filename.startswith("lib/") and "JCudaDriver" not in e.filename and not e.is_dir():
            continue
        zo.writestr(e, zi.read(e.filename))
os.replace(tmp, src)
PY
  jlink --add-modules java.base,java.logging,java.management,java.naming,java.xml,jdk.management,jdk.unsupported,jdk.incubator.vector \
        --strip-debug --no-header-files --no-man-pages --compress=2 --output "$B/jre"
  strip --strip-unneeded "$B/jre/lib/server/libjvm.so" 2>/dev/null || true
  # A trained fixture for the GPU tests, when ../shared has it (the device machine gets only the repo).
  if [[ -d ../shared/fixtures/stories260K ]]; then
    mkdir -p "$B/shared/fixtures" && cp -r ../shared/fixtures/stories260K "$B/shared/fixtures/"
  fi
  cp scripts/gpu_reference.py "$B/"
  git rev-parse --short HEAD > "$B/commit.txt" 2>/dev/null || true
  size=$(du -sm "$B" | cut -f1)
  echo "gpu-bundle: ${size} MiB (commit $(cat "$B/commit.txt" 2>/dev/null))"; du -sh "$B"/* | sort -h
  (( size < 50 )) || { echo "gpu-bundle is ${size} MiB: with the repository it must stay under the 64 MiB a device call carries"; exit 1; }
}

# ---------------------------------------------------------------- run

OUT="${OUT:-$B/results}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
summary="$OUT/summary.txt"

# say STEP RESULT [DETAIL]: one line in summary.txt and on the console.
say() {
  local line
  line=$(printf '%-22s %s%s' "$1" "$2" "${3:+ ($3)}")
  echo "$line" >> "$summary"
  echo "== $line"
}

# step NAME TIMEOUT_S LOGFILE CMD...: runs a step with a time limit, its output to $OUT/LOGFILE and the
# console; the summary line says ok, FAILED (exit code) or TIMED OUT. Never stops the script.
step() {
  local name="$1" limit="$2" file="$3" log="$OUT/$3"; shift 3
  local t0=$SECONDS rc
  echo "== $name (limit ${limit} s)"
  timeout "$limit" "$@" > >(tee "$log") 2>&1
  rc=$?
  sleep 0.2  # let tee flush
  if (( rc == 0 )); then say "$name" ok "$((SECONDS - t0)) s"
  elif (( rc == 124 )); then say "$name" "TIMED OUT" "after ${limit} s, see $file"
  elif [[ -n "${SKIP_RC:-}" && $rc == "$SKIP_RC" ]]; then say "$name" skipped "$(grep -m1 '^skipped: ' "$log" | cut -c10-120 || echo "nothing ran")"
  else say "$name" FAILED "exit $rc, see $file"
  fi
  return $rc
}

run() {
  [[ -x "$B/jre/bin/java" ]] || { echo "run 'scripts/gpu-check.sh prepare' on the build machine first"; exit 1; }
  : > "$summary"
  local start=$SECONDS
  local models="${SPECDEC_GPU_MODELS:-/tmp/specdec-gpu-models}"
  mkdir -p "$models"
  local heap=-Xmx48g
  $dry && heap=-Xmx4g
  J=("$B/jre/bin/java" --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=100000 -XX:CompileCommand=quiet
     "-XX:CompileCommand=CompileThresholdScaling,org.specdec.*::*,0.05" -XX:+UseParallelGC "$heap"
     -Dspecdec.repo=. -Dspecdec.shared="$B/shared" -cp "$B/test-classes:$B/lib/*")
  CLI=("${J[@]}" org.specdec.cli.SpecdecCli)
  if $dry; then
    device=cpu
    shape=small
    target="$models/dry-target"; draft="$models/dry-draft"
    self=2; conc=1,4; batches=1,4; long=256; max_tokens=16
  else
    device=cuda:0
    # Llama-3.2-1B's shape: hidden 2048, 16 layers, 32/8 heads (head_dim 64), ff 8192, vocab 128256.
    shape=shape:2048,16,32,8,8192,128256,4096
    target="$models/target1b"; draft="$models/target1b-draft4"
    self=4; conc=1,4,16,32; batches=1,4,16,32; long=2048; max_tokens=64
  fi
  echo "gpu-check run: device $device, bundle commit $(cat "$B/commit.txt" 2>/dev/null), results in $OUT"
  say "start" "$(date -u +%FT%TZ)" "commit $(cat "$B/commit.txt" 2>/dev/null), device $device"

  # 0. The machine, then the device as the engine opens it (driver, compute capability, module load).
  if ! step "0 device" 60 device.txt bash -c '{ { command -v nvidia-smi > /dev/null && nvidia-smi \
      --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv; } || echo "no nvidia-smi"; "$1" -version; nproc; free -g | sed -n 2p; } 2>&1; shift; exec "$@"' _ \
      "$B/jre/bin/java" "${CLI[@]}" device-info --device "$device"; then
    $dry || { say "stop" "the device cannot run the kernels" "see device.txt"; return 1; }
  fi

  # Models for steps 2-4, made in the background while the GPU tests run.
  if [[ ! -f "$target/config.json" || ! -f "$draft/config.json" ]]; then
    rm -rf "$target" "$draft"
    ( "${CLI[@]}" make-model --preset "$shape" --seed 1 --dtype bf16 --out "$target" \
          --draft "layers:$self" --draft-out "$draft" \
      && rm -f "$target"/tokenizer*.json "$draft"/tokenizer*.json ) > "$OUT/make-model.txt" 2>&1 &
    maker=$!
  else
    maker=""
    echo "models already in $models" > "$OUT/make-model.txt"
  fi

  # 1. GPU tests: parity with the CPU backend, greedy losslessness, acceptance distributions, real
  #    weights. Synchronizing after every launch names the kernel that faults.
  if $dry; then
    SKIP_RC=3 step "1 gpu tests" 120 gpu-tests.txt "${J[@]}" org.specdec.testing.GpuTestMain \
        org.specdec.backend.cuda.CudaGpuTest org.specdec.trained.TrainedPairGpuTest \
        org.specdec.backend.cuda.CudaTensorParallelGpuTest
  else
    # The tensor-parallel class runs a second time without the synchronisation, so that the group's
    # passes run as CUDA graphs.
    step "1 gpu tests" 190 gpu-tests.txt bash -c 'SPECDEC_CUDA_SYNC=1 "$@" org.specdec.backend.cuda.CudaGpuTest \
        org.specdec.trained.TrainedPairGpuTest org.specdec.backend.cuda.CudaTensorParallelGpuTest \
        && "$@" org.specdec.backend.cuda.CudaTensorParallelGpuTest' _ "${J[@]}" org.specdec.testing.GpuTestMain
  fi
  grep -E '^(logits parity|greedy|device acceptance|stories260K|sotu|sotu-|tensor parallel|all-reduce)' "$OUT/gpu-tests.txt" | sed 's/^/   /'

  # 2. The models.
  if [[ -n "$maker" ]]; then
    local t0=$SECONDS
    if wait "$maker"; then say "2 models" ok "$((SECONDS - t0)) s waited; $(grep -c wrote "$OUT/make-model.txt") written"
    else say "2 models" FAILED "see make-model.txt"; fi
  fi
  if [[ ! -f "$target/config.json" ]]; then
    say "stop" "no target model" "see make-model.txt"; return 1
  fi

  # 3. One target pass: batch x positions, context 2048 vs 64, copy bandwidth, kernels, memory.
  #    On a GPU, then the same with the previous kernels (SPECDEC_CUDA_BASELINE=1), side by side.
  local again=true
  $dry && again=false
  step "3 pass profile" 90 profile.txt bash -c '"${@:2}" && { ! $1 || SPECDEC_CUDA_BASELINE=1 "${@:2}"; }' _ "$again" \
      "${CLI[@]}" profile --device "$device" --target "$target" \
      --batch "$batches" --positions 1,5 --context 64 --long-context "$long"
  # 3b. Tensor parallel 2 with both shards on the one GPU (the multi-GPU code path), then the whole
  #     model launched kernel by kernel as the group is (it has no CUDA graphs yet), side by side.
  step "3b tensor parallel" 90 tp.txt bash -c '"$@" --tensor-parallel 2 && SPECDEC_CUDA_GRAPHS=0 "$@"' _ \
      "${CLI[@]}" profile --device "$device" --target "$target" --batch 1,8 --positions 1,5 --context 64 \
      --long-context 0 --memory-steps 0
  local bw
  bw=$(sed -n 's/.*copy \([0-9.]*\) GB\/s.*/\1/p' "$OUT/profile.txt" | head -1)

  # 4. The seed's three charts: tokens/s, generation time and TTFT against concurrency, target-only
  #    vs fixed k vs adaptive, with an A/A control.
  step "4 bench" 170 bench.txt "${CLI[@]}" bench --device "$device" --target "$target" --self-draft "$self" \
      --concurrency "$conc" --k 3 --adaptive-k 4 --max-tokens "$max_tokens" --prompt-len 32 --rounds 3 \
      --repeats 2 ${bw:+--bandwidth-gbs "$bw"}

  # 5. Hugging Face transformers on the same weights (greedy and assisted generation).
  if $dry; then
    say "5 transformers" skipped "dry run"
  elif [[ -n "${SKIP_TRANSFORMERS:-}" ]]; then
    say "5 transformers" skipped "SKIP_TRANSFORMERS is set"
  elif ! python3 -c 'import torch, transformers' > "$OUT/hf.txt" 2>&1; then
    say "5 transformers" skipped "python3 cannot import torch and transformers"
  else
    PYTHONUNBUFFERED=1 step "5 transformers" 120 hf.txt python3 "$B/gpu_reference.py" compare --target "$target" \
        --draft "$draft" --java "$B/jre/bin/java" --classpath "$B/test-classes:$B/lib/*" --max-tokens 64
  fi
  say "done" "$((SECONDS - start)) s"
  echo; cat "$summary"
  ! grep -qE 'FAILED|TIMED OUT' "$summary"
}

case "$step" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: scripts/gpu-check.sh prepare | run [--dry-run]"; exit 2 ;;
esac
