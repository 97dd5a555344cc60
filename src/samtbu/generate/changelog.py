"""Differences between two versions of the model: added, changed and removed concepts, classes,
properties, codes and shapes, with the changes that break existing payloads marked.

A version is anything with the graphs ``ontology``, ``vocab`` and ``shapes`` (a loaded Model, or a
SimpleNamespace of three graphs in the tests). The previous release is found as a git tag
``v{version}`` (or ``{version}``) of the repository, or a folder ``releases/{version}/`` holding the
model folders; ``previous_release`` loads it into a temporary folder.
"""

from __future__ import annotations

import re
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from samtbu.namespaces import SBU, SBUB, SBUK, SBUS

KINDS = ("concepts", "classes", "properties", "codes", "shapes")
VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")


@dataclass(frozen=True)
class Change:
    kind: str  # one of KINDS
    iri: str
    status: str  # added | changed | removed
    predicates: tuple[str, ...] = ()  # what changed (for "changed")
    breaking: bool = False
    reason: str = ""


@dataclass
class Changelog:
    old_version: str | None
    new_version: str
    changes: list[Change] = field(default_factory=list)

    def of(self, kind: str, status: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind and c.status == status]

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]


def _canon(graph: Graph, node, depth: int = 0) -> str:
    """A blank-node-free text for a value, so that two versions compare by content."""
    if isinstance(node, BNode) and depth < 8:
        if (node, RDF.first, None) in graph:
            return "(" + " ".join(_canon(graph, item, depth + 1) for item in Collection(graph, node)) + ")"
        return "[" + "; ".join(sorted(f"{p.n3()} {_canon(graph, o, depth + 1)}" for p, o in graph.predicate_objects(node))) + "]"
    if isinstance(node, Literal):
        return node.n3()
    return node.n3() if hasattr(node, "n3") else str(node)


def _description(graph: Graph, subject) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for p, o in graph.predicate_objects(subject):
        out.setdefault(str(p), set()).add(_canon(graph, o))
    return {p: frozenset(v) for p, v in out.items()}


def _in(term, namespace) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(str(namespace))


def snapshot(version) -> dict[str, dict[str, dict[str, frozenset[str]]]]:
    """kind -> IRI -> predicate -> set of canonical values."""
    onto, vocab, shapes = version.ontology, version.vocab, version.shapes
    terms = {
        "concepts": {s for s in vocab.subjects(RDF.type, SKOS.Concept) if _in(s, SBUB)},
        "codes": {s for s in vocab.subjects(RDF.type, SKOS.Concept) if _in(s, SBUK)}
        | {s for s in vocab.subjects(RDF.type, SKOS.ConceptScheme) if _in(s, SBUK)},
        "classes": {s for s in onto.subjects(RDF.type, OWL.Class) if _in(s, SBU)},
        "properties": {s for k in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
                       for s in onto.subjects(RDF.type, k) if _in(s, SBU)},
        "shapes": {s for k in (SH.NodeShape, SH.PropertyShape) for s in shapes.subjects(RDF.type, k) if _in(s, SBUS)},
    }
    graphs = {"concepts": vocab, "codes": vocab, "classes": onto, "properties": onto, "shapes": shapes}
    return {kind: {str(s): _description(graphs[kind], s) for s in subjects} for kind, subjects in terms.items()}


# What makes a change break payloads that conformed before.
_BREAKING_PROPERTY = {str(RDFS.range), str(RDFS.domain), str(SBU.kodeNavnerom), str(SBU.kodeliste)}
_BREAKING_SHAPE = {str(SH.datatype), str(SH["class"]), str(SH.nodeKind), str(SH.pattern), str(SH.path),
                   str(SH.hasValue), str(SH.node), str(SH.sparql), str(SH.targetClass), str(SH.minLength),
                   str(SH.maxLength), str(SH.minInclusive), str(SH.maxInclusive)}


def _ints(values: frozenset[str] | None) -> list[int]:
    out = []
    for v in values or ():
        m = re.match(r'^"?(-?\d+)', v)
        if m:
            out.append(int(m.group(1)))
    return out


def _in_members(values: frozenset[str] | None) -> set[str]:
    members: set[str] = set()
    for v in values or ():
        members |= set(re.findall(r"<[^>]+>|\"[^\"]*\"\S*", v))
    return members


