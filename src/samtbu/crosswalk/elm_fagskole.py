"""The European Digital Credential of a document from a tertiary vocational college (vitnemål or
karakterutskrift from a fagskole): what ``elm.py`` builds for an upper-secondary document, with ELM's
vocabulary for credits and levels.

- The qualification (``sbu:Fagskolekvalifikasjon``) is the claim: a ``LearningAchievement``
  ``specifiedBy`` a ``Qualification`` titled with the programme's name (and the degree, where given),
  with ``eqfLevel`` 5 (from the code, or from the NKR level's correspondence: NKR 5.1 and 5.2 are
  referenced to EQF 5), and ``creditPoint`` the programme's credits. The NKR level itself is not
  carried: the EU's concept IRIs for NKR 5.1 and 5.2 are not known to this project (only level 4's is),
  so the export says so rather than guessing an IRI.
- Each course unit assessment is a part of the claim (``hasPart``): a ``LearningAchievement``
  specified by a ``LearningAchievementSpecification`` (the course unit: name, code, credits), proven
  by a ``LearningAssessment`` with the grade and its grading scheme, and, when the grade is a pass,
  ``creditReceived``.
- Credits are fagskole credits, not ECTS: the credit framework is this model's code
  ``kode/studiepoengsystem/fagskole`` (ELM lets a data provider use its own controlled list).
- A transcript has no qualification: its claim is the document itself, with the course units as parts.
"""

from __future__ import annotations

from rdflib import SKOS, Literal, URIRef

from samtbu.crosswalk.elm import EQF_SCHEME, DOCUMENT_TITLES, _Builder, _concept, _datetime
from samtbu.crosswalk.record import FAGSKOLE_DOCUMENTS
from samtbu.namespaces import SBU, SBUK

CREDIT_FRAMEWORK = f"{SBUK}studiepoengsystem/fagskole"
EQF = "http://data.europa.eu/snb/eqf/"
TITLES = {
    "Fagskolevitnemaal": {"nb": "Vitnemål for fagskoleutdanning", "nn": "Vitnemål for fagskoleutdanning",
                          "en": "Diploma, tertiary vocational education"},
    "Fagskolekarakterutskrift": {"nb": "Karakterutskrift for fagskoleutdanning", "nn": "Karakterutskrift for fagskoleutdanning",
                                 "en": "Transcript, tertiary vocational education"},
}
DOCUMENT_TITLES.update(TITLES)


