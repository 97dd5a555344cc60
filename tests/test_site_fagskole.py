"""The fagskole and events pages of the documentation site, in bokmål, nynorsk and English: the
fagskole examples appear on them (and on their profiles' pages), with the rules and their sources.
The site is the one test_site.py builds (built once per process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("mkdocs", reason="the site extra is not installed (pip install -e '.[site]')")
pytest.importorskip("mkdocs_static_i18n", reason="mkdocs-static-i18n is not installed (pip install -e '.[site]')")

from test_site import build_once, page_file  # noqa: E402  (the same build as test_site.py)

REPO = Path(__file__).resolve().parents[1]
TITLES = {"nb": ("Fagskoleutdanning", "Hendelser og endringer"), "nn": ("Fagskoleutdanning", "Hendingar og endringar"),
          "en": ("Tertiary vocational education", "Events and changes")}


@pytest.fixture(scope="module")
def site() -> Path:
    return build_once()


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_fagskole_page_shows_the_examples_rules_and_sources(site: Path, lang: str):
    html = page_file(site, lang, "fagskole.md").read_text(encoding="utf-8")
    assert TITLES[lang][0] in html
    for name in ("fagskolevitnemaal-elkraft", "fagskolekarakterutskrift-helse", "emnevurdering"):
        example = json.loads((REPO / "examples" / f"{name}.json").read_text(encoding="utf-8"))
        assert name in html and example["id"] in html
    assert "lovdata.no/forskrift/2019-07-11-1005/§41" in html or "lovdata.no/forskrift/2019-07-11-1005/%C2%A741" in html
    assert "4.14-utdanningens-niva-i-nkr" in html
    assert "studiepoengsystem" in html


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_events_page_shows_the_types_and_rules(site: Path, lang: str):
    html = page_file(site, lang, "hendelser.md").read_text(encoding="utf-8")
    assert TITLES[lang][1] in html
    for etype in ("org.w3id.samt-bu.resultat.registrert", "org.w3id.samt-bu.resultat.korrigert",
                  "org.w3id.samt-bu.resultat.trukket-tilbake", "org.w3id.samt-bu.resultat.erstattet"):
        assert etype in html
    assert "samtbu:ResultOutOfOrder" in html and "prov-constraints" in html


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_fagskole_examples_appear_on_their_profile_pages(site: Path, lang: str):
    for profile, example in (("fagskolevitnemaal", "fagskolevitnemaal-elkraft"), ("emnevurdering", "emnevurdering")):
        html = page_file(site, lang, f"profiler/{profile}.md").read_text(encoding="utf-8")
        assert example in html, (lang, profile)
