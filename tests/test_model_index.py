"""The typed model index (samtbu.model: model.hierarchy, model.index), the one local_name and the one
SSSOM reader: each agrees with what the graphs and files say when read directly."""

from __future__ import annotations

import csv
import pickle
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, URIRef
from rdflib.collection import Collection

from samtbu.crosswalk.sssom import read_sssom
from samtbu.model import ClassHierarchy, Model, reachable
from samtbu.namespaces import GREP, SBU, SBUK, local_name

REPO = Path(__file__).resolve().parents[1]


def model() -> Model:
    return Model.load()


def test_hierarchy_is_the_transitive_closure_of_the_ontology():
    m = model()
    for cls in m.classes():
        expected = {o for o in m.ontology.transitive_objects(cls, RDFS.subClassOf) if isinstance(o, URIRef)}
        assert m.hierarchy.with_ancestors(cls) == expected, cls
        below = {s for s in m.ontology.transitive_subjects(RDFS.subClassOf, cls) if isinstance(s, URIRef)}
        assert m.hierarchy.with_descendants(cls) == below, cls
    assert SBU.Dokumentasjon in m.hierarchy.ancestors(SBU.Vitnemaal)
    assert SBU.Vitnemaal in m.hierarchy.descendants(SBU.Dokumentasjon)
    assert SBU.Vitnemaal not in m.hierarchy.ancestors(SBU.Vitnemaal)


def test_ancestors_come_in_a_fixed_order_depth_first_over_sorted_superclasses():
    a, b, c, d = (URIRef(f"urn:x:{n}") for n in "abcd")
    hierarchy = ClassHierarchy([(a, c), (a, b), (b, d)])
    assert hierarchy.superclasses(a) == (b, c)
    assert hierarchy.ancestors(a) == [b, c, d]  # c is popped first, then b leads to d
    assert hierarchy.descendants(d) == [b, a]
    assert hierarchy.with_ancestors(URIRef("urn:x:none")) == {URIRef("urn:x:none")}


def test_reachable_is_generic_over_the_terms():
    assert reachable([("a", "b"), ("b", "c"), ("x", "x")]) == {"a": {"a", "b", "c"}, "b": {"b", "c"}, "x": {"x"}}


def test_index_properties_domains_ranges_and_code_lists_match_the_graphs():
    m = model()
    index = m.index
    assert list(index.classes) == m.classes()
    assert set(index.properties()) == set(m.properties())
    for prop in index.properties():
        declared = {k for k in ("ObjectProperty", "DatatypeProperty", "AnnotationProperty") if (prop, RDF.type, OWL[k]) in m.ontology}
        assert index.property_kinds[prop] in declared
        for key, predicate in ((index.domains, RDFS.domain), (index.ranges, RDFS.range)):
            members = set()
            for value in m.ontology.objects(prop, predicate):
                union = m.ontology.value(value, OWL.unionOf)
                members |= set(Collection(m.ontology, union)) if union is not None else {value}
            assert set(key[prop]) == members, (prop, predicate)
    karakter = SBU.karakter
    assert karakter in index.code_valued
    assert set(index.code_lists) == set(m.code_schemes())
    for scheme, code_list in index.code_lists.items():
        assert set(code_list.codes) == set(m.vocab.subjects(SKOS.inScheme, scheme))
        for code, notation in code_list.notations.items():
            assert str(m.vocab.value(code, SKOS.notation)) == notation
    # a property is found on the classes of its domain and their subclasses
    some = next(p for p in index.properties("ObjectProperty") if index.domains[p] and index.domains[p][0] in index.classes)
    for cls in m.hierarchy.with_descendants(index.domains[some][0]):
        assert some in index.properties_with_domain(cls)
        assert index.applies(some, cls)


def test_index_labels_definitions_and_profiles():
    m = model()
    index = m.index
    assert index.label(SBU.Vitnemaal, "nb") == "vitnemål"
    assert index.label(SBU.Vitnemaal, "en")
    defined = 0
    for graph in (m.ontology, m.vocab):
        for subject in set(graph.subjects(SKOS.definition, None)):
            for lang in ("nb", "nn", "en"):
                texts = sorted(str(o) for o in graph.objects(subject, SKOS.definition) if getattr(o, "language", None) == lang)
                if texts and isinstance(subject, URIRef):
                    defined += 1
                    assert index.definition(subject, lang) in texts
    assert defined > 100
    assert index.profile_targets["vitnemaal"] == m.profiles["vitnemaal"].root_classes
    assert "vitnemaal" in index.profiles_for([SBU.Vitnemaal])


def test_the_index_and_hierarchy_pickle_as_plain_data():
    m = model()
    for value in (m.hierarchy, m.index):
        copy = pickle.loads(pickle.dumps(value))
        assert copy.__dict__.keys() == value.__dict__.keys()
    assert pickle.loads(pickle.dumps(m.hierarchy)).ancestors(SBU.Elev) == m.hierarchy.ancestors(SBU.Elev)


