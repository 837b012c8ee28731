"""Known mistakes for reshape-layer."""
from torchdojo.grading.mutants import Mutant

MUTANTS = [
    Mutant("reshapes-batch-too",
           "your output matches a common mistake: the batch dimension is reshaped too; keep it with "
           "x.reshape(x.shape[0], *self.shape)",
           replace={"return x.reshape(x.shape[0], *self.shape)  # (N, *shape)": "return x.reshape(self.shape)"}),
    Mutant("view-on-non-contiguous",
           "your output matches a common mistake: view fails on a non-contiguous input such as a transposed "
           "tensor; use reshape, which copies when it must",
           replace={"return x.reshape(x.shape[0], *self.shape)  # (N, *shape)":
                    "return x.view(x.shape[0], *self.shape)"}),
    Mutant("batch-inferred-with-minus-one",
           "your output matches a common mistake: the batch size is inferred with -1, so Reshape(-1) asks for "
           "two inferred dimensions; spell out the batch size, x.shape[0]",
           replace={"return x.reshape(x.shape[0], *self.shape)  # (N, *shape)":
                    "return x.reshape(-1, *self.shape)"}),
    Mutant("shape-not-unpacked",
           "your output matches a common mistake: the shape tuple is passed as one element; unpack it, "
           "x.reshape(x.shape[0], *self.shape)",
           replace={"return x.reshape(x.shape[0], *self.shape)  # (N, *shape)":
                    "return x.reshape(x.shape[0], self.shape)"}),
    Mutant("takes-one-tuple",
           "your output matches a common mistake: __init__ takes a single shape argument, so Reshape(2, 3) "
           "fails; collect a variable number of sizes with def __init__(self, *shape)",
           replace={"def __init__(self, *shape: int):": "def __init__(self, shape):",
                    "self.shape = shape  #": "self.shape = tuple(shape)  #"}),
    Mutant("not-a-module",
           "your output matches a common mistake: Reshape is a plain callable class, which nn.Sequential "
           "rejects; subclass nn.Module and implement forward",
           replace={"class Reshape(nn.Module):": "class Reshape:",
                    "        super().__init__()  # sets up": "        # sets up",
                    "def forward(self, x: torch.Tensor)": "def __call__(self, x: torch.Tensor)"}),
    Mutant("missing-super-init",
           "your output matches a common mistake: __init__ does not call super().__init__(), so the module "
           "is not set up and cannot be called; call it first",
           replace={"        super().__init__()  # sets up": "        # sets up"}),
]
