"""The engine stage: an RDF graph and a profile in, a SHACL validation report graph out.

The data graph is the payload plus the class hierarchy of the ontology (so that a shape targeting
``sbu:Laerende`` reaches an ``sbu:Elev``). Code lists are not taken from the payload: the shapes
carry the allowed codes themselves (``sh:in``), so a payload cannot add codes to a list.
"""

from __future__ import annotations

import functools

import pyshacl
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from samtbu.errors import SamtbuError
from samtbu.model import Model, Profile


class ProfileError(SamtbuError):
    """No profile was given and none could be chosen, or the one given does not exist."""


@functools.lru_cache(maxsize=4)
def _class_hierarchy(root: str) -> Graph:
    model = Model.load(root)
    hierarchy = Graph()
    for s, o in model.ontology.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            hierarchy.add((s, RDFS.subClassOf, o))
    return hierarchy


def class_hierarchy(model: Model) -> Graph:
    return _class_hierarchy(str(model.root))


def data_graph(payload_graph: Graph, model: Model) -> Graph:
    data = Graph()
    data += payload_graph
    data += class_hierarchy(model)
    return data


def run_shacl(payload_graph: Graph, profile: Profile, model: Model) -> Graph:
    """Validate with pyshacl; return the validation report graph."""
    _conforms, report_graph, _text = pyshacl.validate(
        data_graph(payload_graph, model),
        shacl_graph=profile.shapes,
        inference="none",
        advanced=True,
        allow_warnings=False,
        allow_infos=False,
    )
    return report_graph


def detect_profile(payload_graph: Graph, model: Model) -> Profile:
    """Choose the profile whose root classes match the payload's root nodes (nodes nothing points to)."""
    objects = set(payload_graph.objects())
    roots = {s for s in payload_graph.subjects(RDF.type, None) if s not in objects}
    root_types = {t for r in roots for t in payload_graph.objects(r, RDF.type)}
    superclasses = {
        sup for t in root_types for sup in class_hierarchy(model).transitive_objects(t, RDFS.subClassOf)
    }
    candidates = [p for p in model.profiles.values() if p.root_classes & (root_types | superclasses)]
    if len(candidates) == 1:
        return candidates[0]
    names = ", ".join(sorted(model.profiles))
    if not candidates:
        raise ProfileError(f"cannot tell which profile this payload is for; give one with --profile ({names})")
    # Prefer the profile aimed at the most specific class present.
    exact = [p for p in candidates if p.root_classes & root_types]
    if len(exact) == 1:
        return exact[0]
    raise ProfileError(
        "the payload fits several profiles ("
        + ", ".join(sorted(p.name for p in candidates))
        + "); give one with --profile"
    )


__all__ = ["run_shacl", "detect_profile", "data_graph", "class_hierarchy", "ProfileError", "OWL"]
