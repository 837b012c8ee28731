"""Checks for mc-dropout. The grader's own network (Conv2d, BatchNorm2d with running statistics far from
0 and 1, ReLU, Dropout2d, and a sub-module holding a Linear, a BatchNorm1d and a Dropout) is built next to the
learner's code from weights sent from here; an observer calls mc_predict on it with hooks that record the
mode of every BatchNorm and Dropout at each forward call, and brings back the samples, the modes and the
BatchNorm buffers. The grader judges: shapes, probabilities, the mean, exact values without dropout
(against its own eval-mode pass), passes that differ, BatchNorm in eval and untouched, every dropout on,
the model's modes restored (uniform, and mixed module by module), no graph; then the histogram's counts and
its PNG."""
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.artifacts import expect_png
from torchdojo.grading.expect import (CheckFailed, expect, expect_close, expect_shape, observer, requires_grad, rng,
                                      scratch_dir, seeded)

SIDE, CHANNELS, HIDDEN, CLASSES, N = 6, 8, 16, 10, 6  # images (N, 1, 6, 6)


class _Block(nn.Module):
    """A sub-module with its own BatchNorm and Dropout: model.children() does not reach them."""

    def __init__(self, p: float):
        super().__init__()
        self.linear = nn.Linear(CHANNELS * SIDE * SIDE, HIDDEN)
        self.bn, self.drop = nn.BatchNorm1d(HIDDEN), nn.Dropout(p)

    def forward(self, x):
        return self.drop(torch.relu(self.bn(self.linear(x.flatten(1)))))


class _Net(nn.Module):
    """Conv2d, BatchNorm2d, ReLU, Dropout2d (not an nn.Dropout: both derive from _DropoutNd), then the block
    (Linear, BatchNorm1d, ReLU, Dropout) and a Linear head."""

    def __init__(self, p: float):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, CHANNELS, 3, padding=1), nn.BatchNorm2d(CHANNELS), nn.ReLU())
        self.drop = nn.Dropout2d(p)
        self.block = _Block(p)
        self.head = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        return self.head(self.block(self.drop(self.stem(x))))


def _state(seed: int) -> dict:
    """Weights and running statistics of a 'trained' network: BatchNorm's running mean and variance far
    from a batch's own, so eval mode and train mode give clearly different outputs."""
    generator = rng(seed)
    with torch.random.fork_rng(devices=[]):  # the grader's global RNG is left alone
        torch.manual_seed(seed)
        net = _Net(0.0)
    state = net.state_dict()
    for key, value in state.items():
        if key.endswith("running_mean"):
            state[key] = torch.randn(value.shape, generator=generator) * 2
        elif key.endswith("running_var"):
            state[key] = torch.rand(value.shape, generator=generator) * 3 + 0.5
        elif key.endswith("num_batches_tracked"):
            state[key] = torch.tensor(500)
    return {k: v.clone() for k, v in state.items()}


def _inputs(seed: int, n: int = N) -> torch.Tensor:
    return torch.randn(n, 1, SIDE, SIDE, generator=rng(seed)) * 1.5


@observer
def _mc(learner, p: float, state: dict, x: torch.Tensor, passes, start_training: bool,
        flipped: tuple = ()) -> dict:
    """Runs next to the learner's code: build the network, put it in train or eval mode (the modules named in
    `flipped`, and theirs, in the other mode), call mc_predict(model, x[, passes]) with hooks recording each
    BatchNorm's and Dropout's mode at every call."""
    model = _Net(p)
    model.load_state_dict(state)
    model.train(start_training)
    for name in flipped:
        model.get_submodule(name).train(not start_training)
    buffers = {k: v.clone() for k, v in model.state_dict().items() if "running" in k or "num_batches" in k}
    seen: dict[str, set] = {}
    handles = []
    for name, module in model.named_modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.Dropout, nn.Dropout2d)):
            handles.append(module.register_forward_pre_hook(
                lambda m, args, name=name: seen.setdefault(name, set()).add(bool(m.training))))
    before = {name: m.training for name, m in model.named_modules()}
    try:
        out = learner.mc_predict(model, x) if passes is None else learner.mc_predict(model, x, passes)
    finally:
        for handle in handles:
            handle.remove()
    after = {name: m.training for name, m in model.named_modules()}
    now = model.state_dict()
    if not (isinstance(out, (tuple, list)) and len(out) == 2 and all(isinstance(t, torch.Tensor) for t in out)):
        return {"bad": f"mc_predict returned a {type(out).__name__}, expected the pair (mean, samples) of tensors"}
    return {"mean": out[0], "samples": out[1],
            "modes": {name: sorted(flags) for name, flags in seen.items()},
            "changed_buffers": sorted(k for k, v in buffers.items() if not torch.equal(v, now[k])),
            "mode_changed": sorted(name or "model" for name in before if before[name] != after.get(name))}


