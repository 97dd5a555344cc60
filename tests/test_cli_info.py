"""`samtbu info` summarises the bundled model."""

from __future__ import annotations

import json
import subprocess
import sys

from samtbu.model import Model


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samtbu.cli", *args], capture_output=True, text=True, timeout=120)


def test_info_json_matches_the_model(model: Model):
    result = run_cli("info", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["version"] == model.version
    assert summary["classes"] == len(model.classes()) >= 30
    assert summary["properties"] == len(model.properties()) >= 50
    assert summary["concepts"] >= 50
    assert summary["code_lists"] >= 15
    assert summary["shapes"] > 0
    assert set(summary["profiles"]) >= {"vitnemaal", "kompetansebevis", "fagbrev", "enkeltresultat", "fullfoeringsstatus"}
    assert summary["examples"] >= 6
    for lang in ("nb", "nn", "en"):
        assert summary["languages"][lang]["label"] == 1.0, lang


def test_info_text_names_the_counts():
    result = run_cli("info")
    assert result.returncode == 0, result.stderr
    assert "concepts in the catalog" in result.stdout
    assert "nn:" in result.stdout


def test_unknown_subcommand_is_a_usage_error():
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "invalid choice" in result.stderr
