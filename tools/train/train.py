"""Train a Llama model on token streams, on CPU, for a wall-clock budget.

  python3 train.py --preset target --minutes 45 --data .cache/train/train.bin --out .cache/train/target
  python3 train.py --preset draft --minutes 12 --data .cache/train/train.bin --out .cache/train/draft-real
  python3 train.py --preset draft --minutes 12 --init DRAFT --data .cache/train/train.bin:0.5,.cache/train/distill.bin:0.5 ...

The learning rate follows a warmup then a cosine decay over the time budget (elapsed / budget),
so the run always ends with a decayed learning rate whatever the machine's speed.
Writes OUT/config.json + model.safetensors (F32, HF layout, with the tokenizer) and OUT/train.json.
"""
import argparse, json, math, os, time
import numpy as np
import torch
from llama import Llama, make_config, export_hf, load_model


def windows(stream, n, ctx, rng):
    idx = rng.integers(0, len(stream) - ctx - 1, size=n)
    return torch.from_numpy(np.stack([stream[i:i + ctx + 1] for i in idx]).astype(np.int64))


@torch.no_grad()
def evaluate(model, stream, ctx, max_windows=None, batch=16):
    """Mean next-token loss over non-overlapping ctx windows of the stream (every position scored)."""
    model.eval()
    n = (len(stream) - 1) // ctx
    if max_windows:
        n = min(n, max_windows)
    tot, cnt = 0.0, 0
    for s in range(0, n, batch):
        rows = [stream[i * ctx:i * ctx + ctx + 1] for i in range(s, min(n, s + batch))]
        x = torch.from_numpy(np.stack(rows).astype(np.int64))
        logits = model(x[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction="sum")
        tot += loss.item()
        cnt += x[:, 1:].numel()
    model.train()
    return tot / cnt, cnt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", required=True)
    ap.add_argument("--minutes", type=float, required=True)
    ap.add_argument("--data", required=True, help="file[:weight],file[:weight] token streams (int16)")
    ap.add_argument("--val", default=".cache/train/val.bin")
    ap.add_argument("--tokenizer", default=".cache/train/tokenizer")
    ap.add_argument("--out", required=True)
    ap.add_argument("--context", type=int, default=256)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--init", help="start from this model directory (fine-tuning) instead of random weights")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    sources = []
    for part in args.data.split(","):
        path, _, w = part.partition(":")
        sources.append((np.fromfile(path, dtype=np.int16), float(w or 1.0), path))
    weights = np.array([w for _, w, _ in sources]) / sum(w for _, w, _ in sources)
    val = np.fromfile(args.val, dtype=np.int16)
    cfg = make_config(args.preset, context=args.context)
    model = Llama(cfg)
    if args.init:
        init = load_model(args.init)
        assert init.config == cfg, "--init model has another shape"
        model.load_state_dict(init.state_dict())
    print(f"{args.preset}: {model.n_params():,} parameters; data " +
          ", ".join(f"{p} ({len(s):,} tokens, weight {w:.2f})" for (s, _, p), w in zip(sources, weights)), flush=True)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    budget = args.minutes * 60
    t0 = time.time()
    step, tokens, ema = 0, 0, None
    per_source = [0] * len(sources)
    while True:
        elapsed = time.time() - t0
        if elapsed >= budget:
            break
        frac = elapsed / budget
        lr = args.lr * min(1.0, (step + 1) / args.warmup) * (args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        counts = rng.multinomial(args.batch, weights)
        xs = [windows(s, c, args.context, rng) for (s, _, _), c in zip(sources, counts) if c > 0]
        x = torch.cat(xs)
        for i, c in enumerate(counts):
            per_source[i] += int(c) * args.context
        logits = model(x[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += x.shape[0] * args.context
        ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
        if step % 25 == 0:
            el = time.time() - t0
            print(f"step {step} tokens {tokens:,} loss {ema:.3f} lr {lr:.2e} {tokens / el:.0f} tok/s {el / 60:.1f} min", flush=True)
        if step % 250 == 0:
            vl, _ = evaluate(model, val, args.context, max_windows=32)
            print(f"  val loss (32 windows) {vl:.3f}", flush=True)
    train_s = time.time() - t0
    vl, vcnt = evaluate(model, val, args.context)
    info = {"preset": args.preset, "parameters": model.n_params(), "steps": step, "tokens": tokens,
            "tokens_per_source": {p: n for (_, _, p), n in zip(sources, per_source)},
            "train_seconds": round(train_s), "tokens_per_second": round(tokens / train_s),
            "val_loss": vl, "val_ppl": math.exp(vl), "val_tokens": vcnt, "args": vars(args)}
    print(json.dumps(info, indent=2), flush=True)
    export_hf(model, args.out, args.tokenizer, torch.float32, {"val_loss": f"{vl:.4f}", "tokens": str(tokens)})
    with open(os.path.join(args.out, "train.json"), "w") as f:
        json.dump(info, f, indent=2)


if __name__ == "__main__":
    main()
