"""Every IRI the model defines resolves, behind a real nginx and a real Apache running the generated
content-negotiation configurations over the built site.

For each IRI (samtbu.generate.site.iris.ResourceIndex: classes, properties, concepts, collections, code lists and
their JSON namespaces, codes, shapes, shape and ontology modules, profiles, the sharing policies and
their closed profiles, the mapping sets, the model description, the catalog, the publisher and the
JSON-LD context): ``Accept: text/html`` is redirected to a page that answers 200 and has the element
the IRI's anchor names; ``Accept: text/turtle`` and ``application/ld+json`` are redirected to a file
that answers 200 with that media type, parses as that RDF syntax and contains the IRI. The servers
are started by the test on 127.0.0.1 and stopped after it; a server that is not installed is skipped
with the reason (CI installs both: .ci/run).
"""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, URIRef

from test_site import build_once

# rdflib's JSON-LD parser says ConjunctiveGraph is deprecated on every document it reads.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)
APACHE = shutil.which("apache2") or ("/usr/sbin/apache2" if Path("/usr/sbin/apache2").is_file() else None)
APACHE_MODULES = Path("/usr/lib/apache2/modules")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(port: int, process) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def start_nginx(site: Path, tmp: Path):
    port = _free_port()
    conf = (site / "nedlasting" / "conneg" / "nginx.conf").read_text(encoding="utf-8").replace(
        "    # listen, server_name and root (the built site) as on your host", f"    listen 127.0.0.1:{port}; root {site};")
    (tmp / "samtbu.conf").write_text(conf, encoding="utf-8")
    # As on a host: the distribution's MIME table in http { }, the generated file included beside it.
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").is_file() else ""
    (tmp / "nginx.conf").write_text(
        f"daemon off; pid {tmp}/nginx.pid; error_log {tmp}/error.log;\nevents {{}}\n"
        f"http {{ {mime} access_log off; client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp}; "
        f"uwsgi_temp_path {tmp}; scgi_temp_path {tmp}; include {tmp}/samtbu.conf; }}\n", encoding="utf-8")
    process = subprocess.Popen([NGINX, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)], stderr=subprocess.PIPE)
    _wait(port, process)
    return process, port


def start_apache(site: Path, tmp: Path):
    port = _free_port()
    modules = "\n".join(f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so"
                        for name in ("mpm_event", "authz_core", "mime", "rewrite", "dir"))
    (tmp / "httpd.conf").write_text(
        f"{modules}\nServerRoot {tmp}\nServerName localhost\nListen 127.0.0.1:{port}\nPidFile {tmp}/httpd.pid\n"
        f"ErrorLog {tmp}/error.log\nTypesConfig /etc/mime.types\nDocumentRoot {site}\nDirectoryIndex index.html\n"
        f"<Directory {site}>\n  Require all granted\n</Directory>\n"
        f"Include {site}/nedlasting/conneg/apache.conf\n", encoding="utf-8")
    process = subprocess.Popen([APACHE, "-f", str(tmp / "httpd.conf"), "-DFOREGROUND"], stderr=subprocess.PIPE)
    _wait(port, process)
    return process, port


