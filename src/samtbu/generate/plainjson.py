"""An RDF graph of the model as plain JSON, the shape CONVENTIONS.md gives for payloads.

Keys are local names, ``id``/``type`` stand for ``@id``/``@type``, codes are plain notations, Grep
elements plain codes, dates ISO strings, ``rdf:langString`` values language maps, and linked nodes
nested objects. A node that is reached more than once is described in full once, at the place
nearest the root (breadth first), and elsewhere as ``{"id": ...}``. Reading the result back with the
bundled context (``samtbu.validate.read_payload``) gives the same graph.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from rdflib import RDF, BNode, Graph, Literal, URIRef

from samtbu.generate.context import build_context
from samtbu.model import Model
from samtbu.namespaces import SBU, local_name


def _context_terms(model: Model) -> dict[str, dict | str]:
    return build_context(model)["@context"]


def frame_plain(graph: Graph, model: Model | None = None, roots: list | None = None) -> dict | list:
    """The graph as plain JSON: one object per root (a typed node nothing points to)."""
    model = model or Model.load()
    terms = _context_terms(model)
    if roots is None:
        objects = set(graph.objects())
        roots = sorted({s for s in graph.subjects(RDF.type, None) if s not in objects}, key=str)
    # Breadth first: the place where each node is described in full.
    home: dict = {}
    queue = deque((root, ()) for root in roots)
    while queue:
        node, path = queue.popleft()
        if node in home:
            continue
        home[node] = path
        for p, o in sorted(graph.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
            if p != RDF.type and isinstance(o, (URIRef, BNode)) and _is_node(graph, o, p, terms):
                queue.append((o, path + ((node, p),)))

    def describe(node, path) -> dict:
        out: dict = {}
        if isinstance(node, URIRef):
            out["id"] = str(node)
        types = sorted(local_name(t, SBU, foreign="iri") for t in graph.objects(node, RDF.type))
        if types:
            out["type"] = types[0] if len(types) == 1 else types
        by_key: dict[str, list] = {}
        for p, o in graph.predicate_objects(node):
            if p == RDF.type:
                continue
            key = local_name(p, SBU, foreign="iri")
            by_key.setdefault(key, []).append((p, o))
        for key in sorted(by_key):
            definition = terms.get(key)
            values = sorted(by_key[key], key=lambda po: str(po[1]))
            if isinstance(definition, dict) and definition.get("@container") == "@language":
                out[key] = {o.language: str(o) for _, o in values if isinstance(o, Literal) and o.language}
                continue
            rendered = [render(p, o, definition, path + ((node, p),)) for p, o in values]
            # A list for several values, and for a set of linked nodes (as "dokumenterer" in the examples).
            many = isinstance(definition, dict) and definition.get("@container") == "@set" and isinstance(rendered[0], dict)
            out[key] = rendered if (many or len(rendered) > 1) else rendered[0]
        return out

    def render(p, o, definition, path):
        if isinstance(o, Literal):
            value = o.toPython()
            if isinstance(value, Decimal) and value.is_finite():
                # a JSON number, as the examples write credits (7.5, 120); read back as xsd:decimal
                return int(value) if value == value.to_integral_value() else float(value)
            return value if isinstance(value, (bool, int)) else str(o)
        if isinstance(definition, dict) and definition.get("@type") == "@vocab":
            namespace = definition.get("@context", {}).get("@vocab", "")
            if str(o).startswith(namespace) and not _described(graph, o):
                return str(o)[len(namespace):]
        if home.get(o) == path:
            return describe(o, path)
        return {"id": str(o)} if isinstance(o, URIRef) else describe(o, path)

    framed = [describe(root, ()) for root in roots]
    return framed[0] if len(framed) == 1 else framed


def _described(graph: Graph, node) -> bool:
    return any(True for _ in graph.predicate_objects(node))


def _is_node(graph: Graph, o, p, terms) -> bool:
    definition = terms.get(local_name(p, SBU, foreign="iri"))
    if isinstance(definition, dict) and definition.get("@type") == "@vocab":
        return _described(graph, o)
    return True


__all__ = ["frame_plain"]
