"""Site pages for the validation profiles: what each checks, every rule with its message and source,
and a valid and an invalid example with the report the validator gives for it (run at build time)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from rdflib import OWL, RDF, URIRef
from rdflib.namespace import DCTERMS, SH

from samtbu.generate.site.index import SiteIndex, curie
from samtbu.generate.site.pages import constraint_summary, term_link
from samtbu.generate.site.text import Page, esc, fence, lang_texts
from samtbu.namespaces import local_name


def report_language(lang: str) -> str:
    """The validator writes messages in nb, nn and en: each page shows the report in its own language."""
    return lang if lang in ("nb", "nn", "en") else "en"


@functools.cache
def _run(path: str, profile: str, root: str) -> dict[str, tuple[bool, str]]:
    """Validate one payload file with the toolkit's public API; its text report in nb and en."""
    from samtbu.model import Model
    from samtbu.validate import validate

    model = Model.load(root)
    relative = Path(path).relative_to(root).as_posix()
    out = {}
    for lang in ("nb", "nn", "en"):
        report = validate(Path(path), profile=profile, lang=lang, model=model, source=relative)
        out[lang] = (report.conforms, report.render("text"))
    return out


def example_profile(idx: SiteIndex, path: Path) -> str | None:
    """The profile the validator detects for an example (None when it cannot tell)."""
    return _detect(str(path), str(idx.model.root))


@functools.cache
def _detect(path: str, root: str) -> str | None:
    from samtbu.model import Model
    from samtbu.validate.engine import detect_profile
    from samtbu.validate.input import read_payload

    model = Model.load(root)
    try:
        payload = read_payload(Path(path), model=model)
        return detect_profile(payload.graph, model).name
    except Exception:  # noqa: BLE001 - an example that fits no profile simply is not shown
        return None


def valid_examples(idx: SiteIndex, name: str) -> list[Path]:
    out = []
    for path in sorted((idx.model.root / "examples").glob("*.json")):
        detected = example_profile(idx, path)
        # When the validator cannot tell (a payload fitting several profiles), an example named after
        # the profile belongs to it.
        if detected == name or (detected is None and (path.stem == name or path.stem.startswith(name + "-"))):
            out.append(path)
    return out


