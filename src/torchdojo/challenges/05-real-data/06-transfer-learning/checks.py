"""Checks for transfer-learning: a network pretrained here on Fashion-MNIST classes 0–4 (once, deterministic,
cached in the user cache) is handed to the learner's adapt and train_head next to the learner's code, on 500
images of the held-out classes 5–9. An observer watches every optimizer step (which tensors it holds) and
counts the examples the head trains on; the grader judges: the new head's layout and the only trainable
tensors, the pretrained weights kept, the backbone bit-identical after training (BatchNorm statistics too),
the accuracy on 2,000 test images of classes 5–9 computed here, and fewer training examples to the target than
the same network needs from scratch (measured here once, with the backbone)."""
from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook

from torchdojo.grading.expect import CheckFailed, expect, learner_cpu_seconds, observer
from torchdojo.grading.remote import current_session

DATASET = "fashion-mnist"
OLD, NEW = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)  # tops, trousers, pullovers, dresses, coats -> sandals, shirts, sneakers, bags, boots
N_TRAIN, N_TEST = 500, 2000  # a few hundred images: where a pretrained network pays off
TARGET = 0.88  # the reference reaches about 92%; the same network from scratch about 78% on the same 1,500 examples
SCRATCH_EPOCHS = 10  # the from-scratch reference is followed for up to 10 epochs (5,000 examples)
FEATURES = 32 * 6 * 6
CACHE_VERSION = 1


class PretrainedNet(nn.Module):
    """Two strided convolutions with BatchNorm (28 -> 13 -> 6), flattened to 1152 features, and a linear head."""

    def __init__(self, classes: int = 5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Flatten())
        self.fc = nn.Linear(FEATURES, classes)

    def forward(self, x):
        return self.fc(self.features(x))


def _subset(images, labels, classes, n: int | None, seed: int | None):
    """Images of `classes` as floats in [0, 1], labels renumbered 0..len(classes)-1 (optionally a random n)."""
    keep = torch.nonzero(torch.isin(labels, torch.tensor(classes))).squeeze(1)
    if seed is not None:
        keep = keep[torch.randperm(len(keep), generator=torch.Generator().manual_seed(seed))]
    keep = keep[:n] if n is not None else keep
    return images[keep].float() / 255, labels[keep] - classes[0]


def _train(model, x, y, epochs: int, lr: float, after_epoch=None) -> None:
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for start in range(0, len(x), 64):
            batch = order[start:start + 64]
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if after_epoch:
            after_epoch(epoch)


def _accuracy(model, x, y) -> float:
    model.eval()
    with torch.no_grad():
        return float((torch.cat([model(c) for c in x.split(1000)]).argmax(1) == y).double().mean())


