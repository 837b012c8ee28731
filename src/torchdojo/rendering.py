"""Grading reports as text: rich colour on a terminal, plain lines when piped.

Shared by the command line (``torchdojo.cli.render`` prints everything else) and the notebook API
(``torchdojo.check``), so the library never imports the CLI. Rich is imported when something is
printed, not with this module: a warm `torchdojo check` imports it while the server grades.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from torchdojo.grading.report import Report, Status

if TYPE_CHECKING:
    from rich.console import Console

MARKS = {  # status -> (label, rich style)
    Status.PASSED: ("PASS", "bold green"),
    Status.FAILED: ("FAIL", "bold red"),
    Status.ERROR: ("ERROR", "bold red"),
    Status.TIMEOUT: ("TIMEOUT", "bold magenta"),
    Status.CRASHED: ("CRASH", "bold magenta"),
    Status.SKIPPED: ("SKIP", "yellow"),
}


def escape(text: str) -> str:
    """Rich's markup escape (``[`` that would start a tag)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    # when piped, never wrap: logs, greps and tests see whole lines
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    # no emoji codes: a learner's message or value such as ":x:" or ":cat:" is printed as written
    return Console(file=stream, highlight=False, emoji=False, soft_wrap=not tty, width=None if tty else 200)


class ProgressLine:
    """The progress notes of a long check (``epoch=2, epochs=5, loss=0.41``) as one live line on a
    terminal, with a bar when a note says how far along it is (done/total, epoch/epochs, step/steps);
    nothing when output is piped. Use as a context manager around the grading."""

    PAIRS = (("done", "total"), ("epoch", "epochs"), ("step", "steps"))

    def __init__(self) -> None:
        self.progress: Any = None
        self.task: Any = None

    def __enter__(self) -> "ProgressLine":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, note: dict) -> None:
        if not sys.stderr.isatty():
            return
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        if self.progress is None:
            self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                     TimeElapsedColumn(), console=console(stderr=True), transient=True)
            self.progress.start()
            self.task = self.progress.add_task("grading", total=None)
        pair = next(((a, b) for a, b in self.PAIRS if a in note and b in note), None)
        words = [f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in note.items()
                 if pair is None or k != pair[1]]
        bar = {}
        if pair and all(type(note[k]) in (int, float) for k in pair) and note[pair[1]] > 0:
            bar = {"completed": note[pair[0]], "total": note[pair[1]]}
        self.progress.update(self.task, description=escape(" · ".join(words))[:100], **bar)


def _indent(text: str, spaces: int = 8) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def _for_objects(text: str) -> str:
    """Messages written for a file, reworded for objects graded from a notebook."""
    return text.replace("your file", "your code").replace("Your file", "Your code")


def report(rep: Report, title: str, next_step: str = "") -> None:
    """A grading report: one line per check, the reason under each that did not pass. `next_step`
    (what to do after a pass) is printed under a passing report."""
    out = console()
    word = _for_objects if rep.source_label == "<objects>" else (lambda text: text)
    out.print(f"[bold]{escape(rep.challenge_id)}[/] — {escape(title)}  [dim]({escape(rep.source_label)})[/]")
    if rep.load_error:
        out.print(f"  [bold red]LOAD[/]  {word('your file')} could not be graded:\n"
                  f"{escape(_indent(word(rep.load_error)))}")
    shown: set[str] = set()
    for result in rep.results:
        label, style = ("TODO", "bold yellow") if result.fingerprint == "todo" else MARKS[result.status]
        out.print(f"  [{style}]{label:<7}[/] {escape(result.title)}")
        if result.passed or not result.message:
            continue
        if result.message in shown:  # one broken line fails many checks: say it once
            where = f" ({result.location})" if result.location else ""
            out.print(f"          [dim]same as above{escape(where)}[/]")
            continue
        shown.add(result.message)
        out.print(escape(_indent(word(result.message), 10)), style="dim" if result.status is Status.SKIPPED else None)
    if rep.mistake:
        out.print(f"[bold yellow]Known mistake:[/] {escape(rep.mistake.diagnosis)}")
    elif rep.advice:
        out.print(f"[bold yellow]What this looks like:[/] {escape(word(rep.advice))}")
    if rep.output.strip():
        out.print("[dim]Your code printed:[/]\n" + escape(_indent(rep.output.rstrip(), 4)))
    if rep.hidden_checks:
        out.print(f"[dim]{rep.hidden_checks} more {'check is' if rep.hidden_checks == 1 else 'checks are'} "
                  "not shown here: your teacher's grading (`torchdojo grade`) runs them too.[/]")
    passed = sum(r.passed for r in rep.results)
    stuck = f"Stuck? [bold]torchdojo hint {escape(rep.challenge_id)}[/]" if rep.source_label != "<objects>" \
        else f"Stuck? [bold]hint({escape(repr(rep.challenge_id))})[/]"
    if rep.passed:
        out.print(f"[bold green]All {passed} checks passed[/] in {rep.duration:.2f} s."
                  + (f" {next_step}" if next_step else ""))
    elif rep.load_error and not passed:
        out.print(f"[bold red]Not graded:[/] {word('your file')} did not load; fix the error above and check "
                  f"again. {stuck}")
    else:
        out.print(f"[bold red]{passed} of {len(rep.results)} checks passed[/] in {rep.duration:.2f} s. {stuck}")


