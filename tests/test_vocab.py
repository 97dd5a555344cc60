"""SKOS integrity of the concept catalog and the code lists."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from rdflib import RDF, SKOS, BNode, URIRef

from samtbu.model import LANGUAGES, Model
from samtbu.namespaces import BASE_IRI, SBU, SBUB, SBUK

CATALOG = URIRef(BASE_IRI + "begrepssamling/utdanningsresultater")


def test_catalog_has_at_least_fifty_concepts(model: Model):
    assert len(model.catalog_concepts()) >= 50


def test_catalog_is_a_collection_of_every_concept_without_blank_nodes(model: Model):
    g = model.vocab
    collections = set(g.subjects(RDF.type, SKOS.Collection))
    assert CATALOG in collections
    assert not [c for c in collections if isinstance(c, BNode)]
    members = set(g.objects(CATALOG, SKOS.member))
    assert set(model.catalog_concepts()) <= members
    for concept in model.catalog_concepts():
        assert any(
            (c, SKOS.member, concept) in g for c in collections if c != CATALOG
        ), f"{concept} is in no subject-area collection"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_concept_and_code_has_a_label(model: Model, lang: str):
    missing = [
        str(c)
        for c in model.catalog_concepts() + model.codes()
        if not any(getattr(o, "language", None) == lang for o in model.vocab.objects(c, SKOS.prefLabel))
    ]
    assert not missing, f"no @{lang} prefLabel: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_concept_has_a_definition(model: Model, lang: str):
    from samtbu.model import _has_definition

    missing = [str(c) for c in model.catalog_concepts() if not _has_definition(model.vocab, c, lang)]
    assert not missing, f"no @{lang} definition: {missing}"


def test_no_duplicate_preflabel_within_a_scheme(model: Model):
    g = model.vocab
    labels = defaultdict(Counter)
    for concept, scheme in g.subject_objects(SKOS.inScheme):
        for label in g.objects(concept, SKOS.prefLabel):
            labels[(scheme, label.language)][str(label).casefold()] += 1
    dupes = {f"{s} @{lang}": [l for l, n in c.items() if n > 1] for (s, lang), c in labels.items() if max(c.values()) > 1}
    assert not dupes, dupes


def test_no_duplicate_notation_within_a_scheme(model: Model):
    g = model.vocab
    notations = defaultdict(Counter)
    for concept, scheme in g.subject_objects(SKOS.inScheme):
        for notation in g.objects(concept, SKOS.notation):
            notations[scheme][str(notation)] += 1
    dupes = {str(s): [n for n, k in c.items() if k > 1] for s, c in notations.items() if max(c.values()) > 1}
    assert not dupes, dupes


def test_broader_has_no_cycles(model: Model):
    g = model.vocab
    graph = defaultdict(set)
    for narrower, broader in g.subject_objects(SKOS.broader):
        graph[narrower].add(broader)
    for broader, narrower in g.subject_objects(SKOS.narrower):
        graph[narrower].add(broader)

    def reaches_itself(start):
        stack, seen = list(graph[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                return True
            if node not in seen:
                seen.add(node)
                stack.extend(graph[node])
        return False

    assert not [str(c) for c in list(graph) if reaches_itself(c)]


def test_every_concept_in_a_scheme_is_a_top_concept_or_has_a_broader(model: Model):
    g = model.vocab
    orphans = []
    for concept, scheme in g.subject_objects(SKOS.inScheme):
        top = (concept, SKOS.topConceptOf, scheme) in g or (scheme, SKOS.hasTopConcept, concept) in g
        if not top and g.value(concept, SKOS.broader) is None:
            orphans.append(f"{concept} in {scheme}")
    assert not orphans, orphans


def test_every_code_has_a_notation_that_is_the_end_of_its_iri(model: Model):
    g = model.vocab
    for code in model.codes():
        notations = {str(n) for n in g.objects(code, SKOS.notation)}
        assert len(notations) == 1, code
        assert str(code).rsplit("/", 1)[1] == notations.pop(), code


def test_required_code_lists_exist(model: Model):
    schemes = {str(s)[len(str(SBUK)):] for s in model.code_schemes()}
    assert {
        "karakter", "karakterskala-1-6", "karakterskala-bestaatt", "karakterskala-fagproeve",
        "spesialkarakter", "vurderingstype", "fullfoeringskategori", "kompetansetype", "dokumenttype",
        "dokumentstatus", "nkr-nivaa", "eqf-nivaa", "mottakerrolle", "formaal", "behandlingsgrunnlag",
    } <= schemes


def test_grade_scales_are_ordered_with_a_machine_readable_pass_threshold(model: Model):
    g = model.vocab
    for scale in ("karakterskala-1-6", "karakterskala-bestaatt", "karakterskala-fagproeve"):
        scheme = SBUK[scale]
        threshold = g.value(scheme, SBU.laavesteBestaatteKarakter)
        assert threshold is not None, scale
        members = list(g.subjects(SKOS.inScheme, scheme))
        ranks = {m: int(g.value(m, SBU.rang)) for m in members}
        passing = {m for m in members if g.value(m, SBU.erBestaatt).toPython() is True}
        # Everything at or above the threshold passes; everything below fails.
        assert passing == {m for m in members if ranks[m] >= ranks[threshold]}, scale


def test_numeric_scale_passes_from_two(model: Model):
    assert model.vocab.value(SBUK["karakterskala-1-6"], SBU.laavesteBestaatteKarakter) == SBUK["karakter/2"]


def test_eqf_and_nkr_levels_map_to_the_eu_concepts(model: Model):
    g = model.vocab
    assert (SBUK["eqf-nivaa/4"], SKOS.exactMatch, URIRef("http://data.europa.eu/snb/eqf/4")) in g
    assert (SBUK["nkr-nivaa/4"], SKOS.exactMatch, URIRef("http://data.europa.eu/snb/qdr/c_81090d42")) in g
