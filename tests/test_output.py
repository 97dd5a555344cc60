"""The output boundary (samtbu.output): one rule for -o/--output in every command that writes, atomic
writes, and identity numbers masked in every string that leaves the toolkit."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samtbu.cli import main
from samtbu.output import MaskingStream, holds_identity_number, mask_identity_numbers, output_target

REPO = Path(__file__).resolve().parents[1]
VITNEMAAL = REPO / "examples" / "vitnemaal-studiespesialisering.json"
ELMO_SAMPLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v1"><generatedDate>2026-06-20T10:00:00Z</generatedDate>
<learner><citizenship>NO</citizenship><givenNames>Ola</givenNames><familyName>Nordmann</familyName><bday>2008-03-15</bday></learner>
</elmo>"""


# -- masking -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, masked", [
    ("23810640081", "238106*****"),
    ("fnr 23810640081.", "fnr 238106*****."),
    ("urn:no:fnr:23810640081", "urn:no:fnr:238106*****"),
    ("https://x/23810640081/y", "https://x/238106*****/y"),
    ("238106 40081", "238106 *****"),
    ("238106-40081", "238106-*****"),
    ("23.81.06 400 81", "23.81.06 *** **"),
    ("238106\u00a040081", "238106\u00a0*****"),
    ("/23810640081", "/238106*****"),
    ('{"23810640081": 23810640081}', '{"238106*****": 238106*****}'),
])
def test_identity_numbers_are_masked_however_written(text, masked):
    assert mask_identity_numbers(text) == masked
    assert len(mask_identity_numbers(text).encode()) == len(text.encode())


@pytest.mark.parametrize("text", [
    "VM-2026-46-004211", "2024-2025", "urn:uuid:07b28aa9-8723-57c7-8032-060e1a78b54e",
    "urn:uuid:00000000-0000-5000-8000-000000000001", "urn:uuid:34d4dc65-f616-4f87-946d-c91566053398",
    "urn:uuid:34d4dc65-f616-4f87-946d-91566053398c", "974760673", "238106404081", "2026-06-20T10:00:00Z",
    # a salted OB 3.0 identityHash and its salt: hex digests hold 11-digit runs by chance (about one
    # signed credential in twenty), and a signed document would otherwise be refused
    "sha256$bf30f91723320730ada5d8faf66378aa575f0c1d681e8fd37a2f1e8fd37a2f1e",
    "da0cac06690409228f5c1d681e8fd37a",
    "\"identityHash\": \"sha256$16CA027A04275247003D143591C8B727FA65A0E4C1D2E3F4A5B6C7D8E9F0A1B2\"",
])
def test_other_numbers_are_left_alone(text):
    assert mask_identity_numbers(text) == text
    assert not holds_identity_number(text)


def test_an_identity_number_beside_a_digest_is_still_found():
    text = "sha256$bf30f91723320730ada5d8faf66378aa575f0c1d681e8fd37a2f1e8fd37a2f1e 23810640081"
    assert holds_identity_number(text)
    assert mask_identity_numbers(text).endswith(" 238106*****")
    # a short hex-like run is not a digest: the number in it is masked
    assert mask_identity_numbers("ab23810640081") == "ab238106*****"


@pytest.mark.parametrize("text", [
    "hash 23810640081", "0123456789abcdef 23810640081 0123456789abcdef0123456789abcdef",
    "x23810640081y", "0123456789abcdef0123456789abcdef-23810640081",
])
def test_an_identity_number_beside_a_digest_is_still_masked(text):
    assert "23810640081" not in mask_identity_numbers(text) and holds_identity_number(text)


_MASK_ALPHABET = "0123456789" * 4 + " .-\u00a0\u2009\u202f\u2010\u2015/:ab\n"


