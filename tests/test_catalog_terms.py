"""The concept catalog as a terminologist reads it: definitions written by Språkrådet's and Digdir's
guidance (Termlosen; Språkrådet, «Definisjoner»), every source named, and one term for one concept in
the catalog, the code lists and the ontology.

Guidance checked here (what a machine can check of it):
- one definition, one sentence, starting in lower case without an article, no full stop at the end;
- no examples inside the definition (they belong in skos:example or the note);
- no negative definition (defining a concept by what it is not);
- no circularity: a definition does not use its own term, and no chain of definitions leads back to
  the concept it started from;
- the same text in skos:definition and in the SKOS-AP-NO definition node (euvoc:xlDefinition);
- a definition based on a source names it, and every source has a name in nb, nn and en.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from rdflib import RDF, RDFS, SKOS, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from samtbu.model import Model

EUVOC = Namespace("http://publications.europa.eu/ontology/euvoc#")
SKOSNO = Namespace("https://data.norge.no/vocabulary/skosno#")
RWS = Namespace("https://data.norge.no/vocabulary/relationship-with-source-type#")
LANGS = ("nb", "nn", "en")

# Word endings a Norwegian or English term takes in running text (inflection), so that «elever» and
# «eleven» are uses of the term «elev», but «elevråd» is not.
ENDINGS = {
    "nb": "(?:e|en|et|er|ene|a|ne|n|t|s)?",
    "nn": "(?:e|en|et|ar|ane|er|ene|a|ne|n|t|s)?",
    "en": "(?:s|es)?",
}
ARTICLES = {"nb": ("en", "ei", "et", "den", "det"), "nn": ("ein", "ei", "eit", "den", "det"), "en": ("a", "an", "the")}
EXAMPLE_MARKERS = {
    "nb": ("for eksempel", "f.eks.", "blant annet", "som eksempel"),
    "nn": ("til dømes", "t.d.", "mellom anna", "som døme"),
    "en": ("for example", "e.g.", "for instance", "such as", "among other"),
}
# Forms that define a concept by what it is not (the faults this catalog had: «uten å være vitnemål»,
# «som ikke gir grunnlag for vitnemål», «som ikke er et tradisjonelt håndverksfag»).
NEGATIVE_MARKERS = {
    "nb": ("uten å være", "som ikke gir grunnlag", "som ikke er et", "som ikke er en"),
    "nn": ("utan å vere", "som ikkje gir grunnlag", "som ikkje er eit", "som ikkje er ein"),
    "en": ("without being", "that does not qualify", "that is not a", "which is not a"),
}


def _texts(graph, subject, predicate, lang) -> list[str]:
    return [str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal) and o.language == lang]


def _definition(model: Model, concept, lang: str) -> str:
    (text,) = _texts(model.vocab, concept, SKOS.definition, lang)
    return text


def _term_pattern(term: str, lang: str) -> re.Pattern:
    words = [re.escape(w) for w in term.split()]
    body = r"\s+".join(words)
    return re.compile(rf"(?<![\w-]){body}{ENDINGS[lang]}(?![\w-])", re.IGNORECASE)


def _terms(model: Model, concept, lang: str) -> list[str]:
    return [t for p in (SKOS.prefLabel, SKOS.altLabel) for t in _texts(model.vocab, concept, p, lang) if len(t) > 1]


@pytest.fixture(scope="module")
def concepts(model: Model) -> list[URIRef]:
    return model.catalog_concepts()


@pytest.mark.parametrize("lang", LANGS)
def test_one_definition_one_sentence_without_article_or_full_stop(model: Model, concepts, lang: str):
    problems = []
    for concept in concepts:
        texts = _texts(model.vocab, concept, SKOS.definition, lang)
        if len(texts) != 1:
            problems.append(f"{concept}: {len(texts)} definitions in {lang}")
            continue
        text = texts[0]
        first = text.split()[0]
        if first.lower() in ARTICLES[lang]:
            problems.append(f"{concept}: starts with the article «{first}»")
        if text[0].isupper() and not text.split()[0].isupper():
            problems.append(f"{concept}: starts with a capital letter")
        if text.rstrip().endswith("."):
            problems.append(f"{concept}: ends with a full stop")
        if re.search(r"[.!?]\s+[A-ZÆØÅ]|;", text):
            problems.append(f"{concept}: more than one sentence: {text}")
    assert problems == []


@pytest.mark.parametrize("lang", LANGS)
def test_definitions_hold_no_examples_and_are_not_negative(model: Model, concepts, lang: str):
    problems = []
    for concept in concepts:
        text = _definition(model, concept, lang).lower()
        problems += [f"{concept}: example inside ({m!r})" for m in EXAMPLE_MARKERS[lang] if m in text]
        problems += [f"{concept}: negative definition ({m!r})" for m in NEGATIVE_MARKERS[lang] if m in text]
    assert problems == []


def _used_concepts(text: str, patterns: dict) -> set:
    """The concepts whose terms a text uses; where terms overlap (English «practice certificate» inside
    «practice certificate test»), the longest match is the term used."""
    spans = [(m.start(), m.end(), c) for c, pats in patterns.items() for p in pats for m in p.finditer(text)]
    kept = [s for s in spans if not any(o[0] <= s[0] and s[1] <= o[1] and (o[1] - o[0]) > (s[1] - s[0]) for o in spans)]
    return {c for _, _, c in kept}


@pytest.mark.parametrize("lang", LANGS)
def test_no_definition_is_circular(model: Model, concepts, lang: str):
    patterns = {c: [_term_pattern(t, lang) for t in _terms(model, c, lang)] for c in concepts}
    uses: dict[URIRef, set[URIRef]] = defaultdict(set)
    problems = []
    for concept in concepts:
        text = _definition(model, concept, lang)
        for other in _used_concepts(text, patterns):
            if other == concept:
                problems.append(f"{concept} uses its own term in its {lang} definition: {text}")
            else:
                uses[concept].add(other)

    def cycle_from(start):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in uses[node]:
                if nxt == start:
                    return path + [start]
                if nxt not in path and len(path) < 12:
                    stack.append((nxt, path + [nxt]))
        return None

    for concept in concepts:
        cycle = cycle_from(concept)
        if cycle:
            problems.append(f"circular definitions ({lang}): " + " → ".join(c.rsplit("/", 1)[-1] for c in cycle))
    assert problems == []


def test_the_circularity_check_can_fail(model: Model):
    """The pattern finds the inflected forms a definition uses, and not compounds."""
    pattern = _term_pattern("elev", "nb")
    assert pattern.search("lærende som er elever ved skolen") and pattern.search("eleven")
    assert not pattern.search("elevråd") and not pattern.search("heltidselev")
    assert _term_pattern("fag- og svenneprøve", "nb").search("en fag- og svenneprøve i faget")


def test_skos_definition_and_definition_node_agree(model: Model, concepts):
    problems = []
    for concept in concepts:
        nodes = list(model.vocab.objects(concept, EUVOC.xlDefinition))
        for lang in LANGS:
            values = [str(v) for n in nodes for v in model.vocab.objects(n, RDF.value) if v.language == lang]
            if values != _texts(model.vocab, concept, SKOS.definition, lang):
                problems.append(f"{concept} {lang}: skos:definition {_texts(model.vocab, concept, SKOS.definition, lang)} != {values}")
    assert problems == []


def test_definitions_based_on_a_source_name_it_and_every_source_has_a_name(model: Model, concepts):
    problems = []
    for concept in concepts:
        for node in model.vocab.objects(concept, EUVOC.xlDefinition):
            relation = model.vocab.value(node, SKOSNO.relationshipWithSource)
            sources = list(model.vocab.objects(node, DCTERMS.source))
            if relation in (RWS["derived-from-source"], RWS["direct-from-source"]) and not sources:
                problems.append(f"{concept}: based on a source, but names none")
            if relation == RWS["self-composed"] and sources:
                problems.append(f"{concept}: self-composed, but names sources")
            for source in sources:
                for lang in LANGS:
                    if not _texts(model.vocab, source, RDFS.label, lang):
                        problems.append(f"{source}: no name (rdfs:label) in {lang}")
    assert problems == []


# -- nynorsk ----------------------------------------------------------------------------------------
# Bokmål forms that have no place in nynorsk text, and the forms this model chose where nynorsk allows
# two: «skole» (as opplæringslova writes it), «bestått meget godt» (the grade's official name).
NOT_NYNORSK = re.compile(
    r"\b(ikke|hva|hvordan|hvis|noen|bare|videregående|svarer|skule\w*|fagskule\w*|mykje godt)\b", re.IGNORECASE
)
# Permitted terms (skos:altLabel) may record the other nynorsk form, so that a search for it finds the concept.
NYNORSK_EXEMPT = {"skule", "fagskule"}


def _nynorsk_problems(graph) -> list[str]:
    problems = []
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language == "nn" and str(o) not in NYNORSK_EXEMPT:
            found = NOT_NYNORSK.findall(str(o))
            if found:
                problems.append(f"{s} {p}: {found} in «{o}»")
    return sorted(problems)


def test_nynorsk_in_the_catalog_and_code_lists_is_nynorsk(model: Model):
    assert _nynorsk_problems(model.vocab) == []


def test_nynorsk_in_the_ontology_is_nynorsk(model: Model):
    assert _nynorsk_problems(model.ontology) == []


def test_nynorsk_in_the_sharing_policies_is_nynorsk(model: Model):
    from rdflib import Graph

    policies = Graph()
    for path in sorted((model.root / "policies").glob("*.ttl")):
        policies.parse(path, format="turtle")
    assert len(policies) > 0
    assert _nynorsk_problems(policies) == []


def test_svennebrev_is_discouraged_in_nynorsk_as_svenneprove_is(model: Model):
    sbub = Namespace("https://w3id.org/samt-bu/begrep/")
    assert Literal("svenneprøve", lang="nn") in set(model.vocab.objects(sbub["fag-og-svenneproeve"], SKOS.hiddenLabel))
    assert Literal("svennebrev", lang="nn") in set(model.vocab.objects(sbub["svennebrev"], SKOS.hiddenLabel))
    assert Literal("svennebrev", lang="nn") not in set(model.vocab.objects(sbub["svennebrev"], SKOS.altLabel))


# -- one term for one concept -----------------------------------------------------------------------
def _contains_term(label: str, term: str) -> bool:
    return term.casefold() in label.casefold()


def test_ontology_terms_use_the_catalog_term_of_their_concept(model: Model):
    """A class or property that implements a concept (its local name is the concept's data structure
    label) is labelled with the concept's preferred term in every language (a qualifier such as
    «(vitnemål)» or «(år)» may follow)."""
    problems = []
    for term in model.classes() + model.properties():
        concept = model.ontology.value(term, DCTERMS.subject)
        label = model.vocab.value(concept, SKOSNO.dataStructureLabel) if concept is not None else None
        if label is None or str(label) != term.rsplit("/", 1)[-1]:
            continue
        for lang in LANGS:
            (preferred,) = _texts(model.vocab, concept, SKOS.prefLabel, lang)
            for text in _texts(model.ontology, term, RDFS.label, lang):
                if not _contains_term(text, preferred):
                    problems.append(f"{term} {lang}: «{text}» does not use the catalog term «{preferred}»")
    assert problems == []


def test_codes_use_the_catalog_term_of_their_concept(model: Model):
    """A code that stands for a catalog concept (its notation is the concept's slug, as kode/dokumenttype/
    vitnemaal for begrep/vitnemaal) uses the concept's preferred term in its label in every language."""
    problems = []
    for code in model.codes():
        concept = model.vocab.value(code, DCTERMS.subject)
        notation = model.vocab.value(code, SKOS.notation)
        if concept is None or notation is None or str(concept).rsplit("/", 1)[-1] != str(notation):
            continue
        for lang in LANGS:
            (preferred,) = _texts(model.vocab, concept, SKOS.prefLabel, lang)
            for text in _texts(model.vocab, code, SKOS.prefLabel, lang):
                if not _contains_term(text, preferred):
                    problems.append(f"{code} {lang}: «{text}» does not use the catalog term «{preferred}»")
    assert problems == []


