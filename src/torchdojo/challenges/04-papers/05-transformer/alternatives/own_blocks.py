"""Every block written out: multi-head attention on F.scaled_dot_product_attention with one boolean mask
that combines padding and causality, pre-norm residual blocks with functional dropout that follows the
module's mode (training=self.training), and the encoding built with torch.stack."""
import math

import torch
import torch.nn.functional as F
from torch import nn

PAD, BOS = 0, 1


def positional_encoding(length, d_model):
    pos = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    i = torch.arange(d_model // 2, dtype=torch.float32)
    angle = pos / torch.pow(10000.0, 2 * i / d_model)  # (length, d/2)
    # interleave: sin, cos, sin, cos, ...
    return torch.stack([angle.sin(), angle.cos()], dim=-1).reshape(length, d_model)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, memory, allowed):  # allowed: (B or 1, 1, Tq, Tk) bool, True = may attend
        B, Tq, d = x.shape
        split = lambda t: t.view(B, t.shape[1], self.heads, d // self.heads).transpose(1, 2)
        out = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(memory)), split(self.v(memory)),
                                             attn_mask=allowed)
        return self.o(out.transpose(1, 2).reshape(B, Tq, d))


class Block(nn.Module):
    def __init__(self, d, heads, ff, cross, p):
        super().__init__()
        self.p = p
        self.self_attn, self.n1 = Attention(d, heads), nn.LayerNorm(d)
        self.cross_attn, self.n2 = (Attention(d, heads), nn.LayerNorm(d)) if cross else (None, None)
        self.ff = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, ff), nn.ReLU(), nn.Linear(ff, d))

    def forward(self, x, self_allowed, memory=None, cross_allowed=None):
        h = self.n1(x)
        drop = lambda t: F.dropout(t, self.p, training=self.training)
        x = x + drop(self.self_attn(h, h, self_allowed))
        if self.cross_attn is not None:
            x = x + drop(self.cross_attn(self.n2(x), memory, cross_allowed))
        return x + drop(self.ff(x))


class Seq2SeqTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=32, nhead=4, num_layers=2, dim_feedforward=64, dropout=0.0, max_len=64):
        super().__init__()
        self.d = d_model
        self.tok = nn.Embedding(vocab_size, d_model)
        self.register_buffer("pe", positional_encoding(max_len, d_model), persistent=False)
        self.enc = nn.ModuleList(Block(d_model, nhead, dim_feedforward, False, dropout) for _ in range(num_layers))
        self.dec = nn.ModuleList(Block(d_model, nhead, dim_feedforward, True, dropout) for _ in range(num_layers))
        self.enc_norm, self.dec_norm = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def encode(self, src):
        keys = (src != PAD)[:, None, None, :]  # (B, 1, 1, S): real source tokens may be attended to
        x = self.tok(src) * math.sqrt(self.d) + self.pe[: src.shape[1]]
        for block in self.enc:
            x = block(x, keys)
        return self.enc_norm(x)

    def decode(self, tgt, memory, src):
        T = tgt.shape[1]
        keys = (src != PAD)[:, None, None, :]
        causal = torch.ones(T, T, dtype=torch.bool, device=tgt.device).tril()  # (T, T): t sees 0..t
        y = self.tok(tgt) * math.sqrt(self.d) + self.pe[:T]
        for block in self.dec:
            y = block(y, causal, memory, keys)
        return self.head(self.dec_norm(y))

    def forward(self, src, tgt):
        return self.decode(tgt, self.encode(src), src)

    def greedy_decode(self, src, max_len):
        with torch.no_grad():
            memory = self.encode(src)
            out = src.new_full((src.shape[0], 1), BOS)
            for _ in range(max_len):
                out = torch.cat([out, self.decode(out, memory, src)[:, -1:].argmax(-1)], dim=1)
        return out[:, 1:]
