"""Notebooks: `torchdojo.check(...)` and `torchdojo.hint(...)` inside one, grading a `.ipynb` file,
and writing a challenge as a runnable notebook (`torchdojo notebook <id>`, Colab included).

Objects defined in a notebook are graded directly: the grading child is forked from the notebook's
kernel, so it sees them without pickling. Attempts and hints are recorded when the notebook runs
inside a workspace, exactly as the CLI records them; outside one, hints still escalate (counted in
the kernel's memory).
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

from torchdojo.catalog import Challenge, catalog
from torchdojo.workspace import find_or_none

_HINTS_SHOWN: dict[str, int] = {}  # outside a workspace: hints shown per challenge in this process


def check(challenge_id: str, file: str | None = None, show: bool = True, **objects):
    from torchdojo import rendering
    from torchdojo.grading.runner import grade

    challenge = catalog().get(challenge_id)
    if file is None and not objects:
        raise TypeError(f"pass your objects, e.g. check({challenge_id!r}, {challenge.entry[0]}={challenge.entry[0]}), "
                        "or file='path.py'")
    source = None
    if file:
        source, report = read_submission(challenge, Path(file))
        if report is None:
            report = grade(challenge, source, label=str(file))
    else:
        report = grade(challenge, objects=objects, label="<objects>")
    workspace = find_or_none()
    if workspace:
        workspace.record(report, source)
    if show:
        rendering.report(report, challenge.title)
    return report


def hint(challenge_id: str, level: int | None = None) -> str:
    """The next hint (they escalate; the last one repeats), or hint number `level`."""
    challenge = catalog().get(challenge_id)
    workspace = find_or_none()
    if level is not None and not 1 <= level <= len(challenge.hints):
        raise ValueError(f"{challenge_id} has hints 1 to {len(challenge.hints)}")
    if workspace is None:
        if level is None:
            level = min(_HINTS_SHOWN.get(challenge.id, 0) + 1, len(challenge.hints))
        _HINTS_SHOWN[challenge.id] = max(_HINTS_SHOWN.get(challenge.id, 0), level)
        return challenge.hints[level - 1]
    store = workspace.store()
    if level is None:
        level = store.next_hint(challenge.id, len(challenge.hints))
    else:
        store.record_hint(challenge.id, level)
    return challenge.hints[level - 1]


# --- grading a .ipynb ------------------------------------------------------------------------------


class NotebookUnreadable(Exception):
    """A file named .ipynb that is not a notebook: not JSON, or JSON without notebook cells. Not an
    attempt at the challenge (nothing was graded): the command line says so with exit code 9."""


def _python_lines(cell_source: str) -> str | None:
    """A code cell as Python: IPython magics (`%…`, `%%…` cells) and shell lines (`!…`) left out.
    None for a cell that is a cell magic as a whole (its body is not Python)."""
    if cell_source.lstrip().startswith("%%"):
        return None
    lines = []
    for line in cell_source.splitlines():
        stripped = line.lstrip()
        lines.append("" if stripped.startswith(("%", "!")) else line)  # blank: keeps the line numbers
    return "\n".join(lines)


_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _defines(node: ast.stmt, names: set[str]) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name in names
    targets = node.targets if isinstance(node, ast.Assign) else \
        [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
    return any(isinstance(t, ast.Name) and t.id in names for t in targets)


def notebook_source(path: Path, entry: list[str] | tuple[str, ...]) -> str:
    """The Python to grade from a notebook: the code cells that define the entry names, whole, and
    from the other cells only their imports, functions and classes (the helpers those may use);
    calls such as ``check(...)``, training loops and prints are left out, as are magics and shell
    lines. Each kept cell is headed by a ``# cell N`` comment, so a reported line can be found."""
    names, pieces = set(entry), []
    for number, cell in enumerate(read_cells(path), 1):
        if cell.get("cell_type") != "code":
            continue
        python = _python_lines(_cell_text(path, number, cell))
        if python is None or not python.strip():
            continue
        try:
            tree = ast.parse(python)
        except SyntaxError:
            pieces.append(f"# cell {number}\n{python}")  # graded as written: the report shows the error
            continue
        if any(_defines(node, names) for node in tree.body):
            pieces.append(f"# cell {number}\n{python}")
            continue
        kept = [ast.get_source_segment(python, node) for node in tree.body if isinstance(node, _DEFINITIONS)]
        if kept:
            pieces.append(f"# cell {number} (its definitions)\n" + "\n".join(k for k in kept if k))
    return "\n\n".join(pieces) + "\n"


