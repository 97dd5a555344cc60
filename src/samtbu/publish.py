"""`samtbu publish` and `samtbu query`: the model in a SPARQL 1.1 store, as named graphs per artifact and version.

Graphs: ``https://w3id.org/samt-bu/graph/{version}/{artifact}``, e.g. ``.../graph/0.1.0/ontology/core``,
``.../graph/0.1.0/kodelister/karakter``, ``.../graph/0.1.0/profiler/vitnemaal``,
``.../graph/0.1.0/verktoey/regler`` (the rules the toolkit checks itself, ``shapes/verktoey/``),
``.../graph/0.1.0/crosswalks/elmo``. A manifest graph, ``https://w3id.org/samt-bu/graph/manifest``,
records each published version: its graphs (``dct:hasPart``), their triple counts (``void:triples``)
and a SHA-256 checksum of the model files it was made from (``spdx:checksum``).

Stores: the embedded default is an Oxigraph store in a folder (pyoxigraph, no server); any SPARQL 1.1
server is reached through the standard protocols only: Query and Update over HTTP, and, when its URL
is given, the Graph Store HTTP Protocol for loading (otherwise graphs are loaded with ``INSERT DATA``).

Publishing a version is atomic and repeatable:

1. the graphs are built from the model files and checksummed; if the manifest already has this version
   with the same checksum, nothing is written at all; with a different checksum the version is refused
   (a published version is not overwritten by accident) unless ``--force``;
2. each graph is loaded into a staging graph (``https://w3id.org/samt-bu/graph-staging/{version}/...``)
   and its triple count in the store is checked against the count built locally;
3. one SPARQL Update request then drops the live graphs of the version, moves each staging graph into
   place and rewrites the version's manifest entry. SPARQL 1.1 Update says a request SHOULD be treated
   atomically (Oxigraph runs it as one transaction), so readers see the old state or the new one.

A failure before step 3 (the server stopped, a count that does not match) leaves the published state
as it was; the staging graphs left behind are dropped by the next publish.
"""

import argparse
import csv
import hashlib
import io
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from collections.abc import Callable, Iterable

from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, VOID

from samtbu import MODEL_VERSION
from samtbu.cliargs import add_command
from samtbu.crosswalk.sssom import SssomTable
from samtbu.errors import SamtbuError
from samtbu.model import Model, default_root
from samtbu.namespaces import BASE_IRI

GRAPH_BASE = BASE_IRI + "graph/"
STAGING_BASE = BASE_IRI + "graph-staging/"
MANIFEST = URIRef(GRAPH_BASE + "manifest")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SSSOM = Namespace("https://w3id.org/sssom/")
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-+_]{0,39}$")


class PublishError(SamtbuError):
    """Publishing or querying failed; the published state is unchanged (exit code 2)."""


# -- the artifacts ----------------------------------------------------------------------------------


@dataclass
class Artifact:
    name: str  # e.g. "ontology/core"
    files: list[Path]
    graph: Graph = field(repr=False)

    def iri(self, version: str) -> str:
        return f"{GRAPH_BASE}{version}/{self.name}"

    def staging_iri(self, version: str) -> str:
        return f"{STAGING_BASE}{version}/{self.name}"


def _turtle(path: Path) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # noqa: BLE001 - a broken model file
        raise PublishError(f"does not parse as Turtle: {exc}", where=str(path)) from None
    return graph


