"""Known mistakes for gradient-descent."""
from torchdojo.grading.mutants import Mutant

GRADIENTS_BODY = '''    n = X.shape[0]
    error = predict(X, w, b) - y  # (N,): how far each prediction is from its label
    dw = X.T @ error / n  # (d, N) @ (N,) -> (d,): every example's x weighted by its error, all at once
    db = error.mean()  # a 0-dim tensor, like b
    return dw, db
'''

MUTANTS = [
    Mutant("gradient-sign",
           "your gradients point the wrong way: the error is y − ŷ instead of ŷ − y, so the gradient is the negative "
           "of the true one and the steps climb the loss; dℓ/dz = ŷ − y",
           replace={"error = predict(X, w, b) - y": "error = y - predict(X, w, b)"}),
    Mutant("missing-one-over-n",
           "your gradients are sums over the examples, not means: they are N times too large (the loss is the "
           "mean), so the step size depends on the batch size and large batches diverge; divide by N",
           replace={"dw = X.T @ error / n": "dw = X.T @ error", "db = error.mean()": "db = error.sum()"}),
    Mutant("bias-not-updated",
           "your training never updates the bias: the boundary is stuck through the origin; step b ← b − lr·db "
           "too",
           replace={"        b = b - lr * db\n": ""}),
    Mutant("step-up-the-gradient",
           "your training adds the gradient (w + lr·dw): that is gradient ascent, the loss grows; step against it, "
           "w ← w − lr·dw",
           replace={"w = w - lr * dw": "w = w + lr * dw", "b = b - lr * db": "b = b + lr * db"}),
    Mutant("sigmoid-derivative-kept",
           "your gradients multiply the error by σ'(z) = ŷ(1 − ŷ): that is the gradient of the squared error, not "
           "of the log-loss, where σ' cancels; dℓ/dz = ŷ − y",
           replace={"error = predict(X, w, b) - y": "p = predict(X, w, b)\n    error = (p - y) * p * (1 - p)"}),
    Mutant("predict-without-sigmoid",
           "your predict returns the score Xw + b, not a probability: apply the sigmoid, σ(Xw + b)",
           replace={"return torch.sigmoid(X @ w + b)": "return X @ w + b"}),
    Mutant("uses-backward",
           "your gradients come from autograd (requires_grad_ and .backward()): this challenge is to derive them "
           "by hand, dL/dw = Xᵀ(ŷ − y)/N and dL/db = mean(ŷ − y)",
           replace={GRADIENTS_BODY: "    w = w.clone().requires_grad_()\n    b = b.clone().requires_grad_()\n"
                                    "    torch.nn.functional.binary_cross_entropy_with_logits(X @ w + b, y).backward()\n    return w.grad, b.grad\n"}),
    Mutant("uses-autograd-grad",
           "your gradients come from torch.autograd.grad on leaves created with requires_grad=True: this challenge "
           "is to derive them by hand, dL/dw = Xᵀ(ŷ − y)/N and dL/db = mean(ŷ − y)",
           replace={GRADIENTS_BODY: "    w = torch.tensor(w.tolist(), requires_grad=True)\n"
                                    "    b = torch.tensor(float(b), requires_grad=True)\n"
                                    "    loss = torch.nn.functional.binary_cross_entropy_with_logits(X @ w + b, y)\n"
                                    "    dw, db = torch.autograd.grad(loss, [w, b])\n"
                                    "    return dw, db\n"}),
    Mutant("loop-over-examples",
           "your gradients loop over the examples in Python, as the course notebook's per-record update does: "
           "right, but the work grows with N; X.T @ error does every example at once",
           replace={GRADIENTS_BODY: "    dw, db = torch.zeros_like(w), torch.zeros(())\n"
                                    "    for x_n, y_n in zip(X, y):\n"
                                    "        error = torch.sigmoid(x_n @ w + b) - y_n\n"
                                    "        dw = dw + error * x_n\n        db = db + error\n"
                                    "    return dw / len(X), db / len(X)\n"}),
    Mutant("plot-not-saved",
           "your train draws the figure but never saves it to plot_path: call fig.savefig(plot_path) (plt.show() "
           "writes no file)",
           replace={"    fig.savefig(path)\n": ""}),
]
