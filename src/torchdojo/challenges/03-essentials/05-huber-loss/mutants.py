"""Known mistakes for huber-loss."""
from torchdojo.grading.mutants import Mutant

MUTANTS = [
    Mutant("missing-half",
           "your output matches a common mistake: the quadratic branch is missing ½ (use 0.5·r², not r²)",
           replace={"quadratic = 0.5 * r**2": "quadratic = r**2"}),
    Mutant("linear-branch-without-half-delta",
           "your output matches a common mistake: the linear branch is missing −½·δ, so the pieces do not meet",
           replace={"linear = self.delta * (r.abs() - 0.5 * self.delta)": "linear = self.delta * r.abs()"}),
    Mutant("missing-delta-factor",
           "your output matches a common mistake: the linear branch is missing the factor δ "
           "(δ·(|r| − ½·δ)); with δ = 1 you cannot see it",
           replace={"linear = self.delta * (r.abs() - 0.5 * self.delta)": "linear = r.abs() - 0.5 * self.delta"}),
    Mutant("smooth-l1-in-disguise",
           "your output matches smooth-L1, not Huber: smooth-L1 divides the quadratic branch by δ and drops "
           "the factor δ from the linear one; the two agree only at δ = 1",
           replace={"quadratic = 0.5 * r**2": "quadratic = 0.5 * r**2 / self.delta",
                    "linear = self.delta * (r.abs() - 0.5 * self.delta)": "linear = r.abs() - 0.5 * self.delta"}),
    Mutant("plain-mse",
           "your output is plain mean squared error: there is no linear branch for large residuals",
           replace={"loss = torch.where(r.abs() <= self.delta, quadratic, linear)": "loss = r**2"}),
    Mutant("python-if",
           "your code uses a Python `if` on a tensor: `if` needs one True/False, but |r| ≤ δ is a tensor of them; "
           "compute both branches and pick per element with torch.where(condition, a, b)",
           replace={"        loss = torch.where(r.abs() <= self.delta, quadratic, linear)\n":
                    "        loss = quadratic if r.abs() <= self.delta else linear\n"}),
    Mutant("always-mean",
           "your loss ignores `reduction`: 'sum' must add the element losses and 'none' return them all",
           replace={"        if self.reduction == \"sum\":\n            return loss.sum()\n        return loss\n":
                    "        return loss.mean()\n"}),
]