def _prepare() -> dict:
    """Pretrain on classes 0–4 (2 epochs, one thread, seeded) and follow the same network trained from scratch on
    the transfer task's 500 images; both deterministic, computed once and cached."""
    from torchdojo.data.real import load_tensors

    images, labels = load_tensors(DATASET, train=True, download=False)
    test_images, test_labels = load_tensors(DATASET, train=False, download=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            pretrained = PretrainedNet(len(OLD))
            _train(pretrained, *_subset(images, labels, OLD, None, None), epochs=2, lr=2e-3)
            old_test = _accuracy(pretrained, *_subset(test_images, test_labels, OLD, None, None))
            x, y = _subset(images, labels, NEW, N_TRAIN, seed=1)
            xt, yt = _subset(test_images, test_labels, NEW, N_TEST, seed=None)
            torch.manual_seed(1)
            scratch, curve = PretrainedNet(len(NEW)), []
            _train(scratch, x, y, SCRATCH_EPOCHS, 1e-3, after_epoch=lambda e: curve.append(_accuracy(scratch, xt, yt)))
    finally:
        torch.set_num_threads(threads)
    return {"state": {k: v.clone() for k, v in pretrained.state_dict().items()}, "old_test_accuracy": old_test,
            "scratch_curve": torch.tensor(curve, dtype=torch.float64)}


_PREPARED: dict = {}


def _prepared() -> dict:
    """The pretrained weights and the from-scratch curve, from the user cache (computed on first use)."""
    if _PREPARED:
        return _PREPARED
    from torchdojo.atomic import atomic_write
    from torchdojo.data.sources import cache_dir

    path = cache_dir() / "challenges" / f"transfer-learning-v{CACHE_VERSION}-torch{torch.__version__}.pt"
    blob = None
    if path.is_file():
        try:
            blob = torch.load(path, weights_only=True)
        except Exception:  # noqa: BLE001 - a truncated or foreign file: compute it again
            blob = None
    if not (isinstance(blob, dict) and {"state", "scratch_curve", "old_test_accuracy"} <= set(blob)):
        blob = _prepare()
        atomic_write(path, lambda stream: torch.save(blob, stream))
    _PREPARED.update(blob)
    return _PREPARED


# --- next to the learner's code ------------------------------------------------------------------

_DATA: dict = {}


@observer
def _load_data() -> list:
    """Runs next to the learner's code: 500 training and 2,000 test images of classes 5–9, labels 0–4."""
    from torchdojo.data.real import load_tensors

    images, labels = load_tensors(DATASET, train=True, download=False)
    test_images, test_labels = load_tensors(DATASET, train=False, download=False)
    _DATA["train"] = _subset(images, labels, NEW, N_TRAIN, seed=1)
    _DATA["test"] = _subset(test_images, test_labels, NEW, N_TEST, seed=None)
    return [N_TRAIN, N_TEST]


def _layout(model) -> dict:
    head = getattr(model, "fc", None)
    return {"type": type(model).__name__,
            "fc": type(head).__name__ if head is not None else None,
            "fc_in": getattr(head, "in_features", None) if isinstance(head, nn.Linear) else None,
            "fc_out": getattr(head, "out_features", None) if isinstance(head, nn.Linear) else None,
            "trainable": [n for n, p in model.named_parameters() if p.requires_grad],
            "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}


@observer
def _adapt(learner, state: dict, num_classes: int) -> dict:
    """Runs next to the learner's code: adapt() on a freshly loaded pretrained network (in training mode, as a
    network comes from its constructor); what came back, and its output on four images."""
    model = PretrainedNet(len(OLD))
    model.load_state_dict(state)
    adapted = learner.adapt(model, num_classes)
    facts = _layout(adapted)
    adapted.eval()
    with torch.no_grad():
        facts["output_shape"] = list(adapted(torch.rand(4, 1, 28, 28, generator=torch.Generator().manual_seed(0))).shape)
    return facts


@observer
def _transfer(learner, state: dict, seed: int) -> dict:
    """Runs next to the learner's code: adapt() then train_head() on the 500 images, watched: the tensors each
    optimizer step holds, the rows the head trains on; then the whole state and the test logits."""
    from torchdojo.grading.observer import report_progress

    (x, y), (xt, _) = _DATA["train"], _DATA["test"]
    torch.manual_seed(seed)
    model = PretrainedNet(len(OLD))
    model.load_state_dict(state)
    adapted = learner.adapt(model, len(NEW))
    head = getattr(adapted, "fc", None)
    head_ids = {id(p) for p in head.parameters()} if isinstance(head, nn.Module) else set()
    names = {id(p): n for n, p in adapted.named_parameters()}
    steps = {"total": 0, "head-only": 0, "extra": [], "head-missing": 0}
    examples = [0]

    def on_step(optimizer, args, kwargs):
        held = {id(p) for group in optimizer.param_groups for p in group["params"]}
        steps["total"] += 1
        extra = sorted(names.get(i, "a tensor not in the model") for i in held - head_ids)
        if extra:
            steps["extra"] = extra
        elif head_ids - held:
            steps["head-missing"] += 1
        else:
            steps["head-only"] += 1

    def on_head(module, args):
        if torch.is_grad_enabled() and args and isinstance(args[0], torch.Tensor):
            examples[0] += int(args[0].shape[0])

    handles = [register_optimizer_step_pre_hook(on_step)]
    if isinstance(head, nn.Module):
        handles.append(head.register_forward_pre_hook(on_head))
    report_progress(training=f"train_head on {N_TRAIN} images of classes 5-9")
    try:
        learner.train_head(adapted, x, y)
    finally:
        for handle in handles:
            handle.remove()
    facts = _layout(adapted)
    adapted.eval()
    with torch.no_grad():
        facts["test_logits"] = torch.cat([adapted(c) for c in xt.split(1000)])
    facts.update(steps=steps, examples=examples[0])
    return facts



_RUN: dict = {}


def _transferred(learner) -> dict:
    """The one transfer run of this grading, timed here (CPU seconds of the learner's processes)."""
    session = current_session()
    if _RUN.get("session") is session:
        return _RUN["facts"]
    _RUN.clear()
    state = _prepared()["state"]
    _load_data()
    cpu_before, began = learner_cpu_seconds(), time.perf_counter()
    facts = _transfer(learner, state, seed=2)
    cpu_after, seconds = learner_cpu_seconds(), time.perf_counter() - began
    facts["seconds"] = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else seconds
    _RUN.update(session=session, facts=facts)
    return facts


def _test_accuracy(facts: dict) -> float:
    from torchdojo.data.real import load_tensors

    test_images, test_labels = load_tensors(DATASET, train=False, download=False)
    _, labels = _subset(test_images, test_labels, NEW, N_TEST, seed=None)
    logits = facts["test_logits"]
    expect(isinstance(logits, torch.Tensor) and tuple(logits.shape) == (N_TEST, len(NEW)),
           f"the adapted model's output on {N_TEST} test images has shape "
           f"{tuple(getattr(logits, 'shape', ()))}, expected ({N_TEST}, {len(NEW)})", "accuracy:shape", kind="shape")
    return float((logits.argmax(1) == labels).double().mean())


def _backbone_differences(state: dict, pretrained: dict) -> list[str]:
    """The pretrained entries (weights and BatchNorm buffers, the old head left aside) that are not bit-identical."""
    return [key for key, value in pretrained.items() if not key.startswith("fc.") and
            not (key in state and state[key].shape == value.shape and torch.equal(state[key], value))]


# --- the checks ----------------------------------------------------------------------------------


def check_adapt_replaces_the_head(learner):
    """adapt(pretrained, k) returns the network with `fc` replaced by an nn.Linear(1152, k), for k = 5 and k = 3:
    outputs of shape (N, k), and the new head's weight and bias are the only parameters that require grad."""
    state = _prepared()["state"]
    for k in (5, 3):
        facts = _adapt(learner, state, k)
        expect(facts["fc"] == "Linear" and facts["fc_in"] == FEATURES and facts["fc_out"] == k,
               f"after adapt(pretrained, {k}) the model's fc is {facts['fc']}"
               + (f"({facts['fc_in']}, {facts['fc_out']})" if facts["fc"] == "Linear" else "")
               + f", expected a new nn.Linear({FEATURES}, {k}) in place of the old head (fc.in_features inputs, "
               "num_classes outputs), fed by the features directly", f"head:layout:{facts['fc']}", kind="state")
        expect(facts["output_shape"] == [4, k], f"the adapted model maps 4 images to shape {facts['output_shape']}, "
                                                f"expected [4, {k}]", f"head:output:{k}", kind="shape")
        trainable = facts["trainable"]
        expect(trainable, f"after adapt(pretrained, {k}) no parameter requires grad, so nothing can learn: freeze the "
                          "pretrained parameters first, then create the new head (a new nn.Linear requires grad)",
               "head:nothing-trainable", kind="state")
        expect(sorted(trainable) == ["fc.bias", "fc.weight"],
               f"after adapt(pretrained, {k}) these parameters require grad: {', '.join(trainable[:6])}"
               f"{' …' if len(trainable) > 6 else ''}; only fc.weight and fc.bias should: set requires_grad_(False) on "
               "every pretrained parameter, so backward() never computes gradients for the backbone",
               "head:backbone-trainable", kind="state")


def check_pretrained_weights_kept(learner):
    """adapt keeps every pretrained weight and BatchNorm statistic of the backbone as it was (bit for bit): the
    features are what is transferred, a re-initialised backbone has nothing to give."""
    state = _prepared()["state"]
    facts = _adapt(learner, state, 5)
    changed = _backbone_differences(facts["state"], state)
    expect(not changed, f"after adapt(), {len(changed)} pretrained entries differ from the pretrained network "
                        f"({', '.join(changed[:4])}): adapt must not re-initialise or rebuild the backbone, only "
                        "freeze it and replace fc", "pretrained:changed-by-adapt", kind="state")


def check_backbone_bit_identical_after_training(learner):
    """After train_head, every weight and every BatchNorm buffer (running_mean, running_var, num_batches_tracked)
    of the backbone is bit-identical to the pretrained network's; only fc has changed."""
    facts = _transferred(learner)
    pretrained = _prepared()["state"]
    changed = _backbone_differences(facts["state"], pretrained)
    buffers = [k for k in changed if "running_" in k or "num_batches" in k]
    weights = [k for k in changed if k not in buffers]
    expect(not weights, f"after train_head, {len(weights)} backbone weights differ from the pretrained ones "
                        f"({', '.join(weights[:4])}): freeze them and give the optimizer only the head",
           "backbone:weights-changed", kind="state")
    expect(not buffers, f"after train_head, the BatchNorm statistics changed ({', '.join(buffers[:4])}) although the "
                        "weights are frozen: in training mode BatchNorm updates running_mean and running_var at every "
                        "forward pass. Put the backbone in eval mode (model.eval()) while training the head",
           "backbone:batchnorm-changed", kind="state")


def check_optimizer_holds_only_the_head(learner):
    """Every optimizer step in train_head is taken by an optimizer that holds exactly the new head's weight and
    bias (an observer reads each optimizer's param_groups at every step)."""
    steps = _transferred(learner)["steps"]
    expect(steps["total"] > 0, "train_head never called optimizer.step() on a torch.optim optimizer", "steps:none")
    expect(not steps["extra"], f"the optimizer in train_head also holds {', '.join(steps['extra'][:4])}"
                               f"{' …' if len(steps['extra']) > 4 else ''}: give it only the head "
                               "(torch.optim.Adam(model.fc.parameters())); frozen tensors in an optimizer are "
                               "state it keeps for nothing, and weight decay would still move them", "steps:extra")
    expect(steps["head-missing"] == 0, f"at {steps['head-missing']} optimizer steps the optimizer did not hold the new "
                                       "head's weight and bias: build it after adapt() replaced fc, over model.fc",
           "steps:head-missing")


def check_accuracy_on_new_classes(learner):
    """After train_head on 500 images of classes 5–9 (sandal, shirt, sneaker, bag, ankle boot), the model classifies
    at least 88% of 2,000 test images of those classes right (computed here from its outputs)."""
    facts = _transferred(learner)
    accuracy = _test_accuracy(facts)
    band = "low" if accuracy < 0.6 else "below-target"
    expect(accuracy >= TARGET, f"the adapted model classifies {accuracy:.1%} of the {N_TEST} test images of classes "
                               f"5–9 right, below the target of {TARGET:.0%}"
                               + (": is the pretrained backbone kept (not re-initialised), and does the head learn "
                                  "(a learning rate around 1e-2 for Adam, a few epochs)?" if band == "low" else
                                  ": a new Linear head straight on the 1152 features, Adam around 1e-2, 3 epochs"),
           f"accuracy:{band}")


def check_faster_than_from_scratch(learner):
    """Transfer reaches the target on fewer training examples than the same network trained from scratch on the
    same 500 images needs (the grader follows that one epoch by epoch, up to 10 epochs)."""
    facts = _transferred(learner)
    accuracy = _test_accuracy(facts)
    curve = [float(a) for a in _prepared()["scratch_curve"]]
    reached = [e for e, a in enumerate(curve) if a >= TARGET]
    scratch_examples = (reached[0] + 1) * N_TRAIN if reached else None
    used = int(facts["examples"])
    scratch = (f"from scratch it takes {scratch_examples:,} examples ({reached[0] + 1} epoch{'s' if reached[0] else ''})" if reached else
               f"from scratch it is not reached within {SCRATCH_EPOCHS * N_TRAIN:,} examples (best "
               f"{max(curve):.1%})")
    if accuracy < TARGET:
        raise CheckFailed(f"train_head did not reach the target of {TARGET:.0%} ({accuracy:.1%} after {used:,} "
                          f"training examples; {scratch}), so it is not faster than training from scratch",
                          "faster:target-not-reached")
    expect(scratch_examples is None or used < scratch_examples,
           f"train_head trained the head on {used:,} examples ({used / N_TRAIN:.0f} epochs of {N_TRAIN}) in "
           f"{facts['seconds']:.1f} CPU s; {scratch}: transfer learning should get there with less. A linear head on "
           "good features converges in a few epochs; stop there", "faster:too-many-examples")
