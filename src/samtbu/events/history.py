"""The history of the results in a stream: a state store on disk (SQLite), and the rules that need it.

The store keeps, per result IRI, its status in the register (the document status codes: gyldig,
annullert, erstattet), its version number, the time and line of its last change and its learner;
per event, the (source, id) pair and a digest of its content; and, for a replay, one row per change
of each result with the content it gave. Memory stays bounded however long the stream is: the state
is on disk, with a fixed page cache.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from samtbu.errors import SamtbuError
from samtbu.events.check import Facts
from samtbu.events.cloudevents import shown_time
from samtbu.events.rules import STATUS, change_word, result
from samtbu.validate.report import Result

IN_FORCE, ANNULLED, REPLACED = 0, 1, 2
# The register status of a result: the codes of kode/dokumentstatus.
STATUS_CODES = {IN_FORCE: "gyldig", ANNULLED: "annullert", REPLACED: "erstattet"}
CACHE_KIB = 16 * 1024
_COMMIT_EVERY = 20_000
_V = TypeVar("_V")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    iri TEXT PRIMARY KEY, status INTEGER NOT NULL, version INTEGER NOT NULL,
    last_time TEXT, last_line INTEGER, learner TEXT, cls TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    src TEXT NOT NULL, id TEXT NOT NULL, digest TEXT NOT NULL, line INTEGER,
    PRIMARY KEY (src, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
    learner TEXT NOT NULL, iri TEXT NOT NULL, seq INTEGER NOT NULL, version INTEGER NOT NULL,
    change TEXT NOT NULL, role TEXT, other TEXT, event_src TEXT, event_id TEXT, change_iri TEXT,
    time TEXT, time_text TEXT, actor TEXT, actor_name TEXT, reason TEXT, begrunnelse TEXT,
    cls TEXT, content TEXT, summary TEXT, line INTEGER,
    PRIMARY KEY (learner, iri, seq)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Known:
    status: int
    version: int
    last_time: str | None
    last_line: int | None
    learner: str | None
    cls: str | None


class Store:
    """The register state while a stream is read. ``path`` None: a temporary file, removed on close;
    a path: kept (a later stream can be checked against the state an earlier one left)."""

    def __init__(self, path: Path | str | None = None):
        self._tmp = None
        if path is None:
            self._tmp = tempfile.mkdtemp(prefix="samtbu-events-")
            path = Path(self._tmp) / "state.sqlite"
        try:
            self.db = sqlite3.connect(str(path), isolation_level=None)
            pragmas = ("journal_mode=OFF", "synchronous=OFF") if self._tmp else ("journal_mode=WAL", "synchronous=NORMAL")
            for pragma in pragmas + (f"cache_size=-{CACHE_KIB}", "temp_store=FILE"):
                self.db.execute(f"PRAGMA {pragma}")
            self.db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise SamtbuError(f"cannot open the state store: {exc}", where=str(path)) from None
        self.db.execute("BEGIN")
        self._ops = 0

    # -- reading ------------------------------------------------------------------------------
    def known(self, iri: str | None) -> Known | None:
        if iri is None:
            return None
        row = self.db.execute("SELECT status, version, last_time, last_line, learner, cls FROM results WHERE iri = ?", (iri,)).fetchone()
        return Known(*row) if row else None

    def seen(self, src: str, event_id: str) -> tuple[str, int] | None:
        return self.db.execute("SELECT digest, line FROM events WHERE src = ? AND id = ?", (src, event_id)).fetchone()

    # -- writing ------------------------------------------------------------------------------
    def _tick(self) -> None:
        self._ops += 1
        if self._ops >= _COMMIT_EVERY:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")
            self._ops = 0

    def put(self, iri: str, status: int, version: int, time: str | None, line: int, learner: str | None, cls: str | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)", (iri, status, version, time, line, learner, cls))
        self._tick()

    def remember(self, src: str, event_id: str, digest: str, line: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?)", (src, event_id, digest, line))
        self._tick()

    def record(self, f: Facts, iri: str, version: int, role: str, other: str | None, learner: str | None, content: str | None) -> None:
        seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM history WHERE learner = ? AND iri = ?",
                              (learner or "", iri)).fetchone()[0]
        self.db.execute(
            "INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (learner or "", iri, seq, version, f.change, role, other, f.event_source, f.event_id, f.change_iri,
             f.time, f.time_text, f.actor, f.actor_name, f.reason, f.begrunnelse, f.result_class if role != "erstattet" else None,
             content, f.summary if content is not None else None, f.line),
        )
        self._tick()

    def close(self) -> None:
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error:
            pass
        self.db.close()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def apply(f: Facts | None, results: list[Result], store: Store, lang: str, *, keep_history: bool = False) -> str:
    """Check one event against the history and, when it has no violation, apply it to the store.

    Returns what became of the event: "applied", "rejected", or "duplicate" (delivered before with
    the same content; not applied again)."""
    if f is None or f.change is None or f.result is None:
        return "rejected"
    focus = f.event_id or str(f.line)
    if f.event_source and f.event_id:
        seen = store.seen(f.event_source, f.event_id)
        if seen is not None:
            digest, line = seen
            if digest == f.digest:
                results.append(result("EventDuplicate", lang, focus=focus, pointer="/id", source=f.event_source, id=f.event_id, line=line))
                return "duplicate"
            results.append(result("EventIdReused", lang, focus=focus, pointer="/id", source=f.event_source, id=f.event_id, line=line))
    word = change_word(f.change, lang)
    here = store.known(f.result)

    def in_force(target: str, known: Known | None, pointer: str) -> Known | None:
        """``known`` when the result is in force; None (with the violation reported) when it is not."""
        if known is None:
            results.append(result("ResultUnknown", lang, focus=focus, pointer=pointer, value=target, change=word, result=target))
            return None
        if known.status != IN_FORCE:
            results.append(result("ResultNotInForce", lang, focus=focus, pointer=pointer, value=target, change=word,
                                  result=target, status=STATUS[known.status], line=known.last_line))
            return None
        return known

    def in_order(target: str, known: Known) -> None:
        if f.time is not None and known.last_time is not None and f.time < known.last_time:
            results.append(result("ResultOutOfOrder", lang, focus=focus, pointer="/time", value=f.time_text,
                                  result=target, time=f.time_text, previous=shown_time(known.last_time), line=known.last_line))

    def same_learner(target: str, known: Known) -> None:
        if f.learner is not None and known.learner is not None and f.learner != known.learner:
            results.append(result("ResultLearnerChanged", lang, focus=focus, pointer="/data/gjelderResultat",
                                  value=target, change=word, result=target))

    old = None
    if f.change == "Registrering":
        if here is not None:
            results.append(result("ResultAlreadyRegistered", lang, focus=focus, pointer="/subject", value=f.result,
                                  result=f.result, line=here.last_line))
    elif f.change in ("Korrigering", "Tilbaketrekking"):
        if (current := in_force(f.result, here, "/subject")) is not None:
            in_order(f.result, current)
            if f.change == "Korrigering":
                same_learner(f.result, current)
    elif f.change == "Erstatning":
        old = store.known(f.replaced)
        if f.replaced is not None and (replaced := in_force(f.replaced, old, "/data/erstattetResultat")) is not None:
            in_order(f.replaced, replaced)
            same_learner(f.replaced, replaced)
        if here is not None:
            results.append(result("ResultAlreadyRegistered", lang, focus=focus, pointer="/subject", value=f.result,
                                  result=f.result, line=here.last_line))
    if any(r.severity == "Violation" for r in results):
        return "rejected"

    # Applied: the event is remembered, the result's state moves on.
    if f.event_source and f.event_id:
        store.remember(f.event_source, f.event_id, f.digest, f.line)
    _move_on(f, f.result, store, here, old, keep_history)
    return "applied"


def _move_on(f: Facts, iri: str, store: Store, here: Known | None, old: Known | None, keep_history: bool) -> None:
    """Apply a change the checks of ``apply`` let through: the result's state (and the replaced
    one's) moves on, and with ``keep_history`` the history gets the new version. ``iri``: the
    result the change is about (``f.result``)."""
    content = f.content if keep_history else None
    if f.change == "Registrering":
        store.put(iri, IN_FORCE, 1, f.time, f.line, f.learner, f.result_class)
        if keep_history:
            store.record(f, iri, 1, "registrert", None, f.learner, content)
    elif f.change == "Korrigering":
        here = _checked(here)
        learner = f.learner or here.learner
        store.put(iri, IN_FORCE, here.version + 1, f.time, f.line, learner, f.result_class or here.cls)
        if keep_history:
            store.record(f, iri, here.version + 1, "korrigert", None, learner, content)
    elif f.change == "Tilbaketrekking":
        here = _checked(here)
        store.put(iri, ANNULLED, here.version, f.time, f.line, here.learner, here.cls)
        if keep_history:
            store.record(f, iri, here.version, "trukket-tilbake", None, here.learner, None)
    elif f.change == "Erstatning":
        old, replaced_iri = _checked(old), _checked(f.replaced)
        store.put(replaced_iri, REPLACED, old.version, f.time, f.line, old.learner, old.cls)
        learner = f.learner or old.learner
        store.put(iri, IN_FORCE, 1, f.time, f.line, learner, f.result_class)
        if keep_history:
            store.record(f, replaced_iri, old.version, "erstattet", iri, old.learner, None)
            store.record(f, iri, 1, "erstatter", f.replaced, learner, content)


def _checked(value: _V | None) -> _V:
    """What the checks above found in force (an event whose target is not in force is rejected before
    it is applied)."""
    if value is None:
        raise RuntimeError("a change was applied to a result the checks did not find in force")
    return value


__all__ = ["Store", "Known", "apply", "IN_FORCE", "ANNULLED", "REPLACED", "STATUS_CODES"]
