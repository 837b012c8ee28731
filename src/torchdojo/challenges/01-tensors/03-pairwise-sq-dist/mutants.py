"""Known mistakes for pairwise-sq-dist."""
from torchdojo.grading.mutants import Mutant

_LOOP = '''"""Pairwise squared distances with a Python loop over the rows of a."""
import torch


def pairwise_sq_dist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    rows = []
    for i in range(a.shape[0]):
        rows.append(((a[i] - b) ** 2).sum(dim=1))  # (M,): one row of the answer
    return torch.stack(rows)  # (N, M)
'''

_FEATURE_LOOP = '''"""Pairwise squared distances, accumulated one feature (column) at a time."""
import torch


def pairwise_sq_dist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    sq_dist = 0
    for k in range(a.shape[1]):
        sq_dist = sq_dist + (a[:, k, None] - b[None, :, k]) ** 2  # (N, 1) - (1, M) -> (N, M)
    return sq_dist
'''

_NUMPY_DOUBLE_LOOP = '''"""Pairwise squared distances with NumPy and two loops."""
import numpy as np
import torch


def pairwise_sq_dist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    a_np, b_np = a.detach().numpy(), b.detach().numpy()
    out = np.zeros((len(a_np), len(b_np)))
    for i in range(len(a_np)):
        for j in range(len(b_np)):
            out[i, j] = ((a_np[i] - b_np[j]) ** 2).sum()
    return torch.from_numpy(out)
'''

_DISTANCE_SQUARED = '''"""Pairwise squared distances as the square of a distance helper."""
import torch


def euclidean(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    diff = a[:, None, :] - b[None, :, :]  # (N, M, d)
    return (diff**2).sum(dim=-1).sqrt()  # (N, M)


def pairwise_sq_dist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return euclidean(a, b) ** 2
'''

MUTANTS = [
    Mutant("missing-factor-2",
           "your output matches a common mistake: the cross term needs its factor 2, "
           "||a||² + ||b||² − 2⟨a, b⟩",
           replace={"sq_dist = a_sq + b_sq - 2 * cross": "sq_dist = a_sq + b_sq - cross"}),
    Mutant("distance-not-squared",
           "your values are the distances ‖a_i − b_j‖, not their squares: a square root is taken at the end "
           "(sqrt, norm or cdist); return the squared distance",
           replace={"return sq_dist.clamp_min(0)  # (N, M)": "return sq_dist.clamp_min(0).sqrt()"}),
    Mutant("no-clamp",
           "your output matches a common mistake: for (nearly) identical rows rounding makes the result "
           "slightly negative; clamp it at 0 with .clamp_min(0)",
           replace={"return sq_dist.clamp_min(0)  # (N, M)": "return sq_dist"}),
    Mutant("python-loop",
           "your output matches a loop over the rows: the values are right but the work is done row by row in "
           "Python; broadcast (N, 1) + (M,) and use one matrix product instead",
           source=_LOOP),
    Mutant("norms-not-squared",
           "your output matches a common mistake: the identity needs squared norms ||a||², not the norms; "
           "sum the squares (a * a).sum(dim=1)",
           replace={"a_sq = (a * a).sum(dim=1, keepdim=True)": "a_sq = a.norm(dim=1, keepdim=True)",
                    "b_sq = (b * b).sum(dim=1)": "b_sq = b.norm(dim=1)"}),
    Mutant("norm-of-a-not-a-column",
           "your output matches a common mistake: both squared norms are 1-D, so they do not broadcast to "
           "(N, M); keep a's as a column with keepdim=True (or [:, None])",
           replace={"a_sq = (a * a).sum(dim=1, keepdim=True)": "a_sq = (a * a).sum(dim=1)"}),
    Mutant("missing-transpose",
           "your output matches a common mistake: the inner products are a @ b.T, (N, d) @ (d, M); a @ b "
           "multiplies the wrong dimensions",
           replace={"cross = a @ b.T": "cross = a @ b"}),
    Mutant("loop-over-features",
           "the values are right but the work grows with d: a Python loop over the features (columns) adds one "
           "(N, M) term per feature; the sum over features is what the matrix product a @ b.T does in one call",
           source=_FEATURE_LOOP),
    Mutant("numpy-double-loop",
           "your function fills the (N, M) matrix entry by entry in Python/NumPy: that is slow, cut from autograd "
           "(no gradient reaches a or b) and float64 (np.zeros' default); use torch operations and broadcasting",
           source=_NUMPY_DOUBLE_LOOP),
    Mutant("calls-cdist",
           "your function calls torch.cdist: the distances are right, but the challenge is to compute them "
           "yourself from the expanded identity with one matrix product",
           replace={"return sq_dist.clamp_min(0)  # (N, M)": "return torch.cdist(a, b) ** 2"}),
    Mutant("square-root-squared",
           "the values are right but the gradient is NaN where a row of a equals a row of b (distance 0): the "
           "result goes through a square root and is squared back, and sqrt's slope at 0 is infinite (0·∞ = NaN); "
           "return the squared distance without a root",
           source=_DISTANCE_SQUARED),
    Mutant("computes-in-float64",
           "the result is float64 for float32 inputs: the computation is moved to float64 (.double(), NumPy, "
           "a float64 constant) and never brought back; return the inputs' dtype (.to(a.dtype))",
           replace={"a_sq = (a * a).sum(dim=1, keepdim=True)":
                    "a, b = a.double(), b.double()\n    a_sq = (a * a).sum(dim=1, keepdim=True)"}),
    Mutant("centres-inputs-in-place",
           "your function changes the caller's a and b: centring them in place (a -= mean) moves the points the "
           "caller still holds; distances do not change under a shift, so centre copies (a = a - mean) if at all",
           replace={"a_sq = (a * a).sum(dim=1, keepdim=True)":
                    "mean = a.mean(dim=0)\n    a -= mean\n    b -= mean\n    a_sq = (a * a).sum(dim=1, keepdim=True)"}),
    Mutant("cross-term-detached",
           "the values are right but the gradients for a and b are wrong: the inner products ⟨a_i, b_j⟩ are cut "
           "from the autograd graph (.detach(), .data, torch.tensor(...) or NumPy), so their share of the gradient "
           "is missing",
           replace={"cross = a @ b.T": "cross = (a @ b.T).detach()"}),
    Mutant("squeezes-result",
           "a dimension of size 1 disappears: with a single row in a (or in b) the result must still be (1, M) "
           "(or (N, 1)); .squeeze() drops it, so leave the (N, M) shape as it is",
           replace={"return sq_dist.clamp_min(0)  # (N, M)": "return sq_dist.clamp_min(0).squeeze()"}),
]
