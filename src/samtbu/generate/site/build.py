"""The documentation site: Markdown pages generated from the loaded model, built with mkdocs-material.

``generate_sources(model, src)`` writes ``src/docs/{nb,nn,en}/…`` (one tree per language, the same
paths in each), ``src/overrides/`` and ``src/mkdocs.yml``, which INHERITs the committed
``site/mkdocs.yml`` and adds the folders and the navigation. ``build_site`` then runs
``mkdocs build --strict``. Nothing in the pages is written by hand: when the model grows, so do they.

Mermaid is needed offline: mkdocs-material would fetch it from a CDN, so the build copies
``dist/mermaid.min.js`` out of the npm package ``mermaid`` (fetched with ``npm pack`` into the build
cache once, never committed) into the site's theme assets, where the theme finds it already loaded.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from samtbu.errors import SamtbuError
from samtbu.namespaces import BASE_IRI
from samtbu.generate.site.text import LANGS

if TYPE_CHECKING:
    from samtbu.generate.changelog import Changelog
    from samtbu.generate.site.index import SiteIndex

MERMAID_VERSION = "11.17.2"  # the major version mkdocs-material 9.x expects (it loads mermaid@11)
CONFIG_DIR = "site"


class SiteError(SamtbuError):
    """The site cannot be built (mkdocs missing, a strict-mode warning, no mermaid)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def repo_root(model) -> Path:
    return Path(model.root)


# What the build writes goes under the folder it is run in (or where -o / --src say), never into
# the folder the model was installed from.
def default_source_dir(model=None) -> Path:
    return Path.cwd() / "build" / "site-src"


def default_output_dir(model=None) -> Path:
    return Path.cwd() / "build" / "site"


def default_cache_dir() -> Path:
    """Where the mermaid package fetched with npm is kept between builds."""
    return Path.cwd() / "build" / "vendor"


# -- mermaid ---------------------------------------------------------------------------------------
def find_mermaid(cache: Path) -> Path:
    """mermaid.min.js from an installed npm package, the build cache, or ``npm pack`` into the cache."""
    explicit = os.environ.get("SAMTBU_MERMAID_JS")
    candidates = [Path(explicit)] if explicit else []
    root = cache.parents[1] if len(cache.parents) > 1 else cache
    candidates += [
        cache / f"mermaid-{MERMAID_VERSION}" / "mermaid.min.js",
        root / "node_modules" / "mermaid" / "dist" / "mermaid.min.js",
    ]
    for path in candidates:
        if path.is_file():
            return path
    npm = shutil.which("npm")
    if npm is None:
        raise SiteError(
            "mermaid.min.js not found: install Node.js/npm (the build fetches the npm package "
            f"mermaid@{MERMAID_VERSION}) or set SAMTBU_MERMAID_JS to a copy of mermaid.min.js"
        )
    target = cache / f"mermaid-{MERMAID_VERSION}"
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run([npm, "pack", f"mermaid@{MERMAID_VERSION}", "--silent", "--pack-destination", tmp],
                                capture_output=True, text=True, timeout=600)
        tarballs = list(Path(tmp).glob("mermaid-*.tgz"))
        if result.returncode != 0 or not tarballs:
            raise SiteError(f"npm pack mermaid@{MERMAID_VERSION} failed: {result.stderr.strip()[-500:]}")
        with tarfile.open(tarballs[0]) as tar:
            _extract(tar, "package/dist/mermaid.min.js", target / "mermaid.min.js")
            try:
                _extract(tar, "package/LICENSE", target / "LICENSE")
            except KeyError:
                pass
    return target / "mermaid.min.js"


def _extract(tar: tarfile.TarFile, name: str, target: Path) -> None:
    """Copy one file of a tarball to ``target`` (KeyError when the tarball has no ``name``)."""
    source = tar.extractfile(tar.getmember(name))
    if source is None:
        raise SiteError(f"{name} in the npm package is not a regular file")
    with source, open(target, "wb") as dst:
        shutil.copyfileobj(source, dst)


