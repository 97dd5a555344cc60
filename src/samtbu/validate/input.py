"""First stage of the pipeline: bytes in, an RDF graph out, safely.

- Formats: plain JSON (the bundled context is applied), JSON-LD, Turtle, N-Triples, RDF/XML; detected
  from the file name or the content, or given.
- Nothing is fetched: remote ``@context`` URLs other than the project's own are refused; XML with
  entity declarations (external entities, "billion laughs") is refused before parsing.
- Payloads over a size limit, nested too deeply, or not UTF-8 are refused.
- For JSON input every node object is tied to its JSON Pointer, so that a result can name the field
  of the original payload.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from samtbu.errors import SamtbuError
from samtbu.jsonld import bundled_context, document_loader
from samtbu.model import Model
from samtbu.namespaces import UKJENT

FORMATS = ("json", "jsonld", "turtle", "ntriples", "rdfxml")
SUFFIXES = {
    ".json": "json",
    ".jsonld": "jsonld",
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "ntriples",
    ".rdf": "rdfxml",
    ".xml": "rdfxml",
    ".owl": "rdfxml",
}
MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64
POINTER_IRI = "urn:samtbu:json-pointer:"


class InputError(SamtbuError):
    """The payload cannot be read: exit code 2."""


@dataclass
class Payload:
    """A payload turned into RDF, with what is needed to point back into the original."""

    source: str
    format: str
    graph: Graph = field(repr=False)
    pointers: dict[Node, str] = field(default_factory=dict, repr=False)
    # JSON keys and type names the context does not define: JSON-LD would drop them silently, so
    # they are reported instead (pointer, the key or type name, "field" or "type").
    unknown_terms: list[tuple[str, str, str]] = field(default_factory=list)
    # The parsed JSON as sent (None for RDF formats): a report shows a value as it was written.
    document: Any = field(default=None, repr=False)

    def pointer(self, node: Node) -> str | None:
        return self.pointers.get(node)


def read_payload(
    data: str | bytes | dict | list | Path | Graph,
    *,
    format: str | None = None,
    source: str | None = None,
    model: Model | None = None,
    max_bytes: int = MAX_BYTES,
) -> Payload:
    """Turn a payload (text, bytes, parsed JSON, a path or a graph) into a ``Payload``."""
    if format is not None and format not in FORMATS:
        raise InputError(f"unknown format {format!r} (use one of: {', '.join(FORMATS)})")
    if isinstance(data, Graph):
        return Payload(source or "<graph>", "rdf", data)
    if isinstance(data, (dict, list)):
        return _from_json(data, source or "<json>", format or "json", model)
    if isinstance(data, Path):
        source = source or str(data)
        format = format or SUFFIXES.get(data.suffix.lower())
        data = read_file(data, source, max_bytes)
    source = source or "<payload>"
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise InputError(too_large(max_bytes, len(raw)), where=source)
    if not raw.strip():
        raise InputError("payload is empty", where=source)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"payload is not UTF-8 (byte {exc.start})", where=source) from None
    format = format or sniff_format(text)
    if format in ("json", "jsonld"):
        document = _load_json(text, source)
        payload = _from_json(document, source, format, model)
        payload.unknown_terms[:0] = [(pointer, key, "duplicate") for pointer, key in duplicate_keys(text, document)]
        return payload
    return _from_rdf(text, source, format)


def too_large(max_bytes: int, size: int | None = None, what: str = "payload") -> str:
    """The one wording of the size limit."""
    return f"{what} is {size:,} bytes, over the limit of {max_bytes:,}" if size else f"{what} is over the limit of {max_bytes:,} bytes"


def read_file(path: Path, source: str | None = None, max_bytes: int = MAX_BYTES, *, what: str = "payload") -> bytes:
    """A file's bytes, read no further than the limit: a regular file, or a FIFO or device given
    on purpose (``/dev/zero`` ends as too large, never as all of memory)."""
    source = source or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(too_large(max_bytes, size, what), where=source)
        with path.open("rb") as stream:
            return read_stream(stream, source, max_bytes, what=what)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", where=source) from None


def read_stream(stream, source: str, max_bytes: int = MAX_BYTES, *, what: str = "payload") -> bytes:
    """At most ``max_bytes`` of a binary stream (standard input, a pipe, an archive member); more is
    refused as too large without being read."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(too_large(max_bytes, None, what), where=source)
    return data


