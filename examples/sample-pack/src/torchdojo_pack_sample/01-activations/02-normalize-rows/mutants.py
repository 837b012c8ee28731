"""Known mistakes for normalize-rows."""
from torchdojo.grading.mutants import Mutant

LENGTHS = "lengths = x.norm(dim=1, keepdim=True)"
DIVIDE = "return x / lengths.clamp_min(eps)"

MUTANTS = [
    Mutant("no-keepdim", "the lengths are an (n,) vector, which broadcasts against the columns: keep them as an "
           "(n, 1) column with keepdim=True",
           replace={LENGTHS: "lengths = x.norm(dim=1)"}),
    Mutant("columns", "the columns are normalised instead of the rows: take the norm over dim=1",
           replace={LENGTHS: "lengths = x.norm(dim=0, keepdim=True)"}),
    Mutant("no-eps", "a zero row gives 0 / 0 = NaN: clamp the lengths to eps before dividing",
           replace={DIVIDE: "return x / lengths"}),
    Mutant("squared-length", "the rows are divided by their squared length (the sum of squares): take its "
           "square root, the Euclidean length",
           replace={DIVIDE: "return x / (lengths**2).clamp_min(eps)"}),
    Mutant("detached-length", "the lengths are detached, so the gradient misses how the length changes with x",
           replace={DIVIDE: "return x / lengths.detach().clamp_min(eps)"}),
    Mutant("delegates", "normalize_rows calls F.normalize: the challenge is to compute the lengths yourself",
           replace={DIVIDE: "return torch.nn.functional.normalize(x, dim=1, eps=eps)"}),
]
