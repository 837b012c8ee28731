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
    Mutant("sum-keeps-dim",
           "your output matches a common mistake: feature_sum keeps the summed axis (keepdim=True gives (N, 1)); "
           "the result must be (N,), one number per example",
           replace={"return x.sum(dim=1)": "return x.sum(dim=1, keepdim=True)"}),
    Mutant("sum-through-numpy",
           "feature_sum gives the right numbers but fails once x requires grad: the result is cut from the "
           "autograd graph (NumPy, torch.tensor(...), .item()); stay with torch operations on x",
           replace={"return x.sum(dim=1)": "return torch.from_numpy(x.numpy().sum(axis=1))"}),
    Mutant("sum-loops-over-rows",
           "feature_sum loops over the examples in Python; one x.sum(dim=1) does every row at once",
           replace={"return x.sum(dim=1)": "return torch.stack([row.sum() for row in x])"}),
    Mutant("centers-on-overall-mean",
           "your output matches a common mistake: center_columns subtracts the mean of the whole tensor; each "
           "column needs its own mean, x.mean(dim=0, keepdim=True)",
           replace={"mean = x.mean(dim=0, keepdim=True)": "mean = x.mean()"}),
    Mutant("mean-cut-from-graph",
           "center_columns gives the right values but the wrong gradient for x: the column mean was cut from "
           "the graph (.detach(), .data, .item() or NumPy) as if it were a constant, yet it depends on x too",
           replace={"mean = x.mean(dim=0, keepdim=True)": "mean = x.mean(dim=0, keepdim=True).detach()"}),
    Mutant("mean-in-float64",
           "center_columns returns float64 for a float32 input: part of the computation is in double precision "
           "(.double(), a NumPy array, torch.tensor of Python floats); keep the input's dtype",
           replace={"mean = x.mean(dim=0, keepdim=True)": "mean = x.double().mean(dim=0, keepdim=True)"}),
    Mutant("product-loops-over-rows",
           "matrix_product loops over the rows of a in Python; a @ b multiplies them all in one operation",
           replace={"return a @ b  # (..., n, m)": "return torch.stack([row @ b for row in a])"}),
    Mutant("sigmoid-overflows",
           "layer_forward is NaN where z is large: exp(z) / (1 + exp(z)) overflows to inf / inf beyond z ≈ 88; "
           "use torch.sigmoid, whose values and gradients stay finite",
           replace={"return torch.sigmoid(z)  # (N, d_out)": "return torch.exp(z) / (1 + torch.exp(z))"}),
    Mutant("sigmoid-gradient-overflows",
           "layer_forward's values are right but its gradients are NaN where z < -88: 1 / (1 + exp(-z)) divides by "
           "1 + inf, and backward multiplies the resulting 0 by exp(-z) = inf; use torch.sigmoid, whose gradient "
           "s·(1 − s) stays finite",
           replace={"return torch.sigmoid(z)  # (N, d_out)": "return 1 / (1 + torch.exp(-z))"}),
    Mutant("bias-reshaped-in-place",
           "layer_forward changes the caller's `bias` (its shape becomes (1, d_out)): a method ending in `_` "
           "(unsqueeze_, add_, ...) modifies its tensor; broadcasting needs no reshape of bias at all",
           replace={"z = features @ weights + bias": "z = features @ weights + bias.unsqueeze_(0)"}),
    Mutant("pixels-through-numpy",
           "pixels_as_rows gives the right numbers but fails once the image requires grad: the result is cut from "
           "the autograd graph (NumPy, torch.tensor(...)); permute and reshape work on tensors directly",
           replace={"return image.permute(1, 2, 0).reshape(-1, channels)":
                    "return torch.from_numpy(image.numpy().transpose(1, 2, 0).reshape(-1, channels))"}),
    Mutant("pixels-loop",
           "pixels_as_rows visits the pixels one by one in a Python loop; permute + reshape moves them all at once",
           replace={"return image.permute(1, 2, 0).reshape(-1, channels)":
                    "return torch.stack([image[:, h, w] for h in range(image.shape[1]) "
                    "for w in range(image.shape[2])])"}),
]
