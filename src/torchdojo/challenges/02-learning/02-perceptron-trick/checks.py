"""Checks for perceptron-trick: the prediction (z = 0 counts as 1), one epoch of the perceptron rule
against the grader's own pass (point by point, in order, with the learning rate, the bias too, inputs
untouched), a whole training run equal to the grader's epoch by epoch, convergence to zero training
errors on separable 2-D data the grader generates with held-out accuracy measured here, and a real PNG
of the boundary moving over the epochs."""
import matplotlib.backends.backend_agg  # noqa: F401 - imported before the learner's process forks (see
import matplotlib.figure  # noqa: F401 - gradient-descent's checks): its plot then costs no import
import torch

from torchdojo.grading.artifacts import expect_png
from torchdojo.grading.expect import expect, expect_close, expect_tensor, randn, rng, scratch_dir

EPOCHS = 25  # for convergence: the reference converges in 9 on this data
HELD_OUT = 0.95


def _step(X: torch.Tensor, w: torch.Tensor, b) -> torch.Tensor:
    return (X @ w + b >= 0).to(X.dtype)


def _epoch(X, y, w, b, lr):
    """The perceptron rule, here: point by point, in order."""
    for x_i, y_i in zip(X, y):
        error = y_i - _step(x_i, w, b)
        w, b = w + lr * error * x_i, b + lr * error
    return w, b


