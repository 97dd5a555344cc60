"""Bulk validation: many independent payloads, on every core, in bounded memory.

Input: a directory, a tar or zip archive, or an NDJSON (JSON lines) stream (file or standard input).
Each payload is validated on its own with the one pipeline (``validate_payload``); the model is
loaded once, and a profile compiled when its first record is met: the parent validates the first
records itself before the workers fork, so that they share the profiles those needed. Reports are
written as records complete, in input order: JSON lines, text, or (accumulated compactly) JUnit or SARIF. A
failing or unreadable record never stops the batch.

After the last record a global pass checks rules that span records, on a compact index of a few key
facts per record: a document number issued to two documents, one learner (by fødselsnummer) with
two valid vitnemål for the same competence, and the same record (document id) twice in one batch.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import sys
import tarfile
import threading
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, Any
from collections.abc import Callable, Iterable, Iterator

from samtbu.errors import SamtbuError
from samtbu.model import Model
from samtbu.namespaces import SBU, UNREADABLE_ID
from samtbu.validate import read_any, validate_payload_indexed
from samtbu.validate.engine import ProfileError
from samtbu.validate.input import MAX_BYTES, SUFFIXES, InputError, bounded_lines, payload_files, too_large
from samtbu.validate.report import RecordReport, Report, Result

BATCH_FORMATS = ("json", "text", "junit", "sarif")
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")
NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".jsonlines")

_SBU = str(SBU)
_json_string = encode_basestring  # a string as json.dumps(..., ensure_ascii=False) writes it
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_DOCUMENT_CLASSES = {_SBU + c for c in ("Vitnemaal", "Kompetansebevis", "Karakterutskrift", "Fagbrev", "Svennebrev", "Praksisbrev", "Dokumentasjon")}
_GYLDIG = "https://w3id.org/samt-bu/kode/dokumentstatus/gyldig"
_DOKUMENTNUMMER, _DOKUMENTSTATUS, _UTSTEDT_TIL, _FOEDSELSNUMMER, _DOKUMENTERER, _KOMPETANSETYPE, _PROGRAMOMRAADE = (
    _SBU + name for name in ("dokumentnummer", "dokumentstatus", "utstedtTil", "foedselsnummer", "dokumenterer", "kompetansetype",
                             "programomraade"))


class BatchError(SamtbuError):
    """The batch input cannot be opened at all (one record failing is not a BatchError)."""


# -- reading records ------------------------------------------------------------------------------


@dataclass
class RawRecord:
    index: int
    source: str
    data: bytes | None
    format: str | None = None
    error: str | None = None  # could not even be taken out of the input


@dataclass
class RawChunk:
    """Consecutive lines of an NDJSON file, read by the worker that validates them (so that the
    payloads need not pass through the parent process)."""

    path: str
    start: int  # byte offsets in the file
    end: int
    first_index: int  # record index of the first record in the chunk
    first_line: int  # line number of the first line
    records: int  # how many records (non-blank lines) the chunk holds

    def expand(self) -> list[RawRecord]:
        try:
            with open(self.path, "rb") as stream:
                stream.seek(self.start)
                data = stream.read(self.end - self.start)
        except OSError as exc:  # gone or unreadable since it was scanned: each record says so
            error = f"cannot read the file: {exc.strerror or exc}"
            return [RawRecord(self.first_index + k, f"{self.path}:{self.first_line}", None, "json", error)
                    for k in range(self.records)]
        # split as iterating over the binary file does: at b"\n" only, each line keeping it; each
        # line is copied once (a split, a newline added and a strip copied every payload three times)
        records: list[RawRecord] = []
        index, lineno, start, size, find = self.first_index, self.first_line, 0, len(data), data.find
        while start < size:
            end = find(b"\n", start)
            stop = size if end < 0 else end + 1
            if stop - start > MAX_BYTES:  # the file changed since it was scanned
                records.append(_too_long(index, f"{self.path}:{lineno}", stop - start))
                index += 1
            elif data[start] not in _WHITESPACE or data[start:stop].strip():  # a blank line is no record
                records.append(RawRecord(index, f"{self.path}:{lineno}", data[start:stop], "json"))
                index += 1
            lineno, start = lineno + 1, stop
        return records


CHUNK_RECORDS = 64
# A chunk, or a group of records sent to a worker, is closed once it holds this many bytes; at
# most IN_FLIGHT_BYTES of payloads are read ahead of the records being validated.
CHUNK_BYTES = 4 * 1024 * 1024
IN_FLIGHT_BYTES = 64 * 1024 * 1024
# With more than one job, the batch's first tasks, up to this many records, are validated in the
# parent (see run_batch): enough to meet the profiles a cohort uses, a few tenths of a second at most.
SERIAL_RECORDS = 128


def iter_records(source: str | Path | IO[bytes], *, name: str | None = None, chunks: bool = False,
                 counter=None, follow_symlinks: bool = False) -> Iterator[RawRecord | RawChunk]:
    """The records of a directory, an archive or an NDJSON stream, one at a time. With ``chunks``,
    an NDJSON file is given as ``RawChunk`` s instead, for workers to read themselves.

    Every record is read no further than the size limit. In a directory, symbolic links are not
    followed unless ``follow_symlinks`` (and never out of the directory); device files, FIFOs and
    sockets are skipped; each skipped entry is a record with the reason, named by its path."""
    import stat as stat_module

    counter = iter(range(1 << 62)) if counter is None else counter
    if not isinstance(source, (str, Path)):
        yield from _ndjson(source, name or "<stdin>", counter)
        return
    path = Path(source)
    if str(source) == "-":
        yield from _ndjson(sys.stdin.buffer, "<stdin>", counter)
        return
    if path.is_dir():
        for file, skipped in payload_files(path, follow_symlinks=follow_symlinks):
            fmt = SUFFIXES.get(file.suffix.lower())
            if skipped is not None:
                yield RawRecord(next(counter), str(file), None, fmt, skipped)
                continue
            try:
                with file.open("rb") as stream:
                    data = stream.read(MAX_BYTES + 1)
                error = None if len(data) <= MAX_BYTES else too_large(MAX_BYTES, file.stat().st_size)
                data = data if error is None else None
            except OSError as exc:
                data, error = None, f"cannot read file: {exc.strerror or exc}"
            yield RawRecord(next(counter), str(file), data, fmt, error)
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        raise BatchError("no such file or directory", where=str(path)) from None
    if stat_module.S_ISFIFO(mode):  # a named pipe: an NDJSON stream, like standard input
        with path.open("rb") as stream:
            yield from _ndjson(stream, str(path), counter)
        return
    if not stat_module.S_ISREG(mode):
        raise BatchError("a device file or socket, not a directory, an archive, an NDJSON file or a pipe", where=str(path))
    lower = path.name.lower()
    if lower.endswith(".zip"):
        yield from _zip(path, counter)
    elif any(lower.endswith(s) for s in ARCHIVE_SUFFIXES) or tarfile.is_tarfile(path):
        yield from _tar(path, counter)
    elif chunks:
        yield from _ndjson_chunks(path, counter)
    else:
        with path.open("rb") as stream:
            yield from _ndjson(stream, str(path), counter)


def _ndjson_chunks(path: Path, counter) -> Iterator[RawChunk | RawRecord]:
    """The file's lines in chunks of at most CHUNK_RECORDS records and about CHUNK_BYTES bytes:
    offsets, line numbers and record indexes as ``_ndjson`` would give them (the lines are only
    scanned here, not kept). A line over the size limit is given as an unreadable record of its own,
    and never read by a worker."""
    start = offset = 0
    first_line, first_index, records, lineno = 1, None, 0, 0
    for length, blank in _line_lengths(path):
        lineno += 1
        if length > MAX_BYTES:
            if records:
                yield RawChunk(str(path), start, offset, first_index, first_line, records)
            yield _too_long(next(counter), f"{path}:{lineno}", length)
            offset += length
            start, first_line, first_index, records = offset, lineno + 1, None, 0
            continue
        offset += length
        if not blank:
            index = next(counter)
            first_index = index if first_index is None else first_index
            records += 1
        if records == CHUNK_RECORDS or (records and offset - start >= CHUNK_BYTES):
            yield RawChunk(str(path), start, offset, first_index, first_line, records)
            start, first_line, first_index, records = offset, lineno + 1, None, 0
    if records:
        yield RawChunk(str(path), start, offset, first_index, first_line, records)


_WHITESPACE = frozenset(b" \t\n\r\x0b\x0c")  # what bytes.strip() takes off


def _line_lengths(path: Path, block_size: int = 1 << 20) -> Iterator[tuple[int, bool]]:
    """(length with its b"\n", whether only whitespace) of each line of a file, split as iterating
    over the binary file does. The file is read in blocks and only searched for line ends: the
    parent of a batch does not need the lines (reading each one into memory was most of its own
    work), and a line longer than memory is only counted."""
    length, blank = 0, True  # of the line read so far
    with path.open("rb") as stream:
        while block := stream.read(block_size):
            find, size, start = block.find, len(block), 0
            while start < size:
                end = find(b"\n", start)
                stop = size if end < 0 else end + 1
                # most lines start with "{": only a part that starts with whitespace is looked at whole
                blank = blank and block[start] in _WHITESPACE and not block[start:stop].strip()
                length += stop - start
                if end < 0:
                    break
                yield length, blank
                length, blank, start = 0, True, stop
    if length:
        yield length, blank


def _too_long(index: int, source: str, length: int) -> RawRecord:
    return RawRecord(index, source, None, "json", f"line is {length:,} bytes, over the limit of {MAX_BYTES:,}")


def _ndjson(stream, name: str, counter, *, first_line: int = 1) -> Iterator[RawRecord]:
    """The records of an NDJSON stream (a binary stream, or an iterable of lines already split)."""
    lines = bounded_lines(stream, MAX_BYTES) if hasattr(stream, "readline") else ((line, len(line)) for line in stream)
    for lineno, (line, length) in enumerate(lines, start=first_line):
        if line is None or length > MAX_BYTES:
            yield _too_long(next(counter), f"{name}:{lineno}", length)
            continue
        if not line.strip():
            continue
        yield RawRecord(next(counter), f"{name}:{lineno}", line, "json")


def _member(counter, path: Path, name: str, size: int, ndjson_lines, read) -> Iterator[RawRecord]:
    """The records of one archive member: an NDJSON file's lines, one payload, or none (not a
    payload file). ``ndjson_lines()`` gives the member's lines; ``read()`` its bytes, or raises."""
    suffix = Path(name).suffix.lower()
    source = f"{path}:{name}"
    if suffix in NDJSON_SUFFIXES:
        lines = ndjson_lines()
        try:
            yield from _ndjson(lines, source, counter)
        finally:
            if hasattr(lines, "close"):
                lines.close()
        return
    if suffix not in SUFFIXES or Path(name).name.startswith("."):
        return
    if size > MAX_BYTES:
        yield RawRecord(next(counter), source, None, SUFFIXES[suffix], too_large(MAX_BYTES, size))
        return
    try:
        data = read()
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, tarfile.TarError) as exc:
        yield RawRecord(next(counter), source, None, SUFFIXES[suffix], f"cannot read from the archive: {exc}")
        return
    if len(data) > MAX_BYTES:  # more than the member's header said
        yield RawRecord(next(counter), source, None, SUFFIXES[suffix], too_large(MAX_BYTES))
        return
    yield RawRecord(next(counter), source, data, SUFFIXES[suffix])


