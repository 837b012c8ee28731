"""Known mistakes for backprop-by-hand."""
from torchdojo.grading.mutants import Mutant

BACKWARD_LOOP = '''    dx = torch.zeros_like(x)
    dW1, db1 = torch.zeros_like(W1), torch.zeros(W1.shape[0])
    dW2, db2 = torch.zeros_like(W2), torch.zeros(W2.shape[0])
    for n in range(x.shape[0]):  # one example at a time, as the course notebook does
        g, h_n = grad_y[n], h[n]
        dW2 = dW2 + torch.outer(g, h_n)
        db2 = db2 + g
        d = (g @ W2) * h_n * (1 - h_n)
        dW1 = dW1 + torch.outer(d, x[n])
        db1 = db1 + d
        dx[n] = d @ W1
    return dx, dW1, db1, dW2, db2
'''

AUTOGRAD_SOURCE = '''"""Forward as asked; backward recomputes it on leaves that require grad and calls .backward()."""
import torch


def forward(x, W1, b1, W2, b2):
    return torch.sigmoid(x @ W1.T + b1) @ W2.T + b2, (x, W1, b1, W2, b2)


def backward(grad_y, cache):
    leaves = [t.detach().clone().requires_grad_() for t in cache]
    x, W1, b1, W2, b2 = leaves
    y = torch.sigmoid(x @ W1.T + b1) @ W2.T + b2
    y.backward(grad_y)
    return tuple(t.grad for t in leaves)
'''

MUTANTS = [
    Mutant("missing-activation-derivative",
           "your backward passes the gradient through the sigmoid unchanged: multiply by σ'(z1) = h(1 − h) "
           "before the first layer's gradients",
           replace={"dz1 = dh * h * (1 - h)": "dz1 = dh"}),
    Mutant("derivative-at-the-activation",
           "your backward evaluates σ' at h instead of at z1: σ'(z1) = σ(z1)(1 − σ(z1)) = h(1 − h), not "
           "σ(h)(1 − σ(h))",
           replace={"dz1 = dh * h * (1 - h)": "dz1 = dh * torch.sigmoid(h) * (1 - torch.sigmoid(h))"}),
    Mutant("transposed-weight-gradient",
           "your dW2 is transposed: hᵀ grad_y has shape (H, O), but W2 is (O, H); a gradient has the shape of its "
           "parameter: grad_yᵀ h",
           replace={"dW2 = grad_y.T @ h": "dW2 = h.T @ grad_y"}),
    Mutant("bias-gradient-not-summed",
           "your db2 is the upstream gradient of every example, shape (N, O): b2 is shared by all rows, so sum "
           "the rows' gradients over the batch",
           replace={"db2 = grad_y.sum(dim=0)": "db2 = grad_y"}),
    Mutant("bias-gradient-averaged",
           "your db1 averages over the batch instead of summing: the loss's own mean (if any) is already in grad_y, "
           "so a parameter's gradient is the sum over the examples",
           replace={"db1 = dz1.sum(dim=0)": "db1 = dz1.mean(dim=0)"}),
    Mutant("both-bias-gradients-averaged",
           "your db1 and db2 average over the batch instead of summing: the loss's own mean (if any) is already "
           "in grad_y, so a parameter's gradient is the sum over the examples",
           replace={"db1 = dz1.sum(dim=0)": "db1 = dz1.mean(dim=0)", "db2 = grad_y.sum(dim=0)": "db2 = grad_y.mean(dim=0)"}),
    Mutant("input-gradient-from-wrong-upstream",
           "your dx starts from dh, the gradient before the sigmoid's derivative: x reaches the loss through z1, so "
           "dx = dz1 W1",
           replace={"dx = dz1 @ W1": "dx = dh @ W1"}),
    Mutant("upstream-ignored",
           "your backward ignores grad_y and acts as if it were all ones (the loss y.sum()): every gradient must "
           "start from the upstream gradient it is given",
           replace={"    x, W1, W2, h = cache\n": "    x, W1, W2, h = cache\n    grad_y = torch.ones_like(grad_y)\n"}),
    Mutant("cache-changed-in-place",
           "your backward changes the cached h in place (h.mul_(…)): a second backward on the same cache gets wrong "
           "gradients; compute h * (1 − h) as a new tensor",
           replace={"dz1 = dh * h * (1 - h)": "dz1 = dh * h.mul_(1 - h)"}),
    Mutant("forward-missing-activation",
           "your forward leaves out the sigmoid: without a nonlinearity two linear layers are one linear layer",
           replace={"h = torch.sigmoid(z1)": "h = z1"}),
    Mutant("uses-autograd",
           "your backward runs autograd (requires_grad and .backward()): this challenge is to apply the chain rule "
           "by hand, dW2 = grad_yᵀ h, dh = grad_y W2, dz1 = dh · h(1 − h), …",
           source=AUTOGRAD_SOURCE),
    Mutant("loop-over-examples",
           "your backward loops over the examples in Python, adding up outer products: right, but the work grows "
           "with the batch; one matrix product (grad_yᵀ h) sums over every example at once",
           replace={"    dW2 = grad_y.T @ h\n    db2": BACKWARD_LOOP + "    dW2 = grad_y.T @ h\n    db2"}),
]
