"""Known mistakes for tensor-basics."""
from torchdojo.grading.mutants import Mutant

MUTANTS = [
    Mutant("sum-over-wrong-dim",
           "your output matches a common mistake: feature_sum sums over the examples (dim=0); sum over the "
           "features, dim=1, to get one number per example",
           replace={"return x.sum(dim=1)": "return x.sum(dim=0)"}),
    Mutant("sum-over-everything",
           "your output matches a common mistake: feature_sum adds up the whole tensor; pass dim=1 to keep "
           "one sum per example",
           replace={"return x.sum(dim=1)": "return x.sum()"}),
    Mutant("mean-over-wrong-dim",
           "your output matches a common mistake: center_columns subtracts each row's mean (dim=1); the "
           "column means are x.mean(dim=0, keepdim=True)",
           replace={"mean = x.mean(dim=0, keepdim=True)": "mean = x.mean(dim=1, keepdim=True)"}),
    Mutant("centers-in-place",
           "your output matches a common mistake: center_columns changes the caller's tensor with `x -= ...`; "
           "return `x - mean` instead",
           replace={"return x - mean  # (N, d)": "x -= mean\n    return x"}),
    Mutant("elementwise-for-matmul",
           "your output matches a common mistake: `*` multiplies element by element; the matrix product is "
           "`a @ b` (torch.matmul)",
           replace={"return a @ b  # (..., n, m)": "return a * b"}),
    Mutant("mm-rejects-batches",
           "your output matches a common mistake: torch.mm only takes 2-D matrices; `a @ b` (torch.matmul) "
           "also broadcasts over a leading batch dimension",
           replace={"return a @ b  # (..., n, m)": "return torch.mm(a, b)"}),
    Mutant("layer-without-activation",
           "your output matches a common mistake: layer_forward returns the linear part only; apply "
           "torch.sigmoid to features @ weights + bias",
           replace={"return torch.sigmoid(z)  # (N, d_out)": "return z"}),
    Mutant("bias-after-activation",
           "your output matches a common mistake: the bias is added after the sigmoid; it belongs inside, "
           "sigmoid(features @ weights + bias)",
           replace={"z = features @ weights + bias": "z = features @ weights",
                    "return torch.sigmoid(z)  # (N, d_out)": "return torch.sigmoid(z) + bias"}),
    Mutant("reshape-without-transpose",
           "your output matches a common mistake: reshape alone keeps the memory order and mixes channels of "
           "different pixels; permute the channel axis last first, then reshape",
           replace={"return image.permute(1, 2, 0).reshape(-1, channels)": "return image.reshape(-1, channels)"}),
    Mutant("pixels-column-major",
           "your output matches a common mistake: the axes are permuted to (W, H, C), so pixels come out column "
           "by column; use permute(1, 2, 0) so row h*W + w holds pixel (h, w)",
           replace={"return image.permute(1, 2, 0).reshape(-1, channels)":
                    "return image.permute(2, 1, 0).reshape(-1, channels)"}),
]
