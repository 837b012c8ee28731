"""Written from the update rule in PyTorch's documentation, one parameter at a time, with the
velocity started lazily from zeros and the first step special-cased through a step counter."""
import torch
from torch.optim import Optimizer


class MomentumSGD(Optimizer):
    def __init__(self, params, lr=0.01, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov})

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad + group["weight_decay"] * p
                    if group["momentum"]:
                        state = self.state[p]
                        if not state:
                            state["step"] = 0
                            state["velocity"] = torch.zeros_like(p)
                        state["step"] += 1
                        v = state["velocity"]
                        if state["step"] == 1:
                            v.copy_(g)
                        else:
                            v.copy_(group["momentum"] * v + (1 - group["dampening"]) * g)
                        g = g + group["momentum"] * v if group["nesterov"] else v
                    p -= group["lr"] * g
        return loss
