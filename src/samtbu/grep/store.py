"""The local Grep snapshot: one SQLite file (Python's own sqlite3), written by ``samtbu grep import``.

Why SQLite and not a compact file read whole (benchmarks/grep_import.py measured both on a
100,000-element dump): a lookup opens the file and reads a handful of pages, so a `samtbu validate`
of one payload does not pay for loading Grep (a compact file of 100,000 elements takes seconds to
load and hundreds of MB to hold); import writes in batches, so its memory does not grow with the
dump; one file is easy to ship, copy and replace atomically.

A snapshot is versioned: ``meta`` holds the format version, the snapshot date (when the data was
taken from Grep), the import time, a content digest (``snapshot_id``, the same for the same elements
whatever the input order), counts per type, what was skipped and why, and the NLOD attribution.
Elements are keyed by their Grep code (``kode``; Grep's IRI is ``http://psi.udir.no/kl06/{kode}``).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterable

from samtbu.errors import SamtbuError
from samtbu.grep.reader import GREP_IRI, SKIP_REASONS, GrepElement, Skip

FORMAT = "samtbu-grep-snapshot/1"
ATTRIBUTION = {
    "nb": "Inneholder data under NLOD, tilgjengeliggjort på data.udir.no",
    "en": "Contains data under NLOD, made available on data.udir.no",
}
ATTRIBUTION_LINKS = ("https://data.norge.no/nlod/no", "https://www.udir.no/om-udir/data/")
# Grep's language codes (ISO 639-2/3) and the BCP 47 tags samtbu uses.
GREP_LANGUAGES = {"nob": "nb", "nno": "nn", "eng": "en", "sme": "se", "sma": "sma", "smj": "smj"}
BCP47_TO_GREP = {v: k for k, v in GREP_LANGUAGES.items()}
_BATCH = 2000


class SnapshotError(SamtbuError):
    """A snapshot that cannot be written or read (not a snapshot, another format, unwritable)."""


@dataclass
class ImportResult:
    path: Path
    elements: int
    by_type: dict[str, int]
    skipped: dict[str, int]
    examples: list[str] = field(default_factory=list)  # the first few skips, for the user
    snapshot_date: str = ""
    snapshot_id: str = ""
    written_by_samtbu: int = 0
    sources: int = 0


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    if readonly:
        uri = "file:" + str(path.resolve()).replace("?", "%3f").replace("#", "%23") + "?mode=ro"
        return sqlite3.connect(uri, uri=True, check_same_thread=False)
    return sqlite3.connect(path)


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE element (
    kode TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    status TEXT,
    gyldig_fra TEXT,
    gyldig_til TEXT,
    sist_endret TEXT,
    written_by_samtbu INTEGER NOT NULL,
    data TEXT NOT NULL
) WITHOUT ROWID;
"""


