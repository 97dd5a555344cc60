"""The documentation site in a real browser: Debian's headless Chromium driven by Playwright, against a
local HTTP server on 127.0.0.1. Searches for a Norwegian term and reaches its concept page, switches
language, renders a class diagram (Mermaid SVG); seven kinds of page in nb, nn and en at 1366 and
390 px (no overflow, no placeholder, no fixed text of another language, the right invalid example);
every concept found first by its own terms in each language; the module diagrams' text size (11 px or more at 1366 px) and links.
Screenshots go to build/screenshots/; the README's screenshots (docs/screenshots/) are refreshed by
running with SAMTBU_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import functools
import re
import http.server
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from test_site import REPO, build_once

CHROMIUM = os.environ.get("SAMTBU_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = REPO / "build" / "screenshots"
README_SHOTS = REPO / "docs" / "screenshots"

if not Path(CHROMIUM).is_file() and shutil.which("chromium") is None:
    pytest.skip(f"chromium is not installed ({CHROMIUM}); apt-get install -y chromium chromium-driver",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D102 - keep the test output clean
        pass


@pytest.fixture(scope="module")
def server():
    site = build_once()
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser_page(server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="samtbu-chromium-")
    executable = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 800}, locale="nb-NO",
        )
        page = context.new_page()
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
        try:
            yield page, outside
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def _shot(page, name: str, readme: bool = False) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if readme and os.environ.get("SAMTBU_UPDATE_SCREENSHOTS"):
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_SHOTS / f"{name}.png"))


def _shadow_svg_count(page) -> int:
    """SVG elements inside the diagrams' shadow roots (mkdocs-material attaches them closed, so the
    page's own scripts cannot see them; the DevTools protocol can)."""
    session = page.context.new_cdp_session(page)
    document = session.send("DOM.getDocument", {"depth": -1, "pierce": True})
    count = 0

    def walk(node, in_mermaid=False):
        nonlocal count
        attributes = node.get("attributes", [])
        is_mermaid = in_mermaid or ("class" in attributes and "mermaid" in attributes[attributes.index("class") + 1].split())
        if is_mermaid and node.get("nodeName", "").lower() == "svg":
            count += 1
        for child in node.get("children", []) + node.get("shadowRoots", []):
            walk(child, is_mermaid)

    walk(document["root"])
    session.detach()
    return count


def test_search_for_a_norwegian_term_reaches_its_concept_page(server, browser_page):
    page, _outside = browser_page
    page.goto(server + "/")
    assert "samtbu" in page.title()
    _shot(page, "overview")
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("standpunktkarakter", delay=30)  # keystrokes, as a user types
    result = page.locator("a.md-search-result__link[href*='begreper/standpunktkarakter/']").first
    result.wait_for(state="visible", timeout=20_000)
    _shot(page, "search")
    result.click()
    page.wait_for_url("**/begreper/standpunktkarakter/**", timeout=20_000)
    assert page.locator("h1").first.inner_text().replace("¶", "").strip() == "standpunktkarakter"
    assert "/nn/" not in page.url and "/en/" not in page.url
    page.goto(server + "/begreper/standpunktkarakter/")  # without the search highlighting
    _shot(page, "concept-page", readme=True)


def test_language_switch_leads_to_the_same_concept_in_english(server, browser_page):
    page, _outside = browser_page
    page.goto(server + "/begreper/standpunktkarakter/")
    page.locator(".md-header__option .md-select").first.hover()
    link = page.locator("a.md-select__link[hreflang='en']").first
    link.wait_for(state="visible", timeout=10_000)
    link.click()
    page.wait_for_url("**/en/begreper/standpunktkarakter/**", timeout=20_000)
    assert page.locator("h1").first.inner_text().replace("¶", "").strip() == "final assessment grade"
    assert page.locator("html").get_attribute("lang") == "en"
    _shot(page, "concept-page-en")
    # and on to nynorsk
    page.locator(".md-header__option .md-select").first.hover()
    page.locator("a.md-select__link[hreflang='nn']").first.click()
    page.wait_for_url("**/nn/begreper/standpunktkarakter/**", timeout=20_000)
    assert "Tilrådd term" in page.content()


