#!/usr/bin/env python3
"""Hugging Face reference for scripts/gpu-check.sh (runs on the GPU machine, no network).

  gpu_reference.py bandwidth       prints the card's datasheet HBM bandwidth in GB/s (the check itself
                                   uses the copy bandwidth our own profile measures)
  gpu_reference.py compare ...     greedy generate and assisted generation under transformers on
                                   the same weights as our engine; checks that the token ids agree
                                   and reports the ratio of our tokens/s to theirs. Our engine runs
                                   first and its lines print at once, so a transformers failure
                                   cannot hide them.
"""
import argparse, json, random, subprocess, sys, time

# Peak HBM bandwidth by card name (GB/s, vendor figures).
BANDWIDTH = [("H200", 4800), ("H100 NVL", 3900), ("H100 PCIe", 2000), ("H100", 3350),
             ("A100-SXM4-80GB", 2039), ("A100", 1555), ("L40S", 864), ("L4", 300), ("A10", 600)]


def bandwidth():
    import torch
    name = torch.cuda.get_device_name(0)
    for key, bw in BANDWIDTH:
        if key in name:
            return bw
    return 3350


def prompts(n, length, vocab, seed):
    r = random.Random(seed)
    return [[1] + [r.randrange(3, vocab) for _ in range(length - 1)] for _ in range(n)]


def ours(args, ps, draft_flags):
    cmd = [args.java, "--add-modules", "jdk.incubator.vector", "-Xmx24g", "-cp", args.classpath,
           "org.specdec.cli.SpecdecCli", "generate", "--device", "cuda:0", "--target", args.target,
           "--max-tokens", str(args.max_tokens), "--ignore-eos", "--json", "--batch", "1",
           "--draft-switch=false"] + draft_flags  # fixed k, as the reference decodes
    for p in ps:
        cmd += ["--prompt-ids", ",".join(map(str, p))]
    t0 = time.time()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    wall = time.time() - t0
    rows = [json.loads(l) for l in res.stdout.splitlines() if l.startswith("{")]
    if len(rows) != len(ps):
        sys.stderr.write(res.stdout[-2000:] + res.stderr[-2000:])
        raise SystemExit("our engine returned %d of %d rows" % (len(rows), len(ps)))
    toks = sum(r["generated_tokens"] for r in rows)
    # Decode tokens/s per row as the engine reports it (excludes JVM start and model load).
    tps = sum(r["tokens_per_s"] for r in rows) / len(rows)
    return [r["generated_token_ids"] for r in rows], tps, wall, toks


def load(path, dtype):
    from transformers import AutoModelForCausalLM
    try:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    except TypeError:  # transformers before 4.56 names it torch_dtype
        model = AutoModelForCausalLM.from_pretrained(path, torch_dtype=dtype)
    return model.to("cuda").eval()


def hf(args, ps, assistant=None, float32=False):
    """transformers' greedy generate (or assisted generation with `assistant`) at batch 1. In
    float32 the BF16 weights are upcast, so activations are F32 like ours: the reference for token
    agreement. In bfloat16 (activations rounded to BF16 each layer) it is the speed reference."""
    import torch
    dev = "cuda"
    dtype = torch.float32 if float32 else torch.bfloat16
    if float32:
        torch.backends.cuda.matmul.allow_tf32 = False
    model = load(args.target, dtype)
    helper = load(assistant, dtype) if assistant else None
    outs, times = [], []
    with torch.no_grad():
        for p in ps:  # batch 1: assisted generation supports batch size 1 only
            ids = torch.tensor([p], device=dev)
            kw = dict(max_new_tokens=args.max_tokens, min_new_tokens=args.max_tokens, do_sample=False)
            if helper is not None:
                kw["assistant_model"] = helper
            model.generate(ids, **dict(kw, max_new_tokens=4, min_new_tokens=4))  # warm-up
            torch.cuda.synchronize(); t0 = time.time()
            o = model.generate(ids, **kw)
            torch.cuda.synchronize(); times.append(time.time() - t0)
            outs.append(o[0, len(p):].tolist())
    tps = sum(len(o) for o in outs) / sum(times)
    return outs, tps


def agreement(a, b):
    same = sum(1 for x, y in zip(a, b) if x == y)
    prefix = [next((i for i, (u, v) in enumerate(zip(x, y)) if u != v), len(x)) for x, y in zip(a, b)]
    return same, prefix


def compare(args):
    cfg = json.load(open(args.target + "/config.json"))
    ps = prompts(args.prompts, 32, cfg["vocab_size"], 7)
    lines = []
    def say(s):
        print(s, flush=True); lines.append(s)
    def compare_rows(name, x, y):
        same, prefix = agreement(x, y)
        say("%-40s identical rows %d/%d, first difference at %s" % (name, same, len(x), prefix))
    ours_t, ours_t_tps, _, _ = ours(args, ps, [])
    ours_s, ours_s_tps, _, _ = ours(args, ps, ["--draft", args.draft, "--k", "4"])
    say("ours at batch 1 (%d prompts x %d tokens): target-only %.1f tokens/s, speculative k=4 %.1f tokens/s"
        % (len(ps), args.max_tokens, ours_t_tps, ours_s_tps))
    compare_rows("ours target-only vs ours speculative", ours_t, ours_s)
    hf_f32, hf_f32_tps = hf(args, ps, float32=True)
    compare_rows("ours target-only vs HF greedy F32", ours_t, hf_f32)
    hf_t, hf_t_tps = hf(args, ps)
    compare_rows("ours target-only vs HF greedy BF16", ours_t, hf_t)
    compare_rows("HF greedy F32 vs HF greedy BF16", hf_f32, hf_t)
    hf_s, hf_s_tps = hf(args, ps, args.draft)
    compare_rows("HF greedy BF16 vs HF assisted BF16", hf_t, hf_s)
    say("tokens/s at batch 1: ours target-only %.1f, ours speculative (k=4) %.1f, HF greedy BF16 %.1f, HF assisted"
        " BF16 %.1f, HF greedy F32 %.1f" % (ours_t_tps, ours_s_tps, hf_t_tps, hf_s_tps, hf_f32_tps))
    say("ratio ours/HF: target-only %.2fx, speculative vs assisted %.2fx"
        % (ours_t_tps / hf_t_tps, ours_s_tps / hf_s_tps))
    say("note: ours keeps activations in F32 (BF16 weights); HF F32 upcasts the same weights (TF32 off), so it is"
        " the agreement reference; HF BF16 rounds activations to BF16 every layer and drifts on random weights.")
    if args.out:
        open(args.out, "w").write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("bandwidth")
    c = sub.add_parser("compare")
    c.add_argument("--target", required=True); c.add_argument("--draft", required=True)
    c.add_argument("--java", required=True); c.add_argument("--classpath", required=True)
    c.add_argument("--prompts", type=int, default=4); c.add_argument("--max-tokens", type=int, default=64)
    c.add_argument("--out")
    a = ap.parse_args()
    if a.cmd == "bandwidth":
        print(bandwidth())
    else:
        compare(a)


if __name__ == "__main__":
    main()
