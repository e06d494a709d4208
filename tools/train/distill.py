"""Sequence-level distillation data (DistillSpec): sample continuations from the trained target.
Prompts are 16-token slices of the training stream; the target samples 240 tokens at temperature
1.0 with a KV cache. Writes an int16 stream of <s>? prompt+sample </s> per sequence.
  python3 distill.py --target .cache/train/target --minutes 8 --out .cache/train/distill.bin"""
import argparse, time
import numpy as np
import torch
from llama import load_model
from bpe import BOS, EOS

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--data", default=".cache/train/train.bin")
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=8)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--prompt", type=int, default=16)
    ap.add_argument("--new", type=int, default=240)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.target).eval()
    stream = np.fromfile(args.data, dtype=np.int16)
    rng = np.random.default_rng(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    out, t0, n = [], time.time(), 0
    while time.time() - t0 < args.minutes * 60:
        idx = rng.integers(0, len(stream) - args.prompt, size=args.batch)
        prompts = [stream[i:i + args.prompt].astype(np.int64).tolist() for i in idx]
        gen = model.generate(prompts, args.new, temperature=args.temperature, generator=g)
        for p, s in zip(prompts, gen):
            if EOS in s:  # the address ended: keep the sample up to and including </s>
                s = s[:s.index(EOS) + 1]
            seq = p + s
            if seq[-1] != EOS:
                seq.append(EOS)
            if seq[0] != BOS:
                seq.insert(0, BOS)
            out.extend(seq)
            n += len(s)
        print(f"{n:,} sampled tokens, {time.time() - t0:.0f}s, {n / (time.time() - t0):.0f} tok/s", flush=True)
    np.array(out, dtype=np.int16).tofile(args.out)
    print(f"wrote {len(out):,} tokens ({n:,} sampled) to {args.out}")

if __name__ == "__main__":
    main()
