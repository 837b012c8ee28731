"""An encoder–decoder transformer for token sequences: positional encoding, masks, greedy decoding.

You may use nn.Embedding, nn.Linear, nn.LayerNorm, nn.MultiheadAttention, nn.TransformerEncoderLayer /
nn.TransformerDecoderLayer (and their stacks) or nn.Transformer, or write the blocks yourself: the point
of this challenge is the architecture around them, the position signal and the masks.
Run `torchdojo check transformer` to grade this file (the grader trains your model for 5–15 s).
"""
import math

import torch
from torch import nn

PAD, BOS = 0, 1  # token 0 pads a source sequence, token 1 starts every decoder input


def positional_encoding(length: int, d_model: int) -> torch.Tensor:
    """The sinusoidal table, shape (length, d_model):
    PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d_model))."""
    # TODO 1: build the (length, d_model) table
    raise NotImplementedError("TODO: build the sinusoidal positional encoding table")


class Seq2SeqTransformer(nn.Module):
    def __init__(self, vocab_size: int, d_model: int = 32, nhead: int = 4, num_layers: int = 2,
                 dim_feedforward: int = 64, dropout: float = 0.0, max_len: int = 64):
        super().__init__()
        # TODO 2: a token embedding, the positional encoding (a buffer), an encoder and a decoder of
        # num_layers layers each (batch_first!), and a Linear from d_model to vocab_size
        raise NotImplementedError("TODO: create the embedding, the encoder, the decoder and the output layer")

    def encode(self, src: torch.Tensor) -> torch.Tensor:
        """src (B, S) int64, padded with PAD after the end -> memory (B, S, d_model)."""
        # TODO 3: embed (scaled by √d_model), add the positions, encode with the source padding mask
        raise NotImplementedError("TODO: encode the source with its padding mask")

    def decode(self, tgt: torch.Tensor, memory: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
        """tgt (B, T) int64 starting with BOS, memory from encode(src) -> logits (B, T, vocab_size)."""
        # TODO 4: embed + positions, decode with a causal mask on tgt and the source padding mask on memory
        raise NotImplementedError("TODO: decode with the causal mask and the memory padding mask")

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        """Logits (B, T, vocab_size) for every target position at once (teacher forcing)."""
        return self.decode(tgt, self.encode(src), src)

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, max_len: int) -> torch.Tensor:
        """Start from BOS; at each step take the argmax of the last position's logits and feed it back.
        Returns (B, max_len) int64 tokens, without BOS."""
        # TODO 5: encode once, then max_len decoding steps
        raise NotImplementedError("TODO: greedy decoding, one token at a time")
