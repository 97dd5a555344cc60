"""The output boundary: everything the toolkit writes goes out through here.

- ``mask_identity_numbers``: the one function that masks national identity numbers (fødselsnummer,
  D-number) in a string; applied to every string that leaves the toolkit: the command line's
  standard output and standard error (``masked_standard_streams``), the files it writes
  (``write_output``, ``open_output``), the HTTP service's responses and log, and the Python API's
  reports (``samtbu.validate.report``).
- ``output_target``: the one rule for ``-o``/``--output``, shared by every command that writes.
- ``open_output`` / ``write_output``: atomic file writes (a temporary file in the same folder,
  renamed into place), so that a reader or a second writer never sees a half-written file.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import IO
from collections.abc import Iterator

from samtbu.errors import SamtbuError

# Eleven digits as people write a fødselsnummer or D-number: a run of 11, or with a single space,
# dot or dash (also a no-break space or a Unicode dash) between the date's pairs, after the date or
# inside the personal number (DDMMYY NNNNN, DD.MM.YY-NNN NN, ...). ASCII digits only, so that masking
# keeps the length of the text in characters and in UTF-8 bytes.
_SEP = "[ .\\-\u00a0\u2009\u202f\u2010-\u2015]?"
# Not preceded by a digit: written as a look-behind after the first digit, so that the pattern
# starts with a digit and the regex engine skips to the next digit instead of trying the look-behind
# at every character (2.5x faster over a batch's reports, which the output boundary scans whole).
_IDENTITY_NUMBER = re.compile(
    rf"[0-9](?<![0-9][0-9])[0-9]{_SEP}[0-9]{{2}}{_SEP}[0-9]{{2}}{_SEP}[0-9]{{3}}{_SEP}[0-9]{{2}}(?![0-9])"
)
_DIGIT = re.compile("[0-9]")
# Identifiers and digests whose hex digits may hold 11 decimal digits by chance: a UUID (its last
# group, c91566053398) and a hex digest or salt of 128 bits or more (an OB 3.0 identityHash, sha256$...).
# Never an identity number, and masking one would break it.
_OPAQUE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
                     r"|(?<![0-9A-Za-z])[0-9A-Fa-f]{32,}(?![0-9A-Za-z])")
# How much of a text's end may be the start of an identity number that the next write completes.
_HOLD_BACK = 24


def _mask_match(match: re.Match) -> str:
    seen = 0

    def star(digit: re.Match) -> str:
        nonlocal seen
        seen += 1
        return digit.group(0) if seen <= 6 else "*"

    return _DIGIT.sub(star, match.group(0))


def mask_identity_numbers(text: str) -> str:
    """Every possible identity number in ``text`` with its last five digits as ``*`` (the date
    part stays, so that a person can still tell which value was meant). Any 11 digits count, with or
    without separators, whatever the checksum: a number that merely looks like one is masked too."""
    if not text or not isinstance(text, str):
        return text
    if not _IDENTITY_NUMBER.search(text):
        return text
    opaque = _opaque_spans(text)
    if not opaque:
        return _IDENTITY_NUMBER.sub(_mask_match, text)
    return _IDENTITY_NUMBER.sub(lambda m: m.group(0) if _inside(m, opaque) else _mask_match(m), text)


def _opaque_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _OPAQUE.finditer(text)]


def _inside(match: re.Match, spans: list[tuple[int, int]]) -> bool:
    return any(a <= match.start() and match.end() <= b for a, b in spans)


def holds_identity_number(text: str) -> bool:
    """Whether ``text`` holds anything ``mask_identity_numbers`` would mask."""
    if not _IDENTITY_NUMBER.search(text):
        return False
    opaque = _opaque_spans(text)
    return any(not _inside(m, opaque) for m in _IDENTITY_NUMBER.finditer(text))


# -- standard output and standard error --------------------------------------------------------------


class MaskingStream(io.TextIOBase):
    """A text stream that masks identity numbers before they reach the stream it wraps.

    Text is passed on line by line (an identity number never spans a line); on ``flush`` the end of
    a line that could still be the start of a number is held back until the next write completes it
    or the stream is closed. ``unmasked`` is the wrapped stream, for the few outputs that are meant
    to carry an identity number (see ``write_output``)."""

    def __init__(self, stream: IO[str]):
        super().__init__()
        self.unmasked = stream
        self._pending = ""

    # what callers look at on a text stream
    @property
    def encoding(self):  # type: ignore[override]
        return getattr(self.unmasked, "encoding", "utf-8")

    @property
    def errors(self):  # type: ignore[override]
        return getattr(self.unmasked, "errors", "strict")

    def isatty(self) -> bool:
        return self.unmasked.isatty()

    @property
    def buffer(self):
        """For code that writes bytes to ``sys.stdout.buffer``: they are masked as text too."""
        return _MaskingBytes(self)

    def fileno(self) -> int:
        return self.unmasked.fileno()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        cut = max(self._pending.rfind("\n"), self._pending.rfind("\r"))
        if cut >= 0:
            self.unmasked.write(mask_identity_numbers(self._pending[: cut + 1]))
            self._pending = self._pending[cut + 1 :]
        return len(text)

    def flush(self) -> None:
        if self._pending:
            keep = _partial_tail(self._pending)
            head = self._pending[: len(self._pending) - keep]
            if head:
                self.unmasked.write(mask_identity_numbers(self._pending)[: len(head)])
            self._pending = self._pending[len(head) :]
        self.unmasked.flush()

    def drain(self) -> None:
        """Write out everything held back (the end of the output)."""
        if self._pending:
            self.unmasked.write(mask_identity_numbers(self._pending))
            self._pending = ""
        self.unmasked.flush()


class _MaskingBytes:
    def __init__(self, text_stream: MaskingStream):
        self.text_stream = text_stream

    def write(self, data: bytes) -> int:
        self.text_stream.write(bytes(data).decode("utf-8", "surrogateescape"))
        return len(data)

    def flush(self) -> None:
        self.text_stream.flush()


def _partial_tail(text: str) -> int:
    """How many characters at the end of ``text`` could be the start of an identity number."""
    tail = text[-_HOLD_BACK:]
    match = re.search(r"[0-9][0-9 .\-\u00a0\u2009\u202f\u2010-\u2015]*$", tail)
    return len(tail) - match.start() if match else 0


@contextlib.contextmanager
def masked_standard_streams() -> Iterator[None]:
    """For the duration of a command: standard output and standard error mask identity numbers."""
    if isinstance(sys.stdout, MaskingStream):
        yield
        return
    out, err = MaskingStream(sys.stdout), MaskingStream(sys.stderr)
    sys.stdout, sys.stderr = out, err
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            out.drain()
        with contextlib.suppress(Exception):
            err.drain()
        sys.stdout, sys.stderr = out.unmasked, err.unmasked


def _unmasked(stream):
    return stream.unmasked if isinstance(stream, MaskingStream) else stream


class MaskingLogFilter:
    """A ``logging`` filter for handlers: the formatted message of every record, masked."""

    def filter(self, record) -> bool:
        message = record.getMessage()
        masked = mask_identity_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


# -- the -o / --output rule --------------------------------------------------------------------------


class OutputError(SamtbuError):
    """The output cannot be written where it was asked to go (exit code 2)."""


def output_target(given: str | os.PathLike | None, default_name: str) -> Path | None:
    """Where ``-o GIVEN`` writes a file, the same for every command that writes one.

    - none given: standard output (``None``);
    - a path ending in ``/`` (or the platform's separator), or an existing folder: the file
      ``default_name`` inside that folder, which is created if missing;
    - any other path: that file; missing parent folders are created.
    A folder is never replaced by a file, and no file is created with the name of the folder meant.
    """
    if given is None:
        return None
    text = os.fspath(given)
    if not text:
        raise OutputError("-o/--output is empty")
    as_folder = text.endswith(("/", os.sep)) or Path(text).is_dir()
    target = Path(text) / default_name if as_folder else Path(text)
    if target.is_dir():
        raise OutputError("is a folder; give a file name or end the path with / to write inside it", where=str(target))
    _make_folder(target.parent)
    return target


def output_folder(given: str | os.PathLike) -> Path:
    """``-o`` of a command that writes several files (or a whole site): always a folder, created if
    missing; an existing file of that name is an error, never overwritten."""
    folder = Path(os.fspath(given))
    if folder.exists() and not folder.is_dir():
        raise OutputError("is a file; give a folder (the command writes several files into it)", where=str(folder))
    _make_folder(folder)
    return folder


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError("a file is in the way of the folder", where=str(folder)) from None
    except OSError as exc:
        raise OutputError(f"cannot create the folder: {exc.strerror or exc}", where=str(folder)) from None


OUTPUT_HELP = (
    "write here instead of standard output: a file, or a folder (an existing one, or a path ending "
    "in /) to write the default file name into; missing folders are created"
)


def output_path_argument(text: str) -> str:
    """argparse ``type`` for ``-o``: keeps the text as given (a ``Path`` would drop a trailing ``/``)."""
    return text


# -- writing -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_file(target: Path, *, binary: bool = False) -> Iterator[IO]:
    """A file written beside ``target`` and renamed over it when the block ends without an error:
    readers see the old file or the whole new one, and of several writers the last one wins."""
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", where=str(target)) from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        mode = _default_mode()
        with contextlib.suppress(OSError):
            os.chmod(temp, mode)
        try:
            os.replace(temp, target)
        except OSError as exc:
            raise OutputError(f"cannot write: {exc.strerror or exc}", where=str(target)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _default_mode() -> int:
    """The mode a new file gets from the umask (mkstemp makes it 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def open_output(given: str | os.PathLike | None, default_name: str, *, mask: bool = True):
    """A text stream for a command's output (a context manager): standard output, or the ``-o``
    file written atomically. Identity numbers are masked unless ``mask`` is False (see
    ``write_output``)."""
    return _open_target(output_target(given, default_name), mask)


@contextlib.contextmanager
def _open_target(target: Path | None, mask: bool) -> Iterator[IO[str]]:
    if target is None:
        if not mask:
            stream = _unmasked(sys.stdout)
        elif isinstance(sys.stdout, MaskingStream):
            stream = sys.stdout
        else:  # called from Python, outside `samtbu`'s main: mask here
            stream = MaskingStream(sys.stdout)
        yield stream
        if isinstance(stream, MaskingStream) and stream is not sys.stdout:
            stream.drain()
        stream.flush()
        return
    with atomic_file(target) as raw:
        stream = MaskingStream(raw) if mask else raw
        yield stream
        if isinstance(stream, MaskingStream):
            stream.drain()
    print(f"wrote {target}", file=sys.stderr)


def write_output(data: str | bytes, given: str | os.PathLike | None, default_name: str, *,
                 carries_identity_numbers: bool = False) -> Path | None:
    """Write a command's output to standard output or to the ``-o`` file (atomically); returns the
    file written, if any.

    Identity numbers are masked, except where the output is meant to carry one and the caller has
    checked that it may: a record imported from another format, a sharing view whose policy
    allows the identity number, an export asked for with ``--national-id``."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    target = output_target(given, default_name)
    with _open_target(target, not carries_identity_numbers) as stream:
        stream.write(text)
    return target


__all__ = [
    "mask_identity_numbers", "holds_identity_number", "MaskingStream", "MaskingLogFilter", "masked_standard_streams",
    "output_target", "output_folder", "output_path_argument", "OUTPUT_HELP", "open_output", "write_output", "atomic_file",
    "OutputError",
]
