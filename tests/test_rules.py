"""The table of every validation rule (samtbu.generate.rules, `samtbu rules`, the site page) and the
rule that holds the model to its sources: a domain rule at Violation cites an external source."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, SH

from samtbu.generate.rules import (
    COMPONENTS,
    DOMAIN,
    STRUCTURE,
    Rule,
    Source,
    collect_rules,
    is_external,
    render_text,
    rules_page,
    unsourced_violations,
)
from samtbu.model import LANGUAGES, Model

SBUS = "https://w3id.org/samt-bu/shapes/"
REQUIRED_KEYS = {"id", "kind", "profiles", "severity", "description", "messages", "source"}


@pytest.fixture(scope="module")
def rules(model: Model) -> list[Rule]:
    return collect_rules(model)


def _rule(rules, rule_id: str) -> Rule:
    return next(r for r in rules if r.id == rule_id)


# -- what the table holds ----------------------------------------------------------------------------
def test_every_constraint_of_every_named_shape_is_a_rule(model: Model, rules):
    """One rule per (named shape, constraint parameter) and per SPARQL constraint: none left out."""
    g = model.shapes
    expected = set()
    for shape in {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(SBUS)}:
        local = str(shape).rsplit("/", 1)[-1]
        for parameter, _, _ in COMPONENTS:
            value = g.value(shape, SH[parameter])
            if value is not None and not (parameter == "closed" and not value.toPython()):
                expected.add(f"{local}/{parameter}")
        sparql = list(g.objects(shape, SH.sparql))
        expected |= {f"{local}/sparql" + (f"-{n}" if len(sparql) > 1 else "") for n in range(1, len(sparql) + 1)}
    # and the rules the toolkit checks itself (shapes/verktoey/), by the name reports give them
    expected |= {rule.constraint for rule in model.toolkit_rules.values()}
    assert {r.id for r in rules} == expected
    assert len(rules) == len(expected), "rule ids are unique"


def test_a_property_shape_gives_one_rule_per_constraint_with_its_kind(rules):
    kinds = {r.id: r.kind for r in rules if r.id.startswith("Vurdering-karakter/") or r.id.startswith("Vurdering-karakter-kode/")}
    assert kinds == {"Vurdering-karakter/minCount": STRUCTURE, "Vurdering-karakter/maxCount": STRUCTURE,
                     "Vurdering-karakter-kode/in": DOMAIN}
    rule = _rule(rules, "Vurdering-karakter-kode/in")
    assert rule.constraint == "sh:InConstraintComponent"
    assert rule.shape == SBUS + "Vurdering-karakter-kode"
    assert rule.path == "sbu:karakter" and "IV" in rule.check
    assert rule.severity == "Violation"


def test_kinds_follow_the_constraint(rules):
    structure = {"closed", "class", "datatype", "nodeKind", "minCount", "maxCount", "uniqueLang"}
    for rule in rules:
        if rule.id.startswith("samtbu:"):  # the toolkit's own rules state their kind (test_toolkit_rules)
            continue
        parameter = rule.id.rsplit("/", 1)[1].split("-")[0]
        if parameter in structure:
            assert rule.kind == STRUCTURE, rule.id
        elif parameter in ("sparql", "in", "pattern", "hasValue", "minInclusive", "maxInclusive", "not", "qualifiedValueShape"):
            assert rule.kind == DOMAIN, rule.id


def test_a_choice_of_classes_is_structure_and_a_choice_of_codes_is_domain(rules):
    # «issued by a school or a county authority»: sh:or of two sh:class
    assert _rule(rules, "VitnemaalProfil-Dokument-utsteder/or").kind == STRUCTURE
    # «only passed grades on a diploma»: sh:or with sh:in and sh:hasValue inside
    assert _rule(rules, "Vitnemaal-dokumenterer-bestaatt/or").kind == DOMAIN


def test_profiles_are_the_profiles_whose_shapes_graph_holds_the_shape(model: Model, rules):
    karakter = _rule(rules, "Vurdering-karakter-kode/in")
    assert set(karakter.profiles) == {n for n, p in model.profiles.items() if (URIRef(karakter.shape), SH.path, None) in p.shapes}
    assert "vitnemaal" in karakter.profiles and "fullfoeringsstatus" not in karakter.profiles
    # The sharing module has no profile yet: its rules are listed all the same.
    assert _rule(rules, "BehandlingsgrunnlagShape/in").profiles == []


def test_messages_in_three_languages_with_missing_ones_as_missing(model: Model, rules):
    toolkit = {r.constraint: r for r in model.toolkit_rules.values()}
    for rule in rules:
        assert set(rule.messages) == set(LANGUAGES)
        assert rule.messages["nb"] and rule.messages["en"], f"{rule.id}: no message in nb or en"
        if rule.id in toolkit:
            assert rule.messages == toolkit[rule.id].messages, rule.id
            continue
        for lang, text in rule.messages.items():
            shape_texts = {str(m) for m in model.shapes.objects(URIRef(rule.shape), SH.message) if m.language == lang}
            sparql_texts = {str(m) for c in model.shapes.objects(URIRef(rule.shape), SH.sparql)
                            for m in model.shapes.objects(c, SH.message) if m.language == lang}
            if text is None:
                assert not shape_texts and not sparql_texts, f"{rule.id}: {lang} message exists but is reported missing"
            else:
                assert text in shape_texts | sparql_texts, f"{rule.id}: {lang} message is not the shape's"


def test_sources_are_the_shapes_with_labels_and_the_external_flag(rules):
    rule = _rule(rules, "Vurdering-karakter-kode/in")
    iris = {s.iri for s in rule.source}
    assert "https://regbok.udir.no/35004/3344/35042-1045665.html" in iris
    assert all(s.external for s in rule.source)
    assert all(s.label.get("nb") for s in rule.source)
    assert is_external("https://lovdata.no/forskrift/2024-06-03-900")
    assert not is_external("https://w3id.org/samt-bu/modell")


def test_a_structure_rule_without_source_names_the_model_term(rules):
    rule = next(r for r in rules if r.kind == STRUCTURE and r.model_only and r.path == "sbu:vurderingsdato")
    assert [s.iri for s in rule.source] == ["https://w3id.org/samt-bu/def/vurderingsdato"]
    assert not rule.source[0].external


def test_an_in_rule_without_source_takes_the_code_lists_source(model: Model):
    """Take away the shape's own dct:source: the rule then cites the code list's dct:source."""
    shape = URIRef(SBUS + "Vurdering-vurderingstype-kode")
    shapes = Graph()
    shapes += model.shapes
    shapes.remove((shape, DCTERMS.source, None))
    scheme = URIRef("https://w3id.org/samt-bu/kode/vurderingstype")
    scheme_sources = {str(s) for s in model.vocab.objects(scheme, DCTERMS.source)}
    assert scheme_sources, "the vurderingstype code list names its source"
    stripped = replace(model, shapes=shapes)
    rule = _rule(collect_rules(stripped), "Vurdering-vurderingstype-kode/in")
    assert {s.iri for s in rule.source} == scheme_sources
    # the cardinality rules (a shape of their own) do not borrow it
    assert _rule(collect_rules(stripped), "Vurdering-vurderingstype/minCount").source[0].iri.startswith("https://w3id.org/")


# -- the rule on sources (issue 13): this test fails while a shape breaks it ------------------------
def test_every_violation_level_domain_rule_cites_an_external_source(rules):
    offenders = unsourced_violations(rules)
    assert offenders == [], (
        "domain rules at Violation without an external source (cite the law, regulation, Udir guide or "
        "standard, or make the rule a Warning and say why): " + ", ".join(r.id for r in offenders)
    )


def test_a_domain_rule_whose_only_source_is_the_model_is_at_most_a_warning(rules):
    offenders = [r.id for r in rules if r.kind == DOMAIN and r.model_only and r.severity == "Violation"]
    assert offenders == []
    for rule in rules:
        if rule.kind == DOMAIN and rule.model_only:
            assert rule.severity in ("Warning", "Info")


def test_the_source_check_catches_an_unsourced_violation(rules):
    """The check itself can fail: a domain Violation citing only the model is caught, a Warning is not,
    and an external source clears it."""
    base = _rule(rules, "Vurdering-karakter-kode/in")
    model_only = [Source("https://w3id.org/samt-bu/modell", {}, False)]
    bad = replace(base, id="X/in", source=model_only)
    warning = replace(bad, id="Y/in", severity="Warning")
    sourced = replace(bad, id="Z/in", source=model_only + [Source("https://lovdata.no/lov/2023-06-09-30", {}, True)])
    structure = replace(bad, id="W/minCount", kind=STRUCTURE)
    assert [r.id for r in unsourced_violations([bad, warning, sourced, structure])] == ["X/in"]


# -- the command --------------------------------------------------------------------------------------
@pytest.fixture
def samtbu(capsys):
    """Run the command in this process (the model is loaded once); returns (exit code, stdout, stderr)."""
    from samtbu.cli import main

    def run(*args: str):
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_cli_json_lists_every_rule_with_the_required_fields(rules, samtbu):
    code, out, err = samtbu("rules", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == len(rules)
    for item in data:
        assert REQUIRED_KEYS <= set(item)
        assert set(item["messages"]) == {"nb", "nn", "en"}
        assert item["kind"] in (STRUCTURE, DOMAIN)
        assert all({"iri", "label", "external"} <= set(s) for s in item["source"])


def test_cli_text_is_the_default_and_filters_by_profile_kind_and_severity(rules, samtbu):
    code, out, err = samtbu("rules", "--profile", "fullfoeringsstatus", "--kind", "domain", "--lang", "en")
    assert code == 0, err
    expected = [r for r in rules if "fullfoeringsstatus" in r.profiles and r.kind == DOMAIN]
    assert out.splitlines()[0].startswith(f"{len(expected)} rules: 0 structure, {len(expected)} domain")
    for rule in expected:
        assert f"\n{rule.id}  [domain, {rule.severity}]" in out
    assert "Vurdering-karakter/in" not in out
    warnings = json.loads(samtbu("rules", "-f", "json", "--severity", "warning")[1])
    assert warnings and {w["severity"] for w in warnings} == {"Warning"}


def test_cli_unknown_profile_is_one_line_and_exit_2(samtbu):
    code, out, err = samtbu("rules", "--profile", "nosuchprofile")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "nosuchprofile" in err


def test_text_shows_missing_nynorsk_as_missing(rules):
    # every rule has a nynorsk message today: take one and drop it, as a rule added without one would be
    import dataclasses

    first = rules[0]
    rule = dataclasses.replace(first, messages={**first.messages, "nn": None})
    text = render_text([rule])
    assert "message nn: (manglar på nynorsk)" in text
    assert f"message nn: {rule.messages['nb']}" not in text


# -- the site page ------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_site_page_lists_every_rule_with_kind_severity_messages_and_sources(model: Model, rules, lang: str):
    from samtbu.generate.site_index import SiteIndex

    text = rules_page(SiteIndex(model), lang).render()
    rows = [line for line in text.splitlines() if line.startswith("| <a id=")]
    assert len(rows) == len(rules)
    for rule in rules:
        assert f"`{rule.id}`" in text
    row = next(r for r in rows if "`Vurdering-karakter-kode/in`" in r)
    assert "https://regbok.udir.no/35004/3344/35042-1045665.html" in row
    # the severity in the page's language (issue 18: no English severity words on nb and nn pages)
    assert {"nb": "domene", "nn": "domene", "en": "domain"}[lang] in row and {"nb": "brudd", "nn": "brot", "en": "violation"}[lang] in row
    assert "profiler/vitnemaal.md" in row
    missing = next((r for r in rules if r.messages["nn"] is None), None)
    if missing is not None:
        row = next(r for r in rows if f"`{missing.id}`" in r)
        nn_cell = row.split("nn: ", 1)[1].split("<br>", 1)[0]
        assert "sbu-missing" in nn_cell and missing.messages["nb"].split()[0] not in nn_cell


def test_site_registers_the_page_in_the_navigation(model: Model):
    from samtbu.generate.rules import PAGE_PATH
    from samtbu.generate.site import SECTIONS, _register_builtin_sections

    _register_builtin_sections()
    section = next(s for s in SECTIONS if s.index == PAGE_PATH)
    assert section.key[0] == "Valideringsregler"


def test_codes_in_the_table_are_notations(rules):
    rule = _rule(rules, "Vurdering-karakter-kode/in")
    assert "https://" not in rule.check and "kar:" not in rule.check
