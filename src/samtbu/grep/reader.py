"""Reading Udir's Grep data as Udir publishes it: the JSON-LD dump and the plain JSON of the REST API.

Both forms carry the same objects (Grep_SPARQL, ``Eksempelfiler_JSON-LD/README.md``): the dump's
JSON-LD has ``grepType``/``uriId`` and references flattened to ``{"uriId": …}``; the REST JSON has
``grep-type``/``uri`` and references as small objects with ``kode``. A title is a list of
``{"spraak": "nob", "verdi": …}`` (the REST form of a læreplan wraps it as ``{"tekst": […]}``, a
reference may give it as a plain string). Validity is ``gyldig-fra``/``gyldig-til`` at the top, in a
``gyldighet`` object, or (læreplaner in REST) in ``gyldighetsperiode`` with a ``dato``.

A file may hold one element (as Udir's example files do), a JSON array of elements (a REST list), a
JSON-LD document with ``@graph``, or one element per line (NDJSON); a UTF-8 BOM is allowed. The
parser streams (ijson): an element is built from the parse events one at a time, keeping only the
fields samtbu reads, so that memory stays bounded whatever the size of the file; an element over
``max_record_bytes`` is skipped and counted. A file that is not JSON, or ends before its last value
does, raises ``GrepReadError`` naming the file and the byte offset.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from collections.abc import Iterator

from samtbu.errors import SamtbuError

GREP_ONTOLOGY = "http://psi.udir.no/ontologi/kl06/"
GREP_IRI = "http://psi.udir.no/kl06/"
STATUS_BASE = "https://data.udir.no/kl06/v201906/status/"
# Records the samtbu project wrote in Grep's format (for its examples) say so with this key and value
# (grep/README.md): Dublin Core's creator, the project's base IRI. Never present in Udir's data.
CREATOR_KEY = "http://purl.org/dc/terms/creator"
SAMTBU_CREATOR = "https://w3id.org/samt-bu/"

# The element types of Udir's Grep ontology (Grep_SPARQL, Ontologi/ontologi_kl06_20240523.ttl: its
# owl:Class list), as the data writes them in grep-type: the class name in lower case.
GREP_TYPES = frozenset(
    ["aarstrinn", "dokumenttype", "eksamensform", "eksamensordning", "fagkategori", "fagkode", "fagomraade", "fagtype", "grunnleggende_ferdighet_lk20", "hovedomraade", "karakter", "kjerneelement_lk20", "kompetansemaal", "kompetansemaal_lk20", "kompetansemaalsett", "kompetansemaalsett_lk20", "laereplan", "laereplan_lk20", "laereplanstruktur", "loepstype", "merkelapp", "merknad", "merknadstype", "oppgave", "opplaeringsfag", "opplaeringsnivaa", "opplaeringssted", "ordforklaring_lk20", "programfag", "programomraade", "programomraadetype", "semester", "sensur", "sluttkompetanse", "spraak", "spraaknivaa", "status", "tidligere_navn", "trekkordning", "tverrfaglig_tema_lk20", "utdanningsprogram", "utdanningsprogramtype", "verb_lk20", "vurderingsuttrykk"]
)

# References samtbu keeps, by their Grep property name.
REFERENCES = (
    "erstatter", "erstattes-av", "opplaeringsfag", "programomraader-referanse", "laereplan-referanse",
    "fagkode-referanser", "utdanningsprogram-referanse", "fagtype", "opplaeringsnivaa",
)
_KEEP = frozenset(
    ("kode", "uri", "uriId", "grep-type", "grepType", "status", "tittel", "kortform", "gyldig-fra", "gyldig-til",
     "gyldighet", "gyldighetsperiode", "sist-endret", "url-data", CREATOR_KEY) + REFERENCES
)
MAX_RECORD_BYTES = 16 * 2**20
JSON_SUFFIXES = (".json", ".jsonld", ".ndjson", ".jsonl")
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")


class GrepReadError(SamtbuError):
    """A Grep file that cannot be read at all (not JSON, truncated, unreadable archive)."""


@dataclass
class GrepElement:
    """One Grep element, with the fields samtbu reads. Codes of referenced elements, not IRIs."""

    kode: str
    type: str
    uri: str
    status: str | None = None  # "publisert", "utgaatt", … (the end of Grep's status IRI)
    gyldig_fra: str | None = None  # YYYY-MM-DD
    gyldig_til: str | None = None
    sist_endret: str | None = None
    tittel: dict[str, str] = field(default_factory=dict)  # Grep language code (nob, nno, eng, sme, default) -> text
    kortform: dict[str, str] = field(default_factory=dict)
    refs: dict[str, list[str]] = field(default_factory=dict)
    url_data: str | None = None
    written_by_samtbu: bool = False
    source: str = ""

    def to_json(self) -> dict:
        return {
            "kode": self.kode, "type": self.type, "uri": self.uri, "status": self.status,
            "gyldig-fra": self.gyldig_fra, "gyldig-til": self.gyldig_til, "sist-endret": self.sist_endret,
            "tittel": self.tittel, "kortform": self.kortform, "refs": self.refs, "url-data": self.url_data,
            "written_by_samtbu": self.written_by_samtbu, "source": self.source,
        }

    @classmethod
    def from_json(cls, d: dict) -> GrepElement:
        return cls(
            kode=d["kode"], type=d["type"], uri=d["uri"], status=d.get("status"), gyldig_fra=d.get("gyldig-fra"),
            gyldig_til=d.get("gyldig-til"), sist_endret=d.get("sist-endret"), tittel=d.get("tittel") or {},
            kortform=d.get("kortform") or {}, refs=d.get("refs") or {}, url_data=d.get("url-data"),
            written_by_samtbu=bool(d.get("written_by_samtbu")), source=d.get("source") or "",
        )


@dataclass
class Skip:
    """A value in the input that is not a usable Grep element, and why."""

    source: str
    reason: str  # one of SKIP_REASONS
    detail: str = ""


SKIP_REASONS = {
    "not-an-object": "not a JSON object",
    "no-code": "no kode",
    "no-type": "no grep-type",
    "unknown-type": "grep-type not in Grep's ontology",
    "too-large": "element over the size limit",
    "duplicate": "code already read (the element last changed is kept)",
    "bad-line": "NDJSON line that is not JSON",
}


# -- values ---------------------------------------------------------------------------------------


def _local(iri: str, base: str) -> str:
    return iri[len(base):] if iri.startswith(base) else iri.rsplit("/", 1)[-1]


def _code_of(ref) -> str | None:
    """The code of a referenced element: REST gives ``kode``; the dump gives only ``uriId``."""
    if isinstance(ref, str):
        return _local(ref, GREP_IRI) or None
    if not isinstance(ref, dict):
        return None
    kode = ref.get("kode")
    if isinstance(kode, str) and kode:
        return kode
    for key in ("uriId", "uri", "@id"):
        iri = ref.get(key)
        if isinstance(iri, str) and iri:
            return _local(iri, GREP_IRI)
    return None


def _codes(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [c for c in (_code_of(i) for i in items) if c]


def _lang_of(item: dict) -> str | None:
    lang = item.get("spraak")
    if isinstance(lang, str):
        return lang
    key = item.get("noekkel")  # the 2016 REST form: "http://psi.oasis-open.org/iso/639/#nob"
    if isinstance(key, str):
        return key.rsplit("#", 1)[-1]
    return None


def _texts(value) -> dict[str, str]:
    """Language -> text from Grep's text forms."""
    if isinstance(value, str):
        return {"default": value} if value else {}
    if isinstance(value, dict):
        value = value.get("tekst", value.get("beskrivelse"))
        if isinstance(value, dict):
            value = value.get("tekst")
    out: dict[str, str] = {}
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                lang, text = _lang_of(item), item.get("verdi")
                if lang and isinstance(text, str) and text and lang not in out:
                    out[lang] = text
    return out


