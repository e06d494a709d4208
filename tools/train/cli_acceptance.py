"""Acceptance of the shipped pair through the Java runtime on real held-out prompts: runs
`SpecdecCli generate --json` on the 20 prompts of the greedy reference fixture (greedy and
temperature 0.8) and sums the per-row statistics.
  python3 tools/train/cli_acceptance.py CLASSPATH [--k 4] [--temperature 0.8 --seed 1]"""
import argparse, json, subprocess

FIXTURE = "native/src/test/resources/trained-pair/greedy-reference.json"

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("classpath")
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--temperature", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=8)
    a = ap.parse_args()
    prompts = [p["text"] for p in json.load(open(FIXTURE))["prompts"]]
    cmd = ["java", "--add-modules", "jdk.incubator.vector", "-cp", a.classpath, "org.specdec.cli.SpecdecCli", "generate",
           "--target", "models/sotu-target", "--draft", "models/sotu-draft", "--k", str(a.k), "--max-tokens", "64",
           "--temperature", str(a.temperature), "--seed", str(a.seed), "--batch", str(a.batch), "--ignore-eos", "--json",
           "--draft-switch=false"]  # every step drafts k: the acceptance of the pair itself
    for p in prompts:
        cmd += ["--prompt", p]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    drafted = sum(r["draft_tokens"] for r in rows)
    accepted = sum(r["accepted_tokens"] for r in rows)
    steps = sum(r["spec_steps"] for r in rows)
    gen = sum(r["generated_tokens"] for r in rows)
    by = [sum(r["acceptance_by_position"][i] for r in rows) for i in range(a.k)]
    print(json.dumps({"rows": len(rows), "k": a.k, "temperature": a.temperature, "generated_tokens": gen,
                      "spec_steps": steps, "draft_tokens": drafted, "accepted_tokens": accepted,
                      "acceptance_rate": accepted / drafted, "mean_acceptance_length": gen / steps,
                      "acceptance_by_position_per_step": [round(x / steps, 3) for x in by],
                      "example": {"prompt": prompts[0], "generated_text": rows[0]["generated_text"]}}, indent=1))

if __name__ == "__main__":
    main()
