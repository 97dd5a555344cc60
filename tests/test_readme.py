"""README's commands can be run as written: every `samtbu` command in its code blocks is one the
CLI accepts, and the validation sessions it shows (`$ samtbu validate ...`) are run for real from a
folder laid out like the repository: the files they name exist, the exit codes are the ones shown
and every field the README lists as a result is in the report."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from samtbu.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"


def _blocks(kind: str) -> list[list[str]]:
    """The lines of each fenced code block of this kind (sh, console)."""
    return [block.splitlines() for block in re.findall(rf"^```{kind}\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)]


def _joined(lines: list[str]) -> list[str]:
    """Lines with shell continuations (a trailing backslash) joined."""
    out: list[str] = []
    for line in lines:
        if out and out[-1].endswith("\\"):
            out[-1] = out[-1][:-1] + " " + line.strip()
        else:
            out.append(line)
    return out


def _commands() -> list[str]:
    found = []
    for block in _blocks("sh"):
        found += [line.strip() for line in _joined(block) if line.strip().startswith("samtbu ")]
    for block in _blocks("console"):
        found += [line[2:].strip() for line in _joined(block) if line.startswith("$ samtbu ")]
    return found


COMMANDS = _commands()


def test_readme_shows_commands():
    assert len(COMMANDS) >= 15, COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_every_readme_command_is_accepted_by_the_cli(command, capsys):
    args = shlex.split(command, comments=True)[1:]
    try:
        build_parser().parse_args(args)
    except SystemExit as exc:
        pytest.fail(f"README: `{command}` is not a command samtbu accepts (exit {exc.code}): {capsys.readouterr().err.strip()}")


def _sessions() -> list[list[tuple[str, list[str]]]]:
    """The console blocks that validate something: [(command, its output lines)] in order."""
    sessions = []
    for block in _blocks("console"):
        steps: list[tuple[str, list[str]]] = []
        for line in _joined(block):
            if line.startswith("$ "):
                steps.append((line[2:].strip(), []))
            elif steps:
                steps[-1][1].append(line)
        if any(command.startswith("samtbu validate") for command, _ in steps):
            sessions.append(steps)
    return sessions


SESSIONS = _sessions()


def test_readme_has_validation_sessions():
    assert len(SESSIONS) >= 2


@pytest.mark.parametrize("steps", SESSIONS, ids=[next(c for c, _ in s if c.startswith("samtbu validate")) for s in SESSIONS])
def test_readme_validation_session_runs_as_shown(steps, tmp_path):
    # A folder laid out like the repository, so that relative paths resolve as they do in a checkout.
    for name in ("examples", "feil-vitnemaal.json"):
        if (REPO / name).exists():
            (tmp_path / name).symlink_to(REPO / name)
    last = None
    for command, output in steps:
        if command == "echo $?":
            assert last is not None and output, command
            assert str(last.returncode) == output[0].strip(), (last.args, last.stdout[-1500:], last.stderr[-1500:])
            continue
        if not command.startswith("samtbu "):
            continue
        args = shlex.split(command, comments=True)[1:]
        for name in args:
            if name.endswith((".json", ".ttl")) and not name.startswith("-") and command.startswith("samtbu validate"):
                assert (tmp_path / name).exists() or any(name in c for c, _ in steps if c is not command), \
                    f"README: `{command}` names {name}, which the repository does not ship"
        last = subprocess.run([sys.executable, "-m", "samtbu.cli", *args], cwd=tmp_path, capture_output=True, text=True,
                              timeout=600)
        assert last.returncode in (0, 1), (command, last.stderr[-2000:])
        if command.startswith("samtbu validate"):
            shown = [line for line in output if line.strip()]
            if shown and not shown[0].startswith(" "):
                assert shown[0].split(":")[0] in last.stdout, (shown[0], last.stdout[:500])
            for line in shown:
                m = re.match(r"\s+(BRUDD|ADVARSEL|RÅD|VIOLATION|WARNING|INFO)\s+(/\S*)", line)
                if m:
                    assert f"{m.group(1)} {m.group(2)}" in last.stdout, \
                        f"README shows `{line.strip()}` for `{command}`, the report has:\n{last.stdout[-3000:]}"
