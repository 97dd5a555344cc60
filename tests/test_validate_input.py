"""Bad input never ends in a traceback: exit code 2 and one line that names the problem."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import URIRef

from samtbu.validate import InputError, read_payload


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "samtbu.cli", *args], input=stdin, capture_output=True, timeout=300
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    stderr = result.stderr.decode()
    assert result.returncode == 2, (result.returncode, stderr)
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


CASES = {
    "malformed-json": ("payload.json", b'{"type": "Vurdering", "karakter": }', ["malformed JSON", "(line 1, column 35)"]),
    "malformed-turtle": ("payload.ttl", b"@prefix sbu: <https://w3id.org/samt-bu/def/> .\n<urn:x> a sbu:Vurdering ;", ["malformed Turtle"]),
    "unknown-context": (
        "payload.jsonld",
        json.dumps({"@context": "https://example.org/evil-context.jsonld", "@id": "urn:x"}).encode(),
        ["https://example.org/evil-context.jsonld", "refused"],
    ),
    "xml-external-entity": (
        "payload.rdf",
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="urn:x">'
        b"<rdf:value>&xxe;</rdf:value></rdf:Description></rdf:RDF>",
        ["entity"],
    ),
    "billion-laughs": (
        "payload.rdf",
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
        ["entity"],
    ),
    "empty": ("payload.json", b"   \n", ["empty"]),
    "not-utf8": ("payload.ttl", b"\xff\xfe<urn:x> <urn:y> <urn:z> .", ["UTF-8"]),
    "json-scalar": ("payload.json", b"42", ["non-empty object"]),
    "json-nan": ("payload.json", b'{"id": "urn:x", "rang": NaN}', ["NaN"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_exit_2_and_one_line(case: str, tmp_path: Path):
    name, content, needles = CASES[case]
    path = tmp_path / name
    path.write_bytes(content)
    assert_one_line_error(run_cli("validate", "--profile", "enkeltresultat", str(path)), str(path) if case != "unknown-context" else "", *needles)


def test_wrong_format_flag_is_a_usage_error(tmp_path: Path):
    path = tmp_path / "p.json"
    path.write_text("{}")
    result = run_cli("validate", "--format", "yaml", str(path))
    assert result.returncode == 2
    assert b"invalid choice: 'yaml'" in result.stderr
    assert b"Traceback" not in result.stderr


def test_format_flag_that_does_not_fit_the_content(tmp_path: Path):
    path = tmp_path / "p.json"
    path.write_text('{"id": "urn:x"}')
    assert_one_line_error(run_cli("validate", "--format", "turtle", "--profile", "enkeltresultat", str(path)), "malformed Turtle")


def test_missing_file(tmp_path: Path):
    assert_one_line_error(run_cli("validate", str(tmp_path / "nope.json")), "no such file")


def test_unknown_profile(tmp_path: Path):
    path = tmp_path / "p.ttl"
    path.write_text("<urn:x> <urn:y> <urn:z> .")
    assert_one_line_error(run_cli("validate", "--profile", "no-such-profile", str(path)), "unknown profile")


def test_fifty_megabyte_payload_is_refused_before_parsing(tmp_path: Path):
    path = tmp_path / "big.json"
    with path.open("wb") as f:
        f.write(b'{"id": "urn:x", "navn": "')
        f.write(b"a" * (50 * 1024 * 1024))
        f.write(b'"}')
    line = assert_one_line_error(run_cli("validate", "--profile", "enkeltresultat", str(path)), "over the limit")
    assert "52,428,8" in line


def test_deep_nesting_is_refused():
    deep = {"id": "urn:x"}
    for _ in range(200):
        deep = {"dokumenterer": deep}
    with pytest.raises(InputError, match="nested deeper"):
        read_payload(deep)


@pytest.mark.parametrize("levels", [200, 5000])
def test_deep_nesting_of_a_parsed_dict_is_refused_by_both_engines(levels: int):
    from samtbu.validate import read_any

    deep = {"id": "urn:x"}
    for _ in range(levels):
        deep = {"dokumenterer": deep}
    for engine in ("fast", "pyshacl"):
        with pytest.raises(InputError, match="nested deeper"):
            read_any(deep, engine=engine)


def test_stdin_is_read(tmp_path: Path):
    result = run_cli("validate", "--profile", "enkeltresultat", "-", stdin=b"")
    assert_one_line_error(result, "<stdin>", "empty")


def test_remote_context_inside_a_nested_node_is_refused():
    doc = {"id": "urn:x", "dokumenterer": {"@context": "http://example.org/c", "id": "urn:y"}}
    with pytest.raises(InputError, match="refused"):
        read_payload(doc)


# -- the fast reader's one walk over plain JSON: depth limit and pointers as read_payload's -----------

from rdflib import BNode, URIRef  # noqa: E402

from samtbu.validate.fast.input import _try_fast, read_fast  # noqa: E402
from samtbu.validate.fast.terms import B  # noqa: E402
from samtbu.validate.input import MAX_DEPTH  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _chain(levels: int, leaf: dict) -> dict:
    doc = {"id": "urn:x:leaf", **leaf}
    for _ in range(levels):
        doc = {"type": "Skole", "utsteder": doc}
    return doc


def _same_pointers(fast, slow) -> None:
    """Ids point at the same places; blank nodes (named differently) at the same set of places."""
    assert {k: v for k, v in fast.pointers.items() if not isinstance(k, B)} == {
        str(k): v for k, v in slow.pointers.items() if isinstance(k, URIRef)
    }
    assert sorted(v for k, v in fast.pointers.items() if isinstance(k, B)) == sorted(
        v for k, v in slow.pointers.items() if isinstance(k, BNode)
    )


# (levels of nesting that reach exactly MAX_DEPTH, what the innermost node holds)
DEPTH_CASES = [(MAX_DEPTH - 2, {"navn": "x"}), (MAX_DEPTH - 3, {"navn": ["x"]}), (MAX_DEPTH - 4, {"tittel": {"nb": ["x"]}})]


@pytest.mark.parametrize("levels,leaf", DEPTH_CASES)
def test_fast_reader_depth_limit_same_as_read_payload(levels: int, leaf: dict, model):
    at_limit = json.dumps(_chain(levels, leaf))
    fast = _try_fast(at_limit, None, "<t>", model)
    assert fast is not None
    _same_pointers(fast, read_payload(at_limit, model=model))
    over = json.dumps(_chain(levels + 1, leaf))
    assert _try_fast(over, None, "<t>", model) is None
    with pytest.raises(InputError, match=f"nested deeper than {MAX_DEPTH} levels"):
        read_fast(over, model=model)


@pytest.mark.parametrize("path", sorted((REPO / "examples").glob("*.json")), ids=lambda p: p.name)
def test_fast_reader_pointers_same_as_read_payload(path: Path, model):
    fast = _try_fast(path.read_bytes(), None, "<t>", model)
    assert fast is not None
    _same_pointers(fast, read_payload(path.read_bytes(), model=model))


def test_fast_reader_language_map_tagged_id_is_pointed_at_like_read_payload(model):
    # "id" is a language tag (Indonesian); read_payload's id pointers take such a map for a node
    text = json.dumps({"id": "urn:x:a", "type": "Skole", "utsteder": {"type": "Skole", "tittel": {"id": "urn:x:b", "nb": "t"}}})
    fast = _try_fast(text, None, "<t>", model)
    assert fast is not None and fast.pointers["urn:x:b"] == "/utsteder/tittel"
    _same_pointers(fast, read_payload(text, model=model))


def test_fast_reader_checks_a_value_again_in_another_field(model):
    """Values already accepted are remembered per field: an IRI good as a reference is no code."""
    as_reference = json.dumps({"id": "urn:x:a", "type": "Skole", "utsteder": "urn:x:c"})
    first = _try_fast(as_reference, None, "<t>", model)
    assert first is not None and ("urn:x:a", "https://w3id.org/samt-bu/def/utsteder", "urn:x:c") in first.triples
    assert _try_fast(as_reference, None, "<t>", model).triples == first.triples
    assert _try_fast(json.dumps({"id": "urn:x:a", "type": "Skole", "karakter": "urn:x:c"}), None, "<t>", model) is None


# -- relative IRIs: a payload has no base, so they are refused, naming where they are ---------------

ENKELTRESULTAT = Path(__file__).resolve().parents[1] / "examples" / "enkeltresultat.json"


def _with_ids(**ids) -> dict:
    doc = json.loads(ENKELTRESULTAT.read_text(encoding="utf-8"))
    for pointer, value in ids.items():
        node = doc
        for step in pointer.split("__")[:-1]:
            node = node[step]
        node[pointer.split("__")[-1]] = value
    return doc


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
@pytest.mark.parametrize("ids, needles", [
    ({"id": "vurdering-1"}, ["relative id at /id ('vurdering-1')"]),
    ({"id": "vurdering-1", "gjelderLaerende__id": "../elev/7"},
     ["relative ids at /id ('vurdering-1'), /gjelderLaerende/id ('../elev/7')"]),
    ({"gjelderLaerende__id": "//other.host/elev/7"}, ["/gjelderLaerende/id ('//other.host/elev/7')"]),
    ({"id": ""}, ["relative id at /id ('')"]),
    # an identity number as id: named by its field, masked, and not confused with the field that holds it as text
    ({"id": "27810970230"}, ["relative id at /id ('278109*****')"]),
    ({"vurdertAv": "skoler/lyngvik"}, ["relative IRI reference at /vurdertAv ('skoler/lyngvik')"]),
], ids=["root", "two", "network-path", "empty", "identity-number", "reference"])
def test_relative_ids_are_refused_by_the_python_api(ids, needles, engine):
    from samtbu.validate import validate

    with pytest.raises(InputError) as refused:
        validate(_with_ids(**ids), "enkeltresultat", engine=engine)
    message = str(refused.value)
    for needle in needles:
        assert needle in message, message
    assert "example.org" not in message and "27810970230" not in message
    assert "absolute IRI" in message


def test_a_relative_id_in_a_list_of_records_is_named_by_its_record():
    from samtbu.validate import validate

    doc = _with_ids()
    with pytest.raises(InputError, match=r"relative id at /@graph/1/id \('b'\)"):
        validate([doc, {**doc, "id": "b"}], "enkeltresultat")


def test_relative_id_gives_exit_2_and_one_line(tmp_path: Path):
    path = tmp_path / "relativ.json"
    path.write_text(json.dumps(_with_ids(id="vurdering-1")), encoding="utf-8")
    line = assert_one_line_error(run_cli("validate", str(path)), str(path), "relative id at /id ('vurdering-1')")
    assert "example.org" not in line


def test_a_base_the_json_ld_payload_declares_is_used():
    from samtbu.validate import validate

    doc = _with_ids(id="vurdering-1")
    doc["@context"] = ["https://w3id.org/samt-bu/context/0.1.0", {"@base": "https://skole.example/"}]
    report = validate(doc, "enkeltresultat", format="jsonld")
    assert report.conforms
    payload = read_payload(doc, format="jsonld")
    assert (URIRef("https://skole.example/vurdering-1"), None, None) in payload.graph


def test_a_null_base_is_refused_rather_than_dropping_facts():
    doc = _with_ids(id="vurdering-1")
    doc["@context"] = ["https://w3id.org/samt-bu/context/0.1.0", {"@base": None}]
    with pytest.raises(InputError, match="@base"):
        read_payload(doc, format="jsonld")


@pytest.mark.parametrize("format, text, needle", [
    ("turtle", "@prefix sbu: <https://w3id.org/samt-bu/def/> .\n<vurdering-1> a sbu:Vurdering .", "<vurdering-1> at line 2"),
    ("rdfxml", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:s="https://w3id.org/samt-bu/def/">'
               '<s:Vurdering rdf:about="vurdering-1"/></rdf:RDF>', "<vurdering-1>"),
])
def test_relative_iris_in_rdf_are_refused_not_resolved_against_the_working_directory(format, text, needle):
    with pytest.raises(InputError) as refused:
        read_payload(text, format=format)
    assert needle in str(refused.value) and "file:" not in str(refused.value)


def test_a_base_the_turtle_payload_declares_is_used():
    text = "@base <https://skole.example/> .\n@prefix sbu: <https://w3id.org/samt-bu/def/> .\n<vurdering-1> a sbu:Vurdering ."
    assert (URIRef("https://skole.example/vurdering-1"), None, None) in read_payload(text, format="turtle").graph


@pytest.mark.parametrize("data,said", [
    # found by hypothesis (test_fuzz_pipeline): both crashed the readers with a traceback
    (b'{"@context": "https://w3id.org/samt-bu/context", "navn": "\\ud800"}', "the string at /navn holds a lone UTF-16 surrogate"),
    (b'{"x": [{"k\\udc00": 1}]}', "the string at /x/0/k\\udc00 holds a lone UTF-16 surrogate"),
    (b'<?xml version="1.0" encoding="u-f-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
     "malformed RDF/XML: unknown encoding: u-f-8"),
])
def test_lone_surrogates_and_unknown_xml_encodings_are_one_clear_error(data: bytes, said: str):
    from samtbu.errors import SamtbuError
    from samtbu.validate import read_any
    from samtbu.validate.fast.input import read_fast

    for reader in (read_any, read_fast):
        with pytest.raises(SamtbuError) as caught:
            reader(data)
        assert said in str(caught.value)
        str(caught.value).encode("utf-8")  # the message itself can be printed


def test_a_surrogate_pair_is_one_character_and_reads():
    from samtbu.validate import read_any

    read_any(b'{"@context": "https://w3id.org/samt-bu/context", "@id": "urn:uuid:6f1c5a55-2d2f-4a39-9f1b-2d4b7c1e9a10", "navn": "\\ud83d\\ude00"}')
