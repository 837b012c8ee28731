"""A two-layer network, y = σ(x W1ᵀ + b1) W2ᵀ + b2, with its backward pass written by hand.

Run `torchdojo check backprop-by-hand` to grade this file.
No .backward(), torch.autograd.grad or requires_grad here: the chain rule is yours.
"""
import torch


def forward(x: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor):
    """x (N, D), W1 (H, D), b1 (H,), W2 (O, H), b2 (O,) -> (y, cache): y = σ(x W1ᵀ + b1) W2ᵀ + b2 of shape
    (N, O), and a cache (a tuple of tensors, say) holding what backward needs."""
    # TODO 1: the hidden layer z1 = x W1ᵀ + b1 and its activation h = σ(z1)
    # TODO 2: the output y = h W2ᵀ + b2; return y and the cache
    raise NotImplementedError("TODO: compute the forward pass and keep a cache")


def backward(grad_y: torch.Tensor, cache):
    """grad_y = dL/dy of shape (N, O) -> (dx, dW1, db1, dW2, db2), each of the shape of what it is the
    gradient of, for the whole batch (summed over its examples). Must not change the cache."""
    # TODO 3: the output layer: dW2, db2, and dh, the gradient that reaches h
    # TODO 4: through the sigmoid (σ' from h), then dW1, db1 and dx
    raise NotImplementedError("TODO: backpropagate grad_y through both layers")
