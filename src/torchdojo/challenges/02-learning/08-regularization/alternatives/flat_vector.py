"""All weights flattened into one vector with torch.cat; dropout as a class-free mask with an explicit
scale factor."""
import torch


def _flat_weights(model):
    return torch.cat([p.reshape(-1) for n, p in model.named_parameters() if not n.endswith("bias")])


def l1_penalty(model, lam):
    return _flat_weights(model).abs().sum() * lam


def l2_penalty(model, lam):
    w = _flat_weights(model)
    return lam * (w @ w) / 2


def dropout(x, p, training):
    if training:
        scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
        mask = torch.rand(x.shape) > p
        return x * mask * scale
    return x.clone()
