#!/usr/bin/env bash
# Spark GPU discovery script: prints {"name":"gpu","addresses":["0","1",...]} from nvidia-smi.
# Used by spark.worker.resource.gpu.discoveryScript / spark.executor.resource.gpu.discoveryScript.
# Honours CUDA_VISIBLE_DEVICES when it lists plain indices.
set -euo pipefail
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" && "${CUDA_VISIBLE_DEVICES}" =~ ^[0-9,]+$ ]]; then
  ids="${CUDA_VISIBLE_DEVICES}"
elif command -v nvidia-smi >/dev/null 2>&1; then
  ids=$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ' | paste -sd, -)
else
  ids=""
fi
addresses=""
IFS=',' read -ra arr <<< "${ids}"
for i in "${arr[@]}"; do
  [[ -z "$i" ]] && continue
  addresses+="${addresses:+,}\"$i\""
done
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
