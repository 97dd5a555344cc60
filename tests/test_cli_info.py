"""`samtbu info` summarises the bundled model."""

from __future__ import annotations

import json
import subprocess
import sys

from samtbu.model import Model


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samtbu.cli", *args], capture_output=True, text=True, timeout=120)


def test_info_json_matches_the_model(model: Model):
    result = run_cli("info", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["version"] == model.version
    assert summary["classes"] == len(model.classes()) >= 30
    assert summary["properties"] == len(model.properties()) >= 50
    assert summary["concepts"] >= 50
    assert summary["code_lists"] >= 15
    assert summary["shapes"] > 0
    assert set(summary["profiles"]) >= {"vitnemaal", "kompetansebevis", "fagbrev", "enkeltresultat", "fullfoeringsstatus"}
    assert summary["examples"] >= 6
    for lang in ("nb", "nn", "en"):
        assert summary["languages"][lang]["label"] == 1.0, lang


def test_info_text_names_the_counts():
    result = run_cli("info")
    assert result.returncode == 0, result.stderr
    assert "concepts in the catalog" in result.stdout
    assert "nn:" in result.stdout


def test_unknown_subcommand_is_a_usage_error():
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "invalid choice" in result.stderr


def test_each_command_is_registered_by_the_module_the_cli_imports_for_it():
    """`samtbu COMMAND` imports only COMMAND's module: the map must name, for every command the
    modules register, the module that registers it, and each command's parser must be the same
    whether all modules or only its own are imported."""
    import argparse
    import importlib

    from samtbu.cli import COMMAND_MODULES, REGISTRARS, build_parser

    registered = {}
    for module_name in REGISTRARS:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module_name).register(sub)
        registered.update(dict.fromkeys(sub.choices, module_name))
    assert registered == COMMAND_MODULES

    def choices(parser):
        return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices  # noqa: SLF001

    every = choices(build_parser())
    assert set(every) == set(COMMAND_MODULES) | {"info"}
    for command in every:
        alone = choices(build_parser([command, "--help"]))
        module = COMMAND_MODULES.get(command)
        assert set(alone) == {"info"} | {c for c, m in COMMAND_MODULES.items() if m == module}
        assert alone[command].format_help() == every[command].format_help(), command


def test_a_command_runs_without_importing_the_other_commands():
    code = ("import sys; from samtbu.cli import main; main(['validate', 'examples/enkeltresultat.json']); "
            "print(sorted(m for m in sys.modules if m in ('samtbu.generate.cli', 'samtbu.credential.cli', 'samtbu.share.cli', "
            "'samtbu.crosswalk.cli', 'samtbu.publish', 'samtbu.service')))")
    from pathlib import Path

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_every_command_is_described_and_takes_output_the_same_way():
    """The commands share their options through samtbu.cliargs: each command that runs something has
    a description (given, or its handler's docstring, as one paragraph), and every -o/--output keeps
    a trailing / (output_path_argument) and says what it writes."""
    import argparse

    from samtbu.cli import build_parser
    from samtbu.output import output_path_argument

    def commands(parser, prefix=""):
        for action in parser._actions:  # noqa: SLF001 - argparse has no public accessor
            if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
                for name, sub in action.choices.items():
                    yield prefix + name, sub
                    yield from commands(sub, prefix + name + " ")

    outputs, described = 0, set()
    for name, parser in commands(build_parser()):
        if parser.description:
            assert "\n" not in parser.description and "  " not in parser.description, name
            described.add(name)
        for action in parser._actions:  # noqa: SLF001
            if "--output" in action.option_strings:
                outputs += 1
                assert action.option_strings[0] == "-o" and action.type is output_path_argument and action.help, name
    assert outputs >= 15
    assert described >= {"validate", "share", "render", "import", "export", "sign", "verify", "publish", "query", "context",
                          "catalog", "jsonschema", "rules", "events validate", "events replay", "events schema", "events generate"}
