"""Results that arrive one by one and change: CloudEvents 1.0 events whose data is a samtbu payload
with one change of a result (registration, correction, withdrawal, replacement).

>>> from samtbu.events import validate_stream, replay_stream
>>> summary = validate_stream("events.ndjson", sys.stdout, fmt="text")
>>> summary = replay_stream("events.ndjson", state=open("state.ndjson", "w"), prov=open("history.nt", "w"))

``validate_stream`` checks each event (the envelope; the change with the profile «resultatendring»;
the result it carries with its own profile) and the rules that need the history (a correction
refers to a registered result in force, changes of one result in time order, no event id reused);
``replay_stream`` does the same and applies the accepted changes, then writes every learner's
current state and history. Both read the stream once, in bounded memory (the state is on disk).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from samtbu.events.cloudevents import TYPES
from samtbu.events.stream import StreamSummary, run_stream


def validate_stream(source, out: IO[str] | None, *, fmt: str = "json", lang: str = "nb", jobs: int | None = None,
                    shacl: bool = True, state: Path | str | None = None) -> StreamSummary:
    """Check every event of an NDJSON stream in order; write each event's report to ``out``."""
    return run_stream(source, out, fmt=fmt, lang=lang, jobs=jobs, shacl=shacl, state=state)


def replay_stream(source, *, report: IO[str] | None = None, fmt: str = "json", lang: str = "nb", jobs: int | None = None,
                  shacl: bool = True, state_out: IO[str] | None = None, prov: IO[str] | None = None,
                  records: Path | None = None, state: Path | str | None = None) -> tuple[StreamSummary, dict]:
    """Apply the accepted changes of a stream; write the current state and history of every learner
    (``state_out``: NDJSON), the history in PROV-O (``prov``: N-Triples) and one record per learner
    (``records``: a folder). Returns the summary and the counts written."""
    from samtbu.events.replay import write_prov, write_records, write_state

    written: dict = {}

    def outputs(store) -> None:
        if state_out is not None:
            written["learners"] = write_state(store, state_out)
        if prov is not None:
            written["prov_triples"] = write_prov(store, prov)
        if records is not None:
            written["records"] = write_records(store, Path(records))

    summary = run_stream(source, report, fmt=fmt, lang=lang, jobs=jobs, shacl=shacl, state=state,
                         keep_history=True, on_store=outputs)
    return summary, written


__all__ = ["validate_stream", "replay_stream", "TYPES", "StreamSummary"]
