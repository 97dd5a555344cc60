"""Bulk validation: many independent payloads, on every core, in bounded memory.

Input: a directory, a tar or zip archive, or an NDJSON (JSON lines) stream (file or standard input).
Each payload is validated on its own with the one pipeline (``validate_payload``); shapes and code
lists are prepared once per worker (before the workers fork, so they share them). Reports are written
as records complete, in input order: JSON lines, text, or (accumulated compactly) JUnit or SARIF. A
failing or unreadable record never stops the batch.

After the last record a global pass checks rules that span records, on a compact index of a few key
facts per record: a document number issued to two documents, one learner (by fødselsnummer) with
two valid vitnemål for the same competence, and the same record (document id) twice in one batch.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tarfile
import threading
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator

from samtbu.errors import SamtbuError
from samtbu.model import Model
from samtbu.namespaces import SBU
from samtbu.validate.input import MAX_BYTES, SUFFIXES
from samtbu.validate.report import RecordReport, Report, Result, mask_identity_numbers

BATCH_FORMATS = ("json", "text", "junit", "sarif")
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")
NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".jsonlines")

_SBU = str(SBU)
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_DOCUMENT_CLASSES = {_SBU + c for c in ("Vitnemaal", "Kompetansebevis", "Karakterutskrift", "Fagbrev", "Svennebrev", "Praksisbrev", "Dokumentasjon")}
_GYLDIG = "https://w3id.org/samt-bu/kode/dokumentstatus/gyldig"


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
        # split as iterating over the binary file does: at b"\n" only, each line keeping it
        parts = data.split(b"\n")
        lines = [part + b"\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
        counter = iter(range(self.first_index, 1 << 62))
        return list(_ndjson(lines, self.path, counter, first_line=self.first_line))


CHUNK_RECORDS = 64


def iter_records(source: str | Path | IO[bytes], *, name: str | None = None, chunks: bool = False,
                 counter=None) -> Iterator[RawRecord | RawChunk]:
    """The records of a directory, an archive or an NDJSON stream, one at a time. With ``chunks``,
    an NDJSON file is given as ``RawChunk`` s instead, for workers to read themselves."""
    counter = iter(range(1 << 62)) if counter is None else counter
    if not isinstance(source, (str, Path)):
        yield from _ndjson(source, name or "<stdin>", counter)
        return
    path = Path(source)
    if str(source) == "-":
        yield from _ndjson(sys.stdin.buffer, "<stdin>", counter)
        return
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
            suffix = file.suffix.lower()
            if suffix not in SUFFIXES:
                continue
            try:
                size = file.stat().st_size
                data = file.read_bytes() if size <= MAX_BYTES else None
                error = None if data is not None else f"payload is {size:,} bytes, over the limit of {MAX_BYTES:,}"
            except OSError as exc:
                data, error = None, f"cannot read file: {exc.strerror or exc}"
            yield RawRecord(next(counter), str(file), data, SUFFIXES[suffix], error)
        return
    if not path.exists():
        raise BatchError("no such file or directory", where=str(path))
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


def _ndjson_chunks(path: Path, counter) -> Iterator[RawChunk]:
    """The file's lines in chunks of CHUNK_RECORDS records: offsets, line numbers and record indexes
    as ``_ndjson`` would give them (the lines are only scanned here, not kept)."""
    with path.open("rb") as stream:
        start = offset = 0
        first_line, first_index, records, lineno = 1, None, 0, 0
        for line in stream:
            lineno += 1
            offset += len(line)
            if line.strip():
                index = next(counter)
                first_index = index if first_index is None else first_index
                records += 1
            if records == CHUNK_RECORDS:
                yield RawChunk(str(path), start, offset, first_index, first_line, records)
                start, first_line, first_index, records = offset, lineno + 1, None, 0
        if records:
            yield RawChunk(str(path), start, offset, first_index, first_line, records)


def _ndjson(stream: Iterable[bytes], name: str, counter, *, first_line: int = 1) -> Iterator[RawRecord]:
    for lineno, line in enumerate(stream, start=first_line):
        if not line.strip():
            continue
        if len(line) > MAX_BYTES:
            yield RawRecord(next(counter), f"{name}:{lineno}", None, "json", f"line is {len(line):,} bytes, over the limit of {MAX_BYTES:,}")
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
        yield RawRecord(next(counter), source, None, SUFFIXES[suffix], f"payload is {size:,} bytes, over the limit of {MAX_BYTES:,}")
        return
    try:
        data = read()
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        yield RawRecord(next(counter), source, None, SUFFIXES[suffix], f"cannot read from the archive: {exc}")
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
                    yield from _member(counter, path, member.name, member.size, lambda s=stream: s or (),
                                       lambda s=stream: s.read() if s else b"")
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
                                   lambda i=info: archive.open(i), lambda i=info: archive.read(i))


# -- one record, in a worker ----------------------------------------------------------------------


@dataclass
class Facts:
    """The few facts of a record the cross-record rules need."""

    source: str
    documents: list = field(default_factory=list)  # (document id, class, dokumentnummer, status, fnr, competences)
    roots: list = field(default_factory=list)  # IRIs of the root nodes: the record's identity


@dataclass
class Outcome:
    index: int
    source: str
    text: str  # the record's report, rendered
    stats: tuple  # (unreadable, conforms, violations, warnings, rule names): what the summary needs
    record: RecordReport | None  # only for JUnit / SARIF (compact: no SHACL graph)
    facts: Facts | None


_STATE: dict = {}


def prepare(profile: str | None, engine: str, root: str | None = None, grep=None) -> None:
    """Load the model and compile the profiles once (in the parent before forking, or per worker).
    ``grep``: a Grep snapshot (or its path): the records are checked against it too."""
    from samtbu.grep import resolve_snapshot
    from samtbu.jsonld import bundled_context
    from samtbu.validate.engine import compiled_shapes, with_grep

    model = Model.load(root)
    bundled_context(model)
    snapshot = resolve_snapshot(grep if grep is not None else False)
    if engine == "fast":
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
    from samtbu.validate import read_any, validate_payload
    from samtbu.validate.engine import ProfileError
    from samtbu.validate.input import InputError

    model: Model = _STATE["model"]
    profile, engine = _STATE["profile"], _STATE["engine"]
    facts = None
    if raw.error is not None or raw.data is None:
        record = RecordReport(raw.source, raw.format or "?", profile or "?", error=mask_identity_numbers(raw.error or "no data"))
    else:
        try:
            payload = read_any(raw.data, format=raw.format, source=raw.source, model=model, engine=engine)
            record = validate_payload(payload, profile, lang=lang, model=model, engine=engine, keep_shacl_report=False,
                                      grep=_STATE.get("grep"))
            facts = extract_facts(payload, raw.source)
        except (InputError, ProfileError, SamtbuError) as exc:
            record = RecordReport(raw.source, raw.format or "?", profile or "?", error=mask_identity_numbers(exc.message))
        except Exception as exc:  # noqa: BLE001 - one broken record must not stop the batch
            record = RecordReport(
                raw.source, raw.format or "?", profile or "?",
                error=mask_identity_numbers(f"internal error while validating: {type(exc).__name__}: {exc}"),
            )
    stats = (
        record.error is not None, record.conforms, record.count("Violation"), record.count("Warning"),
        tuple(_rule_name(r) for r in record.results),
    )
    keep = record if fmt in ("junit", "sarif") else None
    return Outcome(raw.index, raw.source, render_record(record, fmt, lang), stats, keep, facts)


def render_record(record: RecordReport, fmt: str, lang: str) -> str:
    if fmt == "json":
        return json.dumps(_record_dict(record), ensure_ascii=False) + "\n"
    if fmt == "text":
        from samtbu.validate.render import render_text

        text = render_text(Report([record], lang=lang))
        return text[: text.rstrip("\n").rfind("\n") + 1]  # without the one-record summary line
    return ""


def _record_dict(record: RecordReport) -> dict:
    return {
        "source": record.source,
        "format": record.format,
        "profile": record.profile,
        "conforms": record.conforms,
        **({"error": record.error} if record.error else {}),
        "results": [r.to_dict() for r in record.results],
    }


def extract_facts(payload, source: str) -> Facts:
    """Document id, class, number, status, holder's fødselsnummer and competences, per document."""
    from samtbu.validate.fastterms import L, from_rdflib

    data = getattr(payload, "data", None)
    if data is None:
        from samtbu.validate.fastterms import Data

        triples = getattr(payload, "triples", None)
        if triples is None:
            triples = [(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in payload.graph]
        data = Data(triples)
    out = data.spo  # the engine's index of this record (built once)

    def values(node, prop):
        return out.get(node, {}).get(_SBU + prop, [])

    def text(term):
        return term[0] if type(term) is L else str(term)

    facts = Facts(source)
    objects = {o for by_o in data.pos.values() for o in by_o}
    facts.roots = sorted(n for n, props in out.items() if type(n) is str and _RDF_TYPE in props and n not in objects)
    for node, props in out.items():
        classes = [str(t) for t in props.get(_RDF_TYPE, []) if str(t) in _DOCUMENT_CLASSES]
        if not classes:
            continue
        numbers = [text(v) for v in values(node, "dokumentnummer")]
        status = [str(v) for v in values(node, "dokumentstatus")]
        fnrs = sorted({text(f) for holder in values(node, "utstedtTil") for f in values(holder, "foedselsnummer")})
        competences = sorted({
            (str(k), ";".join(sorted(str(x) for x in values(result, "programomraade"))))
            for result in values(node, "dokumenterer") for k in values(result, "kompetansetype")
        })
        doc_id = str(node) if type(node) is str else None
        facts.documents.append((doc_id, sorted(classes)[0], numbers, status, fnrs, competences))
    return facts


# -- the cross-record pass ------------------------------------------------------------------------

_RULES = {
    "DuplicateDocumentNumber": (
        "Dokumentnummeret «{nr}» er utstedt til {n} ulike dokumenter i samme parti ({others}).",
        "The document number '{nr}' is issued to {n} different documents in this batch ({others}).",
    ),
    "DuplicateValidVitnemaal": (
        "Eleven ({fnr}) har {n} gyldige vitnemål for samme kompetanse ({competence}) i samme parti ({others}).",
        "The learner ({fnr}) has {n} valid vitnemål for the same competence ({competence}) in this batch ({others}).",
    ),
    "DuplicateRecord": (
        "Posten med id {id} forekommer {n} ganger i samme parti ({others}).",
        "The record with id {id} occurs {n} times in this batch ({others}).",
    ),
}


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

    def results(self, lang: str) -> list[RecordReport]:
        """One record report per record involved, holding the cross-record results."""
        i = 0 if lang in ("nb", "nn") else 1
        found: dict[str, list[Result]] = {}

        def add(source, rule, focus, pointer, value, **words):
            message = mask_identity_numbers(_RULES[rule][i].format(**words))
            found.setdefault(source, []).append(Result(
                severity="Violation", message=message, focus_node=mask_identity_numbers(focus), path=None,
                value=None if value is None else mask_identity_numbers(value),
                constraint=f"samtbu:{rule}", pointer=pointer,
            ))

        for doc_id, sources in self.ids.items():
            if len(sources) > 1:
                for source in sources:
                    add(source, "DuplicateRecord", doc_id, "", doc_id, id=doc_id, n=len(sources),
                        others=", ".join(s for s in sources if s != source))
        for nr, documents in self.numbers.items():
            if len(documents) > 1:
                for doc, sources in documents.items():
                    others = ", ".join(sorted({s for d, ss in documents.items() if d != doc for s in ss}))
                    for source in dict.fromkeys(sources):
                        add(source, "DuplicateDocumentNumber", doc, "/dokumentnummer", nr, nr=nr, n=len(documents), others=others)
        for (fnr, (kind, area)), documents in self.vitnemaal.items():
            if len(documents) > 1:
                competence = kind.rsplit("/", 1)[-1] + (f", {area.rsplit('/', 1)[-1]}" if area else "")
                for doc, sources in documents.items():
                    others = ", ".join(sorted({s for d, ss in documents.items() if d != doc for s in ss}))
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
            self.by_rule["samtbu:Unreadable"] += 1
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

    def render(self, lang: str) -> str:
        nb = lang in ("nb", "nn")
        lines = [
            ("Sammendrag: " if nb else "Summary: ")
            + (f"{self.records} poster, {self.conforming} i samsvar, {self.with_violations} med brudd, "
               f"{self.with_warnings} med advarsler, {self.unreadable} kunne ikke leses"
               if nb else
               f"{self.records} records, {self.conforming} conforming, {self.with_violations} with violations, "
               f"{self.with_warnings} with warnings, {self.unreadable} unreadable")
            + (f"; {self.cross_record} " + ("funn på tvers av poster" if nb else "cross-record results") if self.cross_record else "")
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

    def consume(outcome: Outcome) -> None:
        summary.add(outcome.stats)
        if cross_record:
            index.add(outcome.facts)
        if fmt in ("json", "text"):
            out.write(outcome.text)
        else:
            kept.append(outcome.record)
        if bar is not None:
            bar.advance()

    try:
        if jobs <= 1:
            for raw in records:
                for one in (raw.expand() if isinstance(raw, RawChunk) else (raw,)):
                    consume(validate_record(one, fmt, lang))
        else:
            _run_pool(records, consume, fmt, lang, profile, engine, jobs, chunksize)
    finally:
        gc.set_threshold(*gc_threshold)
        if bar is not None:
            bar.stop()
    if cross_record:
        extra = index.results(lang)
        for record in extra:
            summary.cross_record += len(record.results)
            for r in record.results:
                summary.by_rule[_rule_name(r)] += 1
            if fmt in ("json", "text"):
                if fmt == "json":
                    out.write(json.dumps({**_record_dict(record), "crossRecord": True}, ensure_ascii=False) + "\n")
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


def _run_pool(records, consume, fmt, lang, profile, engine, jobs, chunksize) -> None:
    chunksize = max(chunksize, 32)
    import multiprocessing as mp

    # A task is a chunk of an NDJSON file (the worker reads it) or a group of single records.
    # Bounded: at most this many tasks are read ahead of the slowest one still being validated.
    in_flight = threading.BoundedSemaphore(max(jobs * 8, 16))

    def tasks():
        group: list = []
        for raw in records:
            if isinstance(raw, RawChunk):
                if group:
                    yield group
                    group = []
                yield [raw]
                continue
            group.append(raw)
            if len(group) >= chunksize:
                yield group
                group = []
        if group:
            yield group

    def feed():
        for task in tasks():
            in_flight.acquire()
            yield task

    method = "fork" if "fork" in mp.get_all_start_methods() else None
    ctx = mp.get_context(method)
    root = str(_STATE["model"].root)
    snapshot = _STATE.get("grep")
    initargs = (profile, engine, root, str(snapshot.path) if snapshot is not None else None)
    with ctx.Pool(jobs, initializer=_init_worker, initargs=initargs) as pool:
        for outcomes in pool.imap(_pool_task, ((task, fmt, lang) for task in feed())):
            in_flight.release()
            for outcome in outcomes:
                consume(outcome)


def _pool_task(args) -> list[Outcome]:
    task, fmt, lang = args
    outcomes = []
    for raw in task:
        for one in (raw.expand() if isinstance(raw, RawChunk) else (raw,)):
            outcomes.append(validate_record(one, fmt, lang))
    return outcomes


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

    def advance(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress.advance(self.task)
        elif self.done == self.total or self.done % 100 == 0:
            sys.stderr.write(f"\rvalidating {self.done}" + (f"/{self.total}" if self.total else ""))
            sys.stderr.flush()

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
        elif self.done:
            sys.stderr.write(f"\rvalidating {self.done}" + (f"/{self.total}" if self.total else "") + "\n")


def count_records(source: str | Path) -> int | None:
    """How many records a directory holds (for the progress bar); None for streams and archives."""
    path = Path(source)
    if str(source) != "-" and path.is_dir():
        return sum(1 for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith("."))
    return None


__all__ = [
    "run_batch", "iter_records", "validate_record", "extract_facts", "CrossRecordIndex", "Summary", "RawRecord", "RawChunk",
    "BATCH_FORMATS", "BatchError", "prepare",
]
