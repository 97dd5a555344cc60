"""Hostile and odd input answered cleanly (issue 15): each case once crashed with a traceback, hung,
or wrote where the user did not mean. Each ends in a report, or in one line on stderr and exit 2."""

from __future__ import annotations

import json
import os
import pty
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from samtbu.cli import main

REPO = Path(__file__).resolve().parents[1]
VITNEMAAL = REPO / "examples" / "vitnemaal-studiespesialisering.json"
CONTEXT = "https://w3id.org/samt-bu/context/0.1.0"


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def samtbu(*args: str, stdin=None, timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samtbu.cli", *args], stdin=stdin, capture_output=True,
                          timeout=timeout, env=_env(), cwd=cwd)


def one_line_error(done: subprocess.CompletedProcess, needle: str) -> str:
    err = done.stderr.decode()
    assert done.returncode == 2, (done.returncode, err[-2000:])
    assert "Traceback" not in err and err.count("\n") == 1, err[-2000:]
    assert needle in err, err
    return err


# -- JSON-LD @context as a list, or with an inline object -----------------------------------------------


def _with_context(context) -> dict:
    return {"@context": context, **json.loads(VITNEMAAL.read_text(encoding="utf-8"))}


ALLOWED_CONTEXTS = {
    "list-of-ours": [CONTEXT],
    "ours-and-an-inline-object": [CONTEXT, {"merknad": "http://example.org/merknad"}],
    "inline-object-then-ours": [{"@version": 1.1}, CONTEXT],
}
REFUSED_CONTEXTS = {
    "remote-in-a-list": ([CONTEXT, "https://example.org/evil.jsonld"], "refused"),
    "import-of-ours": ([{"@import": CONTEXT}], "@import"),
    "import-remote": ({"@import": "https://example.org/evil.jsonld"}, "@import"),
    "nested-remote": ([CONTEXT, {"x": {"@id": "http://example.org/x", "@context": "https://example.org/c"}}], "refused"),
}


@pytest.mark.parametrize("fmt", ["json", "jsonld", None])
@pytest.mark.parametrize("name", sorted(ALLOWED_CONTEXTS))
def test_a_context_list_of_allowed_members_validates(tmp_path, capsys, name, fmt):
    path = tmp_path / "v.json"
    path.write_text(json.dumps(_with_context(ALLOWED_CONTEXTS[name])), encoding="utf-8")
    rc = main(["validate", "-r", "json", str(path), *(["-f", fmt] if fmt else [])])
    out, err = capsys.readouterr()
    assert rc == 0, (out[-3000:], err)
    assert json.loads(out)["conforms"] is True


@pytest.mark.parametrize("name", sorted(REFUSED_CONTEXTS))
def test_remote_contexts_and_import_are_refused_in_any_position(tmp_path, name):
    context, needle = REFUSED_CONTEXTS[name]
    path = tmp_path / "v.jsonld"
    path.write_text(json.dumps(_with_context(context)), encoding="utf-8")
    one_line_error(samtbu("validate", str(path)), needle)


def test_context_lists_over_http_are_answered_not_500(model):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from samtbu.service import Limits, create_app

    with TestClient(create_app(model, Limits(), warm=False)) as client:
        for name, context in ALLOWED_CONTEXTS.items():
            response = client.post("/v1/validate?profile=vitnemaal", content=json.dumps(_with_context(context)),
                                   headers={"Content-Type": "application/ld+json"})
            assert response.status_code == 200 and response.json()["conforms"] is True, (name, response.text[:500])
        for name, (context, needle) in REFUSED_CONTEXTS.items():
            response = client.post("/v1/validate", content=json.dumps(_with_context(context)),
                                   headers={"Content-Type": "application/ld+json"})
            assert response.status_code == 400 and needle in response.json()["detail"], (name, response.text[:500])


# -- standard input a terminal -------------------------------------------------------------------------


