"""Known mistakes for linear-model."""
from torchdojo.grading.mutants import Mutant

MUTANTS = [
    Mutant("weight-stored-in-by-out",
           "your output matches a common mistake: the weight is stored as (in, out) and used as `x @ W`; the "
           "values come out right, but nn.Linear's weights cannot be loaded: store (out, in) and use `x @ W.T`",
           replace={"weight = torch.empty(out_features, in_features)": "weight = torch.empty(in_features, out_features)",
                    "return x @ self.weight.T + self.bias": "return x @ self.weight + self.bias"}),
    Mutant("missing-transpose",
           "your output matches a common mistake: `x @ W` with W of shape (out, in) only runs when in == out; "
           "use `x @ W.T` so that (N, in) @ (in, out) gives (N, out)",
           replace={"return x @ self.weight.T + self.bias": "return x @ self.weight + self.bias"}),
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
           replace={"return x @ self.weight.T + self.bias": "return x @ self.weight.T"}),
    Mutant("scalar-bias",
           "your output matches a common mistake: the bias is one number shared by all outputs; give it shape "
           "(out_features,), one bias per output",
           replace={"bias = torch.empty(out_features)": "bias = torch.empty(1)"}),
    Mutant("matrix-only",
           "your output matches a common mistake: torch.mm only takes 2-D matrices; `x @ self.weight.T` "
           "(torch.matmul) also handles a single example and extra batch dimensions",
           replace={"return x @ self.weight.T + self.bias": "return torch.mm(x, self.weight.T) + self.bias"}),
]
