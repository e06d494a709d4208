"""A Llama model in plain PyTorch, matching transformers' LlamaForCausalLM (RMSNorm, rotate_half
RoPE, SwiGLU, grouped-query attention, tied embeddings), plus safetensors I/O and HF export.
Tensor names are those of transformers, so the export loads in any Llama runtime."""
import json, math, os, struct
import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "target": dict(hidden_size=256, intermediate_size=688, num_hidden_layers=6, num_attention_heads=8,
                   num_key_value_heads=4),
    "draft": dict(hidden_size=128, intermediate_size=344, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2),
}


def make_config(preset, vocab_size=4096, context=256):
    c = dict(PRESETS[preset])
    c.update(vocab_size=vocab_size, max_position_embeddings=context, rms_norm_eps=1e-5, rope_theta=10000.0,
             tie_word_embeddings=True, bos_token_id=1, eos_token_id=2)
    return c


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        dt = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dt)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, self.nh, self.nkv = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
        self.hd = d // self.nh
        self.q_proj = nn.Linear(d, self.nh * self.hd, bias=False)
        self.k_proj = nn.Linear(d, self.nkv * self.hd, bias=False)
        self.v_proj = nn.Linear(d, self.nkv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.nh * self.hd, d, bias=False)

    def forward(self, x, cos, sin, cache=None):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            if cache.get("k") is not None:
                k = torch.cat([cache["k"], k], dim=2)
                v = torch.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
        rep = self.nh // self.nkv
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        S = k.shape[2]
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
        if T > 1:
            mask = torch.ones(T, S, dtype=torch.bool, device=x.device).tril(S - T)
            att = att.masked_fill(~mask, float("-inf"))
        att = att.softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, self.nh * self.hd)
        return self.o_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, m = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(d, m, bias=False)
        self.up_proj = nn.Linear(d, m, bias=False)
        self.down_proj = nn.Linear(m, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, cache=None):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache)
        return x + self.mlp(self.post_attention_layernorm(x))


class Backbone(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.model = Backbone(c)
        hd = c["hidden_size"] // c["num_attention_heads"]
        inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
        t = torch.arange(c["max_position_embeddings"], dtype=torch.float32)
        emb = torch.cat([torch.outer(t, inv)] * 2, dim=-1)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)
        self.apply(self._init)
        for n, p in self.named_parameters():
            if n.endswith("o_proj.weight") or n.endswith("down_proj.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * c["num_hidden_layers"]))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, ids, caches=None, start=0):
        T = ids.shape[1]
        cos, sin = self.cos[start:start + T], self.sin[start:start + T]
        x = self.model.embed_tokens(ids)
        for i, layer in enumerate(self.model.layers):
            x = layer(x, cos, sin, None if caches is None else caches[i])
        x = self.model.norm(x)
        return x @ self.model.embed_tokens.weight.t()  # tied lm_head

    def n_params(self):
        return sum(p.numel() for p in self.parameters())

    @torch.no_grad()
    def generate(self, prompts, max_new, temperature=0.0, generator=None, eos=None):
        """Batched decoding with a KV cache. prompts: list of id lists (same length)."""
        ids = torch.tensor(prompts, dtype=torch.long)
        caches = [dict() for _ in self.model.layers]
        logits = self.forward(ids, caches, 0)[:, -1]
        pos = ids.shape[1]
        out = []
        for step in range(max_new):
            if temperature == 0.0:
                nxt = logits.argmax(-1)
            else:
                probs = (logits.float() / temperature).softmax(-1)
                nxt = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
            out.append(nxt)
            if step + 1 == max_new or pos >= self.config["max_position_embeddings"]:
                break
            logits = self.forward(nxt[:, None], caches, pos)[:, -1]
            pos += 1
        return torch.stack(out, dim=1).tolist()


# ---------------------------------------------------------------- safetensors

_DT = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
_TD = {v: k for k, v in _DT.items()}


def save_safetensors(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        data = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": _DT[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)  # pad the header so the data is 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        buf = bytearray(raw[base + a:base + b])
        dt = _TD[e["dtype"]]
        if dt == torch.bfloat16:
            t = torch.frombuffer(buf, dtype=torch.int16).view(torch.bfloat16)
        else:
            t = torch.frombuffer(buf, dtype=dt)
        out[name] = t.reshape(e["shape"]).clone()
    return out


def state_for_export(model, dtype):
    sd = {k: v.to(dtype) for k, v in model.state_dict().items()}
    return sd  # tied: lm_head.weight is not stored (tie_word_embeddings = true)


def load_model(path_dir):
    with open(os.path.join(path_dir, "config.json")) as f:
        hf = json.load(f)
    c = {k: hf[k] for k in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                            "num_key_value_heads", "vocab_size", "max_position_embeddings", "rms_norm_eps",
                            "rope_theta", "tie_word_embeddings", "bos_token_id", "eos_token_id")}
    m = Llama(c)
    sd = {k: v.float() for k, v in load_safetensors(os.path.join(path_dir, "model.safetensors")).items()}
    m.load_state_dict(sd)
    return m


def export_hf(model, out_dir, tokenizer_dir, dtype=torch.float32, metadata=None):
    os.makedirs(out_dir, exist_ok=True)
    c = model.config
    name = {torch.float32: "float32", torch.bfloat16: "bfloat16", torch.float16: "float16"}[dtype]
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
           "attention_bias": False, "mlp_bias": False, "head_dim": c["hidden_size"] // c["num_attention_heads"],
           "initializer_range": 0.02, "rope_scaling": None, "torch_dtype": name, "use_cache": True}
    cfg.update(c)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": c["bos_token_id"], "eos_token_id": c["eos_token_id"], "do_sample": False}, f, indent=2)
        f.write("\n")
    save_safetensors(os.path.join(out_dir, "model.safetensors"), state_for_export(model, dtype),
                     dict(metadata or {}, format="pt"))
    for fn in ("tokenizer.json", "tokenizer_config.json"):
        with open(os.path.join(tokenizer_dir, fn), "rb") as src, open(os.path.join(out_dir, fn), "wb") as dst:
            dst.write(src.read())
