"""`samtbu events validate|replay|generate`: thin layer over samtbu.events."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from samtbu.errors import SamtbuError


def _open_out(path: Path | None):
    if path is None:
        return sys.stdout
    try:
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise SamtbuError(f"cannot write: {exc.strerror or exc}", where=str(path)) from None


def _fmt(args) -> str:
    if args.report:
        return args.report
    target = getattr(args, "output", None) if args.command_name == "validate" else getattr(args, "report_file", None)
    return "json" if target is not None and target.suffix in (".json", ".jsonl", ".ndjson") else "text"


def _exit(summary) -> int:
    if summary.unreadable:
        return 2
    return 1 if summary.with_violations else 0


def cmd_validate(args: argparse.Namespace) -> int:
    from samtbu.events import validate_stream

    out = _open_out(args.output)
    try:
        summary = validate_stream(args.stream, out, fmt=_fmt(args), lang=args.lang, jobs=args.jobs,
                                  shacl=not args.no_shacl, state=args.state)
    finally:
        if args.output:
            out.close()
    if args.output:
        sys.stderr.write(summary.render(args.lang))
    return _exit(summary)


def cmd_replay(args: argparse.Namespace) -> int:
    from samtbu.events import replay_stream

    state_out = _open_out(args.output)
    prov = _open_out(args.prov) if args.prov else None
    report = _open_out(args.report_file) if args.report_file else sys.stderr
    try:
        summary, written = replay_stream(args.stream, report=report, fmt=_fmt(args), lang=args.lang, jobs=args.jobs,
                                         shacl=not args.no_shacl, state_out=state_out, prov=prov, records=args.records,
                                         state=args.state)
    finally:
        for stream, given in ((state_out, args.output), (prov, args.prov), (report, args.report_file)):
            if given and stream is not None:
                stream.close()
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
    from samtbu.events.synthetic import generate

    if args.count < 1:
        raise SamtbuError("--count must be at least 1")
    out = _open_out(args.output)
    try:
        counts = generate(out, args.count, seed=args.seed)
    finally:
        if args.output:
            out.close()
    print("samtbu: generated " + ", ".join(f"{n} {kind}" for kind, n in counts.items()), file=sys.stderr)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from samtbu.events.schema import render_event_schema

    out = _open_out(args.output)
    try:
        out.write(render_event_schema())
    finally:
        if args.output:
            out.close()
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "events",
        help="the continuous flow: validate, replay or generate a stream of CloudEvents (NDJSON)",
        description="Results that arrive one by one and change: CloudEvents 1.0 events, one JSON object per line, "
        "whose data is a samtbu payload with one change of a result (registrering, korrigering, tilbaketrekking, erstatning).",
    )
    sp = p.add_subparsers(dest="events_command", metavar="COMMAND", required=True)

    def common(q, output_help: str) -> None:
        q.add_argument("stream", metavar="STREAM", help="NDJSON file of events ('-' reads standard input)")
        q.add_argument("-o", "--output", type=Path, metavar="FILE", help=output_help)
        q.add_argument("-l", "--lang", choices=("nb", "nn", "en"), default="nb", help="language of messages (default: nb)")
        q.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
        q.add_argument("--no-shacl", action="store_true",
                       help="check only the envelope and the history rules, not the data with SHACL (for a stream already validated)")
        q.add_argument("--state", type=Path, metavar="FILE",
                       help="keep the register state in this SQLite file (check a stream against the state an earlier one left); "
                       "default: a temporary file")

    v = sp.add_parser(
        "validate", help="check every event of a stream, in order",
        description="Check every event: the CloudEvents envelope, the change (profile «resultatendring»), the result it carries "
        "(its own profile), and the rules that need the history (a correction refers to a registered result in force, "
        "the changes of one result come in time order, an event id is not reused). The report is streamed: json gives one "
        "line per event and a summary line; text lists the events with results. Exit code 0: no violations; 1: violations; "
        "2: unreadable lines or stream.",
    )
    common(v, "write the report here (default: standard output)")
    v.add_argument("-r", "--report", choices=("json", "text"), help="report format (default: text, or json for an -o ending in .json/.jsonl/.ndjson)")
    v.set_defaults(func=cmd_validate, command_name="validate")

    r = sp.add_parser(
        "replay", help="each learner's current state and history from a stream",
        description="Check the stream as `samtbu events validate` does and apply the accepted changes in stream order "
        "(rejected events are reported, never applied). Writes one JSON line per learner, in a fixed order: each result "
        "with its status (gyldig, annullert, erstattet), version, content and history. Optionally the history in PROV-O "
        "(N-Triples) and one record per learner for `samtbu share` and `samtbu render --history`.",
    )
    common(r, "write the learners' state here (NDJSON; default: standard output)")
    r.add_argument("--prov", type=Path, metavar="FILE.nt", help="write the history in W3C PROV-O (N-Triples)")
    r.add_argument("--records", type=Path, metavar="DIR", help="write one record per learner (the results in force, JSON-LD)")
    r.add_argument("--report-file", type=Path, metavar="FILE", help="write the report of the events here (default: standard error)")
    r.add_argument("-r", "--report", choices=("json", "text"), help="report format (default: text, or json for a --report-file ending in .json/.jsonl/.ndjson)")
    r.set_defaults(func=cmd_replay, command_name="replay")

    s = sp.add_parser("schema", help="the JSON Schema (2020-12) of one event, with the profile «resultatendring» for its data",
                      description="Write the JSON Schema of one event: the CloudEvents 1.0 envelope as the samtbu flow uses it, "
                      "and the schema generated from the profile «resultatendring» for its data. The rules that need the history "
                      "of a result are checked by `samtbu events validate` only.")
    s.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (default: standard output)")
    s.set_defaults(func=cmd_schema)

    g = sp.add_parser("generate", help="write a synthetic stream (for trying a receiver; all data made up)",
                      description="Write a synthetic, valid stream: registrations from schools and tertiary vocational colleges, "
                      "corrections after appeal, withdrawals and replacements, in time order. Deterministic for a seed.")
    g.add_argument("--count", type=int, default=1000, help="number of events (default: 1000)")
    g.add_argument("--seed", type=int, default=1, help="seed (default: 1)")
    g.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (default: standard output)")
    g.set_defaults(func=cmd_generate)


__all__ = ["register"]