def _run(learner, p: float = 0.5, passes=100, seed: int = 0, start_training: bool = False, what: str = "",
         flipped: tuple = ()) -> dict:
    label = what or f"mc_predict(model, x{'' if passes is None else f', passes={passes}'})"
    with seeded(seed):  # the dropout masks: the same at every grading, so a failure is recognised as the same one
        got = _mc.labelled(label, learner, p, _state(seed), _inputs(seed + 100), passes, start_training, flipped)
    expect("bad" not in got, got.get("bad", ""), "returns", kind="type")
    return got


def _expected_eval(seed: int) -> torch.Tensor:
    """The grader's own pass: the network in eval mode (BatchNorm on running statistics, no dropout)."""
    model = _Net(0.0)
    model.load_state_dict(_state(seed))
    model.eval()
    with torch.no_grad():
        return F.softmax(model(_inputs(seed + 100)), dim=-1)


def check_shapes(learner):
    """mc_predict(model, x, passes) returns (mean, samples): mean (N, C) and samples (passes, N, C), float32;
    passes defaults to 100."""
    for passes, expected in ((7, 7), (None, 100)):
        got = _run(learner, passes=passes)
        call = f"mc_predict(model, x of shape ({N}, 1, {SIDE}, {SIDE}){'' if passes is None else f', passes={passes}'})"
        expect_shape(got["samples"], (expected, N, CLASSES), what=f"the samples of {call}")
        expect_shape(got["mean"], (N, CLASSES), what=f"the mean of {call}")
        for key in ("samples", "mean"):
            expect(got[key].dtype == torch.float32, f"the {key} of {call} are {got[key].dtype}, expected float32",
                   f"dtype:{key}:{got[key].dtype}", kind="dtype")


def check_probabilities(learner):
    """Each pass gives probabilities: every entry in [0, 1] and each row sums to 1 over the classes (the softmax
    runs over the class dimension, not the batch or the passes)."""
    got = _run(learner, passes=20, seed=1)
    samples = got["samples"]
    expect_shape(samples, (20, N, CLASSES), what="the samples of mc_predict(model, x, passes=20)")
    expect(bool(((samples >= 0) & (samples <= 1)).all()), "some samples are outside [0, 1]: they are not "
                                                          "probabilities (logits, or log_softmax?)", "range",
           kind="value")
    sums = samples.sum(dim=-1)
    worst = float((sums - 1).abs().max())
    expect(worst < 1e-4, f"the probabilities of a pass do not sum to 1 over the classes (worst row sums to "
                         f"{float(sums.flatten()[(sums - 1).abs().argmax()]):.4g}): take the softmax over the last "
                         "dimension (the classes), not over the images or the passes", "sums", kind="value")


def check_mean_of_probabilities(learner):
    """mean is the average over the passes of the probabilities, samples.mean(0): the MC estimate of the
    predictive distribution (not the softmax of the average logits)."""
    got = _run(learner, passes=30, seed=2)
    expect_shape(got["samples"], (30, N, CLASSES), what="the samples of mc_predict(model, x, passes=30)")
    try:
        expect_close(got["mean"], got["samples"].mean(dim=0), what="mean, compared with the average of your samples "
                     "over the passes", rtol=1e-5, atol=1e-6)
    except CheckFailed as failed:  # the values depend on the dropout masks: recognise the mistake by its kind
        raise CheckFailed(failed.message, "mean:not-the-average", failed.kind) from None


