"""A closed SHACL profile for every sharing policy, generated from the policy data.

Nothing here is written per policy: the shapes follow from ``sbu:omfatterKlasse``,
``sbu:omfatterEgenskap`` and the conditions of the policy, with the ontology's class hierarchy and
property domains. A view conforms to its policy's profile when

- every node is an instance of a class in the policy's scope (``sh:targetClass`` per concrete class,
  ``sh:closed true``: only the policy's properties that apply to that class, plus ``rdf:type``);
- no node is untyped or of a class outside the scope, and no property outside the scope is used;
- every link points at a node described in the view, a code or a Grep element (nothing outside the
  scope leaks as a bare identifier);
- a Grep element (public reference data, not the learner's) may be described by its code and title
  only (``sbu:kode``, ``sbu:tittel``), as a view made with a Grep snapshot is;
- with ``krevEndeligResultat`` no result is provisional, with ``krevUtstedtDokument`` no document
  has a status other than ``gyldig``.

The profile is a plain shapes graph: it can be published, read and run by any SHACL engine.
"""

from __future__ import annotations

import functools

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDFS, SH

from samtbu.model import Model, Profile
from samtbu.namespaces import GREP, SBU, SBUK, SBUP, SBUS, local_name
from samtbu.share.policies import Policy, Scope, policy_dir
from samtbu.validate import validate_payload
from samtbu.validate.input import read_payload

CODE_NS = str(SBUK)
GREP_NS = str(GREP)
FINAL = URIRef(f"{SBUK}resultatstatus/endelig")
VALID = URIRef(f"{SBUK}dokumentstatus/gyldig")


def profile_name(policy: Policy) -> str:
    return f"deling-{policy.name}"


def profile_iri(policy: Policy) -> URIRef:
    return URIRef(f"{SBUP}{profile_name(policy)}")


def _in_list(values) -> str:
    return ", ".join(f"<{v}>" for v in sorted(values, key=str))


