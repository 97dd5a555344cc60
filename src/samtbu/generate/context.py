"""The JSON-LD 1.1 context, generated from the ontology and the shapes.

Rules (see CONVENTIONS.md): the JSON key of a term is its local name; object properties are
``@type: @id``; code-valued properties (those with ``sbu:kodeNavnerom``) are ``@type: @vocab`` with a
property-scoped ``@vocab``, so that a plain code such as "4" or "IV" expands to the code's IRI in the
right scheme; datatype properties carry their XSD datatype; ``rdf:langString`` ranges become language
maps; a property that may have more than one value is a ``@set``. ``@vocab`` is
``https://w3id.org/samt-bu/ukjent#``: a key the context does not define expands into that namespace
(no term of the model) instead of being dropped, so a consumer that uses only the published context
still sees it, and the profiles' closed shapes reject it.

A released context never changes (``contexts/samtbu-context-{version}.jsonld``). Terms added to the
model after the release of its version are published as extension contexts, one per ontology
module that defines them (``contexts/samtbu-context-{version}-{module}.jsonld``, IRI
``{CONTEXT_IRI}/{module}``); a payload that uses them names the base context and the extension
(``"@context": [base, extension]``). The context the toolkit reads plain JSON with is the whole:
the base and every extension (``build_context``).
"""

from __future__ import annotations

import functools
import json
from collections import OrderedDict

from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef
from rdflib.namespace import SH

from samtbu.model import Model, ModelError
from samtbu.namespaces import BASE_IRI, CONTEXT_IRI, SBU, UKJENT, local_name


def _single_valued(model: Model, prop: URIRef) -> bool:
    """A property is single-valued when the ontology says so or a module shape (the general rules in
    shapes/*.ttl, not a profile, which may leave a limit to the module) caps it at one."""
    if (prop, RDF.type, OWL.FunctionalProperty) in model.ontology:
        return True
    shapes = model.shapes
    caps = [shapes.value(s, SH.maxCount) for s in model.index.shapes_with_path(prop, modules_only=True)]
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


def _all_terms(model: Model) -> dict[str, object]:
    terms: dict[str, object] = {}
    for cls in model.classes():
        terms[local_name(cls, SBU)] = str(cls)
    for prop in model.properties():
        if (prop, RDF.type, OWL.AnnotationProperty) in model.ontology:
            continue
        terms[local_name(prop, SBU)] = term_definition(model, prop)
    return terms


def build_context(model: Model, part: str | None = None) -> dict:
    """The context as a JSON object ``{"@context": {...}}`` (deterministic key order).

    ``part`` None: the whole context (every term of the model). ``""``: the base context of the
    version (the released one where a release exists). A module name: the extension context with
    the terms that module added after the release."""
    terms = _all_terms(model)
    context: OrderedDict[str, object] = OrderedDict()
    context["@version"] = 1.1
    context["@protected"] = True
    if part is None or part == "":
        # A key this context does not define is not dropped silently by a JSON-LD processor: it expands to
        # an IRI in a namespace that is no part of the model, which every profile's closed shapes reject.
        # (An extension context comes after the base, whose @vocab stays in force.)
        context["@vocab"] = str(UKJENT)
        context["id"] = "@id"
        context["type"] = "@type"
        context["sbu"] = str(SBU)
        context["xsd"] = str(XSD)
    if part is not None:
        wanted = context_parts(model).get(part)
        if wanted is None:
            known = ", ".join(repr(p) for p in context_parts(model)) or "none"
            raise ModelError(f"no context part {part!r} in model version {model.version} (parts: {known})")
        terms = {name: terms[name] for name in wanted}
    for name in sorted(terms, key=lambda n: (n.casefold(), n)):
        context[name] = terms[name]
    return {"@context": context}


def context_file_name(version: str, part: str = "") -> str:
    return f"samtbu-context-{version}{'-' + part if part else ''}.jsonld"


def context_iri(part: str = "") -> str:
    """The IRI of the base context of this version (``part`` "") or of one of its extensions."""
    return f"{CONTEXT_IRI}/{part}" if part else CONTEXT_IRI


def _released_terms(model: Model) -> set[str] | None:
    path = model.root / "contexts" / context_file_name(model.version)
    if not path.is_file():
        return None
    try:
        released = json.loads(path.read_text(encoding="utf-8"))["@context"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: not a JSON-LD context document ({exc})") from None
    return {k for k in released if not k.startswith("@")} - {"id", "type", "sbu", "xsd"}


def context_parts(model: Model) -> dict[str, list[str]]:
    """The term names of each released part of this version's context: ``""`` the base (the
    released file's terms, or every term when the version has no release yet), then one extension
    per ontology module that defines terms the release does not have."""
    return _context_parts(str(model.root), model.version)


@functools.lru_cache(maxsize=4)
def _context_parts(root: str, version: str) -> dict[str, list[str]]:
    model = Model.load(root)
    terms = _all_terms(model)
    released = _released_terms(model)
    if released is None:
        return {"": sorted(terms)}
    parts: dict[str, list[str]] = {"": sorted(n for n in terms if n in released)}
    for name in sorted(set(terms) - released):
        module = model.ontology.value(SBU[name], RDFS.isDefinedBy)
        part = str(module).rsplit("/", 1)[-1] if module is not None else "tillegg"
        parts.setdefault(part, []).append(name)
    return {k: parts[k] for k in [""] + sorted(p for p in parts if p)}


def parts_used(model: Model, names) -> list[str]:
    """The context parts a document using these term names needs (the base always first)."""
    owner = {name: part for part, members in context_parts(model).items() for name in members}
    return [""] + sorted({owner[n] for n in names if owner.get(n)})


def context_reference(model: Model, graph: Graph) -> str | list[str]:
    """What a JSON-LD document holding ``graph`` names as its ``@context``: the base context's IRI,
    followed by the extension contexts whose terms the graph uses."""
    sbu = str(SBU)
    names = {str(t)[len(sbu):] for triple in graph for t in (triple[1], triple[2])
             if isinstance(t, URIRef) and str(t).startswith(sbu)}
    iris = [context_iri(part) for part in parts_used(model, names)]
    return iris[0] if len(iris) == 1 else iris


def render_context(model: Model, part: str = "") -> str:
    """A context file's text (the base, or one extension): byte-identical for the same model."""
    document = build_context(model, part)
    header = OrderedDict()
    header["@context"] = document["@context"]
    return json.dumps(header, indent=2, ensure_ascii=False) + "\n"


__all__ = ["build_context", "render_context", "context_file_name", "context_iri", "context_parts", "parts_used",
           "context_reference",
           "CONTEXT_IRI", "BASE_IRI"]
