"""SGD with momentum, Nesterov momentum, dampening and weight decay, as a torch.optim.Optimizer."""
import torch


class MomentumSGD(torch.optim.Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError("lr, momentum and weight_decay must be >= 0")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")
        # The defaults fill in whatever a param group does not set itself: a group may override lr
        # (or momentum, ...) and every other setting comes from here.
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, defaults)

    @torch.no_grad()  # an update is not part of any model's computation: no graph, in-place edits of leaves allowed
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:  # each group has its own settings
            lr, momentum = group["lr"], group["momentum"]
            dampening, weight_decay, nesterov = group["dampening"], group["weight_decay"], group["nesterov"]
            for p in group["params"]:
                if p.grad is None:  # frozen, or not used by this loss: leave it alone
                    continue
                d_p = p.grad
                if weight_decay != 0:
                    # L2 regularisation is part of the gradient, so it goes INTO the velocity
                    d_p = d_p.add(p, alpha=weight_decay)
                if momentum != 0:
                    # self.state[p] is per parameter, and Optimizer.state_dict() saves it: the velocity
                    # survives between steps and across a checkpoint.
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        # the first velocity is the gradient itself (not dampened, not from zero)
                        buf = state["momentum_buffer"] = d_p.clone()
                    else:
                        buf = state["momentum_buffer"]
                        buf.mul_(momentum).add_(d_p, alpha=1 - dampening)  # v ← μ·v + (1 − τ)·g
                    # Nesterov looks ahead: the gradient plus the velocity it is about to add
                    d_p = d_p.add(buf, alpha=momentum) if nesterov else buf
                p.add_(d_p, alpha=-lr)  # in place: the model and the optimizer share this very tensor
        return loss
