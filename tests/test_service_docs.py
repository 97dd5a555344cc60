"""The service's interactive documentation works offline, and the service leaves rdflib as it is.

/docs (Swagger UI) and /redoc load their scripts and styles from the installed package
(fastapi-offline), never from a CDN: checked on the HTML, on each asset, and in Debian's headless
Chromium against a real `samtbu serve` on loopback with every other address blocked.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("fastapi", reason="the service needs fastapi (pip install 'samtbu[service]')")
pytest.importorskip("fastapi_offline", reason="the service needs fastapi-offline (pip install 'samtbu[service]')")
from fastapi.testclient import TestClient  # noqa: E402

from samtbu.service import Limits, create_app  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import service_load  # noqa: E402

CHROMIUM = os.environ.get("SAMTBU_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = REPO / "build" / "screenshots"


@pytest.fixture(scope="module")
def client(model):
    with TestClient(create_app(model, Limits(), warm=False)) as c:
        yield c


def _asset_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]+)['"]""", html) + re.findall(r"""url:\s*['"]([^'"]+)['"]""", html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_documentation_pages_load_only_local_assets(client, page):
    response = client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    remote = re.findall(r"https?://[^\s'\"<>]+", html.replace("http://www.w3.org/2000/svg", ""))
    assert remote == [], f"{page} names remote addresses: {remote}"
    urls = _asset_urls(html)
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts, f"{page} loads no script: {urls}"
    for url in urls:
        assert not urlsplit(url).netloc, f"{page} loads {url} from another host"
        asset = client.get(url)
        assert asset.status_code == 200, (url, asset.status_code)
        if url.endswith(".js"):
            assert "javascript" in asset.headers["content-type"] and len(asset.content) > 100_000, url
        if url.endswith(".css"):
            assert asset.headers["content-type"].startswith("text/css"), url


def test_rdflib_is_left_as_it_is(client):
    """The service used to replace rdflib's SPARQL processor for the whole process; it no longer
    changes anything in rdflib (the pyshacl path parses each query once on its own graphs)."""
    from rdflib.plugins.sparql import processor

    assert client.get("/readyz").json()["status"] == "ready"
    query = processor.SPARQLProcessor.query
    assert query.__module__ == "rdflib.plugins.sparql.processor" and not hasattr(query, "__wrapped__"), query


# -- in a real browser, offline ------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with service_load.serving() as url:
        yield url


def test_swagger_ui_renders_offline_in_chromium(server):
    if not Path(CHROMIUM).is_file() and shutil.which("chromium") is None:
        pytest.skip(f"chromium is not installed ({CHROMIUM}); apt-get install -y chromium chromium-driver")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    refused: list[str] = []

    def only_loopback(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="samtbu-chromium-") as profile, sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = context.new_page()
            page.route("**/*", only_loopback)
            page.goto(f"{server}/docs", wait_until="networkidle")
            page.wait_for_selector(".opblock-summary-path", timeout=60_000)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            title = page.locator(".info .title").inner_text()
            page.screenshot(path=str(SCREENSHOTS / "service-docs.png"), full_page=False)
        finally:
            context.close()
    assert refused == [], f"/docs tried to load from elsewhere: {refused}"
    assert "samtbu validation service" in title
    for path in ("/v1/validate", "/v1/profiles", "/context/{version}", "/healthz"):
        assert any(path in p.replace("\u200b", "") for p in paths), (path, paths)
