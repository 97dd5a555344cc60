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

import codecs
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samtbu.model import Model
from samtbu.validate import input as _input
from samtbu.validate.fast.terms import B, IndexedTriples, L, from_oxigraph, from_rdflib, literal, to_rdflib

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
    data: Any = field(default=None, repr=False)  # the engine's index of the triples, once built
    key_count: int = field(default=0, repr=False)  # JSON keys read (to tell whether one was given twice)
    string_count: int = field(default=0, repr=False)  # JSON string values read (the same)
    document: Any = field(default=None, repr=False)  # the parsed JSON as sent (None for RDF)

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
    return FastPayload(payload.source, payload.format, triples, pointers, list(payload.unknown_terms), payload.graph,
                       document=payload.document)


def read_fast(data, *, format: str | None = None, source: str | None = None, model: Model | None = None) -> FastPayload:
    """Like ``input.read_payload``, into light triples; falls back to it whenever in doubt."""
    model = model or Model.load()
    if isinstance(data, Path):  # read once, within the limit, for both readers
        format = format or _input.SUFFIXES.get(data.suffix.lower())
        source = source or str(data)
        data = _input.read_file(data, source)
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
    if not isinstance(data, (str, bytes)):
        return None
    source = source or "<payload>"
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > _input.MAX_BYTES or not raw or raw.isspace():
        return None
    if format in (None, "json") and _PARSER_CHECKS_UTF8:  # the usual payload, without its text
        body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
        if body[:1] == b"{" and b"\\" not in body:
            return _json_bytes(body, source, model)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    format = format or _input.sniff_format(text)
    if format == "json":
        try:
            # as ``input._load_json``, whose errors ``read_payload`` gives; the depth limit is
            # checked during the walk in ``_json_fast``. The bytes (checked UTF-8 just above, less a
            # byte order mark) rather than the text: given a str, orjson has it written as UTF-8
            # again, which cost more than a third of the parse for a vitnemål.
            document = _load_json(raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw)
        except (ValueError, RecursionError):  # JSONDecodeError (orjson's too) is a ValueError
            return None
        if _input.lone_surrogate_at(text, document) is not None:
            return None  # read_payload reports where
        fast = _json_fast(document, source, model)
        if fast is not None and _input.duplicate_keys(text, document, fast.key_count, fast.string_count):
            return None  # read_payload reports the keys given twice
        return fast
    if format in ("turtle", "ntriples"):
        return _rdf_fast(text, source, format)
    return None


def _json_bytes(body: bytes, source: str, model: Model) -> FastPayload | None:
    """The usual payload, a JSON object with no backslash, read without its text: what the text
    is read for in ``_try_fast`` is told by the bytes here. Its format is JSON (it starts with "{");
    orjson refuses whatever ``bytes.decode`` refuses (it checks the UTF-8 as strictly); with no
    backslash there is no escaped surrogate; and every '"' opens or closes a key or a string value
    (in UTF-8, no byte of a character beyond ASCII is a '"' or a backslash), which is all the quick
    check of ``duplicate_keys`` looks at. When that check fails, ``duplicate_keys`` is given the
    text as before. Not decoding a vitnemål's 10 KB and not scanning it twice for a backslash
    spares about a thirtieth of the reading."""
    try:
        document = _load_json(body)
    except (ValueError, RecursionError):  # JSONDecodeError (orjson's too) is a ValueError
        return None
    fast = _json_fast(document, source, model)
    if fast is not None and body.count(b'"') != 2 * (fast.key_count + fast.string_count) \
            and _input.duplicate_keys(body.decode("utf-8"), document, fast.key_count, fast.string_count):
        return None  # read_payload reports the keys given twice
    return fast


def _load_json_stdlib(text: str | bytes):
    return json.loads(text, parse_constant=_input._refuse_constant)


