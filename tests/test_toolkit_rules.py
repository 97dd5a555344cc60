"""The rules the toolkit checks itself (unknown JSON keys and types, a key given twice, the cross-record
rules of a batch) are model data, ``shapes/verktoey/regler.ttl``: severity, kind, sources and the nb/nn/en
messages come from there, and the code only finds where they apply."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import URIRef

from samtbu.generate.rules import DOMAIN, STRUCTURE, collect_rules, unsourced_violations
from samtbu.model import LANGUAGES, Model, ModelError, fill_template, read_toolkit_rules

EXPECTED = {  # name -> (severity, kind, scope)
    "UnknownField": ("Violation", STRUCTURE, "PerPost"),
    "UnknownType": ("Violation", STRUCTURE, "PerPost"),
    "DuplicateKey": ("Warning", STRUCTURE, "PerPost"),
    "Unreadable": ("Violation", STRUCTURE, "PerPost"),
    "DuplicateRecord": ("Violation", DOMAIN, "PaaTversAvPoster"),
    "DuplicateDocumentNumber": ("Violation", DOMAIN, "PaaTversAvPoster"),
    "DuplicateValidVitnemaal": ("Warning", DOMAIN, "PaaTversAvPoster"),
}


def test_every_rule_has_severity_kind_scope_messages_and_sources(model: Model):
    rules = model.toolkit_rules
    assert {name: (r.severity, r.kind, str(r.scope).rsplit("#", 1)[1]) for name, r in rules.items()} == EXPECTED
    for name, rule in rules.items():
        assert set(rule.messages) == set(LANGUAGES), name
        assert set(rule.names) == set(LANGUAGES) and set(rule.descriptions) == set(LANGUAGES), name
        assert rule.sources, f"{name}: no dct:source"
        assert rule.constraint == f"samtbu:{name}"
    # a domain rule at Violation cites an external source (GUIDE: domain truth), as the shapes do
    assert unsourced_violations([r for r in collect_rules(model) if r.id.startswith("samtbu:")]) == []


def test_templates_are_filled_as_shacl_message_templates():
    assert fill_template("Felt «{?name}» ({?n})", {"name": "x", "n": 3}) == "Felt «x» (3)"
    assert fill_template("{not a variable} {?name}", {"name": "y"}) == "{not a variable} y"


def test_a_language_without_text_falls_back_to_english(model: Model):
    rule = model.toolkit_rule("UnknownField")
    assert rule.message("de", name="x") == rule.message("en", name="x")
    assert rule.expected_text("de") == "a term of the samtbu context"
    assert model.toolkit_rule("DuplicateKey").expected_text("nb") is None


def test_an_unknown_rule_name_is_a_model_error(model: Model):
    with pytest.raises(ModelError, match="NoSuchRule"):
        model.toolkit_rule("NoSuchRule")


def test_a_rule_without_a_message_in_each_language_is_a_broken_model_file(model: Model, tmp_path: Path):
    text = (model.root / "shapes" / "verktoey" / "regler.ttl").read_text(encoding="utf-8")
    broken = tmp_path / "regler.ttl"
    broken.write_text(text.replace('"Ukjend felt «{?name}»: det er ikkje eit omgrep i modellen, og innhaldet ville gått tapt."@nn ,', ""),
                      encoding="utf-8")
    with pytest.raises(ModelError, match="UnknownField lacks a message in nn"):
        read_toolkit_rules([broken])


@pytest.fixture(scope="module")
def edited_model(tmp_path_factory) -> Model:
    """A copy of the model whose rules file says other words: the reports must follow it."""
    root = tmp_path_factory.mktemp("model")
    source = Model.load().root
    for folder in ("ontology", "vocab", "shapes", "contexts"):
        shutil.copytree(source / folder, root / folder)
    rules = root / "shapes" / "verktoey" / "regler.ttl"
    text = rules.read_text(encoding="utf-8")
    text = text.replace("Ukjent felt «{?name}»", "Feltet «{?name}» finnes ikke")
    text = text.replace("Posten med id {?id} forekommer", "Id {?id} går igjen")
    text = text.replace('"og {?n} til"@nb', '"pluss {?n}"@nb')
    rules.write_text(text, encoding="utf-8")
    return Model.load(root)


def test_unknown_field_messages_are_read_from_the_model(edited_model: Model):
    from samtbu.validate import validate_payload
    from samtbu.validate.fast.input import read_fast

    data = json.loads((Model.load().root / "examples" / "enkeltresultat.json").read_text(encoding="utf-8"))
    data["hemmeligFelt"] = "x"
    payload = read_fast(data, model=edited_model)
    record = validate_payload(payload, "enkeltresultat", lang="nb", model=edited_model)
    [result] = [r for r in record.results if r.constraint == "samtbu:UnknownField"]
    assert result.message.startswith("Feltet «hemmeligFelt» finnes ikke")
    messages = {str(m) for m in record.shacl_report.objects(None, None) if getattr(m, "language", None) == "nb"}
    assert any(m.startswith("Feltet «hemmeligFelt» finnes ikke") for m in messages)


def test_cross_record_messages_are_read_from_the_model(edited_model: Model):
    from samtbu.validate.batch import CrossRecordIndex, Facts

    index = CrossRecordIndex()
    for n in range(6):
        facts = Facts(f"r{n}.json")
        facts.roots = ["https://example.org/record/1"]
        index.add(facts)
    reports = index.results("nb", edited_model)
    assert len(reports) == 6
    message = reports[0].results[0].message
    assert message.startswith("Id https://example.org/record/1 går igjen 6 ganger") and "pluss 2" in message
    assert reports[0].results[0].severity == "Violation"


@pytest.mark.parametrize(("lang", "more"), [("nb", "og 2 til"), ("nn", "og 2 til"), ("en", "and 2 more")])
def test_the_other_records_are_counted_in_the_reports_language(model: Model, lang: str, more: str):
    from samtbu.validate.batch import CrossRecordIndex, Facts

    index = CrossRecordIndex()
    for n in range(6):
        facts = Facts(f"r{n}.json")
        facts.roots = ["https://example.org/record/1"]
        index.add(facts)
    message = index.results(lang, model)[0].results[0].message
    assert message.endswith(f"r1.json, r2.json, r3.json, {more}).")


# -- the rules of an event stream (shapes/verktoey/hendelser.ttl, samtbu.events.rules) ----------------

def test_every_event_rule_is_model_data_with_three_messages_a_severity_and_a_source(model: Model):
    """The event rules are read from the model as the toolkit's other rules are, kept apart from them
    (no payload or batch is checked against them), and each states what a rule of the model must."""
    from samtbu.events.rules import RULES
    from samtbu.generate.rules import is_external

    rules = model.event_rules
    assert len(rules) == 18 and not rules.keys() & model.toolkit_rules.keys()
    assert set(RULES) == set(rules)
    for name, rule in rules.items():
        assert rule.severity in ("Violation", "Warning"), name
        assert rule.kind in (STRUCTURE, DOMAIN), name
        assert str(rule.scope).rsplit("#", 1)[1] == ("PerHendelse" if rule.kind == STRUCTURE else "IHistorikken"), name
        assert set(rule.messages) == set(LANGUAGES) and len(set(rule.messages.values())) == 3, name
        # InternalError is the toolkit's own failure, not a rule of the data: it has nothing to cite.
        assert len(rule.sources) == (0 if name == "InternalError" else 1), f"{name}: one dct:source"
        if rule.severity == "Violation" and rule.sources:
            assert is_external(str(rule.sources[0])), f"{name}: a Violation cites only the model"
        assert rule.module == URIRef("https://w3id.org/samt-bu/shapes/verktoey/hendelser"), name
        # what the checks use is what the model says, with the templates in Python's form
        used = RULES[name]
        assert (used.severity, used.source) == (rule.severity, "".join(map(str, rule.sources))), name
        assert used.message("nn", **dict.fromkeys(_variables(rule.messages["nn"]), "X")) == rule.message("nn", **dict.fromkeys(_variables(rule.messages["nn"]), "X")), name
    assert RULES["EventType"].source == "https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md#type"
    assert RULES["EventIdReused"].nb == ("Kilde {source} og id {id} er brukt før (linje {line}) for en annen hendelse; "
                                         "kilde og id skal være unike for hver hendelse.")


def _variables(template: str) -> set[str]:
    from samtbu.model import TEMPLATE_VARIABLE

    return {m.group(1) for m in TEMPLATE_VARIABLE.finditer(template)}


def test_an_unreadable_record_is_one_rule_of_the_model_named_in_one_place(model: Model):
    """samtbu:Unreadable is defined in shapes/verktoey/regler.ttl, and the SHACL report and the batch
    summary name it by the one constant of samtbu.namespaces."""
    from samtbu.namespaces import UNREADABLE, UNREADABLE_ID
    from samtbu.validate.render import shacl_graph
    from samtbu.validate.report import RecordReport, Report
    from rdflib.namespace import SH

    rule = model.toolkit_rule("Unreadable")
    assert rule.iri == UNREADABLE and rule.constraint == UNREADABLE_ID
    assert rule.severity == "Violation" and rule.sources
    report = Report(records=[RecordReport(source="a.json", format="json", profile="vitnemaal", error="malformed JSON")])
    graph = shacl_graph(report)
    assert list(graph.objects(None, SH.sourceConstraintComponent)) == [UNREADABLE]
