"""Checks for local-minima: gradient descent and momentum trajectories against the update rules run
by the grader (a 2-D bowl and a bumpy 1-D landscape the grader chooses), momentum carrying x over the
bump where plain gradient descent stays in a shallow dip, random restarts (distinct, reproducible
starts in the box, one run from each equal to the grader's, the best end point by f over several n and
seeds, the global RNG left alone), restarts finding the global minimum that one run misses, and a real
PNG of the landscape with the paths. The learner's
functions receive f and ∇f from an observer, built next to their code from this file."""
import matplotlib.backends.backend_agg  # noqa: F401 - imported before the learner's process forks, so the
import matplotlib.figure  # noqa: F401 - plot costs no import there (see gradient-descent's checks)
import torch

from torchdojo.grading.artifacts import expect_png
from torchdojo.grading.expect import CheckFailed, expect, expect_close, expect_tensor, observer, scratch_dir

# The bumpy landscape: a wide bowl with a deep dip on the left (the global minimum) and a shallow one
# on the right. Started at x = 5, plain gradient descent settles in the shallow dip; momentum (β = 0.9)
# rolls through it and over the bump into the deep one.
BOWL = 0.05
DIPS = ((-2.0, -3.0, 0.8), (3.0, -0.8, 0.35))  # (centre, depth, width)
START, LR, STEPS, BETA = 5.0, 0.1, 300, 0.9
BOX = (-6.0, 6.0)
CURVATURES = (1.0, 8.0)  # the 2-D bowl ½·(x0² + 8·x1²): a narrow valley, where momentum overshoots
TOLERANCE = dict(rtol=1e-5, atol=1e-6)


def _bumpy(x: torch.Tensor) -> torch.Tensor:
    return BOWL * (x * x).sum(-1) + sum(c * torch.exp(-((x - m) ** 2).sum(-1) / (2 * s * s)) for m, c, s in DIPS)


def _bumpy_grad(x: torch.Tensor) -> torch.Tensor:
    return 2 * BOWL * x + sum(c * torch.exp(-((x - m) ** 2).sum(-1, keepdim=True) / (2 * s * s)) * (-(x - m) / (s * s))
                              for m, c, s in DIPS)