def check_exact_without_dropout(learner):
    """With dropout rate 0, every pass equals the network's eval-mode prediction computed by the grader:
    BatchNorm normalises with its running statistics, softmax over the classes."""
    got = _run(learner, p=0.0, passes=5, seed=3)
    expected = _expected_eval(3)
    expect_shape(got["samples"], (5, N, CLASSES), what="the samples of mc_predict(model with p=0, x, passes=5)")
    for k in range(5):
        expect_close(got["samples"][k], expected, what=f"pass {k} with dropout rate 0 (it must equal the eval-mode "
                     "softmax: BatchNorm on its running statistics)", rtol=1e-4, atol=1e-6)


def check_passes_differ(learner):
    """With dropout on (p = 0.5), the 100 passes are stochastic: at least 95 of them differ from each other
    (a new dropout mask at every pass)."""
    got = _run(learner, passes=100, seed=4)
    samples = got["samples"]
    expect_shape(samples, (100, N, CLASSES), what="the samples of mc_predict(model, x, passes=100)")
    distinct = len({tuple(row) for row in samples.reshape(100, -1).mul(1e5).round().long().tolist()})
    expect(distinct >= 95, f"only {distinct} of the 100 passes differ: dropout is not active at inference (is the "
                           "model in eval mode everywhere?), or every pass reuses the same mask (a seed set inside "
                           "the loop)", "identical" if distinct == 1 else "few-distinct", kind="value")


def check_batchnorm_in_eval(learner):
    """During the passes every BatchNorm layer is in eval mode, and its running mean, variance and count are
    left unchanged (a model in train mode would normalise with each batch and update them)."""
    got = _run(learner, passes=10, seed=5, start_training=True)
    bn = {name: flags for name, flags in got["modes"].items() if name.endswith("bn") or name == "stem.1"}
    training = sorted(name for name, flags in bn.items() if True in flags)
    expect(not training, f"BatchNorm layers {training} ran in training mode during the passes: they normalise with "
                         "the batch's own statistics, and every pass updates the running statistics; put the model "
                         "in eval mode, then switch only the dropout layers back on", "bn-training", kind="state")
    expect(not got["changed_buffers"], f"the BatchNorm buffers {got['changed_buffers']} changed during mc_predict: "
                                       "inference must leave a trained model's statistics alone",
           "bn-buffers", kind="state")


def check_every_dropout_on(learner):
    """During the passes every dropout layer is in training mode, also those inside sub-modules (walk
    model.modules(), not model.children())."""
    got = _run(learner, passes=10, seed=6)
    drops = {name: flags for name, flags in got["modes"].items() if name.endswith("drop")}
    off = sorted(name for name, flags in drops.items() if False in flags)
    expect(len(drops) == 2, f"the dropout layers ran {len(drops)} of 2 times: mc_predict did not call the model",
           "dropout-not-called", kind="state")
    expect(not off, f"the dropout layers {off} were in eval mode during the passes, so they did nothing: switch on "
                    "every dropout module, of every dropout class (nn.Dropout, nn.Dropout2d, ...: all derive from "
                    "nn.modules.dropout._DropoutNd), including those nested in sub-modules (model.modules() walks "
                    "the whole tree)", f"dropout-off:{off}", kind="state")


def check_model_mode_restored(learner):
    """mc_predict leaves the model in the mode it found it in, every sub-module included (in train mode and in
    eval mode): a later plain evaluation must not be random."""
    for start in (False, True):
        got = _run(learner, passes=3, seed=7, start_training=start)
        changed = got["mode_changed"]
        expect(not changed, f"after mc_predict on a model in {'train' if start else 'eval'} mode, the modes of "
                            f"{changed[:4]} changed: remember each module's .training before and restore it after",
               f"mode-changed:{start}", kind="state")


