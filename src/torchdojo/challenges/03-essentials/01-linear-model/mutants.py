"""Known mistakes for linear-model."""
from torchdojo.grading.mutants import Mutant

FORWARD = "return x @ self.weight.T + self.bias"
WEIGHT_INIT = "torch.empty(out_features, in_features).uniform_(-bound, bound)"

MUTANTS = [
    Mutant("weight-stored-in-by-out",
           "your output matches a common mistake: the weight is stored as (in, out) and used as `x @ W`; the "
           "values come out right, but nn.Linear's weights cannot be loaded: store (out, in) and use `x @ W.T`",
           replace={"weight = torch.empty(out_features, in_features)":
                    "weight = torch.empty(in_features, out_features)",
                    FORWARD: "return x @ self.weight + self.bias"}),
    Mutant("missing-transpose",
           "your output matches a common mistake: `x @ W` with W of shape (out, in) only runs when in == out; "
           "use `x @ W.T` so that (N, in) @ (in, out) gives (N, out)",
           replace={FORWARD: "return x @ self.weight + self.bias"}),
    Mutant("bias-not-a-parameter",
           "your output matches a common mistake: the bias is a plain tensor attribute, so it is missing from "
           ".parameters() and state_dict() and never learns; wrap it in nn.Parameter",
           replace={"self.bias = nn.Parameter(bias)": "self.bias = bias"}),
    Mutant("weight-plain-tensor-with-grad",
           "your output matches a common mistake: the weight is a tensor with requires_grad=True but not an "
           "nn.Parameter; it gets a gradient, but .parameters() never lists it, so no optimizer updates it",
           replace={"self.weight = nn.Parameter(weight)": "self.weight = weight.requires_grad_()"}),
    Mutant("forgot-bias",
           "your output matches a common mistake: forward leaves out the bias; return `x @ self.weight.T + self.bias`",
           replace={FORWARD: "return x @ self.weight.T"}),
    Mutant("scalar-bias",
           "your output matches a common mistake: the bias is one number shared by all outputs; give it shape "
           "(out_features,), one bias per output",
           replace={"bias = torch.empty(out_features)": "bias = torch.empty(1)"}),
    Mutant("matrix-only",
           "your output matches a common mistake: torch.mm only takes 2-D matrices; `x @ self.weight.T` "
           "(torch.matmul) also handles a single example and extra batch dimensions",
           replace={FORWARD: "return torch.mm(x, self.weight.T) + self.bias"}),
    Mutant("zero-weights",
           "your output matches a common mistake: the weight starts at all zeros, so every output unit computes "
           "and learns the same thing; draw it at random (torch.randn, nn.init), only a bias may start at 0",
           replace={WEIGHT_INIT: "torch.zeros(out_features, in_features)"}),
    Mutant("float64-from-numpy",
           "your output matches a common mistake: the weight comes from NumPy, whose default dtype is float64; "
           "the parameters no longer match nn.Linear's float32 and the product fails; create them with torch "
           "(or call .float())",
           replace={"import torch\n": "import numpy as np\nimport torch\n",
                    WEIGHT_INIT: "torch.from_numpy(np.random.uniform(-bound, bound, (out_features, in_features)))"}),
    Mutant("calls-f-linear",
           "the forward calls F.linear: this challenge is to write the product yourself, x @ self.weight.T + self.bias",
           replace={FORWARD: "return nn.functional.linear(x, self.weight, self.bias)"}),
    Mutant("weight-data-in-forward",
           "forward uses self.weight.data, which is the weight's values without its history: the output is right "
           "but the weight never gets a gradient; use self.weight itself",
           replace={FORWARD: "return x @ self.weight.data.T + self.bias"}),
    Mutant("loop-over-rows",
           "forward loops over the rows of x in Python: slow, and only right for a 2-D batch; one matrix "
           "product x @ self.weight.T handles every row and any leading dimensions at once",
           replace={FORWARD: "return torch.stack([self.weight @ row + self.bias for row in x])"}),
    Mutant("loop-over-outputs",
           "forward computes one output at a time in a Python loop over the weight's rows; one matrix product "
           "x @ self.weight.T computes them all",
           replace={FORWARD: "return torch.stack([x @ w + b for w, b in zip(self.weight, self.bias)], dim=-1)"}),
    Mutant("ones-column-cached",
           "forward keeps a column of ones (the 'bias trick') from its first call, sized for that batch; a "
           "second call with another batch size breaks; build what depends on x inside forward, every call",
           replace={FORWARD: "if not hasattr(self, 'ones'):\n            self.ones = torch.ones(*x.shape[:-1], 1)\n"
                             "        weight = torch.cat([self.weight, self.bias[:, None]], dim=1)\n"
                             "        return torch.cat([x, self.ones], dim=-1) @ weight.T"}),
]
