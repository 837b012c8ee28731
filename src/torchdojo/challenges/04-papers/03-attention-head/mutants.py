"""Known mistakes for attention-head."""
from torchdojo.grading.mutants import Mutant

SCORES = "scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)"
BOOL_MASK = "scores = scores.masked_fill(~mask, float(\"-inf\"))"
SOFTMAX = "weights = torch.softmax(scores.masked_fill(empty, 0.0), dim=-1)"
EMPTY = "        weights = weights.masked_fill(empty, 0.0)\n"

MUTANTS = [
    Mutant("projections-without-bias",
           "the projections have no bias (nn.Linear(..., bias=False)), so the stated state_dict (query.bias, "
           "key.bias, value.bias) does not load; keep nn.Linear's default bias=True",
           replace={"self.query = nn.Linear(d_model, d_head)": "self.query = nn.Linear(d_model, d_head, bias=False)",
                    "self.key = nn.Linear(d_model, d_head)": "self.key = nn.Linear(d_model, d_head, bias=False)",
                    "self.value = nn.Linear(d_model, d_head)": "self.value = nn.Linear(d_model, d_head, bias=False)"}),
    Mutant("zero-initialised-projections",
           "the projections start at all zeros: every query then matches every key equally and the head starts "
           "with identical, symmetric units; keep nn.Linear's random initialisation",
           replace={"self.value = nn.Linear(d_model, d_head)\n":
                    "self.value = nn.Linear(d_model, d_head)\n"
                    "        for layer in (self.query, self.key, self.value):\n"
                    "            nn.init.zeros_(layer.weight)\n"}),
    Mutant("no-scaling",
           "your output matches a common mistake: the scores are not divided by √d_k, so with large heads the "
           "softmax saturates into a near one-hot; use (Q Kᵀ) / math.sqrt(d_head)",
           replace={SCORES: "scores = q @ k.transpose(-2, -1)"}),
    Mutant("scaled-by-d-model",
           "your output matches a common mistake: the scores are divided by √d_model; the scale is √d_k, the size "
           "of one query/key vector (d_head), which is what the dot product sums over",
           replace={"self.d_head = d_head\n": "self.d_head = d_head\n        self.d_model = d_model\n",
                    SCORES: "scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_model)"}),
    Mutant("softmax-over-queries",
           "your output matches a common mistake: the softmax runs over the queries (dim=-2), so each KEY's "
           "weights sum to 1; each query must distribute its attention over the keys: softmax(dim=-1)",
           replace={SOFTMAX: "weights = torch.softmax(scores.masked_fill(empty, 0.0), dim=-2)"}),
    Mutant("softmax-over-batch",
           "your output matches a common mistake: the softmax runs over dim=0, the batch, so the examples of a "
           "batch share their attention and a batch of one attends with weight 1 everywhere; use dim=-1 (the keys)",
           replace={SOFTMAX: "weights = torch.softmax(scores.masked_fill(empty, 0.0), dim=0)"}),
    Mutant("query-key-swapped",
           "your output matches a common mistake: the scores are K Qᵀ, not Q Kᵀ: row i then holds key i's match "
           "with every query, which is the transpose (and the wrong shape when Tq != Tk); use q @ k.transpose(-2, -1)",
           replace={SCORES: "scores = k @ q.transpose(-2, -1) / math.sqrt(self.d_head)"}),
    Mutant("transpose-by-reshape",
           "your output matches a common mistake: Kᵀ is written as k.reshape(B, d, T), which reinterprets memory "
           "and scrambles tokens with features; a transpose swaps axes: k.transpose(-2, -1)",
           replace={SCORES: "scores = q @ k.reshape(*k.shape[:-2], k.shape[-1], k.shape[-2]) / math.sqrt(self.d_head)"}),
    Mutant("mask-after-softmax",
           "your output matches a common mistake: the mask zeroes the weights after the softmax, so the remaining "
           "weights no longer sum to 1; mask the scores with -inf before the softmax",
           replace={BOOL_MASK: "pass",
                    EMPTY: EMPTY + "        if mask is not None and mask.dtype == torch.bool:\n"
                                   "            weights = weights.masked_fill(~mask, 0.0)\n"}),
    Mutant("bool-mask-inverted",
           "your output matches a common mistake: the boolean mask is read as True = blocked (nn.MultiheadAttention's "
           "key_padding_mask convention); here, as in F.scaled_dot_product_attention, True means may attend",
           replace={BOOL_MASK: "scores = scores.masked_fill(mask, float(\"-inf\"))"}),
    Mutant("additive-mask-subtracted",
           "your output matches a common mistake: the float mask is subtracted from the scores, so -inf becomes "
           "+inf (NaN) and a penalty becomes a bonus; add it: scores + mask",
           replace={"scores = scores + mask": "scores = scores - mask"}),
    Mutant("causal-mask-flipped",
           "your output matches a common mistake: the causal mask blocks the past instead of the future "
           "(tril instead of triu); query i may see keys 0..i, so block triu(1)",
           replace={"dtype=torch.bool, device=scores.device).triu(1)": "dtype=torch.bool, device=scores.device).tril(-1)"}),
    Mutant("causal-mask-hides-self",
           "your output matches a common mistake: the causal mask also blocks the diagonal (triu(0)), so a token "
           "cannot attend to itself and the first one sees nothing; block only the strict future, triu(1)",
           replace={"dtype=torch.bool, device=scores.device).triu(1)": "dtype=torch.bool, device=scores.device).triu(0)"}),
    Mutant("causal-mask-square",
           "the causal mask is built (Tq, Tq) from the queries alone, so with a context of another length it does not "
           "fit the (Tq, Tk) scores; build it from both lengths, torch.ones(Tq, Tk, ...).triu(1): query i sees keys "
           "0..i (top-left aligned, as F.scaled_dot_product_attention(is_causal=True))",
           replace={"torch.ones(scores.shape[-2:], dtype=torch.bool":
                    "torch.ones(scores.shape[-2], scores.shape[-2], dtype=torch.bool"}),
    Mutant("causal-mask-on-cpu",
           "the causal mask is created without device=, so it lives on the CPU and the head fails on a GPU input; "
           "create it on the scores' device: torch.ones(..., device=scores.device) or scores.new_ones(...)",
           replace={"dtype=torch.bool, device=scores.device).triu(1)": "dtype=torch.bool).triu(1)"}),
    Mutant("nan-on-fully-masked-rows",
           "a query whose keys are all masked gets NaN (softmax of a row of -inf is 0/0); give such rows zero "
           "weight: find them with torch.isneginf(scores).all(-1, keepdim=True)",
           replace={SOFTMAX: "weights = torch.softmax(scores, dim=-1)", EMPTY: ""}),
    Mutant("keys-from-query-projection",
           "your output matches a common mistake: the keys come from the query projection, so self.key is never "
           "used (and Q Kᵀ turns symmetric); compute k = self.key(context)",
           replace={"k = self.key(context)": "k = self.query(context)"}),
    Mutant("values-detached",
           "the values are right but the value projection gets no gradient: v is detached from the graph; keep "
           "v = self.value(context) as it is",
           replace={"v = self.value(context)": "v = self.value(context).detach()"}),
    Mutant("keys-from-x",
           "your output matches a common mistake: the keys are computed from x even when a context is given; in "
           "cross-attention keys and values both come from the context",
           replace={"k = self.key(context)": "k = self.key(x)"}),
    Mutant("calls-sdpa",
           "the head calls F.scaled_dot_product_attention: this challenge is to write softmax(Q Kᵀ / √d_k) V yourself",
           replace={"        return weights @ v": "        return nn.functional.scaled_dot_product_attention("
                    "q, k, v, attn_mask=mask, is_causal=causal)"}),
    Mutant("loop-over-examples",
           "forward loops over the examples of the batch in Python; batched matrix products (@ on 3-D tensors) "
           "do every example at once",
           replace={"        return weights @ v": "        return torch.stack([w @ vv for w, vv in zip(weights, v)])"}),
]
