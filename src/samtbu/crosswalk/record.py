"""What the export crosswalks (ELM, Open Badges 3.0, schema.org) share: the SSSOM mapping sets they
read, a view of one documentation record, and the list of facts a target does not carry.

A mapping set is ``crosswalks/{name}.sssom.tsv`` (SSSOM TSV: a ``#`` YAML header with the curie_map,
then one row per correspondence). The exporters read from it which terms of the model the target
carries; a fact of the record whose property has no row, or only a row with object
``sssom:NoTermFound``, is listed as not carried. Nothing is dropped without being listed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from rdflib import RDF, SKOS, Graph, Literal, URIRef

from samtbu.crosswalk.sssom import SssomTable
from samtbu.errors import SamtbuError
from samtbu.model import Model
from samtbu.namespaces import GREP, SBU, SBUK
from samtbu.validate.report import mask_identity_numbers

NO_TERM = "sssom:NoTermFound"
DOCUMENT_CLASSES = ("Vitnemaal", "Kompetansebevis", "Fagbrev", "Svennebrev", "Praksisbrev", "Karakterutskrift",
                    "Fagskolevitnemaal", "Fagskolekarakterutskrift", "Dokumentasjon")


class CrosswalkError(SamtbuError):
    """The record cannot be exported to the target (a clear, one-line reason)."""


class NotExportable(CrosswalkError):
    """The record is of a kind the target format cannot state truthfully (for example a
    karakterutskrift as an achievement): refused, with the reason."""


# What each target needs of a record, and why the records that are not issued documents cannot give
# it; used in the refusals below (the examples enkeltresultat and fullfoeringsstatus are such records).
TARGET_NEEDS = {
    "elm": "a European Digital Credential is issued by an organisation, on a date, to a person (issuer, issuanceDate, credentialSubject)",
    "ob3": "an Open Badges 3.0 AchievementCredential is issued by a Profile, on a date (issuer, validFrom), and names what was achieved",
    "schemaorg": "a schema.org EducationalOccupationalCredential is a credential awarded to a person by an organisation (recognizedBy)",
    "elmo": "an ELMO report is issued by an institution on a date (report/issuer and report/issueDate are required)",
}
RECORD_KINDS = {
    "Vurdering": (
        "the record is an enkeltresultat: one assessment as a school reports it to the register; it has no issuer and no "
        "date of issue and is not a document given to the learner (the vitnemål, kompetansebevis or karakterutskrift "
        "that documents it later is)"
    ),
    "Sluttkompetanse": (
        "the record is a sluttkompetanse on its own: the competence is documented by the vitnemål, kompetansebevis or "
        "fag-, svenne- or praksisbrev that states it, which has an issuer and a date of issue"
    ),
    "Fullfoeringsstatus": (
        "the record is a fullføringsstatus: Statistics Norway's completion status of a learner on a date, a statistical "
        "fact that nobody issues to the learner and that claims no result the learner can present"
    ),
    # Fagskole and the continuous flow (issue 20)
    "Emnevurdering": (
        "the record is an emnevurdering: one course unit's assessment as a fagskole reports it; it has no issuer and no "
        "date of issue and is not a document given to the student (the fagskole's vitnemål or karakterutskrift is)"
    ),
    **dict.fromkeys(("Registrering", "Korrigering", "Tilbaketrekking", "Erstatning"), "the record is a change of a result in the register (the data of an event: registration, correction, " "withdrawal or replacement), not a document; export the document that states the result"),
}
# Fagskole documents are mapped to ELM only (crosswalk/elm_fagskole.py); the other targets' crosswalks
# have no terms for the fagskole qualification, its course units and credits, so they refuse them.
FAGSKOLE_DOCUMENTS = ("Fagskolevitnemaal", "Fagskolekarakterutskrift")


def fagskole_refusal(target: str) -> str:
    return (f"not exported: a fagskole document is mapped to ELM only; the {target} crosswalk has no terms for the "
            "fagskole qualification, its course units (emner) and credits (studiepoeng); export it with --to elm")


# -- SSSOM ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    subject_id: str
    subject: URIRef
    predicate_id: str
    object_id: str
    object: URIRef | None
    comment: str = ""


@dataclass
class MappingSet:
    name: str
    metadata: dict
    curie_map: dict[str, str]
    rows: list[Mapping]

    def for_subject(self, subject: URIRef) -> list[Mapping]:
        return [r for r in self.rows if r.subject == subject]

    def carried(self, subject: URIRef) -> bool:
        return any(r.object is not None for r in self.for_subject(subject))

    def target(self, subject: URIRef, *predicates: str) -> URIRef | None:
        """The first object mapped from ``subject`` (optionally only with the given predicates)."""
        for row in self.for_subject(subject):
            if row.object is not None and (not predicates or row.predicate_id in predicates):
                return row.object
        return None

    def expand(self, curie: str) -> URIRef | None:
        if curie == NO_TERM:
            return None
        if curie.startswith(("http://", "https://", "urn:")):
            return URIRef(curie)
        prefix, _, local = curie.partition(":")
        if prefix not in self.curie_map:
            raise CrosswalkError(f"crosswalks/{self.name}.sssom.tsv: prefix {prefix!r} is not in the curie_map")
        return URIRef(self.curie_map[prefix] + local)


def load_mapping_set(name: str, model: Model | None = None) -> MappingSet:
    """The mapping set ``name`` of the model (``crosswalks/{name}.sssom.tsv``, read by the model
    index), its CURIEs expanded; made once per model."""
    model = model or Model.load()
    return model.derive("crosswalk-mapping:" + name, lambda m: _expanded(name, m.index.mapping_set(name)))


def _expanded(name: str, table: SssomTable) -> MappingSet:
    mapping_set = MappingSet(name, table.metadata, table.curie_map, [])
    for row in table.rows:
        subject = mapping_set.expand(row["subject_id"])
        mapping_set.rows.append(
            Mapping(row["subject_id"], subject, row["predicate_id"], row["object_id"],
                    mapping_set.expand(row["object_id"]), row.get("comment", "") or "")
        )
    return mapping_set


# -- the record -----------------------------------------------------------------------------------


@dataclass
class NotCarried:
    """A fact of the record that the target format does not carry."""

    node: str
    property: str
    value: str
    reason: str

    def __str__(self) -> str:
        return mask_identity_numbers(f"{self.node} {self.property} = {self.value}: {self.reason}")

    def as_dict(self) -> dict:
        return {k: mask_identity_numbers(v) for k, v in self.__dict__.items()}


@dataclass
class Record:
    """One documentation record (vitnemål, kompetansebevis, fagbrev, ...) read from its graph."""

    graph: Graph
    model: Model
    document: URIRef
    document_class: str
    used: set = field(default_factory=set)  # (s, p, o) triples an exporter carried
    # The Grep snapshot in use, found once per record: an export asks for a title per subject, and
    # finding the configured snapshot looks at the environment and up to three config files each time.
    _grep: object = field(default=None, repr=False, compare=False)

    @classmethod
    def from_graph(cls, graph: Graph, model: Model | None = None, target: str | None = None) -> Record:
        model = model or Model.load()
        for name in DOCUMENT_CLASSES:
            nodes = sorted(graph.subjects(RDF.type, SBU[name]), key=str)
            if len(nodes) > 1:
                raise CrosswalkError(f"the record holds {len(nodes)} documents of class {name}; export one at a time")
            if nodes and name in FAGSKOLE_DOCUMENTS and target not in (None, "elm"):
                raise NotExportable(fagskole_refusal(target))
            if nodes:
                return cls(graph, model, nodes[0], name)
        raise NotExportable(not_a_document_reason(graph, target))

    # reading, while remembering what was read
    def value(self, node, prop: str):
        value = self.graph.value(node, SBU[prop])
        if value is not None:
            self.used.add((node, SBU[prop], value))
        return value

    def values(self, node, prop: str) -> list:
        found = sorted(self.graph.objects(node, SBU[prop]), key=str)
        self.used.update((node, SBU[prop], v) for v in found)
        return found

    def type_of(self, node) -> str | None:
        for t in sorted(self.graph.objects(node, RDF.type), key=str):
            if str(t).startswith(str(SBU)):
                return str(t)[len(str(SBU)):]
        return None

    def results(self, cls: str) -> list:
        return [r for r in self.values(self.document, "dokumenterer") if (r, RDF.type, SBU[cls]) in self.graph]

    # codes
    def notation(self, code) -> str:
        text = str(code)
        if text.startswith(str(GREP)):
            return text[len(str(GREP)):]
        notation = self.model.vocab.value(code, SKOS.notation)
        return str(notation) if notation is not None else text.rsplit("/", 1)[-1]

    def grep_titles(self, code) -> dict[str, str]:
        """The titles of a Grep element (subject, programme) by language (:func:`grep_titles`),
        remembering the record's own ``sbu:tittel`` facts as carried."""
        if code is None:
            return {}
        self.used.update((code, SBU.tittel, t) for t in self.graph.objects(code, SBU.tittel))
        if self._grep is None:
            from samtbu.grep import active_snapshot

            self._grep = active_snapshot() or False
        return grep_titles(self.graph, code, self._grep)

    def scheme_notations(self, scheme) -> list[str]:
        """The notations of every code in a code list (``skos:inScheme``), sorted; read from the
        vocabulary once per model."""
        def make(model: Model) -> dict:
            by_scheme: dict[str, set] = {}
            reader = Record(Graph(), model, URIRef("urn:samtbu:none"), "")
            for code, _, list_iri in model.vocab.triples((None, SKOS.inScheme, None)):
                by_scheme.setdefault(str(list_iri), set()).add(reader.notation(code))
            return {k: sorted(v) for k, v in by_scheme.items()}

        return self.model.derive("scheme-notations", make).get(str(scheme), [])

    def labels(self, code, languages=("nb", "nn", "en")) -> dict[str, str]:
        found = {}
        for label in self.model.vocab.objects(code, SKOS.prefLabel):
            if isinstance(label, Literal) and label.language in languages:
                found[label.language] = str(label)
        return {lang: found[lang] for lang in languages if lang in found}

    def scheme_of(self, code) -> URIRef | None:
        return self.model.vocab.value(code, SKOS.inScheme)

    def exact_match(self, code, prefix: str) -> URIRef | None:
        for match in sorted(self.model.vocab.objects(code, SKOS.exactMatch), key=str):
            if str(match).startswith(prefix):
                return match
        return None

    def grade_scale(self, vurdering) -> URIRef | None:
        """The grade scale of an assessment: given, or the one its assessment type allows that holds
        the grade."""
        scale = self.value(vurdering, "karakterskala")
        if scale is not None:
            return scale
        grade = self.graph.value(vurdering, SBU.karakter)
        kind = self.graph.value(vurdering, SBU.vurderingstype)
        for candidate in sorted(self.model.vocab.objects(kind, SBU.tillattKarakterskala), key=str):
            if grade is not None and ((grade, SKOS.inScheme, candidate) in self.model.vocab
                                      or (candidate, SKOS.member, grade) in self.model.vocab):
                return candidate
        return None

    def uuid_for(self, *parts: str) -> str:
        """A stable IRI for a node the target needs and the record has no node for."""
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join([str(self.document), *parts])))

    # what was not carried
    def not_carried(self, mapping: MappingSet, reason_for=None) -> list[NotCarried]:
        """Every sbu: fact of the record that the exporter did not use, with the mapping's reason."""
        items = []
        sbu = str(SBU)
        left = [t for t in self.graph if t[1] != RDF.type and t[1].startswith(sbu) and t not in self.used]
        for s, p, o in sorted(left, key=lambda t: tuple(str(x) for x in t)):
            rows = mapping.for_subject(p)
            # The exporter's own reason first (why it chose not to state the fact), then the mapping's.
            reason = reason_for(p) if reason_for else None
            if reason is None:
                reason = next((r.comment for r in rows if r.object is None and r.comment), None)
            if reason is None and rows:
                reason = next((f"not carried in this export ({r.comment})" for r in rows if r.comment), None)
            if reason is None:
                reason = f"no correspondence in crosswalks/{mapping.name}.sssom.tsv" if not rows else "not used by this export"
            value = self.notation(o) if isinstance(o, URIRef) and (str(o).startswith(str(SBUK)) or str(o).startswith(str(GREP))) else str(o)
            items.append(NotCarried(str(s), str(p)[len(str(SBU)):], value, reason))
        return items