# -- generation ------------------------------------------------------------------------------------
@dataclass
class Section:
    """One tab of the site: its index page and the pages below it, built per language.

    ``build(ctx, lang)`` returns the section's pages (its index first). Every page of a section is in
    the navigation (so a term page has its breadcrumb, active tab and sidebar); the sidebar lists the
    pages sorted by their title in the page's language."""

    key: str | tuple[str, ...]  # text key of its title (text.T) or a (nb, nn, en) tuple
    index: str  # Markdown path of its index page
    build: Callable[[BuildContext, str], list]
    sort_pages: bool = True


@dataclass
class BuildContext:
    """What every page builder may need, made once per build."""

    idx: SiteIndex
    resources: object
    artifacts: list
    help_texts: dict
    changelog: Changelog | None
    stats: dict = field(default_factory=dict)  # language -> [texts shown in it, texts shown in another]
    extra: dict = field(default_factory=dict)  # what a registered section's builder made beforehand


SECTIONS: list[Section] = []


def register_section(section: Section, *, before: str | None = None) -> None:
    """Add a section (a tab) to the site; ``before``: the index path of the section it comes before."""
    if any(s.index == section.index for s in SECTIONS):
        raise ValueError(f"a section with index {section.index} is registered already")
    position = next((i for i, s in enumerate(SECTIONS) if s.index == before), len(SECTIONS))
    SECTIONS.insert(position, section)


def _register_builtin_sections() -> None:
    from samtbu.generate import rules
    from samtbu.generate.site import credential as site_credential, fagskole as site_fagskole, grep as site_grep, misc as site_misc
    from samtbu.generate.site import ontology as site_ontology, pages as site_pages, profiles as site_profiles, tables as site_tables
    from samtbu.generate.site.downloads import FOLDER

    builtin = [
        Section("overview", "index.md", lambda ctx, lang: [site_misc.overview_page(ctx.idx, lang, ctx)], sort_pages=False),
        Section("concepts", "begreper/index.md", lambda ctx, lang: [site_misc.index_page(ctx.idx, lang, "concepts")]
                + [site_pages.collection_page(ctx.idx, c, lang) for c in ctx.idx.collections]
                + [site_pages.concept_page(ctx.idx, c, lang, ctx.resources) for c in ctx.idx.concepts]),
        Section("ontology", "ontologi/index.md", lambda ctx, lang: site_ontology.ontology_pages(ctx, lang)),
        Section("classes", "klasser/index.md", lambda ctx, lang: [site_misc.index_page(ctx.idx, lang, "classes")]
                + [site_pages.class_page(ctx.idx, c, lang, ctx.resources) for c in ctx.idx.classes]),
        Section("properties", "egenskaper/index.md", lambda ctx, lang: [site_misc.index_page(ctx.idx, lang, "properties")]
                + [site_pages.property_page(ctx.idx, p, lang, ctx.resources) for p in ctx.idx.properties]),
        Section("code_lists", "kodelister/index.md", lambda ctx, lang: [site_misc.index_page(ctx.idx, lang, "code_lists")]
                + [site_pages.code_list_page(ctx.idx, s, lang, ctx.resources) for s in ctx.idx.schemes]),
        Section("profiles", "profiler/index.md", lambda ctx, lang: [site_misc.index_page(ctx.idx, lang, "profiles")]
                + [site_profiles.profile_page(ctx.idx, name, lang) for name in ctx.idx.profiles]),
        Section(rules.WORDS["title"], rules.PAGE_PATH, lambda ctx, lang: [rules.rules_page(ctx.idx, lang)], sort_pages=False),
        Section("sharing", "deling/index.md", lambda ctx, lang: site_tables.sharing_pages(ctx.idx, lang)),
        Section("crosswalks", "koblinger/index.md", lambda ctx, lang: site_tables.crosswalk_pages(ctx.idx, lang)),
        *site_fagskole.sections(),
        Section("getting_started", "kom-i-gang.md",
                lambda ctx, lang: [site_misc.getting_started_page(ctx.idx, lang, ctx.help_texts)], sort_pages=False),
        Section(tuple(site_grep.x("title", lang) for lang in LANGS), site_grep.PAGE,
                lambda ctx, lang: [site_grep.grep_page(ctx.idx, lang)], sort_pages=False),
        Section(tuple(site_credential._t("title", lang) for lang in LANGS), site_credential.PATH,
                lambda ctx, lang: [site_credential.credential_page(ctx.idx, lang, ctx.extra["signed_examples"], FOLDER)],
                sort_pages=False),
        Section("downloads", "nedlasting.md",
                lambda ctx, lang: [site_misc.downloads_page(ctx.idx, lang, ctx.artifacts)], sort_pages=False),
        Section("changelog", "endringslogg.md",
                lambda ctx, lang: [site_misc.changelog_page(ctx.idx, lang, ctx.changelog)], sort_pages=False),
    ]
    for section in builtin:
        if not any(s.index == section.index for s in SECTIONS):
            register_section(section)


