"""An encoder–decoder transformer (Vaswani et al., 2017) for token sequences: sinusoidal positional
encoding, a causal mask in the decoder, a padding mask on the source, and greedy decoding."""
import math

import torch
from torch import nn

PAD, BOS = 0, 1  # token 0 pads a source sequence, token 1 starts every decoder input


def positional_encoding(length: int, d_model: int) -> torch.Tensor:
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)); shape (length, d_model)."""
    position = torch.arange(length, dtype=torch.float32)[:, None]  # (length, 1)
    # 1 / 10000^(2i/d) for 2i = 0, 2, 4, ...: wavelengths from 2π to 10000·2π, one per pair of dimensions
    frequency = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    angle = position * frequency  # (length, d_model / 2)
    pe = torch.zeros(length, d_model)
    pe[:, 0::2] = torch.sin(angle)  # even dimensions
    pe[:, 1::2] = torch.cos(angle)  # odd dimensions
    return pe


class Seq2SeqTransformer(nn.Module):
    def __init__(self, vocab_size: int, d_model: int = 32, nhead: int = 4, num_layers: int = 2,
                 dim_feedforward: int = 64, dropout: float = 0.0, max_len: int = 64):
        super().__init__()
        self.d_model = d_model
        self.embed = nn.Embedding(vocab_size, d_model)  # shared by source and target: same tokens
        # A buffer, not a parameter: it moves with .to(device) and is not trained; not saved either.
        self.register_buffer("pe", positional_encoding(max_len, d_model), persistent=False)
        self.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True),
            num_layers, enable_nested_tensor=False)
        self.decoder = nn.TransformerDecoder(
            nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True), num_layers)
        self.out = nn.Linear(d_model, vocab_size)  # one score per token of the vocabulary

    def _embed(self, tokens: torch.Tensor) -> torch.Tensor:
        # (B, L) -> (B, L, d). Attention is blind to order: without the position signal added here, the
        # encoder's output is the same for any permutation of the source, and reversal is impossible.
        return self.embed(tokens) * math.sqrt(self.d_model) + self.pe[: tokens.shape[1]]

    def encode(self, src: torch.Tensor) -> torch.Tensor:
        """src (B, S), PAD after the end -> memory (B, S, d_model)."""
        padding = src == PAD  # (B, S), True at padded positions: no query may attend to them
        return self.encoder(self._embed(src), src_key_padding_mask=padding)

    def decode(self, tgt: torch.Tensor, memory: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
        """tgt (B, T) starting with BOS, the encoder's memory and its source -> logits (B, T, vocab)."""
        T = tgt.shape[1]
        # True = may NOT attend: position t sees positions 0..t only, so training with the whole target
        # at once (teacher forcing) cannot peek at the token it must predict.
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=tgt.device), diagonal=1)  # (T, T)
        # The padding mask again in cross-attention: the decoder must not read the padded positions either.
        hidden = self.decoder(self._embed(tgt), memory, tgt_mask=causal, memory_key_padding_mask=src == PAD)
        return self.out(hidden)  # (B, T, vocab)

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        """src (B, S) with PAD after the end, tgt (B, T) starting with BOS -> logits (B, T, vocab)."""
        return self.decode(tgt, self.encode(src), src)

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, max_len: int) -> torch.Tensor:
        """The most likely next token, one step at a time, each fed back in: (B, S) -> (B, max_len)."""
        memory = self.encode(src)  # the source is encoded once; only the decoder runs at every step
        tokens = torch.full((src.shape[0], 1), BOS, dtype=torch.long, device=src.device)  # (B, 1)
        for _ in range(max_len):
            logits = self.decode(tokens, memory, src)  # (B, t, vocab); recomputing the prefix is simple, exact
            next_token = logits[:, -1].argmax(dim=-1)  # (B,): the prediction after the last token fed
            tokens = torch.cat([tokens, next_token[:, None]], dim=1)  # feed our own prediction back
        return tokens[:, 1:]  # without BOS