def _bowl(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * (torch.tensor(CURVATURES, dtype=x.dtype) * x * x).sum(-1)


def _bowl_grad(x: torch.Tensor) -> torch.Tensor:
    return torch.tensor(CURVATURES, dtype=x.dtype) * x


LANDSCAPES = {"bumpy": (_bumpy, _bumpy_grad), "bowl": (_bowl, _bowl_grad)}


@observer
def _descend(fn, landscape: str, x0: torch.Tensor, *settings):
    """Next to the learner's code: fn(grad, x0, *settings) with the landscape's ∇f."""
    return fn(LANDSCAPES[landscape][1], x0, *settings)


@observer
def _restart(fn, landscape: str, low: torch.Tensor, high: torch.Tensor, *settings):
    """Next to the learner's code: fn(f, grad, low, high, *settings) with the landscape's f and ∇f."""
    f, grad = LANDSCAPES[landscape]
    return fn(f, grad, low, high, *settings)


@observer
def _restart_rng(fn, landscape: str, low: torch.Tensor, high: torch.Tensor, *settings) -> bool:
    """Next to the learner's code: fn(f, grad, low, high, *settings), and whether the global RNG's state is the
    same afterwards (a torch.Generator of its own leaves it alone; torch.manual_seed does not)."""
    f, grad = LANDSCAPES[landscape]
    state = torch.random.get_rng_state()
    fn(f, grad, low, high, *settings)
    return bool(torch.equal(torch.random.get_rng_state(), state))


@observer
def _plot(fn, low: float, high: float, paths: dict, path: str):
    return fn(_bumpy, low, high, paths, path)


def _gd(grad, x0, lr, steps):
    x, path = x0.clone(), [x0.clone()]
    for _ in range(steps):
        x = x - lr * grad(x)
        path.append(x)
    return torch.stack(path)


def _momentum(grad, x0, lr, beta, steps):
    x, v, path = x0.clone(), torch.zeros_like(x0), [x0.clone()]
    for _ in range(steps):
        v = beta * v + grad(x)
        x = x - lr * v
        path.append(x)
    return torch.stack(path)


def _global_minimum() -> torch.Tensor:
    """Found here: the lowest point of a fine grid over the box, polished by gradient descent."""
    xs = torch.linspace(*BOX, 12001, dtype=torch.float64).reshape(-1, 1)
    return _gd(_bumpy_grad, xs[torch.argmin(_bumpy(xs))], 0.05, 500)[-1]


def _x(value: float) -> torch.Tensor:
    return torch.tensor([value], dtype=torch.float64)


def _trajectory(learner, name: str, landscape: str, x0: torch.Tensor, *args) -> tuple[torch.Tensor, str]:
    what = f"{name}(grad, x0={x0.tolist()}, {', '.join(map(str, args))}) on the {landscape} landscape"
    got = _descend.labelled(what, getattr(learner, name), landscape, x0, *args)
    expect_tensor(got, what)
    steps = args[-1]
    expect(tuple(got.shape) == (steps + 1, len(x0)), f"{what} returned shape {tuple(got.shape)}, expected "
           f"({steps + 1}, {len(x0)}): the start, then the point after each of the {steps} steps",
           f"trajectory-shape:{name}", kind="shape")
    return got, what


def check_gradient_descent_follows_the_rule(learner):
    """gradient_descent(grad, x0, lr, steps) returns the start and every point of x ← x − lr·∇f(x), equal to
    the grader's run, on a 2-D bowl and on the bumpy landscape; x0 is left unchanged."""
    for landscape, x0, lr, steps in (("bowl", torch.tensor([2.0, -1.5], dtype=torch.float64), 0.2, 15),
                                     ("bumpy", _x(-4.5), LR, 40), ("bumpy", _x(START), LR, 40)):
        got, what = _trajectory(learner, "gradient_descent", landscape, x0, lr, steps)
        expect_close(got, _gd(LANDSCAPES[landscape][1], x0, lr, steps), what=what, **TOLERANCE)


def check_momentum_follows_the_rule(learner):
    """momentum(grad, x0, lr, β, steps) follows v ← β·v + ∇f(x), x ← x − lr·v from v = 0, equal to the grader's
    run, for β = 0.5 and 0.9 on a 2-D bowl and on the bumpy landscape (and β = 0 is plain gradient descent)."""
    for landscape, x0, lr, beta, steps in (("bowl", torch.tensor([2.0, -1.5], dtype=torch.float64), 0.1, 0.5, 15),
                                           ("bowl", torch.tensor([-1.0, 1.0], dtype=torch.float64), 0.1, 0.0, 10),
                                           ("bumpy", _x(START), LR, BETA, 60)):
        got, what = _trajectory(learner, "momentum", landscape, x0, lr, beta, steps)
        expect_close(got, _momentum(LANDSCAPES[landscape][1], x0, lr, beta, steps), what=what, **TOLERANCE)


def check_momentum_escapes_the_shallow_dip(learner):
    """From x = 5 (lr = 0.1, 300 steps), your gradient descent stops in the shallow dip near x = 3, and your
    momentum (β = 0.9) ends in the deep one, at the global minimum (within 0.05)."""
    target = _global_minimum()
    plain, _ = _trajectory(learner, "gradient_descent", "bumpy", _x(START), LR, STEPS)
    rolled, what = _trajectory(learner, "momentum", "bumpy", _x(START), LR, BETA, STEPS)
    end = float(rolled[-1, 0])
    expect(abs(end - float(target[0])) < 0.05,
           f"{what} ends at x = {end:.3f} (f = {float(_bumpy(rolled[-1])):.3f}), not at the global minimum "
           f"x = {float(target[0]):.3f} (f = {float(_bumpy(target)):.3f}): with β = 0.9 the velocity built up on "
           "the slope carries x over the bump; does your velocity survive from one step to the next?",
           "momentum-stuck")
    stuck = float(plain[-1, 0])
    expect(abs(stuck - 2.955) < 0.05, f"gradient_descent(grad, x0=[5.0], {LR}, {STEPS}) ends at x = {stuck:.3f}, "
           "not in the shallow dip near x = 2.955 where plain gradient descent stops", "gd-not-stuck")


def _restarts(learner, n: int, seed: int, lr: float = LR, steps: int = STEPS, box: tuple = BOX):
    low, high = _x(box[0]), _x(box[1])
    what = f"random_restarts(f, grad, low=[{box[0]}], high=[{box[1]}], n={n}, lr={lr}, steps={steps}, seed={seed})"
    got = _restart.labelled(what, learner.random_restarts, "bumpy", low, high, n, lr, steps, seed)
    expect(isinstance(got, (tuple, list)) and len(got) == 3, f"{what} should return (best, starts, finals), got "
           f"{type(got).__name__}", "restarts-form", kind="type")
    best, starts, finals = (expect_tensor(v, f"{name} from {what}") for name, v in zip(("best", "starts", "finals"), got))
    for name, value, shape in (("starts", starts, (n, 1)), ("finals", finals, (n, 1)), ("best", best, (1,))):
        expect(tuple(value.shape) == shape, f"the {name} returned by {what} has shape {tuple(value.shape)}, expected "
               f"{shape}", f"restarts-shape:{name}", kind="shape")
    return best.double(), starts.double(), finals.double(), what


def check_restart_starts(learner):
    """random_restarts draws n distinct starts inside the box [low, high] (here [1.5, 4.5] and [−6, 6]), the same
    ones for the same seed and other ones for another seed."""
    box = (1.5, 4.5)
    _, starts, _, what = _restarts(learner, 8, seed=2, steps=5, box=box)
    inside = bool(((starts >= box[0]) & (starts <= box[1])).all())
    expect(inside, f"the starts returned by {what} leave the box [{box[0]}, {box[1]}]: {starts[:, 0].tolist()}; "
           "draw uniformly in it, low + (high − low)·U(0, 1)", "starts-outside")
    _, starts, _, what = _restarts(learner, 8, seed=3, steps=5)
    distinct = len({round(v, 9) for v in starts[:, 0].tolist()})
    expect(distinct == len(starts), f"{what} starts only {distinct} distinct point(s) out of {len(starts)}: "
           f"{starts[:, 0].tolist()}; seed one generator once and draw every start from it", "starts-repeat")
    _, again, _, _ = _restarts(learner, 8, seed=3, steps=5)
    expect(torch.equal(again, starts), f"{what} gives other starts when called again with the same seed: draw them "
           "from a torch.Generator seeded with `seed`", "starts-not-reproducible")
    _, other, _, _ = _restarts(learner, 8, seed=4, steps=5)
    expect(not torch.equal(other, starts), f"{what} gives the same starts for seed=3 and seed=4: use `seed`",
           "starts-ignore-seed")


def check_restart_runs(learner):
    """Each restart's final point is where the grader's gradient descent from that start (lr, steps) ends."""
    _, starts, finals, what = _restarts(learner, 6, seed=5, steps=60)
    expected = torch.stack([_gd(_bumpy_grad, start, LR, 60)[-1] for start in starts])
    expect_close(finals, expected, what=f"the finals returned by {what}, compared with gradient descent from each "
                 "of its starts", **TOLERANCE)


# (n, seed) settings, 60 steps: in (4, 8), (3, 2) and (5, 11) the start of lowest f does not lead to the final
# point of lowest f (choosing by f at the starts fails; first where the last run does end lowest, so the two
# mistakes fail apart); in (6, 6), (3, 2) and (5, 11) the last run does not end lowest. Several runs often end at
# the same point, so best is judged by its f, not by an index.
BEST_SETTINGS = ((4, 8), (6, 6), (3, 2), (5, 11))


def check_restart_best(learner):
    """best is one of the final points, and none has a lower f: the lowest end point over all the restarts (not the
    last run's, nor the one whose start was lowest), for several n and seeds."""
    for n, seed in BEST_SETTINGS:
        best, starts, finals, what = _restarts(learner, n, seed, steps=60)
        values = _bumpy(finals)
        among = bool(torch.isclose(finals, best, **TOLERANCE).all(-1).any())
        expect(among, f"the best returned by {what}, x = {float(best[0]):.4f}, is none of its final points "
               f"{[round(v, 4) for v in finals[:, 0].tolist()]}: return the end point of a run", "best-not-a-final")
        lowest = int(torch.argmin(values))
        gap = float(_bumpy(best) - values[lowest])
        if gap > 1e-6:
            by_start = int(torch.argmin(_bumpy(starts)))
            hint = (f" It is the end of the run from the start of lowest f (x = {float(starts[by_start, 0]):.3f}): "
                    "a low start can sit in a shallow dip while a higher one rolls into the deep one, so compare f at "
                    "the END points" if torch.isclose(finals[by_start], best, **TOLERANCE).all() else "")
            raise CheckFailed(f"the best returned by {what} is x = {float(best[0]):.4f} with f = {float(_bumpy(best)):.4f}, "
                              f"but the run from x = {float(starts[lowest, 0]):.3f} ends at x = "
                              f"{float(finals[lowest, 0]):.4f} with f = {float(values[lowest]):.4f}, lower (f of the "
                              f"finals: {[round(v, 3) for v in values.tolist()]}).{hint}",
                              f"best-not-lowest:{n}:{seed}:{'by-start' if hint else 'other'}")


def check_restarts_leave_the_global_rng(learner):
    """random_restarts draws its starts from a torch.Generator of its own: the global RNG's state is the same after
    the call (torch.manual_seed would reseed everything else the caller draws)."""
    what = "random_restarts(f, grad, low=[-6.0], high=[6.0], n=4, lr=0.1, steps=5, seed=3)"
    untouched = _restart_rng.labelled(what, learner.random_restarts, "bumpy", _x(BOX[0]), _x(BOX[1]), 4, LR, 5, 3)
    expect(untouched is True, f"{what} changes the global random state (torch.manual_seed or a draw without "
           "generator=...): it reseeds the caller's dropout, shuffling and weight init; create "
           "g = torch.Generator().manual_seed(seed) and pass generator=g to torch.rand", "restarts-global-rng")


def check_restarts_find_the_global_minimum(learner):
    """One run from x = 5 misses the global minimum; random_restarts with n = 10 in [−6, 6] (lr = 0.1, 300 steps)
    finds it (within 0.05)."""
    target = _global_minimum()
    best, starts, _, what = _restarts(learner, 10, seed=0)
    expect(abs(float(best[0]) - float(target[0])) < 0.05,
           f"{what} returns x = {float(best[0]):.3f} (f = {float(_bumpy(best)):.3f}), not the global minimum "
           f"x = {float(target[0]):.3f} (f = {float(_bumpy(target)):.3f}), although its starts "
           f"{[round(v, 2) for v in starts[:, 0].tolist()]} cover the box", "restarts-miss-global")


def check_landscape_plot(learner):
    """plot_landscape(f, low, high, paths, plot_path) saves a real PNG (at least 200×150 pixels, not blank) of the
    curve with the paths of gradient descent, momentum and the restarts' runs."""
    paths = {"gradient descent": _gd(_bumpy_grad, _x(START), LR, 80),
             "momentum": _momentum(_bumpy_grad, _x(START), LR, BETA, 80),
             "restart from -4.5": _gd(_bumpy_grad, _x(-4.5), LR, 80)}
    path = scratch_dir() / "landscape.png"
    _plot.labelled("plot_landscape(f, -6, 6, paths, 'landscape.png')", learner.plot_landscape, BOX[0], BOX[1], paths,
                   str(path))
    expect_png(path, "the plot saved by plot_landscape(f, -6, 6, paths, 'landscape.png')")