# orjson parses a payload in about half the time of the json module. It takes exactly the JSON of
# RFC 8259 and gives the same values; what it refuses and ``json`` may take (NaN, lone surrogates,
# integers beyond 64 bits, nesting beyond 1024) goes to ``read_payload``, which reads or refuses it
# as before (the fast path gives up on all of these anyway).
_load_json: Callable[[str | bytes], Any]
try:
    from orjson import loads as _load_json
except ImportError:  # pragma: no cover - orjson is a dependency; a bare install still works
    _load_json = _load_json_stdlib
# Whether ``_load_json`` refuses bytes that are not strict UTF-8 (the json module decodes them with
# "surrogatepass", and guesses UTF-16 and -32: it is given only text that ``_try_fast`` decoded).
_PARSER_CHECKS_UTF8 = _load_json is not _load_json_stdlib


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
        self.ok = all(k in ("@version", "@protected", "@vocab") for k in ctx if k.startswith("@"))
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
        # What the walk looks a JSON key up in, resolved once per key: key -> (predicate IRI, cache of
        # the terms of its string values, kind, extra). "id" and "type" are in it as kinds of their
        # own ("type"'s cache is the class table itself: a name not in it is no class of the
        # context); keys with "/" or "~" are left out (their JSON Pointer would need escaping: such
        # payloads go to ``read_payload``).
        self.fields: dict[str, tuple[str | None, dict, str, str | None]] = {
            "id": (None, {}, "id-key", None), "type": (RDF_TYPE, self.classes, "type", None)}
        for key, (iri, kind, extra) in self.props.items():
            if "/" not in key and "~" not in key:
                self.fields[key] = (iri, {}, kind, extra)


_TERMS_CACHE: dict[str, _Terms] = {}


def _terms(model: Model) -> _Terms:
    key = str(model.root)
    found = _TERMS_CACHE.get(key)
    if found is None:
        found = _TERMS_CACHE[key] = json_terms(model)
    return found


def json_terms(model: Model) -> _Terms:
    """The context read for the JSON reader, once per model (kept by the compiled-model cache)."""
    def make(model: Model) -> _Terms:
        from samtbu.jsonld import context_document

        return _Terms(context_document(model))

    return model.derive("fast-json-terms", make)


def _json_fast(document: Any, source: str, model: Model) -> FastPayload | None:
    """Plain JSON -> triples in one walk over the document, or None to fall back.

    The walk does at once what used to take four passes (``input._check_depth``, the triples,
    ``input._ids_to_pointers`` and the engine's index of the triples, ``Data``): the triples come
    out as an ``IndexedTriples``, de-duplicated and indexed as they are found. Only *whether* the
    fast path gives up matters, never why: every ``_Fallback`` sends the payload to
    ``input.read_payload``, which finds the same fault and gives its own message. So the order of
    the checks below is free, but their union must stay the same.
    """
    if not isinstance(document, dict) or not document or "@context" in document:
        return None
    terms = _terms(model)
    if not terms.ok:
        return None
    # The depth limit holds for a parsed dict given as such too, as in ``read_payload``.
    walk = _Walk(terms, f"fj{next(_BNODE_IDS)}x", _input.MAX_DEPTH)
    try:
        root = walk.node(document, "", 1)
    except (_Fallback, KeyError):  # KeyError: a key that is no field of the context
        return None
    if walk.unchecked and not _subjects_ok(walk.unchecked):
        return None
    # Pointers of nodes with an id come after those of blank nodes and never replace one: the
    # merge of ``input._ids_to_pointers``'s result that this replaces.
    # (With no blank node, as in most payloads, that is the ids' own dict, taken as it is.)
    pointers = walk.pointers
    if not pointers:
        pointers = walk.ids
    else:
        for node_id, pointer in walk.ids.items():
            pointers.setdefault(node_id, pointer)
    triples = walk.triples
    triples.root = root  # every other node of the document is the object of a triple
    return FastPayload(source, "json", triples, pointers, [], key_count=walk.keys, document=document,
                       string_count=walk.keys - walk.others)


