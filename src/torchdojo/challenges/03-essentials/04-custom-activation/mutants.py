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
]