def read_json_file(path: Path | str, what: str, max_bytes: int = MAX_BYTES) -> Any:
    """A JSON file that is not a payload (a signed credential, a status list, a trust list, issuer
    profiles, a side record; ``-`` for standard input), read as a payload is: no further than the
    limit, ``NaN`` and deep nesting refused, every failure one line that names the file and not
    its content."""
    import sys

    source = str(path)
    if source == "-":
        data = read_stream(sys.stdin.buffer, "<stdin>", max_bytes, what=what)
    else:
        data = read_file(Path(path), max_bytes=max_bytes, what=what)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"the {what} is not UTF-8 (byte {exc.start})", where=source) from None
    return _load_json(text, source)


def bounded_lines(stream, max_bytes: int = MAX_BYTES):
    """The lines of a binary stream (each with its ``b"\\n"``) as ``(line, length)``, never holding
    more than ``max_bytes`` of one line: a longer line is given as ``(None, length)``, its bytes
    read and dropped. Works on files, pipes, standard input and archive members alike."""
    readline = stream.readline
    while True:
        line = readline(max_bytes + 1)
        if not line:
            return
        if len(line) <= max_bytes:
            yield line, len(line)
            continue
        length = len(line)
        while not line.endswith(b"\n"):
            line = readline(1 << 20)
            if not line:
                break
            length += len(line)
        yield None, length


def payload_files(root: Path, *, follow_symlinks: bool = False, suffixes=None):
    """The payload files under a folder, sorted, as ``(path, None)``, and the entries that are
    skipped as ``(path, reason)``: device files, FIFOs and sockets always; symbolic links unless
    ``follow_symlinks``, and even then a link that leads out of the folder (or back into a folder
    already walked). Hidden files and files without a payload suffix are not payloads."""
    import stat as stat_module

    suffixes = SUFFIXES if suffixes is None else suffixes
    top = root.resolve()
    seen_folders = {top}

    def walk(folder: Path):
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            yield folder, f"cannot read the folder: {exc.strerror or exc}"
            return
        for entry in entries:
            try:
                mode = entry.lstat().st_mode
            except OSError as exc:
                yield entry, f"cannot read: {exc.strerror or exc}"
                continue
            payload_name = entry.suffix.lower() in suffixes and not entry.name.startswith(".")
            if stat_module.S_ISLNK(mode):
                try:
                    target = entry.resolve(strict=True)
                    target_mode = target.stat().st_mode
                except (OSError, RuntimeError):
                    if payload_name:
                        yield entry, "a symbolic link that leads nowhere"
                    continue
                is_folder = stat_module.S_ISDIR(target_mode)
                if not (is_folder or payload_name):
                    continue
                if not follow_symlinks:
                    yield entry, "a symbolic link, not followed (--follow-symlinks follows links that stay inside the folder)"
                    continue
                if target != top and top not in target.parents:
                    yield entry, "a symbolic link out of the folder, not followed"
                    continue
                if is_folder:
                    if target in seen_folders:
                        yield entry, "a symbolic link to a folder already walked, not followed"
                        continue
                    seen_folders.add(target)
                    yield from walk(entry)
                    continue
                mode = target_mode
            if stat_module.S_ISDIR(mode):
                seen_folders.add(entry.resolve())
                yield from walk(entry)
            elif stat_module.S_ISREG(mode):
                if payload_name:
                    yield entry, None
            else:
                kind = ("a FIFO (named pipe)" if stat_module.S_ISFIFO(mode) else "a socket" if stat_module.S_ISSOCK(mode)
                        else "a device file")
                yield entry, f"{kind}, not a regular file: skipped"

    yield from walk(root)


def sniff_format(text: str) -> str:
    head = text.lstrip()[:512]
    if head.startswith(("{", "[")):
        return "json"
    if head.startswith("<?xml") or head.startswith("<rdf:RDF") or head.startswith("<!DOCTYPE"):
        return "rdfxml"
    return "turtle"  # N-Triples is a subset of Turtle


# -- JSON and JSON-LD --------------------------------------------------------------------------


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


