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

MUTANTS = [
    Mutant("missing-factor-2",
           "your output matches a common mistake: the cross term needs its factor 2, "
           "||a||² + ||b||² − 2⟨a, b⟩",
           replace={"sq_dist = a_sq + b_sq - 2 * cross": "sq_dist = a_sq + b_sq - cross"}),
    Mutant("distance-not-squared",
           "your output matches the distance itself, not its square: drop the square root",
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
]
