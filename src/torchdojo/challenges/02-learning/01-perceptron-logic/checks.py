"""Checks for perceptron-logic: the step perceptron against the grader's own (batched, one example, a
layer of several perceptrons, z = 0 counts as 1, exact 0.0/1.0 floats), each gate's full truth table
and margin computed here from the learner's weights, and XOR: its truth table, built by calling the
learner's own perceptron in two layers (the calls are recorded next to the learner's code), every
perceptron in it with a margin."""
import inspect

import torch

from torchdojo.grading.expect import CheckFailed, expect, expect_close, expect_tensor, observer, randn, rng

MARGIN = 0.1  # the least distance from every truth-table point to a perceptron's line
TRUTH = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATES = {  # name -> (the learner's function, number of inputs, the truth table from the inputs)
    "AND": ("and_weights", 2, lambda x: x[:, 0] * x[:, 1]),
    "OR": ("or_weights", 2, lambda x: torch.maximum(x[:, 0], x[:, 1])),
    "NAND": ("nand_weights", 2, lambda x: 1 - x[:, 0] * x[:, 1]),
    "NOT": ("not_weights", 1, lambda x: 1 - x[:, 0]),
}


def _step(x: torch.Tensor, w: torch.Tensor, b) -> torch.Tensor:
    return (x @ w + b >= 0).to(x.dtype)


def _gate(learner, name: str) -> tuple[torch.Tensor, float, torch.Tensor]:
    """The learner's (w, b) for a gate, checked for its form, and the gate's inputs."""
    function, n, _ = GATES[name]
    got = getattr(learner, function)()
    what = f"{function}()"
    expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{what} should return the pair (w, b), got "
           f"{type(got).__name__}", f"gate-form:{name}", kind="type")
    w, b = got
    w = torch.as_tensor(w, dtype=torch.float32) if isinstance(w, (list, tuple)) else expect_tensor(w, f"w from {what}")
    expect(tuple(w.shape) == (n,), f"the w returned by {what} has shape {tuple(w.shape)}, expected ({n},): one "
           f"weight per input", f"gate-shape:{name}", kind="shape")
    b_tensor = torch.as_tensor(b, dtype=torch.float32)
    expect(b_tensor.numel() == 1, f"the b returned by {what} should be one number, got shape {tuple(b_tensor.shape)}",
           f"gate-bias:{name}", kind="shape")
    inputs = TRUTH if n == 2 else torch.tensor([[0.0], [1.0]])
    return w.float(), float(b_tensor.reshape(())), inputs


