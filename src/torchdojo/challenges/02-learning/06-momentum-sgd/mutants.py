"""Known mistakes for momentum-sgd."""
from torchdojo.grading.mutants import Mutant

UPDATE = "p.add_(d_p, alpha=-lr)"
DECAY = "                if weight_decay != 0:\n                    # L2 regularisation is part of the gradient, so it goes INTO the velocity\n                    d_p = d_p.add(p, alpha=weight_decay)\n"

MUTANTS = [
    Mutant("velocity-not-kept",
           "your optimizer behaves like plain SGD whatever the momentum: the velocity is rebuilt at every step "
           "instead of being kept in self.state[p] between steps",
           replace={"state = self.state[p]": "state = {}"}),
    Mutant("lr-applied-twice",
           "every step is lr times too small: the learning rate is multiplied in twice (once into the update, "
           "once in p.add_(..., alpha=-lr))",
           replace={UPDATE: "p.add_(lr * d_p, alpha=-lr)"}),
    # Looking ahead with the velocity from before this step's update is the same mistake: Nesterov needs
    # dampening 0, so g + μ·v_old = μ·v_old + g is exactly the classical step v (no check can tell them apart).
    Mutant("nesterov-ignored",
           "nesterov=True steps like classical momentum: either the look-ahead is missing (the step is v), or it "
           "uses the velocity from before this step's update (g + μ·v_old, which equals the new v); the Nesterov "
           "step is g + μ·v with v already updated to μ·v_old + g",
           replace={"d_p = d_p.add(buf, alpha=momentum) if nesterov else buf": "d_p = buf"}),
    Mutant("velocity-aliases-gradient",
           "the first velocity is p.grad itself, not a copy (state['momentum_buffer'] = g without .clone()): "
           "updating the velocity in place then rewrites p.grad, and zero_grad(set_to_none=False) or gradient "
           "accumulation rewrites the velocity; store g.clone()",
           replace={"buf = state[\"momentum_buffer\"] = d_p.clone()": "buf = state[\"momentum_buffer\"] = d_p"}),
    Mutant("weight-decay-after-momentum",
           "weight decay is added to the step after the momentum instead of to the gradient before it, so it "
           "never enters the velocity (torch.optim.SGD: g = ∇p + λ·p first, then v ← μ·v + g)",
           replace={DECAY: "", UPDATE: "p.add_(d_p.add(p, alpha=weight_decay), alpha=-lr)"}),
    Mutant("velocity-shared-across-parameters",
           "one velocity is shared by all the parameters (it mixes W1's and W2's gradients, or fails on a "
           "shape): keep one per parameter, in self.state[p]",
           replace={"state = self.state[p]": "state = self.state[\"velocity\"]"}),
    Mutant("first-velocity-dampened",
           "the first step is dampened: the velocity starts from zero (v = (1 − τ)·g) instead of being the "
           "first gradient itself, which only shows when dampening ≠ 0",
           replace={"buf = state[\"momentum_buffer\"] = d_p.clone()":
                    "buf = state[\"momentum_buffer\"] = (1 - dampening) * d_p"}),
    Mutant("velocity-outside-optimizer-state",
           "the velocities live in an attribute of your own, not in self.state[p], so state_dict() does not "
           "save them and a resumed optimizer restarts without momentum",
           replace={"super().__init__(params, defaults)": "super().__init__(params, defaults)\n        self.velocity = {}",
                    "state = self.state[p]": "state = self.velocity.setdefault(p, {})"}),
    Mutant("group-settings-ignored",
           "every param group steps with the default lr and momentum: read the settings from each `group`, "
           "not from self.defaults",
           replace={"lr, momentum = group[\"lr\"], group[\"momentum\"]":
                    "lr, momentum = self.defaults[\"lr\"], self.defaults[\"momentum\"]"}),
    Mutant("missing-gradient-not-skipped",
           "a parameter whose .grad is None (frozen, or unused by the loss) makes step() fail: skip it",
           replace={"                if p.grad is None:  # frozen, or not used by this loss: leave it alone\n"
                    "                    continue\n": ""}),
    Mutant("delegates-to-torch-sgd",
           "MomentumSGD is torch.optim.SGD under another name: this challenge is to write the update yourself, in "
           "the step() of a torch.optim.Optimizer subclass",
           source="import torch\n\n\nclass MomentumSGD(torch.optim.SGD):\n    pass\n"),
    Mutant("step-without-no-grad",
           "step() updates the parameters in place while autograd records (a leaf that requires grad cannot be "
           "changed in place): decorate step with @torch.no_grad()",
           replace={"    @torch.no_grad()  # an update": "    # an update"}),
]