def test_validate_without_a_file_on_a_terminal_prints_usage():
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "samtbu.cli", "validate"], stdin=follower,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
        try:
            out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("samtbu validate waited on the terminal instead of printing its usage")
    finally:
        os.close(leader)
        os.close(follower)
    text = err.decode()
    assert process.returncode == 2 and "usage: samtbu validate" in text and "Traceback" not in text, text


# -- external DTDs -------------------------------------------------------------------------------------


def test_an_external_dtd_in_rdfxml_is_refused(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    path = tmp_path / "v.rdf"
    for doctype in (f'<!DOCTYPE rdf:RDF SYSTEM "http://127.0.0.1:{port}/x.dtd">',
                    f'<!DOCTYPE rdf:RDF PUBLIC "-//X//EN" "http://127.0.0.1:{port}/x.dtd">'):
        path.write_text(
            f'<?xml version="1.0"?>\n{doctype}\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="urn:x"><rdf:type rdf:resource="https://w3id.org/samt-bu/def/Vitnemaal"/>'
            "</rdf:Description></rdf:RDF>", encoding="utf-8")
        one_line_error(samtbu("validate", str(path)), "DTD")
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected
    listener.close()


def test_an_external_dtd_in_elmo_is_refused(tmp_path):
    path = tmp_path / "elmo.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE elmo SYSTEM "http://127.0.0.1:9/x.dtd">\n'
                    '<elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v1"/>', encoding="utf-8")
    one_line_error(samtbu("import", "--from", "elmo", str(path)), "DOCTYPE")


# -- samtbu query ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from samtbu.publish import open_store, publish

    folder = tmp_path_factory.mktemp("store") / "store"
    s = open_store(folder)
    try:
        publish(s, "0.1.0")
    finally:
        s.close()
    return folder


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { ?s ?p ?o . service ?endpoint { ?s ?p ?o } } LIMIT 1",
    "SELECT * WHERE { { ?s ?p ?o } UNION { SeRvIcE <urn:x> { ?s ?p ?o } } }",
])
def test_a_service_clause_is_refused(store, query):
    one_line_error(samtbu("query", "--store", str(store), query), "SERVICE")


def test_the_word_service_in_a_literal_or_iri_is_not_a_service_clause(store):
    done = samtbu("query", "--store", str(store), 'SELECT ("SERVICE <x> {}" AS ?t) ?service WHERE { BIND(<urn:SERVICE> AS ?service) }')
    assert done.returncode == 0, done.stderr.decode()


def test_a_non_bmp_character_in_a_param_works(store):
    names = [p.stem for p in (REPO / "queries").glob("*.rq") if "# param:" in p.read_text(encoding="utf-8")]
    assert names, "no shipped query with parameters"
    text = (REPO / "queries" / f"{names[0]}.rq").read_text(encoding="utf-8")
    param = next(line.split(":", 1)[1].split("=")[0].strip() for line in text.splitlines() if line.startswith("# param:"))
    done = samtbu("query", "--store", str(store), "--name", names[0], "--param", f"{param}=\U0001F393 fag \U00010348")
    assert done.returncode == 0 and "Traceback" not in done.stderr.decode(), done.stderr.decode()


# -- samtbu site serve -----------------------------------------------------------------------------------


def test_site_serve_on_a_busy_port_is_one_line(tmp_path):
    (tmp_path / "index.html").write_text("<p>x</p>", encoding="utf-8")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        done = samtbu("site", "serve", "--no-build", "-o", str(tmp_path), "--port", str(busy.getsockname()[1]), timeout=60)
    finally:
        busy.close()
    one_line_error(done, "port")


def test_site_serve_no_build_on_a_missing_folder_is_one_line(tmp_path):
    one_line_error(samtbu("site", "serve", "--no-build", "-o", str(tmp_path / "nope"), "--port", "0", timeout=60), "no such folder")


# -- files and archives --------------------------------------------------------------------------------

SECRET = "samtbu-secret-3c9e"


