"""One loop for both methods (plain descent is momentum with β = 0), the velocity updated in place on a
private buffer, and the restarts' best chosen with min over (f, index) pairs; a two-panel figure."""
import torch


def _descend(grad, x0, lr, beta, steps):
    x = x0.detach().clone()
    v = torch.zeros_like(x)
    points = [x.clone()]
    for _ in range(steps):
        v.mul_(beta).add_(grad(x))
        x = x - lr * v
        points.append(x)
    return torch.stack(points)


def gradient_descent(grad, x0, lr, steps):
    return _descend(grad, x0, lr, 0.0, steps)


def momentum(grad, x0, lr, beta, steps):
    return _descend(grad, x0, lr, beta, steps)


def random_restarts(f, grad, low, high, n, lr, steps, seed):
    rng = torch.Generator().manual_seed(seed)
    starts = torch.rand(n, low.numel(), generator=rng, dtype=low.dtype) * (high - low) + low
    finals = torch.stack([gradient_descent(grad, s, lr, steps)[-1] for s in starts])
    _, i = min((float(f(x)), i) for i, x in enumerate(finals))
    return finals[i], starts, finals


def plot_landscape(f, low, high, paths, plot_path):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    xs = torch.linspace(low, high, 500, dtype=torch.float64)[:, None]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True)
    top.plot(xs[:, 0], [float(f(x)) for x in xs])
    for name, path in paths.items():
        top.plot(path[:, 0], [float(f(p)) for p in path], ".", label=name)
        bottom.plot(path[:, 0], range(len(path)), label=name)
    bottom.set_ylabel("step")
    top.legend()
    fig.savefig(plot_path)
    plt.close(fig)
