"""nn.Transformer as the body, with additive float masks: -inf above the diagonal for causality and
-inf at padded source positions; the encoding from a precomputed table built with a loop over pairs."""
import math

import torch
from torch import nn

PAD, BOS = 0, 1


def positional_encoding(length, d_model):
    table = torch.zeros(length, d_model)
    position = torch.arange(length).float()
    for i in range(0, d_model, 2):  # one sin/cos pair per frequency
        table[:, i] = torch.sin(position / 10000 ** (i / d_model))
        table[:, i + 1] = torch.cos(position / 10000 ** (i / d_model))
    return table


class Seq2SeqTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=32, nhead=4, num_layers=2, dim_feedforward=64, dropout=0.0, max_len=64):
        super().__init__()
        self.scale = math.sqrt(d_model)
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.register_buffer("positions", positional_encoding(max_len, d_model))
        self.body = nn.Transformer(d_model, nhead, num_layers, num_layers, dim_feedforward, dropout,
                                   batch_first=True)
        self.generator = nn.Linear(d_model, vocab_size)

    def embed(self, tokens):
        return self.embedding(tokens) * self.scale + self.positions[: tokens.size(1)]

    @staticmethod
    def padding(src):
        return torch.zeros(src.shape, device=src.device).masked_fill(src == PAD, float("-inf"))  # (B, S)

    def encode(self, src):
        return self.body.encoder(self.embed(src), src_key_padding_mask=self.padding(src))

    def decode(self, tgt, memory, src):
        future = nn.Transformer.generate_square_subsequent_mask(tgt.size(1), device=tgt.device)  # 0 / -inf
        out = self.body.decoder(self.embed(tgt), memory, tgt_mask=future, memory_key_padding_mask=self.padding(src),
                                tgt_is_causal=True)
        return self.generator(out)

    def forward(self, src, tgt):
        return self.decode(tgt, self.encode(src), src)

    @torch.no_grad()
    def greedy_decode(self, src, max_len):
        tokens = torch.full((len(src), max_len + 1), BOS, dtype=torch.long, device=src.device)
        memory = self.encode(src)
        for t in range(max_len):
            logits = self.decode(tokens[:, : t + 1], memory, src)
            tokens[:, t + 1] = logits[:, t].argmax(-1)
        return tokens[:, 1:]
