"""Released JSON-LD contexts never change: terms added to the model after a version's context was
released are published as extension contexts, one per ontology module (CONVENTIONS.md). The
toolkit reads plain JSON with the whole (base + extensions); a JSON-LD document names the base and
the extensions it uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from samtbu.errors import SamtbuError
from samtbu.generate.context import (
    build_context, context_file_name, context_iri, context_parts, context_reference, parts_used, render_context,
)
from samtbu.jsonld import bundled_context, document_loader
from samtbu.model import Model
from samtbu.validate import read_any, read_payload

REPO = Path(__file__).resolve().parents[1]
EXTENSION_EXAMPLES = ["fagskolevitnemaal-elkraft", "fagskolekarakterutskrift-helse", "emnevurdering", "resultatendring-korrigering"]


def test_every_part_is_released_and_equals_what_the_model_generates(model: Model):
    parts = context_parts(model)
    assert set(parts) >= {"", "fagskole", "endring"}
    for part in parts:
        released = REPO / "contexts" / context_file_name(model.version, part)
        assert released.is_file(), f"{released.name} missing: run `samtbu context -o contexts/`"
        assert released.read_text(encoding="utf-8") == render_context(model, part), released.name


def test_no_context_file_is_left_over(model: Model):
    expected = {context_file_name(model.version, part) for part in context_parts(model)}
    version_files = {p.name for p in (REPO / "contexts").glob(f"samtbu-context-{model.version}*.jsonld")}
    assert version_files == expected


def test_parts_split_the_whole_context_without_overlap(model: Model):
    whole = {k for k in bundled_context(model)["@context"] if not k.startswith("@")} - {"id", "type", "sbu", "xsd"}
    seen: dict[str, str] = {}
    for part, names in context_parts(model).items():
        for name in names:
            assert name not in seen, f"{name} is in the parts {seen[name]!r} and {part!r}"
            seen[name] = part
    assert set(seen) == whole
    # An extension only adds terms: each term is defined as in the whole context.
    for part in context_parts(model):
        for name, definition in build_context(model, part)["@context"].items():
            if not name.startswith("@"):
                assert bundled_context(model)["@context"][name] == definition, (part, name)


def test_fagskole_and_change_terms_live_in_their_extensions(model: Model):
    parts = context_parts(model)
    assert {"Emnevurdering", "studiepoeng", "fagskolekarakter", "Fagskolevitnemaal"} <= set(parts["fagskole"])
    assert {"Korrigering", "endringsgrunn", "versjonsnummer"} <= set(parts["endring"])
    assert "Vurdering" in parts[""] and "karakter" in parts[""]
    assert parts_used(model, {"Vurdering", "Emne"}) == ["", "fagskole"]


@pytest.mark.parametrize("name", EXTENSION_EXAMPLES)
def test_json_ld_naming_the_base_and_its_extensions_reads_as_the_plain_json(name: str, model: Model):
    plain = json.loads((REPO / "examples" / f"{name}.json").read_text(encoding="utf-8"))
    graph = read_payload(plain, model=model).graph
    context = context_reference(model, graph)
    assert isinstance(context, list) and context[0] == context_iri("")
    ld = {"@context": context, **plain}
    for reader in (read_payload, read_any):
        payload = reader(ld, model=model)
        assert not payload.unknown_terms
    assert isomorphic(read_payload(ld, model=model).graph, graph)


def test_the_loader_serves_the_extensions_and_refuses_unknown_ones(model: Model):
    load = document_loader(model)
    doc = load(context_iri("fagskole"))["document"]
    assert set(doc["@context"]) - {"@version", "@protected"} == set(context_parts(model)["fagskole"])
    with pytest.raises(SamtbuError):
        load(context_iri("no-such-module"))