def _separable(seed: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """2-D points in [−1, 3]² labelled by the line x0 + 0.6·x1 = 2 (far from the origin: the bias matters),
    none closer than 0.15 to it."""
    generator = rng(seed)
    X = torch.rand(4 * n, 2, generator=generator) * 4 - 1
    score = X @ torch.tensor([1.0, 0.6]) - 2.0
    keep = score.abs() > 0.15
    return X[keep][:n], (score[keep][:n] > 0).float()


def _pair(got, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{what} should return the pair (w, b), got "
           f"{type(got).__name__}", f"pair:{what}", kind="type")
    w, b = got
    expect_tensor(w, f"the w returned by {what}")
    expect(isinstance(b, (int, float)) or (isinstance(b, torch.Tensor) and b.numel() == 1),
           f"the b returned by {what} should be a number or a 0-dim tensor, got {type(b).__name__}",
           f"pair-b:{what}", kind="type")
    return w, torch.as_tensor(b, dtype=w.dtype).reshape(())


def _trained(learner, X, y, lr, epochs, plot_path=None):
    what = f"train(X of shape {tuple(X.shape)}, y, lr={lr}, epochs={epochs})"
    got = learner.train(X, y, lr, epochs) if plot_path is None else learner.train(X, y, lr, epochs, plot_path)
    expect(isinstance(got, (tuple, list)) and len(got) == 3, f"{what} should return (w, b, history), got "
           f"{type(got).__name__}", "train-form", kind="type")
    w, b = _pair(got[:2], what)
    history = got[2]
    expect(isinstance(history, (list, tuple)) and len(history) == epochs,
           f"the history returned by {what} should hold {epochs} (w, b) pairs, one per epoch", "history-form",
           kind="type")
    return w, b, [_pair(h, f"history[{i}] of {what}") for i, h in enumerate(history)], what


def check_predict(learner):
    """predict(X, w, b) is step(Xw + b) as 0.0/1.0 floats, a point exactly on the line counting as 1, for a batch
    and for a single point."""
    X, w, b = randn(rng(1), 10, 3), randn(rng(2), 3), randn(rng(3))
    expect_close(learner.predict(X, w, b), _step(X, w, b), what="predict(X of shape (10, 3), w, b)", rtol=0, atol=0)
    on_line = torch.tensor([[2.0, 1.0], [0.0, 0.5], [1.0, 3.0]])  # with w = (1, −2), b = 0: z = 0, −1, −5
    expect_close(learner.predict(on_line, torch.tensor([1.0, -2.0]), torch.tensor(0.0)), torch.tensor([1.0, 0.0, 0.0]),
                 what="predict(X, w=(1, −2), b=0) where the first point lies exactly on the line", rtol=0, atol=0)
    expect_close(learner.predict(X[4], w, b), _step(X[4], w, b), what="predict(x of shape (3,), w, b)", rtol=0, atol=0)


def check_epoch_follows_the_rule(learner):
    """perceptron_epoch(X, y, w, b, lr) returns the (w, b) of the grader's own pass, from random weights on
    random labels (many mistakes, both ways), with lr = 0.3 and 0.05, in 3-D; your w and b are left unchanged."""
    for seed, lr in enumerate((0.3, 0.05)):
        X, y = randn(rng(10 + seed), 15, 3), torch.rand(15, generator=rng(20 + seed)).round()
        w, b = randn(rng(30 + seed), 3), randn(rng(40 + seed))
        what = f"perceptron_epoch(X of shape (15, 3), y, w, b, lr={lr})"
        got_w, got_b = _pair(learner.perceptron_epoch(X, y, w, b, lr), what)
        expected_w, expected_b = _epoch(X, y, w, b, lr)
        expect_close(got_w, expected_w, what=f"the w after {what}", rtol=1e-5, atol=1e-5)
        expect_close(got_b, expected_b, what=f"the b after {what}", rtol=1e-5, atol=1e-5)


def check_point_by_point(learner):
    """The points are visited in order and each sees the line the previous one moved: after (1, 1) with label 0
    pushes the line away, (1, 0) with label 0 is already right and changes nothing."""
    X, y = torch.tensor([[1.0, 1.0], [1.0, 0.0]]), torch.tensor([0.0, 0.0])
    what = "perceptron_epoch(X=[[1, 1], [1, 0]], y=[0, 0], w=0, b=0, lr=1)"
    got_w, got_b = _pair(learner.perceptron_epoch(X, y, torch.zeros(2), torch.zeros(()), 1.0), what)
    expect_close(torch.cat([got_w.reshape(-1), got_b.reshape(1)]), torch.tensor([-1.0, -1.0, -1.0]),
                 what=f"(w0, w1, b) after {what}")


def check_train_follows_the_rule(learner):
    """train(X, y, lr, epochs) starts from w = 0, b = 0 and its history holds the (w, b) of the grader's own run
    after every epoch (on labels no line separates, so the line keeps moving)."""
    X, y = randn(rng(50), 12, 2), torch.rand(12, generator=rng(51)).round()
    w, b, history, what = _trained(learner, X, y, 0.2, 4)
    expected_w, expected_b = torch.zeros(2), torch.zeros(())
    for epoch, (got_w, got_b) in enumerate(history, start=1):
        expected_w, expected_b = _epoch(X, y, expected_w, expected_b, 0.2)
        expect_close(torch.cat([got_w.reshape(-1), got_b.reshape(1)]), torch.cat([expected_w, expected_b.reshape(1)]),
                     what=f"(w0, w1, b) after epoch {epoch} of {what}", rtol=1e-5, atol=1e-5)
    expect_close(torch.cat([w.reshape(-1), b.reshape(1)]), torch.cat([expected_w, expected_b.reshape(1)]),
                 what=f"the (w0, w1, b) returned by {what}", rtol=1e-5, atol=1e-5)


def check_converges_and_separates(learner):
    """On separable 2-D data whose line is far from the origin, train(X, y, lr=0.1, epochs=25) ends with zero
    training errors, and at least 95% of 400 held-out points are on the right side (both counted by the grader)."""
    X, y = _separable(1, 100)
    X_test, y_test = _separable(101, 400)
    w, b, _, what = _trained(learner, X, y, 0.1, EPOCHS)
    expect(tuple(w.shape) == (2,), f"the w returned by {what} has shape {tuple(w.shape)}, expected (2,)",
           "converge-w-shape", kind="shape")
    errors = int((_step(X, w.float(), b.float()) != y).sum())
    expect(errors == 0, f"after {what}, {errors} of {len(y)} training points are still misclassified: on separable "
           "data the perceptron algorithm reaches zero errors (here in under 10 epochs)", "not-converged")
    accuracy = float((_step(X_test, w.float(), b.float()) == y_test).float().mean())
    expect(accuracy >= HELD_OUT, f"after {what}, only {accuracy:.1%} of 400 held-out points are classified right; "
           f"a separating line from the perceptron algorithm gets {HELD_OUT:.0%} or more", "held-out-low")


def check_boundary_plot(learner):
    """train(..., plot_path=…) saves a real PNG (at least 200×150 pixels, not blank) of the points and the boundary
    over the epochs."""
    X, y = _separable(2, 60)
    path = scratch_dir() / "boundary.png"
    _trained(learner, X, y, 0.1, 8, str(path))
    expect_png(path, "the plot saved by train(..., plot_path='boundary.png')")