# Terms already worked out for a string value of a field, per field: the regular expressions and
# literal normalisation cost far more than a dict look-up, and the same codes, dates and ids come
# back in every payload (and an id many times in one). Only exact ``str`` values are cached, so a
# str subclass in a dict payload keeps its own object as before; a cache is emptied when full.
_CACHE_MAX = 4096


def _remember(cache: dict, key: str, value):
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = value
    return value


# The ids the fast path takes as subjects: absolute IRIs, none of read_payload's pointer IRIs.
_SUBJECT_IRI = re.compile(f"(?!{re.escape(_input.POINTER_IRI)})" + _ABSOLUTE_IRI.pattern.lstrip("^"))
# They are checked all at once when the walk is done (ids differ from payload to payload, and a
# match of ``_SUBJECT_IRI`` per id cost more than the rest of a node), joined after a "<" each (no
# IRI holds one): an id that starts as a pointer IRI, or not with a scheme and ":", a character no
# IRI holds (for ASCII, where most are, one ``in`` per such character: each a memchr at C speed,
# where a regular expression's character class takes ~20 ns a character; together half the time
# of deleting them with ``bytes.translate`` and comparing the lengths).
_POINTER_ID = "<" + _input.POINTER_IRI
_NO_COMMON_SCHEME = re.compile(r"<(?!urn:|https?:)")
_NO_SCHEME = re.compile(r"<(?![A-Za-z][A-Za-z0-9+.\-]*:)")
_IRI_EXCLUDED = re.compile(r'[\s>"{}|\\^`]')
_IRI_EXCLUDED_ASCII = tuple(chr(c) for c in range(128) if chr(c) != "<" and re.match(r'[\s<>"{}|\\^`]', chr(c)))


def _subjects_ok(node_ids: list) -> bool:
    """Whether every id matches ``_SUBJECT_IRI``."""
    joined = "<" + "<".join(node_ids)
    if joined.count("<") == len(node_ids) and _POINTER_ID not in joined and (
            _NO_COMMON_SCHEME.search(joined) is None or _NO_SCHEME.search(joined) is None):
        if joined.isascii():
            for excluded in _IRI_EXCLUDED_ASCII:
                if excluded in joined:
                    break
            else:
                return True
        elif _IRI_EXCLUDED.search(joined) is None:
            return True
    # else one at a time (its "$" takes a line feed at the end, which the checks above do not)
    return all(_SUBJECT_IRI.match(node_id) for node_id in node_ids)


