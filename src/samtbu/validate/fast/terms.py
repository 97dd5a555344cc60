"""Light RDF terms and a per-record triple index for the fast engine.

Terms are plain Python values, cheap to create and to hash:

- an IRI is a ``str``;
- a blank node is a ``B`` (a ``str`` subclass; its text is the blank node id);
- a literal is an ``L`` tuple ``(lexical form, datatype IRI or None, language or None)``. A plain
  string literal has datatype ``None`` (as rdflib writes it); a language-tagged one has a language and
  datatype ``None``. An empty language (``""``) marks a literal that rdflib read as ill-typed.

Lexical forms of typed literals are normalised exactly as rdflib normalises them (``"007"^^xsd:integer``
becomes ``"7"``, ``"1"^^xsd:boolean`` becomes ``"true"``), so that equality, patterns and report values
are the ones pyshacl sees on an rdflib graph of the same payload.
"""

from __future__ import annotations

import logging

from rdflib import BNode as _RBNode
from rdflib import Literal as _RLiteral
from rdflib import URIRef as _RURIRef

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD_STRING = XSD + "string"
RDF_LANGSTRING = RDF + "langString"
RDF_TYPE = RDF + "type"
RDFS_SUBCLASSOF = RDFS + "subClassOf"


class B(str):
    """A blank node (its text is the id)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"_:{str.__str__(self)}"


class L(tuple):
    """A literal: (lexical form, datatype IRI or None, language or None)."""

    __slots__ = ()

    def __repr__(self) -> str:
        lex, dt, lang = self
        return f"{lex!r}" + (f"@{lang}" if lang else f"^^<{dt}>" if dt else "")


# -- literal normalisation, the way rdflib does it ----------------------------------------------

_CANON: dict[tuple[str, str], tuple[str, bool | None, type]] = {}
_CANON_MAX = 200_000
_TERM_LOGGER = logging.getLogger("rdflib.term")


def rdflib_read(lex: str, dt: str) -> tuple[str, bool | None, type]:
    """rdflib's reading of a typed literal, cached: (normalised lexical form, ill_typed flag, the Python
    type of its value). The value's type is kept for sh:datatype (engine.datatype_ok), so that a
    record's new value costs one rdflib Literal, not one here and another there."""
    key = (lex, dt)
    found = _CANON.get(key)
    if found is not None:
        return found
    disabled = _TERM_LOGGER.disabled
    _TERM_LOGGER.disabled = True  # rdflib logs every ill-typed literal it meets
    try:
        lit = _RLiteral(lex, datatype=_RURIRef(dt))
    finally:
        _TERM_LOGGER.disabled = disabled
    found = (str(lit), lit.ill_typed, type(lit.value))
    if len(_CANON) > _CANON_MAX:
        _CANON.clear()
    _CANON[key] = found
    return found


def literal(lex: str, dt: str | None = None, lang: str | None = None) -> L:
    """A literal as rdflib would hold it (typed lexical forms normalised)."""
    if lang:
        return L((lex, None, lang))
    if dt is None:
        return L((lex, None, None))
    if dt == XSD_STRING:
        return L((lex, XSD_STRING, None))
    canon, ill, _value_type = rdflib_read(lex, dt)
    # An ill-typed literal keeps its own lexical form (rdflib normalises some of them, e.g.
    # "nei"^^xsd:boolean to "false", but still knows it is ill-typed; so do we, from the original).
    return L((lex if ill else canon, dt, None))


def lexical_as_rdflib(v: L) -> str:
    """The lexical form rdflib gives the literal (what pyshacl matches patterns and lengths against)."""
    lex, dt, _lang = v
    if dt is None or dt == XSD_STRING:
        return lex
    return rdflib_read(lex, dt)[0]


# -- conversion to and from rdflib and pyoxigraph -------------------------------------------------

_TO_RDFLIB: dict = {}


def to_rdflib(term):
    found = _TO_RDFLIB.get(term) if not isinstance(term, L) else None
    if found is not None:
        return found
    if isinstance(term, L):
        lex, dt, lang = term
        if lang:
            return _RLiteral(lex, lang=lang)
        disabled = _TERM_LOGGER.disabled
        _TERM_LOGGER.disabled = True
        try:
            return _RLiteral(lex, datatype=_RURIRef(dt) if dt else None)
        finally:
            _TERM_LOGGER.disabled = disabled
    if isinstance(term, B):
        return _RBNode(str.__str__(term))
    found = _RURIRef(term)
    if len(_TO_RDFLIB) > 50_000:
        _TO_RDFLIB.clear()
    _TO_RDFLIB[term] = found
    return found


