"""The JSON Schema per profile: deterministic, valid 2020-12, every valid example passes, and a
structural fault fails at the JSON Pointer the SHACL report names."""

from __future__ import annotations

import copy
import inspect
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from samtbu.generate.jsonschema import build_schema, error_pointers, render_schema, schema_id
from samtbu.model import Model
from samtbu.validate import validate

MODEL = Model.load()
PROFILES = sorted(MODEL.profiles)
EXAMPLE_PROFILE = {
    "vitnemaal-studiespesialisering": "vitnemaal",
    "vitnemaal-yrkeskompetanse": "vitnemaal",
    "kompetansebevis-delvis": "kompetansebevis",
    "fagbrev-elektriker": "fagbrev",
    "enkeltresultat": "enkeltresultat",
    "fullfoeringsstatus": "fullfoeringsstatus",
}
INVALID_DIR = Path(__file__).parent / "fixtures" / "invalid"


def _example(name: str) -> dict:
    return json.loads((MODEL.root / "examples" / f"{name}.json").read_text(encoding="utf-8"))


def _normalise(pointer: str) -> str:
    """A schema error names the offending item or the "type" key of a nested node; SHACL names the
    property of the focus node. Reduce both to the property."""
    pointer = re.sub(r"/type$", "", pointer)
    return re.sub(r"/[0-9]+$", "", pointer)


def _shacl_violations(data, profile: str) -> set[str]:
    # The reference is pyshacl: where the validator offers other engines, the comparison uses it.
    options = {"engine": "pyshacl"} if "engine" in inspect.signature(validate).parameters else {}
    report = validate(data, profile=profile, **options)
    return {r.pointer for rec in report.records for r in rec.results if r.severity == "Violation" and r.pointer is not None}


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict]:
    return {name: build_schema(MODEL, name) for name in PROFILES}


@pytest.mark.parametrize("profile", PROFILES)
def test_schema_is_valid_2020_12_and_deterministic(profile, schemas):
    schema = schemas[profile]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == schema_id(MODEL.version, profile)
    assert schema["$id"] == f"https://w3id.org/samt-bu/schema/{MODEL.version}/{profile}.json"
    assert render_schema(MODEL, profile) == render_schema(MODEL, profile)


def test_codes_are_enums_with_labels(schemas):
    vurdering = schemas["vitnemaal"]["$defs"]["Vurdering"]["properties"]
    karakter = vurdering["karakter"]
    assert {"1", "6", "IV", "BM"} <= set(karakter["enum"])
    assert karakter["x-labels"]["IV"]["nb"] == "Ikke vurderingsgrunnlag"
    assert set(karakter["x-labels"]["4"]) == {"nb", "nn", "en"}
    # Udir's data systems write BM; BMG is an accepted alias and ID a retired code (SHACL warns)
    assert karakter["x-aliases"] == {"BMG": "BM"} and karakter["x-deprecated"] == ["ID"]
    assert vurdering["gjelderFag"]["pattern"] == "^[A-Za-z0-9]+$"  # the Grep IRI pattern, on the code
    kompetanse = schemas["vitnemaal"]["$defs"]["Sluttkompetanse"]["properties"]
    assert kompetanse["programomraade"]["pattern"] == "^[A-Za-z0-9]{6}[A-Za-z0-9-]{4}$"
    assert "pattern" not in kompetanse["utdanningsprogram"]  # its form rule is a warning
    assert schemas["vitnemaal"]["$defs"]["Vitnemaal"]["properties"]["dokumentnummer"]["pattern"] == "^[VK][0-9]{18}$"


def test_closed_shapes_forbid_other_properties(schemas):
    for profile in PROFILES:
        for name, definition in schemas[profile]["$defs"].items():
            if "x-class" in definition:
                assert definition["additionalProperties"] is False, (profile, name)


@pytest.mark.parametrize("example", sorted(EXAMPLE_PROFILE))
def test_every_valid_example_passes(example, schemas):
    profile = EXAMPLE_PROFILE[example]
    data = _example(example)
    errors = error_pointers(schemas[profile], data)
    violations = _shacl_violations(copy.deepcopy(data), profile)
    if not violations:
        assert errors == [], errors
    else:  # the example is not valid right now (the model is being edited): the schema agrees with SHACL
        assert {_normalise(p) for p, _ in errors} <= {_normalise(v) for v in violations}, (errors, violations)