def _tar(path: Path, counter) -> Iterator[RawRecord]:
    try:
        archive = tarfile.open(path, mode="r|*")
    except (tarfile.TarError, OSError) as exc:
        raise BatchError(f"cannot open the archive: {exc}", where=str(path)) from None
    with archive:
        try:
            for member in archive:
                if member.isfile():
                    stream = archive.extractfile(member)
                    yield from _member(counter, path, member.name, member.size, lambda s=stream: s or io.BytesIO(),
                                       lambda s=stream: s.read(MAX_BYTES + 1) if s else b"")
        except (tarfile.TarError, OSError, EOFError) as exc:
            yield RawRecord(next(counter), str(path), None, None, f"the archive is damaged: {exc}")


def _zip(path: Path, counter) -> Iterator[RawRecord]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BatchError(f"cannot open the archive: {exc}", where=str(path)) from None
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if not info.is_dir():
                yield from _member(counter, path, info.filename, info.file_size,
                                   lambda i=info: archive.open(i), lambda i=info: _read_member(archive, i))


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with archive.open(info) as stream:
        return stream.read(MAX_BYTES + 1)


# -- one record, in a worker ----------------------------------------------------------------------


@dataclass(slots=True)
class Facts:
    """The few facts of a record the cross-record rules need."""

    source: str
    documents: list = field(default_factory=list)  # (document id, class, dokumentnummer, status, fnr, competences)
    roots: list = field(default_factory=list)  # IRIs of the root nodes: the record's identity

    def __reduce__(self):  # from a worker to the parent as a plain tuple: a quarter less pickling (measured)
        return Facts, (self.source, self.documents, self.roots)


