"""Reading an event stream (NDJSON: one CloudEvents event per line) and checking it in order.

The events are checked on their own in worker processes (envelope, SHACL of the change and of the
result it carries; ``check.py``), in chunks of lines and with a bounded number of chunks in flight;
the outcomes come back in stream order and the history rules are applied to them one by one against
the state store on disk (``history.py``). Each event's report is written as soon as it is known.
Memory does not grow with the stream: nothing is kept per event, the state is on disk.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from collections.abc import Callable, Iterator

from samtbu.errors import SamtbuError
from samtbu.events.check import CHANGE_PROFILE, Outcome, check_event
from samtbu.events.history import Store, apply
from samtbu.validate.batch import Summary, _rule_name, render_record
from samtbu.validate.input import bounded_lines
from samtbu.validate.report import RecordReport

CHUNK_LINES = 128
MAX_LINE = 4 * 1024 * 1024


class StreamError(SamtbuError):
    """The stream cannot be read at all (one bad event is not a StreamError)."""


@dataclass
class Line:
    number: int
    data: bytes


def read_lines(source: str | Path | IO[bytes]) -> tuple[Iterator[Line], str]:
    """The non-blank lines of an NDJSON stream (a file, '-' for standard input, or a binary stream)."""
    if isinstance(source, (str, Path)) and str(source) != "-":
        path = Path(source)
        if not path.exists():
            raise StreamError("no such file", where=str(path))
        if path.is_dir():
            raise StreamError("is a directory, not an NDJSON stream of events", where=str(path))
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise StreamError(f"cannot open: {exc.strerror or exc}", where=str(path)) from None
        name = str(path)
    elif isinstance(source, (str, Path)):
        stream, name = sys.stdin.buffer, "<stdin>"
    else:
        stream, name = source, "<stream>"

    def lines() -> Iterator[Line]:
        try:
            # Never more than MAX_LINE bytes of one line in memory (a longer line is read and dropped).
            for number, (raw, _length) in enumerate(bounded_lines(stream, MAX_LINE), start=1):
                if raw is None:
                    yield Line(number, b"\x00too long")
                    continue
                if raw.strip():
                    yield Line(number, raw)
        finally:
            if stream is not sys.stdin.buffer and isinstance(source, (str, Path)):
                stream.close()

    return lines(), name


# -- the workers ----------------------------------------------------------------------------------

_STATE: dict = {}


def _prepare(root: str | None = None) -> None:
    """Load the model once (before the workers fork; a profile is compiled when first needed)."""
    from samtbu.events.check import _result_profiles
    from samtbu.validate.batch import prepare

    prepare(None, "fast", root)
    from samtbu.model import Model

    _result_profiles(str(Model.load(root).root))


def _check_chunk(args) -> list[Outcome]:
    chunk, stream, lang, shacl, keep_content, first_index = args
    out = []
    for k, line in enumerate(chunk):
        if line.data.startswith(b"\x00too long"):
            from samtbu.events.rules import result

            o = Outcome(first_index + k, line.number, f"{stream}:{line.number}", unreadable=True)
            too_long = (f"linjen er lengre enn {MAX_LINE} byte", f"linja er lengre enn {MAX_LINE} byte",
                        f"the line is longer than {MAX_LINE:,} bytes")
            o.results.append(result("EventNotJson", lang, focus=o.source, pointer="", problem=too_long))
            out.append(o)
            continue
        out.append(check_event(line.data, line.number, first_index + k, stream, lang=lang, shacl=shacl, keep_content=keep_content))
    return out


def outcomes(lines: Iterator[Line], stream: str, *, lang: str, shacl: bool, keep_content: bool, jobs: int) -> Iterator[Outcome]:
    """The events checked on their own, in stream order (in worker processes when jobs > 1)."""
    chunks = _chunks(lines)
    if jobs <= 1:
        for first, chunk in chunks:
            yield from _check_chunk((chunk, stream, lang, shacl, keep_content, first))
        return
    import multiprocessing as mp

    in_flight = threading.BoundedSemaphore(max(jobs * 4, 8))

    def feed():
        for first, chunk in chunks:
            in_flight.acquire()
            yield (chunk, stream, lang, shacl, keep_content, first)

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)
    with ctx.Pool(jobs) as pool:
        for batch in pool.imap(_check_chunk, feed()):
            in_flight.release()
            yield from batch


def _chunks(lines: Iterator[Line]) -> Iterator[tuple[int, list[Line]]]:
    chunk: list[Line] = []
    index = 0
    for line in lines:
        chunk.append(line)
        if len(chunk) >= CHUNK_LINES:
            yield index, chunk
            index += len(chunk)
            chunk = []
    if chunk:
        yield index, chunk


# -- the run --------------------------------------------------------------------------------------


@dataclass
class StreamSummary(Summary):
    applied: int = 0
    rejected: int = 0
    duplicates: int = 0

    def to_dict(self) -> dict:
        return {"events": self.records, **{k: v for k, v in super().to_dict().items() if k != "records"},
                "applied": self.applied, "rejected": self.rejected, "duplicates": self.duplicates}

    def render(self, lang: str) -> str:
        text = super().render(lang)
        nb = lang in ("nb", "nn")
        first, rest = text.split("\n", 1)
        first = first.replace("poster" if nb else "records", "hendelser" if lang == "nb" else "hendingar" if lang == "nn" else "events", 1)
        extra = (f"  {self.applied} tatt inn, {self.rejected} avvist, {self.duplicates} levert to ganger" if nb
                 else f"  {self.applied} applied, {self.rejected} rejected, {self.duplicates} delivered twice")
        return first + "\n" + extra + "\n" + rest


def run_stream(
    source: str | Path | IO[bytes],
    out: IO[str] | None,
    *,
    fmt: str = "json",
    lang: str = "nb",
    jobs: int | None = None,
    shacl: bool = True,
    state: Path | str | None = None,
    keep_history: bool = False,
    on_store: Callable[[Store], None] | None = None,
) -> StreamSummary:
    """Check every event of a stream in order and write each event's report to ``out`` (json: one
    line per event; text: the events with results). With ``keep_history`` the accepted changes are
    kept with their content, and ``on_store`` is called with the store before it is closed (the
    replay writes its outputs there)."""
    if fmt not in ("json", "text"):
        raise StreamError(f"report format {fmt!r} is not available for event streams (use json or text)")
    started = time.perf_counter()
    lines, name = read_lines(source)
    jobs = jobs or os.cpu_count() or 1
    _prepare()
    threshold = gc.get_threshold()
    gc.set_threshold(100_000, 20, 100)
    summary = StreamSummary()
    store = Store(state)
    try:
        for o in outcomes(lines, name, lang=lang, shacl=shacl, keep_content=keep_history, jobs=jobs):
            fate = "rejected" if o.unreadable else apply(o.facts, o.results, store, lang, keep_history=keep_history)
            summary.applied += fate == "applied"
            summary.rejected += fate == "rejected"
            summary.duplicates += fate == "duplicate"
            record = RecordReport(o.source, "cloudevents", CHANGE_PROFILE, o.results)
            summary.add((o.unreadable, record.conforms, record.count("Violation"), record.count("Warning"),
                         tuple(_rule_name(r) for r in o.results)))
            if out is not None and (fmt == "json" or o.results):
                text = render_record(record, fmt, lang)
                if fmt == "json":
                    row = json.loads(text)
                    row.update({"line": o.line, "id": o.facts.event_id if o.facts else None, "outcome": fate})
                    text = json.dumps(row, ensure_ascii=False) + "\n"
                out.write(text)
        if on_store is not None:
            store.db.execute("COMMIT")
            store.db.execute("BEGIN")
            on_store(store)
    finally:
        gc.set_threshold(*threshold)
        store.close()
    summary.seconds = time.perf_counter() - started
    if out is not None:
        if fmt == "json":
            out.write(json.dumps({"summary": summary.to_dict()}, ensure_ascii=False) + "\n")
        else:
            out.write(summary.render(lang))
        out.flush()
    return summary


__all__ = ["run_stream", "read_lines", "outcomes", "StreamSummary", "StreamError"]
