"""Known mistakes for multi-head-attention."""
from torchdojo.grading.mutants import Mutant

SPLIT = "return x.view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)"
SCORES = "scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)"
SOFTMAX = "weights = torch.softmax(scores.masked_fill(empty, 0.0), dim=-1)"
EMPTY = "        weights = weights.masked_fill(empty, 0.0)\n"
PADDING = "scores = scores.masked_fill(key_padding_mask[:, None, None, :], float(\"-inf\"))"
MERGE = "concat = heads.transpose(1, 2).reshape(batch, tq, embed_dim)"
RETURN = "return self.out_proj(concat), weights.mean(dim=1)"

MUTANTS = [
    Mutant("projections-without-bias",
           "the projections have no bias (bias=False), so the stated state_dict (q_proj.bias, ...) and "
           "nn.MultiheadAttention's in_proj_bias do not load; keep nn.Linear's default bias=True",
           replace={"self.q_proj = nn.Linear(embed_dim, embed_dim)": "self.q_proj = nn.Linear(embed_dim, embed_dim, False)",
                    "self.k_proj = nn.Linear(embed_dim, embed_dim)": "self.k_proj = nn.Linear(embed_dim, embed_dim, False)",
                    "self.v_proj = nn.Linear(embed_dim, embed_dim)": "self.v_proj = nn.Linear(embed_dim, embed_dim, False)"}),
    Mutant("zero-initialised-projections",
           "the projections start at all zeros, so every head computes the same thing and the symmetry is never "
           "broken; keep nn.Linear's random initialisation",
           replace={"        self.out_proj = nn.Linear(embed_dim, embed_dim)":
                    "        self.out_proj = nn.Linear(embed_dim, embed_dim)\n"
                    "        for layer in (self.q_proj, self.k_proj, self.v_proj):\n"
                    "            nn.init.zeros_(layer.weight)"}),
    Mutant("heads-split-without-transpose",
           "your output matches a common mistake: the heads are split with view(B, h, T, d_k) directly, which "
           "reads the (B, T, h, d_k) memory in the wrong order and mixes tokens into heads; use "
           "view(B, T, h, d_k).transpose(1, 2)",
           replace={SPLIT: "return x.view(batch, self.num_heads, length, self.head_dim)"}),
    Mutant("heads-merged-without-transpose",
           "your output matches a common mistake: the heads are merged with reshape(B, Tq, E) straight from "
           "(B, h, Tq, d_k), which mixes positions; transpose back to (B, Tq, h, d_k) first",
           replace={MERGE: "concat = heads.reshape(batch, tq, embed_dim)"}),
    Mutant("heads-concatenated-in-wrong-order",
           "your output matches a common mistake: the heads are concatenated feature by feature (interleaved) "
           "instead of head after head, so out_proj's columns meet the wrong features; merge with "
           "heads.transpose(1, 2).reshape(B, Tq, E)",
           replace={MERGE: "concat = heads.permute(0, 2, 3, 1).reshape(batch, tq, embed_dim)"}),
    Mutant("softmax-over-queries",
           "your output matches a common mistake: the softmax runs over the queries (dim=-2), so each key's "
           "weights sum to 1 instead of each query's; use softmax(dim=-1), over the keys",
           replace={SOFTMAX: "weights = torch.softmax(scores.masked_fill(empty, 0.0), dim=-2)"}),
    Mutant("softmax-over-heads",
           "your output matches a common mistake: the softmax runs over dim=1, the heads, so the heads compete "
           "with each other instead of each query distributing its attention over the keys; use dim=-1",
           replace={SOFTMAX: "weights = torch.softmax(scores.masked_fill(empty, 0.0), dim=1)"}),
    Mutant("softmax-over-batch",
           "your output matches a common mistake: the softmax runs over dim=0, the batch, so the sequences of a "
           "batch share one attention budget and a sequence alone attends differently; use dim=-1 (the keys)",
           replace={SOFTMAX: "weights = torch.softmax(scores.masked_fill(empty, 0.0), dim=0)"}),
    Mutant("key-padding-over-heads",
           "your output matches a common mistake: the key padding mask is unsqueezed as (1, B, 1, Tk), which "
           "lines the batch up with the heads axis; padding belongs to each sequence: (B, 1, 1, Tk)",
           replace={PADDING: "scores = scores.masked_fill(key_padding_mask[None, :, None, :], float(\"-inf\"))"}),
    Mutant("scaled-by-embed-dim",
           "your output matches a common mistake: the scores are divided by √embed_dim; each head's dot product "
           "runs over d_k = embed_dim / num_heads features, so divide by √d_k",
           replace={SCORES: "scores = q @ k.transpose(-2, -1) / math.sqrt(embed_dim)"}),
    Mutant("mask-after-softmax",
           "your output matches a common mistake: the key padding zeroes the weights after the softmax, so a "
           "query's weights no longer sum to 1; mask the scores with -inf before the softmax",
           replace={PADDING: "pass",
                    EMPTY: EMPTY + "        if key_padding_mask is not None:\n"
                                   "            weights = weights.masked_fill(key_padding_mask[:, None, None, :], 0.0)\n"}),
    Mutant("key-padding-over-queries",
           "your output matches a common mistake: the key padding mask is broadcast over the queries "
           "(B, 1, T, 1) instead of the keys (B, 1, 1, Tk): padding must stop every query from attending to a "
           "padded KEY",
           replace={PADDING: "scores = scores.masked_fill(key_padding_mask[:, None, :, None], float(\"-inf\"))"}),
    Mutant("key-padding-inverted",
           "your output matches a common mistake: key_padding_mask is read as True = keep; in "
           "nn.MultiheadAttention's convention True marks padding, which gets no attention",
           replace={PADDING: "scores = scores.masked_fill(~key_padding_mask[:, None, None, :], float(\"-inf\"))"}),
    Mutant("attn-mask-inverted",
           "your output matches a common mistake: a boolean attn_mask is read as True = may attend "
           "(scaled_dot_product_attention's convention); nn.MultiheadAttention's, used here, is True = blocked",
           replace={"scores = scores.masked_fill(attn_mask, float(\"-inf\"))":
                    "scores = scores.masked_fill(~attn_mask, float(\"-inf\"))"}),
    Mutant("causal-ignored-with-attn-mask",
           "your output matches a common mistake: is_causal is honoured only when no attn_mask is given; a "
           "decoder needs both, so combine the causal mask with the others",
           replace={"        if is_causal:\n": "        if is_causal and attn_mask is None:\n"}),
    Mutant("causal-mask-square",
           "the causal mask is built (Tq, Tq) from the queries alone, so with keys of another length it does not fit "
           "the (Tq, Tk) scores; build it from both lengths, torch.ones(Tq, Tk, ...).triu(1): query i sees keys "
           "0..i (top-left aligned, as F.scaled_dot_product_attention(is_causal=True))",
           replace={"torch.ones(scores.shape[-2:], dtype=torch.bool": "torch.ones(tq, tq, dtype=torch.bool"}),
    Mutant("causal-mask-on-cpu",
           "the causal mask is created without device=, so it lives on the CPU and the module fails on a GPU input; "
           "create it on the scores' device: torch.ones(..., device=scores.device) or scores.new_ones(...)",
           replace={"dtype=torch.bool, device=scores.device).triu(1)": "dtype=torch.bool).triu(1)"}),
    Mutant("weights-summed-over-heads",
           "your output matches a common mistake: the returned weights are summed over the heads, so each row "
           "sums to num_heads; nn.MultiheadAttention returns their average (mean over dim=1)",
           replace={RETURN: "return self.out_proj(concat), weights.sum(dim=1)"}),
    Mutant("nan-on-fully-masked-queries",
           "a query whose keys are all masked gets NaN (softmax of a row of -inf is 0/0); give such rows zero "
           "weight: find them with torch.isneginf(scores).all(-1, keepdim=True)",
           replace={SOFTMAX: "weights = torch.softmax(scores, dim=-1)", EMPTY: ""}),
    Mutant("no-output-projection",
           "your output matches a common mistake: the concatenated heads are returned without out_proj (W^O), "
           "which is what lets the heads' findings mix",
           replace={RETURN: "return concat, weights.mean(dim=1)"}),
    Mutant("values-from-key-projection",
           "your output matches a common mistake: the values go through k_proj, so v_proj is never used; "
           "v = v_proj(value)",
           replace={"v = self._split_heads(self.v_proj(value))": "v = self._split_heads(self.k_proj(value))"}),
    Mutant("keys-from-query",
           "your output matches a common mistake: the keys are computed from `query` instead of `key`, which only "
           "works for self-attention; in cross-attention keys and values come from the other sequence",
           replace={"k = self._split_heads(self.k_proj(key))": "k = self._split_heads(self.k_proj(query))"}),
    Mutant("calls-sdpa",
           "the module calls F.scaled_dot_product_attention: this challenge is to write the attention of every "
           "head yourself",
           replace={"        heads = weights @ v": "        heads = nn.functional.scaled_dot_product_attention(q, k, v) "
                    "if attn_mask is None and key_padding_mask is None and not is_causal else weights @ v"}),
    Mutant("loop-over-heads",
           "forward computes the heads one at a time in a Python loop; with the heads as a batch axis "
           "(B, h, T, d_k) one batched product does them all",
           replace={"        heads = weights @ v": "        heads = torch.stack([weights[:, i] @ v[:, i] "
                    "for i in range(self.num_heads)], dim=1)"}),
]