def _mutate(data: dict, pointer: str, value=None, *, delete: bool = False) -> dict:
    data = copy.deepcopy(data)
    parts = pointer.strip("/").split("/")
    node = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key = int(parts[-1]) if isinstance(node, list) else parts[-1]
    if delete:
        del node[key]
    else:
        node[key] = value
    return data


# Structural faults: (profile, example, where, new value or DELETE, the pointer both must name).
DELETE = object()
STRUCTURAL = [
    ("vitnemaal", "vitnemaal-studiespesialisering", "/dokumentnummer", DELETE, "/dokumentnummer"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/dokumenterer/1/karakter", "7", "/dokumenterer/1/karakter"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/dokumentnummer", "V26-1", "/dokumentnummer"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/utstedelsesdato", 20260619, "/utstedelsesdato"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/utstedtTil/navn", "Maren", "/utstedtTil/navn"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/utstedtTil/telefon", "12345678", "/utstedtTil/telefon"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/utstedtTil/foedselsnummer", DELETE, "/utstedtTil/foedselsnummer"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/dokumenterer/1/type", "Foo", "/dokumenterer/1/type"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/utsteder/type", "Proevenemnd", "/utsteder"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/dokumenterer/0", DELETE, "/dokumenterer"),
    ("kompetansebevis", "kompetansebevis-delvis", "/utsteder", DELETE, "/utsteder"),
    ("kompetansebevis", "kompetansebevis-delvis", "/dokumenterer/2/vurderingstype", "foo", "/dokumenterer/2/vurderingstype"),
    ("fagbrev", "fagbrev-elektriker", "/dokumenterer/1/karakter", "A", "/dokumenterer/1/karakter"),
    ("enkeltresultat", "enkeltresultat", "/somPrivatist", "nei", "/somPrivatist"),
    ("enkeltresultat", "enkeltresultat", "/skoleaar", "2025/26", "/skoleaar"),
    ("enkeltresultat", "enkeltresultat", "/vurdertAv/organisasjonsnummer", DELETE, "/vurdertAv/organisasjonsnummer"),
    ("fullfoeringsstatus", "fullfoeringsstatus", "/normertTidAar", "tre", "/normertTidAar"),
    ("fullfoeringsstatus", "fullfoeringsstatus", "/statusPerDato", DELETE, "/statusPerDato"),
]


@pytest.mark.parametrize("profile,example,where,value,expected", STRUCTURAL, ids=lambda v: v if isinstance(v, str) else "")
def test_structural_fault_fails_at_the_shacl_pointer(profile, example, where, value, expected, schemas):
    data = _mutate(_example(example), where, None if value is DELETE else value, delete=value is DELETE)
    violations = _shacl_violations(copy.deepcopy(data), profile)
    assert expected in violations, violations
    errors = {_normalise(p) for p, _ in error_pointers(schemas[profile], data)}
    assert _normalise(expected) in errors, errors


def _invalid_fixtures():
    """Invalid fixtures with a JSON twin, if the fixture set has them: (profile, path)."""
    if not INVALID_DIR.is_dir():
        return []
    return sorted((p.parent.name, p) for p in INVALID_DIR.glob("*/*.json") if not p.name.endswith(".expected.json"))


@pytest.mark.parametrize("profile,path", _invalid_fixtures() or [pytest.param(None, None, marks=pytest.mark.skip(
    reason="no JSON invalid fixtures in tests/fixtures/invalid/{profile}/; structural faults are made by mutation above"))])
def test_invalid_fixture_schema_errors_are_shacl_violations(profile, path, schemas):
    if profile not in schemas:
        pytest.skip(f"{path}: no profile {profile!r}")
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))["results"]
    if all(e["severity"] != "Violation" for e in expected):
        pytest.skip(f"{path.name}: warnings only; the schema leaves warnings to SHACL")
    data = json.loads(path.read_text(encoding="utf-8"))
    violations = {_normalise(v) for v in _shacl_violations(copy.deepcopy(data), profile)}
    assert violations, f"{path} is not invalid"
    errors = {_normalise(p) for p, _ in error_pointers(schemas[profile], data)}
    # Every schema error is a SHACL violation at the same place. (Not every SHACL violation is a
    # schema error: SPARQL and cross-node rules are SHACL-only.)
    assert errors <= violations, (errors, violations)


