"""The documentation site in a real browser: Debian's headless Chromium driven by Playwright, against a
local HTTP server on 127.0.0.1. Searches for a Norwegian term and reaches its concept page, switches
language, and renders a class diagram (Mermaid SVG). Screenshots go to build/screenshots/; the
README's screenshots (docs/screenshots/) are refreshed by running with SAMTBU_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import functools
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
