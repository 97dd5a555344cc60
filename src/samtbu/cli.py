"""The `samtbu` command line: thin, it parses arguments and calls the library.

Each subcommand is a function ``cmd_<name>(args) -> int`` registered in ``build_parser``. Expected
failures (bad input, unknown profile, broken model files) end as one line on stderr and exit code 2;
argparse's own usage errors also exit 2. A bug ends as one line and exit code 70.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from samtbu import MODEL_VERSION
from samtbu.errors import SamtbuError
from samtbu.extras import extra_for
from samtbu.model import Model, ModelError
from samtbu.output import masked_standard_streams


INTERNAL_ERROR = 70  # EX_SOFTWARE (sysexits.h): a bug in samtbu, not a problem with the input


def cmd_info(args: argparse.Namespace) -> int:
    summary = Model.load().summary()
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 0
    print(f"samtbu model {summary['version']}  ({summary['base']})")
    for key, label in [
        ("classes", "classes"),
        ("properties", "properties"),
        ("concepts", "concepts in the catalog"),
        ("code_lists", "code lists"),
        ("codes", "codes"),
        ("shapes", "shapes"),
        ("examples", "examples"),
    ]:
        print(f"  {summary[key]:>5}  {label}")
    print(f"  {len(summary['profiles']):>5}  validation profiles: {', '.join(summary['profiles'])}")
    print("  language coverage (label / definition):")
    for lang, cov in summary["languages"].items():
        print(f"    {lang}: {cov['label']:.0%} / {cov['definition']:.0%}")
    return 0


# The module that registers each command (beside its library code). A command runs with only its own
# module imported, so that e.g. `samtbu validate` does not import the site generator or the signing
# code (its start-up is measured: benchmarks/cli_startup.py); --help and anything not listed import
# them all. tests/test_cli_info.py checks this map against what the modules register.
COMMAND_MODULES = {
    "validate": "samtbu.validate.cli",
    **dict.fromkeys(("context", "site", "rules", "catalog", "jsonschema"), "samtbu.generate.cli"),
    **dict.fromkeys(("import", "export"), "samtbu.crosswalk.cli"),
    "serve": "samtbu.service",
    **dict.fromkeys(("publish", "query"), "samtbu.publish"),
    **dict.fromkeys(("share", "render"), "samtbu.share.cli"),
    **dict.fromkeys(("keys", "sign", "verify", "status"), "samtbu.credential.cli"),
    "grep": "samtbu.grep.cli",
    "events": "samtbu.events.cli",
    "cache": "samtbu.modelcache",
}
REGISTRARS = tuple(dict.fromkeys(COMMAND_MODULES.values()))


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command; given the arguments, of the one command they name (and the
    top-level options)."""
    parser = argparse.ArgumentParser(
        prog="samtbu",
        description="The shared model for results from Norwegian education: inspect, validate, generate.",
    )
    parser.add_argument("--version", action="version", version=f"samtbu {MODEL_VERSION}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("info", help="summary of the bundled model: counts and language coverage")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_info)

    # Further subcommands register themselves here (validate, context, jsonschema, export, ...).
    command = argv[0] if argv else None
    modules = () if command == "info" else (COMMAND_MODULES[command],) if command in COMMAND_MODULES else REGISTRARS
    for register in _registrars(modules):
        register(sub)
    return parser


def _registrars(modules=REGISTRARS):
    """Subcommands defined beside their library code, each with a ``register(subparsers)``."""
    import importlib

    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that part of the toolkit is not present
            raise
        yield module.register


def main(argv: list[str] | None = None) -> int:
    # Everything the command writes on standard output and standard error, argparse's own messages
    # included, passes the output boundary, which masks identity numbers.
    with masked_standard_streams():
        try:
            return _run(argv)
        except SystemExit as exc:  # argparse: usage errors (2), --help and --version (0)
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)


def _run(argv: list[str] | None) -> int:
    # rdflib logs ill-typed literals with their values (which could be personal data) and a
    # traceback; the report says what is wrong with a payload, so its log stays quiet.
    logging.getLogger("rdflib").setLevel(logging.ERROR)
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (SamtbuError, ModelError) as exc:
        print(f"samtbu: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except ModuleNotFoundError as exc:  # an optional dependency: name the extra that installs it
        needed = extra_for(exc, _command_name(args))
        if needed is None:
            raise
        print(f"samtbu: error: {needed}", file=sys.stderr)
        return needed.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of standard output went away (e.g. `| head`)
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug: one line (its text could quote a payload), exit 70
        if os.environ.get("SAMTBU_DEBUG"):
            raise
        print(f"samtbu: internal error ({type(exc).__name__}); this is a bug, please report it "
              "(SAMTBU_DEBUG=1 shows where)", file=sys.stderr)
        return INTERNAL_ERROR


def _command_name(args: argparse.Namespace) -> str:
    """The command as typed, e.g. ``grep import`` (the subcommand and its action, if any)."""
    action = next((value for key, value in vars(args).items() if key.endswith("_command") and isinstance(value, str)), None)
    return " ".join(part for part in (args.command, action) if part)


def run() -> None:
    """Console-script entry point."""
    code = main()
    # The process ends here. Without this, the interpreter's last garbage collection walks every
    # object the command made (the model's graphs, the compiled shapes): about 0.2 s of CPU for a
    # one-file `validate`. Whatever writes a file closes it itself (output.write_output).
    import gc

    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
