"""Fuzzing: thousands of mutated payloads in every input format. Each ends in a parsed payload (and,
for a sample, a report) or in a clear input error; none in a crash, a hang or a network attempt."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from samtbu.errors import SamtbuError
from samtbu.model import Model
from samtbu.validate import read_payload, validate

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "examples" / "enkeltresultat"


def _seeds() -> dict[str, bytes]:
    graph = Graph().parse(SEED.with_suffix(".ttl"), format="turtle")
    return {
        "json": SEED.with_suffix(".json").read_bytes(),
        "jsonld": json.dumps({"@context": "https://w3id.org/samt-bu/context/0.1.0", **json.loads(SEED.with_suffix(".json").read_bytes())}).encode(),
        "turtle": SEED.with_suffix(".ttl").read_bytes(),
        "ntriples": graph.serialize(format="nt").encode(),
        "rdfxml": graph.serialize(format="xml").encode(),
    }


SEEDS = _seeds()


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@st.composite
def byte_mutations(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[i] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[i:i] = draw(st.sampled_from([b"{", b"}", b"[", b'"', b"<", b">", b"@", b";", b".", b"\\", b"\x00", b"&", b"<!ENTITY x SYSTEM 'file:///etc/passwd'>", b"http://example.org/", b'"@context": "http://example.org/c",']))
        elif kind == "delete":
            del data[i : i + draw(st.integers(1, 20))]
        elif kind == "truncate":
            del data[i:]
        else:
            j = draw(st.integers(i, min(len(data), i + 200)))
            data[j:j] = data[i:j]
    return bytes(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


@st.composite
def json_mutations(draw) -> dict:
    doc = json.loads(SEEDS["json"])
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.sampled_from(sorted(doc)))
        action = draw(st.sampled_from(["replace", "delete", "add", "nest"]))
        if action == "replace":
            doc[key] = draw(json_values)
        elif action == "delete" and len(doc) > 1:
            del doc[key]
        elif action == "add":
            doc[draw(st.sampled_from(["karakter", "type", "id", "@context", "@id", "@type", "tittel", "x", "@graph", "@reverse"]))] = draw(json_values)
        else:
            doc[key] = {"id": draw(st.text(max_size=10)), "type": draw(st.sampled_from(["Elev", "Skole", "Ukjent", "@id"]))}
    return doc


def _read(data, fmt=None):
    try:
        return read_payload(data, format=fmt)
    except SamtbuError as exc:
        assert exc.exit_code == 2 and str(exc).strip() and "\n" not in str(exc)
        return None


FUZZ = settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_mutated_bytes_end_in_a_payload_or_an_input_error(fmt: str):
    @FUZZ
    @given(byte_mutations(SEEDS[fmt]), st.booleans())
    def check(data: bytes, with_flag: bool):
        _read(data, fmt if with_flag else None)

    check()


def test_mutated_json_structures_end_in_a_payload_or_an_input_error():
    @FUZZ
    @given(json_mutations())
    def check(doc: dict):
        _read(doc)

    check()


def test_a_sample_of_mutated_payloads_ends_in_a_report_or_an_input_error(model: Model):
    """The whole pipeline, on fewer examples: validation is the slow part."""

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.one_of(json_mutations(), byte_mutations(SEEDS["turtle"])))
    def check(data):
        try:
            report = validate(data, profile="enkeltresultat", model=model)
        except SamtbuError as exc:
            assert exc.exit_code == 2
            return
        report.render("text")
        report.render("sarif")

    check()
