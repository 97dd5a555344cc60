"""JSON-LD -> RDF -> RDFC-1.0 canonical N-Quads, with two maintained libraries to choose from.

- ``oxigraph`` (default): pyoxigraph's JSON-LD parser (the contexts inlined from local copies, since
  it takes no document loader) and its RDFC-1.0 implementation, both in Rust.
- ``pyld``: pyld's JSON-LD to RDF with a local document loader and its URDNA2015 (RDFC-1.0 gives
  the same output).

They give the same canonical form on the W3C test vectors and on every credential the toolkit makes
(tests compare them); ``benchmarks/credential.py`` measures both (oxigraph is 2-3 times faster on a
vitnemål). Two guards come first, because a signature must not be fooled or made to hang:

- **Terms no context defines.** JSON-LD drops a key that no context defines, so the signature would
  not cover it and a verifier could be shown text nobody signed. The documents are expanded with one
  more context at the end that only sets ``@vocab`` to ``urn:samtbu:undefined-term#``: every key and
  type that would have been dropped comes out in that namespace and is reported (and nothing else
  changes, since nothing else uses ``@vocab``). When a context of the document sets its own
  ``@vocab``, no key is dropped and the guard is not added. Keys that start with ``@`` but are no
  JSON-LD keyword are reported too (JSON-LD ignores them).
- **Poison graphs.** RDFC-1.0 is exponential on groups of blank nodes that look alike and link to
  each other (the spec asks implementations to bound this); a nine-node clique takes pyoxigraph a
  minute. Before canonicalizing, blank nodes are grouped by what the first step of RDFC-1.0 sees of
  them (their quads with blank nodes blanked out); a group larger than ``MAX_SIMILAR_BLANK_NODES``
  whose members touch other blank nodes is refused.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from samtbu.credential.contexts import ContextError, ContextSet
from samtbu.errors import SamtbuError

UNDEFINED = "urn:samtbu:undefined-term#"
ENGINES = ("oxigraph", "pyld")
MAX_SIMILAR_BLANK_NODES = 6
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


def _odd_keywords(node, pointer: str = "", found: list | None = None) -> list[str]:
    found = [] if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("@") and key not in JSONLD_KEYWORDS:
                found.append(f"{pointer}/{key}")
            if key != "@context":
                _odd_keywords(value, f"{pointer}/{key}", found)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _odd_keywords(value, f"{pointer}/{i}", found)
    return found


def _check_blank_nodes(quads: list) -> None:
    """Refuse the symmetric blank-node structures RDFC-1.0 cannot canonicalize in bounded time."""
    if len(quads) > MAX_QUADS:
        raise CanonicalizationError(f"the document expands to {len(quads):,} statements, over the limit of {MAX_QUADS:,}")
    seen: dict[str, list[tuple]] = defaultdict(list)
    linked: set[str] = set()
    for q in quads:
        s, o, g = q.subject, q.object, q.graph_name
        s_blank, o_blank, g_blank = isinstance(s, ox.BlankNode), isinstance(o, ox.BlankNode), isinstance(g, ox.BlankNode)
        pattern = ("_" if s_blank else str(s), str(q.predicate), "_" if o_blank else str(o), "_" if g_blank else str(g))
        for term, role in ((s, "s"), (o, "o"), (g, "g")):
            if isinstance(term, ox.BlankNode):
                seen[term.value].append((role, *pattern))
        if s_blank + o_blank + g_blank > 1:
            linked.update(t.value for t in (s, o, g) if isinstance(t, ox.BlankNode))
    groups: dict[tuple, int] = defaultdict(int)
    for node, patterns in seen.items():
        if node in linked:
            groups[tuple(sorted(patterns))] += 1
    largest = max(groups.values(), default=0)
    if largest > MAX_SIMILAR_BLANK_NODES:
        raise CanonicalizationError(
            f"refused: {largest} linked blank nodes look alike, more than the {MAX_SIMILAR_BLANK_NODES} that RDF "
            "canonicalization is allowed to disambiguate (give the nodes ids, or fewer repeated structures)")


def _oxigraph_quads(document: dict, contexts: ContextSet) -> list:
    text = json.dumps(contexts.inline(document), ensure_ascii=False)
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


def _rdfc(quads: list, engine: str) -> str:
    if engine == "pyld":
        from pyld import jsonld

        nquads = "".join(f"{q} .\n" for q in quads)
        return jsonld.normalize(nquads, {"algorithm": "URDNA2015", "inputFormat": "application/n-quads",
                                         "format": "application/n-quads"})
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).decode("utf-8").splitlines(keepends=True)
    return "".join(sorted(lines))


def canonicalize(document: dict, contexts: ContextSet, *, engine: str = "oxigraph") -> Canonical:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document, and the terms it uses that no context defines."""
    if engine not in ENGINES:
        raise SamtbuError(f"unknown canonicalization engine {engine!r} (use one of: {', '.join(ENGINES)})")
    guarded = _with_guard(document, contexts)
    quads = _oxigraph_quads(guarded, contexts) if engine == "oxigraph" else _pyld_quads(guarded, contexts)
    undefined = _undefined_terms(quads) + [f"{p} (not a JSON-LD keyword)" for p in _odd_keywords(document)]
    if undefined:
        quads = _strip_guard(quads)
    _check_blank_nodes(quads)
    return Canonical(_rdfc(quads, engine), undefined)


__all__ = ["canonicalize", "Canonical", "CanonicalizationError", "ENGINES", "UNDEFINED", "MAX_SIMILAR_BLANK_NODES"]
