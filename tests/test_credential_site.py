"""The site's page on signed documents: in every language, with a signed example that verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("cryptography")
pytest.importorskip("mkdocs")

from samtbu.cli import main  # noqa: E402
from samtbu.credential.contexts import CREDENTIALS_V2, OB3_CONTEXT, load_contexts  # noqa: E402


@pytest.fixture(scope="module")
def site() -> Path:
    from tests.test_site import build_once

    return build_once()


@pytest.mark.parametrize("lang,heading", [("", "Signerte dokumenter"), ("nn/", "Signerte dokument"), ("en/", "Signed documents")])
def test_the_credential_page_exists_in_every_language(site, lang, heading):
    page = site / lang / "signering" / "index.html"
    assert page.is_file(), sorted(p.name for p in (site / lang).iterdir())[:40]
    html = page.read_text(encoding="utf-8")
    assert heading in html and "eddsa-rdfc-2022" in html and "RDFC-1.0" in html
    assert "https://www.w3.org/ns/credentials/v2" in html and "context-3.0.3.json" in html


def test_the_signed_example_verifies(site, tmp_path, capsys):
    if not {CREDENTIALS_V2, OB3_CONTEXT} <= set(load_contexts().documents):
        pytest.skip("the contexts are not available locally, so the site has no signed example")
    folder = site / "nedlasting"
    example, trust = folder / "vitnemaal-studiespesialisering.signert.json", folder / "tillitsliste-eksempel.json"
    assert example.is_file() and trust.is_file()
    assert main(["verify", str(example), "--trust-list", str(trust), "--skip-status", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True
    html = (site / "signering" / "index.html").read_text(encoding="utf-8")
    assert json.loads(example.read_text())["proof"][0]["proofValue"] in html
