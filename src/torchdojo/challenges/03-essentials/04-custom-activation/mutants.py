"""Known mistakes for custom-activation."""
from torchdojo.grading.mutants import Mutant

PARAMETER = "self.beta = nn.Parameter(torch.tensor(float(beta)))"
FORMULA = "return x * torch.sigmoid(self.beta * x)"
RECREATE = "self.beta = nn.Parameter(torch.tensor(self.initial_beta))\n        "

MUTANTS = [
    Mutant("plain-tensor",
           "your output matches a common mistake: beta is a plain tensor attribute, not an nn.Parameter, so "
           ".parameters() does not list it and it never learns; wrap it in nn.Parameter",
           replace={PARAMETER: "self.beta = torch.tensor(float(beta))"}),
    Mutant("plain-tensor-requires-grad",
           "your output matches a common mistake: beta requires grad but is not an nn.Parameter; it gets a "
           "gradient, yet .parameters() never lists it, so no optimizer updates it; wrap it in nn.Parameter",
           replace={PARAMETER: "self.beta = torch.tensor(float(beta), requires_grad=True)"}),
    Mutant("requires-grad-false",
           "your output matches a common mistake: beta is an nn.Parameter with requires_grad=False, i.e. frozen; "
           "leave the default requires_grad=True",
           replace={PARAMETER: "self.beta = nn.Parameter(torch.tensor(float(beta)), requires_grad=False)"}),
    Mutant("parameter-created-in-forward",
           "your output matches a common mistake: beta is created in forward, so a fresh module has no "
           "parameters and every call resets beta; create the nn.Parameter once, in __init__",
           replace={PARAMETER: "self.initial_beta = float(beta)", FORMULA: RECREATE + FORMULA}),
    Mutant("parameter-reset-in-forward",
           "your output matches a common mistake: forward re-creates beta on every call, replacing the "
           "parameter the optimizer holds, so beta never moves; create it once in __init__ and only read it in forward",
           replace={PARAMETER: PARAMETER + "\n        self.initial_beta = float(beta)", FORMULA: RECREATE + FORMULA}),
    Mutant("beta-as-python-number",
           "your output matches a common mistake: beta.item() turns beta into a Python number inside forward, "
           "which cuts the graph, so beta gets no gradient; use self.beta itself in the expression",
           replace={FORMULA: "return x * torch.sigmoid(self.beta.item() * x)"}),
    Mutant("beta-ignored",
           "your output matches a common mistake: forward computes x·sigmoid(x) (SiLU) and never uses beta; "
           "multiply x by beta inside the sigmoid",
           replace={FORMULA: "return x * torch.sigmoid(x)"}),
    Mutant("missing-x-factor",
           "your output matches a common mistake: that is sigmoid(β·x) alone; Swish multiplies it by x",
           replace={FORMULA: "return torch.sigmoid(self.beta * x)"}),
    Mutant("beta-outside-sigmoid",
           "your output matches a common mistake: beta scales the output, β·x·sigmoid(x); it belongs inside "
           "the sigmoid: x·sigmoid(β·x)",
           replace={FORMULA: "return self.beta * x * torch.sigmoid(x)"}),
    Mutant("naive-exp-overflow",
           "the gradient is NaN where |βx| is large: x / (1 + exp(−βx)) overflows exp to inf and its backward "
           "multiplies 0 by inf; torch.sigmoid(β·x) is written to stay finite, use it",
           replace={FORMULA: "return x / (1 + torch.exp(-self.beta * x))"}),
    Mutant("int-beta-kept-int",
           "LearnableSwish(beta=2) fails: torch.tensor(2) is an integer tensor, and only floating-point tensors can "
           "require grad; convert first: torch.tensor(float(beta))",
           replace={PARAMETER: "self.beta = nn.Parameter(torch.tensor(beta))"}),
    Mutant("beta-shape-one",
           "beta has shape (1,), not a 0-dim scalar: the state_dict no longer matches, and a 0-dim x gives a "
           "(1,)-shaped output; use torch.tensor(float(beta)), shape ()",
           replace={PARAMETER: "self.beta = nn.Parameter(torch.tensor([float(beta)]))"}),
    Mutant("float64-beta",
           "beta is float64 (a NumPy or dtype=float64 value): its state_dict no longer matches a float32 model "
           "and it promotes a 0-dim output to float64; create it as float32",
           replace={PARAMETER: "self.beta = nn.Parameter(torch.tensor(float(beta), dtype=torch.float64))"}),
    Mutant("extra-scale-parameter",
           "the module has a second learnable parameter that the statement does not ask for; Swish-β learns "
           "only beta",
           replace={PARAMETER: PARAMETER + "\n        self.scale = nn.Parameter(torch.ones(()))",
                    FORMULA: "return self.scale * x * torch.sigmoid(self.beta * x)"}),
    Mutant("in-place-on-input",
           "forward multiplies x in place (x.mul_), which overwrites the caller's tensor; return a new tensor",
           replace={FORMULA: "return x.mul_(torch.sigmoid(self.beta * x))"}),
]