@dataclass(slots=True)
class Outcome:
    index: int
    source: str
    text: str  # the record's report, rendered
    stats: tuple  # (unreadable, conforms, violations, warnings, rule names): what the summary needs
    record: RecordReport | None  # only for JUnit / SARIF (compact: no SHACL graph)
    facts: Facts | None


_STATE: dict = {}


def prepare(profile: str | None, engine: str, root: str | None = None, grep=None, *, compile_all: bool = False) -> None:
    """Load the model once (in the parent before forking, or per worker). A profile's shapes are
    compiled when the first record that needs it is validated (``compiled_shapes`` keeps them for
    the process): a cohort uses a few of the model's profiles, and compiling all of them was most
    of a batch's start-up. ``compile_all``: compile every profile now instead (the given one only,
    when ``profile`` is set). ``grep``: a Grep snapshot (or its path): the records are checked
    against it too."""
    from samtbu.grep import resolve_snapshot
    from samtbu.jsonld import bundled_context
    from samtbu.validate.engine import compiled_shapes, with_grep

    model = Model.load(root)
    bundled_context(model)
    model.toolkit_rules  # noqa: B018 - read once here, before the workers fork
    snapshot = resolve_snapshot(grep if grep is not None else False)
    if engine == "fast" and compile_all:
        for p in ([model.profile(profile)] if profile else model.profiles.values()):
            compiled_shapes(with_grep(p, model, snapshot) if snapshot is not None else p, model)
    _STATE.update(model=model, profile=profile, engine=engine, grep=snapshot)
    # The model and the compiled shapes live as long as the process: keep them out of the cyclic
    # garbage collector's scans (which would otherwise walk them again and again, and, after a
    # fork, copy their pages into every worker).
    gc.freeze()


def _init_worker(profile, engine, root, grep_path=None):
    if not _STATE:
        prepare(profile, engine, root, grep_path)


