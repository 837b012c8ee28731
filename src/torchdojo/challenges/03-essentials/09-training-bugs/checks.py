"""Checks for training-bugs: each fixed script is run on spiral data drawn here, with its backward and
step calls (and whether each found the gradients cleared, however they were cleared), its dropout modes and
what it feeds the loss recorded in order by an observer; the grader then judges that record, evaluates the
returned model itself on held-out points, and compares the validation accuracy the script reports with the
model's own in eval mode. Last, the learner's names for the symptoms are compared with the key."""
import ast
import math
from pathlib import Path

import torch

from torchdojo.data.synthetic import make_spirals
from torchdojo.grading.expect import CheckFailed, describe, expect, expect_shape, observer
from torchdojo.grading.remote import current_session, is_remote, remote_type

SCRIPTS = ("script_a", "script_b", "script_c", "script_d", "script_e", "script_f")
N_TRAIN, N_VAL, N_TEST = 600, 300, 600
TARGET = 0.90  # held-out accuracy a fixed script must reach (they reach 0.95-0.99; a broken one 0.33-0.45)

# The letter of the statement's symptom list each unfixed script shows.
KEY = {"script_a": "E", "script_b": "A", "script_c": "F", "script_d": "D", "script_e": "C", "script_f": "B"}
OPTIONS = "ABCDEFG"
# How to see a script's symptom for yourself: said when the letter chosen is wrong (never the answer).
PROBES = {
    "script_a": "run the unfixed script and look at how low its loss gets, then print `model(x_val[:3])` and "
                "each row's sum",
    "script_b": "run the unfixed script, then print the loss of each epoch and, after training, "
                "`[p.grad for p in model.parameters()]`",
    "script_c": "train the unfixed script, then measure the returned model's accuracy on x_val yourself: "
                "twice in a row exactly as the script does, then once after `model.eval()`",
    "script_d": "run the unfixed script and print the loss of the first few batches of the first epoch, not "
                "just the epoch averages",
    "script_e": "run the unfixed script and follow the loss from epoch to epoch (and the norm of the gradient "
                "from batch to batch): which way does it go, and how fast?",
    "script_f": "run the unfixed script, then print the loss of each epoch and, after training, "
                "`[p.grad for p in model.parameters()]`",
}