def _title(key, lang: str) -> str:
    from samtbu.generate.site.text import T, pick

    return pick(key if isinstance(key, tuple) else T[key], lang)


def _nav(sections: list[Section], pages_by_section: dict[str, list], lang: str) -> list:
    """The navigation of one language: one entry per section, with every page below it (the
    section's index first, the others by their title in this language)."""
    import locale as _locale  # noqa: F401 - sorting below is by casefolded title, locale-independent

    nav: list[dict[str, Any]] = []
    for section in sections:
        pages = pages_by_section[section.index]
        others = [p for p in pages if p.path != section.index]
        if section.sort_pages:
            others.sort(key=lambda p: (p.path.count("/"), p.title.casefold()))
        title = _title(section.key, lang)
        if not others:
            nav.append({title: section.index})
        else:
            nav.append({title: [section.index, *[{p.title: p.path} for p in others]]})
    return nav


def _changelog(model):
    from samtbu.generate.changelog import diff, previous_release
    from samtbu.model import Model

    previous = previous_release(Path(model.root), model.version)
    if previous is None:
        return None
    version, folder = previous
    old = Model.load(folder)
    return diff(old, model, old_version=version, new_version=model.version)


class _Loader(__import__("yaml").SafeLoader):
    """Reads the committed mkdocs.yml (its !!python/name tags are mkdocs's business, not ours)."""


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def generate_sources(model, src: Path, site_dir: Path | None = None) -> Path:
    """Write the Markdown sources, the theme overrides and the build's mkdocs.yml; returns that file."""
    import yaml

    from samtbu.generate.site import credential as site_credential
    from samtbu.generate.site.downloads import FOLDER, write_downloads
    from samtbu.generate.site.index import SiteIndex
    from samtbu.generate.site.iris import ResourceIndex, write_rdf
    from samtbu.generate.site.text import DEFAULT_LANG

    src = Path(src).resolve()
    site_dir = Path(site_dir or default_output_dir(model)).resolve()
    docs = src / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    idx = SiteIndex(model)
    resources = ResourceIndex(idx)

    # Downloads: written once, copied into each language tree so that every link resolves in mkdocs.
    with tempfile.TemporaryDirectory() as tmp:
        artifacts = write_downloads(idx, Path(tmp) / FOLDER, resources)
        signed_examples = site_credential.write_example_files(model, Path(tmp) / FOLDER)
        for lang in LANGS:
            shutil.copytree(Path(tmp) / FOLDER, docs / lang / FOLDER)
    # The RDF of each IRI, once, under the site root (content negotiation redirects there).
    write_rdf(resources, docs / DEFAULT_LANG)

    _register_builtin_sections()
    ctx = BuildContext(idx, resources, artifacts, {}, _changelog(model), extra={"signed_examples": signed_examples})
    # The overview reports what the other pages show (in every language), so it is built last.
    ordered = sorted(SECTIONS, key=lambda s: s.index == "index.md")
    built: dict[str, dict[str, list]] = {lang: {} for lang in LANGS}
    for section in ordered:
        for lang in LANGS:
            if section.index == "index.md":
                continue
            built[lang][section.index] = pages = section.build(ctx, lang)
            for page in pages:
                shown, fallback = ctx.stats.setdefault(lang, [0, 0])
                ctx.stats[lang] = [shown + page.shown, fallback + len(page.missing)]
    navs = {}
    for lang in LANGS:
        for section in ordered:
            if section.index == "index.md":
                built[lang][section.index] = section.build(ctx, lang)
        for pages in built[lang].values():
            for page in pages:
                page.write(str(docs))
        navs[lang] = _nav(SECTIONS, built[lang], lang)

    overrides = src / "overrides"
    if overrides.exists():
        shutil.rmtree(overrides)
    committed = repo_root(model) / CONFIG_DIR
    if (committed / "overrides").is_dir():
        shutil.copytree(committed / "overrides", overrides)
    mermaid = find_mermaid(default_cache_dir())
    (overrides / "assets" / "javascripts").mkdir(parents=True, exist_ok=True)
    shutil.copy2(mermaid, overrides / "assets" / "javascripts" / "mermaid.min.js")

    # The i18n plugin's languages get their navigation here (the committed file has the rest); a
    # list in an INHERITed file is replaced, not merged, so the plugins are written out whole.
    base = yaml.load((committed / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    plugins = base.get("plugins", [])
    for plugin in plugins:
        if isinstance(plugin, dict) and "i18n" in plugin:
            for language in plugin["i18n"]["languages"]:
                language["nav"] = navs[language["locale"]]
                language.pop("nav_translations", None)
    config = {
        "INHERIT": os.path.relpath(committed / "mkdocs.yml", src),
        "docs_dir": "docs",
        "site_dir": str(site_dir),
        "site_url": site_url(model),
        "theme": {"name": "material", "custom_dir": "overrides"},
        "nav": navs[DEFAULT_LANG],
        "plugins": plugins,
    }
    target = src / "mkdocs.yml"
    target.write_text("# Generated by `samtbu site build`; the configuration is site/mkdocs.yml.\n"
                      + yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def build_site(model, output: Path | None = None, *, src: Path | None = None, strict: bool = True) -> Path:
    """Generate the sources and build the site with ``mkdocs build --strict``; returns the site folder."""
    output = Path(output or default_output_dir(model)).resolve()
    src = Path(src or default_source_dir(model)).resolve()
    config = generate_sources(model, src, output)
    command = [sys.executable, "-m", "mkdocs", "build", "--clean", "-f", str(config)]
    if strict:
        command.append("--strict")
    result = subprocess.run(command, capture_output=True, text=True, cwd=src)
    if result.returncode != 0:
        log = (result.stderr or "") + (result.stdout or "")
        problems = [line for line in log.splitlines() if line.startswith(("WARNING", "ERROR")) or "Error" in line]
        raise SiteError("mkdocs build failed:\n" + "\n".join(problems[:40] or log.splitlines()[-40:]))
    from samtbu.generate.site.search import split_search_index

    split_search_index(output)
    _root_relative_links(output, site_url(model))
    return output


def site_url(model) -> str:
    """Where the site is published: the model's base IRI (w3id.org redirects its paths to the host's
    root), or SAMTBU_SITE_URL."""
    return os.environ.get("SAMTBU_SITE_URL", BASE_IRI)


def _root_relative_links(output: Path, url: str) -> None:
    """The site's public address is site_url (the model's base IRI, for the sitemap and canonical
    links), but the host serves it from its root (w3id.org keeps the rest of the path): the few links
    mkdocs and the i18n plugin write from site_url's path (/samt-bu/…: the 404 page, the home pages'
    language links) must start at /."""
    from urllib.parse import urlsplit

    prefix = urlsplit(url).path.rstrip("/")
    if not prefix:
        return
    pattern = re.compile(r'((?:href|src)=")' + re.escape(prefix) + "/")
    for page in output.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = pattern.sub(r"\1/", text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def serve_site(directory: Path, host: str = "127.0.0.1", port: int = 8000, *, sock=None) -> None:
    """Serve the built site; ``sock``: a socket already listening (``errors.listening_socket``), so
    that a busy port is known before a build, not after it."""
    from samtbu.errors import listening_socket

    if not Path(directory).is_dir():
        if sock is not None:
            sock.close()
        raise SiteError(f"no such folder to serve: {directory} (build it with `samtbu site build`, or leave out --no-build)")
    sock = sock or listening_socket(host, port)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(sock.getsockname()[:2], handler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.server_address = sock.getsockname()
    server.server_name, server.server_port = host, server.server_address[1]
    with server:
        print(f"serving {directory} at http://{host}:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
        server.serve_forever()


__all__ = ["build_site", "generate_sources", "register_section", "Section", "BuildContext", "SECTIONS", "serve_site", "find_mermaid", "SiteError", "MERMAID_VERSION"]
