"""Checks for gradient-descent: the prediction, hand-written gradients of the mean log-loss against
autograd's (computed here), no autograd in the learner's code (seen through torch's function dispatch
and through the tensors autograd would save for a backward pass), no loop over the examples, a
training run that follows gradient descent step by step, reaches a stated accuracy on held-out
separable data, and saves a PNG of its progress."""
import matplotlib.backends.backend_agg  # noqa: F401 - see below
import matplotlib.figure  # noqa: F401
import torch
import torch.nn.functional as F

from torchdojo.grading.artifacts import expect_png
from torchdojo.grading.expect import (expect, expect_close, expect_tensor, expect_vectorised, measure, observer,
                                      randn, rng, scratch_dir, sizes)

# The learner's process is forked from the grader: with matplotlib's drawing machinery imported here (no
# backend is chosen), each grading's train(..., plot_path) finds it loaded instead of importing it (0.7 s).
AUTOGRAD = ("backward", "grad", "requires_grad_")  # Tensor.backward, torch.autograd.grad/backward, x.requires_grad_()
ACCURACY = 0.95


def _problem(seed: int, n: int, d: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Features, 0/1 labels, and a random point (w, b) to take the gradients at."""
    X = randn(rng(seed), n, d) * 1.5
    y = torch.rand(n, generator=rng(seed + 1)).round()
    return X, y, randn(rng(seed + 2), d) * 0.5, randn(rng(seed + 3)) * 0.5


def _separable(seed: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """2-D points labelled by a line that does not pass through the origin (so the bias matters), with a
    margin around it: a task logistic regression solves almost perfectly."""
    generator = rng(seed)
    X = torch.randn(4 * n, 2, generator=generator) * 1.5 + torch.tensor([3.0, 3.0])
    score = X @ torch.tensor([1.5, 1.0]) - 7.5
    keep = score.abs() > 0.5
    return X[keep][:n], (score[keep][:n] > 0).float()


def _log_loss(X, y, w, b) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(X @ w + b, y)


@observer
def _autograd_at_work(fn, *args) -> int:
    """Next to the learner's code: call fn(*args) and count the tensors autograd saves for a backward
    pass (it saves some for almost any operation on a tensor that requires grad); 0 when no graph is built."""
    saved = [0]

    def pack(tensor):
        saved[0] += 1
        return tensor
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        fn(*args)
    return saved[0]


def _expect_no_autograd(fn, args: tuple, what: str) -> None:
    _, seen = measure(fn, *args)
    used = sorted(set(AUTOGRAD) & set(seen.functions))
    expect(not used, f"{what} calls {', '.join(used)}: that is autograd computing the gradient for you; this "
                     "challenge is to derive it on paper (dL/dw = Xᵀ(ŷ − y)/N, dL/db = mean(ŷ − y)) and compute "
                     "it from tensor operations", f"autograd:{what}:{used}", kind="delegated")
    saved = _autograd_at_work.labelled(what, fn, *args)
    expect(saved == 0, f"{what} builds an autograd graph (autograd saved {saved} tensors for a backward pass): "
                       "some tensor requires grad (requires_grad=True, nn.Parameter); with the gradients written "
                       "by hand nothing needs to", f"autograd-graph:{what}", kind="delegated")


def _trajectory(X, y, lr: float, epochs: int) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """Gradient descent from zero, here, with the gradients from autograd (an independent derivation)."""
    w, b, losses = torch.zeros(X.shape[1]), torch.zeros(()), []
    for _ in range(epochs):
        w_, b_ = w.clone().requires_grad_(), b.clone().requires_grad_()
        dw, db = torch.autograd.grad(_log_loss(X, y, w_, b_), [w_, b_])
        w, b = w - lr * dw, b - lr * db
        losses.append(float(_log_loss(X, y, w, b)))
    return w, b, losses


def _trained(learner, X, y, lr: float, epochs: int, plot_path: str | None = None):
    """The learner's train(...) result, checked for its form: (w of shape (d,), b, losses)."""
    what = f"train(X of shape {tuple(X.shape)}, y, lr={lr}, epochs={epochs})"
    result = learner.train(X, y, lr, epochs) if plot_path is None else learner.train(X, y, lr, epochs, plot_path)
    expect(isinstance(result, (tuple, list)) and len(result) == 3,
           f"{what} should return (w, b, losses), got {type(result).__name__}", f"train-returns:{type(result).__name__}",
           kind="type")
    w, b, losses = result
    expect_tensor(w, f"the w returned by {what}")
    expect(isinstance(b, (int, float)) or (isinstance(b, torch.Tensor) and b.numel() == 1),
           f"the b returned by {what} should be a 0-dim tensor (or a number), got {type(b).__name__}",
           "train-returns-b", kind="type")
    losses = losses.tolist() if isinstance(losses, torch.Tensor) else losses
    expect(isinstance(losses, (list, tuple)) and len(losses) == epochs and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in losses),
        f"the losses returned by {what} should be {epochs} numbers, one per step", "train-returns-losses",
        kind="type")
    return w, torch.as_tensor(b, dtype=torch.float32).reshape(()), [float(v) for v in losses], what


