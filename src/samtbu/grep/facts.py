"""What a Grep snapshot says about the Grep codes of one payload, as triples for the data graph.

The validation pipeline adds these facts (and the shapes of ``shapes/grep.ttl``) when a snapshot
is configured, as it adds the class hierarchy: the SHACL engines (fast and pyshacl) then check the
codes with the same shapes. The facts use Udir's own vocabulary, as Udir's JSON-LD dump does, so
that the shapes also run on a payload beside Udir's Grep RDF in a triple store. Triples of the
payload in that vocabulary are left out of the data graph: a payload cannot vouch for its own codes.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from samtbu.grep.reader import GREP_IRI, GREP_ONTOLOGY, STATUS_BASE
from samtbu.grep.store import Snapshot
from samtbu.namespaces import SBU
from samtbu.validate.fast.terms import L, RDF_TYPE, Data, IndexedTriples

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
    entries = _entries(iris, snapshot)
    return [fact for iri in iris for fact in entries[iri].facts]


class _Code:
    """What the snapshot says about one Grep IRI, ready for a record: its facts (as triples, and as
    the index ``Data`` keeps them: predicate -> objects), and what the Grep shapes read of them."""

    __slots__ = ("facts", "by_p", "pairs", "type", "utgaatt", "fra", "til", "programmes")

    def __init__(self, iri: str, element):
        facts = tuple(dict.fromkeys(_element_facts(iri, element))) if element is not None else ()
        self.facts = facts
        by_p: dict = {}
        for _s, p, o in facts:
            by_p.setdefault(p, []).append(o)
        self.by_p = by_p  # shared by every record's index that holds the code: read only
        self.pairs = tuple((p, o) for _s, p, o in facts if p != RDF_TYPE)  # (the type is self.type)
        self.type = GREP_ONTOLOGY + element.type if element is not None else None
        self.utgaatt = element is not None and element.status == "utgaatt"
        # the dates as the shapes compare them: SUBSTR(STR(?fra), 1, 10) of the fact's literal
        self.fra = by_p[U_FRA][0][0][:10] if U_FRA in by_p else None
        self.til = by_p[U_TIL][0][0][:10] if U_TIL in by_p else None
        self.programmes = frozenset(by_p.get(U_UTDANNINGSPROGRAM, ()))


def _entries(iris, snapshot: Snapshot) -> dict:
    """The snapshot's ``_Code`` of each IRI, looked up once per snapshot and process (bounded)."""
    cache = _FACTS.get(snapshot.id)
    if cache is None:
        cache = _FACTS[snapshot.id] = {}
    missing = [iri for iri in iris if iri not in cache]
    if missing:
        if len(cache) > 50_000:
            cache.clear()
        codes = {iri[len(GREP_IRI):]: iri for iri in missing}
        found = snapshot.get_many(codes)
        for kode, iri in codes.items():
            cache[iri] = _Code(iri, found.get(kode))
    return cache


_FACTS: dict = {}  # snapshot id -> Grep IRI -> _Code


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


def data_triples(triples, snapshot: Snapshot) -> list[tuple]:
    """The payload's light triples without Grep claims, plus the snapshot's facts about its codes."""
    return list(grep_data(triples, snapshot)[0].triples)


def grep_data(triples, snapshot: Snapshot):
    """The fast engine's index (``Data``) of the payload's triples without its Grep claims, plus
    the snapshot's facts about its codes; and whether the Grep shapes (shapes/grep.ttl) may report
    anything on it (False: none of them can, so the caller may leave them out).

    This runs for every record of a batch, so the payload's index is not built again: when the
    payload makes no claim in Udir's vocabulary (one look at its predicates and types), the facts
    are added to a copy of the index's top level (the payload's own lists are shared, not changed)."""
    if type(triples) is not IndexedTriples or _has_grep_claims(triples.pos):
        triples = _indexed(Data([t for t in triples if not is_payload_grep_claim(t[1], t[2])]))
    spo, pos = triples.spo, triples.pos
    iris = [o for p in GREP_VALUED for o in pos.get(p, ()) if type(o) is str and o.startswith(GREP_IRI)]
    if not iris:
        return Data(triples), _may_report(spo, pos, {})
    iris = list(dict.fromkeys(iris))
    entries = _entries(iris, snapshot)
    out = IndexedTriples()
    out.extend(triples)
    out.root = triples.root
    spo = out.spo = dict(spo)
    pos = out.pos = dict(pos)
    # Every fact is new to the payload's index (it makes no claim in Udir's vocabulary): new keys
    # under pos, new lists; only rdf:type is shared with the payload, and its dict is copied.
    types = pos[RDF_TYPE] = dict(pos.get(RDF_TYPE) or {})
    extend, pos_get = out.extend, pos.get
    for iri in iris:
        code = entries[iri]
        if not code.facts:
            continue
        extend(code.facts)
        if iri in spo:  # the payload says something (not in Udir's vocabulary) about the code itself
            merged = spo[iri] = dict(spo[iri])
            for p, objs in code.by_p.items():
                merged[p] = merged[p] + objs if p in merged else objs
        else:
            spo[iri] = code.by_p
        subs = types.get(code.type)
        if subs is None:
            types[code.type] = [iri]
        else:
            subs.append(iri)
        for p, o in code.pairs:
            by_o = pos_get(p)
            if by_o is None:
                pos[p] = {o: [iri]}
            else:
                subs = by_o.get(o)
                if subs is None:
                    by_o[o] = [iri]
                else:
                    subs.append(iri)
    if not types:
        del pos[RDF_TYPE]
    return Data(out), _may_report(triples.spo, triples.pos, entries)


