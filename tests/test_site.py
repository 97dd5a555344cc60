"""The documentation site: strict build, a page for every term in every language, links that resolve,
visible translation fallbacks, offline assets, parseable downloads, content negotiation, changelog.

The site is built once per test session (``built_site``), with ``samtbu site build`` as a user runs
it; in CI the repository is a fresh clone, so this is the build from a fresh clone.
"""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import SH

REPO = Path(__file__).resolve().parents[1]
LANG_PREFIX = {"nb": "", "nn": "nn/", "en": "en/"}

pytest.importorskip("mkdocs", reason="the site extra is not installed (pip install -e '.[site]')")
pytest.importorskip("material", reason="mkdocs-material is not installed (pip install -e '.[site]')")
pytest.importorskip("mkdocs_static_i18n", reason="mkdocs-static-i18n is not installed (pip install -e '.[site]')")

_BUILT: dict[str, Path] = {}


def build_once() -> Path:
    """Build the site with the CLI into build/test-site once per process; later calls reuse it."""
    if "site" in _BUILT:
        return _BUILT["site"]
    reuse = os.environ.get("SAMTBU_TEST_SITE")  # a site built before, to iterate on the tests quickly
    if reuse:
        _BUILT["site"] = Path(reuse)
        return _BUILT["site"]
    root = REPO / "build" / "test-site"
    if root.exists():
        shutil.rmtree(root)
    site, src = root / "site", root / "src"
    result = subprocess.run(
        [sys.executable, "-m", "samtbu.cli", "site", "build", "-o", str(site), "--src", str(src)],
        capture_output=True, text=True, cwd=REPO, timeout=1800,
    )
    assert result.returncode == 0, f"samtbu site build failed:\n{result.stderr[-4000:]}"
    _BUILT["site"] = site
    _BUILT["src"] = src
    return site


@pytest.fixture(scope="session")
def built_site() -> Path:
    return build_once()


@pytest.fixture(scope="session")
def site_index(model):
    from samtbu.generate.site.index import SiteIndex

    return SiteIndex(model)


