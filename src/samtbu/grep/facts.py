"""What a Grep snapshot says about the Grep codes of one payload, as triples for the data graph.

The validation pipeline adds these facts (and the shapes of ``shapes/grep.ttl``) when a snapshot
is configured, as it adds the class hierarchy: the SHACL engines (fast and pyshacl) then check the
codes with the same shapes. The facts use Udir's own vocabulary, as Udir's JSON-LD dump does, so
that the shapes also run on a payload beside Udir's Grep RDF in a triple store. Triples of the
payload in that vocabulary are left out of the data graph: a payload cannot vouch for its own codes.
"""

from __future__ import annotations

import functools
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from samtbu.grep.reader import GREP_IRI, GREP_ONTOLOGY, STATUS_BASE
from samtbu.grep.store import Snapshot
from samtbu.namespaces import SBU
from samtbu.validate.fast import L, RDF_TYPE

# Properties of the model whose values are Grep elements (their sbu:kodeNavnerom is GREP_IRI).
GREP_VALUED = (str(SBU.gjelderFag), str(SBU.programomraade), str(SBU.utdanningsprogram))
U_KODE = GREP_ONTOLOGY + "kode"
U_STATUS = GREP_ONTOLOGY + "status"
U_FRA = GREP_ONTOLOGY + "gyldig-fra"
U_TIL = GREP_ONTOLOGY + "gyldig-til"
U_ERSTATTES_AV = GREP_ONTOLOGY + "erstattes-av"
U_UTDANNINGSPROGRAM = GREP_ONTOLOGY + "utdanningsprogram-referanse"


def grep_iris(triples) -> list[str]:
    """The Grep IRIs the payload uses as values of its Grep-valued properties."""
    found = []
    for _s, p, o in triples:
        if p in GREP_VALUED and type(o) is str and o.startswith(GREP_IRI):
            found.append(o)
    return list(dict.fromkeys(found))


def is_payload_grep_claim(p: str, o) -> bool:
    """A triple the payload may not contribute once Grep facts are added."""
    if p.startswith(GREP_ONTOLOGY):
        return True
    return p == RDF_TYPE and type(o) is str and o.startswith(GREP_ONTOLOGY)


def light_facts(iris, snapshot: Snapshot) -> list[tuple]:
    """The facts as the fast engine's light triples (IRIs as str, literals as L); each code's facts
    are made once per snapshot and reused (a batch meets the same codes again and again)."""
    cache = _FACTS.setdefault(snapshot.id, {})
    if len(cache) > 50_000:
        cache.clear()
    out: list = []
    missing = [iri for iri in iris if iri not in cache]
    if missing:
        codes = {iri[len(GREP_IRI):]: iri for iri in missing}
        found = snapshot.get_many(codes)
        for kode, iri in codes.items():
            element = found.get(kode)
            cache[iri] = _element_facts(iri, element) if element is not None else ()
    for iri in iris:
        out.extend(cache[iri])
    return out


_FACTS: dict = {}


def _element_facts(iri: str, element) -> tuple:
    out = [(iri, RDF_TYPE, GREP_ONTOLOGY + element.type), (iri, U_KODE, L((element.kode, None, None)))]
    if element.status:
        out.append((iri, U_STATUS, f"{STATUS_BASE}status_{element.status}"))
    if element.gyldig_fra:
        out.append((iri, U_FRA, L((element.gyldig_fra + "T00:00:00", None, None))))
    if element.gyldig_til:
        out.append((iri, U_TIL, L((element.gyldig_til + "T00:00:00", None, None))))
    for code in element.refs.get("erstattes-av", ()):
        out.append((iri, U_ERSTATTES_AV, GREP_IRI + code))
    for code in element.refs.get("utdanningsprogram-referanse", ()):
        out.append((iri, U_UTDANNINGSPROGRAM, GREP_IRI + code))
    return tuple(out)


_VALUED = frozenset(GREP_VALUED)


def data_triples(triples, snapshot: Snapshot) -> list[tuple]:
    """The payload's light triples without Grep claims, plus the snapshot's facts about its codes
    (one pass over the payload, each predicate judged once: this runs for every record of a batch)."""
    kept = []
    iris: dict = {}
    kinds = _PREDICATE_KIND
    for t in triples:
        p = t[1]
        kind = kinds.get(p)
        if kind is None:
            kind = kinds[p] = 1 if p in _VALUED else 2 if p.startswith(GREP_ONTOLOGY) else 3 if p == RDF_TYPE else 0
            if len(kinds) > 10_000:
                kinds.clear()
        if kind:
            o = t[2]
            if kind == 1:
                if type(o) is str and o.startswith(GREP_IRI):
                    iris[o] = None
            elif kind == 2 or (type(o) is str and o.startswith(GREP_ONTOLOGY)):
                continue  # the payload's own claims about Grep
        kept.append(t)
    return kept + light_facts(list(iris), snapshot) if iris else kept


_PREDICATE_KIND: dict = {}  # predicate -> 0 keep, 1 Grep-valued, 2 Udir's vocabulary (left out), 3 rdf:type


def rdflib_facts(graph: Graph, snapshot: Snapshot) -> Graph:
    """The same for an rdflib graph (the pyshacl engine): a new graph, the payload's left as it is."""
    from samtbu.validate.fast import to_rdflib

    out = Graph()
    for s, p, o in graph:
        if not is_payload_grep_claim(str(p), str(o) if isinstance(o, URIRef) else None):
            out.add((s, p, o))
    iris = [str(o) for p in GREP_VALUED for o in graph.objects(None, URIRef(p))
            if isinstance(o, URIRef) and str(o).startswith(GREP_IRI)]
    for s, p, o in light_facts(list(dict.fromkeys(iris)), snapshot):
        out.add((to_rdflib(s), URIRef(p), to_rdflib(o)))
    return out


DATE_PLACEHOLDER = "{grep-uttrekksdato}"


@functools.lru_cache(maxsize=8)
def grep_shapes(root: str, snapshot_date: str = "") -> Graph:
    """shapes/grep.ttl, parsed once, with the snapshot's date written into its messages in place of
    ``{grep-uttrekksdato}`` (not a SHACL template variable: a constant of the composed graph)."""
    from rdflib.namespace import SH

    from samtbu.model import _parse

    graph = _parse([Path(root) / "shapes" / "grep.ttl"])
    if snapshot_date:
        for s, o in list(graph.subject_objects(SH.message)):
            if isinstance(o, Literal) and DATE_PLACEHOLDER in str(o):
                graph.remove((s, SH.message, o))
                graph.add((s, SH.message, Literal(str(o).replace(DATE_PLACEHOLDER, snapshot_date), lang=o.language)))
    return graph


__all__ = ["grep_iris", "light_facts", "data_triples", "rdflib_facts", "grep_shapes", "GREP_VALUED", "is_payload_grep_claim"]