@given(st.text(alphabet=_MASK_ALPHABET, max_size=60))
@settings(max_examples=3000, deadline=None)
def test_the_identity_number_pattern_finds_what_its_plain_form_finds(text):
    """The pattern is written with its look-behind after the first digit (it runs faster so); it
    finds the same numbers at the same places as its plain form, a look-behind in front."""
    import re

    from samtbu.output import _IDENTITY_NUMBER, _SEP

    plain = re.compile(rf"(?<![0-9])[0-9]{{2}}{_SEP}[0-9]{{2}}{_SEP}[0-9]{{2}}{_SEP}[0-9]{{3}}{_SEP}[0-9]{{2}}(?![0-9])")
    assert [m.span() for m in _IDENTITY_NUMBER.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_a_masking_stream_masks_numbers_split_over_writes():
    raw = io.StringIO()
    stream = MaskingStream(raw)
    for piece in ("learner 2381", "06", " 4008", "1 and more\n", "tail 238106"):
        stream.write(piece)
        stream.flush()
    assert "23810640081" not in raw.getvalue() and "238106 *****" in raw.getvalue()
    stream.write("40081")
    stream.drain()
    assert raw.getvalue().endswith("tail 238106*****")


# -- the -o rule -----------------------------------------------------------------------------------------


def test_output_target_rule(tmp_path):
    assert output_target(None, "x.json") is None
    assert output_target(str(tmp_path / "new" / "deeper") + "/", "x.json") == tmp_path / "new" / "deeper" / "x.json"
    assert (tmp_path / "new" / "deeper").is_dir()
    assert output_target(str(tmp_path / "new"), "x.json") == tmp_path / "new" / "x.json"  # an existing folder
    assert output_target(str(tmp_path / "a" / "b.json"), "x.json") == tmp_path / "a" / "b.json"
    assert (tmp_path / "a").is_dir() and not (tmp_path / "a" / "b.json").exists()


def _record(tmp_path: Path) -> Path:
    path = tmp_path / "record.json"
    path.write_bytes(VITNEMAAL.read_bytes())
    return path


def _elmo(tmp_path: Path) -> Path:
    path = tmp_path / "elmo.xml"
    path.write_bytes(ELMO_SAMPLE)
    return path


def _key(tmp_path: Path) -> Path:
    pytest.importorskip("cryptography")
    pytest.importorskip("base58")
    from samtbu.credential.keys import SigningKey, write_private_key

    path = tmp_path / "keys" / "school.key"
    write_private_key(SigningKey.generate(), path)
    return path


def _sign(tmp_path: Path, *more: str) -> list[str]:
    return ["sign", "--key", str(_key(tmp_path)), "--issuer-profile", str(REPO / "examples" / "issuer-profiles" / "ob3.json"),
            *more]


def _ndjson(tmp_path: Path) -> Path:
    path = tmp_path / "records.ndjson"
    path.write_text(json.dumps(json.loads(VITNEMAAL.read_text(encoding="utf-8"))) + "\n", encoding="utf-8")
    return path


def _grep_files(tmp_path: Path) -> Path:
    path = tmp_path / "fagkode.ENG1007.jsonld"
    path.write_bytes((REPO / "grep" / "samtbu" / "fagkode.ENG1007.jsonld").read_bytes())
    return path


# subcommand (and the variant) -> (arguments before -o, the file name written inside a folder)
COMMANDS = {
    "context": (lambda t: ["context"], "samtbu-context-0.1.0.jsonld"),
    "catalog": (lambda t: ["catalog"], "samtbu-modell-0.1.0.ttl"),
    "jsonschema": (lambda t: ["jsonschema", "--profile", "vitnemaal"], "vitnemaal.json"),
    "rules": (lambda t: ["rules", "--profile", "vitnemaal"], "rules.txt"),
    "export": (lambda t: ["export", "--to", "schemaorg", str(_record(t))], "record.schemaorg.jsonld"),
    "import": (lambda t: ["import", "--from", "elmo", str(_elmo(t))], "elmo.json"),
    "validate": (lambda t: ["validate", str(_record(t))], "samtbu-report.txt"),
    "validate --batch": (lambda t: ["validate", "--batch", "-j", "1", str(_record(t).parent)], "samtbu-report.txt"),
    "share": (lambda t: ["share", "--recipient", "ssb", "--purpose", "statistikk", "--now", "2026-11-01T12:00:00Z", str(_record(t))],
              "record.ssb-statistikk.json"),
    "render": (lambda t: ["render", "--now", "2026-11-01T12:00:00Z", str(_record(t))], "record.html"),
    "grep import": (lambda t: ["grep", "import", str(_grep_files(t))], "grep.sqlite"),
    "keys new": (lambda t: (pytest.importorskip("cryptography"), ["keys", "new"])[1], "signing-key.json"),
    "sign": (lambda t: _sign(t, str(_record(t))), "record.signed.json"),
    "sign --batch": (lambda t: _sign(t, "--batch", "--jobs", "1", str(_ndjson(t))), "records.signed.ndjson"),
    "events validate": (lambda t: ["events", "validate", "-j", "1", str(_events(t))], "korrigering.report.txt"),
    "events replay": (lambda t: ["events", "replay", "-j", "1", str(_events(t))], "korrigering.state.ndjson"),
    "events schema": (lambda t: ["events", "schema"], "samtbu-event-schema.json"),
    "events generate": (lambda t: ["events", "generate", "--count", "5"], "events-5-seed1.ndjson"),
}


def _events(tmp: Path) -> Path:
    """A stream of events (a registration and its correction) copied from the fixtures."""
    path = tmp / "korrigering.ndjson"
    if not path.exists():
        shutil.copyfile(REPO / "tests" / "fixtures" / "events" / "korrigering.ndjson", path)
    return path
# Commands whose -o is always a folder (they write many files): output_folder, tested below.
FOLDER_OUTPUTS = {"site build", "site serve"}


def _writing_options() -> list[tuple[str, object]]:
    """(subcommand, option) for every -o/--output, and every other option that names a file to write."""
    import argparse

    from samtbu.cli import build_parser
    from samtbu.output import output_path_argument

    def walk(parser, names):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    yield from walk(child, [*names, name])
            elif "--output" in action.option_strings or action.type is output_path_argument:
                yield " ".join(names), action

    return list(walk(build_parser(), []))


def test_every_output_option_is_in_the_test_of_the_rule():
    """Every command with -o is in COMMANDS (or FOLDER_OUTPUTS), and keeps the trailing / of its
    -o: a ``Path`` type drops it, and `-o out/` then wrote a file named out."""
    from samtbu.output import output_path_argument

    options = _writing_options()
    assert {"keys new", "grep import", "sign", "validate", "export", "site build"} <= {name for name, _ in options}
    tested = {key.split(" --")[0] for key in COMMANDS} | FOLDER_OUTPUTS
    for name, action in options:
        assert action.type is output_path_argument, f"samtbu {name} {action.option_strings[-1]}: type {action.type}"
        if "--output" in action.option_strings:
            assert name in tested, f"`samtbu {name} -o` is not in COMMANDS: add it to the test of the -o rule"


def _run(argv: list[str]) -> int:
    return main(argv)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("where", ["missing-folder-with-slash", "existing-folder", "existing-folder-with-slash", "file-in-missing-folder"])
def test_every_writing_command_follows_one_output_rule(tmp_path, capsys, command, where):
    before, default_name = COMMANDS[command]
    args = before(tmp_path)
    out = tmp_path / "out"
    if where.startswith("existing"):
        out.mkdir()
    given = {
        "missing-folder-with-slash": str(out) + "/",
        "existing-folder": str(out),
        "existing-folder-with-slash": str(out) + "/",
        "file-in-missing-folder": str(out / "sub" / "result.out"),
    }[where]
    rc = _run([*args, "-o", given])
    captured = capsys.readouterr()
    assert rc in (0, 1), (rc, captured.err[-2000:])
    expected = out / "sub" / "result.out" if where == "file-in-missing-folder" else out / default_name
    assert expected.is_file(), (sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")), captured.err)
    assert expected.stat().st_size > 0
    assert not [p for p in tmp_path.rglob("*.part")], "a temporary file was left behind"
    assert "Traceback" not in captured.err


def test_a_file_in_the_way_of_a_multi_file_output_is_an_error(tmp_path, capsys):
    blocker = tmp_path / "schemas"
    blocker.write_text("keep me", encoding="utf-8")
    assert _run(["jsonschema", "-o", str(blocker)]) == 2
    assert "is a file" in capsys.readouterr().err and blocker.read_text() == "keep me"
    assert _run(["site", "build", "-o", str(blocker)]) == 2
    assert "is a file" in capsys.readouterr().err and blocker.read_text() == "keep me"


def test_the_unmapped_list_of_an_import_follows_the_rule_too(tmp_path, capsys):
    folder = tmp_path / "lists"
    assert _run(["import", "--from", "elmo", str(_elmo(tmp_path)), "-o", str(tmp_path / "r.json"), "--unmapped", str(folder) + "/"]) == 0
    assert (folder / "elmo.unmapped.json").is_file(), capsys.readouterr().err


# -- atomic writes -----------------------------------------------------------------------------------------


def test_batches_writing_one_file_at_once_leave_one_whole_report(tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    for i in range(12):
        (records / f"r{i:02}.json").write_bytes(VITNEMAAL.read_bytes())
    target = tmp_path / "report.jsonl"
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    processes = [
        subprocess.Popen([sys.executable, "-m", "samtbu.cli", "validate", "--batch", "--no-cross-record", "-j", "1", str(records), "-o", str(target)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        for _ in range(3)
    ]
    for process in processes:
        process.wait(timeout=300)
        assert process.returncode == 0, process.stderr.read().decode()[-2000:]
    lines = target.read_text(encoding="utf-8").splitlines()
    parsed = [json.loads(line) for line in lines]  # whole lines, none interleaved
    assert len([p for p in parsed if "source" in p]) == 12 and "summary" in parsed[-1]
    assert sum("summary" in p for p in parsed) == 1
    assert not list(tmp_path.glob(".*.part"))
