"""A two-layer network, y = σ(x W1ᵀ + b1) W2ᵀ + b2, with its backward pass written by hand."""
import torch


def forward(x: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor):
    z1 = x @ W1.T + b1  # (N, D) @ (D, H) -> (N, H): nn.Linear's layout, W1 is (H, D)
    h = torch.sigmoid(z1)  # the hidden activations
    y = h @ W2.T + b2  # (N, H) @ (H, O) -> (N, O)
    # Keep what backward needs: the input, both weights and the activation h (σ' is computed from it).
    return y, (x, W1, W2, h)


def backward(grad_y: torch.Tensor, cache):
    # grad_y = dL/dy, shape (N, O), whatever loss comes after. The chain rule, layer by layer, from the top.
    x, W1, W2, h = cache
    # y = h W2ᵀ + b2: y[n, o] = Σ_k h[n, k] W2[o, k] + b2[o]. Each weight touches every example, so its
    # gradient is a sum over the batch: dW2[o, k] = Σ_n grad_y[n, o] h[n, k], i.e. grad_yᵀ h, shape (O, H) = W2's.
    dW2 = grad_y.T @ h
    db2 = grad_y.sum(dim=0)  # b2 is added to every row: its gradient collects from every row
    dh = grad_y @ W2  # (N, O) @ (O, H): what reaches the hidden activations
    # Through the sigmoid: σ'(z1) = σ(z1)(1 − σ(z1)) = h(1 − h), element by element. A new tensor: the
    # cached h is left as it was, so backward can run again on the same cache.
    dz1 = dh * h * (1 - h)
    dW1 = dz1.T @ x  # (H, N) @ (N, D) -> (H, D), W1's shape
    db1 = dz1.sum(dim=0)
    dx = dz1 @ W1  # (N, H) @ (H, D) -> (N, D): the gradient for whatever produced x
    return dx, dW1, db1, dW2, db2