def sssom_graph(table: SssomTable) -> Graph:
    """An SSSOM mapping set (TSV with a YAML header, as the model index read it) as RDF: each mapping
    as an ``sssom:Mapping`` node with its fields, and the mapping asserted as a triple (subject
    predicate object)."""
    path, meta = table.path, table.metadata
    prefixes = {"skos": "http://www.w3.org/2004/02/skos/core#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                "owl": "http://www.w3.org/2002/07/owl#", "semapv": "https://w3id.org/semapv/vocab/"}
    prefixes.update(meta.get("curie_map") or {})

    def expand(value: str) -> URIRef:
        prefix, _, local = value.partition(":")
        if prefix in prefixes:
            return URIRef(prefixes[prefix] + local)
        if value.startswith(("http://", "https://", "urn:")):
            return URIRef(value)
        raise PublishError(f"unknown prefix in {value!r}", where=str(path))

    graph = Graph()
    graph.bind("sssom", SSSOM)
    mapping_set = URIRef(meta.get("mapping_set_id") or path.resolve().as_uri())
    graph.add((mapping_set, RDF.type, SSSOM.MappingSet))
    for key in ("mapping_set_version", "mapping_set_title", "mapping_set_description", "mapping_date", "comment"):
        if meta.get(key):
            graph.add((mapping_set, SSSOM[key], Literal(str(meta[key]))))
    for key in ("license", "subject_source", "object_source"):
        if meta.get(key):
            graph.add((mapping_set, SSSOM[key], URIRef(str(meta[key]))))
    for row in table.rows:
        subject, predicate, obj = (expand(row[k]) for k in ("subject_id", "predicate_id", "object_id"))
        graph.add((subject, predicate, obj))
        mapping = BNode()
        graph.add((mapping_set, SSSOM.mappings, mapping))
        graph.add((mapping, RDF.type, SSSOM.Mapping))
        for key, value in row.items():
            if not value or key is None:
                continue
            if key.endswith("_id") or key == "mapping_justification":
                graph.add((mapping, SSSOM[key], expand(value)))
            else:
                graph.add((mapping, SSSOM[key], Literal(value)))
    return graph


def collect_artifacts(root: Path | None = None) -> list[Artifact]:
    """Every artifact of the model with its graph, in a stable order."""
    root = Path(root) if root else default_root()
    artifacts: list[Artifact] = []

    def add(name: str, path: Path, graph: Graph | None = None) -> None:
        artifacts.append(Artifact(name, [path], graph if graph is not None else _turtle(path)))

    for path in Model.ontology_files(root):
        add(f"ontology/{path.stem}", path)
    for path in sorted((root / "vocab" / "begreper").glob("*.ttl")):
        add(f"begreper/{path.stem}", path)
    for path in Model.code_list_files(root):
        add(f"kodelister/{path.stem}", path)
    for path in sorted((root / "vocab").glob("*.ttl")):
        add(path.stem, path)  # modell, katalog, organisasjoner
    for path in Model.shape_module_files(root):
        add(f"shapes/{path.stem}", path)
    for path in Model.profile_files(root):
        add(f"profiler/{path.stem}", path)
    for path in Model.toolkit_rule_files(root):  # the rules the toolkit checks itself (not shapes)
        add(f"verktoey/{path.stem}", path)
    crosswalks = root / "crosswalks"
    if crosswalks.is_dir():
        for path in sorted(crosswalks.glob("*.ttl")):
            add(f"crosswalks/{path.stem}", path)
    for name, table in Model.load(root).index.mapping_sets.items():
        add(f"crosswalks/{name}", table.path, sssom_graph(table))
    names = [a.name for a in artifacts]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise PublishError(f"two model files give the same artifact name: {', '.join(sorted(duplicates))}")
    return artifacts


def checksum(artifacts: Iterable[Artifact], root: Path) -> str:
    """SHA-256 over the artifact names and the bytes of their files."""
    digest = hashlib.sha256()
    for artifact in artifacts:
        digest.update(artifact.name.encode() + b"\0")
        for path in artifact.files:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# -- terms in results -------------------------------------------------------------------------------


def term_text(kind: str, value: str, datatype: str | None = None, lang: str | None = None) -> str:
    """A result term in N-Triples form, the same whichever store answered."""
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return "_:b"  # blank node labels differ between stores; never compared
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if lang:
        return f'"{escaped}"@{lang.lower()}'
    if datatype and datatype != str(XSD.string):
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


@dataclass
class QueryResult:
    kind: str  # "select", "ask", "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)  # variable -> term in N-Triples form
    boolean: bool | None = None
    triples: str = ""  # N-Triples, for CONSTRUCT and DESCRIBE

    def value(self, row: dict, name: str) -> str | None:
        """The plain value of a term (IRI or lexical form), for programs."""
        term = row.get(name)
        if term is None:
            return None
        if term.startswith("<"):
            return term[1:-1]
        match = re.match(r'^"(.*)"(?:@[\w-]+|\^\^<[^>]*>)?$', term, re.S)
        return match.group(1).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\") if match else term


# -- stores ----------------------------------------------------------------------------------------


class Store:
    """What publishing needs of a SPARQL 1.1 store."""

    description = "store"

    def query(self, sparql: str) -> QueryResult:
        raise NotImplementedError

    def update(self, sparql: str) -> None:
        raise NotImplementedError

    def replace_graph(self, iri: str, graph: Graph) -> None:
        """Make the named graph hold exactly these triples."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    # shared helpers
    def count(self, iri: str) -> int:
        result = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
        return int(result.value(result.rows[0], "n")) if result.rows else 0

    def graphs_under(self, prefix: str) -> list[str]:
        result = self.query(
            f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{prefix}")) }}'
        )
        return sorted(result.value(row, "g") for row in result.rows)


class EmbeddedStore(Store):
    """An Oxigraph store in a folder (pyoxigraph); nothing to start, nothing on the network."""

    def __init__(self, path: Path, *, read_only: bool = False):
        import pyoxigraph

        self.path = Path(path)
        self.description = f"embedded store {self.path}"
        try:
            if read_only:
                if not self.path.is_dir():
                    raise PublishError("no store here; publish to it first", where=str(self.path))
                self.store = pyoxigraph.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.store = pyoxigraph.Store(str(self.path))
        except OSError as exc:
            raise PublishError(f"cannot open the store: {exc}", where=str(self.path)) from None

    def query(self, sparql: str) -> QueryResult:
        import pyoxigraph

        refuse_service_clauses(sparql)
        try:
            result = self.store.query(sparql)
        except (SyntaxError, ValueError, OSError) as exc:
            raise PublishError(f"query failed: {exc}", where=self.description) from None
        if isinstance(result, pyoxigraph.QueryBoolean):
            return QueryResult("ask", boolean=bool(result))
        if isinstance(result, pyoxigraph.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = []
            for solution in result:
                row = {}
                for name in variables:
                    term = solution[name]
                    if term is not None:
                        row[name] = _oxigraph_term(term)
                rows.append(row)
            return QueryResult("select", variables, rows)
        lines = [f"{_oxigraph_term(t.subject)} {_oxigraph_term(t.predicate)} {_oxigraph_term(t.object)} ." for t in result]
        return QueryResult("graph", triples="\n".join(lines) + ("\n" if lines else ""))

    def update(self, sparql: str) -> None:
        try:
            self.store.update(sparql)
        except (SyntaxError, ValueError, OSError) as exc:
            raise PublishError(f"update failed: {exc}", where=self.description) from None

    def replace_graph(self, iri: str, graph: Graph) -> None:
        import pyoxigraph

        target = pyoxigraph.NamedNode(iri)
        self.store.remove_graph(target) if self.store.contains_named_graph(target) else None
        self.store.load(graph.serialize(format="nt", encoding="utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=target)

    def close(self) -> None:
        self.store = None  # every write was its own transaction; dropping the handle releases the folder


def _oxigraph_term(term) -> str:
    import pyoxigraph

    if isinstance(term, pyoxigraph.NamedNode):
        return term_text("uri", term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return term_text("bnode", term.value)
    return term_text("literal", term.value, term.datatype.value if term.datatype else None, term.language)


class EndpointStore(Store):
    """A SPARQL 1.1 server: Query and Update protocols, and the Graph Store HTTP Protocol if given."""

    def __init__(self, endpoint: str, update_endpoint: str | None = None, graph_store: str | None = None, *, timeout: float = 120.0):
        import httpx

        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.graph_store = graph_store
        self.description = f"SPARQL endpoint {endpoint}"
        # trust_env=False: no proxy settings from the environment; only the URLs given are contacted.
        self.client = httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False)

    def _send(self, method: str, url: str, **kwargs):
        import httpx

        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise PublishError(f"the store did not answer: {type(exc).__name__}: {exc}", where=url) from None
        if response.status_code >= 400:
            text = " ".join(response.text.split())[:300]
            raise PublishError(f"the store refused the request: HTTP {response.status_code}: {text}", where=url)
        return response

    def query(self, sparql: str) -> QueryResult:
        refuse_service_clauses(sparql)
        response = self._send(
            "POST", self.endpoint, content=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query; charset=utf-8",
                     "Accept": "application/sparql-results+json, application/n-triples;q=0.9"},
        )
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if kind in ("application/n-triples", "text/plain"):
            return QueryResult("graph", triples=response.text)
        try:
            data = response.json()
        except ValueError:
            raise PublishError(f"the store answered {kind or 'no media type'}, not SPARQL JSON results", where=self.endpoint) from None
        if "boolean" in data:
            return QueryResult("ask", boolean=bool(data["boolean"]))
        variables = data.get("head", {}).get("vars", [])
        rows = []
        for binding in data.get("results", {}).get("bindings", []):
            rows.append({
                name: term_text(
                    "uri" if b["type"] == "uri" else "bnode" if b["type"] == "bnode" else "literal",
                    b["value"], b.get("datatype"), b.get("xml:lang"),
                )
                for name, b in binding.items()
            })
        return QueryResult("select", variables, rows)

    def update(self, sparql: str) -> None:
        self._send("POST", self.update_endpoint, content=sparql.encode("utf-8"),
                   headers={"Content-Type": "application/sparql-update; charset=utf-8"})

    def replace_graph(self, iri: str, graph: Graph) -> None:
        data = graph.serialize(format="nt", encoding="utf-8")
        if self.graph_store:
            self._send("PUT", self.graph_store, params={"graph": iri}, content=data,
                       headers={"Content-Type": "application/n-triples"})
            return
        # Without the Graph Store Protocol: one Update request per graph (blank nodes stay together).
        self.update(f"DROP SILENT GRAPH <{iri}> ;\nINSERT DATA {{ GRAPH <{iri}> {{\n{data.decode('utf-8')}}} }}")

    def close(self) -> None:
        self.client.close()


def open_store(store_dir: Path | None = None, endpoint: str | None = None, update_endpoint: str | None = None,
               graph_store: str | None = None, *, read_only: bool = False) -> Store:
    if endpoint:
        return EndpointStore(endpoint, update_endpoint, graph_store)
    return EmbeddedStore(store_dir or default_store_dir(), read_only=read_only)


def default_store_dir() -> Path:
    return Path(".samtbu-store")


# -- publishing ------------------------------------------------------------------------------------


def version_key(version: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-+]", version))


def published_versions(store: Store) -> dict[str, dict]:
    """The manifest: version -> {"checksum", "graphs": {iri: triples}, "issued"}."""
    result = store.query(f"""
        PREFIX dct: <{DCTERMS}> PREFIX owl: <{OWL}> PREFIX spdx: <{SPDX}> PREFIX void: <{VOID}>
        SELECT ?version ?sum ?issued ?graph ?n WHERE {{ GRAPH <{MANIFEST}> {{
          ?release owl:versionInfo ?version ; dct:issued ?issued .
          OPTIONAL {{ ?release spdx:checksum/spdx:checksumValue ?sum }}
          OPTIONAL {{ ?release dct:hasPart ?graph . ?graph void:triples ?n }}
        }} }}""")
    versions: dict[str, dict] = {}
    for row in result.rows:
        entry = versions.setdefault(result.value(row, "version"), {"checksum": result.value(row, "sum"), "issued": result.value(row, "issued"), "graphs": {}})
        if row.get("graph"):
            entry["graphs"][result.value(row, "graph")] = int(result.value(row, "n"))
    return versions


@dataclass
class PublishOutcome:
    version: str
    changed: bool
    graphs: dict[str, int]
    checksum: str
    message: str


def manifest_triples(version: str, graphs: dict[str, int], digest: str, issued: str) -> str:
    release = f"<{GRAPH_BASE}{version}>"
    sum_node = f"<{GRAPH_BASE}{version}#sha256>"
    lines = [
        f"{release} a <{DCAT}Dataset> ; <{OWL}versionInfo> {json.dumps(version)} ;",
        f'  <{DCTERMS}issued> "{issued}"^^<{XSD}dateTime> ;',
        f"  <{SPDX}checksum> {sum_node} .",
        f"{sum_node} a <{SPDX}Checksum> ; <{SPDX}algorithm> <{SPDX}checksumAlgorithm_sha256> ; <{SPDX}checksumValue> \"{digest}\" .",
    ]
    for iri, count in sorted(graphs.items()):
        lines.append(f"{release} <{DCTERMS}hasPart> <{iri}> .")
        lines.append(f"<{iri}> a <{VOID}Dataset> ; <{VOID}triples> {count} ; <{DCTERMS}isPartOf> {release} .")
    return "\n".join(lines)


def publish(
    store: Store,
    version: str = MODEL_VERSION,
    *,
    root: Path | None = None,
    force: bool = False,
    on_progress: Callable[[str, str], None] | None = None,
) -> PublishOutcome:
    """Publish the model as ``version``; see the module description for the guarantees."""
    if not _VERSION.match(version):
        raise PublishError(f"version {version!r} is not a plain version string (e.g. {MODEL_VERSION})")
    progress = on_progress or (lambda stage, name: None)
    root = Path(root) if root else default_root()
    artifacts = collect_artifacts(root)
    digest = checksum(artifacts, root)
    local_counts = {a.iri(version): len(a.graph) for a in artifacts}

    existing = published_versions(store)
    previous = existing.get(version)
    if previous is not None and previous["checksum"] == digest and previous["graphs"] == local_counts and not force:
        return PublishOutcome(version, False, local_counts, digest, f"version {version} is already published with the same content; nothing changed")
    if previous is not None and not force:
        raise PublishError(
            f"version {version} is already published (issued {previous['issued']}) with different content; "
            "a published version is not overwritten: publish a new version, or use --force"
        )

    # 1. staging: leftovers of an earlier, interrupted run first
    staging_prefix = f"{STAGING_BASE}{version}/"
    leftovers = store.graphs_under(staging_prefix)
    if leftovers:
        store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in leftovers))
    for artifact in artifacts:
        store.replace_graph(artifact.staging_iri(version), artifact.graph)
        progress("staged", artifact.name)

    # 2. verification
    for artifact in artifacts:
        found = store.count(artifact.staging_iri(version))
        if found != len(artifact.graph):
            raise PublishError(
                f"staging graph for {artifact.name} holds {found} triples, {len(artifact.graph)} were sent; "
                "nothing was published"
            )
        progress("verified", artifact.name)

    # 3. the switch, in one Update request
    live_prefix = f"{GRAPH_BASE}{version}/"
    old_live = set(store.graphs_under(live_prefix)) | set(previous["graphs"] if previous else ())
    new_live = {a.iri(version) for a in artifacts}
    release = f"{GRAPH_BASE}{version}"
    issued = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    operations = [f"DROP SILENT GRAPH <{g}>" for g in sorted(old_live - new_live)]
    operations += [f"MOVE SILENT GRAPH <{a.staging_iri(version)}> TO GRAPH <{a.iri(version)}>" for a in artifacts]
    operations.append(
        f"DELETE {{ GRAPH <{MANIFEST}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{MANIFEST}> {{ ?s ?p ?o "
        f'FILTER(?s = <{release}> || ?s = <{release}#sha256> || STRSTARTS(STR(?s), "{live_prefix}")) }} }}'
    )
    operations.append(f"INSERT DATA {{ GRAPH <{MANIFEST}> {{\n{manifest_triples(version, local_counts, digest, issued)}\n}} }}")
    progress("switching", version)
    store.update(" ;\n".join(operations))
    progress("published", version)

    newer = [v for v in existing if v != version and version_key(v) > version_key(version)]
    note = f" (newer versions are also published: {', '.join(sorted(newer, key=version_key))})" if newer else ""
    verb = "republished" if previous else "published"
    return PublishOutcome(version, True, local_counts, digest, f"{verb} version {version}: {len(artifacts)} graphs, {sum(local_counts.values())} triples{note}")


# -- shipped queries ----------------------------------------------------------------------------------

_PARAM = re.compile(r"^#\s*param:\s*(\w+)\s*=\s*(.+?)\s*$", re.M)
_IRI_SAFE = re.compile(r'^[^\s<>"{}|^`\\]+$')
PREFIXES = {
    "sbu": BASE_IRI + "def/", "sbub": BASE_IRI + "begrep/", "sbuk": BASE_IRI + "kode/",
    "sbus": BASE_IRI + "shapes/", "sbup": BASE_IRI + "profil/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}


def queries_dir() -> Path:
    """Beside the model files: the checkout's queries/ or the wheel's packaged copy."""
    return Model.load().root / "queries"


def shipped_queries() -> dict[str, Path]:
    return {p.stem: p for p in sorted(queries_dir().glob("*.rq"))}


def query_parameters(text: str) -> dict[str, str]:
    """The ``# param: name = default`` lines of a query file."""
    return {m.group(1): m.group(2) for m in _PARAM.finditer(text)}


def sparql_string(value: str) -> str:
    """A SPARQL string literal of any text: quotes, backslashes and control characters escaped;
    characters outside the Basic Multilingual Plane written as they are (SPARQL has no surrogate
    escapes)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PublishError(f"not valid Unicode text: {value.encode('utf-8', 'backslashreplace').decode('ascii')!r}") from None
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group(0)):04X}", escaped) + '"'


# Strings, IRIs and comments, skipped when looking for the SERVICE keyword.
_SPARQL_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n]*'
)
_SERVICE = re.compile(r"(?<![\w?$:.\-])SERVICE(?![\w:\-])", re.IGNORECASE)


def refuse_service_clauses(sparql: str) -> None:
    """A SERVICE clause would make the store fetch from another endpoint: the toolkit never goes on
    the network for a query, so such a query is refused before it reaches any store."""
    if _SERVICE.search(_SPARQL_SKIP.sub(" ", sparql)):
        raise PublishError("SERVICE clauses (federated queries) are refused: a query runs on the store given, nothing is fetched")


def sparql_term(value: str) -> str:
    """A parameter value as a SPARQL term: an IRI (``<...>``, ``http...``, ``urn:...`` or a known prefix)
    or a string literal; nothing else can reach the query text."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    elif value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return sparql_string(value[1:-1])
    else:
        prefix, sep, local = value.partition(":")
        if sep and prefix in PREFIXES and _IRI_SAFE.match(local or "x"):
            value = PREFIXES[prefix] + local
        elif not value.startswith(("http://", "https://", "urn:")):
            return sparql_string(value)
    if not _IRI_SAFE.match(value):
        raise PublishError(f"not a usable IRI: {value!r}")
    return f"<{value}>"


def render_query(text: str, params: dict[str, str], *, default_version: str) -> str:
    """Put the parameters (``$name``) into a query; unset ones take the file's default."""
    values = query_parameters(text)
    values.setdefault("version", f'"{default_version}"')
    for name in params:
        if name not in values:
            known = ", ".join(sorted(values)) or "none"
            raise PublishError(f"the query has no parameter {name!r} (parameters: {known})")
    values.update(params)
    if values.get("version") in ("", '""', "latest"):
        values["version"] = f'"{default_version}"'
    terms = {name: sparql_term(value) for name, value in values.items()}
    return re.sub(r"\$(\w+)", lambda m: terms.get(m.group(1), m.group(0)), _strip_param_lines(text))


def _strip_param_lines(text: str) -> str:
    return _PARAM.sub("", text)


def latest_version(store: Store) -> str:
    versions = published_versions(store)
    return max(versions, key=version_key) if versions else MODEL_VERSION


def run_named_query(store: Store, name: str, params: dict[str, str] | None = None) -> QueryResult:
    queries = shipped_queries()
    if name not in queries:
        raise PublishError(f"no shipped query {name!r} (shipped: {', '.join(queries) or 'none'})")
    text = queries[name].read_text(encoding="utf-8")
    return store.query(render_query(text, params or {}, default_version=latest_version(store)))


def format_result(result: QueryResult, fmt: str = "table") -> str:
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    if result.kind == "graph":
        return result.triples
    if fmt == "json":
        return json.dumps({"variables": result.variables, "rows": result.rows}, ensure_ascii=False, indent=2) + "\n"
    if fmt in ("csv", "tsv"):
        out = io.StringIO()
        writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([result.value(row, v) or "" for v in result.variables])
        return out.getvalue()
    shown = [[_short(row.get(v, "")) for v in result.variables] for row in result.rows]
    widths = [max([len(v)] + [len(r[i]) for r in shown]) for i, v in enumerate(result.variables)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(result.variables, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in shown]
    lines.append(f"({len(result.rows)} rows)")
    return "\n".join(lines) + "\n"


def _short(term: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if term.startswith(f"<{namespace}"):
            return f"{prefix}:{term[len(namespace) + 1:-1]}"
    return term


# -- command line -----------------------------------------------------------------------------------


def _store_options(p: argparse.ArgumentParser, *, update: bool) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--store", type=Path, metavar="DIR", help=f"embedded Oxigraph store in this folder (default: {default_store_dir()})")
    where.add_argument("--endpoint", metavar="URL", help="SPARQL 1.1 query endpoint of a server")
    if update:
        p.add_argument("--update-endpoint", metavar="URL", help="SPARQL 1.1 update endpoint (default: the query endpoint)")
        p.add_argument("--graph-store", metavar="URL", help="SPARQL 1.1 Graph Store HTTP Protocol endpoint for loading graphs (default: load with INSERT DATA)")


def register(sub) -> None:
    p = add_command(sub, "publish", cmd_publish, "publish the model to a SPARQL store as named graphs per artifact and version")
    _store_options(p, update=True)
    p.add_argument("--version", dest="model_version", default=MODEL_VERSION, help=f"version to publish as (default: {MODEL_VERSION})")
    p.add_argument("--force", action="store_true", help="overwrite a version already published with different content")

    q = add_command(sub, "query", cmd_query, "run SPARQL against the published model")
    _store_options(q, update=False)
    source = q.add_mutually_exclusive_group(required=True)
    source.add_argument("sparql", nargs="?", help="the query text")
    source.add_argument("--file", type=Path, metavar="F", help="read the query from a file")
    source.add_argument("--name", metavar="NAME", help="a shipped query (see --list)")
    source.add_argument("--list", action="store_true", help="list the shipped queries and their parameters")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a parameter of a shipped query")
    q.add_argument("--format", choices=("table", "json", "csv", "tsv"), default="table", help="result format (default: table)")


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish the whole model (ontology, concept catalog, code lists, model description, catalog, shapes,
    profiles, mapping sets) as named graphs <https://w3id.org/samt-bu/graph/{version}/{artifact}>.
    Atomic: staged, counted, then switched in one SPARQL Update. Exit code 0: published or already
    published with the same content; 2: refused or failed (the published state is unchanged).
    """

    store = open_store(args.store, args.endpoint, args.update_endpoint, args.graph_store)
    try:
        outcome = publish(store, args.model_version, force=args.force)
    finally:
        store.close()
    print(f"{outcome.message} ({store.description})")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    """Run a SPARQL query (text, a file, or a shipped query by name) against the embedded store or an endpoint.
    Shipped queries take parameters with --param NAME=VALUE (an IRI, a prefixed name such as
    sbub:vitnemaal, or a text).
    """

    if args.list:
        for name, path in shipped_queries().items():
            text = path.read_text(encoding="utf-8")
            first = next((l[1:].strip() for l in text.splitlines() if l.startswith("#") and not _PARAM.match(l)), "")
            params = ", ".join(f"{k}={v}" for k, v in query_parameters(text).items())
            print(f"{name}: {first}" + (f"\n    parameters: {params}" if params else ""))
        return 0
    params = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise PublishError(f"--param wants NAME=VALUE, not {item!r}")
        params[name.strip()] = value
    store = open_store(args.store, args.endpoint, read_only=True)
    try:
        if args.name:
            result = run_named_query(store, args.name, params)
        else:
            if params:
                raise PublishError("--param applies to shipped queries (--name) only")
            if args.file:
                from samtbu.validate.input import read_file

                try:  # bounded: a FIFO or /dev/zero is too large, never all of memory
                    text = read_file(args.file, what="query").decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise PublishError(f"the query is not UTF-8 (byte {exc.start})", where=str(args.file)) from None
            else:
                text = args.sparql
            result = store.query(text)
    finally:
        store.close()
    sys.stdout.write(format_result(result, args.format))
    return 0


__all__ = [
    "publish", "open_store", "EmbeddedStore", "EndpointStore", "Store", "collect_artifacts", "published_versions",
    "run_named_query", "shipped_queries", "render_query", "format_result", "PublishError", "GRAPH_BASE", "MANIFEST",
]