def validate_record(raw: RawRecord, fmt: str, lang: str) -> Outcome:
    """Validate one record; never raises (an unreadable or failing record is reported as such)."""
    model: Model = _STATE["model"]
    profile, engine = _STATE["profile"], _STATE["engine"]
    facts = None
    if raw.error is not None or raw.data is None:
        record = RecordReport(raw.source, raw.format or "?", profile or "?", error=raw.error or "no data")
    else:
        try:
            payload = read_any(raw.data, format=raw.format, source=raw.source, model=model, engine=engine)
            record, data = validate_payload_indexed(payload, profile, lang=lang, model=model, engine=engine,
                                                    keep_shacl_report=False, grep=_STATE.get("grep"))
            facts = extract_facts(payload, raw.source, data)
        except (InputError, ProfileError, SamtbuError) as exc:
            record = RecordReport(raw.source, raw.format or "?", profile or "?", error=exc.message)
        except Exception as exc:  # noqa: BLE001 - one broken record must not stop the batch
            # The exception's text could quote the payload: only its kind is reported.
            record = RecordReport(raw.source, raw.format or "?", profile or "?",
                                  error=f"internal error while validating ({type(exc).__name__}); please report it")
    keep = record if fmt in ("junit", "sarif") else None
    return Outcome(raw.index, raw.source, render_record(record, fmt, lang), record_stats(record), keep, facts)


# The stats of a record without any result (most of a cohort): one object, so that a task's
# outcomes carry it to the parent once (pickle writes an object it has written before as a reference).
_CONFORMING = (False, True, 0, 0, ())


def record_stats(record: RecordReport) -> tuple:
    """What the summary needs of a record: (unreadable, conforms, violations, warnings, rule names)."""
    if record.error is None and not record.results:
        return _CONFORMING
    return (record.error is not None, record.conforms, record.count("Violation"), record.count("Warning"),
            tuple(_rule_name(r) for r in record.results))


def validate_task(task: Iterable[RawRecord | RawChunk], fmt: str, lang: str) -> tuple[str, list[tuple]]:
    """Validate the records of a task (single records, or chunks that are read here): their reports
    as one text, in order, and for each record the rest the batch needs, ``(stats, record kept for
    JUnit or SARIF or None, facts)``: what goes back from a worker to the parent, compactly."""
    texts, rest = [], []
    for raw in task:
        for one in (raw.expand() if isinstance(raw, RawChunk) else (raw,)):
            outcome = validate_record(one, fmt, lang)
            texts.append(outcome.text)
            rest.append((outcome.stats, outcome.record, outcome.facts))
    return "".join(texts), rest


def render_record(record: RecordReport, fmt: str, lang: str) -> str:
    if fmt == "json":
        if record.error is None and not record.results:  # most records: the line json.dumps would write
            return (f'{{"source": {_json_string(record.source)}, "format": {_json_string(record.format)}, '
                    f'"profile": {_json_string(record.profile)}, "conforms": true, "results": []}}\n')
        return json.dumps(record.to_dict(), ensure_ascii=False) + "\n"
    if fmt == "text":
        from samtbu.validate.render import render_text

        text = render_text(Report([record], lang=lang))
        return text[: text.rstrip("\n").rfind("\n") + 1]  # without the one-record summary line
    return ""