def test_class_page_renders_its_mermaid_diagram_offline(server, browser_page):
    page, outside = browser_page
    page.goto(server + "/klasser/Vurdering/")
    page.wait_for_function("typeof mermaid !== 'undefined'", timeout=20_000)
    # The diagram's <pre class="mermaid"> is replaced by a rendered <div class="mermaid">.
    page.wait_for_selector("div.mermaid", timeout=30_000)
    page.wait_for_function("document.querySelector('div.mermaid').getBoundingClientRect().height > 100", timeout=30_000)
    assert _shadow_svg_count(page) >= 1
    _shot(page, "class-page-top")
    page.evaluate("document.querySelector('div.mermaid').previousElementSibling.scrollIntoView(); window.scrollBy(0, -70)")
    _shot(page, "class-page", readme=True)
    assert not outside, f"the site fetched from outside: {outside[:5]}"


# -- issue 18: seven kinds of page, three languages, two widths ------------------------------------
PAGES = {
    "concept": "begreper/fagbrev/",
    "class": "klasser/Vurdering/",
    "property": "egenskaper/dokumenterer/",
    "code-list": "kodelister/karakter/",
    "profile": "profiler/vitnemaal/",
    "sharing": "deling/",
    "crosswalk": "koblinger/elm/",
}
WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}
PREFIX = {"nb": "", "nn": "nn/", "en": "en/"}


def _fixed_texts() -> dict[str, set[str]]:
    """Every fixed text the site generator writes, per language."""
    from samtbu.generate.site import misc as site_misc, ontology as site_ontology, tables as site_tables, text as site_text

    tables = [site_text.T, site_misc.X, site_tables.X, site_ontology.X, site_text.STATUS_LABELS]
    out: dict[str, set[str]] = {"nb": set(), "nn": set(), "en": set()}
    for table in tables:
        for values in table.values():
            for lang, value in zip(("nb", "nn", "en"), values):
                out[lang].add(value.split("{")[0].strip())
    return out


def _foreign_fixed_texts(lang: str) -> list[str]:
    """Fixed texts of the other languages that cannot occur in this language's texts (long enough to
    be unambiguous)."""
    texts = _fixed_texts()
    own = " | ".join(texts[lang])
    return sorted({t for other in texts if other != lang for t in texts[other]
                   if len(t) >= 12 and t not in own and "`" not in t and "(" not in t})


VISIBLE_OWN_TEXT = """() => {
  const clone = document.querySelector('article.md-content__inner').cloneNode(true);
  const lang = document.documentElement.lang;
  clone.querySelectorAll('[lang], pre, code, .sbu-fallback, .headerlink').forEach(e => {
    if (!e.hasAttribute('lang') || e.getAttribute('lang') !== lang) e.remove();
  });
  return clone.textContent;
}"""

