"""Encode train/val JSONL with the trained tokenizer into token streams (<s> text </s> per address).
  python3 encode_corpus.py TOKENIZER_DIR .cache/sotu .cache/train"""
import json, os, sys
import numpy as np
from bpe import Encoder, BOS, EOS

def main(tok_dir, corpus_dir, out_dir):
    enc = Encoder(os.path.join(tok_dir, "tokenizer.json"))
    for split in ("train", "val"):
        ids, chars = [], 0
        with open(os.path.join(corpus_dir, split + ".jsonl"), encoding="utf-8") as f:
            for line in f:
                text = json.loads(line)["text"]
                t = enc.encode(text)
                assert enc.decode(t) == text, "byte-level round trip failed"
                ids += [BOS] + t + [EOS]
                chars += len(text)
        np.array(ids, dtype=np.int16).tofile(os.path.join(out_dir, split + ".bin"))
        print(f"{split}: {len(ids)} tokens, {chars} characters, {chars / len(ids):.2f} characters/token")

if __name__ == "__main__":
    main(*sys.argv[1:4])