def test_cli_writes_every_profile(tmp_path):
    from samtbu.cli import main

    assert main(["jsonschema", "-o", str(tmp_path)]) == 0
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == PROFILES
    first = {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}
    assert main(["jsonschema", "-o", str(tmp_path)]) == 0
    assert first == {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}


# -- completeness: every SHACL constraint has its JSON Schema counterpart, or is listed -------------

from rdflib import Literal, URIRef  # noqa: E402
from rdflib.collection import Collection  # noqa: E402
from rdflib.namespace import SH  # noqa: E402

from samtbu.generate.jsonschema import shape_ref  # noqa: E402
from samtbu.namespaces import SBU  # noqa: E402

# Kinds of constraint JSON Schema expresses: listing one in x-shacl-only is allowed only where the
# constraint cannot reach a JSON payload at all (advice, a class never written as an object, nodes a
# target JSON Schema cannot select).
EXPRESSIBLE = {"minCount", "maxCount", "datatype", "pattern", "in", "hasValue", "minLength", "maxLength",
               "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "class", "closed", "uniqueLang"}
UNREACHABLE = ("severity ", "applies to ")
PARAMETERS = ("class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive", "minInclusive", "maxExclusive",
              "maxInclusive", "minLength", "maxLength", "pattern", "languageIn", "uniqueLang", "equals", "disjoint",
              "lessThan", "lessThanOrEquals", "not", "and", "or", "xone", "node", "qualifiedValueShape",
              "qualifiedMinCount", "qualifiedMaxCount", "closed", "hasValue", "in", "sparql")


def _inner_shapes(g) -> set:
    """Shapes that are part of another constraint (members of sh:or/sh:and/sh:xone, the shape of
    sh:not or sh:qualifiedValueShape, and everything below them)."""
    inner, todo = set(), []
    for p in (SH["or"], SH["and"], SH.xone):
        for head in g.objects(None, p):
            todo += list(Collection(g, head))
    todo += list(g.objects(None, SH["not"])) + list(g.objects(None, SH.qualifiedValueShape))
    while todo:
        shape = todo.pop()
        if shape in inner:
            continue
        inner.add(shape)
        todo += list(g.objects(shape, SH.property)) + list(g.objects(shape, SH.node))
        for p in (SH["or"], SH["and"], SH.xone):
            for head in g.objects(shape, p):
                todo += list(Collection(g, head))
        todo += list(g.objects(shape, SH["not"])) + list(g.objects(shape, SH.qualifiedValueShape))
    return inner


def _constraints(g) -> list[tuple[str, str, object]]:
    """Every constraint in the shapes graph: each triple whose predicate is a constraint parameter,
    on a shape that is not part of another constraint."""
    inner = _inner_shapes(g)
    found = set()
    for param in PARAMETERS:
        for shape, value in g.subject_objects(SH[param]):
            if shape in inner or (param == "closed" and value != Literal(True)):
                continue
            found.add((shape_ref(g, shape), param, shape))
    return sorted(found, key=lambda t: (t[0], t[1]))


def _subclass_names(cls) -> set[str]:
    return {str(c)[len(str(SBU)):] for c in MODEL.hierarchy.with_descendants(cls)}


def _local(iri) -> str:
    return str(iri)[len(str(SBU)):]


def _holders(g, shape) -> list:
    if any((shape, t, None) in g for t in (SH.targetClass, SH.targetObjectsOf, SH.targetSubjectsOf, SH.targetNode)):
        return [shape]
    return list(g.subjects(SH.property, shape)) + list(g.subjects(SH.node, shape))


def _node_schemas(schema: dict, g, holder) -> list[dict]:
    """The JSON Schema objects that describe a node the holder shape applies to."""
    defs = schema["$defs"]
    found = [defs[name] for cls in g.objects(holder, SH.targetClass) for name in sorted(_subclass_names(cls)) if name in defs]
    for prop in g.objects(holder, SH.targetObjectsOf):
        for definition in defs.values():
            value = definition.get("properties", {}).get(_local(prop))
            for branch in _branches(value or {}):
                for part in _object_form(branch).get("then", {}).get("allOf", []):
                    if "properties" in part and "if" not in part:
                        found.append(part)
    return found


def _object_form(value: dict) -> dict:
    """The object form of a node value: a node may also be given by reference, as its IRI (a string)."""
    return value["else"] if value.get("if") == {"type": "string"} else value


def _branches(prop_schema: dict) -> list[dict]:
    """The schema of one value: the item schema of an array, the value itself, or both branches of
    the "one value or an array" form."""
    if prop_schema.get("type") == "array":
        return [prop_schema["items"]]
    if prop_schema.get("if") == {"type": "array"}:
        single = prop_schema["else"]
        while "allOf" in single and "type" not in single and "then" not in single:
            single = single["allOf"][0]  # {"allOf": [value, what "contains" asks of the one value]}
        return [prop_schema["then"]["items"], single]
    return [prop_schema]


def _counterpart(schema: dict, g, shape, param: str) -> str | None:
    """None if the constraint has its counterpart in the schema, else what is missing."""
    holders = _holders(g, shape)
    nodes = [n for h in holders for n in _node_schemas(schema, g, h)]
    if not nodes:
        return "no schema object for the nodes it applies to"
    if param == "closed":
        nodes = [n for n in nodes if "x-class" in n]  # closure is the class definitions' own
        allowed = {_local(g.value(ps, SH.path)) for ps in g.objects(shape, SH.property) if str(g.value(ps, SH.path)).startswith(str(SBU))}
        for node in nodes:
            if node.get("additionalProperties") is not False or not set(node["properties"]) - {"@context", "id", "type"} <= allowed:
                return "not closed over the shape's properties"
        return None
    path = g.value(shape, SH.path)
    if not isinstance(path, URIRef):
        return "a node-level constraint with no counterpart"
    name = _local(path)
    value = g.value(shape, SH[param])
    for node in nodes:
        prop = node.get("properties", {}).get(name)
        if prop is None:
            if node.get("additionalProperties") is False:
                continue  # the property is not allowed here at all: the constraint holds
            return f"{name} is not in the schema"
        branches = _branches(prop)
        if param == "minCount":
            if int(value) >= 1 and name not in node.get("required", []):
                return f"{name} is not required"
        elif param == "maxCount":
            if int(value) <= 1 and (prop.get("type") == "array" or "if" in prop and prop["if"] == {"type": "array"}):
                return f"{name} allows an array"
            if int(value) > 1 and prop.get("then", prop).get("maxItems", 10**9) > int(value):
                return f"{name} has no maxItems {value}"
        elif param == "datatype":
            expected = {"string": "string", "date": "string", "dateTime": "string", "gYear": "string", "integer": "integer",
                        "decimal": "number", "boolean": "boolean", "langString": "object", "anyURI": "string"}[str(value).rsplit("#", 1)[-1]]
            if not all(b.get("type") == expected for b in branches):
                return f"{name} is not of JSON type {expected}"
            if expected == "object" and not all("propertyNames" in b for b in branches):
                return f"{name} is not a language map"
        elif param == "pattern":
            if not all("pattern" in b or any("pattern" in a for a in b.get("allOf", [])) for b in branches):
                return f"{name} has no pattern"
        elif param in ("in", "hasValue"):
            if "if" in prop or prop.get("type") == "array":
                ok = all("enum" in b or "allOf" in prop for b in branches) if param == "in" else (
                    "allOf" in prop.get("then", prop) or all("enum" in b for b in branches))
            else:
                ok = all("enum" in b for b in branches)
            if not ok:
                return f"{name} has no enum"
        elif param in ("minLength", "maxLength"):
            if not all(param in b for b in branches):
                return f"{name} has no {param}"
        elif param in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            key = {"minInclusive": "minimum", "maxInclusive": "maximum", "minExclusive": "exclusiveMinimum",
                   "maxExclusive": "exclusiveMaximum"}[param]
            if not all(key in b for b in branches):
                return f"{name} has no {key}"
        elif param in ("class", "or", "node"):
            for b in map(_object_form, branches):
                types = set(b.get("then", {}).get("properties", {}).get("type", {}).get("enum", []))
                if param == "class" and not (types and types <= _subclass_names(value)):
                    return f"{name} does not restrict the nested node's type to {_local(value)}"
                if param == "or" and not types:
                    return f"{name} does not restrict the nested node's type"
                if param == "node" and not any("properties" in a for a in b.get("then", {}).get("allOf", [])):
                    return f"{name} has no nested constraints"
        elif param == "nodeKind":
            # a value of one of several forms (an IRI string or a node) is anyOf them
            forms = [f for b in branches for f in b.get("anyOf", [b["then"], b["else"]] if b.get("if") == {"type": "string"} else [b])]
            if not all(f.get("type") in ("string", "object") for f in forms):
                return f"{name} is neither a code nor a node"
        elif param == "uniqueLang":
            if not all("propertyNames" in b for b in branches):
                return f"{name} is not a language map"
        elif param in ("qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount"):
            q = g.value(shape, SH.qualifiedValueShape)
            names = _subclass_names(g.value(q, SH["class"]))
            contains = [c for c in prop.get("then", prop).get("allOf", []) if "contains" in c
                        and set(c["contains"].get("properties", {}).get("type", {}).get("enum", [])) == names]
            if not contains:
                return f"{name} has no 'contains' for {sorted(names)}"
            low, high = g.value(shape, SH.qualifiedMinCount), g.value(shape, SH.qualifiedMaxCount)
            if low is not None and contains[0].get("minContains") != int(low):
                return f"{name}: minContains is not {low}"
            if high is not None and contains[0].get("maxContains") != int(high):
                return f"{name}: maxContains is not {high}"
            if low is not None and int(low) >= 1 and name not in node.get("required", []):
                return f"{name} is not required"
        else:
            return f"no counterpart for sh:{param}"
    return None


@pytest.mark.parametrize("profile", PROFILES)
def test_every_constraint_has_its_json_schema_counterpart_or_is_listed(profile, schemas):
    schema = schemas[profile]
    g = MODEL.profile(profile).shapes
    listed = {(e["shape"], e["constraint"][3:]): e["reason"] for e in schema["x-shacl-only"]}
    constraints = _constraints(g)
    assert len(constraints) > 50
    missing, wrongly_listed = [], []
    for ref, param, shape in constraints:
        reason = listed.get((ref, param))
        if reason is not None:
            assert reason and reason != "not expressible in JSON Schema", (ref, param)
            if param in EXPRESSIBLE and not reason.startswith(UNREACHABLE):
                wrongly_listed.append((ref, param, reason))
            continue
        problem = _counterpart(schema, g, shape, param)
        if problem:
            missing.append((ref, param, problem))
    assert missing == [], missing[:10]
    assert wrongly_listed == [], wrongly_listed[:10]
    # Nothing is listed that is not a constraint of the profile.
    assert set(listed) <= {(ref, param) for ref, param, _ in constraints}


@pytest.mark.parametrize("profile", ["vitnemaal", "fagbrev", "kompetansebevis", "karakterutskrift"])
def test_a_document_without_dokumenterer_fails_both(profile, schemas):
    name = {"vitnemaal": "vitnemaal-studiespesialisering", "fagbrev": "fagbrev-elektriker",
            "kompetansebevis": "kompetansebevis-delvis", "karakterutskrift": "karakterutskrift-vg2"}[profile]
    data = _example(name)
    del data["dokumenterer"]
    assert "/dokumenterer" in {_normalise(p) for p, _ in error_pointers(schemas[profile], data)}
    assert "/dokumenterer" in {_normalise(v) for v in _shacl_violations(copy.deepcopy(data), profile)}


def _fixtures_with_json_form():
    """Every invalid fixture (Turtle) whose graph has a plain JSON form that reads back to it."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from samtbu.generate.plainjson import frame_plain
    from samtbu.validate.input import InputError, read_payload

    found = []
    for path in sorted(INVALID_DIR.glob("*/*.ttl")):
        graph = Graph().parse(path, format="turtle")
        framed = frame_plain(graph)
        try:
            # a text where a reference belongs is a relative IRI in JSON: refused, no JSON form
            reads_back = isinstance(framed, dict) and isomorphic(read_payload(copy.deepcopy(framed)).graph, graph)
        except InputError:
            reads_back = False
        if reads_back:
            found.append(pytest.param(path.parent.name, path, framed, id=f"{path.parent.name}/{path.stem}"))
    return found


FIXTURES = _fixtures_with_json_form()


def test_most_fixtures_have_a_json_form():
    # The others hold a value plain JSON cannot write (a boolean as text, a tag-less string in a
    # language map, a property of no term, two roots): they are Turtle-only faults.
    assert len(FIXTURES) >= 0.85 * len(list(INVALID_DIR.glob("*/*.ttl")))


def _param_of(component: str) -> str:
    name = component.removeprefix("sh:").removesuffix("ConstraintComponent")
    return "sparql" if name == "SPARQL" else name[0].lower() + name[1:]


def _objects(value):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


def _at(data, pointer: str):
    node = data
    for part in [p for p in pointer.split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _by_node(data, pointers) -> set[tuple[str, str]]:
    """(the node, the field) for each pointer: a node may be described in one place and referred to
    in others, and the SHACL report names the first place its id occurs."""
    out = set()
    for pointer in pointers:
        pointer = _normalise(pointer)
        parent, _, name = pointer.rpartition("/")
        holder = _at(data, parent)
        out.add((holder.get("id", parent) if isinstance(holder, dict) else parent, name))
    return out


@pytest.mark.parametrize("profile,path,data", FIXTURES)
def test_invalid_fixture_fails_json_schema_where_it_can_express_the_fault(profile, path, data, schemas):
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    faults = [e for e in expected if e["severity"] == "Violation"]
    # The default engine (the fast one; tested against pyshacl on every fixture in test_fastengine).
    report = validate(copy.deepcopy(data), profile=profile)
    shacl = {r.pointer for rec in report.records for r in rec.results if r.severity == "Violation" and r.pointer is not None}
    errors = error_pointers(schemas[profile], data)
    # Every schema error is a SHACL violation of the same field of the same node: the schema rejects
    # nothing SHACL accepts.
    assert _by_node(data, [p for p, _ in errors]) <= _by_node(data, shacl), (errors, shacl)
    listed = {(e["shape"], e["constraint"][3:]) for e in schemas[profile]["x-shacl-only"]}
    # References are followed (x-refers-to): a fault in a node given only by reference is found too.
    expressible = [f for f in faults if (f["sourceShape"], _param_of(f["constraint"])) not in listed]
    if expressible:
        assert errors, f"{path.name}: the schema accepts a fault it expresses: {expressible}"
    assert bool(shacl) == bool(faults)


# -- references: a node given by its id (a string, or {"id": ...}) is followed --------------------

SCHOOL = "urn:uuid:5b7ecac4-b0e1-56c2-927d-4b37bb2e6354"
LEARNER = "urn:uuid:c42096c3-3479-5bf0-b097-f694c472bc65"


def _assessed_by(data: dict, value) -> tuple[dict, str]:
    """The vitnemål with its first assessment's vurdertAv set to ``value``, and that field's pointer."""
    data = copy.deepcopy(data)
    index = next(i for i, r in enumerate(data["dokumenterer"]) if isinstance(r.get("vurdertAv"), dict))
    data["dokumenterer"][index]["vurdertAv"] = value
    return data, f"/dokumenterer/{index}/vurdertAv"


def test_a_reference_by_iri_string_is_the_same_as_by_id_object(schemas):
    """The context makes vurdertAv's value an IRI: "urn:..." and {"id": "urn:..."} say the same, and
    both schema and SHACL accept either while the node is described elsewhere in the payload."""
    data, _ = _assessed_by(_example("vitnemaal-studiespesialisering"), SCHOOL)
    assert error_pointers(schemas["vitnemaal"], data) == []
    assert not _shacl_violations(copy.deepcopy(data), "vitnemaal")


@pytest.mark.parametrize("form", ["string", "object"])
@pytest.mark.parametrize("target,why", [("urn:uuid:00000000-0000-5000-8000-000000000000", "does not describe"),
                                        (LEARNER, "refers to a Elev")])
def test_a_reference_to_no_node_or_the_wrong_class_fails_both(form, target, why, schemas):
    """vurdertAv must name a Skole (sh:class): a reference to a node the payload does not describe, or
    to the learner, is rejected by SHACL, and by the schema now that references are followed."""
    value = target if form == "string" else {"id": target}
    data, pointer = _assessed_by(_example("vitnemaal-studiespesialisering"), value)
    errors = error_pointers(schemas["vitnemaal"], data)
    assert [p for p, m in errors if why in m] == [pointer], errors
    assert pointer in {_normalise(v) for v in _shacl_violations(copy.deepcopy(data), "vitnemaal")}


def test_a_plain_validator_ignores_the_reference_keyword(schemas):
    """x-refers-to is an annotation to any other JSON Schema validator: the schema stays valid 2020-12
    and a plain validator accepts a well-formed reference (it cannot follow it)."""
    from jsonschema import Draft202012Validator

    from samtbu.generate.jsonschema import REFERS_TO

    schema = schemas["vitnemaal"]
    Draft202012Validator.check_schema(schema)
    assert REFERS_TO in json.dumps(schema)
    data, _ = _assessed_by(_example("vitnemaal-studiespesialisering"), LEARNER)
    assert list(Draft202012Validator(schema).iter_errors(data)) == []