def check_predict(learner):
    """predict(X, w, b) gives the probabilities σ(Xw + b), one per row, also for a single row."""
    n, d = sizes(0, 2)
    for seed, (rows, features) in enumerate([(n, d), (1, d), (d, n)]):
        X, _, w, b = _problem(10 * seed, rows, features)
        expect_close(learner.predict(X, w, b), torch.sigmoid(X @ w + b),
                     what=f"predict(X of shape ({rows}, {features}), w, b)")


def check_gradients_match_autograd(learner):
    """gradients(X, y, w, b) returns (dw, db), equal to autograd's gradients of the mean log-loss
    (computed by the grader) at random points, for several (N, d), including a single example."""
    n, d = sizes(1, 2, low=3, high=12)
    for seed, (rows, features) in enumerate([(n, d), (1, d), (d, 1), (40, 3)]):
        X, y, w, b = _problem(100 + 10 * seed, rows, features)
        w_, b_ = w.clone().requires_grad_(), b.clone().requires_grad_()
        expected = torch.autograd.grad(_log_loss(X, y, w_, b_), [w_, b_])
        what = f"gradients(X of shape ({rows}, {features}), y, w, b)"
        got = learner.gradients(X, y, w, b)
        expect(isinstance(got, (tuple, list)) and len(got) == 2,
               f"{what} should return the pair (dw, db), got {type(got).__name__}", "gradients-returns", kind="type")
        for name, g, e in zip(("dw", "db"), got, expected):
            expect_close(g, e, what=f"{name} from {what}")


def check_no_autograd(learner):
    """gradients and train compute the gradients themselves: no .backward(), torch.autograd.grad or
    requires_grad anywhere, and no autograd graph is built."""
    X, y, w, b = _problem(200, 12, 3)
    _expect_no_autograd(learner.gradients, (X, y, w, b), "gradients(X, y, w, b)")
    _expect_no_autograd(learner.train, (X, y, 0.1, 3), "train(X, y, lr=0.1, epochs=3)")


def check_gradients_vectorised(learner):
    """gradients does the same few tensor operations for any number of examples (no Python loop over rows)."""
    expect_vectorised(learner.gradients, lambda n: _problem(300 + n, n, 3), what="gradients(X, y, w, b)",
                      dimension="examples")


def check_train_follows_gradient_descent(learner):
    """train(X, y, lr, epochs) starts from w = 0, b = 0 and takes `epochs` full-batch steps w ← w − lr·dw,
    b ← b − lr·db: the weights, the bias and the loss after every step equal the grader's own run."""
    for seed, (n, d, lr, epochs) in enumerate([(30, 3, 0.5, 12), (17, 2, 2.0, 5)]):
        X, y, _, _ = _problem(400 + 10 * seed, n, d)
        w, b, losses, what = _trained(learner, X, y, lr, epochs)
        w_expected, b_expected, losses_expected = _trajectory(X, y, lr, epochs)
        expect_close(w, w_expected, what=f"the w returned by {what}", rtol=1e-4, atol=1e-5)
        expect_close(b, b_expected, what=f"the b returned by {what}", rtol=1e-4, atol=1e-5)
        expect_close(torch.tensor(losses), torch.tensor(losses_expected), what=f"the losses returned by {what} "
                     "(the log-loss after each step)", rtol=1e-4, atol=1e-5)


def check_train_accuracy(learner):
    """On separable 2-D data whose boundary misses the origin, train(X, y, lr=1.0, epochs=300) gives weights
    that classify at least 95% of held-out points correctly (ŷ > 0.5), and the loss went down."""
    X, y = _separable(500, 200)
    X_test, y_test = _separable(501, 400)
    w, b, losses, what = _trained(learner, X, y, 1.0, 300)
    expect(w.shape == (2,), f"the w returned by {what} has shape {tuple(w.shape)}, expected (2,)", "accuracy-w-shape",
           kind="shape")
    accuracy = float(((X_test @ w.float() + b > 0).float() == y_test).float().mean())
    expect(accuracy >= ACCURACY, f"after {what}, the weights classify {accuracy:.1%} of 400 held-out points "
                                 f"correctly; a working gradient descent reaches {ACCURACY:.0%} or more",
           "accuracy-low", kind="value")
    expect(losses[-1] < losses[0], f"the loss after the last step of {what} ({losses[-1]:.4g}) is not below the loss "
                                   f"after the first ({losses[0]:.4g}): training does not descend", "loss-not-down")


def check_training_plot(learner):
    """train(..., plot_path=…) saves a PNG there showing the training (a loss curve, the boundary), not a blank
    image."""
    X, y = _separable(600, 60)
    path = scratch_dir() / "training.png"
    _trained(learner, X, y, 1.0, 20, str(path))
    expect_png(path, "the plot saved by train(..., plot_path='training.png')")
