"""The JSON reader indexes the triples as it reads them (``IndexedTriples``), and the profile is
chosen from the document's top node: both must give exactly what the triples re-indexed by ``Data``
and the profile chosen from all triples give, in the same order (the engine's results and reports
follow the index's order). Checked on every example, every fixture, the examples' mutants and
documents made to hit the unusual paths (a node given twice, a node pointing back at the top one,
repeated values, language maps, native values)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from samtbu.validate.engine import ProfileError, detect_profile_triples
from samtbu.validate.fast.input import _try_fast
from samtbu.validate.fast.terms import B, Data, IndexedTriples

from _mutations import MUTATIONS, mutate

REPO = Path(__file__).resolve().parents[1]
JSON_FILES = sorted((REPO / "examples").glob("*.json")) + sorted(
    p for p in (REPO / "tests" / "fixtures").glob("**/*.json") if not p.name.endswith(".expected.json"))
EXAMPLE_DOCS = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((REPO / "examples").glob("*.json"))]

SBU = "https://w3id.org/samt-bu/def/"
SCHOOL = {"id": "urn:x:skole", "type": "Skole", "navn": "Lyngvik vgs"}
# Documents for the paths the examples do not take (each one read by the fast reader, not left to read_payload).
CRAFTED = {
    "node-given-twice": {"id": "urn:x:v", "type": "Vitnemaal", "utsteder": SCHOOL,
                         "dokumenterer": [{"id": "urn:x:k", "type": "Vurdering", "vurdertAv": SCHOOL},
                                          {"id": "urn:x:k", "type": "Vurdering", "karakter": "5", "vurdertAv": {"id": "urn:x:skole"}}]},
    "top-node-pointed-back-at": {"id": "urn:x:v", "type": "Vitnemaal",
                                 "dokumenterer": [{"id": "urn:x:k", "type": "Vurdering", "vurdertAv": {"id": "urn:x:v", "navn": "x"}}]},
    "nested-node-same-as-top": {"id": "urn:x:v", "type": "Vitnemaal", "utsteder": {"id": "urn:x:v", "type": "Skole", "navn": "y"}},
    "repeated-values": {"id": "urn:x:v", "type": ["Vitnemaal", "Vitnemaal"],
                        "dokumenterer": [{"id": "urn:x:k"}, {"id": "urn:x:k"}, "urn:x:k"]},
    "blank-top-node": {"type": "Vitnemaal", "utsteder": {"type": "Skole", "navn": "z"}, "dokumenterer": [{"type": "Vurdering"}]},
    "untyped-top-node": {"id": "urn:x:v", "utsteder": SCHOOL},
    "two-profiles": {"id": "urn:x:v", "type": ["Vitnemaal", "Kompetansebevis"]},
    "language-map-and-natives": {"id": "urn:x:s", "type": "Skole", "tittel": {"nb": ["a", "a", "b"], "nn": "a"},
                                 "utsteder": {"type": "Skole", "tittel": {"id": "urn:x:c", "en": "c"}}},
}


def _plain_index(triples) -> tuple[list, dict, dict]:
    plain = Data(list(triples))
    return plain.triples, plain.spo, plain.pos


def _ordered(index: dict) -> list:
    return [(k, [(k2, list(v)) for k2, v in inner.items()]) for k, inner in index.items()]


def _profile(triples, model):
    try:
        return detect_profile_triples(triples, model).name
    except ProfileError as e:
        return str(e)


def _check(document, model) -> None:
    read = _try_fast(json.dumps(document, ensure_ascii=False), "json", "<t>", model)
    assert read is not None, "read_payload's reader took it: the fast reader's index is not exercised"
    triples = read.triples
    assert type(triples) is IndexedTriples
    data = Data(triples)
    unique, spo, pos = _plain_index(triples)
    assert list(data.triples) == unique == list(dict.fromkeys(triples))  # no repeats, first occurrence kept
    assert _ordered(data.spo) == _ordered(spo)
    assert _ordered(data.pos) == _ordered(pos)
    assert _profile(triples, model) == _profile(list(triples), model)
    assert triples.root is not None and (type(triples.root) is B or triples.root == document.get("id"))


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_index_and_profile_as_from_the_triples_on_every_example_and_fixture(path: Path, model):
    data = path.read_bytes()
    read = _try_fast(data, None, "<t>", model)
    if read is None:
        pytest.skip("read by read_payload (a fault the fast reader leaves to it)")
    _check(read.document, model)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_index_and_profile_as_from_the_triples_on_mutants(name: str, model):
    checked = 0
    for doc in EXAMPLE_DOCS:
        mutant = mutate(doc, name)
        if mutant is not None and _try_fast(json.dumps(mutant), "json", "<t>", model) is not None:
            _check(mutant, model)
            checked += 1
    if not checked:
        pytest.skip("the mutation makes no payload the fast reader reads")


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_index_and_profile_as_from_the_triples_on_unusual_documents(name: str, model):
    _check(CRAFTED[name], model)


def test_a_node_pointed_back_at_is_no_root(model):
    # the top node is the object of a triple: no root node, so no profile (as from all the triples)
    for name in ("top-node-pointed-back-at", "nested-node-same-as-top"):
        read = _try_fast(json.dumps(CRAFTED[name]), "json", "<t>", model)
        with pytest.raises(ProfileError, match="cannot tell which profile"):
            detect_profile_triples(read.triples, model)
    blank = _try_fast(json.dumps(CRAFTED["blank-top-node"]), "json", "<t>", model).triples
    assert detect_profile_triples(blank, model).name == "vitnemaal"


def test_indexed_triples_survive_pickling(model):
    # (a batch's workers may send payloads between processes)
    read = _try_fast(json.dumps(CRAFTED["node-given-twice"]), "json", "<t>", model)
    again = pickle.loads(pickle.dumps(read.triples))
    assert type(again) is IndexedTriples and again == read.triples and again.root == read.triples.root
    assert _ordered(Data(again).spo) == _ordered(Data(read.triples).spo)
    assert _ordered(Data(again).pos) == _ordered(Data(read.triples).pos)


def test_data_of_a_plain_list_is_built_as_before():
    triples = [("urn:a", SBU + "p", "urn:b"), ("urn:a", SBU + "p", "urn:b"), ("urn:b", SBU + "q", "urn:a")]
    data = Data(triples)
    assert data.triples == triples[:1] + triples[2:]
    assert data.spo == {"urn:a": {SBU + "p": ["urn:b"]}, "urn:b": {SBU + "q": ["urn:a"]}}
    assert data.pos == {SBU + "p": {"urn:b": ["urn:a"]}, SBU + "q": {"urn:a": ["urn:b"]}}


@pytest.mark.parametrize("value", ["18446744073709551616", "1e400", "NaN", '"\\ud800"'])
def test_what_orjson_refuses_is_read_or_refused_by_read_payload_as_before(value: str, model):
    # orjson refuses these (json takes some: integers beyond 64 bits, 1e400 as infinity); the fast
    # path gives them to read_payload, whose graph or error is what the reader gives
    from samtbu.errors import SamtbuError
    from samtbu.validate.fast.input import read_fast
    from samtbu.validate.input import read_payload

    text = '{"id": "urn:x:s", "type": "Skole", "navn": "x", "organisasjonsnummer": %s}' % value
    assert _try_fast(text, None, "<t>", model) is None
    try:
        expected = read_payload(text, model=model)
    except SamtbuError as refused:
        with pytest.raises(type(refused)) as also:
            read_fast(text, model=model)
        assert str(also.value) == str(refused)
    else:
        assert len(read_fast(text, model=model).triples) == len(expected.graph)


# -- the fast reader against read_payload (pyld and rdflib), and its cheap checks ---------------------


def _graph_and_pointers_as_read_payload(data, read, model) -> None:
    """The fast reader's triples are read_payload's graph (pyld's expansion, rdflib's terms) and
    its pointers the same (blank nodes, named differently, at the same set of places)."""
    from rdflib import BNode, URIRef
    from rdflib.compare import isomorphic

    from samtbu.validate.input import read_payload

    slow = read_payload(data, model=model)
    assert isomorphic(read.graph, slow.graph)
    assert len(read.triples) == len(slow.graph)
    assert {k: v for k, v in read.pointers.items() if type(k) is not B} == {
        str(k): v for k, v in slow.pointers.items() if isinstance(k, URIRef)}
    assert sorted(v for k, v in read.pointers.items() if type(k) is B) == sorted(
        v for k, v in slow.pointers.items() if isinstance(k, BNode))
    assert read.unknown_terms == slow.unknown_terms == []


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_triples_and_pointers_as_read_payload_on_every_example_and_fixture(path: Path, model):
    data = path.read_bytes()
    read = _try_fast(data, None, "<t>", model)
    if read is None:
        pytest.skip("read by read_payload (a fault the fast reader leaves to it)")
    _graph_and_pointers_as_read_payload(data, read, model)


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_triples_and_pointers_as_read_payload_on_unusual_documents(name: str, model):
    text = json.dumps(CRAFTED[name])
    _graph_and_pointers_as_read_payload(text, _try_fast(text, None, "<t>", model), model)


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_the_counts_the_duplicate_key_check_takes(path: Path, model):
    # with no backslash in the text, each '"' opens or closes a key or a string value: the counts
    # the reader gives ``duplicate_keys`` (so that it need not read the text again) must be exact
    text = path.read_text(encoding="utf-8")
    read = _try_fast(text, None, "<t>", model)
    if read is None or "\\" in text:
        pytest.skip("not read by the fast reader, or a backslash in the text")
    assert text.count('"') == 2 * (read.key_count + read.string_count)


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_the_counts_on_unusual_documents(name: str, model):
    for text in (json.dumps(CRAFTED[name]), json.dumps(CRAFTED[name], indent=2)):
        read = _try_fast(text, None, "<t>", model)
        assert text.count('"') == 2 * (read.key_count + read.string_count)


@pytest.mark.parametrize("given_twice", [
    '{"id": "urn:x:s", "type": "Skole", "navn": "a", "navn": "b"}',
    '{"id": "urn:x:s", "type": "Skole", "navn": "a", "utsteder": {"type": "Skole", "navn": "x", "navn" : "y"}}',
    '{"id": "urn:x:s", "type": "Skole", "tittel": {"nb": "a", "nb": "b"}}',
    '{"id": "urn:x:s", "type": "Skole", "navn": "a", "navn": 4}',
    '{"id": "urn:x:s", "type": "Skole", "navn": ["a"], "navn": ["a", "b"]}',
    '{"id": "urn:x:s", "type": "Skole", "navn": "a\\u0041", "navn": "b"}',
])
def test_a_key_given_twice_is_left_to_read_payload_which_reports_it(given_twice: str, model):
    from samtbu.validate.fast.input import read_fast

    assert _try_fast(given_twice, None, "<t>", model) is None
    read = read_fast(given_twice, model=model)
    assert [kind for _pointer, _key, kind in read.unknown_terms] == ["duplicate"]


@pytest.mark.parametrize("junk", [
    b"\xed\xa0\x80", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf5\x80\x80\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80", b"\xff",
    b"\xef\xbb\xbf", "æøå".encode(), "\u2028".encode(), "\U0001F600".encode(),
])
def test_bytes_read_without_their_text_only_when_they_are_utf8(junk: bytes, model):
    # a payload with no backslash is parsed from its bytes, never decoded to text: whatever the
    # decoder refuses must be left to read_payload (which reports it), the rest read as it reads it
    for data in (b'{"id": "urn:x:s", "type": "Skole", "navn": "a' + junk + b'"}', b'{"id": "urn:x:s", "type": "Skole"}' + junk,
                 b"\xef\xbb\xbf" + b'{"type": "Skole", "navn": "' + junk + b'"}'):
        read = _try_fast(data, None, "<t>", model)
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            assert read is None
            continue
        if read is not None:
            _graph_and_pointers_as_read_payload(data, read, model)


@pytest.mark.parametrize("node_id,ok", [
    ("urn:uuid:5e25f046-52c5-5463-9e8e-5836bf260bc7", True), ("https://example.org/a", True),
    ("tag:x.no,2026:a", True), ("ex+1.a-b:x", True), ("urn:x:æøå", True), ("urn:x:a\n", True),
    ("urn:x:a b", False), ("urn:x:a\u00a0b", False), ("urn:x:a\u2003", False), ("urn:x:a<b", False),
    ("urn:x:a>b", False), ('urn:x:"', False), ("urn:x:{", False), ("urn:x:a\tb", False), ("urn:x:a\n\n", False),
    ("urn:x:\x1f", False), ("1urn:x", False), ("urn", False), (":x", False), ("relative/id", False), ("", False),
    ("urn:samtbu:json-pointer:/a", False), ("urn:samtbu:json-pointer", True),
])
def test_node_ids_are_checked_all_at_once_as_one_at_a_time(node_id: str, ok: bool):
    from samtbu.validate.fast.input import _SUBJECT_IRI, _subjects_ok

    assert (_SUBJECT_IRI.match(node_id) is not None) is ok
    good = ["urn:uuid:1", "https://example.org/b"]
    assert _subjects_ok([node_id]) is ok
    assert _subjects_ok([*good, node_id]) is ok
    assert _subjects_ok([node_id, *good]) is ok


def test_a_node_id_first_given_as_a_language_map_text_is_still_checked(model):
    # "id" is a language tag: its text is no subject; the same text as a node's id later is one
    text = json.dumps({"id": "urn:x:a", "type": "Skole", "tittel": {"id": "not an IRI"},
                       "utsteder": {"id": "not an IRI", "type": "Skole"}})
    assert _try_fast(text, None, "<t>", model) is None
    text = json.dumps({"id": "urn:x:a", "type": "Skole", "tittel": {"id": "not an IRI"}})
    assert _try_fast(text, None, "<t>", model) is not None


@pytest.mark.parametrize("path", sorted((REPO / "examples").glob("*.json")), ids=lambda p: p.name)
def test_bytes_with_a_byte_order_mark_and_text_read_as_the_bytes(path: Path, model):
    # orjson parses the bytes (less a byte order mark), not the text decoded from them
    import codecs

    data = path.read_bytes()
    read = _try_fast(data, None, "<t>", model)
    for other in (codecs.BOM_UTF8 + data, data.decode("utf-8")):
        again = _try_fast(other, None, "<t>", model)
        assert list(again.triples) == list(read.triples) and again.key_count == read.key_count
        assert again.document == read.document
