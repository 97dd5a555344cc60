"""Fast readers for the fast engine: payload bytes -> light triples, without rdflib on the way.

- Turtle and N-Triples are parsed with pyoxigraph.
- Plain JSON (no ``@context``, the conventions of CONVENTIONS.md) is turned into triples directly,
  driven by the generated JSON-LD context, instead of by pyld.

Both give exactly the graph that ``input.read_payload`` gives (tests check it on every example and
fixture and under property tests). Whenever a payload is outside what the fast readers handle with
certainty (a JSON-LD keyword, a key the context does not define, a value of an unexpected JSON type,
an IRI that is not plainly absolute, a language tag with capitals, an explicit ``xsd:string``, a
parse error, ...), the payload is read by ``input.read_payload`` instead, which also gives the same
error messages.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samtbu.model import Model
from samtbu.validate import input as _input
from samtbu.validate.fastterms import B, L, from_oxigraph, from_rdflib, literal, to_rdflib

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


@dataclass
class FastPayload:
    """A payload as light triples; the rdflib graph is built only when asked for."""

    source: str
    format: str
    triples: list = field(repr=False)
    pointers: dict = field(default_factory=dict, repr=False)  # internal term -> JSON Pointer
    unknown_terms: list = field(default_factory=list)
    _graph: Any = field(default=None, repr=False)

    @property
    def graph(self):
        if self._graph is None:
            from rdflib import Graph

            g = Graph()
            for s, p, o in self.triples:
                g.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
            self._graph = g
        return self._graph

    def pointer(self, node) -> str | None:
        return self.pointers.get(from_rdflib(node))


def from_payload(payload: _input.Payload) -> FastPayload:
    """Wrap a payload read by ``input.read_payload``."""
    triples = [(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in payload.graph]
    pointers = {from_rdflib(k): v for k, v in payload.pointers.items()}
    return FastPayload(payload.source, payload.format, triples, pointers, list(payload.unknown_terms), payload.graph)


def read_fast(data, *, format: str | None = None, source: str | None = None, model: Model | None = None) -> FastPayload:
    """Like ``input.read_payload``, into light triples; falls back to it whenever in doubt."""
    model = model or Model.load()
    original, original_source = data, source
    try:
        fast = _try_fast(data, format, source, model)
    except _Fallback:
        fast = None
    if fast is not None:
        return fast
    return from_payload(_input.read_payload(original, format=format, source=original_source, model=model))


class _Fallback(Exception):
    pass


def _try_fast(data, format, source, model) -> FastPayload | None:
    if format is not None and format not in ("json", "turtle", "ntriples"):
        return None
    if isinstance(data, dict):
        return _json_fast(data, source or "<json>", model)
    if isinstance(data, Path):
        source = source or str(data)
        format = format or _input.SUFFIXES.get(data.suffix.lower())
        if format not in (None, "json", "turtle", "ntriples"):
            return None
        try:
            if data.stat().st_size > _input.MAX_BYTES:
                return None
            data = data.read_bytes()
        except OSError:
            return None
    if not isinstance(data, (str, bytes)):
        return None
    source = source or "<payload>"
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > _input.MAX_BYTES or not raw.strip():
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    format = format or _input.sniff_format(text)
    if format == "json":
        try:
            document = _input._load_json(text, source)
        except _input.InputError:
            return None
        return _json_fast(document, source, model)
    if format in ("turtle", "ntriples"):
        return _rdf_fast(text, source, format)
    return None


# -- Turtle / N-Triples with pyoxigraph -----------------------------------------------------------

# rdflib and pyoxigraph differ on these: explicit xsd:string (rdflib keeps the datatype, pyoxigraph
# makes it a simple literal) and language tags with capitals (pyoxigraph lowercases them).
_DATATYPE_TOKEN = re.compile(r"\^\^\s*(<[^>]*>|[A-Za-z0-9_.\-]*:[A-Za-z0-9_.\-]*)")
_LANG_CAPITAL = re.compile(r"[\"']@[A-Za-z0-9-]*[A-Z]")


def _rdf_fast(text: str, source: str, format: str) -> FastPayload | None:
    import pyoxigraph as ox

    for m in _DATATYPE_TOKEN.finditer(text):
        token = m.group(1)
        if token.endswith("string>") or token.endswith(":string"):
            return None
    if _LANG_CAPITAL.search(text):
        return None
    ox_format = ox.RdfFormat.TURTLE if format == "turtle" else ox.RdfFormat.N_TRIPLES
    try:
        parsed = list(ox.parse(text.encode("utf-8"), format=ox_format))
    except (SyntaxError, ValueError, OSError):
        return None
    if not parsed:
        return None
    conv = from_oxigraph
    triples = [(conv(t.subject), t.predicate.value, conv(t.object)) for t in parsed]
    if any(type(s) is L for s, _, _ in triples):
        return None
    return FastPayload(source, format, triples)


# -- plain JSON, driven by the generated context --------------------------------------------------

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")
_CODE = re.compile(r"^[A-Za-z0-9._\-]+$")
_LANG_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
_BNODE_IDS = itertools.count()
# Control characters and lone surrogates: left to pyld and rdflib (their escaping decides).
_UNSAFE_TEXT = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


class _Terms:
    """The context, read once: key -> (IRI, kind, extra)."""

    def __init__(self, context: dict):
        ctx = context.get("@context", {})
        self.ok = all(k in ("@version", "@protected") for k in ctx if k.startswith("@"))
        self.props: dict[str, tuple[str, str, str | None]] = {}
        self.classes: dict[str, str] = {}
        self.all_terms = set(ctx)
        for key, definition in ctx.items():
            if key.startswith("@") or key in ("id", "type"):
                continue
            if isinstance(definition, str):
                if _ABSOLUTE_IRI.match(definition):
                    self.classes[key] = definition
                continue
            if not isinstance(definition, dict):
                continue
            iri = definition.get("@id")
            extra_keys = set(definition) - {"@id", "@type", "@container", "@context"}
            if not isinstance(iri, str) or not _ABSOLUTE_IRI.match(iri) or extra_keys:
                continue
            container = definition.get("@container")
            typ = definition.get("@type")
            scoped = definition.get("@context")
            if container not in (None, "@set", "@language"):
                continue
            if container == "@language":
                if typ is None and scoped is None:
                    self.props[key] = (iri, "lang", None)
                continue
            if scoped is not None:
                if typ == "@vocab" and isinstance(scoped, dict) and set(scoped) == {"@vocab"} and isinstance(scoped["@vocab"], str):
                    self.props[key] = (iri, "vocab", scoped["@vocab"])
                continue
            if typ is None:
                self.props[key] = (iri, "plain", None)
            elif typ == "@id":
                self.props[key] = (iri, "id", None)
            elif isinstance(typ, str) and _ABSOLUTE_IRI.match(typ) and not typ.startswith("@"):
                self.props[key] = (iri, "typed", typ)
        if ctx.get("id") != "@id" or ctx.get("type") != "@type":
            self.ok = False


_TERMS_CACHE: dict[str, _Terms] = {}


def _terms(model: Model) -> _Terms:
    key = str(model.root)
    found = _TERMS_CACHE.get(key)
    if found is None:
        from samtbu.jsonld import bundled_context

        found = _TERMS_CACHE[key] = _Terms(bundled_context(model))
    return found


def _json_fast(document: Any, source: str, model: Model) -> FastPayload | None:
    if not isinstance(document, dict) or not document or "@context" in document:
        return None
    terms = _terms(model)
    if not terms.ok:
        return None
    triples: list = []
    pointers: dict = {}
    prefix = f"fj{next(_BNODE_IDS)}x"
    counter = itertools.count()
    try:
        _node(document, "", terms, triples, pointers, prefix, counter)
    except _Fallback:
        return None
    ids: dict[str, str] = {}
    _input._ids_to_pointers(document, "", ids)
    for node_id, pointer in ids.items():
        pointers.setdefault(node_id, pointer)
    return FastPayload(source, "json", list(dict.fromkeys(triples)), pointers, [])


def _node(obj: dict, pointer: str, terms: _Terms, out: list, pointers: dict, prefix: str, counter) -> object:
    node_id = obj.get("id")
    if "@id" in obj:
        raise _Fallback
    if node_id is None:
        if "id" in obj:
            raise _Fallback
        subject = B(f"{prefix}{next(counter)}")
        pointers[subject] = pointer
    else:
        if not isinstance(node_id, str) or not _ABSOLUTE_IRI.match(node_id) or node_id.startswith(_input.POINTER_IRI):
            raise _Fallback
        subject = node_id
    for key, value in obj.items():
        if key == "id":
            continue
        child = f"{pointer}/{key}"
        if key == "type":
            names = value if isinstance(value, list) else [value]
            for name in names:
                iri = terms.classes.get(name) if isinstance(name, str) else None
                if iri is None:
                    raise _Fallback
                out.append((subject, RDF_TYPE, iri))
            continue
        definition = terms.props.get(key)
        if definition is None or "/" in key or "~" in key:
            raise _Fallback
        iri, kind, extra = definition
        if kind == "lang":
            if not isinstance(value, dict):
                raise _Fallback
            for lang, text in value.items():
                if not isinstance(lang, str) or not _LANG_TAG.match(lang):
                    raise _Fallback
                for item in (text if isinstance(text, list) else [text]):
                    if not isinstance(item, str) or _UNSAFE_TEXT.search(item):
                        raise _Fallback
                    out.append((subject, iri, L((item, None, lang))))
            continue
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            item_pointer = f"{child}/{i}" if isinstance(value, list) else child
            if isinstance(item, dict):
                if kind not in ("plain", "id") or any(k.startswith("@") for k in item):
                    raise _Fallback
                obj_node = _node(item, item_pointer, terms, out, pointers, prefix, counter)
                out.append((subject, iri, obj_node))
            elif isinstance(item, str):
                if _UNSAFE_TEXT.search(item):
                    raise _Fallback
                if kind == "plain":
                    out.append((subject, iri, L((item, None, None))))
                elif kind == "typed":
                    out.append((subject, iri, literal(item, extra)))
                elif kind == "id":
                    if not _ABSOLUTE_IRI.match(item) or item.startswith(_input.POINTER_IRI):
                        raise _Fallback
                    out.append((subject, iri, item))
                elif kind == "vocab":
                    if not _CODE.match(item) or item in terms.all_terms:
                        raise _Fallback
                    out.append((subject, iri, extra + item))
                else:
                    raise _Fallback
            elif isinstance(item, bool) or (isinstance(item, int) and abs(item) < 10**15):
                # JSON-LD: a native value gets the term's datatype, else xsd:boolean / xsd:integer
                lexical = ("true" if item else "false") if isinstance(item, bool) else str(item)
                native = XSD_BOOLEAN if isinstance(item, bool) else XSD_INTEGER
                out.append((subject, iri, literal(lexical, extra if kind == "typed" else native)))
            else:
                raise _Fallback
    return subject


__all__ = ["FastPayload", "read_fast", "from_payload"]