# A \uD800-\uDFFF escape: JSON lets a string spell half of a UTF-16 surrogate pair alone, which
# is no Unicode character and cannot be written as UTF-8 (an IRI, a report, a database would fail).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def lone_surrogate_at(text: str, document: Any) -> str | None:
    """The JSON Pointer of the first string (key or value) that holds a lone surrogate, else None."""
    if "\\" not in text or not _SURROGATE_ESCAPE.search(text):  # (a search for one character is quick)
        return None  # the usual case: no escape of that kind at all
    stack = [(document, "")]
    while stack:
        value, pointer = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return pointer
        elif isinstance(value, dict):
            for key, item in value.items():
                shown = str(key).encode("utf-8", "backslashreplace").decode("utf-8")  # printable
                where = f"{pointer}/{_escape(shown)}"
                if shown != key:
                    return where
                stack.append((item, where))
        elif isinstance(value, list):
            stack.extend((item, f"{pointer}/{i}") for i, item in enumerate(value))
    return None


def _load_json(text: str, source: str) -> Any:
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", where=source) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"malformed JSON: {exc}", where=source) from None
    _check_depth(document, source)
    pointer = lone_surrogate_at(text, document)
    if pointer is not None:
        raise InputError(f"malformed JSON: the string at {pointer or '/'} holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF "
                         "escape without its pair), which is no Unicode character", where=source)
    return document


_KEY_SPACED = re.compile(r'"[ \t\r\n]+:')


def count_keys(document: Any) -> int:
    """How many keys the objects of a parsed JSON document hold."""
    count, stack = 0, [document]
    while stack:
        value = stack.pop()
        if type(value) is dict:
            count += len(value)
            stack.extend(value.values())
        elif type(value) is list:
            stack.extend(value)
    return count


