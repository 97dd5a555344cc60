"""The templates' compiled code kept between processes (samtbu.templating.CompiledTemplates): a page
drawn from the kept code is the page drawn from a fresh compile; a file someone else could have
written, or one cut short, is compiled again; no folder, or SAMTBU_NO_CACHE, only costs the compile."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment

from samtbu import templating
from samtbu.templating import CompiledTemplates

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


class CountingEnvironment(Environment):
    compiled = 0

    def compile(self, *args, **kwargs):
        type(self).compiled += 1
        return super().compile(*args, **kwargs)


def _load(folder: Path, source: str = "Hei {{ name }}!") -> str:
    env = CountingEnvironment(loader=DictLoader({"a.txt": source}), bytecode_cache=CompiledTemplates(folder))
    return env.get_template("a.txt").render(name="Kari")


@pytest.fixture(autouse=True)
def _fresh_count():
    CountingEnvironment.compiled = 0


def test_a_template_is_compiled_once_and_read_from_the_folder_after(tmp_path):
    assert _load(tmp_path) == "Hei Kari!" and CountingEnvironment.compiled == 1
    (entry,) = tmp_path.glob("*.jinja2-code")
    assert entry.stat().st_mode & 0o077 == 0, "the compiled code is the user's alone"
    assert _load(tmp_path) == "Hei Kari!" and CountingEnvironment.compiled == 1
    assert _load(tmp_path, "Hallo {{ name }}.") == "Hallo Kari." and CountingEnvironment.compiled == 2, "a changed source is compiled"
    assert not list(tmp_path.glob(".tmp-*")), "no temporary file left"


def test_code_others_could_have_written_or_cut_short_is_compiled_again(tmp_path):
    _load(tmp_path)
    (entry,) = tmp_path.glob("*.jinja2-code")
    entry.chmod(0o664)
    assert _load(tmp_path) == "Hei Kari!" and CountingEnvironment.compiled == 2
    entry.chmod(0o600)
    entry.write_bytes(entry.read_bytes()[:20])
    assert _load(tmp_path) == "Hei Kari!" and CountingEnvironment.compiled == 3


def test_a_file_in_the_place_of_the_folder_only_costs_the_compile(tmp_path):
    (tmp_path / "sub").write_text("not a folder")
    assert _load(tmp_path / "sub") == "Hei Kari!" and _load(tmp_path / "sub") == "Hei Kari!"
    assert CountingEnvironment.compiled == 2


@pytest.fixture
def fresh_environments():
    templating.environment.cache_clear()
    templating.template.cache_clear()
    yield
    templating.environment.cache_clear()
    templating.template.cache_clear()


def test_the_overview_from_kept_code_is_the_overview_compiled_afresh(tmp_path, monkeypatch, model, fresh_environments):
    from samtbu.share.overview import render_overview

    record = REPO / "examples" / "vitnemaal-studiespesialisering.json"
    monkeypatch.setenv("SAMTBU_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SAMTBU_NO_CACHE", raising=False)
    first = render_overview(record, "nn", now=NOW, model=model)
    kept = sorted(p.name for p in tmp_path.glob("templates/*/*.jinja2-code"))
    assert len(kept) == 3, kept  # the page, its macros and its CSS
    templating.environment.cache_clear()
    templating.template.cache_clear()
    compiles = []
    monkeypatch.setattr(Environment, "compile", lambda self, *a, **k: compiles.append(a) or Environment.compile(self, *a, **k))
    assert render_overview(record, "nn", now=NOW, model=model) == first
    assert not compiles, "the kept code was not used"


def test_no_cache_writes_nothing(tmp_path, monkeypatch, fresh_environments):
    monkeypatch.setenv("SAMTBU_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("SAMTBU_NO_CACHE", "1")
    assert templating.environment("samtbu.share").bytecode_cache is None
    templating.render("samtbu.share", "overview.css")
    assert not any(tmp_path.iterdir())


def test_the_folder_names_the_options_the_code_was_compiled_with(tmp_path, monkeypatch, fresh_environments):
    monkeypatch.setenv("SAMTBU_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SAMTBU_NO_CACHE", raising=False)
    html = templating.environment("samtbu.share").bytecode_cache
    markdown = templating.environment("samtbu.generate.site", False).bytecode_cache
    assert isinstance(html, CompiledTemplates) and isinstance(markdown, CompiledTemplates)
    assert html.folder != markdown.folder and html.folder.parent == markdown.folder.parent == tmp_path / "templates"