@pytest.mark.parametrize(
    "slug, english",
    [
        ("vitnemaal", "certificate for upper secondary education and training"),
        ("standpunktkarakter", "final assessment grade"),
        ("eksamenskarakter", "examination grade"),
        ("fagbrev", "craft certificate"),
        ("kvalifikasjonsnivaa-nkr", "NQF level"),
    ],
)
def test_english_preferred_terms_are_udirs_and_nokuts(model: Model, slug: str, english: str):
    concept = URIRef("https://w3id.org/samt-bu/begrep/" + slug)
    assert _texts(model.vocab, concept, SKOS.prefLabel, "en") == [english]


def test_the_publisher_is_marked_as_a_placeholder_and_the_model_is_a_draft(model: Model):
    publisher = URIRef("https://w3id.org/samt-bu/organisasjon/samtbu")
    for lang in LANGS:
        (name,) = _texts(model.vocab, publisher, URIRef("http://xmlns.com/foaf/0.1/name"), lang)
        assert {"nb": "plassholder", "nn": "plasshaldar", "en": "placeholder"}[lang] in name.lower()
    draft = URIRef("http://publications.europa.eu/resource/authority/concept-status/DRAFT")
    assert all((c, EUVOC.status, draft) in model.vocab for c in model.catalog_concepts())
    under_development = URIRef("http://purl.org/adms/status/UnderDevelopment")
    assert (URIRef("https://w3id.org/samt-bu/modell"), URIRef("http://www.w3.org/ns/adms#status"), under_development) in model.vocab


