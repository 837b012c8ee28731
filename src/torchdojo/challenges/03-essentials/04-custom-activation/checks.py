"""Checks for custom-activation: a registered parameter, the formula, its gradient, and that it trains."""
import torch
import torch.nn.functional as F

from torchdojo.grading.expect import expect, expect_close, expect_grad_close, randn, rng


def _swish(x: torch.Tensor, beta: float) -> torch.Tensor:
    """The hand computation x / (1 + e^(−βx))."""
    return x / (1 + torch.exp(-beta * x))


def _beta_value(model) -> float:
    beta = model.beta
    expect(isinstance(beta, torch.Tensor) and beta.numel() == 1,
           f"model.beta should be a one-element tensor, got {type(beta).__name__}"
           + (f" of shape {tuple(beta.shape)}" if isinstance(beta, torch.Tensor) else ""), "beta-type")
    return float(beta.detach())


def _expect_in_graph(output: torch.Tensor, what: str) -> None:
    expect(isinstance(output, torch.Tensor) and output.requires_grad,
           f"{what} does not require grad, so backward() cannot reach beta: beta is frozen "
           "(requires_grad=False) or cut from the graph (.item(), float(), .detach()) or not used", "detached")


def check_parameter_registered(learner):
    """beta is a learnable nn.Parameter: .parameters() and state_dict() list it, with requires_grad=True."""
    model = learner.LearnableSwish(beta=1.5)
    names = [name for name, _ in model.named_parameters()]
    expect(names == ["beta"],
           f"LearnableSwish(beta=1.5).named_parameters() lists {names}, expected ['beta']: only a tensor wrapped in "
           "nn.Parameter and assigned to self in __init__ is registered (like torch.tanh(x) + x, a module "
           "without one has nothing to learn)", f"params:{names}")
    keys = list(model.state_dict())
    expect(keys == ["beta"], f"LearnableSwish(beta=1.5).state_dict() has keys {keys}, expected ['beta']",
           f"keys:{keys}")
    expect(model.beta.requires_grad,
           "LearnableSwish(beta=1.5).beta has requires_grad=False, so it never gets a gradient; leave the "
           "nn.Parameter default (requires_grad=True)", "frozen")
    value = _beta_value(model)
    expect(abs(value - 1.5) < 1e-6, f"LearnableSwish(beta=1.5).beta holds {value:.6g}, expected 1.5",
           f"init:{value:.4g}")


def check_formula(learner):
    """forward computes x·sigmoid(β·x): a hand computation for β = 0, 0.5, 1, 2.5 and −1."""
    x = randn(rng(0), 3, 4, 5) * 3
    for beta in (0.0, 0.5, 1.0, 2.5, -1.0):
        with torch.no_grad():
            got = learner.LearnableSwish(beta=beta)(x)
        expect_close(got, _swish(x, beta), what=f"LearnableSwish(beta={beta})(x) for x of shape (3, 4, 5)",
                     atol=1e-5)


def check_beta_gradient(learner):
    """After backward(), beta.grad equals Σ upstream · x²·σ(βx)·(1 − σ(βx))."""
    model = learner.LearnableSwish(beta=0.7)
    x, upstream = randn(rng(1), 64) * 2, randn(rng(2), 64)
    output = model(x)
    _expect_in_graph(output, "LearnableSwish(beta=0.7)(x)")
    (output * upstream).sum().backward()
    s = torch.sigmoid(0.7 * x)
    expected = (upstream * x**2 * s * (1 - s)).sum()
    beta = model.beta  # read after forward: whatever tensor forward actually used
    expect_grad_close(beta, expected.reshape(beta.shape), what="beta", atol=1e-4)


def check_uses_current_beta(learner):
    """forward reads beta's current value: changed in place (as an optimizer step does), the output follows."""
    model = learner.LearnableSwish(beta=1.0)
    x = randn(rng(3), 32) * 3
    model(x)  # a first call, as in training
    with torch.no_grad():
        model.beta.fill_(2.5)
    with torch.no_grad():
        got = model(x)
    expect_close(got, _swish(x, 2.5), what="LearnableSwish(beta=1.0) after `model.beta.fill_(2.5)`", atol=1e-5)


def check_trains(learner):
    """Fitting data made with β = 3, twenty gradient-descent steps move beta up from 1 and lower the loss."""
    x = randn(rng(4), 256) * 2
    target = _swish(x, 3.0)
    model = learner.LearnableSwish(beta=1.0)
    params = list(model.parameters())
    expect(params, "list(LearnableSwish(beta=1.0).parameters()) is empty, so an optimizer has nothing to train "
                   "(torch.optim.SGD raises 'optimizer got an empty parameter list')", "no-params")
    with torch.no_grad():
        first_loss = float(F.mse_loss(model(x), target))
    for _ in range(20):  # what torch.optim.SGD(model.parameters(), lr=2.0) does, step by step
        for p in params:
            p.grad = None
        loss = F.mse_loss(model(x), target)
        _expect_in_graph(loss, "the training loss")
        loss.backward()
        with torch.no_grad():
            for p in params:
                if p.grad is not None:  # like an optimizer, skip what received no gradient
                    p -= 2.0 * p.grad
    with torch.no_grad():
        last_loss = float(F.mse_loss(model(x), target))
    beta = _beta_value(model)
    expect(beta > 1.5, f"after 20 gradient-descent steps (lr=2.0) on .parameters() towards data made with β = 3, "
                       f"beta went from 1 to {beta:.4g}: it should have grown; does the tensor in .parameters() "
                       "get a gradient, and is it the one forward uses?", f"beta:{beta:.3g}")
    expect(last_loss < 0.5 * first_loss, f"after 20 gradient-descent steps the MSE went from {first_loss:.4g} to "
                                         f"{last_loss:.4g}; it should at least halve", f"loss:{last_loss:.3g}")