class FagskoleBuilder(_Builder):
    """Builds the credential of a fagskole document; the rest (issuer, person, display) is ``_Builder``'s."""

    def _text(self, node, prop: str) -> dict[str, str]:
        return {lit.language: str(lit) for lit in self.r.values(node, prop) if isinstance(lit, Literal) and lit.language}

    def _credits(self, key: str, points) -> dict:
        labels = self.lang_map(self.r.labels(URIRef(CREDIT_FRAMEWORK)))
        framework = _concept(CREDIT_FRAMEWORK, f"{SBUK}studiepoengsystem", labels or {"nb": "studiepoeng (fagskole)"}, "fagskole")
        number = str(points)
        if number.endswith(".0"):
            number = number[:-2]
        return {"id": self.r.uuid_for("credit", key), "type": "CreditPoint", "framework": framework, "point": number}

    def _eqf(self, qualification_node) -> URIRef | None:
        r = self.r
        eqf = r.value(qualification_node, "eqfNivaa")
        if eqf is not None:
            return r.exact_match(eqf, EQF)
        nkr = r.value(qualification_node, "nkrNivaa")
        if nkr is None:
            return None
        matches = sorted(str(m) for m in r.model.vocab.objects(nkr, SKOS.broadMatch) if str(m).startswith(EQF))
        return URIRef(matches[0]) if matches else None

    def unit(self, vurdering, issuer_iri: str) -> dict:
        """One course unit assessment as a part of the claim."""
        r = self.r
        unit = r.value(vurdering, "gjelderEmne")
        names = self._text(unit, "emnenavn") if unit is not None else {}
        code = r.value(unit, "emnekode") if unit is not None else None
        points = r.value(unit, "studiepoeng") if unit is not None else None
        title = names or {"nb": str(code or "emne")}
        grade = r.value(vurdering, "fagskolekarakter")
        date = r.value(vurdering, "vurderingsdato")
        assessor = r.value(vurdering, "vurdertAv")
        iri = str(vurdering)
        spec: dict = {"id": str(unit) if unit is not None else r.uuid_for("emne", iri), "type": "LearningAchievementSpecification", "title": title}
        if code is not None:
            spec["identifier"] = {"id": r.uuid_for("emnekode", str(code)), "type": "Identifier", "notation": str(code), "schemeName": "emnekode"}
        if points is not None:
            spec["creditPoint"] = self._credits(f"emne|{unit}", points)
        assessment: dict = {"id": iri, "type": "LearningAssessment", "title": title}
        if grade is not None:
            notation = r.notation(grade)
            labels = r.labels(grade)
            assessment["grade"] = {"id": r.uuid_for("grade", iri), "type": "Note",
                                   "noteLiteral": {lang: (label if label == notation else f"{notation} ({label})") if len(notation) == 1 else label
                                                   for lang, label in labels.items()} or {"nb": notation}}
            scales = sorted(s for s in r.model.vocab.objects(grade, SKOS.inScheme) if str(s) != f"{SBUK}fagskolekarakter")
            aspec: dict = {"id": r.uuid_for("assessment-spec", iri), "type": "LearningAssessmentSpecification", "title": title}
            if scales:
                aspec["gradingScheme"] = {"id": str(scales[0]), "type": "GradingScheme", "title": r.labels(scales[0]) or {"nb": str(scales[0])}}
            assessment["specifiedBy"] = aspec
        body = self.organisation(assessor) if assessor is not None else {"id": issuer_iri}
        assessment["awardedBy"] = self.awarding(r.uuid_for("awardingProcess", iri), body, date)
        if date is not None:
            assessment["dateIssued"] = _datetime(date)
        node: dict = {"id": r.uuid_for("emne-achievement", iri), "type": "LearningAchievement", "title": title,
                      "awardedBy": self.awarding(r.uuid_for("awardingProcess-part", iri), {"id": issuer_iri}, date),
                      "specifiedBy": spec, "provenBy": assessment}
        passed = grade is not None and r.model.vocab.value(grade, SBU.erBestaatt) == Literal(True)
        if passed and points is not None:
            node["creditReceived"] = self._credits(f"received|{iri}", points)
        r.used.add((vurdering, SBU.gjelderLaerende, r.graph.value(vurdering, SBU.gjelderLaerende)))
        return node

    def claim(self, qualification, issuer_iri: str, parts: list[dict]) -> dict:
        r = self.r
        title = dict(TITLES[r.document_class])
        if qualification is None:
            node: dict = {"id": r.uuid_for("achievement"), "type": "LearningAchievement", "title": title}
            spec: dict = {"id": r.uuid_for("qualification"), "type": "Qualification", "title": title}
            date = r.value(r.document, "utstedelsesdato")
        else:
            programme = r.value(qualification, "fagskoleutdanning")
            names = self._text(programme, "utdanningsnavn") if programme is not None else {}
            degree = r.value(qualification, "gradsbetegnelse")
            if degree is not None:
                degree_labels = r.labels(degree)
                names = {lang: f"{degree_labels.get(lang, degree_labels.get('nb', ''))}: {text}" for lang, text in (names or title).items()}
            title = names or title
            node = {"id": str(qualification), "type": "LearningAchievement", "title": title}
            spec = {"id": str(programme) if programme is not None else r.uuid_for("qualification"), "type": "Qualification", "title": title}
            eqf = self._eqf(qualification)
            if eqf is not None:
                spec["eqfLevel"] = _concept(str(eqf), EQF_SCHEME, {"en": f"Level {str(eqf).rsplit('/', 1)[-1]}"})
            else:
                r.used.discard((qualification, SBU.eqfNivaa, r.graph.value(qualification, SBU.eqfNivaa)))
            nkr = r.value(qualification, "nkrNivaa")
            if nkr is not None:
                # No EU concept IRI is known for NKR 5.1 and 5.2: not carried, and said so.
                r.used.discard((qualification, SBU.nkrNivaa, nkr))
                self.warnings.append(f"NKR level {r.notation(nkr)} has no EU concept IRI in the code list; not carried")
            points = r.value(programme, "studiepoeng") if programme is not None else None
            if points is not None:
                spec["creditPoint"] = self._credits(f"programme|{programme}", points)
                node["creditReceived"] = self._credits(f"received-programme|{qualification}", points)
            date = r.value(qualification, "oppnaaddDato") or r.value(r.document, "utstedelsesdato")
            r.used.add((qualification, SBU.gjelderLaerende, r.graph.value(qualification, SBU.gjelderLaerende)))
        node["awardedBy"] = self.awarding(r.uuid_for("awardingProcess"), {"id": issuer_iri}, date)
        node["specifiedBy"] = spec
        if parts:
            node["hasPart"] = parts
        return node

    def claims(self, issuer_iri: str) -> list[dict]:
        r = self.r
        parts = [self.unit(v, issuer_iri) for v in r.results("Emnevurdering")]
        qualifications = r.results("Fagskolekvalifikasjon")
        if not qualifications:
            return [self.claim(None, issuer_iri, parts)]
        return [self.claim(q, issuer_iri, parts if i == 0 else []) for i, q in enumerate(qualifications)]


__all__ = ["FagskoleBuilder", "FAGSKOLE_DOCUMENTS", "CREDIT_FRAMEWORK"]
