"""The installed package carries the model: `pip install` of the wheel gives a working validator
outside the repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_works_outside_the_repository(tmp_path: Path):
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )
    if build.returncode != 0:
        pytest.skip(f"the wheel could not be built here (the build backend comes from PyPI): {build.stderr[-300:]}")
    (wheel,) = wheels.glob("samtbu-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, timeout=600)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    payload = outside / "resultat.json"
    payload.write_bytes((REPO / "examples" / "enkeltresultat.json").read_bytes())

    # no reference folder out here: the credential contexts must come from an installed package
    env = {k: v for k, v in os.environ.items() if k not in ("SAMTBU_ANCHORS", "SAMTBU_CONTEXTS")}

    def samtbu(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([python, "-m", "samtbu.cli", *args], cwd=outside, capture_output=True, text=True, timeout=600,
                              env=env)

    where = subprocess.run([python, "-c", "import samtbu; print(samtbu.__file__)"], cwd=outside, capture_output=True, text=True)
    assert str(env_dir) in where.stdout, where.stdout
    info = samtbu("info", "--json")
    assert info.returncode == 0, info.stderr
    summary = json.loads(info.stdout)
    assert "_model" in summary["root"], summary["root"]  # the packaged copy, not the checkout
    assert summary["concepts"] >= 50 and summary["examples"] >= 6 and len(summary["profiles"]) >= 5
    valid = samtbu("validate", str(payload))
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "i samsvar" in valid.stdout
    context = samtbu("context")
    assert context.returncode == 0 and '"@protected": true' in context.stdout
    queries = samtbu("query", "--list")
    assert queries.returncode == 0 and "codes-of-scheme" in queries.stdout

    # Signing from the installed package, offline: the W3C and Open Badges contexts come from the
    # openbadgeslib wheel (the sign extra), not from the repository or the reference folder.
    has_extra = subprocess.run([python, "-c", "import base58, cryptography, openbadgeslib"], capture_output=True)
    if has_extra.returncode != 0:
        return  # the sign extra is not installed where this venv looks (.ci/run installs it)
    vitnemaal = outside / "vitnemaal.json"
    vitnemaal.write_bytes((REPO / "examples" / "vitnemaal-studiespesialisering.json").read_bytes())
    assert samtbu("keys", "new", "-o", "k.json", "--trust-list", "t.json", "--orgnr", "994123750").returncode == 0
    signed = samtbu("sign", str(vitnemaal), "--key", "k.json", "-o", "vm.signed.json")
    assert signed.returncode == 0, signed.stderr
    checked = samtbu("verify", "vm.signed.json", "--trust-list", "t.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
