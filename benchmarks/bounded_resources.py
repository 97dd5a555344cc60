"""Bounded resources: hostile inputs read under a memory limit, with the peak memory of each.

Each case runs `samtbu` in a child process whose address space is limited (``RLIMIT_AS``, default
1 GiB, inherited by the batch's worker processes), and reports the exit code, what the toolkit said
about the hostile record, and the peak resident memory of the largest process (the command itself
or one of its workers; ``ru_maxrss`` of the children). The inputs are made on the spot:

- ``dev-zero``: ``samtbu validate /dev/zero`` (an endless file);
- ``fifo``: a named pipe with 64 MiB written into it;
- ``ndjson-file`` / ``ndjson-stdin`` / ``ndjson-zip`` / ``ndjson-tar``: an NDJSON stream whose middle
  line is 1 GiB long, as a plain file, through a pipe into standard input, and inside a zip and a
  gzipped tar archive (the line is never held in memory; the records around it are validated);
- ``zip-bomb``: 300 members of 10 MB each (3 GB unpacked, a few MB packed), every 50th member over
  the size limit;
- ``cross-record``: 4,000 records sharing one document number (the report must stay linear).

    python benchmarks/bounded_resources.py            # every case, a table of figures
    python benchmarks/bounded_resources.py zip-bomb   # one case

The same cases run in the test suite (tests/test_bounded_resources.py), which asserts the limits and
prints the same table at the end of the run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
MEMORY_LIMIT = 1024 * 1024 * 1024  # RLIMIT_AS of the child: 1 GiB
PEAK_LIMIT_MB = 1000  # what every case must stay under
LONG_LINE = 1024 * 1024 * 1024  # 1 GiB


@dataclass
class Outcome:
    case: str
    returncode: int
    peak_mb: float
    seconds: float
    stdout: bytes
    stderr: bytes

    def row(self) -> str:
        return f"{self.case:<14} exit {self.returncode}  peak {self.peak_mb:7.1f} MB  {self.seconds:6.1f} s"


_RUNNER = """
import resource, subprocess, sys
limit = int(sys.argv[1])
stdin = None if sys.argv[2] == '-' else open(sys.argv[2], 'rb')
def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
done = subprocess.run(sys.argv[3:], stdin=stdin if stdin is not None else subprocess.DEVNULL,
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit_memory)
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.buffer.write(done.stdout)
sys.stderr.buffer.write(done.stderr + b"\\n@@peak_kb=" + str(peak_kb).encode() + b"\\n")
sys.exit(done.returncode)
"""


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["MALLOC_ARENA_MAX"] = "2"  # glibc reserves 64 MiB of address space per arena otherwise
    return env


def run_limited(case: str, args: list[str], *, stdin: str | None = None, stdin_pipe: Path | None = None,
                limit: int = MEMORY_LIMIT, timeout: float = 900) -> Outcome:
    """``samtbu ARGS`` under the memory limit; ``stdin``: a file for standard input; ``stdin_pipe``:
    a file streamed into standard input through a pipe (by `cat`)."""
    command = [sys.executable, "-c", _RUNNER, str(limit), stdin or "-", sys.executable, "-m", "samtbu.cli", *args]
    started = time.perf_counter()
    cat = subprocess.Popen(["cat", str(stdin_pipe)], stdout=subprocess.PIPE) if stdin_pipe is not None else None
    if cat is not None:
        command[4] = "/dev/stdin"  # the runner hands its standard input (the pipe) on
    # its own process group, so that a case that hangs is ended whole (the runner and samtbu)
    process = subprocess.Popen(command, stdin=cat.stdout if cat else subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=_env(), start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        out, err = process.communicate()
        err += b"\ntimed out after %d s" % timeout
    finally:
        if cat is not None:
            cat.stdout.close()
            cat.kill()
            cat.wait()
    done = subprocess.CompletedProcess(command, process.returncode, out, err)
    seconds = time.perf_counter() - started
    err, marker, peak = done.stderr.rpartition(b"\n@@peak_kb=")
    if not marker:  # the runner was ended: no figure
        err, peak = done.stderr, b"0"
    return Outcome(case, done.returncode, int(peak.strip() or 0) / 1024, seconds, done.stdout, err)


# -- inputs ------------------------------------------------------------------------------------------


def record_line(name: str = "enkeltresultat.json") -> bytes:
    return json.dumps(json.loads((EXAMPLES / name).read_text(encoding="utf-8")), ensure_ascii=False).encode() + b"\n"


class _LongLine(io.RawIOBase):
    """A record line, a line of ``length`` zero bytes, and another record line, made as it is read."""

    def __init__(self, length: int):
        self.parts = [record_line(), None, b"\n" + record_line()]
        self.left = length
        self.size = len(self.parts[0]) + length + len(self.parts[2])

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self.parts:
            part = self.parts[0]
            if part is None:
                if self.left == 0:
                    self.parts.pop(0)
                    continue
                n = min(len(buffer), self.left)
                buffer[:n] = bytes(n)
                self.left -= n
                return n
            if not part:
                self.parts.pop(0)
                continue
            n = min(len(buffer), len(part))
            buffer[:n] = part[:n]
            self.parts[0] = part[n:]
            return n
        return 0


def long_line_file(folder: Path, length: int = LONG_LINE) -> Path:
    """NDJSON with a 1 GiB middle line, sparse on disk (the line is a hole of zero bytes)."""
    path = folder / "long-line.ndjson"
    with path.open("wb") as out:
        out.write(record_line())
        out.seek(length, os.SEEK_CUR)
        out.write(b"\n" + record_line())
    return path


def long_line_zip(folder: Path, length: int = LONG_LINE) -> Path:
    path = folder / "long-line.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("records.ndjson", "w", force_zip64=True) as member:
            source = io.BufferedReader(_LongLine(length), buffer_size=16 << 20)
            while chunk := source.read(16 << 20):
                member.write(chunk)
    return path


def long_line_tar(folder: Path, length: int = LONG_LINE) -> Path:
    path = folder / "long-line.tar.gz"
    source = _LongLine(length)
    info = tarfile.TarInfo("records.ndjson")
    info.size = source.size
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        archive.addfile(info, io.BufferedReader(source, buffer_size=16 << 20))
    return path


def zip_bomb(folder: Path, members: int = 300, size: int = 10_000_000, every_too_large: int = 50) -> Path:
    """``members`` members of ``size`` bytes each (a JSON record padded with white space: all of it
    read, decoded and parsed), every ``every_too_large``-th one over the 10 MiB limit."""
    from samtbu.validate.input import MAX_BYTES

    path = folder / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for i in range(members):
            length = MAX_BYTES + 1 if every_too_large and i % every_too_large == every_too_large - 1 else size
            head, tail = b'{"type": "Vurdering", "karakter": "4"', b"}\n"
            archive.writestr(f"r{i:03}.json", head + b" " * (length - len(head) - len(tail)) + tail)
    return path


def cross_record_file(folder: Path, records: int = 4000) -> Path:
    """``records`` kompetansebevis sharing one document number (each its own document)."""
    doc = json.loads((EXAMPLES / "kompetansebevis-delvis.json").read_text(encoding="utf-8"))
    path = folder / "shared-number.ndjson"
    with path.open("w", encoding="utf-8") as out:
        for i in range(records):
            doc["id"] = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
            doc["dokumentnummer"] = "KB-2026-SAMME"
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return path


# -- the cases ---------------------------------------------------------------------------------------


def case_dev_zero(folder: Path) -> Outcome:
    return run_limited("dev-zero", ["validate", "/dev/zero"])


def case_fifo(folder: Path) -> Outcome:
    fifo = folder / "payload.json"
    os.mkfifo(fifo)

    def write():
        try:
            with fifo.open("wb") as out:
                for _ in range(64):
                    out.write(b" " * (1 << 20))
        except (BrokenPipeError, OSError):
            pass  # the reader stopped at the limit, as it should

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    outcome = run_limited("fifo", ["validate", str(fifo)], timeout=300)  # a reader that opens it twice hangs
    writer.join(timeout=60)
    return outcome


def _batch(case: str, source: str, **kwargs) -> Outcome:
    return run_limited(case, ["validate", "--batch", "-j", "1", "-r", "json", "--profile", "enkeltresultat", source], **kwargs)


def case_ndjson_file(folder: Path) -> Outcome:
    return _batch("ndjson-file", str(long_line_file(folder)))


def case_ndjson_stdin(folder: Path) -> Outcome:
    return _batch("ndjson-stdin", "-", stdin_pipe=long_line_file(folder))


def case_ndjson_zip(folder: Path) -> Outcome:
    return _batch("ndjson-zip", str(long_line_zip(folder)))


def case_ndjson_tar(folder: Path) -> Outcome:
    return _batch("ndjson-tar", str(long_line_tar(folder)))


def case_zip_bomb(folder: Path) -> Outcome:
    return run_limited("zip-bomb", ["validate", "--batch", "-j", "2", "-r", "json", str(zip_bomb(folder))])


def case_cross_record(folder: Path) -> Outcome:
    return run_limited("cross-record", ["validate", "--batch", "-j", "2", "-r", "json", str(cross_record_file(folder))])


CASES = {
    "dev-zero": case_dev_zero,
    "fifo": case_fifo,
    "ndjson-file": case_ndjson_file,
    "ndjson-stdin": case_ndjson_stdin,
    "ndjson-zip": case_ndjson_zip,
    "ndjson-tar": case_ndjson_tar,
    "zip-bomb": case_zip_bomb,
    "cross-record": case_cross_record,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", choices=[[]] + list(CASES), help="cases to run (default: all)")
    args = parser.parse_args(argv)
    failed = False
    print(f"memory limit (RLIMIT_AS) {MEMORY_LIMIT // (1024 * 1024)} MiB; peak = largest process's resident memory")
    for name in args.cases or CASES:
        with tempfile.TemporaryDirectory(prefix="samtbu-bounded-") as folder:
            outcome = CASES[name](Path(folder))
        print(outcome.row() + (f"  report {len(outcome.stdout) / 1e6:.1f} MB" if name == "cross-record" else ""), flush=True)
        failed |= outcome.peak_mb >= PEAK_LIMIT_MB or b"Traceback" in outcome.stderr
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
