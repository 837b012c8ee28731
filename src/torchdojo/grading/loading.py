"""Importing a challenge's Python files: checks.py and mutants.py, each as a module of its own."""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    fn: Callable[[Any], None]


def import_file(path: Path, prefix: str) -> ModuleType:
    """Import `path` as the module ``<prefix>_<folder>_<hash of the folder's path>``, registered in
    sys.modules (so that observers and dataclasses defined in it can be found by name). The hash
    keeps apart two challenges whose folders share a name (in two tracks or two packs): their
    observers, keyed by module name, would otherwise replace each other's."""
    folder = path.parent.resolve()
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:10]
    name = f"{prefix}_{folder.name.replace('-', '_')}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def title_of(docstring: str | None, fallback: str) -> str:
    """What a check is called where a learner reads it: its docstring's first paragraph, on one line.
    (Used by the grader and by the journal, which reads checks.py with `ast` to avoid importing torch.)"""
    paragraph = inspect.cleandoc(docstring or "").split("\n\n")[0]
    return " ".join(paragraph.split()) or fallback


def load_checks(challenge_dir: Path) -> list[Check]:
    """The ``check_*`` functions of a challenge's checks.py, in the order they are written.

    This runs in the grader, so whatever checks.py imports is imported once, before any fork.
    """
    return checks_in(import_file(challenge_dir / "checks.py", "torchdojo_checks"))


def checks_in(module: ModuleType) -> list[Check]:
    """The ``check_*`` functions defined in `module`, in the order they are written."""
    functions = [f for name, f in vars(module).items()
                 if name.startswith("check_") and inspect.isfunction(f) and f.__module__ == module.__name__]
    functions.sort(key=lambda f: f.__code__.co_firstlineno)
    return [Check(f.__name__, title_of(f.__doc__, f.__name__), f) for f in functions]


def preload_optimizers() -> None:
    """Build and step the usual optimizers once, here in the grader: the first optimizer a process builds
    imports torch._dynamo and its dependencies (about 900 modules, 2-3 s), and every learner process
    forked afterwards then starts with them loaded instead of paying that in each grading."""
    import torch

    weight = torch.nn.Parameter(torch.zeros(1))
    for optimizer in (torch.optim.SGD([weight], lr=0.1, momentum=0.9), torch.optim.Adam([weight])):
        weight.grad = torch.ones(1)
        optimizer.step()
        optimizer.zero_grad()
