"""The trajectory preallocated with torch.empty and filled row by row; momentum written as
v ← β·v − lr·∇f, x ← x + v (the same rule for a fixed lr); restarts keep the best as they go."""
import torch


def gradient_descent(grad, x0, lr, steps):
    path = torch.empty(steps + 1, x0.shape[0], dtype=x0.dtype)
    path[0] = x0
    for t in range(steps):
        path[t + 1] = path[t] - lr * grad(path[t])
    return path


def momentum(grad, x0, lr, beta, steps):
    path = torch.empty(steps + 1, x0.shape[0], dtype=x0.dtype)
    path[0] = x0
    velocity = torch.zeros_like(x0)
    for t in range(steps):
        velocity = beta * velocity - lr * grad(path[t])
        path[t + 1] = path[t] + velocity
    return path


def random_restarts(f, grad, low, high, n, lr, steps, seed):
    g = torch.Generator()
    g.manual_seed(seed)
    u = torch.rand((n, len(low)), generator=g, dtype=low.dtype)
    starts = torch.lerp(low.expand(n, -1), high.expand(n, -1), u)
    finals = torch.empty_like(starts)
    best, best_value = None, float("inf")
    for i in range(n):
        finals[i] = gradient_descent(grad, starts[i], lr, steps)[-1]
        value = float(f(finals[i]))
        if value < best_value:
            best, best_value = finals[i].clone(), value
    return best, starts, finals


def plot_landscape(f, low, high, paths, plot_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    grid = torch.linspace(low, high, 300, dtype=torch.float64)
    plt.figure(figsize=(7, 4))
    plt.plot(grid.numpy(), [float(f(torch.tensor([v], dtype=torch.float64))) for v in grid], color="black")
    for name, path in paths.items():
        plt.scatter(path[:, 0].numpy(), [float(f(p)) for p in path], s=10, label=name)
    plt.legend()
    plt.savefig(plot_path)
    plt.close()