def grep_titles(graph: Graph, code, snapshot=None) -> dict[str, str]:
    """The titles of a Grep element (subject, programme, programme area) by language, ``{"nb": ...,
    "nn": ..., "en": ...}``: the record's own (``sbu:tittel``, as an ELMO import reads them), else
    those of ``snapshot`` (the active Grep snapshot when None, none when False; :func:`samtbu.grep.titles`).
    Empty when neither names it; the caller then shows the code. Every export asks for a title
    through this one function."""
    found: dict[str, str] = {}
    for literal in sorted(graph.objects(code, SBU.tittel), key=str):
        if isinstance(literal, Literal):
            found.setdefault(literal.language or "nb", str(literal))
    if found or not str(code).startswith(str(GREP)) or snapshot is False:  # False: known to be none
        return found
    from samtbu.grep import titles

    return titles(str(code), snapshot)


def as_graph(payload, model: Model | None = None) -> Graph:
    """A record given as an RDF graph, parsed JSON, bytes, text or a path, as its graph (read through
    the one input stage of the validator)."""
    if isinstance(payload, Graph):
        return payload
    from samtbu.validate.input import read_payload

    return read_payload(payload, model=model).graph


def not_a_document_reason(graph: Graph, target: str | None) -> str:
    """Why a record that holds no issued document cannot be exported (to ``target``)."""
    roots = sorted({str(o)[len(str(SBU)):] for s, o in graph.subject_objects(RDF.type)
                    if str(o).startswith(str(SBU)) and s not in set(graph.objects())})
    kind = next((RECORD_KINDS[r] for r in roots if r in RECORD_KINDS), None)
    if kind is None:
        kind = ("the record holds no issued document (Vitnemaal, Kompetansebevis, Karakterutskrift, Fagbrev, Svennebrev, "
                "Praksisbrev, Fagskolevitnemaal, Fagskolekarakterutskrift)" + (f"; its root is {', '.join(roots)}" if roots else ""))
    need = TARGET_NEEDS.get(target or "")
    return f"not exported: {need}; {kind}" if need else f"not exported: {kind}"


__all__ = ["CrosswalkError", "NotExportable", "FAGSKOLE_DOCUMENTS", "fagskole_refusal", "as_graph", "grep_titles", "TARGET_NEEDS", "not_a_document_reason", "Mapping", "MappingSet", "NotCarried", "Record", "load_mapping_set"]
