"""`samtbu validate`: thin layer over samtbu.validate."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from samtbu.validate import FORMATS, validate, validate_files
from samtbu.validate.input import InputError
from samtbu.validate.render import RENDER_FORMATS, use_colour

FAIL_ON = {"violation": "Violation", "warning": "Warning", "info": "Info"}


def register(sub) -> None:
    p = sub.add_parser(
        "validate",
        help="validate payloads against a profile",
        description=(
            "Validate payloads (JSON, JSON-LD, Turtle, N-Triples, RDF/XML) against a validation profile. "
            "Exit code 0: conforms; 1: violations (or results at --fail-on); 2: unreadable input or usage error."
        ),
    )
    p.add_argument("paths", nargs="*", type=Path, help="files or directories; '-' or none reads standard input")
    p.add_argument("-p", "--profile", help="validation profile (default: detected from the payload's root node)")
    p.add_argument("-f", "--format", choices=FORMATS, help="input format (default: from the file name or content)")
    p.add_argument("-r", "--report", choices=RENDER_FORMATS, default="text", help="report format (default: text)")
    p.add_argument("-l", "--lang", choices=("nb", "en"), default="nb", help="language of messages (default: nb)")
    p.add_argument("--fail-on", choices=tuple(FAIL_ON), default="violation", help="lowest severity that fails (exit 1)")
    p.add_argument("-o", "--output", type=Path, help="write the report to this file instead of standard output")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour in text reports")
    p.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    stdin = not args.paths or [str(p) for p in args.paths] == ["-"]
    if stdin:
        report = validate(sys.stdin.buffer.read(), args.profile, format=args.format, lang=args.lang, source="<stdin>")
    else:
        missing = [str(p) for p in args.paths if not p.exists()]
        if missing:
            raise InputError("no such file or directory", where=", ".join(missing))
        report = validate_files(args.paths, args.profile, format=args.format, lang=args.lang)
        if len(report.records) == 1 and report.records[0].error:
            raise InputError(report.records[0].error, where=report.records[0].source)
    colour = args.color == "always" or (args.color == "auto" and args.output is None and use_colour())
    text = report.render(args.report, colour=colour and args.report == "text")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if report.unreadable:
        return 2
    return 1 if report.fails(FAIL_ON[args.fail_on]) else 0