def extract_facts(payload, source: str, data=None) -> Facts:
    """Document id, class, number, status, holder's fødselsnummer and competences, per document.
    ``data``: the engine's triple index of the payload, when it made one (else it is made here).
    Every record of a batch pays for this (about 0.02 ms, 5 % of a worker's time): it reads only
    the index entries the facts are in (the results that name a competence found by predicate)."""
    from samtbu.validate.fast import L, from_rdflib

    if data is None:
        from samtbu.validate.fast import Data

        triples = getattr(payload, "triples", None)
        if triples is None:
            triples = [(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in payload.graph]
        data = Data(triples)
    out, pos = data.spo, data.pos  # the engine's indexes of this record (built once)
    typed_by_class = pos.get(_RDF_TYPE)
    if not typed_by_class:
        return Facts(source)
    empty: dict = {}
    # The roots: typed IRI nodes that are no triple's object (found through the indexes: a set of
    # every object, built for this alone, cost more than the rest of the facts together).
    roots = {node for nodes in typed_by_class.values() for node in nodes if type(node) is str}
    roots.difference_update(*pos.values())
    documents = {node for cls in _DOCUMENT_CLASSES for node in typed_by_class.get(cls, ())}
    # the results that name a competence (few: most results are assessments, without one)
    with_kind = {result for results in pos[_KOMPETANSETYPE].values() for result in results} if _KOMPETANSETYPE in pos else ()
    found = []
    for node in (out if len(documents) > 1 else documents):  # in the order of the record's triples
        if node not in documents:
            continue
        props = out[node]
        types = props[_RDF_TYPE]
        cls = str(types[0]) if len(types) == 1 else min(str(t) for t in types if str(t) in _DOCUMENT_CLASSES)
        numbers = [v[0] if type(v) is L else str(v) for v in props.get(_DOKUMENTNUMMER, ())]
        status = [str(v) for v in props.get(_DOKUMENTSTATUS, ())]
        fnrs = sorted({f[0] if type(f) is L else str(f) for holder in props.get(_UTSTEDT_TIL, ())
                       for f in out.get(holder, empty).get(_FOEDSELSNUMMER, ())})
        competences: set[tuple[str, str]] = set()
        if with_kind:
            documented = props.get(_DOKUMENTERER, ())
            for result in with_kind:
                if result in documented:
                    result_props = out[result]
                    areas = ";".join(sorted(str(x) for x in result_props.get(_PROGRAMOMRAADE, ())))
                    competences.update((str(k), areas) for k in result_props[_KOMPETANSETYPE])
        found.append((str(node) if type(node) is str else None, cls, numbers, status, fnrs, sorted(competences)))
    return Facts(source, found, sorted(roots))


# -- the cross-record pass ------------------------------------------------------------------------

OTHERS_NAMED = 3  # records named in a cross-record message; the rest are counted


def _some_others(everyone: list[str], own: set[str], count: int, more: Callable[[int], str]) -> str:
    """The first few of the other records involved, and how many more: a message stays short
    however many records share a number, so that the report grows linearly with the batch."""
    named = []
    for source in everyone:
        if source not in own:
            named.append(source)
            if len(named) == OTHERS_NAMED:
                break
    rest = count - len(named)
    if rest > 0:
        named.append(more(rest))
    return ", ".join(named)


class CrossRecordIndex:
    """A compact in-memory index of the key facts of every record: enough for the global rules."""

    def __init__(self) -> None:
        self.numbers: dict[str, dict[str, list[str]]] = {}
        self.vitnemaal: dict[tuple, dict[str, list[str]]] = {}
        self.ids: dict[str, list[str]] = {}

    def add(self, facts: Facts | None) -> None:
        if facts is None:
            return
        for root in facts.roots:
            self.ids.setdefault(root, []).append(facts.source)
        for doc_id, cls, numbers, status, fnrs, competences in facts.documents:
            key = doc_id or f"{facts.source}#document"
            for nr in numbers:
                self.numbers.setdefault(nr, {}).setdefault(key, []).append(facts.source)
            if cls == _SBU + "Vitnemaal" and _GYLDIG in status:
                for fnr in fnrs:
                    for competence in competences:
                        self.vitnemaal.setdefault((fnr, competence), {}).setdefault(key, []).append(facts.source)

    def results(self, lang: str, model: Model | None = None) -> list[RecordReport]:
        """One record report per record involved, holding the cross-record results (each rule's
        severity and texts are the model's: shapes/verktoey/regler.ttl)."""
        model = model or _STATE.get("model") or Model.load()
        found: dict[str, list[Result]] = {}

        def add(source, name, focus, pointer, value, **words):
            rule = model.toolkit_rule(name)
            found.setdefault(source, []).append(Result(
                severity=rule.severity, message=rule.message(lang, **words), focus_node=focus, path=None, value=value,
                constraint=rule.constraint, pointer=pointer,
            ))

        def more(n: int) -> str:  # "and 3 more": the words of the scope every cross-record rule shares
            return model.toolkit_rule("DuplicateRecord").more_text(lang, n)

        for doc_id, sources in self.ids.items():
            if len(sources) > 1:
                everyone = sorted(sources)
                for source in sources:
                    add(source, "DuplicateRecord", doc_id, "", doc_id, id=doc_id, n=len(sources),
                        others=_some_others(everyone, {source}, len(sources) - 1, more))
        for nr, documents in self.numbers.items():
            if len(documents) > 1:
                everyone = sorted({s for ss in documents.values() for s in ss})
                for doc, sources in documents.items():
                    own = set(sources)
                    others = _some_others(everyone, own, len(everyone) - len(own), more)
                    for source in dict.fromkeys(sources):
                        add(source, "DuplicateDocumentNumber", doc, "/dokumentnummer", nr, nr=nr, n=len(documents), others=others)
        for (fnr, (kind, area)), documents in self.vitnemaal.items():
            if len(documents) > 1:
                competence = kind.rsplit("/", 1)[-1] + (f", {area.rsplit('/', 1)[-1]}" if area else "")
                everyone = sorted({s for ss in documents.values() for s in ss})
                for doc, sources in documents.items():
                    own = set(sources)
                    others = _some_others(everyone, own, len(everyone) - len(own), more)
                    for source in dict.fromkeys(sources):
                        add(source, "DuplicateValidVitnemaal", doc, "/utstedtTil/foedselsnummer", fnr,
                            fnr=fnr, n=len(documents), competence=competence, others=others)
        return [RecordReport(source, "cross-record", "batch", results) for source, results in sorted(found.items())]


# -- the batch ------------------------------------------------------------------------------------


@dataclass
class Summary:
    records: int = 0
    conforming: int = 0
    with_violations: int = 0
    with_warnings: int = 0
    unreadable: int = 0
    results: int = 0
    by_rule: Counter = field(default_factory=Counter)
    cross_record: int = 0
    seconds: float = 0.0

    def add(self, stats: tuple) -> None:
        unreadable, conforms, violations, warnings, rules = stats
        self.records += 1
        if unreadable:
            self.unreadable += 1
            self.by_rule[UNREADABLE_ID] += 1
            return
        if conforms:
            self.conforming += 1
        if violations:
            self.with_violations += 1
        if warnings:
            self.with_warnings += 1
        for rule in rules:
            self.results += 1
            self.by_rule[rule] += 1

    def to_dict(self) -> dict:
        return {
            "records": self.records, "conforming": self.conforming, "with_violations": self.with_violations,
            "with_warnings": self.with_warnings, "unreadable": self.unreadable, "results": self.results,
            "cross_record_results": self.cross_record, "seconds": round(self.seconds, 3),
            "by_rule": dict(self.by_rule.most_common()),
        }

    _SUMMARY = {
        "nb": ("Sammendrag: {r} poster, {c} i samsvar, {v} med brudd, {w} med advarsler, {u} kunne ikke leses",
               "funn på tvers av poster"),
        "nn": ("Samandrag: {r} postar, {c} i samsvar, {v} med brot, {w} med åtvaringar, {u} kunne ikkje lesast",
               "funn på tvers av postar"),
        "en": ("Summary: {r} records, {c} conforming, {v} with violations, {w} with warnings, {u} unreadable",
               "cross-record results"),
    }

    def render(self, lang: str) -> str:
        line, cross = self._SUMMARY.get(lang, self._SUMMARY["en"])
        lines = [
            line.format(r=self.records, c=self.conforming, v=self.with_violations, w=self.with_warnings, u=self.unreadable)
            + (f"; {self.cross_record} {cross}" if self.cross_record else "")
            + f" ({self.seconds:.1f} s)",
        ]
        for rule, n in self.by_rule.most_common():
            lines.append(f"  {n:>8}  {rule}")
        return "\n".join(lines) + "\n"


def _rule_name(r: Result) -> str:
    if r.source_shape:
        return r.source_shape.replace("https://w3id.org/samt-bu/shapes/", "sbus:") + (f" ({r.constraint})" if r.constraint else "")
    return r.constraint or "?"


def run_batch(
    records: Iterable[RawRecord],
    out: IO[str],
    *,
    fmt: str = "json",
    profile: str | None = None,
    lang: str = "nb",
    engine: str = "fast",
    jobs: int | None = None,
    chunksize: int = 16,
    progress: bool | None = None,
    total: int | None = None,
    cross_record: bool = True,
    grep=None,
) -> Summary:
    """Validate every record, writing each report to ``out`` as it completes; return the summary.
    ``grep``: a Grep snapshot or its path (None: no Grep checks), opened once, read by every worker."""
    if fmt not in BATCH_FORMATS:
        raise BatchError(f"report format {fmt!r} is not available for --batch (use one of: {', '.join(BATCH_FORMATS)})")
    started = time.perf_counter()
    jobs = jobs or os.cpu_count() or 1
    prepare(profile, engine, grep=grep)
    # A record allocates thousands of short-lived containers and frees them itself; collecting the
    # young generation every 700 allocations cost about 5 % of a batch (measured). Collect less
    # often while the batch runs (the workers, forked now, inherit it).
    gc_threshold = gc.get_threshold()
    gc.set_threshold(100_000, 20, 100)
    summary = Summary()
    index = CrossRecordIndex()
    kept: list[RecordReport] = []  # junit / sarif: compact records only
    show = sys.stderr.isatty() if progress is None else progress
    bar = _Progress(total) if show else None

    def consume(text: str, outcomes: list[tuple]) -> None:  # a task's (see validate_task)
        if fmt in ("json", "text"):
            out.write(text)
        for stats, record, facts in outcomes:
            summary.add(stats)
            if cross_record:
                index.add(facts)
            if record is not None:
                kept.append(record)
        if bar is not None:
            bar.advance(len(outcomes))

    try:
        if jobs <= 1:
            for raw in records:
                consume(*validate_task((raw,), fmt, lang))
        elif engine != "fast":  # pyshacl compiles nothing to share, and takes seconds a record
            _run_pool(_tasks(records, max(chunksize, 32)), consume, fmt, lang, profile, engine, jobs)
        else:
            tasks = _tasks(records, max(chunksize, 32))
            # The first tasks are validated here, before the workers fork: the profiles they need
            # are compiled once, in this process, and the workers share them; a batch that ends
            # within them (a few files) starts no worker at all.
            serial = 0
            for task in tasks:
                consume(*validate_task(task, fmt, lang))
                serial += sum(raw.records if isinstance(raw, RawChunk) else 1 for raw in task)
                if serial >= SERIAL_RECORDS:
                    gc.freeze()  # what was compiled now, too (see prepare)
                    _run_pool(tasks, consume, fmt, lang, profile, engine, jobs)
                    break
    finally:
        gc.set_threshold(*gc_threshold)
        if bar is not None:
            bar.stop()
    if cross_record:
        extra = index.results(lang, _STATE["model"])
        for record in extra:
            summary.cross_record += len(record.results)
            for r in record.results:
                summary.by_rule[_rule_name(r)] += 1
            if fmt in ("json", "text"):
                if fmt == "json":
                    out.write(json.dumps({**record.to_dict(), "crossRecord": True}, ensure_ascii=False) + "\n")
                else:
                    out.write(render_record(record, "text", lang))
            else:
                kept.append(record)
    summary.seconds = time.perf_counter() - started
    if fmt == "json":
        out.write(json.dumps({"summary": summary.to_dict()}, ensure_ascii=False) + "\n")
    elif fmt == "text":
        out.write(summary.render(lang))
    else:
        out.write(Report(kept, lang=lang).render(fmt))
    out.flush()
    return summary


def _task_bytes(task: list) -> int:
    """What a task costs in memory before it is validated: its payloads, or its chunks' extent."""
    return sum((raw.end - raw.start) if isinstance(raw, RawChunk) else len(raw.data or b"") for raw in task)


def _tasks(records: Iterable[RawRecord | RawChunk], chunksize: int) -> Iterator[list]:
    """The records in tasks for the workers: a chunk of an NDJSON file (the worker reads it), or a
    group of at most ``chunksize`` single records and about CHUNK_BYTES bytes."""
    group: list = []
    size = 0
    for raw in records:
        if isinstance(raw, RawChunk):
            if group:
                yield group
                group, size = [], 0
            yield [raw]
            continue
        group.append(raw)
        size += len(raw.data or b"")
        if len(group) >= chunksize or size >= CHUNK_BYTES:
            yield group
            group, size = [], 0
    if group:
        yield group


# A task is queued behind the one a worker is validating only when it is this small: it then fits
# in the pipe whatever the worker is doing (a larger one waits until the worker is idle and reading,
# so that the parent never blocks writing to a worker that is blocked writing its results to it).
QUEUED_TASK_BYTES = 16 * 1024


@dataclass
class _Worker:
    process: Any
    connection: Any  # the parent's end of the worker's pipe
    sent: list = field(default_factory=list)  # (sequence number, first record) of its tasks, oldest first


def _run_pool(tasks: Iterator[list], consume, fmt, lang, profile, engine, jobs) -> None:
    """Validate the tasks on ``jobs`` worker processes, and ``consume`` their results in task order.

    Each worker has a pipe of its own; the parent's main thread sends each task (pickled once) to
    the worker with the fewest, reads the results as they come and writes them in order, and one
    thread (_Feeder) reads the tasks from the input. (multiprocessing.Pool's three helper threads
    cost the parent of a batch of 60,000 records about 1.4 s of CPU, measured: one of them woke at
    every result.) At most ``max(jobs * 8, 16)`` tasks, and IN_FLIGHT_BYTES of their payloads, are
    sent ahead of the oldest result not yet written (one is always let through, however large). A
    worker that stops (killed, out of memory) stops the batch with a BatchError naming where; nothing
    is lost silently."""
    import multiprocessing as mp

    method = "fork" if "fork" in mp.get_all_start_methods() else None
    ctx: Any = mp.get_context(method)  # its Process and Pipe (BaseContext's stub has no Process)
    root = str(_STATE["model"].root)
    snapshot = _STATE.get("grep")
    initargs = (profile, engine, root, str(snapshot.path) if snapshot is not None else None)
    workers: list[_Worker] = []
    finished = False
    try:
        for _ in range(jobs):
            ours, theirs = ctx.Pipe()
            _PARENT_ENDS.append(ours)  # closed in the workers forked after it (see _worker_main)
            process = ctx.Process(target=_worker_main, args=(theirs, fmt, lang, initargs), daemon=True)
            process.start()
            theirs.close()
            workers.append(_Worker(process, ours))
        _PARENT_ENDS.clear()
        _Dispatch(workers, max(jobs * 8, 16), consume).run(_Feeder(tasks))
        finished = True
    finally:
        _PARENT_ENDS.clear()
        _stop_workers(workers, finished)


class _Feeder:
    """The batch's tasks read from the input in a thread of their own and passed on pickled, through
    a pipe that the parent's main thread waits on beside the workers' (reading a stream can block
    for as long as its writer likes: the reports of the records already validated are written
    meanwhile). Per task two messages: its payload bytes and first record, then the task."""

    def __init__(self, tasks: Iterator[list]):
        from multiprocessing.connection import Pipe

        self.connection, self._writer = Pipe(duplex=False)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._feed, args=(tasks,), name="samtbu-batch-feeder", daemon=True)
        self._thread.start()

    def _feed(self, tasks: Iterator[list]) -> None:
        import pickle

        try:
            for task in tasks:
                message = pickle.dumps(task, pickle.HIGHEST_PROTOCOL)
                self._writer.send_bytes(f"{_task_bytes(task)} {_first_source(task)}".encode("utf-8", "surrogateescape"))
                self._writer.send_bytes(message)
        except OSError:  # the parent stopped reading: the batch stopped early
            pass
        except BaseException as exc:  # noqa: BLE001 - raised in the main thread, in its turn
            self.error = exc
        finally:
            self._writer.close()

    def receive(self) -> tuple[bytes, int, str] | None:
        """The next task (pickled, its payload bytes, its first record), or None after the last."""
        try:
            size, _, first = self.connection.recv_bytes().decode("utf-8", "surrogateescape").partition(" ")
            return self.connection.recv_bytes(), int(size), first
        except EOFError:
            return None

    def close(self) -> None:
        self.connection.close()