def build_snapshot(elements: Iterable[GrepElement | Skip], path: Path, *, snapshot_date: str | None = None,
                   imported_at: str | None = None, sources: list[str] | None = None) -> ImportResult:
    """Write a new snapshot file from elements; an existing file at ``path`` is replaced only when
    the whole import succeeded (written beside it, then renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        result = _write(elements, tmp, path, snapshot_date, imported_at, sources or [])
        os.replace(tmp, path)
        return result
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write(elements, tmp: Path, final: Path, snapshot_date, imported_at, sources) -> ImportResult:
    db = _connect(tmp, readonly=False)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-16384;" + _SCHEMA)
        by_type: Counter = Counter()
        skipped: Counter = Counter()
        examples: list[str] = []
        seen: dict[str, str | None] = {}  # kode -> sist-endret of the element kept
        written = 0
        latest_change = ""
        batch: list[tuple] = []

        def skip(item: Skip):
            skipped[item.reason] += 1
            if len(examples) < 10:
                examples.append(f"{item.source}: {SKIP_REASONS.get(item.reason, item.reason)}" + (f" ({item.detail})" if item.detail else ""))

        for item in elements:
            if isinstance(item, Skip):
                skip(item)
                continue
            if item.kode in seen:
                previous = seen[item.kode]
                skip(Skip(item.source, "duplicate", item.kode))
                if (item.sist_endret or "") <= (previous or ""):
                    continue  # the one kept changed later (or at the same time: the first read is kept)
                _flush(db, batch)
                old_type, old_samtbu = db.execute("SELECT type, written_by_samtbu FROM element WHERE kode = ?", (item.kode,)).fetchone()
                by_type[old_type] -= 1
                written -= old_samtbu
            seen[item.kode] = item.sist_endret
            by_type[item.type] += 1
            written += item.written_by_samtbu
            if item.sist_endret and item.sist_endret > latest_change:
                latest_change = item.sist_endret
            batch.append(_row(item))
            if len(batch) >= _BATCH:
                _flush(db, batch)
        _flush(db, batch)
        if not seen:
            raise SnapshotError("no Grep elements found in the input" + (f" ({sum(skipped.values())} value(s) skipped: "
                                + ", ".join(f"{n} {SKIP_REASONS.get(r, r)}" for r, n in skipped.items()) + ")" if skipped else ""))
        digest = _digest(db)
        date = snapshot_date or (latest_change[:10] if latest_change else _dt.date.today().isoformat())
        meta = {
            "format": FORMAT,
            "snapshot_date": date,
            "snapshot_date_source": "given" if snapshot_date else ("latest sist-endret" if latest_change else "import date"),
            "imported_at": imported_at or _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
            "snapshot_id": digest,
            "elements": str(len(seen)),
            "by_type": json.dumps({k: v for k, v in sorted(by_type.items()) if v}, ensure_ascii=False),
            "skipped": json.dumps(dict(sorted(skipped.items())), ensure_ascii=False),
            "written_by_samtbu": str(written),
            "sources": json.dumps(sources, ensure_ascii=False),
            "attribution": json.dumps(ATTRIBUTION, ensure_ascii=False),
        }
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        db.commit()
        return ImportResult(final, len(seen), {k: v for k, v in sorted(by_type.items()) if v}, dict(sorted(skipped.items())),
                            examples, date, digest, written, len(sources))
    except sqlite3.Error as exc:
        raise SnapshotError(f"cannot write the snapshot: {exc}", where=str(final)) from None
    finally:
        db.close()


def _row(e: GrepElement) -> tuple:
    data = {"uri": e.uri, "tittel": e.tittel, "kortform": e.kortform, "refs": e.refs, "url-data": e.url_data, "source": e.source}
    return (e.kode, e.type, e.status, e.gyldig_fra, e.gyldig_til, e.sist_endret, int(e.written_by_samtbu),
            json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def _flush(db: sqlite3.Connection, batch: list) -> None:
    if batch:
        db.executemany("INSERT OR REPLACE INTO element VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
        db.commit()  # one transaction per batch: SQLite's memory stays at its page cache (the file is
        batch.clear()  # new and only renamed into place at the end, so a failed import leaves nothing)


def _digest(db: sqlite3.Connection) -> str:
    """A digest of the elements (not of where they were read from): same content, same id."""
    h = hashlib.sha256()
    for row in db.execute("SELECT kode, type, status, gyldig_fra, gyldig_til, sist_endret, written_by_samtbu, data FROM element ORDER BY kode"):
        data = json.loads(row[7])
        data.pop("source", None)
        h.update(json.dumps([*row[:7], data], ensure_ascii=False, sort_keys=True).encode())
        h.update(b"\n")
    return "sha256:" + h.hexdigest()[:32]


class Snapshot:
    """A snapshot opened for reading. Lookups are by Grep code, remembered per process (a batch's
    workers each open the file themselves after the fork)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if not self.path.is_file():
            raise SnapshotError("no such Grep snapshot file", where=str(self.path))
        self._db: sqlite3.Connection | None = None
        self._pid = None
        self._cache: dict[str, GrepElement | None] = {}
        try:
            meta = dict(self._conn().execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError:
            raise SnapshotError("not a samtbu Grep snapshot (not an SQLite file with the snapshot tables)", where=str(self.path)) from None
        if meta.get("format") != FORMAT:
            raise SnapshotError(f"snapshot format {meta.get('format')!r} is not {FORMAT!r}: import the data again with this version",
                                where=str(self.path))
        self.meta = meta
        self.date: str = meta["snapshot_date"]
        self.id: str = meta["snapshot_id"]

    def _conn(self) -> sqlite3.Connection:
        pid = os.getpid()
        if self._db is None or self._pid != pid:
            try:
                self._db = _connect(self.path, readonly=True)
            except sqlite3.Error as exc:
                raise SnapshotError(f"cannot open the snapshot: {exc}", where=str(self.path)) from None
            self._pid = pid
        return self._db

    def __getstate__(self):
        return {"path": self.path, "meta": self.meta, "date": self.date, "id": self.id, "_cache": {}, "_db": None, "_pid": None}

    def __setstate__(self, state):
        self.__dict__.update(state)

    # -- lookups -----------------------------------------------------------------------------
    def get(self, kode: str) -> GrepElement | None:
        found = self._cache.get(kode, _MISSING)
        if found is _MISSING:
            found = self.get_many([kode]).get(kode)
        return found

    def get_many(self, codes: Iterable[str]) -> dict[str, GrepElement]:
        """The elements with these codes that the snapshot has."""
        out: dict[str, GrepElement] = {}
        wanted = []
        for kode in codes:
            found = self._cache.get(kode, _MISSING)
            if found is _MISSING:
                wanted.append(kode)
            elif found is not None:
                out[kode] = found
        if wanted:
            wanted = list(dict.fromkeys(wanted))
            rows = []
            for i in range(0, len(wanted), 500):
                chunk = wanted[i:i + 500]
                rows += self._conn().execute(
                    "SELECT kode, type, status, gyldig_fra, gyldig_til, sist_endret, written_by_samtbu, data FROM element "
                    f"WHERE kode IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            if len(self._cache) > 100_000:
                self._cache.clear()
            for kode in wanted:
                self._cache[kode] = None
            for row in rows:
                element = _element(row)
                self._cache[element.kode] = element
                out[element.kode] = element
        return out

    def get_iri(self, iri: str) -> GrepElement | None:
        return self.get(iri[len(GREP_IRI):]) if iri.startswith(GREP_IRI) else None

    def title(self, kode: str, lang: str = "nb", *, fallback: bool = True) -> str | None:
        element = self.get(kode)
        return element_title(element, lang, fallback=fallback) if element else None

    def search(self, text: str, limit: int = 20) -> list[GrepElement]:
        """Elements whose code starts with, or whose title contains, the text (for `grep show`)."""
        like = f"%{text}%"
        rows = self._conn().execute(
            "SELECT kode, type, status, gyldig_fra, gyldig_til, sist_endret, written_by_samtbu, data FROM element "
            "WHERE kode LIKE ? OR data LIKE ? ORDER BY kode LIMIT ?", (text + "%", like, limit)).fetchall()
        return [_element(r) for r in rows]

    def codes(self, kind: str | None = None) -> list[str]:
        if kind:
            return [r[0] for r in self._conn().execute("SELECT kode FROM element WHERE type = ? ORDER BY kode", (kind,))]
        return [r[0] for r in self._conn().execute("SELECT kode FROM element ORDER BY kode")]

    def info(self) -> dict:
        m = self.meta
        return {
            "path": str(self.path), "format": m["format"], "snapshot_date": m["snapshot_date"],
            "snapshot_date_source": m.get("snapshot_date_source"), "imported_at": m.get("imported_at"),
            "snapshot_id": m["snapshot_id"], "elements": int(m["elements"]), "by_type": json.loads(m["by_type"]),
            "skipped": json.loads(m["skipped"]), "written_by_samtbu": int(m.get("written_by_samtbu", 0)),
            "sources": json.loads(m.get("sources", "[]")), "attribution": json.loads(m["attribution"]),
        }


_MISSING = object()


def _element(row) -> GrepElement:
    data = json.loads(row[7])
    return GrepElement(
        kode=row[0], type=row[1], status=row[2], gyldig_fra=row[3], gyldig_til=row[4], sist_endret=row[5],
        written_by_samtbu=bool(row[6]), uri=data["uri"], tittel=data.get("tittel") or {}, kortform=data.get("kortform") or {},
        refs=data.get("refs") or {}, url_data=data.get("url-data"), source=data.get("source") or "",
    )


def element_title(element: GrepElement, lang: str = "nb", *, fallback: bool = True, short: bool = False) -> str | None:
    """The title in a BCP 47 language (nb, nn, en, se) or a Grep language code; with ``fallback``,
    Grep's ``default`` text, then bokmål, then nynorsk, when that language has none."""
    texts = element.kortform if short and element.kortform else element.tittel
    grep_lang = BCP47_TO_GREP.get(lang, lang)
    if grep_lang in texts:
        return texts[grep_lang]
    if not fallback:
        return None
    for choice in ("default", "nob", "nno"):
        if choice in texts:
            return texts[choice]
    return next(iter(texts.values()), None)


def element_titles(element: GrepElement) -> dict[str, str]:
    """The titles in each language the snapshot has, as BCP 47 tags (Grep's ``default`` left out:
    it repeats one of the others)."""
    return {GREP_LANGUAGES.get(k, k): v for k, v in element.tittel.items() if k != "default"}


__all__ = ["Snapshot", "SnapshotError", "build_snapshot", "ImportResult", "element_title", "element_titles",
           "FORMAT", "ATTRIBUTION", "GREP_LANGUAGES"]