# Nothing wider than the window; every table, code block and admonition inside the content column
# (the theme's table wrapper reaches into the column's padding by design); a table wider than its
# wrapper must scroll inside it, not be cut off.
OVERFLOW = """() => {
  const doc = document.documentElement;
  const out = [];
  if (doc.scrollWidth > window.innerWidth + 1) out.push(`page ${doc.scrollWidth} > ${window.innerWidth}`);
  const box = document.querySelector('.md-content').getBoundingClientRect();
  document.querySelectorAll('article .md-typeset__scrollwrap, article pre, article .admonition, article details, article img').forEach(e => {
    const r = e.getBoundingClientRect();
    if (r.width && (r.right > box.right + 1 || r.left < box.left - 1)) out.push(`${e.tagName}.${e.className} ${Math.round(r.left)}..${Math.round(r.right)} outside ${Math.round(box.left)}..${Math.round(box.right)}`);
  });
  document.querySelectorAll('article table').forEach(t => {
    const wrap = t.closest('.md-typeset__table') || t.parentElement;
    const scroller = t.closest('.md-typeset__scrollwrap');
    if (t.scrollWidth > wrap.clientWidth + 1 && !(scroller && ['auto', 'scroll'].includes(getComputedStyle(scroller).overflowX)))
      out.push(`a table ${t.scrollWidth} px wide in ${wrap.clientWidth} px, not scrollable`);
  });
  return out;
}"""


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_seven_kinds_of_page_in_three_languages(server, browser_page, width, model):
    from samtbu.generate.site.index import SiteIndex
    from samtbu.generate.site.profiles import invalid_examples

    page, outside = browser_page
    page.set_viewport_size({"width": WIDTHS[width][0], "height": WIDTHS[width][1]})
    invalid = invalid_examples(SiteIndex(model), "vitnemaal")[0]
    problems = []
    for lang in ("nb", "nn", "en"):
        foreign = _foreign_fixed_texts(lang)
        for kind, path in PAGES.items():
            page.goto(f"{server}/{PREFIX[lang]}{path}")
            page.wait_for_load_state("load")
            assert page.locator("html").get_attribute("lang") == lang
            name = f"i18-{kind}-{lang}-{width}"
            _shot(page, name)
            # and the page's widest table, where layout problems show
            widest = page.evaluate("""() => { const ts = [...document.querySelectorAll('article table')];
              if (!ts.length) return false; ts.sort((a, b) => b.scrollWidth - a.scrollWidth);
              ts[0].scrollIntoView(); window.scrollBy(0, -80); return true; }""")
            if widest:
                _shot(page, name + "-table")
            where = f"{kind}/{lang}/{width}"
            body = page.locator("article.md-content__inner").inner_text()
            if re.search(r"\{[?$][A-Za-z_]+\}", body):
                problems.append(f"{where}: a raw SHACL placeholder")
            for overflow in page.evaluate(OVERFLOW):
                problems.append(f"{where}: overflow {overflow}")
            own = page.evaluate(VISIBLE_OWN_TEXT)
            for text in foreign:
                if text in own:
                    problems.append(f"{where}: text of another language: {text!r}")
            # The page is inside the navigation: its tab is active and the breadcrumb leads to it.
            if width == "desktop" and kind != "sharing":
                if not page.locator(".md-tabs__item--active").count():
                    problems.append(f"{where}: no active tab")
                if not page.locator("nav.md-path").count():
                    problems.append(f"{where}: no breadcrumb")
            if kind == "profile":
                report = page.locator("pre").filter(has_text=invalid.name)
                assert report.count() >= 1, f"{where}: the invalid example {invalid.name} is not shown"
                text = page.content()
                assert f"tests/fixtures/invalid/vitnemaal/{invalid.name}" in text, where
                headings = page.locator("article h3").all_inner_texts()
                assert not any(".expected.json" in h for h in headings), f"{where}: an expected-results file shown as a payload"
                assert {"en": "does NOT conform", "nb": "IKKE i samsvar", "nn": "IKKJE i samsvar"}[lang] in text, where
                page.locator("h3", has_text=invalid.name).first.scroll_into_view_if_needed()
                _shot(page, name + "-invalid")
    assert not problems, f"{len(problems)} problems: {problems[:20]}"
    assert not outside, f"the site fetched from outside: {outside[:5]}"


# The page's own search path: the index fetched as the theme fetches it (the page's script swaps in
# its language's index), the theme's worker created as the theme creates it (the page's script
# reorders its results), queries posted and results received as the theme does.
SEARCH = """async ([indexUrl, workerUrl, queries]) => {
  const index = await (await fetch(indexUrl)).json();
  const worker = new Worker(workerUrl);
  let resolve;
  worker.addEventListener("message", e => resolve(e.data));
  const ask = (message) => new Promise(r => { resolve = r; worker.postMessage(message); });
  await ask({type: 0, data: Object.assign(index, {options: {suggest: true}})});
  const out = {};
  for (const q of queries) {
    const result = await ask({type: 2, data: q});
    const items = result.data.items;
    out[q] = items.length ? String(items[0][0].location).split("#")[0] : null;
  }
  worker.terminate();
  return out;
}"""


def test_every_concept_is_the_first_hit_for_its_own_terms(server, browser_page, model):
    """Search in each language: every preferred and admitted term of every concept, in nb, nn and en,
    finds that concept first."""
    from rdflib import SKOS
    from samtbu.generate.site.index import SiteIndex
    from samtbu.namespaces import local_name

    page, _outside = browser_page
    site = build_once()
    worker_url = server + "/" + next((site / "assets" / "javascripts" / "workers").glob("search.*.min.js")).relative_to(site).as_posix()
    idx = SiteIndex(model)
    misses, asked = [], 0
    for lang in ("nb", "nn", "en"):
        page.goto(f"{server}/{PREFIX[lang]}")
        queries: dict[str, set] = {}
        for concept in idx.concepts:
            for predicate in (SKOS.prefLabel, SKOS.altLabel):
                for label in idx.vocab.objects(concept, predicate):
                    if label.language == lang:
                        queries.setdefault(str(label), set()).add(f"{PREFIX[lang]}begreper/{local_name(concept)}/")
        found = page.evaluate(SEARCH, [f"{server}/search/search_index.json", worker_url, sorted(queries)])
        asked += len(queries)
        for label, wanted in queries.items():
            if found[label] not in wanted:
                misses.append(f"{lang}: {label!r} -> {found[label]} (wanted {sorted(wanted)})")
    assert asked > 150
    assert not misses, f"{len(misses)} of {asked} terms: {misses[:15]}"


