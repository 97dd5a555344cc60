"""What the subcommands of `samtbu` share, written once: a command with its handler, and the options
for input, output and language that several commands take (spelled and explained the same way in
each, so that `samtbu X --help` reads alike for every X).

Light on purpose: a command imports this module before anything else (start-up is measured,
benchmarks/cli_startup.py), so it needs argparse and ``samtbu.output`` only.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from samtbu.output import OUTPUT_HELP, output_path_argument

LANGUAGES = ("nb", "nn", "en")
STDIN = "'-' reads standard input"


def add_command(sub, name: str, func: Callable | None, help: str, description: str | None = None,  # noqa: A002 - argparse's word
                **defaults) -> argparse.ArgumentParser:
    """A subcommand ``name`` of ``sub`` (``add_subparsers``) run by ``func(args)``; ``defaults`` are
    set on its arguments as well (``command_name=...``). ``help`` is its line in the list of
    commands; its description (``--help``) is ``description``, else the docstring of ``func``: a
    command is described once, where it is implemented."""
    if description is None and func is not None and func.__doc__:
        description = " ".join(func.__doc__.split())  # one paragraph, as argparse and the site show it
    parser = sub.add_parser(name, help=help, description=description)
    if func is not None:
        parser.set_defaults(func=func, **defaults)
    return parser


def add_input(parser: argparse.ArgumentParser, name: str, what: str, *, stdin: bool = True, **options) -> None:
    """The positional input file(s) ``name``: ``what`` they are; ``'-'`` reads standard input unless
    ``stdin`` is false."""
    options.setdefault("type", Path)
    parser.add_argument(name, help=f"{what} ({STDIN})" if stdin else what, **options)


def add_output(parser: argparse.ArgumentParser, default_name: str | None = None, *, help: str | None = None,  # noqa: A002
               metavar: str = "PATH", **options) -> None:
    """``-o/--output``: a file, or a folder for ``default_name`` (what the help shows in brackets);
    ``help`` replaces the whole text."""
    if help is None:
        help = OUTPUT_HELP + (f" ({default_name})" if default_name else "")  # noqa: A001
    parser.add_argument("-o", "--output", type=output_path_argument, metavar=metavar, help=help, **options)


def add_lang(parser: argparse.ArgumentParser, what: str = "messages", *, short: bool = True, also: str = "") -> None:
    """``-l/--lang``: the language of ``what`` (nb, nn or en; default nb); ``also``: a note after the default."""
    flags = ("-l", "--lang") if short else ("--lang",)
    parser.add_argument(*flags, choices=LANGUAGES, default="nb", help=f"language of {what} (default: nb{'; ' + also if also else ''})")


def add_quiet(parser: argparse.ArgumentParser, help: str | None = None) -> None:  # noqa: A002
    parser.add_argument("-q", "--quiet", action="store_true", help=help)


def add_issuer_profile_option(parser: argparse.ArgumentParser, what: str = "the issuer profiles") -> None:
    """``--issuer-profile`` (Open Badges 3.0), for `samtbu export` and `samtbu sign`."""
    parser.add_argument("--issuer-profile", dest="issuer_profiles", type=Path, metavar="FILE",
                        help=f"ob3: {what} by organisasjonsnummer, each with the id (HTTP(S) URL or DID) that "
                             "resolves to the issuer's Profile (default: $SAMTBU_OB3_ISSUER_PROFILES)")


__all__ = ["LANGUAGES", "add_command", "add_input", "add_issuer_profile_option", "add_lang", "add_output", "add_quiet"]
