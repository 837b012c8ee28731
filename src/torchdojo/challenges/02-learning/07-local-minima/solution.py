"""Escaping local minima: plain gradient descent, gradient descent with momentum, and random restarts."""
import torch


def gradient_descent(grad, x0: torch.Tensor, lr: float, steps: int) -> torch.Tensor:
    # x ← x − lr·∇f(x), `steps` times. The trajectory keeps the start and every point after it: (steps + 1, d).
    x = x0.clone()  # a copy: x0 is the caller's tensor
    path = [x]
    for _ in range(steps):
        x = x - lr * grad(x)  # a new tensor each step, so the points already in `path` stay as they were
        path.append(x)
    return torch.stack(path)


def momentum(grad, x0: torch.Tensor, lr: float, beta: float, steps: int) -> torch.Tensor:
    # The velocity is a running sum of past gradients, each older one weighted by another factor β:
    #   v ← β·v + ∇f(x),   x ← x − lr·v,   from v = 0 (torch.optim.SGD's convention, dampening 0).
    # Rolling down a long slope, v grows up to 1/(1 − β) times the gradient (10× for β = 0.9): enough speed
    # to carry x over a small bump that stops plain gradient descent in a shallow dip.
    x = x0.clone()
    v = torch.zeros_like(x0)  # created once, before the loop: the velocity is what carries over between steps
    path = [x]
    for _ in range(steps):
        v = beta * v + grad(x)
        x = x - lr * v
        path.append(x)
    return torch.stack(path)


def random_restarts(f, grad, low: torch.Tensor, high: torch.Tensor, n: int, lr: float, steps: int,
                    seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    # n starting points drawn uniformly in the box [low, high] from ONE generator seeded once: reproducible
    # (same seed, same starts) and all different from each other. Seeding again before each draw would
    # give n copies of the same point.
    generator = torch.Generator().manual_seed(seed)
    starts = low + (high - low) * torch.rand(n, low.shape[0], generator=generator, dtype=low.dtype)
    # Plain gradient descent from each start; each run ends in the minimum of the basin it started in.
    finals = torch.stack([gradient_descent(grad, start, lr, steps)[-1] for start in starts])
    # The answer is the best END point over all runs, judged by f itself, not the last run's.
    values = torch.stack([f(x) for x in finals])
    best = finals[torch.argmin(values)]
    return best, starts, finals


def plot_landscape(f, low: float, high: float, paths: dict, plot_path: str) -> None:
    # The 1-D loss curve and, on it, the points each method visited.
    import matplotlib
    matplotlib.use("Agg")  # into a file, no window
    import matplotlib.pyplot as plt

    xs = torch.linspace(low, high, 400, dtype=torch.float64).reshape(-1, 1)
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(xs[:, 0], torch.stack([f(x) for x in xs]), "k-", lw=1.5, label="f(x)")
    for name, path in paths.items():
        ys = torch.stack([f(x) for x in path])
        ax.plot(path[:, 0], ys, "o-", ms=3, alpha=0.6, label=f"{name} ({len(path) - 1} steps)")
        ax.plot(path[-1, 0], ys[-1], "*", ms=14)  # where it ended
    ax.set(xlabel="x", ylabel="f(x)", title="local minima: gradient descent, momentum, restarts")
    ax.legend(fontsize=8)
    fig.savefig(plot_path)
    plt.close(fig)
