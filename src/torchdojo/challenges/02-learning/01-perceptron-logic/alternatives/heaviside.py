"""torch.heaviside for the step (its second argument is the value at 0), and XOR as "OR but not AND":
hidden AND and OR perceptrons, then one output perceptron with weights (−1, 1)."""
import torch


def perceptron(x, w, b):
    z = x @ w + b
    return torch.heaviside(z, torch.ones((), dtype=z.dtype))


def and_weights():
    return torch.tensor([1.0, 1.0]), -1.5


def or_weights():
    return torch.tensor([1.0, 1.0]), -0.5


def nand_weights():
    w, b = and_weights()
    return -w, -b


def not_weights():
    return torch.tensor([-1.0]), 0.5


def xor(x):
    both = perceptron(x, *and_weights())
    either = perceptron(x, *or_weights())
    hidden = torch.stack([both, either], dim=-1)
    return perceptron(hidden, torch.tensor([-1.0, 1.0]), -0.5)  # either and not both