def check_mixed_modes_restored(learner):
    """mc_predict restores each module's own mode, not just the top-level one: a train-mode model with a
    BatchNorm frozen in eval mode, and an eval-mode model with one sub-module in train mode, come back with
    every module exactly as before."""
    cases = ((True, ("stem.1",), "a train-mode model whose BatchNorm2d stem.1 is frozen in eval mode"),
             (False, ("block",), "an eval-mode model whose sub-module block (Linear, BatchNorm1d, Dropout) is in "
                                 "train mode"))
    for start, flipped, what in cases:
        got = _run(learner, passes=3, seed=12, start_training=start, flipped=flipped)
        changed = got["mode_changed"]
        expect(not changed, f"after mc_predict on {what}, the modes of {changed[:4]} changed: putting back only the "
                            "model's own mode (model.train(was)) sets every sub-module to that one mode; remember "
                            "each module's .training before the passes and restore each one "
                            "(module.training = saved[module])", f"mixed-mode-changed:{start}", kind="state")


def check_no_graph(learner):
    """The passes run without autograd (torch.no_grad()): the samples and the mean do not require grad, so 100
    passes do not keep 100 graphs in memory."""
    got = _run(learner, passes=4, seed=8)
    graphs = [key for key in ("samples", "mean") if requires_grad(got[key])]
    expect(not graphs, f"the {' and the '.join(graphs)} returned by mc_predict require grad: every pass built an "
                       "autograd graph; run them under torch.no_grad()", "graph", kind="detached")


def _votes_probabilities(seed: int, passes: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    """MC samples for one image whose argmax per pass is drawn from a skewed distribution; the counts."""
    generator = rng(seed)
    weights = torch.tensor([0.02, 0.05, 0.03, 0.45, 0.05, 0.25, 0.05, 0.04, 0.03, 0.03])
    votes = torch.multinomial(weights, passes, replacement=True, generator=generator)
    probs = torch.rand(passes, CLASSES, generator=generator) * 0.5
    probs[torch.arange(passes), votes] += 1.0
    probs = probs / probs.sum(1, keepdim=True)
    return probs, torch.bincount(votes, minlength=CLASSES)


NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def check_histogram_counts(learner):
    """class_histogram(samples, path) for one image's samples (passes, C) returns how many passes vote for each
    class (the argmax of each pass): an int64 tensor (C,) that sums to the number of passes."""
    for seed, passes, names in ((9, 100, None), (10, 37, NAMES)):
        probs, expected = _votes_probabilities(seed, passes)
        path = str(scratch_dir() / f"histogram_{seed}.png")
        counts = learner.class_histogram(probs, path) if names is None else learner.class_histogram(probs, path,
                                                                                                      names)
        what = f"class_histogram(samples of shape ({passes}, {CLASSES}), path)"
        expect(isinstance(counts, torch.Tensor), f"{what} returned a {type(counts).__name__}, expected a tensor",
               "counts:type", kind="type")
        expect_shape(counts, (CLASSES,), what=f"the counts of {what}")
        expect(counts.dtype == torch.int64, f"the counts of {what} are {counts.dtype}: counts of votes are "
                                            "integers (torch.bincount of the argmax), not averaged probabilities",
               f"counts:dtype:{counts.dtype}", kind="dtype")
        expect(torch.equal(counts, expected), f"the counts of {what} are {counts.tolist()}, expected "
                                              f"{expected.tolist()} (the argmax of each pass, over the classes)",
               "counts:values", kind="value")


def check_histogram_png(learner):
    """class_histogram saves the bar chart as a PNG at the path it is given: a real image, at least 300×200
    pixels, not blank."""
    probs, _ = _votes_probabilities(11)
    path = scratch_dir() / "mc_histogram.png"
    learner.class_histogram(probs, str(path), NAMES)
    expect_png(path, "the class histogram", min_size=(300, 200))

