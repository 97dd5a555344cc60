"""Grep reference data: Udir's registry of subjects, programmes and curricula, read offline.

``samtbu grep import`` reads Grep as Udir publishes it (reader.py) into a local snapshot
(store.py); validation, exports, the learner's overview and the site use that snapshot when one is
configured (config.py) and behave as without Grep otherwise. Nothing is fetched at run time.
"""

from __future__ import annotations

import contextlib
import contextvars
import os

from samtbu.grep.config import configured_snapshot, open_snapshot
from samtbu.grep.reader import GREP_IRI, GrepElement
from samtbu.grep.store import Snapshot, SnapshotError, element_title, element_titles


def resolve_snapshot(grep=None) -> Snapshot | None:
    """A snapshot from what a caller gave: a ``Snapshot``, a path, ``False`` or "none" (no Grep), or
    None (the configured one: $SAMTBU_GREP, else samtbu.toml / ~/.config/samtbu/config.toml)."""
    if grep is None:
        return configured_snapshot()
    if grep is False:
        return None
    if isinstance(grep, Snapshot):
        return grep
    if isinstance(grep, (str, os.PathLike)):
        return configured_snapshot(grep)
    raise TypeError(f"grep: expected a Snapshot, a path, False or None, not {type(grep).__name__}")


_ACTIVE: contextvars.ContextVar = contextvars.ContextVar("samtbu_grep_snapshot", default=None)


@contextlib.contextmanager
def using(grep):
    """Within the block, ``active_snapshot()`` is this one (a ``Snapshot``, a path, or False for none):
    how a command's ``--grep`` reaches the exports and views without changing their signatures."""
    token = _ACTIVE.set(resolve_snapshot(grep) or False)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def active_snapshot() -> Snapshot | None:
    """The snapshot set by ``using``, else the configured one (None when there is none)."""
    chosen = _ACTIVE.get()
    if chosen is None:
        return configured_snapshot()
    return chosen or None


def title(code: str, lang: str = "nb", snapshot: Snapshot | None = None, *, fallback: bool = True) -> str | None:
    """The title of a Grep element in a language (nb, nn, en, se), from the given or the active
    snapshot; None without a snapshot or when the code is not in it. ``code`` may be the Grep IRI."""
    snapshot = snapshot if snapshot is not None else active_snapshot()
    if snapshot is None or not code:
        return None
    if code.startswith(GREP_IRI):
        code = code[len(GREP_IRI):]
    return snapshot.title(code, lang, fallback=fallback)


def titles(code: str, snapshot: Snapshot | None = None) -> dict[str, str]:
    """The titles of a Grep element in every language the snapshot has (BCP 47 tags: nb, nn, en, se …),
    from the given or the active snapshot; {} without one."""
    snapshot = snapshot if snapshot is not None else active_snapshot()
    if snapshot is None or not code:
        return {}
    if code.startswith(GREP_IRI):
        code = code[len(GREP_IRI):]
    element = snapshot.get(code)
    return element_titles(element) if element else {}


def subject_label(iri_or_code: str, snapshot: Snapshot | None, lang: str = "nb") -> str | None:
    """"REA3062 Matematikk S2": code and title, for reports and views; None when unknown."""
    if snapshot is None or not iri_or_code:
        return None
    code = iri_or_code[len(GREP_IRI):] if iri_or_code.startswith(GREP_IRI) else iri_or_code
    text = snapshot.title(code, lang)
    return f"{code} {text}" if text else None


__all__ = ["Snapshot", "SnapshotError", "GrepElement", "resolve_snapshot", "title", "titles", "subject_label", "using", "active_snapshot",
           "configured_snapshot", "open_snapshot", "element_title", "element_titles"]
