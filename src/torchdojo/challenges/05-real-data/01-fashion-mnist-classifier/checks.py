"""Checks for fashion-mnist-classifier: the untrained Classifier's outputs (shapes, logits, a real
non-linear network), then one training run next to the learner's code (an observer loads the real
training split in the learner's process, times fit from here and watches every optimizer step), and
the test accuracy, computed here from the model's outputs on the 10,000 test images against labels
only the grader holds."""
import time

import torch
from torch.optim.optimizer import register_optimizer_step_pre_hook

from torchdojo.grading.expect import (CheckFailed, expect, expect_module, expect_shape, learner_cpu_seconds, observer,
                                      rng, seeded)
from torchdojo.grading.observer import report_progress
from torchdojo.grading.remote import current_session

DATASET = "fashion-mnist"
BUDGET_S = 90  # fit's budget on one CPU thread; the reference takes 12-18 s (statement): a CPU twice
# as slow (a 2-core EPYC without AVX-512, say) still leaves it 2.5x room
TARGET = 0.88  # test accuracy; a linear classifier tops out near 84%, the reference reaches about 89%
TEST_BATCH = 1000


def _images(n: int, seed: int) -> torch.Tensor:
    """n Fashion-MNIST-shaped images in [0, 1] (uniform noise: enough for shapes and linearity)."""
    return torch.rand(n, 1, 28, 28, generator=rng(seed))


def _fresh(learner, seed: int = 0):
    with seeded(seed):  # the learner's __init__ draws its weights from the global RNG
        return learner.Classifier()


# --- next to the learner's code ------------------------------------------------------------------

_DATA: dict = {}  # in the learner's process: the training split, loaded once per process


@observer
def _load_training_split() -> list:
    """Runs next to the learner's code: the real training split as float images in [0, 1]."""
    from torchdojo.data.real import load_tensors

    images, labels = load_tensors(DATASET, train=True, download=False)
    _DATA["images"], _DATA["labels"] = images.float() / 255, labels
    return list(images.shape)


class _StepWatch:
    """Watches every optimizer step during fit: was the .grad of each parameter that optimizer updates
    the gradient of the latest backward pass (up to one common positive factor, so gradient clipping is
    fine), or something else added to it (gradients accumulated across steps)? Parameters no optimizer
    updates are not judged here (their .grad is never used); which parameters the stepping optimizers
    covered is kept, so that the check on unchanged parameters can name those left out."""

    def __init__(self, model: torch.nn.Module):
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.index = {id(p): i for i, p in enumerate(self.params)}
        self.optimized: set[int] = set()  # indices of the parameters some stepping optimizer updates
        self.latest: dict[int, torch.Tensor] = {}
        self.steps = {"fresh": 0, "stale": 0, "empty": 0, "no-backward": 0, "other-model": 0}
        self.handles = [p.register_hook(lambda g, i=i: self.latest.__setitem__(i, g.detach().clone()))
                        for i, p in enumerate(self.params)]
        self.handles.append(register_optimizer_step_pre_hook(self.at_step))

    def at_step(self, optimizer, args, kwargs) -> None:
        mine = [self.index[id(p)] for group in optimizer.param_groups for p in group["params"]
                if id(p) in self.index]
        self.optimized.update(mine)
        if not mine:  # an optimizer over none of this model's parameters: nothing of it to judge
            self.steps["other-model"] += 1
            return
        watched = [i for i in mine if i in self.latest]
        if not watched:
            self.steps["no-backward"] += 1
            return
        held = [self.params[i].grad for i in watched]
        if any(h is None for h in held):
            self.steps["empty"] += 1
        else:
            got = torch.cat([h.detach().reshape(-1) for h in held])
            want = torch.cat([self.latest[i].reshape(-1) for i in watched])
            scale = float(got @ want) / max(float(want @ want), 1e-30)
            error = float((got - scale * want).norm()) / max(float(got.norm()), 1e-30)
            self.steps["fresh" if scale > 0 and error < 1e-3 else "stale"] += 1
        for i in watched:
            del self.latest[i]

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


@observer
def _fit(learner, model) -> dict:
    """Runs next to the learner's code: fit(model, images, labels) on the training split, watched;
    brings back what happened (the check judges it)."""
    images, labels = _DATA["images"], _DATA["labels"]
    images_before, labels_before = images.clone(), labels.clone()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    watch = _StepWatch(model)
    report_progress(training="fit(model, images, labels) on 60,000 images")
    torch.manual_seed(0)  # the learner's shuffling and dropout: the same run every grading
    try:
        returned = learner.fit(model, images, labels)
    finally:
        watch.remove()
    after = dict(model.named_parameters())
    optimized = {id(watch.params[i]) for i in watch.optimized}
    return {"returned": type(returned).__name__,
            "not_optimized": [name for name, p in after.items() if id(p) not in optimized],
            "unchanged": [name for name, p in before.items() if name in after and torch.equal(after[name].detach(), p)],
            "parameters": len(before), "steps": watch.steps,
            "images_untouched": bool(images.shape == images_before.shape and torch.equal(images, images_before)),
            "labels_untouched": bool(labels.shape == labels_before.shape and torch.equal(labels, labels_before))}


