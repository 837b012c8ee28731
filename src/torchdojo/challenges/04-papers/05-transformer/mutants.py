"""Known mistakes for transformer."""
from torchdojo.grading.mutants import Mutant

EMBED = "return self.embed(tokens) * math.sqrt(self.d_model) + self.pe[: tokens.shape[1]]"
DECODE = "hidden = self.decoder(self._embed(tgt), memory, tgt_mask=causal, memory_key_padding_mask=src == PAD)"

MUTANTS = [
    Mutant("no-positional-encoding",
           "the embeddings carry no position: attention is order-blind, so the encoder sees the source as a bag of "
           "tokens and cannot reverse it; add positional_encoding(...) to the token embeddings",
           replace={EMBED: "return self.embed(tokens) * math.sqrt(self.d_model)"}),
    Mutant("no-positional-encoding-on-target",
           "the positional encoding is added to the source but not to the decoder's input: the decoder sees the "
           "tokens before it as a bag, not a sequence; the formula is E[y]·√d + PE for the target too",
           replace={DECODE: DECODE.replace("self._embed(tgt)", "self.embed(tgt) * math.sqrt(self.d_model)")}),
    Mutant("functional-dropout-always-on",
           "F.dropout(x, p) without training=self.training drops in eval mode too, so inference is random; pass "
           "training=self.training or use nn.Dropout, which follows model.train() / model.eval()",
           replace={"        self.d_model = d_model\n": "        self.d_model, self.p = d_model, dropout\n",
                    EMBED: "return nn.functional.dropout(self.embed(tokens) * math.sqrt(self.d_model) "
                           "+ self.pe[: tokens.shape[1]], self.p)"}),
    Mutant("dropout-ignored",
           "the dropout argument is never used: the layers are built with dropout 0, so training is not "
           "regularised whatever the caller asks; pass dropout to the layers",
           replace={"nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True)":
                    "nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, 0.0, batch_first=True)",
                    "nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True)":
                    "nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, 0.0, batch_first=True)"}),
    Mutant("no-causal-mask",
           "the decoder has no causal mask: in training each position sees the token it must predict and learns "
           "to copy it, so greedy decoding fails; pass tgt_mask with True above the diagonal",
           replace={DECODE: DECODE.replace("tgt_mask=causal", "tgt_mask=None")}),
    Mutant("causal-mask-flipped",
           "the causal mask is turned around (tril instead of triu): each position attends to the future and "
           "not to the past; True must sit ABOVE the diagonal (torch.triu(..., diagonal=1))",
           replace={"causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=tgt.device), diagonal=1)":
                    "causal = torch.tril(torch.ones(T, T, dtype=torch.bool, device=tgt.device), diagonal=-1)"}),
    Mutant("no-batch-first",
           "the transformer layers are built without batch_first=True, so they read (B, S, d) as (S, B, d): "
           "attention mixes the sequences of a batch and source and target lengths must match; pass batch_first=True",
           replace={"nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True)":
                    "nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout)",
                    "nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True)":
                    "nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout)"}),
    Mutant("no-padding-mask",
           "source padding is not masked: attention reads the PAD positions, so the same sentence gives other "
           "outputs with more padding; pass src_key_padding_mask and memory_key_padding_mask = (src == PAD)",
           replace={"return self.encoder(self._embed(src), src_key_padding_mask=padding)":
                    "return self.encoder(self._embed(src))",
                    DECODE: DECODE.replace(", memory_key_padding_mask=src == PAD", "")}),
    Mutant("padding-mask-only-in-encoder",
           "the padding mask is given to the encoder but not to the decoder's cross-attention, which still reads "
           "the padded memory positions; pass memory_key_padding_mask too",
           replace={DECODE: DECODE.replace(", memory_key_padding_mask=src == PAD", "")}),
    Mutant("decode-without-feedback",
           "greedy decoding does not feed its own predictions back: it predicts every position in one pass from a "
           "placeholder input, so each step conditions on tokens it never produced; append each argmax and run again",
           replace={"        for _ in range(max_len):\n            logits = self.decode(tokens, memory, src)":
                    "        tokens = tokens.repeat(1, max_len + 1)\n        for _ in range(1):\n"
                    "            logits = self.decode(tokens, memory, src)",
                    "next_token = logits[:, -1].argmax(dim=-1)": "next_token = logits[:, 1:].argmax(dim=-1)",
                    "tokens = torch.cat([tokens, next_token[:, None]], dim=1)":
                    "tokens = torch.cat([tokens[:, :1], next_token], dim=1)"}),
    Mutant("decode-returns-bos",
           "greedy_decode returns the BOS start token as its first column: (B, max_len + 1) instead of the "
           "max_len decoded tokens",
           replace={"return tokens[:, 1:]  # without BOS": "return tokens"}),
    Mutant("encoding-wrong-frequency",
           "the encoding's frequencies use 10000^(i/d) with i counting the pairs, not 10000^(2i/d): the "
           "wavelengths are wrong; the exponent is the even dimension index 2i divided by d_model",
           replace={"torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model)":
                    "torch.arange(0, d_model // 2, dtype=torch.float32) * (-math.log(10000.0) / d_model)"}),
]
