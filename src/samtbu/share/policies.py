"""Sharing policies as data: read ``policies/*.ttl`` and work out what each one lets through.

A policy (``sbu:Delingspolicy``) names a recipient role, a purpose, a legal basis, the classes
(``sbu:omfatterKlasse``, subclasses included) and properties (``sbu:omfatterEgenskap``) it covers,
and conditions. Everything the share module and the closed SHACL profiles need is derived here,
from the policy data and the ontology, so that no policy is described twice.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from samtbu.errors import SamtbuError
from samtbu.model import Model, ModelError
from samtbu.namespaces import BASE_IRI, SBU, SBUK

POLICY_BASE = BASE_IRI + "delingspolicy/"
ROLE_NS = f"{SBUK}mottakerrolle/"
PURPOSE_NS = f"{SBUK}formaal/"
BASIS_NS = f"{SBUK}behandlingsgrunnlag/"


@dataclass(frozen=True)
class Policy:
    """One sharing policy, read from its Turtle description."""

    iri: URIRef
    role: str  # code notation, e.g. "oppfoelgingstjenesten"
    purpose: str  # code notation, e.g. "oppfoelging"
    basis: str  # code notation, e.g. "offentlig-myndighet"
    classes: frozenset[URIRef]
    properties: frozenset[URIRef]
    requires_consent: bool = False
    requires_final: bool = False
    requires_issued: bool = False
    age_below: int | None = None
    legal_sources: tuple[str, ...] = ()
    graph: Graph = field(default=None, repr=False, compare=False)  # the policy's own triples

    @property
    def name(self) -> str:
        """A file-name-safe name: ``{role}--{purpose}``."""
        return f"{self.role}--{self.purpose}"

    def text(self, predicate: URIRef, lang: str) -> str | None:
        """A language-tagged text of the policy (label, description, comment, editorial note)."""
        values = [o for o in self.graph.objects(self.iri, predicate) if isinstance(o, Literal)]
        for wanted in (lang, "nb" if lang == "nn" else "en", None):
            for value in values:
                if value.language == wanted or wanted is None:
                    return str(value)
        return None

    @property
    def allows_identity_number(self) -> bool:
        return SBU.foedselsnummer in self.properties


class PolicySet:
    """The policies in force, keyed by (role, purpose). Removing one removes the permission."""

    def __init__(self, policies: list[Policy], model: Model):
        self.model = model
        self._by_key: dict[tuple[str, str], Policy] = {}
        for policy in policies:
            key = (policy.role, policy.purpose)
            if key in self._by_key:
                raise ModelError(f"two sharing policies for role {policy.role!r} and purpose {policy.purpose!r}")
            self._by_key[key] = policy

    def __iter__(self):
        return iter(sorted(self._by_key.values(), key=lambda p: (p.role, p.purpose)))

    def __len__(self) -> int:
        return len(self._by_key)

    def get(self, role: str, purpose: str) -> Policy | None:
        return self._by_key.get((role, purpose))

    def without(self, role: str, purpose: str) -> PolicySet:
        """A copy with one policy removed (as if its file were deleted)."""
        return PolicySet([p for p in self if (p.role, p.purpose) != (role, purpose)], self.model)

    def roles(self) -> list[str]:
        return sorted({p.role for p in self})

    def purposes_of(self, role: str) -> list[str]:
        return sorted(p.purpose for p in self if p.role == role)


def policy_dir(model: Model) -> Path:
    return model.root / "policies"


def _notation(iri, namespace: str, what: str, where: str) -> str:
    text = str(iri) if iri is not None else ""
    if not text.startswith(namespace):
        raise ModelError(f"{where}: {what} {text or '(missing)'} is not a code of {namespace}")
    return text[len(namespace):]


def _bool(graph: Graph, node, predicate) -> bool:
    value = graph.value(node, predicate)
    return bool(value.toPython()) if isinstance(value, Literal) else False


def parse_policies(graph: Graph, model: Model, where: str = "<policies>") -> list[Policy]:
    policies = []
    for iri in sorted(graph.subjects(RDF.type, SBU.Delingspolicy), key=str):
        if not isinstance(iri, URIRef):
            raise ModelError(f"{where}: a sharing policy must have an IRI")
        age = graph.value(iri, SBU.krevAlderUnder)
        own = Graph()
        for triple in graph.triples((iri, None, None)):
            own.add(triple)
        policies.append(
            Policy(
                iri=iri,
                role=_notation(graph.value(iri, SBU.mottakerrolle), ROLE_NS, "mottakerrolle", where),
                purpose=_notation(graph.value(iri, SBU.formaal), PURPOSE_NS, "formaal", where),
                basis=_notation(graph.value(iri, SBU.behandlingsgrunnlag), BASIS_NS, "behandlingsgrunnlag", where),
                classes=frozenset(o for o in graph.objects(iri, SBU.omfatterKlasse) if isinstance(o, URIRef)),
                properties=frozenset(o for o in graph.objects(iri, SBU.omfatterEgenskap) if isinstance(o, URIRef)),
                requires_consent=_bool(graph, iri, SBU.krevSamtykke),
                requires_final=_bool(graph, iri, SBU.krevEndeligResultat),
                requires_issued=_bool(graph, iri, SBU.krevUtstedtDokument),
                age_below=int(age.toPython()) if isinstance(age, Literal) else None,
                legal_sources=tuple(sorted(str(o) for o in graph.objects(iri, SBU.rettsligKilde))),
                graph=own,
            )
        )
    return policies


def load_policies(model: Model | None = None, directory: Path | str | None = None) -> PolicySet:
    """Every policy in ``policies/`` (or ``directory``)."""
    model = model or Model.load()
    directory = Path(directory) if directory else policy_dir(model)
    return _load_cached(str(model.root), str(directory))


@functools.lru_cache(maxsize=8)
def _load_cached(root: str, directory: str) -> PolicySet:
    model = Model.load(root)
    path = Path(directory)
    if not path.is_dir():
        raise ModelError(f"{path}: no sharing policies folder")
    policies: list[Policy] = []
    for file in sorted(path.glob("*.ttl")):
        graph = Graph()
        try:
            graph.parse(file, format="turtle")
        except Exception as exc:  # noqa: BLE001 - any parser error is a broken policy file
            raise ModelError(f"{file}: does not parse as Turtle: {exc}") from exc
        policies.extend(parse_policies(graph, model, str(file)))
    return PolicySet(policies, model)


# -- the scope, from the ontology --------------------------------------------------------------


class Scope:
    """What a policy lets through, in terms of concrete classes and properties per class."""

    def __init__(self, policy: Policy, model: Model):
        self.policy = policy
        self.model = model
        index = self._index = model.index
        properties = set(index.properties("ObjectProperty", "DatatypeProperty"))
        unknown = [str(c) for c in policy.classes if c not in index.classes] + [
            str(p) for p in policy.properties if p not in properties
        ]
        if unknown:
            raise ModelError(f"{policy.iri}: scope names terms the ontology does not define: {', '.join(sorted(unknown))}")
        # Every class whose instances may appear: the named classes and their subclasses.
        self.types: frozenset[URIRef] = frozenset(
            c for c in index.classes if index.hierarchy.with_ancestors(c) & policy.classes)
        self.props_by_type: dict[URIRef, frozenset[URIRef]] = {
            c: frozenset(p for p in policy.properties if index.applies(p, c)) for c in self.types
        }

    def allowed_types(self, types) -> set[URIRef]:
        return {t for t in types if t in self.types}

    def allowed_properties(self, types) -> frozenset[URIRef]:
        """The properties allowed on a node with these (in-scope) types: those allowed on every one
        of them, as the closed shapes for each type require."""
        sets = [self.props_by_type[t] for t in types if t in self.props_by_type]
        if not sets:
            return frozenset()
        return frozenset.intersection(*sets)

    def is_a(self, types, cls: URIRef) -> bool:
        return any(cls in self._index.hierarchy.with_ancestors(t) for t in types)

    def code_valued(self, prop: URIRef) -> bool:
        return prop in self._index.code_valued


def label(model: Model, iri, lang: str) -> str:
    """The label of a term or code in a language (nb for nn when missing, then en, then the IRI)."""
    iri = URIRef(str(iri))
    for graph, predicate in ((model.vocab, SKOS.prefLabel), (model.ontology, RDFS.label), (model.vocab, DCTERMS.title)):
        values = [o for o in graph.objects(iri, predicate) if isinstance(o, Literal)]
        for wanted in (lang, "nb" if lang == "nn" else "en", "en", "nb"):
            for value in values:
                if value.language == wanted:
                    return str(value)
    text = str(iri)
    return text.rsplit("/", 1)[-1]


__all__ = ["Policy", "PolicySet", "Scope", "load_policies", "parse_policies", "policy_dir", "label", "SamtbuError"]