@observer
def _logits(model, images: torch.Tensor) -> torch.Tensor:
    """Runs next to the learner's code: the model's outputs without building a graph (inference)."""
    with torch.no_grad():
        return model(images)



_TRAINED: list = []  # [(session, model, facts, seconds)]: the latest grading's one training run


def _trained(learner):
    """The learner's Classifier after fit, with what the training run did; trained once per grading
    (the checks that judge it share it)."""
    session = current_session()
    if _TRAINED and _TRAINED[0][0] is session:
        return _TRAINED[0][1:]
    _TRAINED.clear()
    model = _fresh(learner, seed=0)
    _load_training_split()
    # Timed here, in the grader (the learner's clock is not trusted), in CPU seconds of the learner's
    # processes where /proc has them: on a shared machine the wall clock measures the neighbours too.
    cpu_before, began = learner_cpu_seconds(), time.perf_counter()
    facts = _fit(learner, model)
    cpu_after, seconds = learner_cpu_seconds(), time.perf_counter() - began
    if cpu_before is not None and cpu_after is not None:
        seconds = cpu_after - cpu_before
    expect(isinstance(facts, dict), "the training run brought back no report", "fit:noreport")
    _TRAINED.append((session, model, facts, seconds))
    return model, facts, seconds


def _names(names: list[str], shown: int = 4) -> str:
    """All the names, or the first `shown` and how many more."""
    if len(names) <= shown + 1:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f" and {len(names) - shown} more"


# --- the checks ----------------------------------------------------------------------------------


def check_outputs_are_logits(learner):
    """Classifier() is an nn.Module that maps (N, 1, 28, 28) images to (N, 10) logits, also for a batch of
    one: raw scores, not probabilities (no softmax at the end: CrossEntropyLoss applies it)."""
    model = _fresh(learner)
    facts = expect_module(model, "Classifier()")
    expect(bool(facts.get("parameters")), "Classifier() has no parameters: nothing to train (are the layers assigned to attributes "
                      "of self, after super().__init__()?)", "noparams", kind="state")
    for n in (1, 7):
        out = _logits(model, _images(n, seed=n))
        expect_shape(out, (n, 10), what=f"Classifier() on a batch of {n} images (N, 1, 28, 28)")
        expect(out.dtype == torch.float32, f"Classifier()'s output has dtype {out.dtype}, expected torch.float32",
               f"dtype:{out.dtype}", kind="dtype")
        expect(bool(torch.isfinite(out).all()), f"Classifier() on a batch of {n} gives NaN or inf",
               f"nonfinite:{n}")
    out = _logits(model, _images(16, seed=3))
    probabilities = bool((out >= 0).all() and (out <= 1).all() and torch.allclose(out.sum(1), torch.ones(16),
                                                                                   atol=1e-4))
    expect(not probabilities, "Classifier()'s outputs are probabilities (each row is ≥ 0 and sums to 1): forward "
                              "ends with a softmax. Return the raw scores (logits); CrossEntropyLoss applies "
                              "log-softmax itself, and softmax twice flattens the gradients", "probabilities")


def check_not_a_linear_map(learner):
    """The network is non-linear: a stack of layers without activations is one linear map, f(a + b) + f(0) =
    f(a) + f(b), and no deeper than logistic regression."""
    model = _fresh(learner)
    a, b = _images(8, seed=11), _images(8, seed=12)
    zero = torch.zeros_like(a)
    outs = [_logits(model, x) for x in (a + b, zero, a, b)]
    gap = float(((outs[0] + outs[1]) - (outs[2] + outs[3])).abs().max())
    scale = max(float(outs[2].abs().max()), 1e-6)
    expect(gap > 1e-3 * scale, "Classifier() is a linear (affine) map of its input: f(a + b) + f(0) equals "
                               "f(a) + f(b). Layers stacked without a non-linearity collapse into one linear "
                               "layer; put an activation such as nn.ReLU between them", "linear-map")


