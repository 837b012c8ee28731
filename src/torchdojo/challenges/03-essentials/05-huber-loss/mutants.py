"""Known mistakes for huber-loss."""
from torchdojo.grading.mutants import Mutant

MUTANTS = [
    Mutant("missing-half",
           "your output matches a common mistake: the quadratic branch is missing ½ (use 0.5·r², not r²)",
           replace={"quadratic = 0.5 * r**2": "quadratic = r**2"}),
    Mutant("linear-branch-without-half-delta",
           "your output matches a common mistake: the linear branch is missing −½·δ, so the pieces do not meet",
           replace={"linear = self.delta * (size - 0.5 * self.delta)": "linear = self.delta * size"}),
    Mutant("missing-delta-factor",
           "your output matches a common mistake: the linear branch is missing the factor δ "
           "(δ·(|r| − ½·δ)); with δ = 1 you cannot see it",
           replace={"linear = self.delta * (size - 0.5 * self.delta)": "linear = size - 0.5 * self.delta"}),
    Mutant("smooth-l1-in-disguise",
           "your output matches smooth-L1, not Huber: smooth-L1 divides the quadratic branch by δ and drops "
           "the factor δ from the linear one; the two agree only at δ = 1",
           replace={"quadratic = 0.5 * r**2": "quadratic = 0.5 * r**2 / self.delta",
                    "linear = self.delta * (size - 0.5 * self.delta)": "linear = size - 0.5 * self.delta"}),
    Mutant("plain-mse",
           "your output is plain mean squared error: there is no linear branch for large residuals",
           replace={"loss = torch.where(size <= self.delta, quadratic, linear)": "loss = r**2"}),
    Mutant("python-if",
           "your code uses a Python `if` on a tensor: `if` needs one True/False, but |r| ≤ δ is a tensor of them; "
           "compute both branches and pick per element with torch.where(condition, a, b)",
           replace={"        loss = torch.where(size <= self.delta, quadratic, linear)\n":
                    "        loss = quadratic if size <= self.delta else linear\n"}),
    Mutant("always-mean",
           "your loss ignores `reduction`: 'sum' must add the element losses and 'none' return them all",
           replace={"        if self.reduction == \"sum\":\n            return loss.sum()\n        return loss\n":
                    "        return loss.mean()\n"}),
    Mutant("sqrt-of-square",
           "|r| written as sqrt(r²): its gradient at r = 0 is 0/0 = NaN; use r.abs(), whose gradient at 0 is 0",
           replace={"size = r.abs()": "size = torch.sqrt(r**2)"}),
    Mutant("in-place-residual",
           "the residual is computed in place (prediction.sub_(target)), which overwrites the caller's "
           "prediction; use prediction - target",
           replace={"r = prediction - target": "r = prediction.sub_(target)"}),
    Mutant("calls-the-built-in",
           "the loss calls F.huber_loss: this challenge is to write it yourself, with torch.where",
           replace={"        loss = torch.where(size <= self.delta, quadratic, linear)\n":
                    "        loss = nn.functional.huber_loss(prediction, target, delta=self.delta, reduction='none')\n"}),
]