def page_file(site: Path, lang: str, md_path: str) -> Path:
    stem = md_path[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        stem = stem[: -len("index")]
    return site / LANG_PREFIX[lang] / stem / "index.html"


# -- the build -------------------------------------------------------------------------------------
def test_strict_build_writes_all_three_languages(built_site):
    for lang in ("nb", "nn", "en"):
        assert (built_site / LANG_PREFIX[lang] / "index.html").is_file(), lang
    # The build config inherits the committed one; the committed files are tracked in git.
    tracked = subprocess.run(["git", "ls-files", "site"], capture_output=True, text=True, cwd=REPO).stdout.split()
    if tracked:  # in a git checkout
        assert "site/mkdocs.yml" in tracked
        assert "site/overrides/assets/stylesheets/samtbu.css" in tracked


def test_every_term_has_a_page_in_each_language(built_site, site_index):
    idx = site_index
    terms = [*idx.concepts, *idx.classes, *idx.properties, *idx.schemes] + [p.iri for p in idx.profiles.values()]
    assert idx.concepts and idx.classes and idx.properties and idx.schemes
    missing = [
        f"{lang}: {idx.path(t)}"
        for t in terms
        for lang in ("nb", "nn", "en")
        if not page_file(built_site, lang, idx.path(t)).is_file()
    ]
    assert not missing, missing[:20]


def _html_files(site: Path):
    return [p for p in site.rglob("*.html")]


def test_every_internal_link_resolves(built_site):
    from lxml import html as lxml_html

    ids: dict[Path, set[str]] = {}
    links: list[tuple[Path, str]] = []
    for path in _html_files(built_site):
        tree = lxml_html.fromstring(path.read_bytes())
        ids[path.resolve()] = {e.get("id") for e in tree.iter() if isinstance(e.tag, str) and e.get("id")}
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value and not (element.tag == "link" and element.get("rel") in ("canonical", "alternate")):
                    links.append((path, value))
    broken = []
    for source, value in links:
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or value.startswith(("mailto:", "javascript:", "data:")):
            continue
        if not parts.path:
            target = source
        elif parts.path.startswith("/"):
            target = built_site / unquote(parts.path.lstrip("/"))
        else:
            target = (source.parent / unquote(parts.path))
        if target.is_dir() or str(parts.path).endswith("/"):
            target = target / "index.html"
        target = target.resolve()
        if not target.is_file():
            broken.append(f"{source.relative_to(built_site)} -> {value}")
            continue
        if parts.fragment and target.suffix == ".html" and target in ids and unquote(parts.fragment) not in ids[target]:
            broken.append(f"{source.relative_to(built_site)} -> {value} (no such anchor)")
    assert not broken, f"{len(broken)} broken links, e.g. {broken[:15]}"


def test_language_switcher_links_each_page_to_its_translations(built_site):
    text = (built_site / "begreper" / "standpunktkarakter" / "index.html").read_text(encoding="utf-8")
    assert 'hreflang="nn"' in text and 'hreflang="en"' in text
    assert "/nn/begreper/standpunktkarakter/" in text and "/en/begreper/standpunktkarakter/" in text
    english = (built_site / "en" / "begreper" / "standpunktkarakter" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in english and "overall achievement mark" in english


def test_missing_translation_is_marked_on_the_page():
    from samtbu.generate.site.text import Page

    page = Page("nn", "begreper/x.md", title="x")
    shown = page.choose({"nb": "berre på bokmål", "en": "English"}, "Definisjon")
    page.add(shown)
    rendered = page.render()
    assert "berre på bokmål" in rendered and 'class="sbu-fallback"' in rendered and ">nb</span>" in rendered
    assert "!!! warning \"Manglar omsetjing (1)\"" in rendered and "Definisjon (bokmål)" in rendered
    complete = Page("nn", "begreper/y.md", title="y")
    complete.add(complete.choose({"nn": "på nynorsk", "nb": "på bokmål"}, "Definisjon"))
    assert "sbu-fallback" not in complete.render() and "!!!" not in complete.render()


def test_search_has_one_index_per_language(built_site):
    """One index per language (the theme's merged one is split after the build), with that language's
    stemmer; a concept page carries its own terms; no identifiers offered as words."""
    docs = {}
    for lang, stemmer in (("nb", "no"), ("nn", "no"), ("en", "en")):
        index = json.loads((built_site / "search" / f"search_index.{lang}.json").read_text(encoding="utf-8"))
        assert index["config"]["lang"] == [stemmer]
        docs[lang] = {d["location"]: d for d in index["docs"]}
    assert "begreper/standpunktkarakter/" in docs["nb"] and not any(loc.startswith(("nn/", "en/")) for loc in docs["nb"])
    assert all(loc.startswith("nn/") for loc in docs["nn"]) and all(loc.startswith("en/") for loc in docs["en"])
    assert "final assessment grade" in docs["en"]["en/begreper/standpunktkarakter/"]["title"]  # Udir's English term
    assert "standpunktkarakter" in docs["nb"]["begreper/standpunktkarakter/"]["labels"]
    assert "final assessment grade" in docs["en"]["en/begreper/standpunktkarakter/"]["labels"]
    assert any("faglæraren" in d["text"] for loc, d in docs["nn"].items() if loc.startswith("nn/begreper/standpunktkarakter/"))
    for lang in docs:
        text = " ".join(d["text"] for d in docs[lang].values()).lower()
        assert "fagbrevprofil" not in text and "shape</code>" not in text, lang


def test_site_needs_nothing_from_a_cdn(built_site):
    assert (built_site / "assets" / "javascripts" / "mermaid.min.js").stat().st_size > 500_000
    for path in [built_site / "index.html", built_site / "klasser" / "Vurdering" / "index.html"]:
        text = path.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "unpkg.com" not in text and "cdn.jsdelivr" not in text
    # mermaid.min.js (3.5 MB) only where there is a diagram: the class page, not the overview.
    klass = (built_site / "klasser" / "Vurdering" / "index.html").read_text(encoding="utf-8")
    assert 'class="mermaid"' in klass and "assets/javascripts/mermaid.min.js" in klass
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'class="mermaid"' not in home and "mermaid.min.js" not in home


def test_downloads_parse_in_every_format(built_site, model):
    folder = built_site / "nedlasting"
    formats = {".ttl": "turtle", ".jsonld": "json-ld", ".rdf": "xml", ".nt": "nt"}
    for base in ("samtbu-ontologi", "samtbu-kodelister", "samtbu-begrepskatalog"):
        counts = set()
        for suffix, fmt in formats.items():
            graph = Graph().parse(folder / f"{base}-{model.version}{suffix}", format=fmt)
            counts.add(len(graph))
        assert len(counts) == 1 and counts.pop() > 100, base
    context = json.loads((folder / f"samtbu-context-{model.version}.jsonld").read_text(encoding="utf-8"))
    assert "Vurdering" in context["@context"]
    for name in model.profiles:
        assert len(Graph().parse(folder / "former" / f"profil-{name}.ttl", format="turtle")) > 0
    try:
        from samtbu.generate.jsonschema import schema_file_name
    except ImportError:
        return
    for name in model.profiles:
        schema = json.loads((folder / "jsonschema" / schema_file_name(name)).read_text(encoding="utf-8"))
        assert "$schema" in schema or "type" in schema


def test_the_toolkit_rules_are_a_download_of_their_own(site_index, model, tmp_path):
    """shapes/verktoey/ (the rules the toolkit checks itself, beside the shapes) is offered as the
    model states it, with a name on the downloads page in each language."""
    from samtbu.generate.site.downloads import FOLDER, write_downloads
    from samtbu.generate.site.misc import x

    artifacts = {a.key: a for a in write_downloads(site_index, tmp_path / FOLDER)}
    files = artifacts["dl_toolkit_rules"].files
    assert files == [f"{FOLDER}/former/verktoey/{p.name}" for p in model.toolkit_rule_files(model.root)]
    for path in model.toolkit_rule_files(model.root):
        copy = tmp_path / FOLDER / "former" / "verktoey" / path.name
        assert copy.read_bytes() == path.read_bytes()
    assert len({x("dl_toolkit_rules", lang) for lang in ("nb", "nn", "en")}) == 3


def test_content_negotiation_covers_every_iri(built_site, site_index):
    from samtbu.namespaces import BASE_IRI

    nginx = (built_site / "nedlasting" / "conneg" / "nginx.conf").read_text(encoding="utf-8")
    apache = (built_site / "nedlasting" / "conneg" / "apache.conf").read_text(encoding="utf-8")
    from samtbu.generate.site.downloads import html_targets

    targets = html_targets(site_index)
    for iri in [*site_index.classes, *site_index.properties, *site_index.concepts, *site_index.schemes]:
        path = "/" + str(iri)[len(BASE_IRI):]
        assert f'"~^{re.escape(path)}$" ' in nginx, path
        assert f"RewriteRule ^{re.escape(path)}$ " in apache, path
        page = targets[path]
        assert (built_site / page.lstrip("/") / "index.html").is_file(), page
    assert "text/turtle" in nginx and "application/ld\\+json" in apache


def test_profile_page_shows_rules_and_a_validated_example(built_site, site_index):
    if not site_index.profiles:
        pytest.skip("the model has no validation profiles yet")
    from samtbu.generate.site.profiles import valid_examples

    for name in site_index.profiles:
        text = (built_site / "profiler" / name / "index.html").read_text(encoding="utf-8")
        assert "sh:" in text or "minCount" in text or "1..1" in text
        if valid_examples(site_index, name):
            assert "Valideringsrapport" in text and "samtbu validate --profile" in text


def test_nynorsk_profile_pages_show_nynorsk_messages(built_site, site_index):
    """The validation reports on a profile page are in the page's language: nynorsk on /nn/."""
    if "vitnemaal" not in site_index.profiles:
        pytest.skip("no vitnemaal profile")
    nn = _page_html(built_site, "nn", "profiler/vitnemaal/index.md")
    nb = _page_html(built_site, "nb", "profiler/vitnemaal/index.md")
    en = _page_html(built_site, "en", "profiler/vitnemaal/index.md")
    assert "IKKJE i samsvar" in nn and "BROT" in nn and "byrjar med K, som er bokstaven for kompetansebevis" in nn
    assert "IKKE i samsvar" not in nn and "begynner med K, som er bokstaven for kompetansebevis" not in nn
    assert "begynner med K, som er bokstaven for kompetansebevis" in nb and "--lang nb" in nb
    assert "starts with K, the letter of a certificate of competence" in en and "--lang en" in en


def _page_html(site: Path, lang: str, md_path: str) -> str:
    path = page_file(site, lang, md_path)
    assert path.is_file(), f"{lang}: no page {md_path}"
    return path.read_text(encoding="utf-8")


def test_sharing_table_lists_every_policy_with_its_legal_sources(built_site):
    """Issue 7: one table of all policies in policies/ (role × purpose × data × legal source), in every
    language, with a link to each legal source and the unclear-law notes marked."""
    from html import unescape

    sbu = "https://w3id.org/samt-bu/def/"
    policies = {}
    for path in sorted((REPO / "policies").glob("*.ttl")):
        graph = Graph().parse(path, format="turtle")
        for policy in graph.subjects(RDF.type, URIRef(sbu + "Delingspolicy")):
            policies[path.stem] = (sorted(str(o) for o in graph.objects(policy, URIRef(sbu + "rettsligKilde"))),
                                   (policy, SKOS.editorialNote, None) in graph)
    assert policies, "policies/ has no sharing policy"
    for lang in ("nb", "nn", "en"):
        text = unescape(_page_html(built_site, lang, "deling/index.md"))
        table = text[text.index("<table"): text.index("</table>")]
        for name, (sources, unclear) in policies.items():
            assert f'href="{name}/"' in table, f"{lang}: policy {name} is not in the sharing table"
            row = next(r for r in table.split("<tr>") if f'href="{name}/"' in r)
            assert sources, f"policies/{name}.ttl cites no legal source"
            for source in sources:
                assert f'href="{source}"' in row, f"{lang}: {name} lacks a link to its legal source {source}"
            assert (f'href="#uavklart-{name}"' in row) == unclear, f"{lang}: {name}: unclear-law marker"
            if unclear:
                assert f'id="uavklart-{name}"' in text, f"{lang}: {name}: the unclear-law note is not on the page"
            page = unescape(_page_html(built_site, lang, f"deling/{name}.md"))
            for source in sources:
                assert f'href="{source}"' in page, f"{lang}: the page of {name} lacks {source}"


def test_every_mapping_set_has_a_page_with_every_mapping(built_site, model):
    """Issue 8: each crosswalks/*.sssom.tsv has a page in every language with one table row per mapping,
    sssom:NoTermFound shown as no counterpart, and a link to the downloadable TSV."""
    files = sorted((REPO / "crosswalks").glob("*.sssom.tsv"))
    assert files, "crosswalks/ has no SSSOM mapping set"
    for path in files:
        lines = [l for l in path.read_text(encoding="utf-8").splitlines() if l.strip() and not l.startswith("#")]
        mappings = lines[1:]  # the first line names the columns
        no_term = sum(1 for l in mappings if "\tsssom:NoTermFound\t" in f"\t{l}\t")
        name = path.name[: -len(".sssom.tsv")]
        for lang in ("nb", "nn", "en"):
            text = _page_html(built_site, lang, f"koblinger/{name}.md")
            assert text.count("<table") == 1, f"{lang}/{name}: expected one table"
            table = text[text.index("<table"): text.index("</table>")]
            body = table[table.index("<tbody"):]
            assert body.count("<tr>") == len(mappings), f"{lang}/{name}: {body.count('<tr>')} rows, the TSV has {len(mappings)}"
            assert body.count('class="sbu-nomatch"') == no_term, f"{lang}/{name}: NoTermFound rows"
            assert f'href="../../nedlasting/mapping/{path.name}"' in text, f"{lang}/{name}: no download link"
            assert "https://w3id.org/samt-bu/mapping/" in text, f"{lang}/{name}: no mapping_set_id"
        # each mapping's comment in the page's language (the SSSOM comment, or its extension slot comment_nb/nn)
        from lxml import html as lxml_html

        from samtbu.generate.site.tables import read_set

        rows = read_set(model.index.mapping_set(name))[2]
        for lang, column in (("nb", "comment_nb"), ("nn", "comment_nn"), ("en", "comment")):
            tree = lxml_html.fromstring(_page_html(built_site, lang, f"koblinger/{name}.md"))
            shown = [" ".join(td.text_content().split()) for td in tree.xpath("//article//table//tbody/tr/td[last()]")]
            wanted = [" ".join(row[column].split()) if row.get(column) else "–" for row in rows]
            assert shown == wanted, f"{lang}/{name}: {[(a, b) for a, b in zip(shown, wanted) if a != b][:3]}"
        for lang in ("nb", "nn", "en"):
            assert f'href="{name}/"' in _page_html(built_site, lang, "koblinger/index.md"), f"{lang}: {name} not listed"


def test_getting_started_describes_only_existing_commands(built_site):
    text = (built_site / "kom-i-gang" / "index.html").read_text(encoding="utf-8")
    assert "samtbu validate" in text and "samtbu context" in text
    has_export = subprocess.run([sys.executable, "-m", "samtbu.cli", "export", "--help"], capture_output=True).returncode == 0
    assert ("samtbu export --help" in text or "usage: samtbu export" in text) == has_export or not has_export


def test_first_release_changelog(built_site, model):
    text = (built_site / "endringslogg" / "index.html").read_text(encoding="utf-8")
    from samtbu.generate.changelog import previous_release

    if previous_release(REPO, model.version) is None:
        assert "første utgivelsen" in text


# -- the changelog diff on two small graphs --------------------------------------------------------
SBU = "https://w3id.org/samt-bu/def/"
SBUB = "https://w3id.org/samt-bu/begrep/"
SBUK = "https://w3id.org/samt-bu/kode/"
SBUS = "https://w3id.org/samt-bu/shapes/"


def _version(*, extra_class=False, drop_prop=False, range_=XSD.string, min_count=0, definition="første",
             drop_code=False, in_values=("a", "b")):
    onto, vocab, shapes = Graph(), Graph(), Graph()
    for cls in ["Vurdering"] + (["Eksamen"] if extra_class else []):
        onto.add((URIRef(SBU + cls), RDF.type, OWL.Class))
    onto.add((URIRef(SBU + "skoleaar"), RDF.type, OWL.DatatypeProperty))
    onto.add((URIRef(SBU + "skoleaar"), RDFS.range, range_))
    if not drop_prop:
        onto.add((URIRef(SBU + "somPrivatist"), RDF.type, OWL.DatatypeProperty))
    concept = URIRef(SBUB + "vurdering")
    vocab.add((concept, RDF.type, SKOS.Concept))
    vocab.add((concept, SKOS.definition, Literal(definition, lang="nb")))
    for code in ["a", "b"][: 1 if drop_code else 2]:
        vocab.add((URIRef(SBUK + "x/" + code), RDF.type, SKOS.Concept))
        vocab.add((URIRef(SBUK + "x/" + code), SKOS.notation, Literal(code)))
    shape = URIRef(SBUS + "Vurdering-skoleaar")
    shapes.add((shape, RDF.type, SH.PropertyShape))
    shapes.add((shape, SH.path, URIRef(SBU + "skoleaar")))
    shapes.add((shape, SH.minCount, Literal(min_count)))
    from rdflib.collection import Collection
    from rdflib import BNode

    head = BNode()
    Collection(shapes, head, [URIRef(SBUK + "x/" + v) for v in in_values])
    shapes.add((shape, SH["in"], head))
    return SimpleNamespace(ontology=onto, vocab=vocab, shapes=shapes)


def test_diff_identical_versions_has_no_changes():
    from samtbu.generate.changelog import diff

    assert diff(_version(), _version(), old_version="0.1.0", new_version="0.2.0").changes == []


def test_diff_reports_added_changed_removed_and_breaking():
    from samtbu.generate.changelog import diff

    old = _version()
    new = _version(extra_class=True, drop_prop=True, range_=XSD.gYear, min_count=1, definition="andre", drop_code=True,
                   in_values=("a",))
    log = diff(old, new, old_version="0.1.0", new_version="0.2.0")
    by_iri = {(c.iri.rsplit("/", 1)[-1], c.status): c for c in log.changes}
    assert ("Eksamen", "added") in by_iri and not by_iri[("Eksamen", "added")].breaking
    assert by_iri[("somPrivatist", "removed")].breaking
    changed_range = by_iri[("skoleaar", "changed")]
    assert changed_range.breaking and str(RDFS.range) in changed_range.predicates
    assert by_iri[("b", "removed")].breaking  # a code disappeared
    concept = by_iri[("vurdering", "changed")]
    assert not concept.breaking and str(SKOS.definition) in concept.predicates
    shape = by_iri[("Vurdering-skoleaar", "changed")]
    assert shape.breaking and str(SH.minCount) in shape.predicates
    assert {c.kind for c in log.breaking} == {"properties", "codes", "shapes"}


def test_diff_relaxing_a_shape_is_not_breaking():
    from samtbu.generate.changelog import diff

    log = diff(_version(min_count=1, in_values=("a",)), _version(min_count=0, in_values=("a", "b")))
    (change,) = [c for c in log.changes if c.kind == "shapes"]
    assert change.status == "changed" and not change.breaking


def test_previous_release_is_found_from_a_git_tag(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    from samtbu.generate.changelog import previous_release

    (tmp_path / "ontology").mkdir()
    (tmp_path / "vocab").mkdir()
    (tmp_path / "shapes").mkdir()
    (tmp_path / "ontology" / "core.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    (tmp_path / "vocab" / "v.ttl").write_text("", encoding="utf-8")
    (tmp_path / "shapes" / "s.ttl").write_text("", encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-q", "-m", "r"], ["git", "tag", "v0.0.9"],
                    ["git", "tag", "v0.2.0"]):
        subprocess.run(command, cwd=tmp_path, check=True, env=env)
    assert previous_release(tmp_path, "0.0.9") is None
    version, folder = previous_release(tmp_path, "0.1.0")
    assert version == "0.0.9" and (folder / "ontology" / "core.ttl").is_file()


def _articles(site: Path, lang: str):
    from lxml import html as lxml_html

    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        in_lang = rel.startswith(f"{lang}/") if lang != "nb" else not rel.startswith(("nn/", "en/"))
        if not in_lang or rel.startswith(("nedlasting/", "assets/", "search/")) or rel == "404.html":
            continue
        tree = lxml_html.fromstring(path.read_bytes())
        for article in tree.xpath("//article"):
            yield rel, article


def test_no_placeholders_doubled_brackets_or_empty_headers(built_site):
    """Issue 18: SHACL message variables shown as words, no "((" made by the generator, every table
    column named, no sssom:NoTermFound shown as a link."""
    problems = []
    for lang in ("nb", "nn", "en"):
        for rel, article in _articles(built_site, lang):
            for code in article.xpath(".//pre|.//code"):
                code.drop_tree()
            text = article.text_content()
            if re.search(r"\{[?$][A-Za-z_]+\}", text):
                problems.append(f"{rel}: a raw SHACL placeholder")
            if re.search(r"\(\s*\(|\[\s*\[", text):
                problems.append(f"{rel}: doubled brackets")
            if any(not th.text_content().strip() for th in article.xpath(".//th")):
                problems.append(f"{rel}: an empty table header")
            if article.xpath(".//a[contains(@href, 'NoTermFound')]"):
                problems.append(f"{rel}: sssom:NoTermFound as a link")
    assert not problems, f"{len(problems)} problems: {problems[:10]}"


def test_sitemap_uses_the_site_url(built_site):
    from samtbu.namespaces import BASE_IRI

    text = (built_site / "sitemap.xml").read_text(encoding="utf-8")
    locations = re.findall(r"<loc>([^<]+)</loc>", text)
    assert locations and all(loc.startswith(BASE_IRI) for loc in locations), locations[:3]
    assert "None" not in text
    # The 404 page's links start at the host's root, where the site is served.
    page = (built_site / "404.html").read_text(encoding="utf-8")
    assert 'href="/samt-bu/' not in page and 'href="/assets/' in page


def test_language_coverage_is_what_the_pages_show(built_site):
    """The overview's figures per language equal the texts the pages mark as shown in another language,
    and every language is complete (issue 18): no page shows a text of the model in another language."""
    from lxml import html as lxml_html

    overview = lxml_html.fromstring((built_site / "en" / "index.html").read_bytes())
    table = next(t for t in overview.xpath("//article//table") if "Coverage" in t.text_content())
    figures, shown, shares = {}, {}, {}
    for row in table.xpath(".//tbody/tr"):
        cells = [c.text_content().strip() for c in row.xpath("./td")]
        figures[cells[0]], shown[cells[0]], shares[cells[0]] = int(cells[2]), int(cells[1]), cells[3]
    names = {"nb": "Norwegian Bokmål", "nn": "Norwegian Nynorsk", "en": "English"}
    from samtbu.generate.site.text import t

    for lang in ("nb", "nn", "en"):
        # each page's box names how many of its texts are shown in another language
        title = re.compile(re.escape(t("missing_title", lang)) + r" \((\d+)\)")
        boxes = sum(int(m.group(1)) for _rel, article in _articles(built_site, lang)
                    for m in title.finditer(" ".join(article.xpath(".//*[contains(@class, 'admonition-title')]//text()")
                                                     + article.xpath(".//summary//text()"))))
        badges = sum(len(article.xpath(".//*[@class='sbu-fallback']")) for _rel, article in _articles(built_site, lang))
        assert figures[names[lang]] == boxes, (lang, figures[names[lang]], boxes)
        assert badges <= boxes, (lang, badges, boxes)  # titles and link texts are counted without a badge
        assert (boxes, badges, shares[names[lang]]) == (0, 0, "100.0%"), (lang, boxes, badges, shares[names[lang]])
        assert shown[names[lang]] > 4000, shown  # the texts were counted, not skipped


def test_term_pages_are_in_the_navigation(built_site):
    """Issue 18: a term page has its breadcrumb, its tab active and its section's pages in the sidebar."""
    for lang in ("nb", "nn", "en"):
        text = _page_html(built_site, lang, "begreper/fagbrev.md")
        assert 'class="md-path"' in text, lang
        assert "md-tabs__item--active" in text, lang
        sidebar = text[text.index('class="md-nav md-nav--primary'):]
        assert sidebar.count("md-nav__link") > 50, lang  # every concept of the section

def test_rules_page_lists_every_rule_in_each_language(built_site, model):
    """The generated table of every validation rule is on the site in nb, nn and en, every rule with its
    anchor, and a message the model lacks in nynorsk is shown as missing there."""
    from samtbu.generate.rules import PAGE_PATH, _anchor, collect_rules

    rules = collect_rules(model)
    for lang in ("nb", "nn", "en"):
        html = _page_html(built_site, lang, PAGE_PATH)
        missing = [r.id for r in rules if f'id="{_anchor(r.id)}"' not in html]
        assert missing == [], f"{lang}: rules not on the page: {missing[:5]}"
        if lang == "nn" and any(r.messages["nn"] is None for r in rules):
            assert 'class="sbu-missing"' in html and "manglar" in html