def _indexed(data: Data) -> IndexedTriples:
    out = IndexedTriples()
    out.extend(data.triples)
    out.spo, out.pos = data.spo, data.pos
    return out


def _has_grep_claims(pos: dict) -> bool:
    """Whether the payload's index has a triple in Udir's vocabulary (a claim about a Grep code)."""
    if any(map(str.startswith, pos, _IN_GREP_VOCABULARY)):
        return True
    return any(type(o) is str and o.startswith(GREP_ONTOLOGY) for o in pos.get(RDF_TYPE, ()))


_IN_GREP_VOCABULARY = itertools.repeat(GREP_ONTOLOGY)


# The shapes of shapes/grep.ttl, and what each property shape's sh:class requires of its values.
_CLASS_OF = {str(SBU.gjelderFag): GREP_ONTOLOGY + "fagkode", str(SBU.programomraade): GREP_ONTOLOGY + "programomraade",
             str(SBU.utdanningsprogram): GREP_ONTOLOGY + "utdanningsprogram"}
_DATES = (str(SBU.vurderingsdato), str(SBU.oppnaaddDato))
_PROGRAMOMRAADE, _UTDANNINGSPROGRAM = str(SBU.programomraade), str(SBU.utdanningsprogram)


def _may_report(spo: dict, pos: dict, entries: dict) -> bool:
    """False only when no shape of shapes/grep.ttl can have a result on the payload (its index
    without the facts): a superset of each shape's condition, read from the whole payload (any node,
    whatever its class), so that False is certain. True whenever in doubt.

    - ``*-kjent`` (sh:class): a value of a Grep-valued property is not a code of the class in the snapshot;
    - ``*-gyldig`` (GrepUtgaattMed/UtenErstatning): a code is utgått, or a date of the payload
      (vurderingsdato, oppnaaddDato: any literal, whatever its datatype) is after its gyldig-til or
      before its gyldig-fra, compared as the SPARQL does (strings, the first 10 characters);
    - GrepProgramomraadeIUtdanningsprogram: a node's programområde has utdanningsprogram-referanse,
      and one of the node's utdanningsprogram values is not among them."""
    used = []
    for p, cls in _CLASS_OF.items():
        for o in pos.get(p, ()):
            code = entries.get(o) if type(o) is str else None
            if code is None or code.type != cls:
                return True
            used.append(code)
    dates = None
    for code in used:
        if code.utgaatt:
            return True
        if code.fra is not None or code.til is not None:
            if dates is None:
                dates = [o[0] for p in _DATES for o in pos.get(p, ()) if isinstance(o, L)]
            if any((code.til is not None and d > code.til) or (code.fra is not None and d < code.fra) for d in dates):
                return True
    for area, subjects in (pos.get(_PROGRAMOMRAADE) or {}).items():
        programmes = entries[area].programmes
        if programmes:
            for s in subjects:
                if any(up not in programmes for up in spo[s].get(_UTDANNINGSPROGRAM, ())):
                    return True
    return False


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


# What the shortcut of ``_may_report`` was written for: the digest of shapes/grep.ttl's triples that
# decide results (annotations and messages left out). When grep.ttl changes in any of them, the
# shortcut is off (every record is checked with grep.ttl's shapes) until ``_may_report`` is reviewed
# and this digest updated (tests/test_grep.py says so).
KNOWN_GREP_SHAPES = "sha256:34368ead1887c7536bbbd1248dcd3dcb"


@functools.lru_cache(maxsize=8)
def known_grep_shapes(root: str) -> bool:
    """Whether shapes/grep.ttl is the one ``_may_report`` was written for."""
    return grep_shapes_digest(root) == KNOWN_GREP_SHAPES


_ANNOTATIONS = ("http://purl.org/dc/terms/", "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2002/07/owl#")


def grep_shapes_digest(root: str) -> str:
    import hashlib

    from rdflib import BNode
    from rdflib.namespace import SH

    skip = {SH.message, SH.name, SH.description, SH.prefixes, SH.declare, SH.prefix, SH.namespace}
    graph = grep_shapes(root)
    lines = sorted([f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph
                    if p not in skip and not str(p).startswith(_ANNOTATIONS) and not isinstance(s, BNode) and not isinstance(o, BNode)]
                   + [f"PREFIX {prefix}: {graph.value(b, SH.namespace)}" for b, prefix in graph.subject_objects(SH.prefix)])
    return "sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]


__all__ = ["grep_iris", "light_facts", "data_triples", "grep_data", "rdflib_facts", "grep_shapes", "GREP_VALUED", "is_payload_grep_claim"]
