"""Export a documentation record to an Open Badges 3.0 ``AchievementCredential`` (unsigned), valid
against the OB 3.0 AchievementCredential JSON Schema.

Term correspondences: ``crosswalks/ob3.sssom.tsv``. Shape of the credential:

- ``issuer``: a ``Profile`` with the issuer's name and the organisasjonsnummer as ``otherIdentifier``;
- ``credentialSubject.achievement``: one ``Achievement`` for the document's Sluttkompetanse (name from
  the competence type and yrkestittel, ``achievementType`` by document class, ``humanCode`` the
  programområde, EQF/NKR levels as ``alignment``s);
- every Vurdering is a ``Result`` whose ``resultDescription`` is one ``ResultDescription`` per subject
  and assessment type in the achievement (``resultType`` LetterGrade, ``allowedValue`` the grade
  scale's codes). A vitnemål with many results is carried whole in this one credential; a CLR 2.0
  wrapper (one credential per subject) is not produced in this version.

Personal data: the learner is named in ``credentialSubject.identifier`` (identityType ``name``,
not hashed) so a verifier can match the holder; the fødselsnummer and the birth date are not carried
(listed as such). The credential is unsigned: signing is the issuer's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from rdflib import SKOS, Graph, Literal

from samtbu.crosswalk.elm import DOCUMENT_TITLES, _datetime, anchors_dir
from samtbu.crosswalk.record import CrosswalkError, NotCarried, Record, load_mapping_set
from samtbu.model import Model
from samtbu.namespaces import SBU

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SCHEMA_FILE = ("ob3", "ob-v3p0-achievementcredential.schema.json")
ACHIEVEMENT_TYPES = {
    "Vitnemaal": "Diploma",
    "Kompetansebevis": "Certificate",
    "Karakterutskrift": "ext:Karakterutskrift",
    "Fagbrev": "ApprenticeshipCertificate",
    "Svennebrev": "JourneymanCertificate",
    "Praksisbrev": "Certificate",
}


@dataclass
class Ob3Export:
    document: dict
    not_carried: list[NotCarried] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return (json.dumps(self.document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def schema_path():
    folder, name = SCHEMA_FILE
    return anchors_dir() / folder / name


def validate_ob3(document: dict) -> list[str]:
    """Errors against the OB 3.0 AchievementCredential JSON Schema (from the anchors)."""
    from jsonschema import Draft201909Validator

    path = schema_path()
    if not path.is_file():
        raise CrosswalkError(f"the OB 3.0 JSON Schema {path} is missing (set SAMTBU_ANCHORS)")
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    return sorted(f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(document))


def _nb(labels: dict[str, str], fallback: str) -> str:
    return labels.get("nb") or labels.get("en") or fallback


def export_ob3(graph: Graph, *, model: Model | None = None) -> Ob3Export:
    model = model or Model.load()
    r = Record.from_graph(graph, model)
    mapping = load_mapping_set("ob3", model)
    doc = r.document
    issuer_node = r.value(doc, "utsteder")
    learner = r.value(doc, "utstedtTil")
    issued = r.value(doc, "utstedelsesdato")
    if issuer_node is None or learner is None or issued is None:
        raise CrosswalkError("an OB 3.0 credential needs the document's utsteder, utstedtTil and utstedelsesdato")
    title = DOCUMENT_TITLES.get(r.document_class, {"nb": r.document_class})

    issuer: dict = {"id": str(issuer_node), "type": ["Profile"]}
    name = r.value(issuer_node, "navn")
    if name is not None:
        issuer["name"] = str(name)
    orgnr = r.value(issuer_node, "organisasjonsnummer")
    if orgnr is not None:
        issuer["otherIdentifier"] = [{"type": "IdentifierEntry", "identifier": str(orgnr), "identifierType": "ext:organisasjonsnummer"}]
    owner = r.value(issuer_node, "skoleeier")
    if owner is not None:
        parent: dict = {"id": str(owner), "type": ["Profile"]}
        owner_name = r.value(owner, "navn")
        if owner_name is not None:
            parent["name"] = str(owner_name)
        issuer["parentOrg"] = parent

    kompetanser = r.results("Sluttkompetanse")
    kompetanse = kompetanser[0] if kompetanser else None
    achievement_name = _nb(title, r.document_class)
    achievement: dict = {"id": r.uuid_for("achievement"), "type": ["Achievement"],
                         "achievementType": ACHIEVEMENT_TYPES.get(r.document_class, "Achievement")}
    alignments = []
    if kompetanse is not None:
        kind = r.value(kompetanse, "kompetansetype")
        achievement_name = _nb(r.labels(kind), achievement_name) if kind is not None else achievement_name
        yrkestittel = {lit.language: str(lit) for lit in r.values(kompetanse, "yrkestittel") if isinstance(lit, Literal)}
        if yrkestittel:
            achievement_name = f"{achievement_name}: {yrkestittel.get('nb') or next(iter(yrkestittel.values()))}"
        for prop, framework, prefix in (("eqfNivaa", "EQF", "http://data.europa.eu/snb/eqf/"),
                                        ("nkrNivaa", "NKR", "http://data.europa.eu/snb/qdr/")):
            level = r.value(kompetanse, prop)
            if level is None:
                continue
            target = r.exact_match(level, prefix) or level
            alignments.append({"type": ["Alignment"], "targetName": f"{framework} {r.notation(level)}",
                               "targetUrl": str(target), "targetFramework": framework, "targetCode": r.notation(level),
                               "targetType": "ext:QualificationLevel"})
        programomraade = r.value(kompetanse, "programomraade")
        if programomraade is not None:
            achievement["humanCode"] = r.notation(programomraade)
        programme = r.value(kompetanse, "utdanningsprogram")
        if programme is not None:
            # the programme by name when a Grep snapshot has it, else its code
            achievement["fieldOfStudy"] = _nb(r.grep_titles(programme), r.notation(programme))
        r.used.add((kompetanse, SBU.gjelderLaerende, r.graph.value(kompetanse, SBU.gjelderLaerende)))
    achievement["name"] = achievement_name
    achievement["description"] = f"{_nb(title, r.document_class)}: {achievement_name}"
    achievement["criteria"] = {"narrative": (
        "Tildelt etter opplæringslova (LOV-2023-06-09-30) og forskrift til opplæringslova (FOR-2024-06-03-900).")}
    achievement["inLanguage"] = "nb"
    if alignments:
        achievement["alignment"] = alignments

    descriptions: dict[str, dict] = {}
    results = []
    for vurdering in r.results("Vurdering"):
        fag = r.value(vurdering, "gjelderFag")
        kind = r.value(vurdering, "vurderingstype")
        grade = r.value(vurdering, "karakter")
        r.used.add((vurdering, SBU.gjelderLaerende, r.graph.value(vurdering, SBU.gjelderLaerende)))
        fag_code = r.notation(fag) if fag is not None else ""
        fag_name = _nb(r.grep_titles(fag), "") if fag is not None else ""  # with a Grep snapshot
        kind_name = _nb(r.labels(kind), r.notation(kind)) if kind is not None else "vurdering"
        key = f"{fag_code}|{kind}"
        if key not in descriptions:
            description: dict = {"id": r.uuid_for("resultDescription", key), "type": ["ResultDescription"],
                                 "name": f"{' '.join(x for x in (fag_code, fag_name) if x)}, {kind_name}" if fag_code else kind_name,
                                 "resultType": "LetterGrade"}
            scale = r.grade_scale(vurdering)
            if scale is not None:
                codes = sorted({r.notation(c) for c in model.vocab.subjects(SKOS.inScheme, scale)})
                if codes:
                    description["allowedValue"] = codes
            if fag is not None:
                description["alignment"] = [{"type": ["Alignment"], "targetName": fag_name or fag_code, "targetUrl": str(fag),
                                             "targetCode": fag_code, "targetFramework": "Grep", "targetType": "ext:Fagkode"}]
            descriptions[key] = description
        result: dict = {"type": ["Result"], "resultDescription": descriptions[key]["id"]}
        if grade is not None:
            result["value"] = r.notation(grade)
        results.append(result)
    if descriptions:
        achievement["resultDescription"] = list(descriptions.values())

    subject: dict = {"id": str(learner), "type": ["AchievementSubject"], "achievement": achievement}
    given, family = r.value(learner, "fornavn"), r.value(learner, "etternavn")
    if given is not None or family is not None:
        subject["identifier"] = [{"type": "IdentityObject", "hashed": False, "identityType": "name",
                                  "identityHash": " ".join(str(x) for x in (given, family) if x is not None)}]
    if results:
        subject["result"] = results
    awarded = (r.value(kompetanse, "oppnaaddDato") if kompetanse is not None else None) or issued

    credential: dict = {
        "@context": [CREDENTIALS_V2, OB3_CONTEXT],
        "id": str(doc),
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": _nb(title, r.document_class),
        "issuer": issuer,
        "validFrom": _datetime(issued),
        "awardedDate": _datetime(awarded),
        "credentialSubject": subject,
    }
    number = r.value(doc, "dokumentnummer")
    if number is not None:
        credential["description"] = f"{_nb(title, r.document_class)} {number}"
    return Ob3Export(credential, r.not_carried(mapping), ["the credential is unsigned (no proof): signing is the issuer's"])


__all__ = ["export_ob3", "validate_ob3", "Ob3Export", "schema_path"]
