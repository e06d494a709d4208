"""Split the SOTU addresses into train / validation (the latest ~5% of characters)."""
import glob, json, os, sys

def main(data_dir, out_dir, val_fraction=0.05):
    docs = []
    for path in sorted(glob.glob(os.path.join(data_dir, "*.json"))):
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        text = d["text"].strip()
        docs.append({"year": int(d["year"]), "name": d["name"], "file": os.path.basename(path), "text": text})
    docs.sort(key=lambda d: (d["year"], d["file"]))
    total = sum(len(d["text"]) for d in docs)
    # Latest years first into validation until ~5% of the characters (whole years only).
    val, acc = [], 0
    years = sorted({d["year"] for d in docs}, reverse=True)
    for y in years:
        if acc >= val_fraction * total:
            break
        for d in docs:
            if d["year"] == y:
                val.append(d)
                acc += len(d["text"])
    val_set = {d["file"] for d in val}
    train = [d for d in docs if d["file"] not in val_set]
    val.sort(key=lambda d: (d["year"], d["file"]))
    for name, part in (("train", train), ("val", val)):
        with open(os.path.join(out_dir, name + ".jsonl"), "w", encoding="utf-8") as f:
            for d in part:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(f"{len(docs)} addresses, {total} characters; train {len(train)} "
          f"({train[0]['year']}-{train[-1]['year']}), validation {len(val)} "
          f"({val[0]['year']}-{val[-1]['year']}, {acc} characters, {acc / total:.1%})")

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