def build_profile(policy: Policy, model: Model) -> Graph:
    """The closed shapes graph of one policy."""
    scope = Scope(policy, model)
    iri = profile_iri(policy)
    g = Graph()
    g.bind("sh", SH)
    g.bind("sbu", SBU)
    g.bind("sbus", SBUS)
    g.bind("sbup", SBUP)
    g.add((iri, RDF.type, OWL.Ontology))
    g.add((iri, OWL.versionInfo, Literal(model.version)))
    g.add((iri, DCTERMS.source, policy.iri))
    for lang, text in (
        ("nb", f"Lukket profil for delingspolicyen {policy.iri}: utsnittet kan bare inneholde klassene og egenskapene policyen omfatter."),
        ("en", f"Closed profile for the sharing policy {policy.iri}: the view may contain only the classes and properties the policy covers."),
    ):
        g.add((iri, DCTERMS.description, Literal(text, lang=lang)))

    for cls in sorted(scope.types, key=str):
        shape = URIRef(f"{SBUS}{profile_name(policy)}-{local_name(cls, SBU)}")
        g.add((shape, RDF.type, SH.NodeShape))
        g.add((shape, RDFS.isDefinedBy, iri))
        g.add((shape, SH.targetClass, cls))
        g.add((shape, SH.closed, Literal(True)))
        ignored = BNode()
        Collection(g, ignored, [RDF.type])
        g.add((shape, SH.ignoredProperties, ignored))
        g.add((shape, SH.message, Literal(f"«{local_name(cls, SBU)}» har en egenskap policyen ikke omfatter.", lang="nb")))
        g.add((shape, SH.message, Literal(f"'{local_name(cls, SBU)}' has a property the policy does not cover.", lang="en")))
        for prop in sorted(scope.props_by_type[cls], key=str):
            prop_shape = BNode()
            g.add((shape, SH.property, prop_shape))
            g.add((prop_shape, SH.path, prop))
            if prop == SBU.resultatstatus and policy.requires_final:
                values = BNode()
                Collection(g, values, [FINAL])
                g.add((prop_shape, SH["in"], values))
            if prop == SBU.dokumentstatus and policy.requires_issued:
                values = BNode()
                Collection(g, values, [VALID])
                g.add((prop_shape, SH["in"], values))

    types_list = _in_list(scope.types) or "<urn:samtbu:no-class>"
    props = _in_list(set(policy.properties) | {RDF.type})
    # Each check reports each offending term once (SELECT DISTINCT). No sub-query: SHACL 1.0 (5.3.1)
    # requires a sub-query to project the pre-bound $this, and an engine must refuse one that does not.
    # (name, the graph pattern that finds an offending ?value, the message in nb and en)
    checks = [
        ("untyped-or-foreign-node",
         f"""?value ?p ?o .
                FILTER (!STRSTARTS(STR(?value), "{GREP_NS}"))
                FILTER NOT EXISTS {{ ?value a ?t . FILTER (?t IN ({types_list})) }}""",
         "Utsnittet har en node {?value} som ikke er av en klasse policyen omfatter.",
         "The view has a node {?value} that is not of a class the policy covers."),
        ("foreign-type",
         f"?s a ?value . FILTER (?value NOT IN ({types_list}))",
         "Utsnittet har typen {?value}, som policyen ikke omfatter.",
         "The view has the type {?value}, which the policy does not cover."),
        ("foreign-property",
         f'?s ?value ?o . FILTER (!STRSTARTS(STR(?s), "{GREP_NS}")) FILTER (?value NOT IN ({props}))',
         "Utsnittet bruker egenskapen {?value}, som policyen ikke omfatter.",
         "The view uses the property {?value}, which the policy does not cover."),
        ("grep-element",
         f'?s ?value ?o . FILTER (STRSTARTS(STR(?s), "{GREP_NS}")) FILTER (?value NOT IN (<{SBU.kode}>, <{SBU.tittel}>))',
         "Utsnittet sier {?value} om et Grep-element; bare kode og tittel er tillatt.",
         "The view states {?value} about a Grep element; only its code and title are allowed."),
        ("dangling-reference",
         f"""?s ?p ?value .
                FILTER (?p != <{RDF.type}> && !isLiteral(?value))
                FILTER (!STRSTARTS(STR(?value), "{CODE_NS}") && !STRSTARTS(STR(?value), "{GREP_NS}"))
                FILTER NOT EXISTS {{ ?value ?q ?r }}""",
         "Utsnittet viser til {?value}, som ikke er med i utsnittet.",
         "The view refers to {?value}, which is not part of the view."),
    ]
    for name, pattern, nb, en in checks:
        query = f"SELECT DISTINCT $this ?value WHERE {{\n                {pattern}\n            }}"
        shape = URIRef(f"{SBUS}{profile_name(policy)}-{name}")
        constraint = BNode()
        g.add((shape, RDF.type, SH.NodeShape))
        g.add((shape, RDFS.isDefinedBy, iri))
        g.add((shape, SH.targetNode, iri))
        g.add((shape, SH.sparql, constraint))
        g.add((constraint, RDF.type, SH.SPARQLConstraint))
        g.add((constraint, SH.select, Literal(query)))
        g.add((constraint, SH.message, Literal(nb, lang="nb")))
        g.add((constraint, SH.message, Literal(en, lang="en")))
    return g


@functools.lru_cache(maxsize=64)
def _cached_profile(policy: Policy, root: str) -> Profile:
    model = Model.load(root)
    return Profile(
        name=profile_name(policy), iri=profile_iri(policy), path=policy_dir(model) / f"{policy.name}.ttl",
        shapes=build_profile(policy, model), with_hierarchy=False,
    )


def validation_profile(policy: Policy, model: Model) -> Profile:
    """The policy's closed profile as a validation profile (one object per policy and model, so that
    the engine compiles it once). It checks the view as it stands: without the class hierarchy,
    which would add classes to the view and let a shape for a class reach its subclasses."""
    return _cached_profile(policy, str(model.root))


def profile_for(policy: Policy, model: Model) -> Graph:
    return validation_profile(policy, model).shapes


def check_view(graph: Graph, policy: Policy, model: Model, *, lang: str = "en") -> tuple[bool, list[str]]:
    """Run the policy's closed profile on a view through the validation pipeline
    (``samtbu.validate.validate_payload``): (conforms, messages in ``lang``, values masked)."""
    payload = read_payload(graph, source=f"<view for {policy.name}>")
    record = validate_payload(payload, validation_profile(policy, model), lang=lang, model=model, keep_shacl_report=False)
    messages = [f"{r.message} (focus {r.focus_node}, path {r.path}, value {r.value})" for r in record.results]
    return record.conforms, sorted(messages)


__all__ = ["build_profile", "check_view", "profile_for", "profile_iri", "profile_name", "validation_profile"]