def from_rdflib(term):
    if isinstance(term, _RLiteral):
        if term.language:
            return L((str(term), None, term.language))
        dt = term.datatype
        if term.ill_typed:
            # rdflib may have normalised the lexical form of an ill-typed literal away ("none"^^xsd:boolean
            # becomes "false"); the empty language marks the literal as ill-typed.
            return L((str(term), str(dt), ""))
        return L((str(term), str(dt) if dt is not None else None, None))
    if isinstance(term, _RBNode):
        return B(str(term))
    return str(term)


def from_oxigraph(term, _lit=literal):
    """pyoxigraph NamedNode / BlankNode / Literal -> term. Simple literals become plain (datatype None)."""
    cls = type(term).__name__
    if cls == "NamedNode":
        return term.value
    if cls == "BlankNode":
        return B(term.value)
    if cls == "Literal":
        lang = term.language
        if lang:
            return L((term.value, None, lang))
        dt = term.datatype.value
        if dt == XSD_STRING:
            return L((term.value, None, None))
        return _lit(term.value, dt)
    raise TypeError(f"unsupported RDF term {term!r}")


def n3(term) -> str:
    """A readable form of a term (for messages)."""
    if isinstance(term, L):
        lex, dt, lang = term
        return f'"{lex}"' + (f"@{lang}" if lang else f"^^<{dt}>" if dt else "")
    if isinstance(term, B):
        return f"_:{str.__str__(term)}"
    return f"<{term}>"


# -- the per-record index -------------------------------------------------------------------------


class IndexedTriples(list):
    """De-duplicated triples with the index ``Data`` would build of them, built while they were
    read (the JSON reader does: it knows each triple's subject and predicate as it finds it), so
    that ``Data`` of them is not built again. Read only, once filled: the index is not kept up to
    date by list operations. ``root``: the node every other node of the payload hangs from (a JSON
    document's top node), or None."""

    __slots__ = ("spo", "pos", "root")

    def __init__(self):
        super().__init__()
        self.spo: dict = {}
        self.pos: dict = {}
        self.root = None


class Data:
    """The triples of one data graph, indexed by subject and by predicate/object.

    ``spo``: subject -> predicate -> objects; ``pos``: predicate -> object -> subjects (lists in the
    order the triples come; every key in the order it first comes); ``triples``: the triples
    without repeats, in their order."""

    __slots__ = ("spo", "pos", "triples")

    def __init__(self, triples):
        if type(triples) is IndexedTriples:  # indexed as they were read
            self.spo = triples.spo
            self.pos = triples.pos
            self.triples = triples
            return
        spo: dict = {}
        pos: dict = {}
        unique = []
        for s, p, o in triples:
            by_p = spo.get(s)
            if by_p is None:
                by_p = spo[s] = {}
            objs = by_p.get(p)
            if objs is None:
                by_p[p] = [o]
            elif o in objs:
                continue
            else:
                objs.append(o)
            unique.append((s, p, o))
            by_o = pos.get(p)
            if by_o is None:
                by_o = pos[p] = {}
            subs = by_o.get(o)
            if subs is None:
                by_o[o] = [s]
            else:
                subs.append(s)
        self.spo = spo
        self.pos = pos
        self.triples = unique

    def objects(self, s, p) -> list:
        by_p = self.spo.get(s)
        if by_p is None:
            return []
        return by_p.get(p, [])

    def subjects(self, p, o) -> list:
        by_o = self.pos.get(p)
        if by_o is None:
            return []
        return by_o.get(o, [])

    def predicate_objects(self, s):
        by_p = self.spo.get(s)
        if not by_p:
            return
        for p, objs in by_p.items():
            for o in objs:
                yield p, o

    def subject_objects(self, p):
        by_o = self.pos.get(p)
        if not by_o:
            return
        for o, subs in by_o.items():
            for s in subs:
                yield s, o

    def has(self, s, p, o) -> bool:
        by_p = self.spo.get(s)
        return by_p is not None and o in by_p.get(p, ())

    def __len__(self) -> int:
        return len(self.triples)


__all__ = [
    "B", "L", "Data", "IndexedTriples", "literal", "lexical_as_rdflib", "rdflib_read", "to_rdflib", "from_rdflib", "from_oxigraph", "n3",
    "XSD", "RDF", "RDFS", "XSD_STRING", "RDF_LANGSTRING", "RDF_TYPE", "RDFS_SUBCLASSOF",
]
