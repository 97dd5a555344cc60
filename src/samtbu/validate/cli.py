"""`samtbu validate`: thin layer over samtbu.validate."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from samtbu.grep.cli import add_grep_option
from samtbu.cliargs import add_command, add_input, add_lang, add_output
from samtbu.output import open_output, write_output
from samtbu.validate import ENGINES, FORMATS, snapshot_for, validate, validate_files
from samtbu.validate.input import InputError
from samtbu.validate.render import RENDER_FORMATS, use_colour

FAIL_ON = {"violation": "Violation", "warning": "Warning", "info": "Info"}
REPORT_SUFFIXES = {"text": "txt", "json": "json", "shacl-turtle": "ttl", "shacl-jsonld": "jsonld", "junit": "xml", "sarif": "sarif"}


def report_file_name(report_format: str, *, batch: bool = False) -> str:
    """The file a report is written to when -o names a folder."""
    return "samtbu-report." + ("jsonl" if batch and report_format == "json" else REPORT_SUFFIXES[report_format])


def register(sub) -> None:
    p = add_command(sub, "validate", cmd_validate, "validate payloads against a profile")
    add_input(p, "paths", "files or directories; '-' or none reads standard input", stdin=False, nargs="*")
    p.add_argument("-p", "--profile", help="validation profile (default: detected from the payload's root node)")
    p.add_argument("-f", "--format", choices=FORMATS, help="input format (default: from the file name or content)")
    p.add_argument("-r", "--report", choices=RENDER_FORMATS, default="text", help="report format (default: text)")
    add_lang(p, "messages: bokmål, nynorsk or English")
    p.add_argument("--fail-on", choices=tuple(FAIL_ON), default="violation", help="lowest severity that fails (exit 1)")
    add_output(p, "samtbu-report.txt, .json, ...")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour in text reports")
    p.add_argument("--engine", choices=ENGINES, default="fast", help="SHACL engine (default: fast; same results as pyshacl)")
    add_grep_option(p)
    b = p.add_argument_group("bulk validation")
    b.add_argument("--batch", action="store_true", help=(
        "validate many payloads: a directory, a tar/zip archive or an NDJSON stream ('-' = standard input); "
        "one report per record as it completes (json: JSON lines), then cross-record rules and a summary"))
    b.add_argument("-j", "--jobs", type=int, default=None, help="worker processes for --batch (default: all cores)")
    b.add_argument("--no-cross-record", action="store_true", help="skip the rules that span records")
    p.add_argument("--follow-symlinks", action="store_true", help=(
        "in a directory, follow symbolic links that stay inside it (default: links are skipped, with a reason)"))
    p.set_defaults(usage_of=p)


def _refuse_terminal_stdin(args: argparse.Namespace) -> None:
    """Reading a payload from a terminal would wait silently for typing: print the usage instead."""
    if sys.stdin is None or sys.stdin.isatty():
        args.usage_of.error("no payload: give files or directories, or pipe a payload into standard input ('-')")


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate payloads (JSON, JSON-LD, Turtle, N-Triples, RDF/XML) against a validation profile. Exit code 0:
    conforms; 1: violations (or results at --fail-on); 2: unreadable input or usage error.
    """

    reads_stdin = not args.paths or [str(p) for p in args.paths] == ["-"]
    if reads_stdin and not args.paths:
        _refuse_terminal_stdin(args)
    if args.batch:
        return cmd_batch(args)
    stdin = reads_stdin
    grep = snapshot_for(args.grep) or False
    if stdin:
        from samtbu.validate.input import read_stream

        report = validate(read_stream(sys.stdin.buffer, "<stdin>"), args.profile, format=args.format, lang=args.lang, source="<stdin>",
                          engine=args.engine, grep=grep)
    else:
        missing = [str(p) for p in args.paths if not p.exists()]
        if missing:
            raise InputError("no such file or directory", where=", ".join(missing))
        report = validate_files(args.paths, args.profile, format=args.format, lang=args.lang, engine=args.engine, grep=grep,
                                follow_symlinks=args.follow_symlinks)
        if len(report.records) == 1 and report.records[0].error:
            raise InputError(report.records[0].error, where=report.records[0].source)
    colour = args.color == "always" or (args.color == "auto" and args.output is None and use_colour())
    text = report.render(args.report, colour=colour and args.report == "text")
    write_output(text, args.output, report_file_name(args.report))
    if report.unreadable:
        return 2
    return 1 if report.fails(FAIL_ON[args.fail_on]) else 0


def cmd_batch(args: argparse.Namespace) -> int:
    from itertools import chain

    from samtbu.validate.batch import BATCH_FORMATS, BatchError, count_records, iter_records, run_batch

    report_format = "json" if args.report == "text" and args.output and Path(args.output).suffix in (".json", ".jsonl", ".ndjson") else args.report
    if report_format not in BATCH_FORMATS:
        raise BatchError(f"report format {report_format!r} is not available for --batch (use one of: {', '.join(BATCH_FORMATS)})")
    sources = [str(p) for p in args.paths] or ["-"]
    missing = [s for s in sources if s != "-" and not Path(s).exists()]
    if missing:
        raise InputError("no such file or directory", where=", ".join(missing))
    counts = [count_records(s, follow_symlinks=args.follow_symlinks) for s in sources]
    total = sum(counts) if all(c is not None for c in counts) else None
    # NDJSON files in chunks that the workers read themselves (the payloads skip the parent process)
    records = chain.from_iterable(iter_records(s, chunks=True, follow_symlinks=args.follow_symlinks) for s in sources)
    with open_output(args.output, report_file_name(report_format, batch=True)) as out:
        summary = run_batch(
            records, out, fmt=report_format, profile=args.profile, lang=args.lang, engine=args.engine,
            jobs=args.jobs, total=total, cross_record=not args.no_cross_record, grep=snapshot_for(args.grep),
        )
    if args.output or report_format not in ("text",):
        sys.stderr.write(summary.render(args.lang))
    if summary.unreadable:
        return 2
    threshold = FAIL_ON[args.fail_on]
    failing = summary.with_violations + summary.cross_record + (summary.with_warnings if threshold in ("Warning", "Info") else 0)
    return 1 if failing else 0