def _mermaid_svgs(page) -> list[dict]:
    """Each rendered diagram (inside the closed shadow roots, via DevTools): its viewBox, links, rendered
    width, and the rendered font size of every box and edge label (the computed font size times the
    scale at which the SVG is drawn)."""
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    document = session.send("DOM.getDocument", {"depth": -1, "pierce": True})
    found: list[dict] = []

    def font_px(node_id) -> float:
        style = session.send("CSS.getComputedStyleForNode", {"nodeId": node_id})["computedStyle"]
        return float(next(p["value"] for p in style if p["name"] == "font-size").removesuffix("px"))

    def walk(node, in_mermaid=False, svg=None):
        attributes = dict(zip(node.get("attributes", [])[::2], node.get("attributes", [])[1::2]))
        name = node.get("nodeName", "").lower()
        in_mermaid = in_mermaid or "mermaid" in attributes.get("class", "").split()
        if in_mermaid and name == "svg" and svg is None and "viewBox" in attributes:
            box = session.send("DOM.getBoxModel", {"nodeId": node["nodeId"]})["model"]
            svg = {"viewBox": attributes["viewBox"], "links": [], "width": box["width"], "labels": []}
            found.append(svg)
        if svg is not None and name == "a":
            svg["links"].append(attributes.get("href") or attributes.get("xlink:href"))
        if svg is not None and {"nodeLabel", "edgeLabel"} & set(attributes.get("class", "").split()):
            text = "".join(c.get("nodeValue", "") for c in _descendants(node) if c.get("nodeType") == 3).strip()
            if text:
                svg["labels"].append((text, font_px(node["nodeId"])))
        for child in node.get("children", []) + node.get("shadowRoots", []):
            walk(child, in_mermaid, svg)

    walk(document["root"])
    session.detach()
    for svg in found:
        scale = svg["width"] / float(svg["viewBox"].split()[2])
        svg["scale"] = scale
        svg["labels"] = [(text, size * scale) for text, size in svg["labels"]]
    return found


def _descendants(node):
    for child in node.get("children", []):
        yield child
        yield from _descendants(child)


MIN_TEXT_PX = 11  # issue 18: legible diagram text at 1366 px


def test_module_diagrams_are_legible_and_link_to_class_pages(server, browser_page, model):
    """Issue 18: the overview diagram is split by module (a large module into its hierarchies and its
    object properties); at 1366 px every box and edge label of every diagram is drawn at 11 px or more
    (its computed font size times the SVG's scale), and the boxes link to the class pages."""
    from samtbu.generate.site.index import SiteIndex

    page, outside = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    idx = SiteIndex(model)
    checked = 0
    scales: dict[str, list[float]] = {}
    for name in idx.module_names:
        page.goto(f"{server}/ontologi/{name}/")
        expected = page.locator(".mermaid").count()
        if not expected:
            continue
        page.wait_for_function(
            f"document.querySelectorAll('div.mermaid').length === {expected} && "
            "[...document.querySelectorAll('div.mermaid')].every(d => d.getBoundingClientRect().height > 50)", timeout=30_000)
        svgs = _mermaid_svgs(page)
        assert len(svgs) == expected, f"{name}: {len(svgs)} of {expected} diagrams rendered"
        # a diagram wider than the column scrolls inside it
        assert page.evaluate("getComputedStyle(document.querySelector('div.mermaid')).overflowX") in ("auto", "scroll")
        scales[name] = [round(svg["scale"], 2) for svg in svgs]
        for svg in svgs:
            assert svg["labels"], f"{name}: no labels found in a diagram"
            small = [(text, round(px, 1)) for text, px in svg["labels"] if px < MIN_TEXT_PX]
            assert not small, f"{name}: labels drawn below {MIN_TEXT_PX} px: {small[:5]}"
            assert any(link and "klasser/" in link for link in svg["links"]), f"{name}: no box links to a class page"
        for number in range(len(svgs)):
            page.locator("div.mermaid").nth(number).scroll_into_view_if_needed()
            _shot(page, f"i18-module-{name}-{number + 1}")
        checked += 1
    print("module diagram scales:", scales)
    assert checked >= 3
    assert not outside, f"the site fetched from outside: {outside[:5]}"