def _spirals(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    return make_spirals(n, classes=3, noise=0.2, seed=seed)


@observer
def _train_recorded(script, x_train, y_train, x_val, y_val):
    """Runs in the learner's process: ``script.train(...)`` with its training calls recorded in order:
    b / B (a backward that found every gradient it adds into cleared, None or zero / one that found some
    still holding an earlier backward's), s / S (an optimizer step that found gradients to apply / one that
    found every gradient of its parameters None or zero), d / n (a dropout layer with dropout on / off);
    and how many times the loss was given probabilities instead of scores. Everything is put back after.
    What is judged is the state of the gradients, not how they were cleared: optimizer.zero_grad(),
    model.zero_grad() and ``p.grad = None`` for every parameter all count."""
    import torch.nn.functional as F
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    events: list[str] = []
    fed = {"loss_calls": 0, "probabilities": 0}
    losses: list[float] = []  # the value of every loss computed with gradients on (a training batch's)
    saved = dict(backward=torch.autograd.backward, dropout=F.dropout, cross_entropy=F.cross_entropy,
                 nll_loss=F.nll_loss)

    def holding(tensor) -> bool:
        grad = tensor.grad
        return grad is not None and bool(grad.detach().ne(0).any())

    def leaves(roots, inputs):
        """The tensors this backward will add gradients into: ``inputs`` if given, else every leaf that
        requires grad in the graph behind ``roots``."""
        if inputs is not None:
            return [inputs] if isinstance(inputs, torch.Tensor) else list(inputs)
        roots = [roots] if isinstance(roots, torch.Tensor) else list(roots)
        found, seen = [], set()
        stack = [t.grad_fn for t in roots if isinstance(t, torch.Tensor) and t.grad_fn is not None]
        stack += [t for t in roots if isinstance(t, torch.Tensor) and t.grad_fn is None and t.requires_grad]
        while stack:
            node = stack.pop()
            if isinstance(node, torch.Tensor):
                found.append(node)
                continue
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            variable = getattr(node, "variable", None)  # an AccumulateGrad node: its leaf tensor
            if isinstance(variable, torch.Tensor):
                found.append(variable)
            stack.extend(next_node for next_node, _ in node.next_functions)
        return found

    def backward(tensors, *args, **kwargs):  # Tensor.backward() calls torch.autograd.backward
        inputs = kwargs.get("inputs", args[4] if len(args) > 4 else None)
        try:
            piled = any(holding(leaf) for leaf in leaves(tensors, inputs))
        except Exception:  # an unusual call: record it as clean rather than fail the learner
            piled = False
        events.append("B" if piled else "b")
        return saved["backward"](tensors, *args, **kwargs)

    def before_step(optimizer, *_):
        params = [p for group in optimizer.param_groups for p in group["params"]]
        events.append("s" if any(holding(p) for p in params) else "S")

    def dropout(input, p=0.5, training=True, inplace=False):  # nn.Dropout.forward calls F.dropout
        if p > 0:
            events.append("d" if training else "n")
        return saved["dropout"](input, p, training, inplace)

    def recording(loss):
        def wrapped(input, *args, **kwargs):
            fed["loss_calls"] += 1
            if isinstance(input, torch.Tensor) and input.dim() == 2 and input.is_floating_point():
                with torch.no_grad():
                    rows = input.detach()
                    if bool((rows >= 0).all()) and bool(((rows.sum(dim=1) - 1).abs() < 1e-3).all()):
                        fed["probabilities"] += 1
            value = loss(input, *args, **kwargs)
            if torch.is_grad_enabled() and isinstance(value, torch.Tensor) and value.requires_grad \
                    and value.numel() == 1:
                losses.append(float(value.detach()))
            return value
        return wrapped

    handle = register_optimizer_step_pre_hook(before_step)
    torch.autograd.backward = backward
    F.dropout = dropout
    F.cross_entropy, F.nll_loss = recording(saved["cross_entropy"]), recording(saved["nll_loss"])
    try:
        result = script.train(x_train, y_train, x_val, y_val)
    finally:
        handle.remove()
        torch.autograd.backward = saved["backward"]
        F.dropout, F.cross_entropy, F.nll_loss = saved["dropout"], saved["cross_entropy"], saved["nll_loss"]
    return {"result": result, "events": "".join(events), "losses": losses, **fed}


def _call_problems(events: str) -> list[tuple[str, str]]:
    """(category, sentence) for what is wrong with the backward (b: from cleared gradients, B: onto an earlier
    backward's) and step (s: with gradients to apply, S: with every gradient None or zero) calls."""
    calls = "".join(e for e in events if e in "bBsS")
    backwards, steps = sum(calls.count(c) for c in "bB"), sum(calls.count(c) for c in "sS")
    if backwards == 0 and steps == 0:
        return [("no-training", "it never called loss.backward() nor optimizer.step(): nothing was trained")]
    if backwards == 0:
        return [("no-backward", f"optimizer.step() ran {steps} times but loss.backward() never ran, so no "
                                "gradient was ever computed and every step had nothing to apply")]
    if steps == 0:
        return [("no-step", f"loss.backward() ran {backwards} times but optimizer.step() never did: gradients "
                            "were computed and the weights were never updated")]
    piled, cleared = calls.count("B"), calls.count("S")
    doubled = since_step = 0
    for call in calls:
        if call in "bB":
            since_step += 1
        else:
            doubled += since_step > 1
            since_step = 0
    problems = []
    if piled:
        problems.append(("accumulate", f"{piled} of {backwards} loss.backward() calls found .grad still holding "
                                       "the gradients of an earlier backward, which nothing had cleared since "
                                       "(neither zero_grad() nor setting .grad to None): backward adds into "
                                       ".grad, so the steps used sums of old gradients"))
    if cleared:
        problems.append(("step-on-cleared-gradients", f"{cleared} of {steps} optimizer steps found every gradient "
                                                      "None or zero: they had been cleared after the last "
                                                      "loss.backward(), or none had been computed yet"))
    if doubled:
        problems.append(("backward-per-step", f"{doubled} of {steps} optimizer steps came after more than one "
                                              "loss.backward() (one batch: one backward, one step)"))
    return problems


def _loss_problems(losses: list[float]) -> list[tuple[str, str]]:
    """(category, sentence) for a training loss (as the loss function computed it, batch by batch) that
    turns non-finite, explodes, or does not fall."""
    if not losses:
        return []
    if not all(math.isfinite(value) for value in losses):
        return [("loss-nan", "the training loss became NaN or inf")]
    problems = []
    first, peak = losses[0], max(losses)
    if peak > 4 * max(first, 0.1):
        problems.append(("loss-exploded", f"the training loss rose from {first:.3g} on the first batch to "
                                          f"{peak:.3g} (batch {losses.index(peak) + 1} of {len(losses)})"))
    tenth = max(1, len(losses) // 10)
    start, end = sum(losses[:tenth]) / tenth, sum(losses[-tenth:]) / tenth
    if end > 0.8 * start:
        problems.append(("loss-not-falling", f"the training loss did not fall: {start:.3g} on average over the "
                                             f"first {tenth} batches, {end:.3g} over the last {tenth}"))
    return problems


def _dropout_off_in_training(events: str) -> tuple[int, int]:
    """(backward passes whose forward ran dropout layers switched off, backward passes with dropout at all)."""
    off = seen = 0
    last = ""
    for event in events:
        if event in "dn":
            last = event
        elif event in "bB":
            seen += last != ""
            off += last == "n"
            last = ""
    return off, seen


def _accuracy(scores: torch.Tensor, labels: torch.Tensor) -> float:
    return (torch.nan_to_num(scores.detach()).argmax(dim=1) == labels).float().mean().item()


def _as_number(value) -> float | None:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    return float(value) if type(value) in (int, float) else None


def _as_it_came(name: str) -> bool:
    """The learner's `name`.py is still the template's (comments, spacing and blank lines aside)."""
    source = current_session().submission.source
    if not isinstance(source, dict) or not isinstance(source.get(f"{name}.py"), str):
        return False
    template = (Path(__file__).parent / "template" / f"{name}.py").read_text(encoding="utf-8")
    try:
        return ast.dump(ast.parse(source[f"{name}.py"])) == ast.dump(ast.parse(template))
    except (SyntaxError, ValueError):
        return False


def _judge(learner, name: str, keeps_dropout: bool = False) -> None:
    # The grader would find the bug for you: a script still as it came is not run, so that finding it
    # stays your work. Any change, right or wrong, is run and judged in full.
    expect(not _as_it_came(name), f"{name} is still as it came, with its one bug: run it (`python {name}.py` in "
                                  "the folder), compare what it prints with the statement's list of symptoms, and "
                                  "fix the line that causes it", f"{name}:as-it-came", kind="training")
    x_train, y_train = _spirals(N_TRAIN, seed=101)
    x_val, y_val = _spirals(N_VAL, seed=102)
    x_test, y_test = _spirals(N_TEST, seed=103)  # never shown to the script
    record = _train_recorded.labelled(f"{name}.train", getattr(learner, name), x_train, y_train, x_val, y_val)
    result = record["result"]
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"{name}.train(...) must return (model, history), got {remote_type(result)}",
           f"{name}:returns", kind="type")
    model, history = result
    expect(is_remote(model) and describe(model).get("module") is True,
           f"{name}.train(...) must return the trained nn.Module first, got {remote_type(model)}",
           f"{name}:model-type", kind="type")
    reported = history.get("val_accuracy") if isinstance(history, dict) else None
    reported = _as_number(reported[-1]) if isinstance(reported, (list, tuple)) and reported else None
    expect(reported is not None, f"{name}.train(...)'s history must be a dict whose 'val_accuracy' lists the "
                                 "validation accuracy (a fraction) of every epoch", f"{name}:history", kind="type")

    problems = _call_problems(record["events"]) + _loss_problems(record["losses"])
    if record["probabilities"]:
        problems.append(("loss-given-probabilities",
                         f"{record['probabilities']} of {record['loss_calls']} loss calls were given rows of "
                         "non-negative numbers summing to 1 (probabilities): CrossEntropyLoss wants raw scores "
                         "(logits) and applies log-softmax itself"))
    model.eval()  # the grader's own evaluation: dropout off, whatever the script left
    scores = model(x_test)
    expect_shape(scores, (N_TEST, 3), f"{name}'s model on {N_TEST} points of shape (N, 2)")
    if not bool(torch.isfinite(scores).all()):
        problems.append(("non-finite", "the trained model outputs NaN or inf"))
    elif bool((scores >= 0).all()) and bool(((scores.sum(dim=1) - 1).abs() < 1e-3).all()):
        problems.append(("outputs-probabilities", "the model's outputs are probabilities (every row non-negative, "
                                                  "summing to 1), not the logits CrossEntropyLoss expects"))
    accuracy = _accuracy(scores, y_test)
    if accuracy < TARGET:
        problems.append(("accuracy-low", f"the trained model classifies {accuracy:.1%} of {N_TEST} held-out "
                                         f"points correctly (chance: 33%); a working loop gets above {TARGET:.0%} "
                                         "within the script's own epochs and batch size"))
    own = _accuracy(model(x_val), y_val)
    if abs(reported - own) > 0.5 / N_VAL:
        problems.append(("reported-accuracy", f"it reports a final validation accuracy of {reported:.3f}, but the "
                                              f"returned model, evaluated here in eval mode on the same {N_VAL} "
                                              f"validation points, scores {own:.3f}: the number it reports is "
                                              "not the accuracy of the model it trained"))
    off, seen = _dropout_off_in_training(record["events"])
    if keeps_dropout and not seen:
        problems.append(("no-dropout", "its model no longer trains with dropout: the model was fine, keep "
                                       "it as it was and fix how it is measured"))
    if off:
        problems.append(("dropout-off-in-training", f"in {off} of {seen} training batches the dropout layers were "
                                                    "switched off (the model was still in eval mode from the "
                                                    "validation before)"))
    if problems:
        raise CheckFailed(f"{name} does not train as it should yet: " + "; ".join(text for _, text in problems),
                          f"{name}:" + "+".join(category for category, _ in problems), kind="training")


def check_script_a(learner):
    """script_a trains: gradients cleared before each backward, one backward and one step per batch, raw scores
    into the loss, ≥ 90% accuracy on held-out points, and a reported validation accuracy equal to the
    model's own in eval mode."""
    _judge(learner, "script_a")


def check_script_b(learner):
    """script_b trains: gradients cleared before each backward, one backward and one step per batch, raw scores
    into the loss, ≥ 90% accuracy on held-out points, and a reported validation accuracy equal to the
    model's own in eval mode."""
    _judge(learner, "script_b")


def check_script_c(learner):
    """script_c trains: gradients cleared before each backward, one backward and one step per batch, its dropout
    on while training, ≥ 90% accuracy on held-out points, and a reported validation accuracy equal to the
    model's own in eval mode."""
    _judge(learner, "script_c", keeps_dropout=True)


def check_script_d(learner):
    """script_d trains: gradients cleared before each backward, one backward and one step per batch, raw scores
    into the loss, ≥ 90% accuracy on held-out points, and a reported validation accuracy equal to the
    model's own in eval mode."""
    _judge(learner, "script_d")


def check_script_e(learner):
    """script_e trains: gradients cleared before each backward, one backward and one step per batch, raw scores
    into the loss, ≥ 90% accuracy on held-out points, and a reported validation accuracy equal to the
    model's own in eval mode."""
    _judge(learner, "script_e")


def check_script_f(learner):
    """script_f trains: gradients cleared before each backward, one backward and one step per batch, raw scores
    into the loss, ≥ 90% accuracy on held-out points, and a reported validation accuracy equal to the
    model's own in eval mode."""
    _judge(learner, "script_f")


def check_symptoms(learner):
    """symptoms.symptoms() names, for each script, the symptom it showed before the fix (a letter A-G from
    the statement's list)."""
    answer = learner.symptoms.symptoms()
    expect(isinstance(answer, dict), f"symptoms() must return a dict such as {{'script_a': 'C', ...}}, got "
                                     f"{type(answer).__name__}", "symptoms:type", kind="type")
    missing = [name for name in SCRIPTS if name not in answer]
    expect(not missing, f"symptoms() names no symptom for {', '.join(missing)}: give one letter for each of "
                        f"{', '.join(SCRIPTS)}", f"symptoms:missing:{','.join(missing)}")
    letters = {name: str(answer[name]).strip().upper() for name in SCRIPTS}
    unknown = [name for name in SCRIPTS if letters[name] not in OPTIONS]
    expect(not unknown, "symptoms() must answer with one of the letters " + ", ".join(OPTIONS) + "; got "
           + ", ".join(f"{answer[name]!r} for {name}" for name in unknown), f"symptoms:unknown:{','.join(unknown)}")
    wrong = [name for name in SCRIPTS if letters[name] != KEY[name]]
    expect(not wrong, f"{len(wrong)} of {len(SCRIPTS)} symptoms are not what the scripts show. "
           + " ".join(f"{name}: not {letters[name]}; to see for yourself, {PROBES[name]}"
                      + ("" if PROBES[name].endswith("?") else ".") for name in wrong),
           f"symptoms:wrong:{','.join(wrong)}")