def invalid_examples(idx: SiteIndex, name: str) -> list[Path]:
    """The profile's invalid payloads (tests/fixtures/invalid/{profile}/*.ttl), those with a single
    expected result first, then the smallest: the page shows one defect that a reader can find. The
    ``*.expected.json`` files beside them are the tests' expected results, not payloads."""
    folder = idx.model.root / "tests" / "fixtures" / "invalid" / name
    if not folder.is_dir():
        return []

    def expected(path: Path) -> list:
        try:
            data = json.loads(path.with_name(path.name[: -len(path.suffix)] + ".expected.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        # a bare list of results, or an object with its results under "results" (and a description)
        return data.get("results", []) if isinstance(data, dict) else data

    def key(path: Path):
        results = expected(path)
        # one result, on a field (a value a reader can find in the payload), then the smallest file
        return (len(results) != 1, not results or results[0].get("path") is None, path.stat().st_size, path.name)

    payloads = [p for p in folder.iterdir() if p.is_file() and p.suffix in (".json", ".jsonld", ".ttl")
                and not p.name.endswith(".expected.json")]
    return sorted(payloads, key=key)


def _payload_block(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            pass
        return fence(text, "json")
    return fence(text, "turtle")


def _indent(text: str) -> list[str]:
    return ["    " + line if line else "" for line in text.splitlines()]


def example_section(page: Page, idx: SiteIndex, name: str, path: Path, title_key: str) -> None:
    lang = report_language(page.lang)
    conforms, report = _run(str(path), name, str(idx.model.root))[lang]
    page.add(f"### {page.t(title_key)}: `{path.name}`", "")
    page.add(f'??? example "{page.t("payload")}: {path.name}"', "", *_indent(_payload_block(path)), "")
    page.add(f"**{page.t('command')}:**", "", fence(f"samtbu validate --profile {name} --lang {lang} {path.relative_to(idx.model.root).as_posix()}", "console"), "")
    page.add(f"**{page.t('report')}:**", "")
    page.add(fence(report, "text"), "")


def rule_rows(page: Page, idx: SiteIndex, shapes_graph, node_shape) -> list[str]:
    rows = []
    for pshape in sorted(shapes_graph.objects(node_shape, SH.property), key=str):
        path = shapes_graph.value(pshape, SH.path)
        field = f"`{local_name(path)}`" if isinstance(path, URIRef) else (f"`{curie(path)}`" if path is not None else "–")
        if isinstance(path, URIRef) and idx.path(path):
            field = term_link(page, idx, path, local_name(path))
        messages = lang_texts(shapes_graph, pshape, SH.message)
        for constraint in shapes_graph.objects(pshape, SH.sparql):
            for code, text in lang_texts(shapes_graph, constraint, SH.message).items():
                messages.setdefault(code, text)
        message = page.choose_message(messages, page.t("message")) or "–"
        sources = sorted(shapes_graph.objects(pshape, DCTERMS.source), key=str)
        source = ", ".join(f"[{esc(idx.source_label(s, page.lang))}]({s})" for s in sources) or "–"
        severity = shapes_graph.value(pshape, SH.severity)
        rule = esc(constraint_summary(idx, pshape, page.lang)) or "–"
        name = "–"
        if isinstance(pshape, URIRef):
            here = idx.shape_locations.get(pshape, ("",))[0] == page.path
            name = (f'<span id="{local_name(pshape)}"></span>' if here else "") + f"`{local_name(pshape)}`"
        rows.append(f"| {name} | {field} | {rule} | {message} | {source} | {page.t(local_name(severity) if severity is not None else 'Violation')} |")
    return rows


def profile_page(idx: SiteIndex, name: str, lang: str) -> Page:
    profile = idx.profiles[name]
    graph = profile.shapes
    page = Page(lang, idx.path(profile.iri))
    page.title = page.choose_plain(lang_texts(graph, profile.iri, DCTERMS.title), name)
    page.add(f"**{page.t('iri')}:** `{profile.iri}`", "")
    page.add(f"## {page.t('what_it_checks')}", "")
    desc = page.choose(lang_texts(graph, profile.iri, DCTERMS.description), page.t("description"))
    if desc:
        page.add(desc, "")
    if profile.root_classes:
        page.add(f"**{page.t('root_classes')}:** " + ", ".join(term_link(page, idx, c, local_name(c)) for c in sorted(profile.root_classes)), "")
    imports = sorted(graph.objects(profile.iri, OWL.imports), key=str)
    if imports:
        page.add(f"**{page.t('imports')}:** " + ", ".join(f"`{local_name(i)}`" for i in imports), "")
    page.add(f"**{page.t('downloads')}:** " + page.link(f"nedlasting/former/profil-{name}.ttl", f"profil-{name}.ttl (Turtle)"), "")

    page.add(f"## {page.t('rules')}", "")
    node_shapes = sorted(set(graph.subjects(RDF.type, SH.NodeShape)), key=lambda s: local_name(s).casefold())
    for node_shape in node_shapes:
        targets = sorted(graph.objects(node_shape, SH.targetClass), key=str)
        names = lang_texts(graph, node_shape, SH.name)
        title = page.choose_plain(names, page.t("shape")) if names else local_name(node_shape)
        anchor = f" {{#{local_name(node_shape)}}}" if isinstance(node_shape, URIRef) and idx.shape_locations.get(node_shape, ("",))[0] == page.path else ""
        page.add(f"### {esc(title)} (`{local_name(node_shape)}`){anchor}", "")
        if targets:
            page.add(f"**{page.t('classes')}:** " + ", ".join(term_link(page, idx, t, local_name(t)) for t in targets), "")
        desc = page.choose(lang_texts(graph, node_shape, SH.description), page.t("description"))
        if desc:
            page.add(desc, "")
        rows = rule_rows(page, idx, graph, node_shape)
        if rows:
            page.add('<div class="sbu-table-rules" markdown>', "",
                     f"| {page.t('shape')} | {page.t('property')} | {page.t('rule')} | {page.t('message')} | {page.t('source')} | {page.t('severity')} |",
                     "|---|---|---|---|---|---|", *rows, "", "</div>", "")

    page.add(f"## {page.t('examples')}", "")
    valid = valid_examples(idx, name)
    if valid:
        example_section(page, idx, name, valid[0], "valid_example")
    else:
        page.add(page.t("no_valid_example"), "")
    invalid = invalid_examples(idx, name)
    if invalid:
        example_section(page, idx, name, invalid[0], "invalid_example")
    else:
        page.add(page.t("no_invalid_example"), "")
    return page


__all__ = ["profile_page", "valid_examples", "invalid_examples"]