class _Walk:
    """One payload's walk: the triples (indexed as ``Data`` indexes them), blank node pointers and
    id pointers, as they are found."""

    def __init__(self, terms: _Terms, prefix: str, max_depth: int):
        self.fields = terms.fields
        self.classes = terms.classes
        self.all_terms = terms.all_terms
        self.prefix = prefix
        self.counter = itertools.count()
        # A node at depth d holds values at d+1, list items and language maps' texts at d+2 and
        # language maps' list items at d+3; anything deeper is not read by the fast path (falls
        # back). So only from MAX_DEPTH - 2 on can a node hold a value over the limit, and only
        # there is its subtree measured, exactly as ``input._check_depth`` measures it.
        self.deep = max_depth - 3
        self.triples = IndexedTriples()
        self.spo: dict = {}
        self.pos: dict = {}
        self.triples.spo, self.triples.pos = self.spo, self.pos
        self.pointers: dict = {}  # blank node -> pointer
        self.ids: dict[str, str] = {}  # id -> pointer of its first occurrence, in document order
        self.keys = 0  # keys of the objects read
        # values that are no string (objects, arrays, numbers) less the items of arrays: every value
        # is a key's or an item's, so the string values are ``keys - others``
        self.others = 0
        self.unchecked: list = []  # node ids, checked as subjects when the walk is done (``_subjects_ok``)
        self.map_ids: set = set()  # ids that (so far) only a language map gave: no subjects, not checked

    def node(self, obj: dict, pointer: str, depth: int):
        """The subject of a node object; its triples (and those of nested nodes) are added."""
        if depth > self.deep and _input._depth_exceeded(obj, depth):
            raise _Fallback
        # No "@id"/"@type"/... check: keys starting with "@" are not in ``fields`` and fall back below.
        node_id = obj.get("id")
        if node_id is None:
            if "id" in obj:
                raise _Fallback
            subject: str = B(f"{self.prefix}{next(self.counter)}")
            self.pointers[subject] = pointer
        else:
            if not isinstance(node_id, str):
                raise _Fallback
            subject = node_id
            if node_id not in self.ids:
                self.ids[node_id] = pointer
                self.unchecked.append(node_id)
            elif node_id in self.map_ids:
                self.unchecked.append(node_id)
            if len(obj) == 1:  # {"id": ...}: a reference, no triple
                self.keys += 1
                return subject
        fields = self.fields
        spo = self.spo
        pos = self.pos
        ids = self.ids
        append = self.triples.append
        by_p = None  # spo[subject], once the node has a triple
        # Counted here and added once at the end (an attribute's read-add-write per key cost more):
        # the node's keys plus those of the references in it, and its values that are objects.
        keys = len(obj)
        nested = 0
        for key, value in obj.items():
            # KeyError (a fallback too): not a term of the context, a JSON-LD keyword, or a key with "/" or "~"
            iri, cache, kind, extra = fields[key]
            if type(value) is str:  # the common case
                term = cache.get(value)
                if term is None:
                    if kind == "id-key":
                        continue
                    term = self._string(kind, extra, value, cache)
            elif type(value) is dict and (kind == "plain" or kind == "id"):  # a nested node
                nested += 1
                term = value.get("id") if len(value) == 1 and depth < self.deep else None
                if type(term) is not str:
                    term = self.node(value, f"{pointer}/{key}", depth + 1)
                elif term in ids and term not in self.map_ids:  # {"id": ...} again: nothing to keep
                    keys += 1
                else:  # {"id": ...}, the id's first occurrence (or first as a node)
                    self._reference(term, pointer, key)
            elif kind == "id-key":
                continue
            elif kind == "lang":
                self._language_map(subject, iri, value, f"{pointer}/{key}")
                continue
            elif isinstance(value, list):
                self._list(subject, key, value, pointer, depth)
                continue
            else:
                term = self._value(kind, extra, value, pointer, key, None, depth + 1)
            # the triple (subject, iri, term), inline, indexed as ``_add`` (and ``Data``) does
            if by_p is None:
                by_p = spo.get(subject)
                if by_p is None:
                    by_p = spo[subject] = {}
            if iri not in by_p:
                by_p[iri] = [term]
            else:
                objs = by_p[iri]
                if term in objs:
                    continue
                objs.append(term)
            append((subject, iri, term))
            by_o = pos.get(iri)
            if by_o is None:
                pos[iri] = {term: [subject]}
            else:
                subs = by_o.get(term)
                if subs is None:
                    by_o[term] = [subject]
                else:
                    subs.append(subject)
        self.keys += keys
        self.others += nested
        return subject

    def _list(self, subject, key: str, value: list, pointer: str, depth: int) -> None:
        """The triples of the items of an array, the value of ``key`` of the node ``subject``."""
        iri, cache, kind, extra = self.fields[key]
        nested = 0
        for i, item in enumerate(value):
            if type(item) is str:
                term = cache.get(item)
                if term is None:
                    term = self._string(kind, extra, item, cache)
            elif type(item) is dict and (kind == "plain" or kind == "id"):
                nested += 1
                # a reference to a node is taken without a walk of its own (its pointer made only
                # for the id's first occurrence)
                term = item.get("id") if len(item) == 1 and depth + 2 <= self.deep else None
                if type(term) is str:
                    self._reference(term, pointer, f"{key}/{i}")
                else:
                    term = self.node(item, f"{pointer}/{key}/{i}", depth + 2)
            else:
                term = self._value(kind, extra, item, pointer, key, i, depth + 2)
            self._add(subject, iri, term)
        self.others += 1 - len(value) + nested

    def _reference(self, node_id: str, pointer: str, step: str) -> None:
        """A node object that is only ``{"id": ...}`` at ``pointer/step``: no triple; the id's pointer
        kept for its first occurrence, and the id checked once the walk is done."""
        if node_id not in self.ids:
            self.ids[node_id] = f"{pointer}/{step}"
            self.unchecked.append(node_id)
        elif node_id in self.map_ids:
            self.unchecked.append(node_id)
        self.keys += 1

    def _add(self, s, p, o) -> None:
        """The triple, unless it is there already, in the list and the index (as ``Data`` builds them)."""
        by_p = self.spo.get(s)
        if by_p is None:
            by_p = self.spo[s] = {}
        objs = by_p.get(p)
        if objs is None:
            by_p[p] = [o]
        elif o in objs:
            return
        else:
            objs.append(o)
        self.triples.append((s, p, o))
        by_o = self.pos.get(p)
        if by_o is None:
            self.pos[p] = {o: [s]}
        else:
            subs = by_o.get(o)
            if subs is None:
                by_o[o] = [s]
            else:
                subs.append(s)

    def _string(self, kind: str, extra, item: str, cache: dict | None):
        """The term of a string value (checked), remembered in the field's cache."""
        if kind == "type":  # the cache of "type" is the class table
            cls = self.classes.get(item)
            if cls is None:
                raise _Fallback
            return cls
        if not item.isprintable() and _UNSAFE_TEXT.search(item):  # isprintable: a quick "none of them"
            raise _Fallback
        if kind == "plain":
            term = L((item, None, None))
        elif kind == "typed":
            term = literal(item, extra)
        elif kind == "id":
            if not _ABSOLUTE_IRI.match(item) or item.startswith(_input.POINTER_IRI):
                raise _Fallback
            term = item
        elif kind == "vocab":
            if not _CODE.match(item) or item in self.all_terms:
                raise _Fallback
            term = extra + item
        else:
            raise _Fallback
        if cache is not None and type(item) is str:
            _remember(cache, item, term)
        return term

    def _value(self, kind: str, extra, item, pointer: str, key: str, index: int | None, depth: int):
        """The term of any other value: a nested node, a native boolean or integer, a str subclass."""
        if isinstance(item, dict):
            if kind not in ("plain", "id"):
                raise _Fallback
            self.others += 1
            child = f"{pointer}/{key}" if index is None else f"{pointer}/{key}/{index}"
            return self.node(item, child, depth)
        if isinstance(item, str):
            return self._string(kind, extra, item, None)  # a str subclass: not cached
        if kind != "type" and (isinstance(item, bool) or (isinstance(item, int) and abs(item) < 10**15)):
            # JSON-LD: a native value gets the term's datatype, else xsd:boolean / xsd:integer
            self.others += 1
            lexical = ("true" if item else "false") if isinstance(item, bool) else str(item)
            native = XSD_BOOLEAN if isinstance(item, bool) else XSD_INTEGER
            return literal(lexical, extra if kind == "typed" else native)
        raise _Fallback

    def _language_map(self, subject, iri: str, value, pointer: str) -> None:
        if not isinstance(value, dict):
            raise _Fallback
        self.keys += len(value)
        self.others += 1
        for lang, text in value.items():
            if not isinstance(lang, str) or not _LANG_TAG.match(lang):
                raise _Fallback
            if isinstance(text, list):
                self.others += 1 - len(text)
            for item in (text if isinstance(text, list) else (text,)):
                if not isinstance(item, str) or (not item.isprintable() and _UNSAFE_TEXT.search(item)):
                    raise _Fallback
                self._add(subject, iri, L((item, None, lang)))
        # "id" is a language tag (Indonesian); ``input._ids_to_pointers`` takes the map for a node
        # with that id, so its pointer is kept the same way.
        node_id = value.get("id")
        if isinstance(node_id, str) and not node_id.startswith(_input.POINTER_IRI) and node_id not in self.ids:
            self.ids[node_id] = pointer
            self.map_ids.add(node_id)


__all__ = ["FastPayload", "read_fast", "from_payload"]
