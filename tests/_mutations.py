"""Known kinds of faults, applied to the plain-JSON examples: the material of the differential tests
(fast engine against pyshacl) and of the faulty records in the benchmark cohort."""

from __future__ import annotations

import copy
from typing import Callable, Iterator


def nodes(doc, type_name: str | None = None) -> Iterator[dict]:
    """Every node object (dict with a type) in document order, optionally of one type."""
    stack = [doc]
    while stack:
        value = stack.pop(0)
        if isinstance(value, dict):
            if "type" in value and (type_name is None or value["type"] == type_name):
                yield value
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _first(doc, type_name):
    return next(nodes(doc, type_name), None)


def _set(type_name, key, value):
    def mutate(doc):
        node = _first(doc, type_name)
        if node is None or (key not in node and value is _DELETE):
            return False
        if value is _DELETE:
            del node[key]
        else:
            node[key] = copy.deepcopy(value)
        return True

    return mutate


_DELETE = object()


def _on_doc(key, value):
    def mutate(doc):
        if key not in doc and value is _DELETE:
            return False
        if value is _DELETE:
            del doc[key]
        else:
            doc[key] = copy.deepcopy(value)
        return True

    return mutate


def _person(key, value):
    def mutate(doc):
        for t in ("Elev", "Laerling", "Laerekandidat", "Privatist", "Praksisbrevkandidat", "Laerende", "Person"):
            node = _first(doc, t)
            if node is not None and "foedselsnummer" in node:
                if value is _DELETE:
                    node.pop(key, None)
                else:
                    node[key] = copy.deepcopy(value)
                return True
        return False

    return mutate


def _drop_id(type_name):
    def mutate(doc):
        node = _first(doc, type_name)
        if node is None or "id" not in node:
            return False
        del node["id"]
        return True

    return mutate


def _all_vurdering(key, value):
    def mutate(doc):
        found = False
        for node in nodes(doc, "Vurdering"):
            node[key] = copy.deepcopy(value)
            found = True
        return found

    return mutate


MUTATIONS: dict[str, Callable[[dict], bool]] = {
    "no-dokumentnummer": _on_doc("dokumentnummer", _DELETE),
    "dokumentnummer-format": _on_doc("dokumentnummer", "V99412375026464211"),
    "dokumentnummer-aar": _on_doc("dokumentnummer", "V994123750201904211"),
    "utstedt-i-fremtiden": _on_doc("utstedelsesdato", "2099-06-19"),
    "utstedelsesdato-ugyldig": _on_doc("utstedelsesdato", "2026-02-30"),
    "dokumentstatus-ukjent": _on_doc("dokumentstatus", "ukjent"),
    "erstatter-seg-selv": lambda doc: "id" in doc and _on_doc("erstatter", {"id": doc["id"]})(doc),
    "karakter-ukjent": _set("Vurdering", "karakter", "7"),
    "karakter-to": _set("Vurdering", "karakter", ["4", "5"]),
    "karakter-mangler": _set("Vurdering", "karakter", _DELETE),
    "karakter-BMG-standpunkt": _set("Vurdering", "karakter", "BMG"),
    "karakter-IV": _set("Vurdering", "karakter", "IV"),
    "karakter-tall": _set("Vurdering", "karakter", 4),
    "vurderingstype-ukjent": _set("Vurdering", "vurderingstype", "heldagsprove"),
    "vurderingstype-mangler": _set("Vurdering", "vurderingstype", _DELETE),
    "vurderingsdato-ugyldig": _set("Vurdering", "vurderingsdato", "2024-6-7"),
    "vurderingsdato-utenfor-skoleaar": _set("Vurdering", "vurderingsdato", "2019-06-07"),
    "skoleaar-ikke-paafoelgende": _set("Vurdering", "skoleaar", "2023-2025"),
    "skoleaar-format": _set("Vurdering", "skoleaar", "23-24"),
    "resultatstatus-foreloepig": _all_vurdering("resultatstatus", "foreloepig"),
    "gjelderFag-ugyldig": _set("Vurdering", "gjelderFag", "NOR 1260"),
    "somPrivatist-tekst": _set("Vurdering", "somPrivatist", "nei"),
    "karakterskala-feil": _set("Vurdering", "karakterskala", "karakterskala-bestaatt"),
    "vurdering-uten-id": _drop_id("Vurdering"),
    "fnr-kontrollsiffer": _person("foedselsnummer", "14830751221"),
    "fnr-lengde": _person("foedselsnummer", "1483075122"),
    "fnr-dato": _person("foedselsnummer", "15830751220"),
    "fnr-mangler": _person("foedselsnummer", _DELETE),
    "foedselsdato-ugyldig": _person("foedselsdato", "2007-13-14"),
    "foedselsdato-etter-vurdering": _person("foedselsdato", "2030-03-14"),
    "fornavn-tomt": _person("fornavn", ""),
    "orgnr-kontrollsiffer": _set("Skole", "organisasjonsnummer", "994123751"),
    "orgnr-bokstaver": _set("Skole", "organisasjonsnummer", "99412375A"),
    "skole-uten-navn": _set("Skole", "navn", _DELETE),
    "skole-type-person": _set("Skole", "type", "Person"),
    "nkr-eqf-ulik": _set("Sluttkompetanse", "eqfNivaa", "5"),
    "kompetansetype-ukjent": _set("Sluttkompetanse", "kompetansetype", "doktorgrad"),
    "yrkestittel-to-nb": _set("Sluttkompetanse", "yrkestittel", {"nb": ["a", "b"], "en": "c"}),
    "oppnaadd-etter-utstedt": _set("Sluttkompetanse", "oppnaaddDato", "2099-01-01"),
    "startaar-ugyldig": _set("Fullfoeringsstatus", "startaar", "abc"),
    "startaar-tosifret": _set("Fullfoeringsstatus", "startaar", "21"),
    "normert-tid-null": _set("Fullfoeringsstatus", "normertTidAar", 0),
    "normert-tid-tekst": _set("Fullfoeringsstatus", "normertTidAar", "tre"),
    "kategori-ukjent": _set("Fullfoeringsstatus", "fullfoeringskategori", "ferdig"),
    "statusdato-ugyldig": _set("Fullfoeringsstatus", "statusPerDato", "01.10.2026"),
    "ukjent-felt": _on_doc("merknad", "fri tekst"),
    "ukjent-type": _on_doc("type", "Attest"),
    "ekstra-egenskap-lukket": _set("Skole", "foedselsnummer", "14830751220"),
}


def mutate(doc: dict, name: str) -> dict | None:
    """A mutated copy, or None when the mutation does not apply to this document."""
    copy_ = copy.deepcopy(doc)
    return copy_ if MUTATIONS[name](copy_) else None