class Client:
    """Plain HTTP/1.1 to one local server, one kept-alive connection, no redirects followed."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def get(self, path: str, accept: str, language: str = "nb") -> tuple[int, dict, bytes]:
        for attempt in (0, 1):
            try:
                self.connection.request("GET", path, headers={"Accept": accept, "Accept-Language": language})
                response = self.connection.getresponse()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def location(self, path: str, accept: str, language: str = "nb") -> str:
        status, headers, _body = self.get(path, accept, language)
        assert status == 303, f"{path} ({accept}): {status}, not a 303"
        parts = urlsplit(headers["location"])
        return parts.path + (f"#{parts.fragment}" if parts.fragment else "")


@pytest.fixture(scope="module")
def site():
    return build_once()


@pytest.fixture(scope="module")
def resources(model):
    from samtbu.generate.site.index import SiteIndex
    from samtbu.generate.site.iris import ResourceIndex

    return list(ResourceIndex(SiteIndex(model)))


SERVERS = {"nginx": (NGINX, start_nginx), "apache": (APACHE, start_apache)}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request, site, tmp_path_factory):
    binary, start = SERVERS[request.param]
    if binary is None:
        pytest.skip(f"{request.param} is not installed (apt-get install {'nginx-light' if request.param == 'nginx' else 'apache2'})")
    process, port = start(site, tmp_path_factory.mktemp(request.param))
    try:
        yield request.param, Client(port)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_every_defined_iri_answers_html_at_its_anchor(server, resources, site):
    _name, client = server
    assert len(resources) > 300
    pages: dict[str, str] = {}
    problems = []
    for resource in resources:
        target = client.location(resource.path, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        page, _, anchor = target.partition("#")
        if anchor != resource.anchor:
            problems.append(f"{resource.path}: anchor {anchor!r}, expected {resource.anchor!r}")
        if page not in pages:
            status, headers, body = client.get(page, "text/html")
            if status != 200 or not headers.get("content-type", "").startswith("text/html"):
                problems.append(f"{resource.path} -> {page}: {status} {headers.get('content-type')}")
                continue
            pages[page] = body.decode("utf-8")
        if anchor and not re.search(rf'\bid="{re.escape(anchor)}"', pages[page]):
            problems.append(f"{resource.path} -> {target}: the page has no element with that id")
    assert not problems, f"{len(problems)} of {len(resources)} IRIs: {problems[:10]}"


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld")])
def test_every_defined_iri_answers_rdf_that_describes_it(server, resources, accept, fmt):
    _name, client = server
    problems = []
    for resource in resources:
        if resource.graph is None:  # the JSON-LD context: a JSON document, checked below
            continue
        target = client.location(resource.path, accept)
        status, headers, body = client.get(target, "*/*")
        if status != 200 or headers.get("content-type", "").split(";")[0] != accept:
            problems.append(f"{resource.path} -> {target}: {status} {headers.get('content-type')}")
            continue
        graph = Graph().parse(data=body.decode("utf-8"), format=fmt, publicID=resource.iri)
        iri = URIRef(resource.iri)
        if (iri, None, None) not in graph and (None, None, iri) not in graph:
            problems.append(f"{resource.path} -> {target}: the RDF does not mention {iri}")
    assert not problems, f"{len(problems)} IRIs: {problems[:10]}"


def test_context_language_unknown_iris_and_media_types(server, site, model):
    _name, client = server
    import json

    from samtbu.namespaces import CONTEXT_IRI

    context_path = "/" + CONTEXT_IRI.split("/", 4)[-1]
    status, headers, body = client.get(context_path, "application/ld+json")
    if status in (301, 302, 303, 307, 308):  # served by an internal rewrite or a redirect: both fine
        status, headers, body = client.get(urlsplit(headers["location"]).path, "application/ld+json")
    assert status == 200 and "@context" in json.loads(body)
    assert client.location(context_path, "text/html").startswith("/kom-i-gang/#kontekst")
    # Accept-Language picks the page's language.
    assert client.location("/def/Vurdering", "text/html", "nn-NO,nn;q=0.9") == "/nn/klasser/Vurdering/"
    assert client.location("/def/Vurdering", "text/html", "en-GB,en;q=0.9") == "/en/klasser/Vurdering/"
    # Case matters: a class and a property whose names differ only in case.
    assert client.location("/def/Behandlingsgrunnlag", "text/html") == "/klasser/Behandlingsgrunnlag/"
    assert client.location("/def/behandlingsgrunnlag", "text/html") == "/egenskaper/behandlingsgrunnlag/"
    # An IRI the model does not define, in every family, is a 404 (also one ending in "nt").
    for path in ("/def/Finnesikke", "/begrep/finnesikke-element", "/kode/karakter/99", "/shapes/Finnesikke",
                 "/profil/finnesikke", "/mapping/finnesikke", "/ontology/finnesikke"):
        for accept in ("text/html", "text/turtle"):
            status, _headers, _body = client.get(path, accept)
            assert status == 404, f"{path} ({accept}): {status}"
    # The host's MIME table still applies outside the downloads; the downloads get the RDF types.
    for path, media in (("/sitemap.xml", ("text/xml", "application/xml")), ("/assets/images/favicon.png", ("image/png",)),
                        ("/search/search_index.json", ("application/json",)),
                        (f"/nedlasting/samtbu-ontologi-{model.version}.ttl", ("text/turtle",)),
                        (f"/nedlasting/samtbu-ontologi-{model.version}.nt", ("application/n-triples",)),
                        (f"/nedlasting/samtbu-context-{model.version}.jsonld", ("application/ld+json",))):
        status, headers, _body = client.get(path, "*/*")
        assert status == 200 and headers.get("content-type", "").split(";")[0] in media, (path, status, headers.get("content-type"))
