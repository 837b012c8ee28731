"""Checks for mlp-by-list: the layers in the order they run (Linear sizes from the list, a BatchNorm
after each hidden Linear, nothing after the output layer), the output against the grader's own
forward pass from the model's Linear weights for every activation name and for module instances,
BatchNorm in train and eval mode (batch statistics, running averages), dropout's rate in train mode
and its absence in eval mode, each train-mode hidden output against activation(BatchNorm(Linear))
dropped or scaled by 1/(1-p) (the order of the block), the parameter count against the formula, make_fake_data (shapes,
dtypes, classes, reproducible from its seed without touching the global RNG), and a short training
run next to the learner's code after which the grader counts the fake data the network fits."""
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.expect import (CheckFailed, expect, expect_close, expect_module, expect_shape, observer, randn,
                                      rng, seeded)

# The grader's own activations, by the names the statement promises.
REFERENCE = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "gelu": F.gelu,
             "leaky_relu": F.leaky_relu, "elu": F.elu, "identity": lambda h: h}
# Modules given as activations (built next to the learner's code) and what they compute.
MODULES = {"LeakyReLU(0.2)": (lambda: nn.LeakyReLU(0.2), lambda h: F.leaky_relu(h, 0.2)),
           "Softplus(beta=2)": (lambda: nn.Softplus(beta=2.0), lambda h: F.softplus(h, beta=2.0)),
           "Hardtanh(-0.5, 0.5)": (lambda: nn.Hardtanh(-0.5, 0.5), lambda h: F.hardtanh(h, -0.5, 0.5))}


def _build(learner, sizes, activations, seed=0, **options):
    with seeded(seed):  # the learner's weight init draws from the global RNG
        return learner.MultiLayerPerceptron(list(sizes), list(activations), **options)


def _name(sizes, activations, **options) -> str:
    extra = "".join(f", {k}={v}" for k, v in options.items())
    return f"MultiLayerPerceptron({list(sizes)}, {list(activations)}{extra})"


