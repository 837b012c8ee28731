"""Known mistakes for local-minima."""
from torchdojo.grading.mutants import Mutant

STARTS = "    starts = low + (high - low) * torch.rand(n, low.shape[0], generator=generator, dtype=low.dtype)\n"

MUTANTS = [
    Mutant("restarts-reuse-one-seed",
           "your restarts seed a new generator for every start: each draw is the same, so all the runs start at one "
           "point and a restart is just the same run again; seed one generator once and draw all starts from it",
           replace={STARTS: "    starts = torch.stack([low + (high - low) * torch.rand(low.shape[0], dtype=low.dtype, "
                            "generator=torch.Generator().manual_seed(seed)) for _ in range(n)])\n"}),
    Mutant("momentum-reset-every-step",
           "your velocity starts from 0 at every step, so it never builds up: that is plain gradient descent, and "
           "it stays in the shallow dip; create v once, before the loop",
           replace={"        v = beta * v + grad(x)\n": "        v = torch.zeros_like(x0)\n        v = beta * v + grad(x)\n"}),
    Mutant("restarts-return-the-last",
           "your restarts return the last run's end point, not the best one: compare f at every final point and "
           "keep the lowest",
           replace={"    best = finals[torch.argmin(values)]\n": "    best = finals[-1]\n"}),
    Mutant("restarts-best-by-start",
           "your restarts choose the run whose START has the lowest f: a low start can sit in the shallow dip while "
           "a higher one rolls into the deep one; compare f at the final points and keep the lowest",
           replace={"    values = torch.stack([f(x) for x in finals])\n":
                    "    values = torch.stack([f(x) for x in starts])\n"}),
    Mutant("restarts-seed-the-global-rng",
           "your restarts call torch.manual_seed(seed) and draw from the global generator: that reseeds everything "
           "else the caller draws (dropout, shuffling, weight init); use g = torch.Generator().manual_seed(seed) and "
           "torch.rand(..., generator=g)",
           replace={"    generator = torch.Generator().manual_seed(seed)\n":
                    "    torch.manual_seed(seed)\n    generator = None\n"}),
    Mutant("dampened-momentum",
           "your velocity is an average, v ← β·v + (1 − β)·∇f: at full speed it only reaches the gradient itself, "
           "so it cannot roll over the bump; the rule here is v ← β·v + ∇f (torch.optim.SGD's, dampening 0)",
           replace={"        v = beta * v + grad(x)\n": "        v = beta * v + (1 - beta) * grad(x)\n"}),
    Mutant("gd-updates-x0-in-place",
           "your gradient descent updates x0 in place (x -= …): the caller's start changes, and every row of the "
           "trajectory is the same tensor, so the path shows only the last point; write x = x − lr·∇f(x)",
           replace={"    x = x0.clone()  # a copy: x0 is the caller's tensor\n    path = [x]\n    for _ in range(steps):\n"
                    "        x = x - lr * grad(x)":
                    "    x = x0\n    path = [x]\n    for _ in range(steps):\n        x -= lr * grad(x)"}),
    Mutant("trajectory-without-start",
           "your trajectory leaves out the start: it should hold x0 and then the point after each step, "
           "steps + 1 rows",
           replace={"    x = x0.clone()  # a copy: x0 is the caller's tensor\n    path = [x]\n":
                    "    x = x0.clone()  # a copy: x0 is the caller's tensor\n    path = []\n"}),
    Mutant("starts-outside-the-box",
           "your starts are torch.rand draws in [0, 1), not in the box [low, high]: scale and shift them, "
           "low + (high − low)·U(0, 1)",
           replace={STARTS: "    starts = torch.rand(n, low.shape[0], generator=generator, dtype=low.dtype)\n"}),
    Mutant("plot-not-saved",
           "your plot_landscape draws the figure but never saves it: call fig.savefig(plot_path)",
           replace={"    fig.savefig(plot_path)\n": ""}),
]
