"""The installed package: `pip install samtbu` (no extras) in a clean virtual environment gives a
working validator outside the repository, with the model carried as package data; a command that
needs an extra names it in one line. The extras in pyproject.toml and in samtbu.extras agree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

from samtbu.extras import EXTRAS

REPO = Path(__file__).resolve().parents[1]
# What `pip install samtbu` must not bring: the extras' own packages (lxml is not listed: pyld needs it).
NOT_IN_THE_CORE = ("fastapi", "uvicorn", "fastapi_offline", "httpx", "mkdocs", "material", "jsonschema", "owlready2",
                   "rich", "cryptography", "base58", "openbadgeslib", "ijson", "PIL")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python of a clean venv with the wheel and its dependencies only, a folder outside the repository)."""
    tmp = tmp_path_factory.mktemp("wheel")
    wheels = tmp / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )
    if build.returncode != 0:
        pytest.skip(f"the wheel could not be built here (the build backend comes from PyPI): {build.stderr[-300:]}")
    (wheel,) = wheels.glob("samtbu-*.whl")
    env_dir = tmp / "venv"
    venv.create(env_dir, system_site_packages=False, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, f"pip install of the wheel failed:\n{install.stderr[-3000:]}"
    outside = tmp / "elsewhere"
    outside.mkdir()
    return python, outside


# No reference folder out here: what the installed package does must not depend on the anchors
# (the credential contexts, for one, come from an installed package).
ENV = {k: v for k, v in os.environ.items() if k not in ("SAMTBU_ANCHORS", "SAMTBU_CONTEXTS")}


def _samtbu(installed, *args: str) -> subprocess.CompletedProcess:
    python, outside = installed
    return subprocess.run([python, "-m", "samtbu.cli", *args], cwd=outside, capture_output=True, text=True, timeout=600,
                          env=ENV)


@pytest.mark.slow
def test_wheel_without_extras_validates_the_examples_outside_the_repository(installed):
    python, outside = installed
    where = subprocess.run([python, "-c", "import samtbu, sys; print(samtbu.__file__); print(sys.flags.no_site, sys.path)"],
                           cwd=outside, capture_output=True, text=True)
    assert str(python.parents[1]) in where.stdout.splitlines()[0], where.stdout
    present = subprocess.run(
        [python, "-c", "import importlib.util, sys; print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m)))",
         *NOT_IN_THE_CORE],
        capture_output=True, text=True,
    )
    assert present.stdout.split() == [], f"`pip install samtbu` brought packages of the extras: {present.stdout}"

    info = _samtbu(installed, "info", "--json")
    assert info.returncode == 0, info.stderr
    summary = json.loads(info.stdout)
    assert "_model" in summary["root"], summary["root"]  # the packaged copy, not the checkout
    assert summary["concepts"] >= 50 and summary["examples"] >= 6 and len(summary["profiles"]) >= 5

    examples = outside / "examples"
    examples.mkdir()
    for path in sorted((REPO / "examples").glob("*.json")) + sorted((REPO / "examples").glob("*.ttl")):
        (examples / path.name).write_bytes(path.read_bytes())
    valid = _samtbu(installed, "validate", "examples")
    assert valid.returncode == 0, valid.stdout[-2000:] + valid.stderr[-2000:]
    count = len(list(examples.iterdir()))
    assert valid.stdout.count("i samsvar") >= count, valid.stdout
    one = _samtbu(installed, "validate", "--lang", "en", "-r", "json", "examples/enkeltresultat.json")
    assert one.returncode == 0 and json.loads(one.stdout)["conforms"] is True, one.stdout + one.stderr

    context = _samtbu(installed, "context")
    assert context.returncode == 0 and '"@protected": true' in context.stdout
    schemas = _samtbu(installed, "jsonschema", "-o", "schemas")
    assert schemas.returncode == 0, schemas.stderr
    assert len(list((outside / "schemas").glob("*.json"))) == len(summary["profiles"])
    queries = _samtbu(installed, "query", "--list")
    assert queries.returncode == 0 and "codes-of-scheme" in queries.stdout
    engine = _samtbu(installed, "validate", "--engine", "pyshacl", "examples/enkeltresultat.json")
    assert engine.returncode == 0, engine.stdout + engine.stderr

    # What README's table says the core install does besides validating.
    vitnemaal = "examples/vitnemaal-studiespesialisering.json"
    for args in (("rules", "--format", "json"), ("catalog",), ("export", vitnemaal, "--to", "schemaorg"),
                 ("render", vitnemaal, "-o", "oversikt.html"),
                 ("share", "--recipient", "oppfoelgingstjenesten", "--purpose", "oppfoelging", vitnemaal),
                 ("publish", "--store", "store")):
        done = _samtbu(installed, *args)
        assert done.returncode == 0, (args, done.stdout[-1000:], done.stderr[-2000:])


@pytest.mark.slow
@pytest.mark.parametrize("command,extra", [
    (("serve", "--port", "0"), "service"),
    (("site", "build"), "site"),
    (("keys", "new", "-o", "k.json"), "sign"),
    (("grep", "import", "grep.json", "-o", "grep.sqlite"), "grep"),
    (("export", "vitnemaal.json", "--to", "elm", "-o", "vm.elm.jsonld"), "elm"),
])
def test_a_command_that_needs_a_missing_extra_names_it_in_one_line(installed, command, extra):
    python, outside = installed
    (outside / "grep.json").write_text("[]")
    (outside / "vitnemaal.json").write_bytes((REPO / "examples" / "vitnemaal-studiespesialisering.json").read_bytes())
    before = sorted(p.name for p in outside.iterdir())
    result = _samtbu(installed, *command)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"pip install 'samtbu[{extra}]'" in lines[0] and lines[0].startswith("samtbu: error: samtbu "), lines[0]
    assert sorted(p.name for p in outside.iterdir()) == before  # nothing written on the way


@pytest.mark.slow
def test_with_the_sign_and_elm_extras_the_wheel_signs_and_verifies_offline(installed):
    """Signing from the installed package, offline: the W3C and Open Badges contexts come from the
    openbadgeslib wheel (the sign extra), not from the repository or the reference folder; with the elm
    extra (Pillow) the European Digital Credential is exported with its page images.
    (Runs after the tests without extras: it installs the extras into the same environment.)"""
    python, outside = installed
    wheel = next((python.parents[2] / "wheels").glob("samtbu-*.whl"))
    extra = subprocess.run([python, "-m", "pip", "install", "-q", f"{wheel}[sign,elm]"], capture_output=True, text=True, timeout=1200)
    assert extra.returncode == 0, extra.stderr[-3000:]
    vitnemaal = outside / "vitnemaal.json"
    vitnemaal.write_bytes((REPO / "examples" / "vitnemaal-studiespesialisering.json").read_bytes())
    assert _samtbu(installed, "keys", "new", "-o", "k.json", "--trust-list", "t.json", "--orgnr", "994123750").returncode == 0
    signed = _samtbu(installed, "sign", str(vitnemaal), "--key", "k.json", "-o", "vm.signed.json")
    assert signed.returncode == 0, signed.stderr
    checked = _samtbu(installed, "verify", "vm.signed.json", "--trust-list", "t.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    elm = _samtbu(installed, "export", str(vitnemaal), "--to", "elm", "-o", "vm.elm.jsonld")
    assert elm.returncode == 0, elm.stderr
    pages = json.loads((outside / "vm.elm.jsonld").read_text(encoding="utf-8"))["displayParameter"]["individualDisplay"]
    assert pages, "no page image in the EDC export"


# -- without building a wheel ------------------------------------------------------------------------


def test_extras_in_pyproject_and_in_the_code_agree():
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert set(EXTRAS) <= set(declared), sorted(set(EXTRAS) - set(declared))
    distribution = {"fastapi_offline": "fastapi-offline", "material": "mkdocs-material", "mkdocs_static_i18n": "mkdocs-static-i18n",
                    "owlready2": "owlready2", "yaml": "pyyaml", "PIL": "pillow"}
    for extra, (_what, modules) in EXTRAS.items():
        names = {requirement.split(">")[0].split("=")[0].split("[")[0].strip().lower() for requirement in declared[extra]}
        for module in modules:
            assert distribution.get(module, module).lower() in names, f"extra {extra!r}: {module} is not in pyproject.toml"
    core = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    core_names = {requirement.split(">")[0].split("=")[0].split("<")[0].strip().lower() for requirement in core}
    # jinja2: the learner's overview (`samtbu render`, part of the core share feature) is a template;
    # orjson: the fast JSON reader's parser (validation's default path)
    assert core_names == {"rdflib", "pyshacl", "pyoxigraph", "pyld", "defusedxml", "pyyaml", "platformdirs", "jinja2",
                          "orjson"}, core_names
    all_extras = declared["all"][0]
    assert all(name in all_extras for name in EXTRAS), all_extras


def test_missing_extra_message_names_the_command_and_the_extra(monkeypatch, capsys):
    """The command boundary: a missing module of an extra gives one line and exit code 2."""
    import importlib.util

    from samtbu import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    assert cli.main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["samtbu: error: samtbu serve needs uvicorn, which is not installed: pip install 'samtbu[service]'"], err


def test_an_optional_import_deep_in_a_command_is_named_too(monkeypatch, capsys):
    """An optional module imported anywhere inside a command ends as the same one line."""
    from samtbu import cli

    def needs_jsonschema(args):
        raise ModuleNotFoundError("No module named 'jsonschema'", name="jsonschema")

    monkeypatch.setattr(cli, "cmd_info", needs_jsonschema)
    assert cli.main(["info"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["samtbu: error: samtbu info needs jsonschema, which is not installed: pip install 'samtbu[ob3]'"], err


def test_site_build_writes_under_the_folder_it_is_run_in(monkeypatch, tmp_path, model):
    from samtbu.generate.site import default_cache_dir, default_output_dir, default_source_dir

    monkeypatch.chdir(tmp_path)
    for folder in (default_output_dir(model), default_source_dir(model), default_cache_dir()):
        assert folder.is_relative_to(tmp_path), folder
        assert not folder.is_relative_to(model.root), folder
