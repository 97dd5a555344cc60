"""`samtbu events validate|replay|generate`: thin layer over samtbu.events."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from samtbu.errors import SamtbuError
from samtbu.cliargs import add_command, add_input, add_lang, add_output
from samtbu.output import OUTPUT_HELP, open_output, output_path_argument, write_output


def _suffix(given) -> str:
    return "" if given is None or str(given).endswith(("/", os.sep)) or Path(given).is_dir() else Path(given).suffix


def _fmt(args, given) -> str:
    if args.report:
        return args.report
    return "json" if _suffix(given) in (".json", ".jsonl", ".ndjson") else "text"


def _report_name(stream: str, fmt: str) -> str:
    stem = "events" if stream == "-" else Path(stream).stem
    return f"{stem}.report." + ("ndjson" if fmt == "json" else "txt")


def _exit(summary) -> int:
    if summary.unreadable:
        return 2
    return 1 if summary.with_violations else 0


# Through the output boundary (samtbu.output): one rule for -o, atomic files, identity numbers masked
# in reports; the register's own data (the state, the PROV-O history, the learners' records, and a
# synthetic stream, whose made-up numbers must stay valid) carries them unmasked.


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every event: the CloudEvents envelope, the change (profile «resultatendring»), the result it
    carries (its own profile), and the rules that need the history (a correction refers to a registered
    result in force, the changes of one result come in time order, an event id is not reused). The
    report is streamed: json gives one line per event and a summary line; text lists the events with
    results. Exit code 0: no violations; 1: violations; 2: unreadable lines or stream.
    """

    from samtbu.events import validate_stream

    fmt = _fmt(args, args.output)
    with open_output(args.output, _report_name(args.stream, fmt)) as out:
        summary = validate_stream(args.stream, out, fmt=fmt, lang=args.lang, jobs=args.jobs,
                                  shacl=not args.no_shacl, state=args.state)
    if args.output:
        sys.stderr.write(summary.render(args.lang))
    return _exit(summary)


def cmd_replay(args: argparse.Namespace) -> int:
    """Check the stream as `samtbu events validate` does and apply the accepted changes in stream order
    (rejected events are reported, never applied). Writes one JSON line per learner, in a fixed order:
    each result with its status (gyldig, annullert, erstattet), version, content and history. Optionally
    the history in PROV-O (N-Triples) and one record per learner for `samtbu share` and `samtbu render
    --history`.
    """

    from samtbu.events import replay_stream

    stem = "events" if args.stream == "-" else Path(args.stream).stem
    fmt = _fmt(args, args.report_file)
    with contextlib.ExitStack() as stack:
        state_out = stack.enter_context(open_output(args.output, f"{stem}.state.ndjson", mask=False))
        prov = stack.enter_context(open_output(args.prov, f"{stem}.prov.nt", mask=False)) if args.prov else None
        report = (stack.enter_context(open_output(args.report_file, _report_name(args.stream, fmt)))
                  if args.report_file else sys.stderr)  # the command line's standard error is masked
        summary, written = replay_stream(args.stream, report=report, fmt=fmt, lang=args.lang, jobs=args.jobs,
                                         shacl=not args.no_shacl, state_out=state_out, prov=prov, records=args.records,
                                         state=args.state)
    if args.report_file:
        sys.stderr.write(summary.render(args.lang))
    parts = [f"{written.get('learners', 0)} learner(s)"]
    if "records" in written:
        parts.append(f"{written['records']} record(s) in {args.records}")
    if "prov_triples" in written:
        parts.append(f"{written['prov_triples']} PROV-O triple(s)")
    print("samtbu: replayed: " + ", ".join(parts), file=sys.stderr)
    return _exit(summary)


def cmd_generate(args: argparse.Namespace) -> int:
    """Write a synthetic, valid stream: registrations from schools and tertiary vocational colleges,
    corrections after appeal, withdrawals and replacements, in time order. Deterministic for a seed.
    """

    from samtbu.events.synthetic import generate

    if args.count < 1:
        raise SamtbuError("--count must be at least 1")
    with open_output(args.output, f"events-{args.count}-seed{args.seed}.ndjson", mask=False) as out:
        counts = generate(out, args.count, seed=args.seed)
    print("samtbu: generated " + ", ".join(f"{n} {kind}" for kind, n in counts.items()), file=sys.stderr)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the JSON Schema of one event: the CloudEvents 1.0 envelope as the samtbu flow uses it, and the
    schema generated from the profile «resultatendring» for its data. The rules that need the history of
    a result are checked by `samtbu events validate` only.
    """

    from samtbu.events.schema import render_event_schema

    write_output(render_event_schema(), args.output, "samtbu-event-schema.json")
    return 0


def register(sub) -> None:
    p = add_command(
        sub, "events", None, "the continuous flow: validate, replay or generate a stream of CloudEvents (NDJSON)",
        "Results that arrive one by one and change: CloudEvents 1.0 events, one JSON object per line, "
        "whose data is a samtbu payload with one change of a result (registrering, korrigering, tilbaketrekking, erstatning).",
    )
    sp = p.add_subparsers(dest="events_command", metavar="COMMAND", required=True)

    def common(q, output_help: str) -> None:
        add_input(q, "stream", "NDJSON file of events", type=None, metavar="STREAM")
        add_output(q, help=output_help)
        add_lang(q)
        q.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
        q.add_argument("--no-shacl", action="store_true",
                       help="check only the envelope and the history rules, not the data with SHACL (for a stream already validated)")
        q.add_argument("--state", type=Path, metavar="FILE",
                       help="keep the register state in this SQLite file (check a stream against the state an earlier one left); "
                       "default: a temporary file")

    v = add_command(sp, "validate", cmd_validate, "check every event of a stream, in order", command_name="validate")
    common(v, OUTPUT_HELP + " ({stream}.report.ndjson or .txt)")
    v.add_argument("-r", "--report", choices=("json", "text"), help="report format (default: text, or json for an -o ending in .json/.jsonl/.ndjson)")

    r = add_command(sp, "replay", cmd_replay, "each learner's current state and history from a stream", command_name="replay")
    common(r, "the learners' state (NDJSON): " + OUTPUT_HELP + " ({stream}.state.ndjson)")
    r.add_argument("--prov", type=output_path_argument, metavar="PATH", help="write the history in W3C PROV-O (N-Triples; a folder: {stream}.prov.nt)")
    r.add_argument("--records", type=Path, metavar="DIR", help="write one record per learner (the results in force, JSON-LD)")
    r.add_argument("--report-file", type=output_path_argument, metavar="PATH",
                   help="write the report of the events here (default: standard error; a folder: {stream}.report.ndjson or .txt)")
    r.add_argument("-r", "--report", choices=("json", "text"), help="report format (default: text, or json for a --report-file ending in .json/.jsonl/.ndjson)")

    s = add_command(sp, "schema", cmd_schema, "the JSON Schema (2020-12) of one event, with the profile «resultatendring» for its data")
    add_output(s, "samtbu-event-schema.json")

    g = add_command(sp, "generate", cmd_generate, "write a synthetic stream (for trying a receiver; all data made up)")
    g.add_argument("--count", type=int, default=1000, help="number of events (default: 1000)")
    g.add_argument("--seed", type=int, default=1, help="seed (default: 1)")
    add_output(g, help=OUTPUT_HELP + " (events-{count}-seed{seed}.ndjson); the synthetic numbers are written as they are")


__all__ = ["register"]