def duplicate_keys(text: str, document: Any, key_count: int | None = None, string_count: int | None = None) -> list[tuple[str, str]]:
    """``(JSON Pointer, key)`` of every key that an object of the JSON text gives more than once:
    JSON parsers keep only the last value, so the others would be lost without a word.

    Cheap for the common case. Given the document's counts of keys and of string values, and a
    text without a backslash (so that every ``"`` of it opens or closes a key or a string value),
    no key was given twice when the text holds two ``"`` for each of them: a key given twice
    leaves the document with fewer than the text. Else: every key of the text ends in ``":`` (or
    ``"`` and white space and ``:``), so when the text holds no more of those than the parsed
    document holds keys, no key was given twice. Only otherwise is the text parsed again, keeping
    every key."""
    if key_count is not None and string_count is not None and "\\" not in text \
            and text.count('"') == 2 * (key_count + string_count):
        return []
    keys = count_keys(document) if key_count is None else key_count
    if text.count('":') == keys and not _KEY_SPACED.search(text):
        return []
    repeated: dict[int, list[str]] = {}

    def keep_pairs(pairs):
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set = set()
            repeated[id(obj)] = list(dict.fromkeys(k for k, _ in pairs if k in seen or seen.add(k)))
        return obj

    try:
        parsed = json.loads(text, object_pairs_hook=keep_pairs, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return []
    found: list[tuple[str, str]] = []
    stack = [(parsed, "")]
    while stack and repeated:
        value, pointer = stack.pop()
        if type(value) is dict:
            for key in repeated.get(id(value), ()):
                found.append((f"{pointer}/{_escape(key)}", key))
            stack.extend((v, f"{pointer}/{_escape(k)}") for k, v in reversed(value.items()))
        elif type(value) is list:
            stack.extend((v, f"{pointer}/{i}") for i, v in reversed(list(enumerate(value))))
    return found


def _check_depth(document: Any, source: str) -> None:
    if _depth_exceeded(document, 1):
        raise InputError(f"JSON nested deeper than {MAX_DEPTH} levels", where=source)


def _depth_exceeded(value: Any, depth: int) -> bool:
    """Whether a value at ``depth`` (the document itself is at 1) holds anything deeper than MAX_DEPTH."""
    stack = [(value, depth)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return False


def _language_map_keys(context: dict) -> set[str]:
    return {
        term
        for term, definition in context.get("@context", {}).items()
        if isinstance(definition, dict) and definition.get("@container") == "@language"
    }


def _tag_nodes(value: Any, pointer: str, language_maps: set[str]) -> Any:
    """Copy of the JSON with every node object that has no id given a pointer IRI as its id."""
    if isinstance(value, list):
        return [_tag_nodes(v, f"{pointer}/{i}", language_maps) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if "@value" in value or "@list" in value or "@set" in value:
        return value
    tagged = {}
    for key, item in value.items():
        child = f"{pointer}/{_escape(key)}"
        if key == "@context" or key in language_maps:
            tagged[key] = item
        else:
            tagged[key] = _tag_nodes(item, child, language_maps)
    if "id" not in value and "@id" not in value:
        tagged["@id"] = POINTER_IRI + quote(pointer, safe="/~")
    return tagged


def _code_keys(context: dict) -> set[str]:
    """The terms whose values are codes (``@type: @vocab``): a plain value is expanded into a
    code-list or Grep namespace."""
    return {
        term
        for term, definition in context.get("@context", {}).items()
        if isinstance(definition, dict) and definition.get("@type") == "@vocab"
    }


_CODE_CHARS = re.compile(r"^[A-Za-z0-9._~-]*$")


def _encode_codes(value: Any, code_keys: set[str]) -> Any:
    """Percent-encode a code that cannot stand in an IRI as it is ("ENG 1007"), so that it is kept
    (and reported as a malformed code) instead of being dropped by JSON-LD and reported as missing.
    A value with ":" is left alone: JSON-LD reads it as an IRI or compact IRI."""
    if isinstance(value, list):
        return [_encode_codes(v, code_keys) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in code_keys:
            items = item if isinstance(item, list) else [item]
            encoded = [
                quote(i, safe="") if isinstance(i, str) and i and ":" not in i and not _CODE_CHARS.match(i) else i
                for i in items
            ]
            out[key] = encoded if isinstance(item, list) else encoded[0]
        elif key == "@context":
            out[key] = item
        else:
            out[key] = _encode_codes(item, code_keys)
    return out


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _ids_to_pointers(value: Any, pointer: str, out: dict[str, str]) -> None:
    if isinstance(value, list):
        for i, v in enumerate(value):
            _ids_to_pointers(v, f"{pointer}/{i}", out)
    elif isinstance(value, dict):
        node_id = value.get("id", value.get("@id"))
        if isinstance(node_id, str) and not node_id.startswith(POINTER_IRI):
            out.setdefault(node_id, pointer)
        for key, item in value.items():
            if key != "@context":
                _ids_to_pointers(item, f"{pointer}/{_escape(key)}", out)


def _check_contexts(value: Any, source: str) -> None:
    """Refuse remote contexts and ``@import`` early, wherever they are (a list, a term's scoped
    context, a nested node), naming the payload."""
    if isinstance(value, list):
        for v in value:
            _check_contexts(v, source)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                _check_context_value(item, source)
            else:
                _check_contexts(item, source)


def _check_context_value(context: Any, source: str) -> None:
    """One ``@context`` value: our context IRI, inline objects (whose term definitions may hold
    scoped contexts), null, or a list of these. Anything else is refused before JSON-LD processing."""
    from samtbu.jsonld import CONTEXT_IRIS

    stack = [context]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if item not in CONTEXT_IRIS:
                try:
                    document_loader()(item)
                except SamtbuError as exc:
                    raise InputError(exc.message, where=source) from None
        elif isinstance(item, dict):
            if "@import" in item:
                raise InputError("@import in a JSON-LD context is refused: contexts are not loaded from anywhere", where=source)
            if "@base" in item and item["@base"] is None:
                raise InputError("\"@base\": null in a JSON-LD context is refused: the facts of nodes with a relative id "
                                 "would be dropped silently", where=source)
            for key, definition in item.items():
                if key == "@context":
                    stack.append(definition)
                elif isinstance(definition, dict) and "@context" in definition:
                    stack.append(definition["@context"])


def _from_json(document: Any, source: str, format: str, model: Model | None) -> Payload:
    from pyld import jsonld

    model = model or Model.load()
    if not isinstance(document, (dict, list)) or not document:
        raise InputError("JSON payload must be a non-empty object or array", where=source)
    _check_depth(document, source)
    _check_contexts(document, source)
    context = bundled_context(model)
    has_context = isinstance(document, dict) and "@context" in document
    original = document
    if format == "json" and not has_context:
        document = {"@context": context["@context"], **document} if isinstance(document, dict) else {
            "@context": context["@context"],
            "@graph": document,
        }
    unknown: list[tuple[str, str, str]] = []
    if format == "json" or _context_members(document) is not None:
        _find_unknown_terms(document, "", _defined_terms(document, set(context["@context"])), _language_map_keys(context), unknown)
    tagged = _tag_nodes(document, "", _language_map_keys(context))
    if format == "json" or _context_members(document) is not None:
        tagged = _encode_codes(tagged, _code_keys(context))
    try:
        nquads = jsonld.to_rdf(
            tagged,
            {"format": "application/n-quads", "documentLoader": document_loader(model), "base": RELATIVE_BASE},
        )
    except SamtbuError as exc:
        raise InputError(exc.message, where=source) from None
    except jsonld.JsonLdError as exc:
        raise InputError(f"invalid JSON-LD: {_jsonld_reason(exc)}", where=source) from None
    except Exception as exc:  # noqa: BLE001 - the JSON-LD processor fails in many ways on hostile input
        # The processor's own text could quote the payload: only the kind of failure is reported.
        raise InputError(f"invalid JSON-LD: the JSON-LD processor failed ({type(exc).__name__})", where=source) from None

    if "<" + RELATIVE_SCHEME in nquads:
        raise InputError(_relative_iri_message(document, nquads), where=source)
    graph = _graph_from_nquads(nquads, source)
    if unknown:
        # The context's @vocab kept each undefined key as a fact in the "ukjent" namespace; it is
        # reported once, as an unknown field, not again as a closed-shape violation.
        for triple in [t for t in graph if str(t[1]).startswith(str(UKJENT))]:
            graph.remove(triple)

    # Nodes without an id become blank nodes again; their pointer is remembered.
    pointers: dict[Node, str] = {}
    bnodes: dict[URIRef, BNode] = {}
    for term in {t for triple in graph for t in triple if isinstance(t, URIRef) and str(t).startswith(POINTER_IRI)}:
        bnodes[term] = BNode()
        pointers[bnodes[term]] = unquote(str(term)[len(POINTER_IRI):])
    if bnodes:
        renamed = Graph()
        for s, p, o in graph:
            renamed.add((bnodes.get(s, s), p, bnodes.get(o, o)))
        graph = renamed
    ids: dict[str, str] = {}
    _ids_to_pointers(document, "", ids)
    for node_id, pointer in ids.items():
        pointers.setdefault(URIRef(node_id), pointer)
    return Payload(source, format, graph, pointers, unknown, original)


# A payload has no base IRI of its own (a file name or a request is not one), so pyld's default
# (http://example.org/base/) would turn ``"id": "vurdering-1"`` into a made-up IRI, and the model's
# own base (https://w3id.org/samt-bu/) is for the model's terms, not for records (``"id": "def/Elev"``
# would become the class sbu:Elev). Relative references are resolved against this marker instead and
# refused: a scheme of its own, so that a network-path reference ("//host/x") is caught as well.
RELATIVE_SCHEME = "samtbu-relative-iri:"
RELATIVE_BASE = RELATIVE_SCHEME + "//payload/"
_RELATIVE_IRI = re.compile(r"<(" + re.escape(RELATIVE_SCHEME) + r"[^>]*)>")
_SHOWN_RELATIVE = 3


def _relative_iri_message(document: Any, nquads: str) -> str:
    """Which fields of the payload hold a relative IRI reference, with their values (masked, shortened)."""
    from pyld.iri_resolver import resolve

    from samtbu.output import mask_identity_numbers

    resolved = set(_RELATIVE_IRI.findall(nquads))
    # Every string value that resolves to one of them, in document order; a value under an id key
    # is preferred for an IRI (the same text may also be a literal elsewhere, e.g. a number as id).
    candidates: dict[str, list[tuple[int, str, str]]] = {}
    order = itertools.count()
    stack = [(document, "")]
    while stack:
        value, pointer = stack.pop()
        if isinstance(value, dict):
            stack.extend((v, f"{pointer}/{_escape(k)}") for k, v in reversed(value.items()) if k != "@context")
        elif isinstance(value, list):
            stack.extend((v, f"{pointer}/{i}") for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, str):
            iri = resolve(value, RELATIVE_BASE)
            if iri in resolved:
                candidates.setdefault(iri, []).append((next(order), pointer, value))
    chosen = []
    for places in candidates.values():
        chosen.extend([place for place in places if _is_id_key(place[1])] or places)
    found = [(pointer, value) for _order, pointer, value in sorted(chosen)]

    def shown(text: str) -> str:
        return repr(_shortened(mask_identity_numbers(text)))

    ids = all(_is_id_key(pointer) for pointer, _ in found)
    what = ("relative id" if ids else "relative IRI reference") + ("s" if len(found) > 1 else "")
    if found:
        where = ", ".join(f"{pointer or '/'} ({shown(value)})" for pointer, value in found[:_SHOWN_RELATIVE])
        if len(found) > _SHOWN_RELATIVE:
            where += f" and {len(found) - _SHOWN_RELATIVE} more"
    else:  # e.g. a relative @vocab in the payload's own context: no JSON value to point at
        where = ", ".join(shown(iri.removeprefix(RELATIVE_BASE)) for iri in sorted(resolved)[:_SHOWN_RELATIVE])
    return (f"{what} at {where}: an id or reference must be an absolute IRI (such as urn:uuid:...); "
            "a payload has no base to resolve a relative one against")


def _shortened(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _is_id_key(pointer: str) -> bool:
    return pointer.rsplit("/", 1)[-1] in ("id", "@id")


def _context_members(document: Any) -> list | None:
    """The members of the top-level ``@context`` when it is ours, alone or in a list with inline
    objects (their terms count as defined); None for any other context."""
    from samtbu.jsonld import CONTEXT_IRIS

    if not isinstance(document, dict):
        return None
    context = document.get("@context")
    members = context if isinstance(context, list) else [context]
    ours = [m for m in members if isinstance(m, str) and m in CONTEXT_IRIS]
    if not ours or any(not isinstance(m, (str, dict)) for m in members) or len(ours) + sum(isinstance(m, dict) for m in members) != len(members):
        return None
    return [m for m in members if isinstance(m, dict)]


def _defined_terms(document: Any, bundled: set[str]) -> set[str]:
    """The terms of the bundled context, and those inline context objects beside it define."""
    inline = _context_members(document) or []
    return bundled | {key for member in inline for key in member if not key.startswith("@")}


def _find_unknown_terms(value: Any, pointer: str, terms: set[str], language_maps: set[str], out: list) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            _find_unknown_terms(item, f"{pointer}/{i}", terms, language_maps, out)
        return
    if not isinstance(value, dict) or "@value" in value:
        return
    for key, item in value.items():
        child = f"{pointer}/{_escape(key)}"
        if key.startswith("@") or ":" in key:
            if key == "@type":
                _check_types(item, child, terms, out)
            continue
        if key not in terms:
            out.append((child, key, "field"))
            continue
        if key == "type":
            _check_types(item, child, terms, out)
        elif key not in language_maps:
            _find_unknown_terms(item, child, terms, language_maps, out)


def _check_types(item: Any, pointer: str, terms: set[str], out: list) -> None:
    names = item if isinstance(item, list) else [item]
    for i, name in enumerate(names):
        if isinstance(name, str) and ":" not in name and name not in terms:
            out.append((pointer if not isinstance(item, list) else f"{pointer}/{i}", name, "type"))


def _jsonld_reason(exc) -> str:
    seen = []
    while exc is not None and len(seen) < 5:
        message = getattr(exc, "message", None) or str(exc).splitlines()[0]
        code = getattr(exc, "code", None)
        seen.append(f"{message}" + (f" ({code})" if code else ""))
        exc = getattr(exc, "cause", None)
    return "; ".join(dict.fromkeys(seen))


def _graph_from_nquads(nquads: str, source: str) -> Graph:
    """pyld's output as a plain graph. Named graphs (@graph under an @id) are merged: validation
    looks at the triples, and a payload of this model has no use for graph names."""
    import warnings

    from rdflib import Dataset

    graph = Graph()
    try:
        graph.parse(data=nquads, format="nt")
        return graph
    except Exception:  # noqa: BLE001 - quads: parse as a dataset below
        pass
    dataset = Dataset()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset.parse(data=nquads, format="nquads")
    except Exception:  # noqa: BLE001 - pyld produced something rdflib cannot read
        raise InputError("JSON-LD produced RDF that cannot be read (an IRI or a literal that RDF does not allow)", where=source) from None
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


# -- RDF formats --------------------------------------------------------------------------------

_ENTITY = re.compile(r"<!ENTITY", re.IGNORECASE)
_EXTERNAL_DTD = re.compile(r"<!DOCTYPE[^\[>]*?\b(SYSTEM|PUBLIC)\b", re.IGNORECASE)


def _from_rdf(text: str, source: str, format: str) -> Payload:
    if format == "rdfxml":
        _refuse_unsafe_xml(text, source)
    rdflib_format = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml"}[format]
    graph = Graph()
    try:
        # relative IRIs resolve against the marker (not the working directory), and are refused
        graph.parse(data=text, format=rdflib_format, publicID=RELATIVE_BASE)
    except Exception as exc:  # noqa: BLE001 - every parser error is bad input
        raise InputError(f"malformed {_FORMAT_NAMES[format]}{_syntax_error_position(text, format, exc)}", where=source) from None
    if len(graph) == 0:
        raise InputError(f"{_FORMAT_NAMES[format]} payload has no triples", where=source)
    _refuse_relative_rdf_iris(graph, text, source, format)
    return Payload(source, format, graph)


_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_IRI_TOKEN = re.compile(r"<([^<>\"{}|^`\\\s]*)>")


def _refuse_relative_rdf_iris(graph: Graph, text: str, source: str, format: str) -> None:
    """A relative IRI without a @base / xml:base in the payload: Turtle's resolve against the marker,
    RDF/XML's are kept relative by rdflib; either way the payload names no base, so it is refused
    (naming the IRI as written and, in Turtle, its line)."""
    relative = {str(t) for triple in graph for t in triple
                if isinstance(t, URIRef) and (t.startswith(RELATIVE_SCHEME) or not _ABSOLUTE_IRI.match(t))}
    if not relative:
        return
    from pyld.iri_resolver import resolve

    from samtbu.output import mask_identity_numbers

    def shown(iri: str) -> str:  # one line, however the IRI is written
        return "<" + repr(_shortened(iri))[1:-1] + ">"

    places = []
    if format != "rdfxml":
        for number, line in enumerate(text.splitlines(), 1):
            places.extend((f"{shown(token)} at line {number}") for token in _IRI_TOKEN.findall(line)
                          if resolve(token, RELATIVE_BASE) in relative)
    if not places:
        places = [shown(iri.removeprefix(RELATIVE_BASE)) for iri in sorted(relative)]
    where = ", ".join(dict.fromkeys(places[:_SHOWN_RELATIVE]))
    if len(places) > _SHOWN_RELATIVE:
        where += f" and {len(places) - _SHOWN_RELATIVE} more"
    plural = "s" if len(places) > 1 else ""
    raise InputError(mask_identity_numbers(
        f"relative IRI{plural} {where}: the payload declares no base ({'xml:base' if format == 'rdfxml' else '@base'}), "
        "so an IRI must be absolute (such as urn:uuid:...)"), where=source)


_FORMAT_NAMES = {"turtle": "Turtle", "ntriples": "N-Triples", "rdfxml": "RDF/XML"}


_RDFLIB_LINE = re.compile(r"\bline (\d+)")


def _syntax_error_position(text: str, format: str, exc: Exception) -> str:
    """Where a syntax error is, and never what is there: a parser's message quotes the payload
    (a secret, an identity number), and a report names a record by its source and a reason only."""
    line = column = None
    if format in ("turtle", "ntriples"):
        import pyoxigraph as ox

        try:
            list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE if format == "turtle" else ox.RdfFormat.N_TRIPLES))
        except SyntaxError as error:
            line, column = error.lineno, error.offset
        except (ValueError, OSError):
            pass
    if line is None:
        match = _RDFLIB_LINE.search(str(exc))
        line = int(match.group(1)) if match else getattr(exc, "lineno", None) or getattr(exc, "_linenumber", None)
        column = getattr(exc, "offset", None) or getattr(exc, "_colnum", None)
    if line is None:
        return ""
    return f" at line {line}" + (f", column {column}" if column else "")


def _refuse_unsafe_xml(text: str, source: str) -> None:
    """Entity declarations are refused outright: they carry external-entity and entity-expansion attacks."""
    if _EXTERNAL_DTD.search(text):
        raise InputError("an external DTD (<!DOCTYPE ... SYSTEM/PUBLIC ...>) is refused: nothing is loaded from anywhere", where=source)
    if _ENTITY.search(text):
        raise InputError("XML entity declarations (<!ENTITY ...>) are refused: external entities and entity expansion are not allowed", where=source)
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        SafeET.fromstring(text.encode("utf-8"), forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InputError(f"unsafe XML refused: {exc}", where=source) from None
    except SafeET.ParseError as exc:
        raise InputError(f"malformed RDF/XML: {exc}", where=source) from None
    except (LookupError, ValueError) as exc:  # e.g. <?xml encoding="u-f-8"?>: a codec Python does not have
        raise InputError(f"malformed RDF/XML: {exc}", where=source) from None