class _Dispatch:
    """The parent's side of the worker protocol (see _run_pool)."""

    def __init__(self, workers: list[_Worker], max_tasks: int, consume):
        self.workers, self.max_tasks, self.consume = workers, max_tasks, consume
        self.by_connection = {worker.connection: worker for worker in workers}
        self.sizes: dict[int, int] = {}  # sequence number -> payload bytes, of the tasks sent and not consumed
        self.done: dict[int, bytes] = {}  # results that came before an older one
        self.sent = self.written = self.in_flight = 0
        self.waiting: tuple[bytes, int, str] | None = None  # received from the feeder, not yet sent

    def run(self, feeder: _Feeder) -> None:
        from multiprocessing.connection import wait

        feeding = True
        try:
            while True:
                self.send()
                if not feeding and self.waiting is None and self.written == self.sent:
                    break
                listen = [worker.connection for worker in self.workers if worker.sent]
                if feeding and self.waiting is None:
                    listen.append(feeder.connection)
                for connection in wait(listen):
                    if connection is feeder.connection:
                        self.waiting = feeder.receive()
                        feeding = self.waiting is not None
                    else:
                        self.receive(self.by_connection[connection])
                self.send()  # a worker that gave its results back gets its next task before the parent writes
                self.write()
        finally:
            feeder.close()
        if feeder.error is not None:
            raise feeder.error

    def send(self) -> None:
        """Send the waiting task to the worker with the fewest, if the bounds allow it."""
        if self.waiting is None:
            return
        message, size, first = self.waiting
        if self.sent > self.written and (self.sent - self.written >= self.max_tasks or self.in_flight + size > IN_FLIGHT_BYTES):
            return
        worker = min(self.workers, key=lambda w: len(w.sent))
        if worker.sent and (len(worker.sent) > 1 or len(message) > QUEUED_TASK_BYTES):
            return
        worker.sent.append((self.sent, first))
        try:
            worker.connection.send_bytes(message)
        except OSError:
            raise _worker_stopped(worker) from None
        self.sizes[self.sent] = size
        self.sent += 1
        self.in_flight += size
        self.waiting = None

    def receive(self, worker: _Worker) -> None:
        try:
            result = worker.connection.recv_bytes()
        except (EOFError, OSError):
            raise _worker_stopped(worker) from None
        self.done[worker.sent.pop(0)[0]] = result

    def write(self) -> None:
        import pickle

        while self.written in self.done:
            self.consume(*pickle.loads(self.done.pop(self.written)))  # noqa: S301 - from our own worker
            self.in_flight -= self.sizes.pop(self.written)
            self.written += 1


