"""Each operation as a small layer with its own forward and backward (the way frameworks are built);
the cache is the list of layers, which hold what their backward needs."""
import torch


class Linear:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return torch.matmul(x, self.W.t()) + self.b

    def backward(self, upstream):
        self.dW = torch.mm(upstream.t(), self.x)
        self.db = upstream.sum(0)
        return torch.mm(upstream, self.W)


class Sigmoid:
    def forward(self, z):
        self.out = 1 / (1 + torch.exp(-z))
        return self.out

    def backward(self, upstream):
        return upstream * self.out * (1 - self.out)


def forward(x, W1, b1, W2, b2):
    layers = [Linear(W1, b1), Sigmoid(), Linear(W2, b2)]
    for layer in layers:
        x = layer.forward(x)
    return x, layers


def backward(grad_y, cache):
    first, _, last = cache
    grad = grad_y
    for layer in reversed(cache):
        grad = layer.backward(grad)
    return grad, first.dW, first.db, last.dW, last.db