def _records_folder(tmp_path: Path) -> tuple[Path, Path]:
    """A batch folder with one good record, and beside it (outside) a secret file and a folder."""
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "good.json").write_bytes((REPO / "examples" / "enkeltresultat.json").read_bytes())
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text('{"x": "' + SECRET + '"', encoding="utf-8")  # malformed, and secret
    return folder, outside


@pytest.mark.parametrize("batch", [True, False])
def test_symbolic_links_are_not_followed_by_default_and_never_out_of_the_folder(tmp_path, capsys, batch):
    folder, outside = _records_folder(tmp_path)
    (folder / "inside").mkdir()
    (folder / "inside" / "real.json").write_bytes((REPO / "examples" / "enkeltresultat.json").read_bytes())
    (folder / "out.json").symlink_to(outside / "secret.json")
    (folder / "outdir").symlink_to(outside, target_is_directory=True)
    (folder / "in.json").symlink_to(folder / "inside" / "real.json")
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    flags = ["--batch", "-j", "1"] if batch else []
    for follow in (False, True):
        rc = main(["validate", *flags, "-r", "json", "--profile", "enkeltresultat", *(["--follow-symlinks"] if follow else []), str(folder)])
        out, err = capsys.readouterr()
        assert rc == 2 and SECRET not in out + err, (out, err)
        lines = [json.loads(line) for line in out.splitlines()] if batch else json.loads(out)["records"]
        by_name = {Path(r["source"]).name: r for r in lines if "source" in r and not r.get("crossRecord")}
        assert "error" not in by_name["good.json"] and "error" not in by_name["real.json"]
        assert "out of the folder" in by_name["out.json"]["error"] or (not follow and "not followed" in by_name["out.json"]["error"])
        assert "not followed" in by_name["outdir"]["error"] and "not followed" in by_name["loop"]["error"]
        assert ("error" not in by_name["in.json"]) if follow else ("not followed" in by_name["in.json"]["error"])


@pytest.mark.parametrize("batch", [True, False])
def test_fifos_sockets_and_devices_in_a_folder_are_skipped_with_a_reason(tmp_path, capsys, batch):
    folder, _ = _records_folder(tmp_path)
    os.mkfifo(folder / "pipe.json")  # opening it would wait forever for a writer
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock.json"))
    flags = ["--batch", "-j", "1"] if batch else []
    try:
        rc = main(["validate", *flags, "-r", "json", str(folder)])
    finally:
        server.close()
    out, err = capsys.readouterr()
    assert rc == 2, err
    lines = [json.loads(line) for line in out.splitlines()] if batch else json.loads(out)["records"]
    by_name = {Path(r["source"]).name: r for r in lines if "source" in r}
    assert "FIFO" in by_name["pipe.json"]["error"] and "socket" in by_name["sock.json"]["error"]
    assert "error" not in by_name["good.json"]


def test_a_device_as_a_batch_source_is_refused():
    one_line_error(samtbu("validate", "--batch", "/dev/zero"), "device")


@pytest.mark.parametrize("name, content", [
    ("bad.json", '{"navn": "' + SECRET + '" oops}'),
    ("bad.ttl", f'<urn:x> <urn:p> "{SECRET}" ; {SECRET} .'),
    ("bad.nt", f'<urn:x> <urn:p> "{SECRET}" {SECRET} .'),
    ("bad.rdf", f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><a>{SECRET}</b></rdf:RDF>'),
    ("bad.jsonld", '{"@context": {"@vocab": "urn:v:"}, "@id": "' + SECRET + ' x", "@type": "_:' + SECRET + '"}'),
])
def test_an_unreadable_record_is_named_by_path_and_reason_never_by_its_content(tmp_path, capsys, name, content):
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / name).write_text(content, encoding="utf-8")
    for argv in (["validate", str(folder / name)], ["validate", "--batch", "-j", "1", str(folder)], ["validate", str(folder)]):
        main(argv)
        out, err = capsys.readouterr()
        assert SECRET not in out + err, (argv, out, err)
        assert name in out + err
