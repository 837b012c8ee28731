"""Known mistakes for perceptron-logic."""
from torchdojo.grading.mutants import Mutant

XOR_BODY = '''    (w_nand, b_nand), (w_or, b_or) = nand_weights(), or_weights()
    w_hidden = torch.stack([w_nand, w_or], dim=1)  # (2 inputs, 2 perceptrons)
    b_hidden = torch.tensor([b_nand, b_or])
    hidden = perceptron(x, w_hidden, b_hidden)  # (..., 2): NAND(a, b), OR(a, b)
    w_out, b_out = and_weights()
    return perceptron(hidden, w_out, b_out)
'''

MUTANTS = [
    Mutant("xor-one-layer",
           "your XOR is a single perceptron: no line separates (0, 1) and (1, 0) from (0, 0) and (1, 1); combine "
           "two perceptrons (e.g. NAND and OR) in a hidden layer and AND their outputs",
           replace={XOR_BODY: "    w, b = or_weights()\n    return perceptron(x, w, b)\n"}),
    Mutant("strict-threshold",
           "your step uses z > 0: a point exactly on the line (z = 0) gives 0, but the step is 1 for z ≥ 0",
           replace={"return (z >= 0).to(x.dtype)": "return (z > 0).to(x.dtype)"}),
    Mutant("or-weights-for-and",
           "your AND uses OR's weights and bias: it fires when one input is 1; AND needs a bias that only the sum "
           "of both inputs can overcome",
           replace={"return torch.tensor([1.0, 1.0]), -1.5": "return torch.tensor([1.0, 1.0]), -0.5"}),
    Mutant("not-without-bias",
           "your NOT has no bias: with z = −x alone, x = 0 lands exactly on the line (z = 0) and is right only "
           "because the step is 1 at 0; a bias of +0.5 puts the line between 0 and 1",
           replace={"return torch.tensor([-1.0]), 0.5": "return torch.tensor([-1.0]), 0.0"}),
    Mutant("and-on-the-boundary",
           "your AND (bias −2 with weights 1, 1) puts (1, 1) exactly on the line: right only because z = 0 counts "
           "as 1, and the smallest noise flips it; a bias of −1.5 runs the line between the points",
           replace={"return torch.tensor([1.0, 1.0]), -1.5": "return torch.tensor([1.0, 1.0]), -2.0"}),
    Mutant("returns-bool",
           "your perceptron returns booleans (z >= 0), not 0.0/1.0 floats: the next layer cannot multiply them by "
           "its weights; convert with .to(x.dtype) or .float()",
           replace={"return (z >= 0).to(x.dtype)": "return z >= 0"}),
    Mutant("sigmoid-not-step",
           "your perceptron returns σ(z), a probability, not the step 0/1 of a perceptron: use (z >= 0)",
           replace={"return (z >= 0).to(x.dtype)": "return torch.sigmoid(z)"}),
    Mutant("xor-by-comparison",
           "your xor compares the inputs (x1 != x2) instead of computing with perceptrons: the point is that XOR "
           "needs two layers of them",
           replace={XOR_BODY: "    return (x[..., 0] != x[..., 1]).to(x.dtype)\n"}),
    Mutant("one-perceptron-only",
           "your perceptron multiplies element-wise and sums the last axis, (x * w).sum(-1): that is one perceptron; "
           "x @ w also handles a weight matrix, one column per perceptron (a layer)",
           replace={"z = x @ w + b": "z = (x * w).sum(-1) + b"}),
]
