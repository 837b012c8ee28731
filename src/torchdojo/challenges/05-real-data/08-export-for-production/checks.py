"""Checks for export-for-production: the grader hands the learner's export functions a trained model
(in train mode, as training leaves it: dropout and batch norm with running statistics), then loads each
file in a FRESH Python process (`python -I`, an empty folder, no torchdojo and no class: only
torch.export.load / torch.jit.load) started by an observer, so it dies with the grading, and runs
inputs the grader chose, each twice. The outputs are judged here against the grader's own copy of the
model in eval mode: equal, deterministic, for the example's batch size and for others (1, 3, 64); and
the model handed over is left as it was."""
import os
import subprocess
import sys
from pathlib import Path

import torch
from torch import nn

from torchdojo.grading.expect import CheckFailed, expect, observer, randn, rng, scratch_dir
from torchdojo.grading.remote import LearnerRaised, current_session

IN, HIDDEN, OUT = 12, 32, 4
EXAMPLE_BATCH = 4
OTHER_BATCHES = (1, 3, 64)
FRESH_TIMEOUT_S = 60
TOLERANCE = dict(rtol=1e-5, atol=1e-5)  # float32 rounding: a graph may fuse or order operations differently


class _Net(nn.Module):
    """The trained model: its class exists only here (and in the learner's process), never in the fresh one."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(IN, HIDDEN)
        self.norm = nn.BatchNorm1d(HIDDEN)
        self.drop = nn.Dropout(0.3)
        self.out = nn.Linear(HIDDEN, OUT)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.drop(torch.relu(self.norm(self.hidden(x)))))


def _trained_state() -> dict:
    """Weights and batch-norm statistics as training would leave them (far from the defaults 0 and 1, so
    that normalising with a batch's own statistics instead shows)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(5)
        model = _Net()
    state = model.state_dict()
    generator = rng(6)
    state["norm.running_mean"] = torch.randn(HIDDEN, generator=generator) * 0.5
    state["norm.running_var"] = torch.rand(HIDDEN, generator=generator) * 1.5 + 0.5
    state["norm.weight"] = torch.rand(HIDDEN, generator=generator) + 0.5
    state["norm.bias"] = torch.randn(HIDDEN, generator=generator) * 0.1
    state["norm.num_batches_tracked"] = torch.tensor(937)
    return state


def _inputs() -> dict[str, torch.Tensor]:
    sizes = (EXAMPLE_BATCH,) + OTHER_BATCHES
    return {f"batch{n}": randn(rng(20 + n), n, IN) for n in sizes}


def _expected(state: dict, x: torch.Tensor) -> torch.Tensor:
    model = _Net()
    model.load_state_dict(state)
    model.eval()
    with torch.no_grad():
        return model(x)


# --- next to the learner's code ------------------------------------------------------------------


@observer
def _model(state: dict):
    """Runs next to the learner's code: the trained model, in train mode (as a training loop leaves it)."""
    model = _Net()
    model.load_state_dict(state)
    return model.train()


@observer
def _state_of(model) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


FRESH = r'''
import sys, torch
torch.set_num_threads(1)
inputs = torch.load(sys.argv[1], weights_only=True)
results = {}
for kind, path in zip(sys.argv[3::2], sys.argv[4::2]):
    result = {"load_error": "", "runs": {}, "errors": {}}
    try:
        program = torch.export.load(path).module() if kind == "program" else torch.jit.load(path)
    except Exception as exc:
        result["load_error"] = (type(exc).__name__ + ": " + str(exc))[:400]
    else:
        for name, x in inputs.items():
            try:
                with torch.no_grad():
                    result["runs"][name] = [program(x.clone()).detach(), program(x.clone()).detach()]
            except Exception as exc:
                result["errors"][name] = (type(exc).__name__ + ": " + str(exc))[:300]
    results[kind] = result
results["class_imported"] = "torchdojo" in sys.modules
torch.save(results, sys.argv[2])
'''


@observer
def _run_fresh(files: dict, inputs: dict, folder: str) -> dict:
    """Runs next to the learner's code: a fresh interpreter (isolated mode, an empty working folder, a bare
    environment) that only loads each file with torch.export.load / torch.jit.load and runs the grader's
    inputs, each twice; its results are read back with weights_only=True."""
    os.makedirs(folder, exist_ok=True)
    script, inputs_path, results_path = (os.path.join(folder, n) for n in ("fresh.py", "inputs.pt", "results.pt"))
    Path(script).write_text(FRESH)
    torch.save(inputs, inputs_path)
    args = [a for kind, path in files.items() for a in (kind, os.path.abspath(path))]
    env = {"PATH": os.environ.get("PATH", ""), "OMP_NUM_THREADS": "1", "HOME": folder}
    process = subprocess.run([sys.executable, "-I", script, inputs_path, results_path, *args], cwd=folder, env=env,
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=FRESH_TIMEOUT_S)
    if process.returncode != 0 or not os.path.isfile(results_path):
        return {"crashed": process.stderr.decode(errors="replace")[-600:]}
    return torch.load(results_path, weights_only=True)


# --- one export of each kind and one fresh process per grading ------------------------------------

_SERVED: list = []  # [(session, facts)]


def _served(learner) -> dict:
    """Both exports of the trained model (an exception kept for the checks that need that file), the model
    state after export_program, and what the fresh process made of the files."""
    session = current_session()
    if _SERVED and _SERVED[0][0] is session:
        return _SERVED[0][1]
    _SERVED.clear()
    state, inputs, folder = _trained_state(), _inputs(), scratch_dir() / "export"
    folder.mkdir(exist_ok=True)
    facts = {"state": state, "inputs": inputs, "raised": {}, "files": {}}
    for kind, function, name in (("program", learner.export_program, "model.pt2"),
                                 ("script", learner.export_torchscript, "model_script.pt")):
        model = _model(state)
        try:
            function(model, inputs[f"batch{EXAMPLE_BATCH}"], str(folder / name))
        except LearnerRaised as exc:
            facts["raised"][kind] = exc
            continue
        if kind == "program":
            facts["after"] = _state_of(model)
        expect((folder / name).is_file(), f"export_{'program' if kind == 'program' else 'torchscript'} wrote no "
                                          f"file at the path it was given ({name})", f"{kind}:nofile",
               kind="artifact")
        facts["files"][kind] = str(folder / name)
    facts["fresh"] = _run_fresh(facts["files"], inputs, str(folder / "fresh")) if facts["files"] else {}
    expect("crashed" not in facts["fresh"], "the fresh process that loads the files crashed: "
           f"{facts['fresh'].get('crashed', '')}", "fresh:crashed")
    _SERVED.append((session, facts))
    return facts


def _result(learner, kind: str) -> tuple[dict, dict]:
    facts = _served(learner)
    if kind in facts["raised"]:
        raise facts["raised"][kind]
    result = facts["fresh"][kind]
    what = "torch.export.load" if kind == "program" else "torch.jit.load"
    expect(not result["load_error"], f"a fresh Python process, which has torch but not the model's class, cannot "
                                     f"load the file with {what}: {result['load_error']}. Save "
                                     + ("torch.export.save(torch.export.export(...), path), not a pickled module "
                                        "(torch.save(model) stores a reference to the class, which the serving "
                                        "process does not have)" if kind == "program" else
                                        "torch.jit.script(model).save(path): a state_dict or a pickled module "
                                        "needs the class to be rebuilt"), f"{kind}:load")
    return facts, result


def _judge(facts: dict, result: dict, kind: str, names: list[str], what: str) -> None:
    """The fresh process's outputs for `names`: they exist, both runs agree, and they equal the eval-mode model's."""
    label = "export_program's file" if kind == "program" else "export_torchscript's file"
    raised = [n for n in names if n in result["errors"]]
    sizes = lambda ns: [int(n.removeprefix("batch")) for n in ns]  # noqa: E731
    if raised:
        first = raised[0]
        raise CheckFailed(f"{label}, loaded in a fresh process, fails on batches of {sizes(raised)} examples "
                          f"({result['errors'][first][:200]})" + (
                              ": the program does not accept these batch sizes; export specialises every size to "
                              "the example's unless dimension 0 is marked dynamic with dynamic_shapes and "
                              "torch.export.Dim, with a range that holds every batch you serve" if kind == "program"
                              else ": was it saved in eval mode? In train mode batch norm cannot normalise a batch "
                                   "of one example"),
                          f"{kind}:{what}:raised:{sizes(raised)}")
    random = [n for n in names if not torch.equal(result["runs"][n][0], result["runs"][n][1])]
    expect(not random, f"{label} gives different outputs when run twice on the same input (batches of {sizes(random)} examples): "
                       "dropout is still active, the model was saved in train mode; call model.eval() before "
                       "exporting", f"{kind}:{what}:not-deterministic")
    wrong = []
    for name in names:
        got, expected = result["runs"][name][0], _expected(facts["state"], facts["inputs"][name])
        if got.shape != expected.shape or got.dtype != expected.dtype or not torch.allclose(got, expected, **TOLERANCE):
            wrong.append(name)
    if wrong:
        name = wrong[0]
        got, expected = result["runs"][name][0], _expected(facts["state"], facts["inputs"][name])
        detail = (f"shape {tuple(got.shape)} and dtype {got.dtype}, expected {tuple(expected.shape)} and "
                  f"{expected.dtype}") if got.shape != expected.shape or got.dtype != expected.dtype else \
            f"worst difference {float((got - expected).abs().max()):.3g}"
        raise CheckFailed(f"{label}, loaded in a fresh process, differs from the trained model in eval mode on "
                          f"batches of {sizes(wrong)} examples ({detail}): export the model with its trained "
                          "weights and running statistics, in eval mode, and run nothing on it in train mode "
                          "before (a forward pass in train mode updates batch norm's statistics)",
                          f"{kind}:{what}:differs:{sizes(wrong)}")


# --- the checks ----------------------------------------------------------------------------------


def check_program_loads_without_the_class(learner):
    """export_program's file loads with torch.export.load in a fresh Python process that has torch but not the
    model's class (isolated mode, an empty folder)."""
    facts, result = _result(learner, "program")
    expect(not facts["fresh"].get("class_imported"), "the fresh process imported torchdojo to load the file",
           "program:imported")
    expect(set(result["runs"]) | set(result["errors"]) == set(facts["inputs"]),
           "the loaded program was not run on every input", "program:not-run")


def check_program_equals_eval_model(learner):
    """The reloaded program's outputs on a batch of the example's size equal the trained model's in eval mode,
    and the same batch twice gives the same outputs (no dropout, batch norm with its running statistics)."""
    facts, result = _result(learner, "program")
    _judge(facts, result, "program", [f"batch{EXAMPLE_BATCH}"], "example-batch")


def check_program_batch_size_is_dynamic(learner):
    """The reloaded program also runs batches of 1, 3 and 64 examples (the example had 4), with the eval-mode
    model's outputs: the batch dimension was exported as dynamic (torch.export.Dim)."""
    facts, result = _result(learner, "program")
    _judge(facts, result, "program", [f"batch{n}" for n in OTHER_BATCHES], "other-batches")


def check_torchscript_loads_and_equals_eval_model(learner):
    """export_torchscript's file loads with torch.jit.load in the fresh process and gives the eval-mode model's
    outputs, the same twice, on batches of 4, 1, 3 and 64 examples."""
    facts, result = _result(learner, "script")
    _judge(facts, result, "script", list(facts["inputs"]), "all-batches")


def check_model_left_as_trained(learner):
    """Exporting does not change the model it is given: every weight and batch-norm statistic is the same
    afterwards (a forward pass in train mode before exporting would update the running statistics)."""
    facts = _served(learner)
    if "program" in facts["raised"]:
        raise facts["raised"]["program"]
    after, before = facts["after"], facts["state"]
    changed = sorted(k for k, v in before.items() if k not in after or not torch.equal(after[k], v))
    expect(not changed, f"after export_program the model's {', '.join(changed)} changed: exporting must not train "
                        "or update the model; switch to eval() before running anything through it",
           f"model:changed:{changed}", kind="state")
