"""Shared fixtures: the loaded model, the repository root and the read-only anchors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from samtbu.model import Model

REPO = Path(__file__).resolve().parents[1]
# The OB 3.0 export names each issuer by its configured profile; the examples' issuers have synthetic
# ones (a .example domain). Tests of the refusal without a profile pass their own (empty) profiles.
os.environ.setdefault("SAMTBU_OB3_ISSUER_PROFILES", str(REPO / "examples" / "issuer-profiles" / "ob3.json"))


def anchors_dir() -> Path:
    return Path(os.environ.get("SAMTBU_ANCHORS", REPO.parent / "shared" / "anchors"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def model() -> Model:
    return Model.load(REPO)


@pytest.fixture(scope="session")
def anchors() -> Path:
    path = anchors_dir()
    if not path.is_dir():
        pytest.skip(f"the reference specifications are not at {path} (set SAMTBU_ANCHORS to their folder)")
    return path