# Codes that are the catalog's concepts themselves: a document type is the concept of that document, and
# a competence type whose concept is a kind of sluttkompetanse is that competence («fagbrev» as a
# competence type is the competence documented by the fagbrev, not the document). Their definitions
# are the catalog's.
XKOS = Namespace("http://rdf-vocabulary.ddialliance.org/xkos#")
SLUTTKOMPETANSE = URIRef("https://w3id.org/samt-bu/begrep/sluttkompetanse")


def _is_the_concept(model: Model, scheme: str, concept) -> bool:
    return scheme == "dokumenttype" or (
        scheme == "kompetansetype" and (concept, XKOS.specializes, SLUTTKOMPETANSE) in model.vocab
    )


def test_document_and_competence_types_are_defined_as_the_catalog_defines_them(model: Model):
    problems = []
    checked = 0
    for code in model.codes():
        scheme = str(code).split("/kode/")[1].split("/")[0]
        concept = model.vocab.value(code, DCTERMS.subject)
        notation = model.vocab.value(code, SKOS.notation)
        if concept is None or str(concept).rsplit("/", 1)[-1] != str(notation) or not _is_the_concept(model, scheme, concept):
            continue
        checked += 1
        for lang in LANGS:
            catalog = _definition(model, concept, lang)
            (text,) = _texts(model.vocab, code, SKOS.definition, lang)
            if not text.startswith(catalog[0].upper() + catalog[1:] + "."):
                problems.append(f"{code} {lang}: «{text}» does not begin with the catalog definition «{catalog}»")
    assert checked >= 8
    assert problems == []
