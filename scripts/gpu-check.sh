#!/usr/bin/env bash
# GPU check for the CUDA backend, in two steps.
#   scripts/gpu-check.sh prepare   on the build machine (JDK 17 + Maven + nvcc): builds the native jar
#                                  with the fatbin, a jlink JRE and the jars into gpu-bundle/ (< 64 MiB,
#                                  git-ignored). No network needed at run time.
#   scripts/gpu-check.sh run       on the GPU machine (H100/H200, driver 580, Python with torch and
#                                  transformers, no Java, no network): GPU tests, synthetic
#                                  Llama-3.2-1B-shaped BF16 target + drafts, benchmarks, and the Hugging
#                                  Face reference. Writes gpu-bundle/results/. Sized for < 8 minutes.
# See docs/gpu.md.
set -euo pipefail
cd "$(dirname "$0")/.."
B=gpu-bundle
step="${1:-}"

prepare() {
  rm -rf "$B" && mkdir -p "$B/lib"
  mvn -q -o -pl native package -DskipTests
  mvn -q -o -pl native dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$PWD/$B/lib" \
      -DexcludeArtifactIds=tokenizers,apiguardian-api,opentest4j
  cp native/target/specdec-native-*.jar "$B/lib/"
  cp -r native/target/test-classes "$B/test-classes"
  [[ -f native/target/classes/cuda/specdec.fatbin ]] || { echo "no fatbin: nvcc missing on this machine"; exit 1; }
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
  jlink --add-modules java.base,java.logging,java.management,java.naming,jdk.unsupported,jdk.incubator.vector \
        --strip-debug --no-header-files --no-man-pages --compress=2 --output "$B/jre"
  cp scripts/gpu_reference.py "$B/"
  size=$(du -sm "$B" | cut -f1)
  echo "gpu-bundle: ${size} MiB"; du -sh "$B"/* | sort -h
  (( size < 64 )) || { echo "gpu-bundle is ${size} MiB, over the 64 MiB limit"; exit 1; }
}

run() {
  [[ -x "$B/jre/bin/java" ]] || { echo "run 'scripts/gpu-check.sh prepare' on the build machine first"; exit 1; }
  out="$B/results"; mkdir -p "$out"
  J=("$B/jre/bin/java" --add-modules jdk.incubator.vector -Xmx24g -XX:+UseParallelGC
     -cp "$B/test-classes:$B/lib/*")
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt" || true
  start=$(date +%s)
  echo "== 1. GPU tests (parity, greedy losslessness, acceptance distribution)"
  timeout 180 "${J[@]}" org.specdec.testing.GpuTestMain org.specdec.backend.cuda.CudaGpuTest 2>&1 \
      | tee "$out/gpu-tests.txt" || echo "GPU TESTS FAILED (see $out/gpu-tests.txt)"
  echo "== 2. synthetic models (1B-shaped BF16 target, independent draft)"
  m="$B/models"; mkdir -p "$m"
  if [[ ! -f "$m/target1b/config.json" ]]; then
    timeout 150 "${J[@]}" org.specdec.cli.SpecdecCli make-model \
        --preset shape:2048,16,32,8,8192,128256,4096 --seed 1 --dtype bf16 --out "$m/target1b" \
        --draft independent --draft-out "$m/draft"
    rm -f "$m"/*/tokenizer.json "$m"/*/tokenizer_config.json  # token-id prompts; no DJL in the bundle
  fi
  bw=$(python3 "$B/gpu_reference.py" bandwidth)
  echo "== 3. benchmarks (HBM ${bw} GB/s)"
  for draft in "--self-draft 2" "--draft $m/draft"; do
    # shellcheck disable=SC2086
    timeout 150 "${J[@]}" org.specdec.cli.SpecdecCli bench --device cuda:0 --target "$m/target1b" $draft \
        --concurrency 1,4,16 --k 2,3,4,5,6 --adaptive-k 4 --max-tokens 64 --rounds 1 --prompt-len 32 --bandwidth-gbs "$bw" \
        --out "$out/bench-$(echo "$draft" | tr -c 'a-z0-9' '_' | cut -c1-20).md" 2>&1 | grep -v DEBUG || true
  done
  echo "== 4. Hugging Face transformers reference (greedy generate, assisted generation)"
  timeout 150 python3 "$B/gpu_reference.py" compare --target "$m/target1b" --draft "$m/draft" \
      --java "$B/jre/bin/java" --classpath "$B/test-classes:$B/lib/*" --out "$out/hf.txt" || true
  echo "== done in $(( $(date +%s) - start )) s; results in $out"
}

case "$step" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: scripts/gpu-check.sh prepare|run"; exit 2 ;;
esac