@observer
def _build_with_modules(learner, sizes: list, names: list, seed: int):
    """Runs next to the learner's code: the model built with activation *modules* (not names)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return learner.MultiLayerPerceptron(sizes, [MODULES[n][0]() for n in names])


@observer
def _trace(model, x: torch.Tensor, train: bool) -> dict:
    """Runs next to the learner's code: one forward pass in train or eval mode with a hook on every leaf
    module; the leaves in the order they ran, each as plain facts (a Linear's weights and input, a
    BatchNorm's parameters and running averages after the pass, a Dropout's p), and the output."""
    model.train(train)
    ran, inputs = [], []
    leaves = [m for m in model.modules() if not list(m.children()) and m is not model]

    def seen(module, args, output) -> None:  # returns None: a hook's return value would replace the output
        ran.append(module)
        inputs.append(args[0].detach().clone())

    handles = [m.register_forward_hook(seen) for m in leaves]
    try:
        with torch.no_grad():
            output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    layers = []
    for module, received in zip(ran, inputs):
        facts = {"type": type(module).__name__, "kind": "other"}
        if isinstance(module, nn.Linear):
            facts.update(kind="linear", sizes=[module.in_features, module.out_features], input=received,
                         weight=module.weight.detach().clone(),
                         bias=None if module.bias is None else module.bias.detach().clone())
        elif isinstance(module, nn.modules.batchnorm._BatchNorm):
            facts.update(kind="batchnorm", features=module.num_features, eps=module.eps, momentum=module.momentum,
                         weight=None if module.weight is None else module.weight.detach().clone(),
                         bias=None if module.bias is None else module.bias.detach().clone(),
                         mean=None if module.running_mean is None else module.running_mean.detach().clone(),
                         var=None if module.running_var is None else module.running_var.detach().clone())
        elif isinstance(module, nn.Dropout):
            facts.update(kind="dropout", p=float(module.p))
        layers.append(facts)
    return {"layers": layers, "output": output}


@observer
def _counts(model) -> dict:
    """Runs next to the learner's code: the parameters the model registers, and its buffers."""
    return {"parameters": sum(p.numel() for p in model.parameters()),
            "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "buffers": sorted(name.rsplit(".", 1)[-1] for name, _ in model.named_buffers())}


def _linears(facts: dict) -> list[dict]:
    return [layer for layer in facts["layers"] if layer["kind"] == "linear"]


def _reference(x: torch.Tensor, facts: dict, activations: list, batch_norm: bool, train: bool) -> torch.Tensor:
    """The grader's forward pass from the model's own Linear (and BatchNorm) parameters: Linear ->
    BatchNorm -> activation for every hidden layer, the last Linear alone."""
    linears = _linears(facts)
    norms = [layer for layer in facts["layers"] if layer["kind"] == "batchnorm"]
    h = x
    for i, layer in enumerate(linears):
        h = h @ layer["weight"].T + (0 if layer["bias"] is None else layer["bias"])
        if i < len(linears) - 1:
            if batch_norm:
                norm = norms[i]
                if train:  # batch statistics, biased variance, as nn.BatchNorm1d normalises in train mode
                    h = (h - h.mean(0)) / torch.sqrt(h.var(0, unbiased=False) + norm["eps"])
                else:
                    h = (h - norm["mean"]) / torch.sqrt(norm["var"] + norm["eps"])
                h = h * norm["weight"] + norm["bias"]
            activation = activations[i]
            h = REFERENCE[activation](h) if isinstance(activation, str) else MODULES[activation[1]][1](h)
    return h


def _expect_linears(facts: dict, sizes, what: str) -> None:
    got = [layer["sizes"] for layer in _linears(facts)]
    wanted = [[a, b] for a, b in zip(sizes[:-1], sizes[1:])]
    expect(got == wanted, f"{what} runs nn.Linear layers of sizes {got} (in, out), in that order; expected {wanted}: "
                          "one Linear for every two neighbours in layer_sizes", f"linears:{len(sizes)}:{len(got)}",
           kind="structure")


# --- structure ------------------------------------------------------------------------------------


def check_linear_layers_from_the_list(learner):
    """MultiLayerPerceptron is an nn.Module, and a forward pass runs one nn.Linear per pair of neighbouring
    layer sizes, in order, for lists of 2 to 5 sizes."""
    for seed, (sizes, activations) in enumerate([([4, 3], []), ([5, 8, 3], ["relu"]),
                                                 ([6, 9, 7, 5, 2], ["relu", "tanh", "sigmoid"])]):
        model = _build(learner, sizes, activations, seed=seed)
        what = _name(sizes, activations)
        expect_module(model, what)
        facts = _trace.labelled(what, model, randn(rng(seed), 10, sizes[0]), False)
        expect_shape(facts["output"], (10, sizes[-1]), what=f"{what} on a batch of 10")
        _expect_linears(facts, sizes, what)


def check_batch_norm_after_each_hidden_linear(learner):
    """With batch_norm=True, each hidden Linear(…, n) is followed by a BatchNorm1d(n) before the next Linear
    (and with batch_norm=False there is none)."""
    sizes, activations = [6, 9, 7, 5, 2], ["relu", "tanh", "relu"]
    for batch_norm in (True, False):
        what = _name(sizes, activations, batch_norm=batch_norm)
        facts = _trace.labelled(what, _build(learner, sizes, activations, seed=3, batch_norm=batch_norm),
                                randn(rng(3), 16, sizes[0]), False)
        _expect_linears(facts, sizes, what)
        layers = facts["layers"]
        positions = [i for i, layer in enumerate(layers) if layer["kind"] == "linear"]
        for k, (first, second) in enumerate(zip(positions, positions[1:])):
            norms = [layer["features"] for layer in layers[first + 1:second] if layer["kind"] == "batchnorm"]
            width = sizes[k + 1]
            if batch_norm:
                expect(norms == [width], f"in {what}, between hidden Linear #{k + 1} (→ {width}) and the next Linear "
                                         f"there are BatchNorm layers of sizes {norms}; expected exactly one "
                                         f"BatchNorm1d({width})", f"bn:hidden:{k + 1}:{len(norms)}", kind="structure")
            else:
                expect(not norms, f"{what} has a BatchNorm after hidden Linear #{k + 1}, although batch_norm=False",
                       f"bn:unasked:{k + 1}", kind="structure")


def check_nothing_after_the_output_layer(learner):
    """The last module to run is the output nn.Linear: no BatchNorm, activation or dropout after it (the
    loss wants raw scores), with batch_norm=True and dropout=0.3."""
    sizes, activations = [5, 8, 6, 3], ["relu", "relu"]
    what = _name(sizes, activations, batch_norm=True, dropout=0.3)
    facts = _trace.labelled(what, _build(learner, sizes, activations, seed=4, batch_norm=True, dropout=0.3),
                            randn(rng(4), 32, sizes[0]), True)
    _expect_linears(facts, sizes, what)
    layers = facts["layers"]
    last = max((i for i, layer in enumerate(layers) if layer["kind"] == "linear"), default=-1)
    after = [layer["type"] for layer in layers[last + 1:]]
    expect(last >= 0 and not after, f"{what} runs {', '.join(after)} after its output Linear layer: the output "
                                    "must be the last Linear's raw scores (logits for nn.CrossEntropyLoss); a "
                                    "BatchNorm, activation or dropout there squashes, clips or zeroes them",
           f"after-output:{','.join(after)}", kind="structure")


# --- values ---------------------------------------------------------------------------------------


def check_activations_by_name(learner):
    """Every hidden layer applies the activation named at its position in `activations` ("relu", "tanh",
    "sigmoid", "gelu", "leaky_relu", "elu", "identity"): the output (eval mode) equals the grader's
    forward pass computed from the model's own Linear weights."""
    for seed, (sizes, activations) in enumerate([([5, 7, 6, 4, 3], ["tanh", "relu", "sigmoid"]),
                                                 ([4, 6, 5, 6, 5, 2], ["gelu", "leaky_relu", "elu", "identity"]),
                                                 ([3, 8, 8, 4], ["sigmoid", "tanh"])]):
        what = _name(sizes, activations)
        x = randn(rng(10 + seed), 12, sizes[0]) * 2
        facts = _trace.labelled(what, _build(learner, sizes, activations, seed=10 + seed), x, False)
        _expect_linears(facts, sizes, what)
        expect_close(facts["output"], _reference(x, facts, activations, False, False), what=what)


def check_activations_as_modules(learner):
    """An activation may also be given as a module (nn.LeakyReLU(0.2), nn.Softplus(beta=2), nn.Hardtanh): it
    is used as given, with its own settings, at its position."""
    sizes, names = [4, 7, 6, 5, 3], ["Softplus(beta=2)", "LeakyReLU(0.2)", "Hardtanh(-0.5, 0.5)"]
    what = f"MultiLayerPerceptron({sizes}, [{', '.join(f'nn.{n}' for n in names)}])"
    x = randn(rng(20), 12, sizes[0]) * 2
    facts = _trace.labelled(what, _build_with_modules.labelled(what, learner, sizes, names, 20), x, False)
    _expect_linears(facts, sizes, what)
    expect_close(facts["output"], _reference(x, facts, [("module", n) for n in names], False, False), what=what)


def check_batch_norm_train_and_eval(learner):
    """batch_norm=True: in train mode each hidden layer is normalised with the batch's mean and variance and
    the running averages move (momentum 0.1); in eval mode the running averages are used instead, so one
    example gives the same answer alone as inside a batch."""
    sizes, activations = [5, 9, 6, 3], ["relu", "tanh"]
    what = _name(sizes, activations, batch_norm=True)
    model = _build(learner, sizes, activations, seed=30, batch_norm=True)
    x = randn(rng(30), 64, sizes[0]) * 3 + 1
    trained = _trace.labelled(f"{what} in train mode", model, x, True)
    _expect_linears(trained, sizes, what)
    norms = [layer for layer in trained["layers"] if layer["kind"] == "batchnorm"]
    expect(len(norms) == len(sizes) - 2, f"{what} runs {len(norms)} BatchNorm layers; expected {len(sizes) - 2}, one "
                                         "per hidden layer", f"bn-count:{len(norms)}", kind="structure")
    expect_close(trained["output"], _reference(x, trained, activations, True, True),
                 what=f"{what} in train mode (batch statistics)")
    evaluated = _trace.labelled(f"{what} in eval mode", model, x, False)
    moved = [layer["mean"] is not None and bool(layer["mean"].abs().sum() > 0) for layer in evaluated["layers"]
             if layer["kind"] == "batchnorm"]
    expect(all(moved), f"after a train-mode forward pass, {what}'s BatchNorm running means are still zero: are the "
                       "BatchNorm layers in train mode, tracking running statistics?", "bn:running-unchanged")
    expect_close(evaluated["output"], _reference(x, evaluated, activations, True, False),
                 what=f"{what} in eval mode (running averages)")
    one = _trace.labelled(f"{what} on one example in eval mode", model, x[:1], False)
    expect_close(one["output"], evaluated["output"][:1], what=f"{what} in eval mode on the first example alone",
                 atol=1e-5, rtol=1e-4)


def check_dropout_train_and_eval(learner):
    """dropout=p: in train mode about a fraction p of every hidden layer's outputs is zeroed (none of the
    input's), differently on every call; in eval mode nothing is dropped and the output equals the grader's
    forward pass."""
    sizes, activations, p = [8, 64, 64, 5], ["tanh", "tanh"], 0.5
    what = _name(sizes, activations, dropout=p)
    model = _build(learner, sizes, activations, seed=40, dropout=p)
    x = randn(rng(40), 128, sizes[0])
    with seeded(41):
        first = _trace.labelled(f"{what} in train mode", model, x, True)
        second = _trace.labelled(f"{what} in train mode, again", model, x, True)
    _expect_linears(first, sizes, what)
    linears = _linears(first)
    zeros = [float((layer["input"] == 0).float().mean()) for layer in linears]
    expect(zeros[0] < 0.05, f"in train mode {zeros[0]:.0%} of the values entering {what}'s first Linear are zero: "
                            "dropout belongs after each hidden layer, not on the input", "dropout:on-input")
    for k, share in enumerate(zeros[1:], start=1):
        expect(abs(share - p) < 0.1, f"in train mode {share:.0%} of hidden layer #{k}'s outputs are zeroed; with "
                                     f"dropout={p} expected about {p:.0%} (an nn.Dropout(p) after each hidden "
                                     "activation)", f"dropout:train-rate:{k}:{'low' if share < p else 'high'}")
    expect(not torch.equal(first["output"], second["output"]),
           f"two train-mode passes of {what} on the same batch give identical outputs: dropout draws a new mask "
           "every call", "dropout:same-mask")
    evaluated = _trace.labelled(f"{what} in eval mode", model, x, False)
    dropped = [float((layer["input"] == 0).float().mean()) for layer in _linears(evaluated)]
    expect(max(dropped) < 0.05, f"in eval mode {max(dropped):.0%} of some layer's inputs in {what} are zero: dropout "
                                "is still active; it must be the identity after model.eval() (nn.Dropout, or "
                                "F.dropout(x, p, training=self.training))", "dropout:eval-active")
    expect_close(evaluated["output"], _reference(x, evaluated, activations, False, False),
                 what=f"{what} in eval mode")


def check_dropout_follows_the_activation(learner):
    """In train mode what each hidden layer passes on is its activation's output, dropped (0) or scaled by
    1/(1 - p): Linear → BatchNorm → activation → Dropout, in that order (with tanh and gelu, with and without
    batch_norm); the grader recomputes each layer from the input its Linear received."""
    for seed, (sizes, activations, batch_norm, p) in enumerate([([8, 64, 64, 5], ["tanh", "tanh"], False, 0.5),
                                                                ([8, 64, 64, 5], ["gelu", "tanh"], True, 0.3)],
                                                               start=45):
        what = _name(sizes, activations, batch_norm=batch_norm, dropout=p)
        model = _build(learner, sizes, activations, seed=seed, batch_norm=batch_norm, dropout=p)
        facts = _trace.labelled(f"{what} in train mode", model, randn(rng(seed), 128, sizes[0]), True)
        _expect_linears(facts, sizes, what)
        linears = _linears(facts)
        norms = [layer for layer in facts["layers"] if layer["kind"] == "batchnorm"]
        expect(len(norms) == (len(sizes) - 2 if batch_norm else 0),
               f"{what} runs {len(norms)} BatchNorm layers; expected {len(sizes) - 2 if batch_norm else 0}",
               f"dropout-order:bn-count:{len(norms)}", kind="structure")
        for k in range(1, len(linears)):
            previous = linears[k - 1]
            h = previous["input"] @ previous["weight"].T + (0 if previous["bias"] is None else previous["bias"])
            if batch_norm:  # train mode: this batch's statistics, biased variance
                norm = norms[k - 1]
                h = (h - h.mean(0)) / torch.sqrt(h.var(0, unbiased=False) + norm["eps"]) * norm["weight"] + norm["bias"]
            h = REFERENCE[activations[k - 1]](h)
            received = linears[k]["input"]
            expected = torch.where(received != 0, h / (1 - p), torch.zeros(()))
            worst = int((received - expected).abs().argmax())
            expect(bool(torch.allclose(received, expected, rtol=1e-4, atol=1e-5)),
                   f"in train mode, what {what} feeds its Linear #{k + 1} is not "
                   f"Dropout({activations[k - 1]}({f'BatchNorm(Linear #{k})' if batch_norm else f'Linear #{k}'})): "
                   f"a value dropout kept is {float(received.flatten()[worst]):.4g} "
                   f"where {activations[k - 1]}(…)/(1 - p) = {float(expected.flatten()[worst]):.4g}. Each hidden block "
                   "runs Linear → BatchNorm → activation → Dropout, in that order (a dropout before the activation "
                   f"feeds it values scaled by 1/(1 - p) = {1 / (1 - p):.3g}, and a dropout before the BatchNorm "
                   "changes the batch statistics)", f"dropout-order:{seed}:{k}")


def check_parameter_count(learner):
    """model.parameters() holds Σ (nᵢ·nᵢ₊₁ + nᵢ₊₁) values over the Linear layers, plus 2·n for each hidden
    BatchNorm1d(n) (γ and β), all trainable; each BatchNorm also keeps running_mean and running_var buffers."""
    for seed, (sizes, activations, batch_norm) in enumerate([([7, 5, 3], ["relu"], False),
                                                             ([6, 9, 7, 4, 2], ["relu", "tanh", "gelu"], True)]):
        what = _name(sizes, activations, batch_norm=batch_norm)
        counts = _counts(_build(learner, sizes, activations, seed=50 + seed, batch_norm=batch_norm))
        linear = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        norm = sum(2 * n for n in sizes[1:-1]) if batch_norm else 0
        got, wanted = counts["parameters"], linear + norm
        expect(got == wanted, f"{what} has {got} parameters, expected {wanted} = {linear} in the Linear layers"
                              f"{f' + {norm} in the BatchNorm layers' if batch_norm else ''}"
                              f"{': layers kept in a plain Python list are not registered (use nn.Sequential or nn.ModuleList)' if got == 0 else ''}",
               f"count:{seed}:{'low' if got < wanted else 'high'}:{'none' if got == 0 else 'some'}", kind="state")
        expect(counts["trainable"] == got, f"{what}: {got - counts['trainable']} parameters do not require grad",
               f"frozen:{seed}", kind="state")
        if batch_norm:
            found = counts["buffers"]
            hidden = len(sizes) - 2
            expect(found.count("running_mean") == hidden and found.count("running_var") == hidden,
                   f"{what} has buffers {found}; expected running_mean and running_var for each of its {hidden} "
                   "BatchNorm layers", f"buffers:{found.count('running_mean')}", kind="state")


# --- fake data and overfitting --------------------------------------------------------------------


@observer
def _fake_data(learner, n: int, features: int, classes: int, seed: int) -> dict:
    """Runs next to the learner's code: make_fake_data twice with one seed and once with another, and
    whether the global RNG's state was left as it was."""
    state = torch.random.get_rng_state()
    first = learner.make_fake_data(n, features, classes, seed)
    untouched = bool(torch.equal(torch.random.get_rng_state(), state))
    again = learner.make_fake_data(n, features, classes, seed)
    other = learner.make_fake_data(n, features, classes, seed + 1)
    return {"first": list(first), "again": list(again), "other": list(other), "rng_untouched": untouched}


def _expect_data(pair, n: int, features: int, classes: int, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    expect(isinstance(pair, list) and len(pair) == 2, f"{what} should return a pair (x, y)", "data:not-pair",
           kind="type")
    x, y = pair
    expect_shape(x, (n, features), what=f"x from {what}")
    expect_shape(y, (n,), what=f"y from {what}")
    expect(x.dtype == torch.float32, f"x from {what} has dtype {x.dtype}; expected torch.float32, the dtype of the "
                                     "model's weights", f"data:x-dtype:{x.dtype}", kind="dtype")
    expect(y.dtype == torch.int64, f"y from {what} has dtype {y.dtype}; expected torch.int64 class indices, as "
                                   "nn.CrossEntropyLoss wants", f"data:y-dtype:{y.dtype}", kind="dtype")
    expect(bool(torch.isfinite(x).all()), f"x from {what} holds NaN or inf", "data:x-nonfinite")
    return x, y


def check_make_fake_data(learner):
    """make_fake_data(n, features, classes, seed) returns x (n, features) float32 and y (n,) int64 holding every
    class in [0, classes), none more than half again as often as a fair share; the same seed gives the same
    data, another seed other data, and the caller's global RNG is left untouched."""
    n, features, classes, seed = 200, 12, 5, 7
    what = f"make_fake_data({n}, {features}, {classes}, seed={seed})"
    facts = _fake_data.labelled(what, learner, n, features, classes, seed)
    x, y = _expect_data(facts["first"], n, features, classes, what)
    expect(bool(x.std() > 0.1) and bool((x.std(0) > 0).all()), f"x from {what} barely varies (std {float(x.std()):.3g}): "
                                                               "a network cannot tell the examples apart",
           "data:x-constant")
    expect(int(y.min()) >= 0 and int(y.max()) < classes, f"y from {what} holds labels from {int(y.min())} to "
                                                         f"{int(y.max())}; expected class indices 0 … {classes - 1}",
           "data:y-range")
    counts = torch.bincount(y, minlength=classes)
    expect(bool((counts > 0).all()), f"y from {what} never holds class(es) "
                                     f"{(counts == 0).nonzero().flatten().tolist()}: every class should appear",
           "data:class-missing")
    expect(int(counts.max()) <= 1.5 * n / classes, f"y from {what} holds class {int(counts.argmax())} "
                                                   f"{int(counts.max())} times out of {n}: the classes should be about "
                                                   "balanced", "data:unbalanced")
    again_x, again_y = _expect_data(facts["again"], n, features, classes, f"{what}, called again")
    expect(torch.equal(again_x, x) and torch.equal(again_y, y), f"{what} gives different data on a second call with "
                                                                "the same seed: use a torch.Generator seeded with it",
           "data:not-reproducible")
    other_x, _ = _expect_data(facts["other"], n, features, classes, f"make_fake_data(..., seed={seed + 1})")
    expect(not torch.equal(other_x, x), f"make_fake_data gives the same x for seed={seed} and seed={seed + 1}: the seed "
                                        "must choose the data", "data:seed-ignored")
    expect(facts["rng_untouched"], f"{what} changed the global random state (torch.manual_seed, or torch.randn "
                                   "without a generator): the caller's weight init and shuffling then depend on it; "
                                   "draw from a torch.Generator(...).manual_seed(seed)", "data:global-rng")


@observer
def _overfit(learner, sizes: list, activations: list, n: int, classes: int, steps: int) -> dict:
    """Runs next to the learner's code: the learner's fake data and model, trained full-batch with Adam
    (lr 0.01) and cross-entropy for `steps` steps; brings back the data, the losses and the eval-mode
    outputs (the check counts the fit itself)."""
    from torchdojo.grading.observer import report_progress

    x, y = learner.make_fake_data(n, sizes[0], classes, 0)
    torch.manual_seed(0)
    model = learner.MultiLayerPerceptron(sizes, activations, batch_norm=True, dropout=0.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step % 50 == 0:
            report_progress(step=step, steps=steps, loss=losses[-1])
    model.eval()
    with torch.no_grad():
        outputs = model(x)
    return {"x": x, "y": y, "losses": losses, "outputs": outputs}


def check_overfits_its_fake_data(learner):
    """The network memorises fake data, the first sanity test of any model: MultiLayerPerceptron([16, 64, 64, 4],
    batch_norm=True) trained for 150 full-batch Adam steps on make_fake_data(256, 16, 4) classifies at least
    95% of those 256 examples right in eval mode (counted by the grader from the outputs)."""
    sizes, activations, n, classes, steps = [16, 64, 64, 4], ["relu", "tanh"], 256, 4, 150
    what = f"{_name(sizes, activations, batch_norm=True)} trained on make_fake_data({n}, 16, 4)"
    facts = _overfit.labelled(what, learner, sizes, activations, n, classes, steps)
    x, y = _expect_data([facts["x"], facts["y"]], n, sizes[0], classes, f"make_fake_data({n}, 16, 4)")
    outputs = facts["outputs"]
    expect_shape(outputs, (n, classes), what=f"{what}: the outputs")
    expect(bool(torch.isfinite(outputs).all()), f"{what}: the outputs are not all finite; the training diverged",
           "overfit:nonfinite", kind="training")
    accuracy = float((outputs.argmax(1) == y).float().mean())
    expect(accuracy >= 0.95, f"{what}: it classifies {accuracy:.0%} of its own training data right after {steps} "
                             "steps; a working network memorises 256 examples (loss "
                             f"{facts['losses'][0]:.3f} → {facts['losses'][-1]:.3f})", "overfit:low", kind="training")
