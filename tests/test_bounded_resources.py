"""Bounded resources (issue 15): every hostile input is read under a memory limit (RLIMIT_AS 1 GiB in
the child process), reported as too large, and the next record still validated; the peak memory of
each case is printed at the end of the run (see benchmarks/bounded_resources.py for the cases)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import bounded_resources as bounded  # noqa: E402

PEAKS: list[str] = []  # printed by conftest.pytest_terminal_summary


def _run(name: str, folder: Path) -> bounded.Outcome:
    outcome = bounded.CASES[name](folder)
    PEAKS.append(outcome.row() + (f"  report {len(outcome.stdout) / 1e6:.1f} MB" if name == "cross-record" else ""))
    err = outcome.stderr.decode(errors="replace")
    assert "Traceback" not in err and "MemoryError" not in err, err[-3000:]
    assert outcome.peak_mb < bounded.PEAK_LIMIT_MB, outcome.row()
    return outcome


def _lines(outcome: bounded.Outcome) -> list[dict]:
    return [json.loads(line) for line in outcome.stdout.decode().splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["dev-zero", "fifo"])
def test_an_endless_single_input_is_too_large(tmp_path, name):
    outcome = _run(name, tmp_path)
    err = outcome.stderr.decode()
    assert outcome.returncode == 2 and "over the limit" in err and err.count("\n") == 1, err


@pytest.mark.parametrize("name", ["ndjson-file", "ndjson-stdin", "ndjson-zip", "ndjson-tar"])
def test_a_one_gib_ndjson_line_is_too_large_and_the_next_record_is_validated(tmp_path, name):
    outcome = _run(name, tmp_path)
    records = [r for r in _lines(outcome) if "source" in r and not r.get("crossRecord")]
    assert outcome.returncode == 2, outcome.stderr.decode()[-2000:]
    assert len(records) == 3, records
    first, long, last = records
    assert "over the limit" in long["error"] and f"{bounded.LONG_LINE + 1:,} bytes" in long["error"]  # with its newline
    assert "error" not in first and "error" not in last and first["profile"] == last["profile"] == "enkeltresultat"


def test_a_zip_bomb_is_read_member_by_member(tmp_path):
    outcome = _run("zip-bomb", tmp_path)
    records = [r for r in _lines(outcome) if "source" in r]
    assert len(records) == 300
    too_large = [r for r in records if "over the limit" in r.get("error", "")]
    assert len(too_large) == 6 and all(r["source"].endswith(("49.json", "99.json")) for r in too_large)
    assert all("error" not in r for r in records if r not in too_large)
    assert outcome.returncode == 2


def test_cross_record_results_grow_linearly(tmp_path):
    outcome = _run("cross-record", tmp_path)
    lines = _lines(outcome)
    cross = [r for r in lines if r.get("crossRecord")]
    assert len(cross) == 4000 and all(len(r["results"]) == 1 for r in cross)
    assert all(r["results"][0]["constraint"] == "samtbu:DuplicateDocumentNumber" for r in cross)
    message = cross[0]["results"][0]["message"]
    assert "4000" in message and "3996" in message, message  # three named, the rest counted
    assert len(outcome.stdout) < 50 * 1000 * 1000
