"""Publishing the model to SPARQL stores: a real Oxigraph server started here (the `oxigraph` CLI from
PyPI) and the embedded store. Publish, query, republish (no change), refusal to overwrite a version,
a failure midway (the server stopped during the publish) leaving the earlier state, and the same
answers from both stores for the shipped queries."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samtbu import MODEL_VERSION
from samtbu.publish import (
    GRAPH_BASE,
    STAGING_BASE,
    EmbeddedStore,
    EndpointStore,
    PublishError,
    collect_artifacts,
    publish,
    published_versions,
    run_named_query,
    shipped_queries,
)

REPO = Path(__file__).resolve().parents[1]
OXIGRAPH = shutil.which("oxigraph")
# The shipped queries with the parameters each is run with.
QUERY_RUNS = [
    ("codes-of-scheme", {}),
    ("codes-of-scheme", {"scheme": "sbuk:vurderingstype", "lang": '"en"'}),
    ("classes-and-properties", {"lang": '"nn"'}),
    ("shapes-using-concept", {}),
    ("shapes-using-concept", {"concept": "sbub:karakter"}),
    ("concepts-changed-since", {"since": f'"{MODEL_VERSION}"'}),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer:
    def __init__(self, location: Path):
        self.location = location
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "OxigraphServer":
        self.process = subprocess.Popen(
            [OXIGRAPH, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oxigraph exited: {self.process.stderr.read().decode()[-1000:]}")
            try:
                if httpx.post(f"{self.url}/query", content="ASK {}", headers={"Content-Type": "application/sparql-query"}, trust_env=False, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("oxigraph did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def store(self, *, graph_store: bool = True) -> EndpointStore:
        return EndpointStore(f"{self.url}/query", f"{self.url}/update", f"{self.url}/store" if graph_store else None)


@pytest.fixture
def server(tmp_path):
    if OXIGRAPH is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph, in the test extra)")
    srv = OxigraphServer(tmp_path / "oxigraph").start()
    yield srv
    srv.stop()


@pytest.fixture
def changed_model(tmp_path) -> Path:
    """A copy of the model with one code label changed: different content for the same version."""
    root = tmp_path / "model"
    for folder in ("ontology", "vocab", "shapes", "crosswalks", "examples"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, root / folder)
    karakter = root / "vocab" / "kodelister" / "karakter.ttl"
    text = karakter.read_text(encoding="utf-8")
    assert '"Ikke møtt"@nb' in text
    karakter.write_text(text.replace('"Ikke møtt"@nb', '"Ikke møtt (endret)"@nb'), encoding="utf-8")
    return root


def live_state(store) -> dict:
    """Everything a reader sees: the manifest and the triple count of every live graph."""
    return {
        "manifest": published_versions(store),
        "graphs": {g: store.count(g) for g in store.graphs_under(GRAPH_BASE)},
    }


def answers(store) -> dict:
    return {
        (name, tuple(sorted(params.items()))): sorted(tuple(sorted(row.items())) for row in run_named_query(store, name, params).rows)
        for name, params in QUERY_RUNS
    }


# -- the artifacts -----------------------------------------------------------------------------------


def test_every_model_file_is_an_artifact(repo):
    names = {a.name for a in collect_artifacts(repo)}
    assert {"ontology/core", "kodelister/karakter", "modell", "katalog", "shapes/core"} <= names
    assert any(n.startswith("begreper/") for n in names)
    assert any(n.startswith("profiler/") for n in names)
    if (repo / "crosswalks" / "elmo.sssom.tsv").exists():
        assert "crosswalks/elmo" in names


def test_the_toolkit_rules_and_the_mapping_sets_are_published(tmp_path, repo):
    """The rules the toolkit checks itself (shapes/verktoey/) are graphs of their own, queryable as the
    shapes are; the mapping sets are those of the model index, one graph each."""
    from samtbu.model import Model

    artifacts = {a.name: a for a in collect_artifacts(repo)}
    rule_files = Model.toolkit_rule_files(repo)
    assert {f"verktoey/{p.stem}" for p in rule_files} == {"verktoey/regler", "verktoey/hendelser"}
    assert {n for n in artifacts if n.startswith("crosswalks/") and not (repo / "crosswalks" / f"{n[11:]}.ttl").exists()} == {
        f"crosswalks/{name}" for name in Model.load(repo).index.mapping_sets}
    store = EmbeddedStore(tmp_path / "store")
    assert publish(store, root=repo).changed
    result = store.query(f"""
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?rule ?message WHERE {{ GRAPH <{artifacts["verktoey/regler"].iri(MODEL_VERSION)}> {{
          ?rule a sh:ConstraintComponent ; sh:message ?message . FILTER(lang(?message) = "nn") }} }}""")
    messages = {row["rule"]: row["message"] for row in result.rows}
    assert "<https://w3id.org/samt-bu/validering#Unreadable>" in messages
    assert messages["<https://w3id.org/samt-bu/validering#UnknownField>"].startswith('"Ukjend felt')
    events = artifacts["verktoey/hendelser"].iri(MODEL_VERSION)
    assert store.count(events) == len(artifacts["verktoey/hendelser"].graph) > 100
    store.close()


def test_shipped_queries_exist():
    assert {"shapes-using-concept", "codes-of-scheme", "concepts-changed-since", "classes-and-properties"} <= set(shipped_queries())


# -- against a real server ------------------------------------------------------------------------------


def test_publish_query_and_republish_on_a_server(server, repo):
    store = server.store()
    outcome = publish(store, root=repo)
    assert outcome.changed
    state = live_state(store)
    entry = state["manifest"][MODEL_VERSION]
    local = {a.iri(MODEL_VERSION): len(a.graph) for a in collect_artifacts(repo)}
    assert entry["graphs"] == local
    assert {g: n for g, n in state["graphs"].items() if g != GRAPH_BASE + "manifest"} == local
    assert store.graphs_under(STAGING_BASE) == []

    codes = run_named_query(store, "codes-of-scheme")
    notations = {codes.value(r, "notation") for r in codes.rows}
    assert {"1", "6", "IV", "B"} <= notations

    again = publish(store, root=repo)
    assert not again.changed and "nothing changed" in again.message
    assert live_state(store) == state  # not even the issue date moved


def test_a_published_version_is_not_overwritten_by_accident(server, repo, changed_model):
    store = server.store()
    publish(store, root=repo)
    before = live_state(store)
    with pytest.raises(PublishError, match="already published"):
        publish(store, root=changed_model)
    assert live_state(store) == before
    # a new version sits beside the old one; --force replaces
    publish(store, "0.2.0", root=changed_model)
    changed = run_named_query(store, "concepts-changed-since", {"since": f'"{MODEL_VERSION}"', "version": '"0.2.0"'})
    assert [(changed.value(r, "concept"), changed.value(r, "change")) for r in changed.rows] == [
        ("https://w3id.org/samt-bu/kode/karakter/IM", "changed")
    ]
    forced = publish(store, root=changed_model, force=True)
    assert forced.changed and "republished" in forced.message
    assert published_versions(store)[MODEL_VERSION]["checksum"] == published_versions(store)["0.2.0"]["checksum"]


def test_server_stopped_midway_leaves_the_earlier_state(server, repo, changed_model):
    publish(server.store(), root=repo)
    before = live_state(server.store())
    staged = []

    def stop_after_three(stage: str, name: str) -> None:
        if stage == "staged":
            staged.append(name)
            if len(staged) == 3:
                server.stop()

    with pytest.raises(PublishError, match="did not answer"):
        publish(server.store(), root=changed_model, force=True, on_progress=stop_after_three)
    server.start()
    store = server.store()
    assert live_state(store) == before
    labels = run_named_query(store, "codes-of-scheme")
    assert "Ikke møtt (endret)" not in {labels.value(r, "label") for r in labels.rows}
    # the next publish cleans up the staging graphs of the interrupted one
    assert publish(store, root=changed_model, force=True).changed
    assert store.graphs_under(STAGING_BASE) == []


def test_loading_without_the_graph_store_protocol(server, repo):
    store = server.store(graph_store=False)
    publish(store, root=repo)
    local = {a.iri(MODEL_VERSION): len(a.graph) for a in collect_artifacts(repo)}
    assert published_versions(store)[MODEL_VERSION]["graphs"] == local
    assert all(store.count(g) == n for g, n in local.items())


# -- the embedded store -----------------------------------------------------------------------------------


def test_embedded_store_publish_republish_and_failure(tmp_path, repo, changed_model):
    store = EmbeddedStore(tmp_path / "store")
    assert publish(store, root=repo).changed
    before = live_state(store)
    assert not publish(store, root=repo).changed
    assert live_state(store) == before

    def fail(stage: str, name: str) -> None:
        if stage == "verified":
            raise PublishError("injected failure")

    with pytest.raises(PublishError, match="injected"):
        publish(store, root=changed_model, force=True, on_progress=fail)
    assert live_state(store) == before
    store.close()


def test_embedded_store_answers_as_the_server_does(server, tmp_path, repo):
    remote = server.store()
    embedded = EmbeddedStore(tmp_path / "store")
    publish(remote, root=repo)
    publish(embedded, root=repo)
    remote_answers, embedded_answers = answers(remote), answers(embedded)
    assert remote_answers == embedded_answers
    assert all(rows for key, rows in remote_answers.items() if key[0] != "concepts-changed-since")
    embedded.close()


# -- the command line -------------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samtbu.cli", *args], capture_output=True, text=True, timeout=600, cwd=REPO)


def test_cli_publish_query_and_refusal(tmp_path, changed_model):
    folder = tmp_path / "store"
    first = run_cli("publish", "--store", str(folder))
    assert first.returncode == 0, first.stderr
    assert "published version" in first.stdout
    second = run_cli("publish", "--store", str(folder))
    assert second.returncode == 0 and "nothing changed" in second.stdout
    result = run_cli("query", "--store", str(folder), "--name", "codes-of-scheme", "--param", "scheme=sbuk:dokumentstatus", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert {"gyldig", "annullert", "erstattet"} <= {line.split(",")[1] for line in result.stdout.splitlines()[1:]}

    other = tmp_path / "other"
    store = EmbeddedStore(other)
    publish(store, root=changed_model)
    store.close()
    refused = run_cli("publish", "--store", str(other))
    assert refused.returncode == 2
    assert "already published" in refused.stderr and "Traceback" not in refused.stderr
    bad = run_cli("query", "--store", str(folder), "SELECT WHERE {")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
