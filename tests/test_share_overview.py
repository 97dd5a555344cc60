"""The learner's overview page: content, no external resources, no identity number, and, in a real
headless browser (Debian's chromium driven by Playwright), no accessibility errors found by axe-core
in nb, nn and en."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from samtbu.cli import main
from samtbu.namespaces import SBU
from samtbu.share import share
from samtbu.share.overview import render_overview
from samtbu.validate.input import read_payload

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.json"))
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
LANGS = ("nb", "nn", "en")
AXE = REPO / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def disclosure_log(tmp_path_factory, model):
    """A log with disclosures of the vitnemål example to two recipients and one of another learner."""
    log = tmp_path_factory.mktemp("log") / "utleveringer.ttl"
    record = REPO / "examples" / "vitnemaal-studiespesialisering.json"
    share(record, "opptak-hoeyere-utdanning", "opptak-hoeyere-utdanning", now=NOW, log=log,
          recipient_name="Samordna opptak", model=model)
    share(record, "oppfoelgingstjenesten", "oppfoelging", now=NOW, log=log,
          recipient_name="Oppfølgingstjenesten i Vestland", model=model)
    share(REPO / "examples" / "fagbrev-elektriker.json", "nav", "arbeidsrettet-bistand", now=NOW, log=log, model=model)
    return log


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_overview_renders_without_external_resources_or_identity_number(example, lang, model):
    html = render_overview(example, lang, now=NOW, model=model)
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{lang}">' in html
    assert re.search(r"<title>[^<]+</title>", html) and "<h1>" in html and "<main>" in html
    for external in ("<script", "<link", " src=", "@import", "@font-face", "url(", "http://", "https://"):
        assert external not in html, external
    record = read_payload(example, model=model).graph
    for fnr in record.objects(None, SBU.foedselsnummer):
        assert str(fnr) not in html
    assert not re.search(r"(?<!\d)\d{11}(?!\d)", html)
    assert "@media print" in html


def test_overview_shows_results_competence_and_languages_differ(model):
    record = REPO / "examples" / "vitnemaal-studiespesialisering.json"
    pages = {lang: render_overview(record, lang, now=NOW, model=model) for lang in LANGS}
    assert "Mine resultater" in pages["nb"] and "Resultata mine" in pages["nn"] and "My results" in pages["en"]
    assert "Studiekompetanse" in pages["nb"] and "General university admissions certification" in pages["en"]
    assert "REA3058" in pages["nb"] and "Skoleåret 2025-2026" in pages["nn"]
    assert "Skriftleg eksamen" in pages["nn"] and "Skriftlig eksamen" in pages["nb"]
    assert "Maren Lyngvær" in pages["en"]


def test_overview_lists_who_received_what(model, disclosure_log):
    record = REPO / "examples" / "vitnemaal-studiespesialisering.json"
    html = render_overview(record, "nb", disclosures=disclosure_log, now=NOW, model=model)
    section = html.split('id="utleveringer"', 1)[1]
    assert "Samordna opptak" in section and "Oppfølgingstjenesten i Vestland" in section
    assert "Nav" not in section  # that disclosure concerns another learner
    assert "Opptak til høyere utdanning" in section and "vurdering" in section
    other = render_overview(REPO / "examples" / "fagbrev-elektriker.json", "en", disclosures=disclosure_log, now=NOW, model=model)
    assert "Work-oriented assistance" in other and "Samordna opptak" not in other
    assert "No disclosure log was given" in render_overview(record, "en", now=NOW, model=model)


def test_cli_render_writes_a_page(tmp_path, disclosure_log):
    out = tmp_path / "oversikt.html"
    rc = main(["render", str(REPO / "examples" / "kompetansebevis-delvis.json"), "--lang", "nn",
               "--disclosures", str(disclosure_log), "--now", "2026-11-01T12:00:00Z", "-o", str(out)])
    assert rc == 0
    html = out.read_text(encoding="utf-8")
    assert '<html lang="nn">' in html and "Ikkje vurderingsgrunnlag" in html


def test_overview_is_accessible_in_a_real_browser(tmp_path, model, disclosure_log):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium chromium-driver); the browser test needs it")
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci` in tests/a11y (.ci/run does it)"
    from playwright.sync_api import sync_playwright

    pages = []
    for example in (REPO / "examples" / "vitnemaal-studiespesialisering.json", REPO / "examples" / "fagbrev-elektriker.json"):
        for lang in LANGS:
            path = tmp_path / f"{example.stem}.{lang}.html"
            path.write_text(render_overview(example, lang, disclosures=disclosure_log, now=NOW, model=model), encoding="utf-8")
            pages.append((path, lang))

    axe_source = AXE.read_text(encoding="utf-8")
    problems = []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh user-data-dir
            executable_path=chromium,
            headless=True,
            args=[flag for flag in CHROMIUM_FLAGS if flag != "--headless"],
        )
        try:
            page = context.new_page()
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            for path, lang in pages:
                requests.clear()
                page.goto(path.as_uri())
                assert page.evaluate("document.documentElement.lang") == lang
                assert page.locator("h1").count() == 1
                external = [u for u in requests if not u.startswith("file://")]
                assert not external, external
                page.add_script_tag(content=axe_source)
                result = page.evaluate("async () => await axe.run(document)")
                for violation in result["violations"]:
                    problems.append(f"{path.name}: {violation['id']} ({violation['impact']}): {violation['help']} "
                                    f"[{', '.join(n['target'][0] for n in violation['nodes'][:3])}]")
                assert result["passes"], "axe-core ran no checks"
            # On a phone (390 px) the page does not scroll sideways: wide tables scroll in their box.
            page.set_viewport_size({"width": 390, "height": 900})
            for path, _lang in pages:
                page.goto(path.as_uri())
                overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 0, f"{path.name}: the page is {overflow} px wider than a 390 px screen"
            page.set_viewport_size({"width": 1366, "height": 900})
            # Printable: the navigation is hidden in print and a PDF can be made.
            page.goto(pages[0][0].as_uri())
            page.emulate_media(media="print")
            assert page.locator("nav").evaluate("n => getComputedStyle(n).display") == "none"
            assert len(page.pdf(format="A4")) > 1000
        finally:
            context.close()
    assert not problems, "\n".join(problems)


def test_overview_escapes_what_the_record_says(model):
    """The page is a template: every value from the record is escaped (as html.escape writes it),
    so a name with markup is shown as text, never as markup."""
    import json

    data = json.loads((REPO / "examples" / "vitnemaal-studiespesialisering.json").read_text(encoding="utf-8"))
    learner = next(v for v in data.values() if isinstance(v, dict) and v.get("fornavn") == "Maren")
    learner["fornavn"] = "<b>Maren</b> \"M'\""
    html = render_overview(data, "nn", now=NOW, model=model)
    assert "<b>" not in html
    assert "&lt;b&gt;Maren&lt;/b&gt; &quot;M&#x27;&quot; Lyngvær" in html
    assert html.count("&lt;b&gt;Maren") == 2  # the title and the heading
