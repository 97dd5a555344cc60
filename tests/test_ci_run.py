""".ci/run's helpers (.ci/lib.sh): apt-get waits, bounded, while another process holds the apt/dpkg
lock; any other apt failure ends at once; a failing step is named. apt-get is a stand-in script
here (the real one would change the machine)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LIB = REPO / ".ci" / "lib.sh"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")

LOCKED = "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)"


def fake_apt_get(tmp_path: Path, failures: int, message: str = LOCKED) -> Path:
    """An apt-get that fails with ``message`` the first ``failures`` times, then succeeds; it logs each call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "apt-get"
    script.write_text(f"""#!/usr/bin/env bash
echo "$*" >> {tmp_path}/calls
n=$(wc -l < {tmp_path}/calls)
if [ "$n" -le {failures} ]; then echo "{message}" >&2; exit 100; fi
echo "installed"
""")
    script.chmod(0o755)
    return bin_dir


def bash(snippet: str, bin_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **env}
    return subprocess.run(["bash", "-c", f"set -euo pipefail; source {LIB}; {snippet}"], capture_output=True, text=True,
                          env=environment, timeout=120)


def test_apt_waits_for_the_lock_then_installs(tmp_path):
    bin_dir = fake_apt_get(tmp_path, failures=2)
    result = bash("apt_get install -y nginx-light", bin_dir, SAMTBU_APT_LOCK_WAIT="60", SAMTBU_APT_LOCK_POLL="0.1")
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert len(calls) == 3 and all("install -y nginx-light" in c and "DPkg::Lock::Timeout" in c for c in calls), calls
    assert result.stderr.count("apt is busy (another process holds its lock): waiting") == 2, result.stderr


def test_apt_wait_is_bounded(tmp_path):
    bin_dir = fake_apt_get(tmp_path, failures=10_000)
    started = time.monotonic()
    result = bash("apt_get update", bin_dir, SAMTBU_APT_LOCK_WAIT="2", SAMTBU_APT_LOCK_POLL="0.2")
    assert result.returncode == 100, result.stderr
    assert time.monotonic() - started < 30
    assert LOCKED in result.stderr  # apt's own words are shown when the wait gives up


def test_other_apt_failures_end_at_once(tmp_path):
    bin_dir = fake_apt_get(tmp_path, failures=10_000, message="E: Unable to locate package no-such-package")
    result = bash("apt_get install -y no-such-package", bin_dir, SAMTBU_APT_LOCK_POLL="5")
    assert result.returncode == 100
    assert len((tmp_path / "calls").read_text().splitlines()) == 1
    assert "Unable to locate package no-such-package" in result.stderr and "waiting" not in result.stderr


def test_a_failing_step_is_named(tmp_path):
    bin_dir = fake_apt_get(tmp_path, failures=0)
    result = bash('step "first"; true; step "install samtbu with its test extra"; exit 3', bin_dir)
    assert result.returncode == 3
    assert '.ci/run: the step "install samtbu with its test extra" failed (exit code 3)' in result.stderr, result.stderr
    assert '"first" failed' not in result.stderr
    ok = bash('step "only"; true', bin_dir)
    assert ok.returncode == 0 and "failed" not in ok.stderr
