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
    Mutant("overrides-call",
           "Reshape works when called, but a forward hook never fires: the computation is in __call__ instead of "
           "forward, so hooks (and tools built on them) never see it; rename the method to forward",
           replace={"def forward(self, x: torch.Tensor)": "def __call__(self, x: torch.Tensor)"}),
    Mutant("shape-as-buffer",
           "Reshape has a buffer: the target shape is stored as a tensor with register_buffer, so it lands in "
           "state_dict and checkpoints; a configuration is a plain attribute, self.shape = shape",
           replace={"self.shape = shape  #": "self.register_buffer('shape', torch.tensor(shape))  #"}),
    Mutant("caches-first-batch-size",
           "the layer only works for the batch size of its first call: the full target shape, batch included, is "
           "computed once and kept on the module; build it from x.shape[0] in every forward",
           replace={"return x.reshape(x.shape[0], *self.shape)  # (N, *shape)":
                    "if not hasattr(self, 'target'):\n            self.target = (x.shape[0], *self.shape)\n"
                    "        return x.reshape(self.target)"}),
    Mutant("grows-stored-shape",
           "the layer breaks from its second call on: forward changes the stored shape (a list that gets the batch "
           "size inserted on every call); leave self.shape alone and build a new shape, (x.shape[0], *self.shape)",
           replace={"self.shape = shape  #": "self.shape = list(shape)  #",
                    "return x.reshape(x.shape[0], *self.shape)  # (N, *shape)":
                    "self.shape.insert(0, x.shape[0])\n        return x.reshape(self.shape)"}),
    Mutant("keeps-inferred-size",
           "the layer only works for the size per example of its first call: forward replaces the -1 in the stored "
           "shape with the size it inferred, so the next input of another size no longer fits; leave self.shape "
           "as given and let reshape infer the -1 on every call",
           replace={"self.shape = shape  #": "self.shape = list(shape)  #",
                    "return x.reshape(x.shape[0], *self.shape)  # (N, *shape)":
                    "if -1 in self.shape:\n"
                    "            known = -torch.tensor(self.shape).prod().item()\n"
                    "            self.shape[self.shape.index(-1)] = x[0].numel() // known\n"
                    "        return x.reshape(x.shape[0], *self.shape)"}),
    Mutant("detached-output",
           "the values are right but no gradient flows back through Reshape: the output is cut from the autograd "
           "graph (.detach(), .data, torch.tensor(...) or NumPy), so the layers before it would never learn",
           replace={"return x.reshape(x.shape[0], *self.shape)  # (N, *shape)":
                    "return x.detach().reshape(x.shape[0], *self.shape)"}),
    Mutant("resizes-input-in-place",
           "Reshape changes the caller's tensor: resize_ (or another in-place method) reshapes x itself, and the "
           "caller's x has a new shape afterwards; return x.reshape(...), a new view or copy",
           replace={"return x.reshape(x.shape[0], *self.shape)  # (N, *shape)":
                    "return x.resize_(x.shape[0], *self.shape)"}),
]