def _margins(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The distance from every row of x to each perceptron's line (one column of w each): |x·w + b| / ‖w‖."""
    w2 = w.reshape(w.shape[0], -1).double()
    z = x.double() @ w2 + b.double().reshape(-1)
    return (z.abs() / w2.norm(dim=0)).reshape(len(x), -1)


def check_step_function(learner):
    """perceptron(x, w, b) equals step(x @ w + b) (1.0 where it is ≥ 0, else 0.0, float32 like x) on a batch,
    a single example and a 3-D batch."""
    for seed, shape in enumerate([(9, 3), (3,), (2, 4, 3)]):
        x, w, b = randn(rng(seed), *shape), randn(rng(10 + seed), 3), float(randn(rng(20 + seed)))
        expect_close(learner.perceptron(x, w, b), _step(x, w, b), what=f"perceptron(x of shape {shape}, w, b)",
                     rtol=0, atol=0)


def check_zero_counts_as_one(learner):
    """A point exactly on the line (x @ w + b = 0) gives 1: the step is 1 for z ≥ 0."""
    x = torch.tensor([[1.0, 1.0], [2.0, 0.0], [0.0, 1.0], [3.0, 3.0]])
    w, b = torch.tensor([1.0, 1.0]), -2.0  # z = 0, 0, −1, 4
    expect_close(learner.perceptron(x, w, b), torch.tensor([1.0, 1.0, 0.0, 1.0]),
                 what="perceptron(x, w=[1, 1], b=-2) where x @ w + b is exactly 0 on the first two rows",
                 rtol=0, atol=0)


def check_layer_of_perceptrons(learner):
    """With w of shape (n, k) and b of shape (k,), perceptron(x, w, b) is a layer of k perceptrons: shape (..., k)."""
    for seed, shape in enumerate([(6, 4), (4,), (2, 3, 4)]):
        x, w, b = randn(rng(30 + seed), *shape), randn(rng(40 + seed), 4, 3), randn(rng(50 + seed), 3)
        expect_close(learner.perceptron(x, w, b), _step(x, w, b),
                     what=f"perceptron(x of shape {shape}, w of shape (4, 3), b of shape (3,))", rtol=0, atol=0)


def check_gate_truth_tables(learner):
    """With your weights, step(x @ w + b) (computed by the grader) gives the full truth table of AND, OR, NAND
    (all four points of {0, 1}²) and NOT (both points of {0, 1})."""
    for name, (function, _, table) in GATES.items():
        w, b, inputs = _gate(learner, name)
        got, expected = _step(inputs, w, b), table(inputs)
        wrong = [tuple(int(v) for v in inputs[i].tolist()) for i in range(len(inputs)) if got[i] != expected[i]]
        expect(not wrong, f"{function}() = (w={w.tolist()}, b={b:g}) does not compute {name}: wrong on "
               f"{', '.join(map(str, wrong))} (got {[int(v) for v in got.tolist()]}, expected "
               f"{[int(v) for v in expected.tolist()]} on {[tuple(int(v) for v in r) for r in inputs.tolist()]})",
               f"truth-table:{name}")


def check_gate_margins(learner):
    """Every truth-table point is at least 0.1 from each gate's line (|x·w + b| / ‖w‖ ≥ 0.1): a point sitting on
    the line flips with the smallest noise."""
    for name, (function, _, _) in GATES.items():
        w, b, inputs = _gate(learner, name)
        expect(float(w.norm()) > 0, f"{function}() has all-zero weights: the output never depends on the input",
               f"margin-zero-w:{name}")
        margins = _margins(inputs, w, torch.tensor(b))[:, 0]
        worst = int(margins.argmin())
        point = tuple(int(v) for v in inputs[worst].tolist())
        expect(float(margins[worst]) >= MARGIN,
               f"{function}() = (w={w.tolist()}, b={b:g}) puts the point {point} at distance "
               f"{float(margins[worst]):.3g} from its line, less than {MARGIN}: it is right by luck of the "
               "threshold, and a tiny change of the input flips it; move the bias so that the line runs between "
               "the points", f"margin:{name}")


def check_xor_truth_table(learner):
    """xor(x) gives x1 XOR x2 as 0.0/1.0 floats on the four points of {0, 1}², on a 3-D batch and on one example."""
    for x in (TRUTH, TRUTH[[3, 1, 0, 2, 2, 1, 3, 0]].reshape(2, 4, 2), TRUTH[1]):
        expected = (x[..., 0] != x[..., 1]).float()
        expect_close(learner.xor(x), expected, what=f"xor(x of shape {tuple(x.shape)})", rtol=0, atol=0)


@observer
def _xor_calls(xor, perceptron, x) -> dict:
    """Next to the learner's code: call xor(x) with every name in xor's globals that holds the learner's
    perceptron replaced by a recorder of each call's x, w, b and output."""
    if not hasattr(xor, "__globals__"):
        return {"error": f"xor is a {type(xor).__name__}, not a function"}
    signature = inspect.signature(perceptron)
    calls = []

    def recording(*args, **kwargs):
        output = perceptron(*args, **kwargs)
        try:
            bound = list(signature.bind(*args, **kwargs).arguments.values())
            x_, w_, b_ = (torch.as_tensor(v).detach().clone().float() for v in bound[:3])
        except (TypeError, ValueError, RuntimeError):
            x_ = w_ = b_ = None
        calls.append({"x": x_, "w": w_, "b": b_, "output": torch.as_tensor(output).detach().clone()})
        return output
    names = [name for name, value in xor.__globals__.items() if value is perceptron]
    for name in names:
        xor.__globals__[name] = recording
    try:
        result = xor(x)
    finally:
        for name in names:
            xor.__globals__[name] = perceptron
    return {"result": torch.as_tensor(result).detach().clone(), "calls": calls}


def _recorded(learner) -> list[dict]:
    seen = _xor_calls.labelled("xor(x)", learner.xor, learner.perceptron, TRUTH)
    expect("error" not in seen, f"{seen.get('error')}: write xor as a function that calls perceptron",
           "xor-not-function", kind="type")
    return seen


def check_xor_two_layers(learner):
    """xor is built from your perceptron: it calls perceptron at least twice, the last call's inputs are outputs
    of earlier calls (a hidden layer), and xor returns that last call's output (not x1 != x2)."""
    seen = _recorded(learner)
    calls = seen["calls"]
    expect(len(calls) >= 2, f"xor(x) calls perceptron {len(calls)} time(s): XOR is not linearly separable, so it "
           "needs a hidden layer of perceptrons and an output perceptron on their outputs (and computing it "
           "without perceptron, e.g. x1 != x2, does not count)", f"xor-calls:{min(len(calls), 2)}", kind="value")
    last = calls[-1]
    expect(torch.equal(seen["result"].float(), last["output"].float()),
           "xor(x) does not return the output of its last perceptron call: the answer must come from the output "
           "perceptron", "xor-not-last-output")
    expect(last["x"] is not None and last["x"].dim() == 2, "the last perceptron call in xor(x) does not take a "
           "batch of hidden outputs (x of shape (4, hidden))", "xor-last-input-form", kind="shape")
    earlier = [column for call in calls[:-1] for column in call["output"].float().reshape(len(TRUTH), -1).T]
    orphans = [j for j, column in enumerate(last["x"].T) if not any(torch.equal(column, e) for e in earlier)]
    expect(not orphans, f"input column(s) {orphans} of xor's output perceptron are not outputs of earlier "
           "perceptron calls: the output perceptron must read the hidden layer's outputs", "xor-not-layered")


def check_xor_margins(learner):
    """Every perceptron inside xor keeps each of its inputs (the truth table, then the hidden outputs) at least
    0.1 from its line."""
    calls = _recorded(learner)["calls"]
    expect(bool(calls), "xor(x) never calls perceptron, so no perceptron of it can be judged", "xor-margins-none")
    for i, call in enumerate(calls):
        expect(call["x"] is not None, f"perceptron call #{i + 1} in xor(x) could not be read", "xor-margins-form")
        margins = _margins(call["x"].reshape(len(TRUTH), -1), call["w"], call["b"])
        worst = float(margins.min())
        expect(worst >= MARGIN, f"perceptron call #{i + 1} of {len(calls)} in xor(x) (w={call['w'].tolist()}, "
               f"b={call['b'].tolist()}) has an input at distance {worst:.3g} from its line, less than {MARGIN}: "
               "move the bias so that the line runs between the points", f"xor-margin:{i == len(calls) - 1}")
