"""Known mistakes for regularization."""
from torchdojo.grading.mutants import Mutant

DROPOUT_OUT = "    return x * keep / (1 - p)\n"

MUTANTS = [
    Mutant("no-inverted-scaling",
           "your dropout zeroes units but does not scale the survivors by 1/(1 − p): the output's mean shrinks by "
           "(1 − p) in training, and the network sees larger activations at evaluation than it was trained on",
           replace={DROPOUT_OUT: "    return x * keep\n"}),
    Mutant("dropout-active-in-eval",
           "your dropout ignores `training`: it keeps dropping units at evaluation, so predictions are random; "
           "return x unchanged when training is False",
           replace={"    if not training:\n        return x\n": ""}),
    Mutant("scales-at-eval",
           "your dropout is the classic, non-inverted kind: no scaling in training and x·(1 − p) at evaluation; "
           "inverted dropout scales the kept units by 1/(1 − p) in training and leaves evaluation alone",
           replace={"    if not training:\n        return x\n": "    if not training:\n        return x * (1 - p)\n",
                    DROPOUT_OUT: "    return x * keep\n"}),
    Mutant("keep-probability-confused",
           "your mask keeps a unit with probability p (rand < p): p is the probability of DROPPING a unit; keep it "
           "when rand ≥ p",
           replace={"keep = (torch.rand_like(x) >= p)": "keep = (torch.rand_like(x) < p)"}),
    Mutant("p-one-divides-by-zero",
           "your dropout divides by 1 − p also when p = 1: every unit is dropped and 0/0 gives NaN; return zeros "
           "for p = 1",
           replace={"    if p == 1:\n        return torch.zeros_like(x)  # everything dropped; 1/(1 − p) would divide "
                    "by zero\n": ""}),
    Mutant("gradient-through-dropped-units",
           "your dropout zeroes the dropped units through .data: the values are right, but autograd never sees the "
           "mask, so the gradient also flows to the dropped units; multiply by the mask instead",
           replace={DROPOUT_OUT: "    out = x / (1 - p)\n    out.data[keep == 0] = 0\n    return out\n"}),
    Mutant("dropout-in-place",
           "your dropout multiplies x in place (x.mul_): the caller's tensor is changed; compute a new tensor, "
           "x * keep / (1 − p)",
           replace={DROPOUT_OUT: "    return x.mul_(keep).div_(1 - p)\n"}),
    Mutant("calls-f-dropout",
           "your dropout calls F.dropout: this challenge is to build the mask and the scaling yourself",
           replace={DROPOUT_OUT: "    return nn.functional.dropout(x, p, training)\n"}),
    Mutant("same-mask-every-call",
           "your dropout reseeds the generator inside (torch.manual_seed): every call drops the same units, so the "
           "network learns to rely on the survivors; draw a fresh mask each call",
           replace={"    keep = (torch.rand_like(x)": "    torch.manual_seed(0)\n    keep = (torch.rand_like(x)"}),
    Mutant("mask-shared-across-rows",
           "your dropout draws one random number per feature and shares it across the batch: every example loses "
           "the same units; draw one per element, torch.rand_like(x)",
           replace={"keep = (torch.rand_like(x) >= p)": "keep = (torch.rand(x.shape[-1]) >= p)"}),
    Mutant("l1-sqrt-of-square",
           "your L1 penalty writes |w| as sqrt(w²): its gradient at w = 0 is 0/0 = NaN, and one NaN spoils every "
           "weight at the next step; use w.abs(), whose gradient at 0 is 0",
           replace={"w.abs().sum()": "torch.sqrt(w * w).sum()"}),
    Mutant("l1-gradient-one-at-zero",
           "your L1 penalty is torch.where(w >= 0, w, −w): right values, but the gradient at w = 0 is +1, which "
           "pushes exact zeros away from 0; w.abs() has gradient 0 there",
           replace={"w.abs().sum()": "torch.where(w >= 0, w, -w).sum()"}),
    Mutant("l2-without-half",
           "your L2 penalty is λ·Σw² without the ½: its gradient is 2λ·w, twice SGD(weight_decay=λ)'s decay; with "
           "the (λ/2) convention the gradient is exactly λ·w",
           replace={"return lam / 2 * sum(": "return lam * sum("}),
    Mutant("penalty-includes-bias",
           "your penalties include the biases: the statement penalises the weights only (parameters not named "
           "bias), as giving biases weight_decay=0 does",
           replace={"return [p for name, p in model.named_parameters() if not name.endswith(\"bias\")]":
                    "return list(model.parameters())"}),
    Mutant("weights-chosen-by-dimension",
           "your penalties pick the weights by shape (p.dim() > 1), which leaves out 1-D weights such as a "
           "LayerNorm's or a PReLU's: a weight is every parameter whose name does not end in 'bias'; select by name",
           replace={"return [p for name, p in model.named_parameters() if not name.endswith(\"bias\")]":
                    "return [p for p in model.parameters() if p.dim() > 1]"}),
    Mutant("penalty-detached",
           "your penalty is computed with .item() into a Python number: it has no gradient, so adding it to the "
           "loss changes nothing in training; keep it a tensor",
           replace={"return lam * sum(w.abs().sum() for w in _weights(model))":
                    "return torch.tensor(lam * sum(w.abs().sum().item() for w in _weights(model)))"}),
]
