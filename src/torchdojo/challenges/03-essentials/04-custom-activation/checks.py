"""Checks for custom-activation: one registered 0-dim parameter (int β accepted), the formula on many
shapes, gradients for x and β also where a naive exp overflows, forward follows a loaded β, a real
module, and twenty gradient-descent steps that learn β."""
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.expect import (CheckFailed, expect, expect_close, expect_grad_close, expect_hooks_fire,
                                      expect_module, expect_state_dict_compatible, grad, observer, randn,
                                      requires_grad, rng)
from torchdojo.grading.remote import LearnerRaised


class _Swish(nn.Module):
    """The reference, built here: its layout is what the learner's state_dict must match, and
    autograd through it gives the expected gradients."""

    def __init__(self, beta: float):
        super().__init__()
        self.beta = nn.Parameter(torch.tensor(float(beta)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.beta * x)  # torch's sigmoid stays finite for any βx


def check_parameter_registered(learner):
    """beta is the one learnable parameter: .parameters() lists it, it requires grad, and the state_dict
    is a single 0-dim float32 'beta' holding the given value (an int β too)."""
    for beta in (1.5, 2):  # an int, as people write it
        model = learner.LearnableSwish(beta=beta)
        parameters = {name: p for name, p in model.named_parameters()}  # dict(remote) would ask it for .keys
        names = sorted(parameters)
        expect(names == ["beta"],
               f"LearnableSwish(beta={beta}).named_parameters() lists {names}, expected ['beta']: only a tensor "
               "wrapped in nn.Parameter and assigned to self in __init__ is registered (like torch.tanh(x) + x, a "
               "module without one has nothing to learn), and nothing else should be learnable", f"params:{names}")
        expect(requires_grad(parameters["beta"]),
               f"LearnableSwish(beta={beta}).beta has requires_grad=False, so it never gets a gradient; leave the "
               "nn.Parameter default (requires_grad=True)", "frozen")
        expect_state_dict_compatible(model, _Swish(beta), f"LearnableSwish(beta={beta})")
        value = float(model.state_dict()["beta"])
        expect(value == float(beta), f"LearnableSwish(beta={beta}).beta holds {value:.6g}, expected {float(beta)}",
               f"init:{beta}:{value:.4g}")


def check_formula(learner):
    """forward computes x·sigmoid(β·x) for β = 0, 0.5, 1, 2 (an int), 2.5 and −1, on a 0-dim x, a batch
    of one and 1-D to 3-D inputs, one module reused across shapes."""
    shapes = [(3, 4, 5), (), (1, 6), (17,)]
    for beta in (0.0, 0.5, 1.0, 2, 2.5, -1.0):
        model = learner.LearnableSwish(beta=beta)
        for seed, shape in enumerate(shapes):
            x = randn(rng(seed), *shape) * 3
            with torch.no_grad():
                expected = _Swish(beta)(x)
            expect_close(model(x), expected, what=f"LearnableSwish(beta={beta})(x) for x of shape {shape}")


def check_gradients(learner):
    """The gradients w.r.t. x and β equal autograd's through x·sigmoid(βx), also at x = 0 and |x| = 50,
    where a naive x / (1 + exp(−βx)) overflows to inf and gives NaN."""
    x = randn(rng(1), 48) * 2
    x[:5] = torch.tensor([0.0, 50.0, -50.0, 30.0, -30.0])
    upstream = randn(rng(2), 48)
    for beta in (0.7, 2.5):  # β = 2.5 puts βx = −125 beyond float32's exp range
        x = x.detach().requires_grad_()
        reference = _Swish(beta)
        expected = torch.autograd.grad((reference(x) * upstream).sum(), [x, reference.beta])
        model = learner.LearnableSwish(beta=beta)
        expect(requires_grad(model.beta), f"LearnableSwish(beta={beta}).beta does not require grad, so autograd "
                                          "never computes its gradient", "beta-no-grad", kind="grad")
        got = grad(model(x), [x, model.beta], upstream, what=f"LearnableSwish(beta={beta})(x)")
        for name, g, e in zip(("x", "beta"), got, expected):
            expect_grad_close(g, e, what=f"{name} (beta={beta})")


def check_follows_loaded_beta(learner):
    """forward reads beta's current value: after load_state_dict({'beta': 2.5}) the output follows."""
    model = learner.LearnableSwish(beta=1.0)
    x = randn(rng(3), 32) * 3
    model(x)  # a first call, as in training
    try:
        model.load_state_dict(_Swish(2.5).state_dict())
    except LearnerRaised as exc:
        raise CheckFailed("LearnableSwish(beta=1.0).load_state_dict({'beta': tensor(2.5)}) failed "
                          f"({str(exc.info.get('message', ''))[:200]}); see the parameter check",
                          "load-failed", kind="state") from None
    with torch.no_grad():
        expected = _Swish(2.5)(x)
    expect_close(model(x), expected,
                 what="LearnableSwish(beta=1.0) after load_state_dict({'beta': 2.5})")


def check_is_a_module(learner):
    """LearnableSwish is an nn.Module with its computation in forward (hooks fire)."""
    model = learner.LearnableSwish(beta=1.5)
    expect_module(model, "LearnableSwish(beta=1.5)")
    x = randn(rng(5), 4, 3)
    with torch.no_grad():
        expected = _Swish(1.5)(x)
    output = expect_hooks_fire(model, x, what="LearnableSwish(beta=1.5)")
    expect_close(output, expected, what="LearnableSwish(beta=1.5) called with a forward hook")


@observer
def _train(model, x: torch.Tensor, target: torch.Tensor, steps: int, lr: float) -> dict:
    """Runs next to the learner's code: what torch.optim.SGD(model.parameters(), lr) does for `steps`
    steps on the MSE to `target`; brings back beta and the outputs before and after (judged by the check)."""
    params = list(model.parameters())
    with torch.no_grad():
        before = model(x).clone()
    result = {"parameters": len(params), "before": before, "detached": False}
    for _ in range(steps if params else 0):
        for p in params:
            p.grad = None
        loss = F.mse_loss(model(x), target)
        if not loss.requires_grad:
            result["detached"] = True
            break
        loss.backward()
        with torch.no_grad():
            for p in params:
                if p.grad is not None:  # like an optimizer, skip what received no gradient
                    p -= lr * p.grad
    with torch.no_grad():
        result["after"] = model(x).clone()
    result["beta"] = float(torch.as_tensor(model.beta).detach().reshape(-1)[0])
    return result


def check_trains(learner):
    """Fitting data made with β = 3, twenty gradient-descent steps on .parameters() move beta up from 1
    and at least halve the loss."""
    x = randn(rng(4), 256) * 2
    with torch.no_grad():
        target = _Swish(3.0)(x)
    seen = _train(learner.LearnableSwish(beta=1.0), x, target, steps=20, lr=2.0)
    expect(seen["parameters"] > 0, "list(LearnableSwish(beta=1.0).parameters()) is empty, so an optimizer has "
                                   "nothing to train (torch.optim.SGD raises 'optimizer got an empty parameter "
                                   "list')", "no-params")
    expect(not seen["detached"], "the training loss does not require grad, so backward() cannot reach beta: beta is "
                                 "frozen (requires_grad=False), cut from the graph (.item(), float(), .detach()) or "
                                 "not used", "detached", kind="detached")
    first_loss, last_loss = (float(F.mse_loss(seen[k], target)) for k in ("before", "after"))
    beta = seen["beta"]
    expect(beta > 1.5, f"after 20 gradient-descent steps (lr=2.0) on .parameters() towards data made with β = 3, "
                       f"beta went from 1 to {beta:.4g}: it should have grown; does the tensor in .parameters() "
                       "get a gradient, and is it the one forward uses?", f"beta:{beta:.3g}")
    expect(last_loss < 0.5 * first_loss, f"after 20 gradient-descent steps the MSE went from {first_loss:.4g} to "
                                         f"{last_loss:.4g}; it should at least halve", f"loss:{last_loss:.3g}")