def test_local_name():
    assert local_name(SBU.Vitnemaal, SBU) == "Vitnemaal"
    assert local_name(URIRef(f"{SBUK}karakter/5"), SBU, SBUK) == "karakter/5"
    assert local_name(f"{GREP}MAT1001", SBU, GREP) == "MAT1001"
    assert local_name("https://example.org/a/b#c") == "c"
    assert local_name("https://w3id.org/samt-bu/kode/karakter/") == "karakter"
    assert local_name("https://example.org/x/y", SBU, foreign="iri") == "https://example.org/x/y"
    assert local_name(RDF.type, SBU, str(RDF), foreign="iri") == "type"


def test_one_sssom_reader_reads_every_mapping_set():
    for path in sorted((REPO / "crosswalks").glob("*.sssom.tsv")):
        table = read_sssom(path)
        lines = path.read_text(encoding="utf-8").splitlines()
        body = [line for line in lines if line.strip() and not line.startswith("#")]
        assert len(table.rows) == len(body) - 1 == len(list(csv.DictReader(body, delimiter="\t")))
        assert table.name == path.name.removesuffix(".sssom.tsv")
        assert table.metadata["mapping_set_id"].startswith("https://w3id.org/samt-bu/mapping/")
        assert table.curie_map["sbu"] == str(SBU)
        assert isinstance(table.metadata["creator_label"], list)


def test_index_shapes_per_property_match_the_shapes_graphs():
    """Every shape on an IRI path, and those of the shape modules alone (as a graph of the module
    files, parsed on its own, has them: nested blank shapes included, the profiles' left out)."""
    from rdflib import Graph
    from rdflib.namespace import SH

    m = model()
    paths = {p for p in m.shapes.objects(None, SH.path) if isinstance(p, URIRef)}
    assert paths and set(m.index.shapes_on_path) == paths
    for prop in paths:
        assert m.index.shapes_with_path(prop) == tuple(sorted(set(m.shapes.subjects(SH.path, prop)), key=str)), prop
    modules = Graph()
    for path in Model.shape_module_files(m.root):
        modules.parse(path, format="turtle")
    for prop in paths:
        expected = sorted(modules.subjects(SH.path, prop), key=str)
        found = m.index.shapes_with_path(prop, modules_only=True)
        assert len(found) == len(expected), prop
        named = [s for s in expected if isinstance(s, URIRef)]
        assert [s for s in found if isinstance(s, URIRef)] == named, prop
        # blank shapes differ by label between the two parses: compare what they say
        caps = sorted(str(modules.value(s, SH.maxCount)) for s in expected)
        assert caps == sorted(str(m.shapes.value(s, SH.maxCount)) for s in found), prop
    profile_only = m.index.shapes_with_path(SBU.dokumentnummer)
    assert any("Profil" in str(s) for s in profile_only)
    assert not any("Profil" in str(s) for s in m.index.shapes_with_path(SBU.dokumentnummer, modules_only=True))
    assert m.index.shapes_with_path(URIRef("urn:x:nothing")) == ()


def test_index_mapping_sets_are_the_crosswalks_as_the_one_reader_reads_them():
    import pytest

    from samtbu.model import ModelError

    m = model()
    files = sorted((REPO / "crosswalks").rglob("*.sssom.tsv"))
    assert list(m.index.mapping_sets) == [f.name.removesuffix(".sssom.tsv") for f in files]
    for path in files:
        table = m.index.mapping_set(path.name.removesuffix(".sssom.tsv"))
        assert table == read_sssom(path) and table.path.resolve() == path.resolve()
    with pytest.raises(ModelError, match="nosuchset"):
        m.index.mapping_set("nosuchset")


def test_each_part_of_the_index_reads_only_what_it_needs():
    """The mapping sets are read from the TSVs without a graph (an export pays for no class
    hierarchy, shapes or labels); the code lists need the vocabularies and nothing else."""
    from samtbu.model import Deferred

    real = model()

    def unread(name):
        def load():
            raise AssertionError(f"the {name} graph was read")
        return Deferred(load)

    def fresh(**graphs) -> Model:
        given = {name: graphs.get(name, unread(name)) for name in ("ontology", "vocab", "shapes", "profiles")}
        return Model(root=real.root, **given)

    index = fresh().index
    assert not index.__dict__.keys() & set(index.PARTS)
    assert list(index.mapping_sets) == list(real.index.mapping_sets)
    assert index.mapping_set("elmo").rows == real.index.mapping_set("elmo").rows
    assert "hierarchy" not in index.__dict__ and "hierarchy" not in index.model.derived
    index = fresh(vocab=real.vocab).index
    assert index.code_lists == real.index.code_lists
    with pytest.raises(AssertionError, match="ontology graph was read"):
        index.classes