def read_cells(path: Path) -> list[dict]:
    """A notebook's cells; NotebookUnreadable, saying what is wrong, for a file that is not one."""
    def unreadable(why: str) -> NotebookUnreadable:
        return NotebookUnreadable(f"{path} cannot be read as a notebook: {why}")

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise unreadable(exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise unreadable("it is not UTF-8 text (a notebook is JSON)") from None
    except ValueError as exc:  # json.JSONDecodeError
        raise unreadable(f"it is not JSON ({exc}); was it saved whole?") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise unreadable("it is JSON, but not a notebook (no list of \"cells\")")
    bad = next((number for number, cell in enumerate(cells, 1) if not isinstance(cell, dict)), None)
    if bad is not None:
        raise unreadable(f"its cell {bad} is not a cell (a JSON object)")
    return cells


def _cell_text(path: Path, number: int, cell: dict) -> str:
    text = cell.get("source", "")
    if isinstance(text, list) and all(isinstance(line, str) for line in text):
        return "".join(text)
    if not isinstance(text, str):
        raise NotebookUnreadable(f"{path} cannot be read as a notebook: the source of its cell {number} is not text")
    return text


def read_submission(challenge: Challenge, path: Path):
    """What to grade from a path: (source, None), or (None, a Report saying why it cannot be read).
    A file is read as Python reads it, a folder as its files, a ``.ipynb`` as its defining cells.
    A ``.ipynb`` that is not a notebook raises NotebookUnreadable: there is nothing to grade."""
    from torchdojo.grading.report import Report
    from torchdojo.grading.submission import SourceUnreadable, read_folder, read_source

    if path.suffix == ".ipynb" and not challenge.is_folder:
        return notebook_source(path, challenge.entry), None
    try:
        if challenge.is_folder:
            return read_folder(path), None
        return read_source(path), None
    except SourceUnreadable as exc:
        return None, Report(challenge_id=challenge.id, source_label=str(path), load_error=str(exc),
                            load_location=path.name)


# --- writing a challenge as a notebook -------------------------------------------------------------

INSTALL = """\
# On Colab (or anywhere torchdojo is not installed yet) this installs it; elsewhere it does nothing.
# TORCHDOJO_SOURCE: where pip finds torchdojo: the git URL your course gives, or a wheel you uploaded.
TORCHDOJO_SOURCE = {source!r}
import importlib.util, subprocess, sys
if importlib.util.find_spec("torchdojo") is None:
    if not TORCHDOJO_SOURCE:
        raise SystemExit("torchdojo is not installed here: set TORCHDOJO_SOURCE above to the git URL "
                         "your course gives, or to the path of the torchdojo wheel you uploaded")
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", TORCHDOJO_SOURCE])
"""
# (no default source: the name "torchdojo" on PyPI could be anybody's package)


def _cell(kind: str, text: str) -> dict:
    cell = {"cell_type": kind, "metadata": {}, "source": text.splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def build_notebook(challenge: Challenge, source: str = "") -> dict:
    """A runnable notebook (nbformat 4): the statement (real LaTeX: notebooks render it), an install
    cell for Colab (pip installs `source` where torchdojo is missing), the template as one code cell,
    the check cell and a hint cell."""
    if challenge.is_folder:
        raise ValueError(f"{challenge.id} is a folder of files ({challenge.file}); it is worked on as files, "
                         "not in a notebook")
    names = ", ".join(f"{name}={name}" for name in challenge.entry)
    cells = [
        _cell("markdown", challenge.statement),
        _cell("code", INSTALL.format(source=source)),
        _cell("markdown", "## Your code\n\nFill in every `TODO` below, run the cell, then run the check."),
        _cell("code", challenge.source("template")),
        _cell("markdown", "## Check\n\nGrades the objects defined above in a separate process; "
                          "the report says what is wrong. Run it again after every change."),
        _cell("code", f"from torchdojo import check, hint\n\nreport = check({challenge.id!r}, {names})"),
        _cell("markdown", "Stuck? Each run of the next cell shows the next hint; they escalate from a "
                          "question to nearly the answer."),
        _cell("code", f"print(hint({challenge.id!r}))"),
    ]
    for number, cell in enumerate(cells):
        cell["id"] = f"torchdojo-{number}"
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python"},
                         "torchdojo": {"challenge": challenge.id}}}


def write_notebook(challenge: Challenge, path: Path, source: str = "") -> Path:
    """Write the challenge's notebook to `path` (never over an existing file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as f:
        json.dump(build_notebook(challenge, source), f, indent=1, ensure_ascii=False)
        f.write("\n")
    return path
