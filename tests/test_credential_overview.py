"""The learner's overview with digital originals: per document, verified or not (with the reason),
and the signed file offered for download; in a real browser, accessible, and the download works."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

pytest.importorskip("cryptography")

from samtbu.cli import main  # noqa: E402
from samtbu.credential.contexts import CREDENTIALS_V2, OB3_CONTEXT, load_contexts  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RECORD = REPO / "examples" / "vitnemaal-studiespesialisering.json"
NOW = "2026-11-01T12:00:00Z"


@pytest.fixture(scope="module")
def signed_files(tmp_path_factory):
    if not {CREDENTIALS_V2, OB3_CONTEXT} <= set(load_contexts().documents):
        pytest.skip("the credentials v2 and OB 3.0 contexts are not available locally")
    folder = tmp_path_factory.mktemp("originals")
    key, trust = folder / "key.json", folder / "trust.json"
    assert main(["keys", "new", "-o", str(key), "--trust-list", str(trust), "--orgnr", "994123750"]) == 0
    good = folder / "vitnemaal.json"
    assert main(["sign", str(RECORD), "--key", str(key), "-o", str(good), "-q"]) == 0
    tampered = folder / "vitnemaal-endret.json"
    document = json.loads(good.read_text())
    document["credentialSubject"]["result"][0]["value"] = "6"
    tampered.write_text(json.dumps(document, ensure_ascii=False))
    return {"good": good, "tampered": tampered, "trust": trust, "folder": folder}


def _render(files, credential: Path, lang: str) -> str:
    out = files["folder"] / f"overview-{credential.stem}-{lang}.html"
    assert main(["render", str(RECORD), "--lang", lang, "--now", NOW, "--credential", str(credential),
                 "--trust-list", str(files["trust"]), "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang,verified,download", [("nb", "Verifisert", "Last ned signert fil"),
                                                     ("nn", "Verifisert", "Last ned signert fil"),
                                                     ("en", "Verified", "Download the signed file")])
def test_a_verified_original_is_shown_and_offered(signed_files, lang, verified, download):
    html = _render(signed_files, signed_files["good"], lang)
    assert verified in html and download in html
    href = re.search(r'href="data:application/ld\+json;base64,([^"]+)" download="vitnemaal.json"', html)
    assert href, "no download link"
    assert base64.b64decode(href.group(1)) == signed_files["good"].read_bytes()
    assert "14830751220" not in html


def test_a_tampered_original_says_why_and_is_not_offered(signed_files):
    html = _render(signed_files, signed_files["tampered"], "nb")
    assert "Ikke gyldig: endret etter signering" in html
    assert "download=" not in html


def test_without_originals_the_page_is_as_before(model):
    from samtbu.share.overview import render_overview

    html = render_overview(RECORD, "nb", now=datetime(2026, 11, 1, tzinfo=timezone.utc), model=model)
    assert "Digital original" not in html


def test_the_download_works_in_a_real_browser(signed_files, tmp_path):
    from tests.test_share_overview import AXE, CHROMIUM_FLAGS, _chromium

    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium chromium-driver); the browser test needs it")
    from playwright.sync_api import sync_playwright

    page_file = signed_files["folder"] / "overview-vitnemaal-nb.html"
    _render(signed_files, signed_files["good"], "nb")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=chromium, headless=True,
                                                       accept_downloads=True,
                                                       args=[f for f in CHROMIUM_FLAGS if f != "--headless"])
        try:
            page = context.new_page()
            page.goto(page_file.as_uri())
            cell = page.locator("table").first.locator("td").last
            assert "Verifisert" in cell.inner_text()
            with page.expect_download() as download:
                page.get_by_role("link", name="Last ned signert fil").click()
            saved = Path(download.value.path())
            assert download.value.suggested_filename == "vitnemaal.json"
            assert saved.read_bytes() == signed_files["good"].read_bytes()
            page.locator("section[aria-labelledby=dokumentasjon]").screenshot(path=str(tmp_path / "dokumentasjon.png"))
            if AXE.is_file():
                page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
                result = page.evaluate("async () => await axe.run(document)")
                assert not result["violations"], [v["id"] for v in result["violations"]]
        finally:
            context.close()
