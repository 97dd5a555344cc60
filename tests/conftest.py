"""Shared fixtures: the loaded model, the repository root and the read-only anchors."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from samtbu.model import Model

REPO = Path(__file__).resolve().parents[1]
# The OB 3.0 export names each issuer by its configured profile; the examples' issuers have synthetic
# ones (a .example domain). Tests of the refusal without a profile pass their own (empty) profiles.
os.environ.setdefault("SAMTBU_OB3_ISSUER_PROFILES", str(REPO / "examples" / "issuer-profiles" / "ob3.json"))
# The compiled-model cache of the run: a folder of its own (never the user's), built by the first test
# that loads the model and used by every later one, the CLI subprocesses included; so the suite runs
# on models read from the cache. SAMTBU_NO_CACHE=1 runs it without.
_OWN_CACHE = None
if "SAMTBU_CACHE_DIR" not in os.environ:
    import tempfile

    _OWN_CACHE = os.environ["SAMTBU_CACHE_DIR"] = tempfile.mkdtemp(prefix="samtbu-test-cache-")


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


def pytest_sessionfinish(session, exitstatus):
    if _OWN_CACHE:
        import shutil

        shutil.rmtree(_OWN_CACHE, ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    """The peak memory of each bounded-resource case (tests/test_bounded_resources.py), when they ran."""
    module = sys.modules.get("test_bounded_resources") or sys.modules.get("tests.test_bounded_resources")
    peaks = getattr(module, "PEAKS", None)
    if peaks:
        terminalreporter.section("bounded resources: peak memory (RLIMIT_AS 1 GiB; limit 1000 MB)")
        for row in peaks:
            terminalreporter.write_line(row)


# Property-based tests: in CI (CI=true, or SAMTBU_HYPOTHESIS_PROFILE=ci, as .ci/run sets) every run
# draws the same examples, so a run cannot fail at random; locally they draw new examples each run
# and remember failing ones, so they keep finding faults.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
_hypothesis_settings.register_profile("dev")
_hypothesis_settings.load_profile(
    os.environ.get("SAMTBU_HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev")
)