# --- statements: Markdown with LaTeX maths, for a terminal ----------------------------------------
#
# A statement's maths is LaTeX ($…$ inline, $$…$$ displayed), which notebooks and the web render
# with MathJax. A terminal cannot, and rich's Markdown renderer would eat its backslashes (`\\` is an
# escape in Markdown), so for a terminal every formula is converted to Unicode by pylatexenc's
# LaTeX parser (½·r², ‖a‖², ⟨a, b⟩, ℝ^(d_out × d_in), a cases block laid out on lines) and only the
# layout of scripts, fractions and cases is ours.

_SUPERSCRIPTS = dict(zip("0123456789+-−=()niT⊤", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱᵀᵀ"))
_SUBSCRIPTS = dict(zip("0123456789+-−=()aeijkmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑᵢⱼₖₘₙₒₚᵣₛₜᵤᵥₓ"))
_FRACTIONS = {("1", "2"): "½", ("1", "3"): "⅓", ("2", "3"): "⅔", ("1", "4"): "¼", ("3", "4"): "¾",
              ("1", "8"): "⅛"}
_SPACED = {"leftarrow": "←", "rightarrow": "→", "to": "→", "mapsto": "↦", "le": "≤", "leq": "≤",
           "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "in": "∈", "times": "×", "approx": "≈",
           "Leftarrow": "⇐", "Rightarrow": "⇒", "iff": "⇔", "pm": "±", "equiv": "≡", "sim": "∼"}
_TIGHT = {"cdot": "·", "top": "⊤", "dots": "…", "cdots": "⋯", "ldots": "…", "lVert": "‖", "rVert": "‖",
          "Vert": "‖", "|": "‖", "lvert": "|", "rvert": "|", "langle": "⟨", "rangle": "⟩",
          "bigl": "", "bigr": "", "Bigl": "", "Bigr": "", "left": "", "right": "", "big": "", "Big": "",
          ",": " ", ";": " ", ":": " ", "!": "", "quad": "  ", "qquad": "    "}


def _script(mark: str, text: str) -> str:
    """x^text or x_text, in Unicode super/subscripts where every character has one."""
    text = text.strip()
    table = _SUPERSCRIPTS if mark == "^" else _SUBSCRIPTS
    if text and all(ch in table for ch in text) and (mark == "^" or len(text) == 1 or text.isdigit()):
        return "".join(table[ch] for ch in text)
    if len(text) == 1 or text.replace("_", "").isalnum():
        return mark + text
    return f"{mark}({text})"


def _math_converter():
    from pylatexenc import latexwalker, macrospec
    from pylatexenc.latex2text import EnvironmentTextSpec, LatexNodes2Text, MacroTextSpec, \
        get_default_latex_context_db

    def _spaced_after(node) -> bool:
        """A macro without arguments followed by a space in the source (TeX would eat the space)."""
        return (node.isNodeType(latexwalker.LatexMacroNode) and bool(node.macro_post_space)
                and node.macroname not in ("langle", "lVert", "lvert", "bigl", "Bigl", "left", "big", "Big")
                and not (node.nodeargd and any(a is not None for a in (node.nodeargd.argnlist or []))))

    class Math2Text(LatexNodes2Text):
        """pylatexenc's converter, with scripts, fractions and spacing laid out for reading."""

        def nodelist_to_text(self, nodelist):
            out, pending = [], None  # pending: '^' or '_' waiting for a {group} or \macro argument
            for node in nodelist:
                if node is None or node.isNodeType(latexwalker.LatexCommentNode):
                    continue
                if pending and not node.isNodeType(latexwalker.LatexCharsNode):
                    out.append(_script(pending, self.node_to_text(node)) + (" " if _spaced_after(node) else ""))
                    pending = None
                    continue
                if node.isNodeType(latexwalker.LatexCharsNode):
                    text = node.chars
                    if pending:
                        if not text.strip():
                            continue
                        text = text.lstrip()
                        out.append(_script(pending, text[0]))
                        text, pending = text[1:], None
                    piece = []
                    i = 0
                    while i < len(text):
                        ch = text[i]
                        if ch in "^_":
                            rest = text[i + 1:].lstrip()
                            if not rest:
                                pending = ch
                                break
                            piece.append(_script(ch, rest[0]))
                            i = len(text) - len(rest) + 1
                            continue
                        piece.append(ch)
                        i += 1
                    out.append("".join(piece).replace("-", "−") if self._in_math else "".join(piece))
                    continue
                text = self.node_to_text(node)
                if _spaced_after(node) and text and not text.endswith((" ", "\n")):
                    text += " "  # the space after a macro is the author's (TeX would eat it)
                out.append(text)
            if pending:
                out.append(pending)
            return "".join(out)

        _in_math = True

    def arg_text(n, l2tobj, i):
        arg = n.nodeargd.argnlist[i]
        return l2tobj.nodelist_to_text([arg]).strip() if arg is not None else ""

    def fraction(n, l2tobj):
        top, bottom = arg_text(n, l2tobj, 0), arg_text(n, l2tobj, 1)
        if (top, bottom) in _FRACTIONS:
            return _FRACTIONS[(top, bottom)]
        wrap = lambda s: s if s.replace(".", "").isalnum() or len(s) == 1 else f"({s})"  # noqa: E731
        return f"{wrap(top)}/{wrap(bottom)}"

    def cases(n, l2tobj):
        body = l2tobj.nodelist_to_text(n.nodelist)
        rows = [[" ".join(cell.split()) for cell in row.split("\x00")] for row in body.split("\x01") if row.strip()]
        width = max(len(row[0]) for row in rows)
        braces = ["{"] if len(rows) == 1 else ["⎧"] + ["⎨" if i == (len(rows) - 1) // 2 else "⎪"
                                                       for i in range(1, len(rows) - 1)] + ["⎩"]
        if len(rows) == 2:
            braces = ["⎰", "⎱"]
        return "\n".join(f"{brace} {row[0]:<{width}}   {'  '.join(row[1:])}".rstrip()
                         for brace, row in zip(braces, rows))

    def plain(n, l2tobj):  # \text{...}, \mathrm{...}, \operatorname{...}: the text itself
        return arg_text(n, l2tobj, 0)

    def blackboard(n, l2tobj):
        letters = dict(zip("RNZQC", "ℝℕℤℚℂ"))
        text = arg_text(n, l2tobj, 0)
        return "".join(letters.get(ch, ch) for ch in text)

    walker_db = latexwalker.get_default_latex_context_db()
    walker_db.add_context_category("torchdojo", prepend=True, macros=[
        macrospec.MacroSpec(name, "{{") for name in ("tfrac", "dfrac", "frac")] + [
        macrospec.MacroSpec(name, "{") for name in ("text", "mathrm", "operatorname", "mathbb", "mathbf",
                                                     "mathit", "textrm", "mathcal")])
    text_db = get_default_latex_context_db()
    text_db.add_context_category(
        "torchdojo", prepend=True,
        macros=[MacroTextSpec(name, simplify_repl=fraction) for name in ("tfrac", "dfrac", "frac")]
        + [MacroTextSpec(name, simplify_repl=plain) for name in ("text", "mathrm", "operatorname", "mathbf",
                                                                 "mathit", "textrm", "mathcal")]
        + [MacroTextSpec("mathbb", simplify_repl=blackboard)]
        + [MacroTextSpec(name, simplify_repl=f" {sym} ") for name, sym in _SPACED.items()]
        + [MacroTextSpec(name, simplify_repl=sym) for name, sym in _TIGHT.items()]
        + [MacroTextSpec("\\", simplify_repl="\x01")],
        specials=[__import__("pylatexenc.latex2text", fromlist=["x"]).SpecialsTextSpec("&", "\x00")],
        environments=[EnvironmentTextSpec("cases", simplify_repl=cases)])
    return walker_db, Math2Text(latex_context=text_db, math_mode="text", strict_latex_spaces=False)


_CONVERTER: list = []


def latex_to_unicode(math: str) -> str:
    """One formula (the text between the dollars) as Unicode text."""
    from pylatexenc import latexwalker

    if not _CONVERTER:
        _CONVERTER.extend(_math_converter())
    walker_db, converter = _CONVERTER
    nodes, _, _ = latexwalker.LatexWalker(math, latex_context=walker_db, tolerant_parsing=True).get_latex_nodes()
    text = converter.nodelist_to_text(nodes)
    lines = [" ".join(line.split()) if not line.startswith(("⎧", "⎨", "⎩", "⎪", "⎰", "⎱", "{ "))
             else line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(lines)


import re  # noqa: E402  (kept next to its only user)

# code spans and fenced blocks are left alone; $$display$$ and $inline$ maths are converted
_MARKDOWN_PIECES = re.compile(r"(?P<fence>^(?P<f>```|~~~)[^\n]*\n.*?^(?P=f)[ \t]*$)"
                              r"|(?P<code>(?P<ticks>`+).+?(?P=ticks))"
                              r"|\$\$(?P<display>.+?)\$\$"
                              r"|(?<![\\$])\$(?P<inline>(?:[^$\n]|\n(?![ \t]*\n))+?)\$", re.S | re.M)
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def statement_for_terminal(markdown: str) -> str:
    """A statement's Markdown with every formula in Unicode: inline ones escaped as Markdown text,
    displayed ones as preformatted blocks (a cases block keeps its lines)."""
    def convert(match: re.Match) -> str:
        if match.group("display") is not None:
            return "\n```text\n" + latex_to_unicode(match.group("display")) + "\n```\n"
        if match.group("inline") is not None:
            return _MARKDOWN_SPECIALS.sub(r"\\\1", latex_to_unicode(match.group("inline")))
        return match.group(0)

    return _MARKDOWN_PIECES.sub(convert, markdown)


def statement_as_text(markdown: str) -> str:
    """A statement for a pipe or a log: the Markdown as written, its formulas in Unicode."""
    def convert(match: re.Match) -> str:
        if match.group("display") is not None:
            return "\n" + "\n".join("    " + line for line in latex_to_unicode(match.group("display")).splitlines()) + "\n"
        if match.group("inline") is not None:
            return latex_to_unicode(match.group("inline"))
        return match.group(0)

    return _MARKDOWN_PIECES.sub(convert, markdown)


def statement(markdown: str, out: Console | None = None) -> None:
    """Print a statement: rich Markdown with Unicode maths on a terminal, plain text otherwise."""
    out = out or console()
    if out.is_terminal:
        from rich.markdown import Markdown

        out.print(Markdown(statement_for_terminal(markdown)))
    else:
        text = statement_as_text(markdown)
        out.print(escape(text), end="" if text.endswith("\n") else "\n")
