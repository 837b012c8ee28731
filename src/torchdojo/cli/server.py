"""`torchdojo server status|stop`: the warm grader that `check` and `verify` start on demand
(see torchdojo.server). It leaves by itself after 15 idle minutes; `stop` ends it now."""
from __future__ import annotations

import typer

from torchdojo import client
from torchdojo.cli import render
from torchdojo.cli.errors import learner_command
from torchdojo.cli.exit_codes import ExitCode

app = typer.Typer(help="The warm grader that `check` starts on demand: status, stop.", no_args_is_help=True)


def _ask(message: dict) -> dict | None:
    try:
        return client.request(message)
    except client.Unavailable:
        return None


@app.command()
@learner_command
def status(as_json: bool = typer.Option(False, "--json", help="Print the status as JSON.")) -> ExitCode:
    """Whether this installation's warm grader is running, and what it is doing."""
    answer = _ask({"op": "status"})
    why_cold = client.disabled()
    if as_json:
        render.as_json({"running": answer is not None, "server": answer, "cold_because": why_cold})
        return ExitCode.OK
    if answer is None:
        render.info("No warm grader is running; the next `torchdojo check` starts one."
                    if why_cold is None else f"No warm grader is running; checks grade cold: {why_cold}.")
        return ExitCode.OK
    gradings = ", ".join(f"{g['challenge']} ({g['seconds']:.1f} s)" for g in answer.get("gradings", [])) or "none"
    versions = answer.get("versions", {})
    render.info(f"Warm grader running: pid {answer.get('pid')}, up {answer.get('uptime', 0):.0f} s, idle "
                f"{answer.get('idle', 0):.0f} s (leaves after {answer.get('idle_limit', 0):.0f} s idle)\n"
                f"torchdojo {versions.get('torchdojo')}, torch {versions.get('torch')}, "
                f"{answer.get('challenges')} challenges; gradings now: {gradings}\nsocket: {answer.get('socket')}")
    if why_cold:
        render.info(f"[dim]This shell grades cold anyway: {why_cold}.[/]")
    return ExitCode.OK


@app.command()
@learner_command
def stop() -> ExitCode:
    """Stop the warm grader now (gradings in progress finish in their own command instead)."""
    answer = _ask({"op": "stop"})
    render.info("No warm grader was running." if answer is None else f"Warm grader {answer.get('stopping')} stopped.")
    return ExitCode.OK
