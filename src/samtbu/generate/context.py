"""The JSON-LD 1.1 context, generated from the ontology and the shapes.

Rules (see CONVENTIONS.md): the JSON key of a term is its local name; object properties are
``@type: @id``; code-valued properties (those with ``sbu:kodeNavnerom``) are ``@type: @vocab`` with a
property-scoped ``@vocab``, so that a plain code such as "4" or "IV" expands to the code's IRI in the
right scheme; datatype properties carry their XSD datatype; ``rdf:langString`` ranges become language
maps; a property that may have more than one value is a ``@set``. ``@vocab`` is
``https://w3id.org/samt-bu/ukjent#``: a key the context does not define expands into that namespace
(no term of the model) instead of being dropped, so a consumer that uses only the published context
still sees it, and the profiles' closed shapes reject it.
"""

from __future__ import annotations

import functools
import json
from collections import OrderedDict
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef
from rdflib.namespace import SH

from samtbu.model import Model
from samtbu.namespaces import BASE_IRI, CONTEXT_IRI, SBU, UKJENT


def local_name(iri: URIRef) -> str:
    return str(iri)[len(str(SBU)):]


@functools.lru_cache(maxsize=4)
def _module_shapes(root: str) -> Graph:
    graph = Graph()
    for path in Model.shape_module_files(Path(root)):
        graph.parse(path, format="turtle")
    return graph


def _single_valued(model: Model, prop: URIRef) -> bool:
    """A property is single-valued when the ontology says so or a module shape (the general rules in
    shapes/*.ttl, not a profile, which may leave a limit to the module) caps it at one."""
    if (prop, RDF.type, OWL.FunctionalProperty) in model.ontology:
        return True
    shapes = _module_shapes(str(model.root))
    caps = [shapes.value(s, SH.maxCount) for s in shapes.subjects(SH.path, prop)]
    return any(c is not None and int(c) <= 1 for c in caps)


def term_definition(model: Model, prop: URIRef) -> dict | str:
    onto = model.ontology
    definition: dict = {"@id": str(prop)}
    namespace = onto.value(prop, SBU.kodeNavnerom)
    rng = onto.value(prop, RDFS.range)
    if namespace is not None:
        definition["@type"] = "@vocab"
        definition["@context"] = {"@vocab": str(namespace)}
    elif (prop, RDF.type, OWL.ObjectProperty) in onto:
        definition["@type"] = "@id"
    elif rng == RDF.langString:
        definition["@container"] = "@language"
        return definition
    elif isinstance(rng, URIRef) and rng != XSD.string and str(rng).startswith(str(XSD)):
        definition["@type"] = str(rng)
    if not _single_valued(model, prop):
        definition["@container"] = "@set"
    return definition


def build_context(model: Model) -> dict:
    """The context as a JSON object ``{"@context": {...}}`` (deterministic key order)."""
    terms: dict[str, object] = {}
    for cls in model.classes():
        terms[local_name(cls)] = str(cls)
    for prop in model.properties():
        if (prop, RDF.type, OWL.AnnotationProperty) in model.ontology:
            continue
        terms[local_name(prop)] = term_definition(model, prop)
    context: OrderedDict[str, object] = OrderedDict()
    context["@version"] = 1.1
    context["@protected"] = True
    # A key this context does not define is not dropped silently by a JSON-LD processor: it expands to
    # an IRI in a namespace that is no part of the model, which every profile's closed shapes reject.
    context["@vocab"] = str(UKJENT)
    context["id"] = "@id"
    context["type"] = "@type"
    context["sbu"] = str(SBU)
    context["xsd"] = str(XSD)
    for name in sorted(terms, key=lambda n: (n.casefold(), n)):
        context[name] = terms[name]
    return {"@context": context}


def context_file_name(version: str) -> str:
    return f"samtbu-context-{version}.jsonld"


def render_context(model: Model) -> str:
    """The context file's text: byte-identical for the same model."""
    document = build_context(model)
    header = OrderedDict()
    header["@context"] = document["@context"]
    return json.dumps(header, indent=2, ensure_ascii=False) + "\n"


__all__ = ["build_context", "render_context", "context_file_name", "CONTEXT_IRI", "BASE_IRI"]
