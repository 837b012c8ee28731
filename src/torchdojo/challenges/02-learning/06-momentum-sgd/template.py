"""SGD with momentum, written as a torch.optim.Optimizer.

Run `torchdojo check momentum-sgd` to grade this file.
"""
import torch


class MomentumSGD(torch.optim.Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        """Same arguments and meaning as torch.optim.SGD."""
        # TODO 1: put the settings in a `defaults` dict and hand it to torch.optim.Optimizer.__init__,
        #         which builds self.param_groups (each group may override any default)
        raise NotImplementedError("TODO: call super().__init__(params, defaults) with the settings as defaults")

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure() if given, else None."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                # TODO 2: skip parameters without a gradient
                # TODO 3: g = p.grad (+ weight decay); keep a velocity per parameter in self.state[p];
                #         plain, dampened or Nesterov momentum; then update p in place
                raise NotImplementedError("TODO: update p from its gradient and its velocity in self.state[p]")
        return loss
