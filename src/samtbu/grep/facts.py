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

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD

from samtbu.grep.reader import GREP_IRI, GREP_ONTOLOGY, STATUS_BASE
from samtbu.grep.store import Snapshot
from samtbu.namespaces import SBU
from samtbu.validate.fastterms import B, L, RDF_TYPE

# Properties of the model whose values are Grep elements (their sbu:kodeNavnerom is GREP_IRI).
GREP_VALUED = (str(SBU.gjelderFag), str(SBU.programomraade), str(SBU.utdanningsprogram))
_DATASET = str(DCAT.Dataset)
_ISSUED = str(DCTERMS.issued)
_IDENTIFIER = str(DCTERMS.identifier)
_XSD_DATE = str(XSD.date)
_SNAPSHOT_NODE = "grep-uttrekk"
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
    return p == RDF_TYPE and type(o) is str and (o.startswith(GREP_ONTOLOGY) or o == _DATASET)


def light_facts(iris, snapshot: Snapshot) -> list[tuple]:
    """The facts as the fast engine's light triples (IRIs as str, literals as L, blank nodes as B)."""
    node = B(_SNAPSHOT_NODE)
    out = [
        (node, RDF_TYPE, _DATASET),
        (node, _ISSUED, L((snapshot.date, _XSD_DATE, None))),
        (node, _IDENTIFIER, L((snapshot.id, None, None))),
    ]
    codes = {iri[len(GREP_IRI):]: iri for iri in iris}
    for kode, element in snapshot.get_many(codes).items():
        iri = codes[kode]
        out.append((iri, RDF_TYPE, GREP_ONTOLOGY + element.type))
        out.append((iri, U_KODE, L((element.kode, None, None))))
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
    return out


def data_triples(triples, snapshot: Snapshot) -> list[tuple]:
    """The payload's light triples without Grep claims, plus the snapshot's facts about its codes."""
    kept = [t for t in triples if not is_payload_grep_claim(t[1], t[2])]
    return kept + light_facts(grep_iris(kept), snapshot)


def rdflib_facts(graph: Graph, snapshot: Snapshot) -> Graph:
    """The same for an rdflib graph (the pyshacl engine): a new graph, the payload's left as it is."""
    from samtbu.validate.fastterms import to_rdflib

    out = Graph()
    for s, p, o in graph:
        if not is_payload_grep_claim(str(p), str(o) if isinstance(o, URIRef) else None):
            out.add((s, p, o))
    iris = [str(o) for p in GREP_VALUED for o in graph.objects(None, URIRef(p))
            if isinstance(o, URIRef) and str(o).startswith(GREP_IRI)]
    for s, p, o in light_facts(list(dict.fromkeys(iris)), snapshot):
        out.add((BNode(str.__str__(s)) if isinstance(s, B) else to_rdflib(s), URIRef(p), to_rdflib(o)))
    return out


@functools.lru_cache(maxsize=2)
def grep_shapes(root: str) -> Graph:
    """shapes/grep.ttl, parsed once."""
    from samtbu.model import _parse

    return _parse([Path(root) / "shapes" / "grep.ttl"])


__all__ = ["grep_iris", "light_facts", "data_triples", "rdflib_facts", "grep_shapes", "GREP_VALUED", "is_payload_grep_claim"]
