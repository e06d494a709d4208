"""Byte-level BPE: trainer, encoder and Hugging Face tokenizer.json writer (the project's own code).

Pre-tokenization is GPT-2's regex, exactly what the Hugging Face ByteLevel pre-tokenizer with
use_regex=true applies, so ids from encode() equal those of the tokenizer.json it writes.
Ids: 0 <unk>, 1 <s> (BOS), 2 </s> (EOS), 3..258 the 256 bytes, then one id per merge.

  python3 bpe.py train --vocab 4096 --out DIR .cache/sotu/train.jsonl
"""
import argparse, collections, json, os, sys, time
import regex

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
PAT = regex.compile(GPT2_PATTERN)
SPECIALS = ["<unk>", "<s>", "</s>"]
UNK, BOS, EOS = 0, 1, 2


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


B2U = bytes_to_unicode()
U2B = {u: b for b, u in B2U.items()}


def pretokenize(text):
    return ["".join(B2U[b] for b in w.encode("utf-8")) for w in PAT.findall(text)]


def train(texts, vocab_size):
    counts = collections.Counter()
    for t in texts:
        counts.update(pretokenize(t))
    words = [list(w) for w in counts]
    freq = [counts[w] for w in counts]
    pair_counts = collections.Counter()
    where = collections.defaultdict(set)
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_counts[(a, b)] += freq[i]
            where[(a, b)].add(i)
    merges = []
    n_merges = vocab_size - len(SPECIALS) - 256
    t0 = time.time()
    while len(merges) < n_merges and pair_counts:
        # Most frequent pair; ties broken by the pair's strings (deterministic).
        best = max(pair_counts.items(), key=lambda kv: (kv[1], kv[0]))
        (a, b), c = best
        if c < 2:
            break
        merges.append((a, b))
        ab = a + b
        for i in list(where[(a, b)]):
            w = words[i]
            f = freq[i]
            for p in zip(w, w[1:]):
                pair_counts[p] -= f
                if pair_counts[p] <= 0:
                    del pair_counts[p]
            nw, j = [], 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    nw.append(ab)
                    j += 2
                else:
                    nw.append(w[j])
                    j += 1
            words[i] = nw
            for p in zip(nw, nw[1:]):
                pair_counts[p] += f
                where[p].add(i)
        del where[(a, b)]
        if len(merges) % 500 == 0:
            print(f"  {len(merges)} merges, {time.time() - t0:.0f}s", file=sys.stderr)
    return merges


def build_vocab(merges):
    vocab = {s: i for i, s in enumerate(SPECIALS)}
    for b in range(256):
        vocab[B2U[b]] = len(vocab)
    for a, b in merges:
        vocab[a + b] = len(vocab)
    return vocab


class Encoder:
    def __init__(self, tokenizer_json_path):
        with open(tokenizer_json_path, encoding="utf-8") as f:
            tj = json.load(f)
        self.vocab = tj["model"]["vocab"]
        self.id_to_tok = {i: t for t, i in self.vocab.items()}
        self.ranks = {tuple(m.split(" ")): r for r, m in enumerate(tj["model"]["merges"])}
        self.cache = {}

    def _bpe(self, word):
        hit = self.cache.get(word)
        if hit is not None:
            return hit
        parts = list(word)
        while len(parts) > 1:
            best, best_rank = None, None
            for k in range(len(parts) - 1):
                r = self.ranks.get((parts[k], parts[k + 1]))
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = k, r
            if best is None:
                break
            a, b = parts[best], parts[best + 1]
            out, j = [], 0
            while j < len(parts):
                if j + 1 < len(parts) and parts[j] == a and parts[j + 1] == b:
                    out.append(a + b)
                    j += 2
                else:
                    out.append(parts[j])
                    j += 1
            parts = out
        ids = [self.vocab[p] for p in parts]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        ids = []
        for w in pretokenize(text):
            ids.extend(self._bpe(w))
        return ids

    def decode(self, ids):
        data = bytearray()
        for i in ids:
            if i < len(SPECIALS):
                continue
            data.extend(U2B[c] for c in self.id_to_tok[i])
        return data.decode("utf-8", errors="replace")


def write_tokenizer(out_dir, merges):
    os.makedirs(out_dir, exist_ok=True)
    vocab = build_vocab(merges)
    added = [{"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, s in enumerate(SPECIALS)]
    bos = {"SpecialToken": {"id": "<s>", "type_id": 0}}
    tj = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [bos, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [bos, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [BOS], "tokens": ["<s>"]}},
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": [a + " " + b for a, b in merges]},
    }
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False, indent=None, separators=(",", ":"))
    cfg = {"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>",
           "unk_token": "<unk>", "clean_up_tokenization_spaces": False,
           "model_max_length": 256, "tokenizer_class": "PreTrainedTokenizerFast"}
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    return vocab


def read_texts(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["train"])
    ap.add_argument("corpus")
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    texts = read_texts(args.corpus)
    merges = train(texts, args.vocab)
    vocab = write_tokenizer(args.out, merges)
    print(f"vocabulary {len(vocab)} ({len(merges)} merges) -> {args.out}/tokenizer.json")


if __name__ == "__main__":
    main()