def _first_source(task: list) -> str:
    raw = task[0]
    return f"{raw.path}:{raw.first_line}" if isinstance(raw, RawChunk) else raw.source


def _worker_stopped(worker: _Worker) -> BatchError:
    worker.process.join(5)
    code = worker.process.exitcode
    how = f"was killed by signal {-code}" if code is not None and code < 0 else f"stopped (exit code {code})"
    return BatchError(f"a worker process {how} while validating the records from {worker.sent[0][1]} on; "
                      "the batch is incomplete (out of memory?)")


_PARENT_ENDS: list = []  # while the workers start: the parent's ends of their pipes


def _worker_main(connection, fmt: str, lang: str, initargs: tuple) -> None:
    """A worker: tasks in, results out, until the parent sends an empty message or goes away."""
    import pickle
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the workers
    for inherited in _PARENT_ENDS:  # forked: the parent's ends close when the parent goes
        inherited.close()
    _init_worker(*initargs)
    while True:
        try:
            message = connection.recv_bytes()
        except (EOFError, OSError):
            return
        if not message:
            return
        result = validate_task(pickle.loads(message), fmt, lang)  # noqa: S301 - from the parent that forked us
        connection.send_bytes(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))


def _stop_workers(workers: list[_Worker], finished: bool) -> None:
    """Ask the workers to stop (they are idle after the last result) and wait for them; after an
    error or Ctrl-C they may be in the middle of a task and are terminated."""
    for worker in workers:
        if finished:
            with contextlib.suppress(OSError):  # gone already: joined below
                worker.connection.send_bytes(b"")
        else:
            worker.process.terminate()
    for worker in workers:
        worker.process.join(5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.connection.close()


class _Progress:
    """Progress on standard error: a rich progress bar where rich is installed (it is optional),
    otherwise a counter on one line."""

    def __init__(self, total: int | None):
        self.done, self.total, self.progress = 0, total, None
        try:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
        except ModuleNotFoundError:
            return
        columns = [SpinnerColumn(), TextColumn("validating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        self.progress = Progress(*columns, console=Console(stderr=True), transient=False)
        self.task = self.progress.add_task("validate", total=total)
        self.progress.start()

    def advance(self, records: int = 1) -> None:
        before = self.done
        self.done += records
        if self.progress is not None:
            self.progress.advance(self.task, records)
        elif self.done == self.total or self.done // 100 > before // 100:
            sys.stderr.write(f"\rvalidating {self.done}" + (f"/{self.total}" if self.total else ""))
            sys.stderr.flush()

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
        elif self.done:
            sys.stderr.write(f"\rvalidating {self.done}" + (f"/{self.total}" if self.total else "") + "\n")


def count_records(source: str | Path, *, follow_symlinks: bool = False) -> int | None:
    """How many records a directory holds (for the progress bar); None for streams and archives."""
    path = Path(source)
    if str(source) != "-" and path.is_dir():
        return sum(1 for _ in payload_files(path, follow_symlinks=follow_symlinks))
    return None


__all__ = [
    "run_batch", "iter_records", "validate_record", "extract_facts", "CrossRecordIndex", "Summary", "RawRecord", "RawChunk",
    "BATCH_FORMATS", "BatchError", "prepare",
]