def check_fit_trains_within_budget(learner):
    """fit(model, images, labels) on the 60,000 training images finishes within the budget (90 CPU
    seconds, timed by the grader) and changes every parameter of the model it was given."""
    _, facts, seconds = _trained(learner)
    expect(seconds <= BUDGET_S, f"fit took {seconds:.0f} CPU seconds, over the budget of {BUDGET_S} s on one CPU thread: "
                                "use fewer epochs, larger batches or a smaller network", "fit:over-budget")
    steps = sum(facts["steps"].values())
    unchanged = facts["unchanged"]
    expect(steps > 0 or not unchanged, "fit made no optimizer step on the model: build the optimizer over "
                                       "model.parameters() (the model fit was given) and call optimizer.step()",
           "fit:nosteps")
    if unchanged:
        # Why they did not change: never given to the optimizer that stepped, or given but without effect.
        left_out = [name for name in unchanged if name in facts["not_optimized"]]
        others = [name for name in unchanged if name not in left_out]
        build = ("build the optimizer over model.parameters() of the model fit was given (not over some layers' "
                 "parameters, nor over a new Classifier's)")
        unused = "is every layer used in forward (a layer forward skips gets no gradient)?"
        if not others:
            why = f"none of them was given to an optimizer that stepped: {build}"
        elif not left_out:
            why = f"they were given to the optimizer, yet never changed: {unused}"
        else:
            why = (f"{len(left_out)} of them ({_names(left_out)}) were given to no optimizer that stepped: {build}; "
                   f"the other {len(others)} ({_names(others)}) were given to it, yet never changed: {unused}")
        raise CheckFailed(f"fit left {len(unchanged)} of {facts['parameters']} parameter tensors of the model it was "
                          f"given unchanged ({_names(unchanged)}); {why}", "fit:unchanged-parameters", kind="state")


def check_fresh_gradients_at_every_step(learner):
    """Every optimizer step sees the gradient of the latest backward pass only: old gradients are cleared
    (optimizer.zero_grad()) before each backward, not accumulated across batches."""
    _, facts, _ = _trained(learner)
    steps = dict(facts["steps"])
    other = steps.pop("other-model", 0)
    total = sum(steps.values())
    expect(total > 0 or not other, f"none of fit's {other} optimizer steps updates a parameter of the model it was "
                                   "given: build the optimizer over model.parameters() of that model (not a new "
                                   "Classifier's)", "steps:other-model")
    expect(total > 0, "fit never called optimizer.step() on a torch.optim optimizer: use one (e.g. "
                      "torch.optim.Adam(model.parameters())) so that its steps can be checked", "steps:none")
    expect(steps["stale"] == 0, f"at {steps['stale']} of {total} optimizer steps the gradients held more than the "
                                "latest batch's (for the parameters that optimizer updates): backward() adds to "
                                ".grad, so unless they are cleared before each backward (optimizer.zero_grad()), "
                                "every step follows the sum of all the gradients so far", "steps:stale")
    expect(steps["no-backward"] + steps["empty"] == 0,
           f"{steps['no-backward'] + steps['empty']} of {total} optimizer steps came without a fresh backward pass "
           "(zero_grad() between backward() and step(), or step() before backward()): the order is zero_grad, "
           "backward, step", "steps:order")


def check_training_data_untouched(learner):
    """fit leaves the training images and labels it was given unchanged (normalise a copy, or inside the model)."""
    _, facts, _ = _trained(learner)
    for key, what in (("images", "images"), ("labels", "labels")):
        expect(facts[f"{key}_untouched"], f"fit changed the training {what} it was given in place (`x -= …`, "
                                          "`.sub_()`, `.div_()`): the caller's data is not yours to modify, and the "
                                          "grader's test images stay in [0, 1], so a model trained on data "
                                          "rescaled in place sees a different input at test time",
               f"data:{key}", kind="inplace")


def check_test_accuracy(learner):
    """After fit, the model (in eval mode, set by the grader) classifies at least 88% of the 10,000 test
    images correctly; the grader sends the images and compares the argmax with labels only it holds."""
    from torchdojo.data.real import load_tensors

    model, _, _ = _trained(learner)
    model.eval()
    images, labels = load_tensors(DATASET, train=False, download=False)
    correct = 0
    for start in range(0, len(images), TEST_BATCH):
        x = images[start:start + TEST_BATCH].float() / 255
        out = _logits(model, x)
        expect_shape(out, (len(x), 10), what=f"the trained model's output on {len(x)} test images")
        correct += int((out.argmax(1) == labels[start:start + TEST_BATCH]).sum())
    accuracy = correct / len(images)
    band = "chance" if accuracy < 0.2 else "low" if accuracy < 0.8 else "below-target"
    if accuracy < TARGET:
        raise CheckFailed(f"test accuracy {accuracy:.2%} ({correct} of {len(images)}), below the target of "
                          f"{TARGET:.0%}" + {"chance": ": no better than guessing; did training diverge (a learning "
                                                       "rate far too large) or never update this model?",
                                             "low": ": training goes wrong; are gradients cleared each step, and is "
                                                    "the loss computed on logits?",
                                             "below-target": ": close; a non-linear model (a small CNN), a "
                                                             "learning rate around 1e-3 and 2–3 epochs get there"}[band],
                          f"accuracy:{band}")
