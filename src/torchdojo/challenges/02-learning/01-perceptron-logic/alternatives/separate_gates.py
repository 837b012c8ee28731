"""One perceptron per gate, the step with torch.where, and XOR = AND(NAND(a, b), OR(a, b)) wired by hand:
three calls, the hidden outputs stacked into the output perceptron's input."""
import torch


def perceptron(x, w, b):
    z = torch.matmul(x, w) + b
    return torch.where(z >= 0, torch.ones_like(z), torch.zeros_like(z))


def and_weights():
    return torch.tensor([2.0, 2.0]), -3.0


def or_weights():
    return torch.tensor([2.0, 2.0]), -1.0


def nand_weights():
    return torch.tensor([-2.0, -2.0]), 3.0


def not_weights():
    return torch.tensor([-2.0]), 1.0


def xor(x):
    nand = perceptron(x, *nand_weights())
    either = perceptron(x, *or_weights())
    return perceptron(torch.stack([nand, either], dim=-1), *and_weights())