def _breaking(kind: str, status: str, old: dict | None, new: dict | None, changed: tuple[str, ...]) -> tuple[bool, str]:
    old, new = old or {}, new or {}  # an added term has no old description, a removed one no new
    if status == "removed":
        if kind in ("classes", "properties", "codes"):
            return True, "removed: payloads that use it no longer validate"
        return False, ""
    if status == "added":
        if kind == "shapes" and any(n >= 1 for n in _ints(new.get(str(SH.minCount)))):
            return True, "new required value (sh:minCount)"
        return False, ""
    if kind == "properties" and _BREAKING_PROPERTY & set(changed):
        return True, "domain, range or code list changed"
    if kind == "classes" and str(RDFS.subClassOf) in changed:
        return True, "superclass changed"
    if kind == "codes" and str(SKOS.notation) in changed:
        return True, "notation changed"
    if kind == "shapes":
        if _BREAKING_SHAPE & set(changed):
            return True, "value constraint changed"
        old_min, new_min = _ints(old.get(str(SH.minCount))), _ints(new.get(str(SH.minCount)))
        if max(new_min, default=0) > max(old_min, default=0):
            return True, "minimum count raised"
        old_max, new_max = _ints(old.get(str(SH.maxCount))), _ints(new.get(str(SH.maxCount)))
        if new_max and (not old_max or min(new_max) < min(old_max)):
            return True, "maximum count lowered"
        if str(SH["in"]) in changed and _in_members(old.get(str(SH["in"]))) - _in_members(new.get(str(SH["in"]))):
            return True, "allowed values removed (sh:in)"
        severity = str(SH.severity)
        if severity in changed and f"<{SH.Violation}>" in (new.get(severity) or ()):
            return True, "severity raised to violation"
    return False, ""


def diff(old, new, *, old_version: str | None = None, new_version: str = "") -> Changelog:
    before, after = snapshot(old), snapshot(new)
    log = Changelog(old_version, new_version)
    for kind in KINDS:
        a, b = before[kind], after[kind]
        for iri in sorted(set(a) | set(b)):
            changed: tuple[str, ...]
            if iri not in a:
                status, changed = "added", ()
            elif iri not in b:
                status, changed = "removed", ()
            else:
                keys = set(a[iri]) | set(b[iri])
                changed = tuple(sorted(k for k in keys if a[iri].get(k) != b[iri].get(k)))
                if not changed:
                    continue
                status = "changed"
            breaking, reason = _breaking(kind, status, a.get(iri), b.get(iri), changed)
            log.changes.append(Change(kind, iri, status, changed, breaking, reason))
    return log


# -- finding the previous release ------------------------------------------------------------------
def _version_key(text: str) -> tuple[int, int, int] | None:
    m = VERSION_RE.match(text)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def previous_release(root: Path, current: str) -> tuple[str, Path] | None:
    """(version, folder with ontology/, vocab/, shapes/) of the newest release before ``current``."""
    current_key = _version_key(current)
    if current_key is None:
        return None
    candidates: list[tuple[tuple, str, str]] = []  # (key, version, source)
    releases = root / "releases"
    if releases.is_dir():
        for folder in releases.iterdir():
            key = _version_key(folder.name)
            if key and key < current_key and (folder / "ontology").is_dir():
                candidates.append((key, folder.name.lstrip("v"), f"dir:{folder}"))
    try:
        tags = subprocess.run(["git", "-C", str(root), "tag", "--list"], capture_output=True, text=True, timeout=30)
        for tag in tags.stdout.split() if tags.returncode == 0 else []:
            key = _version_key(tag)
            if key and key < current_key:
                candidates.append((key, tag.lstrip("v"), f"tag:{tag}"))
    except (OSError, subprocess.SubprocessError):
        pass
    if not candidates:
        return None
    _key, version, source = max(candidates)
    if source.startswith("dir:"):
        return version, Path(source[4:])
    tag = source[4:]
    target = Path(tempfile.mkdtemp(prefix=f"samtbu-{version}-"))
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", tag, "ontology", "vocab", "shapes"],
                             capture_output=True, timeout=120)
    if archive.returncode != 0:
        return None
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    (target / "shapes").mkdir(exist_ok=True)
    return version, target


__all__ = ["Change", "Changelog", "diff", "snapshot", "previous_release", "KINDS"]
