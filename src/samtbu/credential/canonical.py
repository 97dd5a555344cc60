"""JSON-LD -> RDF -> RDFC-1.0 canonical N-Quads, with two maintained libraries to choose from.

- ``oxigraph`` (default): pyoxigraph's JSON-LD parser (the contexts inlined from local copies, since
  it takes no document loader, and cut down to the term definitions the document can reach, since it
  processes a type-scoped context again at every node of that type: ``ContextSet.inline_text``) and
  its RDFC-1.0 implementation, both in Rust.
- ``pyld``: pyld's JSON-LD to RDF with a local document loader and its URDNA2015 (RDFC-1.0 gives
  the same output).

They give the same canonical form on the W3C test vectors and on every credential the toolkit makes
(tests compare them); ``benchmarks/credential.py`` measures both (oxigraph is several times faster
on a vitnemål). Two guards come first, because a signature must not be fooled or made to hang:

- **Terms no context defines.** JSON-LD drops a key that no context defines, so the signature would
  not cover it and a verifier could be shown text nobody signed. The documents are expanded with one
  more context at the end that only sets ``@vocab`` to ``urn:samtbu:undefined-term#``: every key and
  type that would have been dropped comes out in that namespace and is reported (and nothing else
  changes, since nothing else uses ``@vocab``). When a context of the document sets its own
  ``@vocab``, no key is dropped and the guard is not added. Keys that start with ``@`` but are no
  JSON-LD keyword are reported too (JSON-LD ignores them).
- **Poison graphs.** RDFC-1.0 is exponential on blank nodes that look alike and link to each other
  (the specification asks implementations to bound this); a nine-node clique takes pyoxigraph a
  minute. Before canonicalizing, each blank node's look-alike blank neighbours are counted (same
  first-degree shape, same predicate and direction); more than ``MAX_SIMILAR_BLANK_NODES`` alike, or
  more than ``MAX_CROWDED_BLANK_NODES`` such nodes in all, is refused. Trees and RDF lists pass.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from samtbu.credential.contexts import ContextError, ContextSet
from samtbu.errors import SamtbuError

UNDEFINED = "urn:samtbu:undefined-term#"
ENGINES = ("oxigraph", "pyld")
MAX_SIMILAR_BLANK_NODES = 3
MAX_CROWDED_BLANK_NODES = 32
MAX_QUADS = 200_000
JSONLD_KEYWORDS = frozenset({
    "@base", "@container", "@context", "@direction", "@graph", "@id", "@import", "@included", "@index", "@json",
    "@language", "@list", "@nest", "@none", "@prefix", "@propagate", "@protected", "@reverse", "@set", "@type",
    "@value", "@version", "@vocab",
})


class CanonicalizationError(SamtbuError):
    """A document that cannot be turned into canonical RDF (safely)."""


@dataclass
class Canonical:
    nquads: str  # the canonical N-Quads, one sorted line per quad
    undefined: list[str] = field(default_factory=list)  # keys or types no context defines


def _sets_vocab(contexts: ContextSet, document: dict) -> bool:
    ctx = document.get("@context")
    for entry in ctx if isinstance(ctx, list) else [ctx]:
        value = contexts.context_value(entry) if isinstance(entry, str) else entry
        if isinstance(value, dict) and value.get("@vocab") is not None:
            return True
    return False


def _with_guard(document: dict, contexts: ContextSet) -> dict:
    if _sets_vocab(contexts, document):
        return document
    ctx = document.get("@context")
    entries = ctx if isinstance(ctx, list) else ([] if ctx is None else [ctx])
    return {**document, "@context": [*entries, {"@vocab": UNDEFINED}]}


# A key that starts with "@" in a document's JSON text (json.dumps writes every key as "...": ).
# Inside a string value the quotes read \", so this finds every such key, and at most a few more.
_AT_KEY = re.compile(r'"(@(?:[^"\\]|\\.)*)": ')


def _odd_keywords(node, pointer: str = "", found: list | None = None) -> list[str]:
    """The JSON Pointers of keys that start with "@" but are no JSON-LD keyword."""
    if not pointer and found is None and all(k in JSONLD_KEYWORDS for k in _AT_KEY.findall(json.dumps(node, ensure_ascii=False))):
        return []  # none in the text, so none in the document (the walk below costs ~1 ms on a credential)
    return _odd_keyword_pointers(node, pointer, found)


def _odd_keyword_pointers(node, pointer: str = "", found: list | None = None) -> list[str]:
    found = [] if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("@") and key not in JSONLD_KEYWORDS:
                found.append(f"{pointer}/{key}")
            if key != "@context":
                _odd_keyword_pointers(value, f"{pointer}/{key}", found)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _odd_keyword_pointers(value, f"{pointer}/{i}", found)
    return found


def _check_blank_nodes(quads: list, dataset: ox.Dataset | None = None) -> None:
    """Refuse the symmetric blank-node structures RDFC-1.0 cannot canonicalize in bounded time.

    RDFC-1.0 tells apart blank nodes that look alike (same first-degree hash) by trying every order
    of their look-alike neighbours: a node with k neighbours that look alike, reached through the same
    predicate in the same direction, costs k! orders, and nested, the product. Trees and chains (RDF
    lists, nested objects) have no such neighbours and pass; a credential has none."""
    if len(quads) > MAX_QUADS:
        raise CanonicalizationError(f"the document expands to {len(quads):,} statements, over the limit of {MAX_QUADS:,}")
    # The blank neighbours of each blank node, by predicate and by the neighbour's position in the
    # quad (subject, object, graph name). Only a node with two or more neighbours under one key can
    # have look-alikes to order, so only those neighbours' first-degree shapes are computed (a
    # credential's list of results is one such key; most documents have none).
    neighbours: dict[tuple, set] = defaultdict(set)
    blank = ox.BlankNode
    for q in quads:
        # two blank nodes in one quad need a blank object or graph name: most quads are passed over
        # on those two alone (the loop runs on every quad of every document signed or verified)
        if type(q.object) is not blank and type(q.graph_name) is not blank:
            continue
        blanks = [(term.value, position) for position, term in enumerate((q.subject, q.object, q.graph_name))
                  if type(term) is blank]
        if len(blanks) > 1:
            predicate = q.predicate.value
            for node, _ in blanks:
                for other, position in blanks:
                    if other != node:
                        neighbours[(node, predicate, position)].add(other)
    candidates = [members for members in neighbours.values() if len(members) > 1]
    if not candidates:
        return
    needed = set().union(*candidates)
    # the quads that mention each of those nodes, looked up in the dataset (not a walk over every quad)
    dataset = ox.Dataset(quads) if dataset is None else dataset
    mentions: dict[str, list] = {}
    for node in needed:
        term = blank(node)
        found = [*dataset.quads_for_subject(term), *dataset.quads_for_object(term), *dataset.quads_for_graph_name(term)]
        mentions[node] = list(dict.fromkeys(found))  # a quad whose subject and object are the node, once

    def shape(node: str, q) -> tuple:
        def t(term):
            if isinstance(term, ox.BlankNode):
                return "a" if term.value == node else "z"
            return str(term)
        return (t(q.subject), str(q.predicate), t(q.object), t(q.graph_name))

    first_degree = {node: tuple(sorted(shape(node, q) for q in qs)) for node, qs in mentions.items()}
    crowded: set[str] = set()
    largest = 0
    for members in candidates:
        alike: dict[tuple, set] = defaultdict(set)
        for member in members:
            alike[first_degree[member]].add(member)
        for group in alike.values():
            if len(group) > 1:
                crowded.update(group)
                largest = max(largest, len(group))
    if largest > MAX_SIMILAR_BLANK_NODES or len(crowded) > MAX_CROWDED_BLANK_NODES:
        raise CanonicalizationError(
            f"refused: the document's blank nodes are too symmetric to canonicalize in bounded time "
            f"({len(crowded)} blank nodes with look-alike neighbours, up to {largest} alike; the limits are "
            f"{MAX_CROWDED_BLANK_NODES} and {MAX_SIMILAR_BLANK_NODES}). Give the repeated objects ids.")


def _oxigraph_quads(document: dict, contexts: ContextSet) -> list:
    text = contexts.inline_text(document)
    try:
        return list(ox.parse(text, format=ox.RdfFormat.JSON_LD))
    except SyntaxError as exc:
        raise CanonicalizationError(f"the document is not valid JSON-LD: {exc}") from None


def _pyld_quads(document: dict, contexts: ContextSet) -> list:
    from pyld import jsonld

    try:
        nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": contexts.loader()})
    except jsonld.JsonLdError as exc:
        cause = exc
        while getattr(cause, "cause", None) is not None:
            cause = cause.cause
        if isinstance(cause, ContextError):
            raise cause from None
        raise CanonicalizationError(f"the document is not valid JSON-LD: {getattr(cause, 'message', cause)}") from None
    return list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))


def _undefined_terms(quads: list) -> list[str]:
    names = set()
    for q in quads:
        for term in (q.predicate, q.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(UNDEFINED):
                names.add(term.value[len(UNDEFINED):])
    return sorted(names)


def _strip_guard(quads: list) -> list:
    return [q for q in quads if not (q.predicate.value.startswith(UNDEFINED)
                                     or (isinstance(q.object, ox.NamedNode) and q.object.value.startswith(UNDEFINED)))]


def _rdfc(quads: list, engine: str, dataset: ox.Dataset | None = None) -> str:
    """The canonical N-Quads; ``dataset``, the quads as an ``ox.Dataset`` if made already, is changed."""
    if engine == "pyld":
        from pyld import jsonld

        nquads = "".join(f"{q} .\n" for q in quads)
        return jsonld.normalize(nquads, {"algorithm": "URDNA2015", "inputFormat": "application/n-quads",
                                         "format": "application/n-quads"})
    dataset = ox.Dataset(quads) if dataset is None else dataset
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).decode("utf-8").splitlines(keepends=True)
    return "".join(sorted(lines))


def canonicalize(document: dict, contexts: ContextSet, *, engine: str = "oxigraph") -> Canonical:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document, and the terms it uses that no context defines."""
    if engine not in ENGINES:
        raise SamtbuError(f"unknown canonicalization engine {engine!r} (use one of: {', '.join(ENGINES)})")
    guarded = _with_guard(document, contexts)
    quads = _oxigraph_quads(guarded, contexts) if engine == "oxigraph" else _pyld_quads(guarded, contexts)
    odd = [f"{p} (not a JSON-LD keyword)" for p in _odd_keywords(document)]
    if not odd and engine == "oxigraph":
        # Terms no context defines are rare (such a document is refused): look for the guard's
        # namespace in the canonical text first, and walk the quads only when it is there.
        dataset = ox.Dataset(quads)
        _check_blank_nodes(quads, dataset)
        nquads = _rdfc(quads, engine, dataset)
        if UNDEFINED not in nquads:
            return Canonical(nquads, [])
    undefined = _undefined_terms(quads) + odd
    if undefined:
        quads = _strip_guard(quads)
    _check_blank_nodes(quads)
    return Canonical(_rdfc(quads, engine), undefined)


__all__ = ["canonicalize", "Canonical", "CanonicalizationError", "ENGINES", "UNDEFINED", "MAX_SIMILAR_BLANK_NODES"]