def _date(value) -> str | None:
    if isinstance(value, dict):  # REST læreplan: {"overskrift": …, "dato": "2020-08-01T00:00:00"}
        value = value.get("dato")
    if isinstance(value, str):
        m = _DATE.match(value)
        if m:
            return m.group(1)
    return None


def _validity(record: dict) -> tuple[str | None, str | None]:
    fra, til = _date(record.get("gyldig-fra")), _date(record.get("gyldig-til"))
    for key in ("gyldighet", "gyldighetsperiode"):
        inner = record.get(key)
        if isinstance(inner, dict):
            fra = fra or _date(inner.get("gyldig-fra"))
            til = til or _date(inner.get("gyldig-til"))
    return fra, til


def _type_of(record: dict) -> str | None:
    for key in ("grep-type", "grepType", "@type"):
        value = record.get(key)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str)), None)
        if isinstance(value, str) and value:
            return _local(value, GREP_ONTOLOGY)
    return None


def _status_of(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("uri") or value.get("kode") or value.get("@id")
    if not isinstance(value, str) or not value:
        return None
    local = value.rstrip("/").rsplit("/", 1)[-1]
    return local[len("status_"):] if local.startswith("status_") else local


def _written_by_samtbu(record: dict) -> bool:
    value = record.get(CREATOR_KEY)
    if isinstance(value, dict):
        value = value.get("@id")
    return value == SAMTBU_CREATOR


def element_from(record, source: str) -> GrepElement | Skip:
    """One Grep element from one parsed JSON object (either form)."""
    if not isinstance(record, dict):
        return Skip(source, "not-an-object", type(record).__name__)
    kind = _type_of(record)
    kode = record.get("kode")
    uri = record.get("uriId") or record.get("uri")
    if not (isinstance(kode, str) and kode.strip()):
        kode = _local(uri, GREP_IRI) if isinstance(uri, str) and uri.startswith(GREP_IRI) else None
    if not kode:
        return Skip(source, "no-code", kind or "")
    kode = kode.strip()
    if kind is None:
        return Skip(source, "no-type", kode)
    if kind not in GREP_TYPES:
        return Skip(source, "unknown-type", f"{kode}: {kind}")
    fra, til = _validity(record)
    refs = {name: codes for name in REFERENCES if (codes := _codes(record.get(name)))}
    return GrepElement(
        kode=kode, type=kind, uri=uri if isinstance(uri, str) and uri else GREP_IRI + kode,
        status=_status_of(record.get("status")), gyldig_fra=fra, gyldig_til=til,
        sist_endret=record.get("sist-endret") if isinstance(record.get("sist-endret"), str) else None,
        tittel=_texts(record.get("tittel")), kortform=_texts(record.get("kortform")), refs=refs,
        url_data=record.get("url-data") if isinstance(record.get("url-data"), str) else None,
        written_by_samtbu=_written_by_samtbu(record), source=source,
    )


# -- streaming ------------------------------------------------------------------------------------


class _Builder:
    """Builds one element from ijson's basic events: only the top-level keys samtbu keeps, and at
    most ``limit`` characters of keys and text in them. Past the limit the rest of the element is
    read (so that the stream stays in step) but not kept."""

    def __init__(self, events, limit: int, reader: _CountingReader | None = None):
        self.events = events
        self.limit = limit
        self.size = 0
        self.over = False
        self.reader = reader

    def skip(self, event) -> None:
        """Consume the rest of a value that started with ``event``."""
        if event not in ("start_map", "start_array"):
            return
        depth = 1
        for ev, _value in self.events:
            if ev == "start_map" or ev == "start_array":
                depth += 1
            elif ev == "end_map" or ev == "end_array":
                depth -= 1
                if depth == 0:
                    return

    def value(self, event, value):
        if event == "start_map":
            out = {}
            for ev, key in self.events:
                if ev == "end_map":
                    return out
                ev2, val2 = next(self.events)
                if self.over:
                    self.skip(ev2)
                    continue
                self._grow(len(key))
                out[key] = self.value(ev2, val2)
            return out
        if event == "start_array":
            items = []
            for ev, val in self.events:
                if ev == "end_array":
                    return items
                if self.over:
                    self.skip(ev)
                    continue
                items.append(self.value(ev, val))
            return items
        if event == "string":
            self._grow(len(value))
        return value

    def _grow(self, n: int) -> None:
        self.size += n
        if self.size > self.limit:
            self.over = True

    def element(self) -> tuple[dict, str | None]:
        """The element whose start_map was just read: (kept fields, None), or (kept fields so far,
        the event that starts the value of ``@graph``) for a JSON-LD document with a graph."""
        self.size, self.over = 0, False
        if self.reader is not None:
            self.reader.mark = self.reader.offset  # the element's raw bytes are counted from here
        out: dict = {}
        for ev, key in self.events:
            if ev == "end_map":
                return out, None
            ev2, val2 = next(self.events)
            if key == "@graph":
                return out, ev2
            if self.over or key not in _KEEP:
                self.skip(ev2)
                continue
            out[key] = self.value(ev2, val2)
        return out, None

    def finish_map(self) -> None:
        """Read the remaining keys of a map (after its @graph) without keeping them."""
        for ev, _key in self.events:
            if ev == "end_map":
                return
            ev2, _val = next(self.events)
            self.skip(ev2)


def iter_json_values(stream: IO[bytes], source: str, *, limit: int = MAX_RECORD_BYTES) -> Iterator[dict | Skip]:
    """The elements in one JSON / NDJSON stream (a BOM is allowed), as kept-field dicts or Skips."""
    import ijson  # only an import needs the streaming parser (not validation, nor a lookup)

    counting = _CountingReader(_without_bom(stream), max_token=max(4 * limit, 1 << 20))
    events = iter(ijson.basic_parse(counting, multiple_values=True, use_float=True, buf_size=1 << 20))
    builder = _Builder(events, limit, counting)
    try:
        for event, value in events:
            if event == "start_array":
                yield from _array_members(builder, source)
            else:
                yield from _member(builder, event, source)
    except _TokenTooLarge:
        raise GrepReadError(f"the value starting near byte {counting.mark:,} is longer than {counting.max_token:,} bytes: "
                            "not a Grep element (the import stops here)", where=source) from None
    except ijson.common.IncompleteJSONError as exc:
        raise GrepReadError(_json_problem(exc, counting.offset), where=source) from None
    except (UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, GrepReadError):
            raise
        raise GrepReadError(f"not valid JSON text (near byte {counting.offset:,}): {str(exc)[:160]}", where=source) from None


def _array_members(builder: _Builder, source: str):
    for ev, _val in builder.events:
        if ev == "end_array":
            return
        yield from _member(builder, ev, source)


def _member(builder: _Builder, event: str, source: str):
    """One value where an element is expected (top level, in an array, in @graph)."""
    if event != "start_map":
        builder.skip(event)
        yield Skip(source, "not-an-object", _kind(event))
        return
    record, graph_event = builder.element()
    if graph_event is None:
        if builder.over:
            yield Skip(source, "too-large", f"{record.get('kode', '?')}: over {builder.limit:,} characters of kept text")
        else:
            yield record
        return
    # A JSON-LD document with @graph: its members are the elements; the rest of it is context.
    if graph_event == "start_array":
        yield from _array_members(builder, source)
    else:
        yield from _member(builder, graph_event, source)
    builder.finish_map()


def _json_problem(exc: Exception, offset: int) -> str:
    text = (str(exc).strip().splitlines() or [""])[0]
    if "premature EOF" in text or "Incomplete JSON content" in text:
        return f"the JSON ends before it is complete: truncated after {offset:,} bytes"
    return f"not valid JSON (near byte {offset:,}): {text[:160]}"


def _kind(event: str) -> str:
    return {"start_array": "array", "string": "string", "number": "number", "integer": "number", "double": "number",
            "boolean": "boolean", "null": "null"}.get(event, event)


def _without_bom(stream: IO[bytes]) -> IO[bytes]:
    head = stream.read(3)
    if head == codecs.BOM_UTF8:
        return stream
    return _Prefixed(head, stream)


class _Prefixed(io.RawIOBase):
    """A stream with the bytes already read put back in front."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = len(b)
        if self.head:
            data, self.head = self.head[:n], self.head[n:]
        else:
            data = self.rest.read(n)
        b[: len(data)] = data
        return len(data)


class _TokenTooLarge(Exception):
    pass


class _CountingReader(io.RawIOBase):
    """Counts the bytes read. An element (from its start, ``mark``) that runs on for more than
    ``max_token`` bytes stops the read: the parser would otherwise hold one huge string whole."""

    def __init__(self, stream: IO[bytes], max_token: int):
        self.stream = stream
        self.offset = 0
        self.mark = 0
        self.max_token = max_token

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self.offset - self.mark > self.max_token:
            raise _TokenTooLarge()
        data = self.stream.read(len(b))
        b[: len(data)] = data
        self.offset += len(data)
        return len(data)


# -- files, folders, archives ---------------------------------------------------------------------


def _is_archive(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(ARCHIVE_SUFFIXES)


def _is_json(name: str) -> bool:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return lower.endswith(JSON_SUFFIXES)


def iter_streams(paths) -> Iterator[tuple[str, IO[bytes]]]:
    """(source name, binary stream) for every Grep file in the given files, folders and archives
    (tar, tar.gz/bz2/xz, zip; ``.json.gz`` files). A folder is read recursively in name order, and
    so is an archive's member list; names not ending in .json/.jsonld/.ndjson/.jsonl are passed
    over. A file named on the command line is read whatever its name."""
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise GrepReadError("no such file or directory", where=str(path))
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                if _is_archive(file.name):
                    yield from _archive_streams(file)
                elif _is_json(file.name):
                    yield from _file_stream(file)
        elif _is_archive(path.name):
            yield from _archive_streams(path)
        else:
            yield from _file_stream(path)


def _file_stream(path: Path):
    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as stream:
            yield str(path), stream
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise GrepReadError(f"cannot be read: {exc}", where=str(path)) from None


def _archive_streams(path: Path):
    if path.name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.is_dir() or not _is_json(info.filename) or Path(info.filename).name.startswith("."):
                        continue
                    with archive.open(info) as stream:
                        yield f"{path}:{info.filename}", stream
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise GrepReadError(f"not a readable zip archive: {exc}", where=str(path)) from None
        return
    try:
        with tarfile.open(path, "r|*") as archive:
            for member in archive:
                if not member.isfile() or not _is_json(member.name) or Path(member.name).name.startswith("."):
                    continue
                stream = archive.extractfile(member)
                if stream is None:
                    continue
                name = f"{path}:{member.name}"
                if member.name.lower().endswith(".gz"):
                    stream = gzip.GzipFile(fileobj=stream)
                yield name, stream
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise GrepReadError(f"not a readable tar archive: {exc}", where=str(path)) from None


def read_elements(paths, *, limit: int = MAX_RECORD_BYTES) -> Iterator[GrepElement | Skip]:
    """Every Grep element (or reason for skipping a value) in the given files, folders and archives."""
    for source, stream in iter_streams(paths):
        for value in iter_json_values(stream, source, limit=limit):
            yield value if isinstance(value, Skip) else element_from(value, source)
