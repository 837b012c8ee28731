"""Index notation throughout (einsum), a dict as the cache, σ' recomputed from the cached pre-activation."""
import torch


def forward(x, W1, b1, W2, b2):
    z1 = torch.einsum("nd,hd->nh", x, W1) + b1
    y = torch.einsum("nh,oh->no", torch.sigmoid(z1), W2) + b2
    return y, {"x": x, "W1": W1, "W2": W2, "z1": z1}


def backward(grad_y, cache):
    x, W1, W2, z1 = cache["x"], cache["W1"], cache["W2"], cache["z1"]
    h = torch.sigmoid(z1)
    dW2 = torch.einsum("no,nh->oh", grad_y, h)
    db2 = torch.einsum("no->o", grad_y)
    dz1 = torch.einsum("no,oh->nh", grad_y, W2) * h * (1 - h)
    dW1 = torch.einsum("nh,nd->hd", dz1, x)
    db1 = torch.einsum("nh->h", dz1)
    dx = torch.einsum("nh,hd->nd", dz1, W1)
    return dx, dW1, db1, dW2, db2
