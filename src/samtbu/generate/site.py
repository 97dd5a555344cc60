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
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from samtbu.errors import SamtbuError
from samtbu.generate.site_text import LANGS, local

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
            member = tar.getmember("package/dist/mermaid.min.js")
            with tar.extractfile(member) as src, open(target / "mermaid.min.js", "wb") as dst:
                shutil.copyfileobj(src, dst)
            try:
                license_member = tar.getmember("package/LICENSE")
                with tar.extractfile(license_member) as src, open(target / "LICENSE", "wb") as dst:
                    shutil.copyfileobj(src, dst)
            except KeyError:
                pass
    return target / "mermaid.min.js"


# -- generation ------------------------------------------------------------------------------------
def _nav(idx) -> list:
    from samtbu.generate import rules

    """Sections only: the term pages are reached from each section's index table (listing hundreds of
    pages in every page's sidebar would make each page large without helping anyone find a term)."""
    return [
        {"Oversikt": "index.md"},
        {"Begreper": "begreper/index.md"},
        {"Klasser": "klasser/index.md"},
        {"Egenskaper": "egenskaper/index.md"},
        {"Kodelister": "kodelister/index.md"},
        {"Valideringsprofiler": "profiler/index.md"},
        {"Valideringsregler": rules.PAGE_PATH},
        {"Deling": "deling/index.md"},
        {"Koblinger": "koblinger/index.md"},
        {"Kom i gang": "kom-i-gang.md"},
        {"Grep": "grep.md"},
        {"Signerte dokumenter": "signering.md"},
        {"Nedlastinger": "nedlasting.md"},
        {"Endringslogg": "endringslogg.md"},
    ]


def _changelog(model):
    from samtbu.generate.changelog import diff, previous_release
    from samtbu.model import Model

    previous = previous_release(Path(model.root), model.version)
    if previous is None:
        return None
    version, folder = previous
    old = Model.load(folder)
    return diff(old, model, old_version=version, new_version=model.version)


def generate_sources(model, src: Path, site_dir: Path | None = None) -> Path:
    """Write the Markdown sources, the theme overrides and the build's mkdocs.yml; returns that file."""
    import yaml

    from samtbu.generate import rules, site_credential, site_grep, site_misc, site_pages, site_profiles, site_tables
    from samtbu.generate.site_downloads import FOLDER, write_downloads
    from samtbu.generate.site_index import SiteIndex

    src = Path(src).resolve()
    site_dir = Path(site_dir or default_output_dir(model)).resolve()
    docs = src / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    idx = SiteIndex(model)

    # Downloads: written once, copied into each language tree so that every link resolves in mkdocs.
    with tempfile.TemporaryDirectory() as tmp:
        artifacts = write_downloads(idx, Path(tmp) / FOLDER)
        signed_examples = site_credential.write_example_files(model, Path(tmp) / FOLDER)
        for lang in LANGS:
            shutil.copytree(Path(tmp) / FOLDER, docs / lang / FOLDER)

    help_texts = {name: site_misc._help(name) for name in ("validate", "export")}
    log = _changelog(model)
    for lang in LANGS:
        pages = [site_misc.overview_page(idx, lang)]
        pages += [site_misc.index_page(idx, lang, s) for s in ("concepts", "classes", "properties", "code_lists", "profiles")]
        pages += [site_pages.concept_page(idx, c, lang) for c in idx.concepts]
        pages += [site_pages.class_page(idx, c, lang) for c in idx.classes]
        pages += [site_pages.property_page(idx, p, lang) for p in idx.properties]
        pages += [site_pages.code_list_page(idx, s, lang) for s in idx.schemes]
        pages += [site_profiles.profile_page(idx, name, lang) for name in idx.profiles]
        pages.append(rules.rules_page(idx, lang))
        pages += site_tables.sharing_pages(idx, lang) + site_tables.crosswalk_pages(idx, lang)
        pages += [site_misc.getting_started_page(idx, lang, help_texts), site_misc.downloads_page(idx, lang, artifacts),
                  site_misc.changelog_page(idx, lang, log), site_credential.credential_page(idx, lang, signed_examples, FOLDER),
                  site_grep.grep_page(idx, lang)]
        for page in pages:
            page.write(str(docs))

    overrides = src / "overrides"
    if overrides.exists():
        shutil.rmtree(overrides)
    committed = repo_root(model) / CONFIG_DIR
    if (committed / "overrides").is_dir():
        shutil.copytree(committed / "overrides", overrides)
    mermaid = find_mermaid(default_cache_dir())
    (overrides / "assets" / "javascripts").mkdir(parents=True, exist_ok=True)
    shutil.copy2(mermaid, overrides / "assets" / "javascripts" / "mermaid.min.js")

    config = {
        "INHERIT": os.path.relpath(committed / "mkdocs.yml", src),
        "docs_dir": "docs",
        "site_dir": str(site_dir),
        "theme": {"name": "material", "custom_dir": "overrides"},
        "nav": _nav(idx),
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
    return output


def serve_site(directory: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        print(f"serving {directory} at http://{host}:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
        server.serve_forever()


__all__ = ["build_site", "generate_sources", "serve_site", "find_mermaid", "SiteError", "MERMAID_VERSION"]
