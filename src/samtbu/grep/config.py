"""Which Grep snapshot is in use: a command-line flag, else an environment variable, else a config file.

- flag: ``--grep FILE`` (``--grep none`` turns Grep off for that command);
- environment: ``SAMTBU_GREP=FILE`` (``none`` turns it off);
- config file: ``samtbu.toml`` in the current folder, else ``$SAMTBU_CONFIG``, else
  ``$XDG_CONFIG_HOME/samtbu/config.toml`` (``~/.config/samtbu/config.toml``), with::

      [grep]
      snapshot = "grep/grep-2025-11-30.sqlite"   # relative to the config file's folder

Without any of them there is no snapshot, and everything behaves as without Grep.
"""

from __future__ import annotations

import functools
import os
import tomllib
from pathlib import Path

from samtbu.errors import SamtbuError
from samtbu.grep.store import Snapshot

ENV = "SAMTBU_GREP"
CONFIG_ENV = "SAMTBU_CONFIG"
OFF = ("none", "off", "")


class ConfigError(SamtbuError):
    """A configuration file that cannot be read."""


def config_files() -> list[Path]:
    """The config files looked at, first match wins."""
    return [Path(name) for name in _config_names()]


def _config_names() -> list[str]:
    """``config_files`` as plain paths: ``validate()`` without ``grep=`` looks them up on every call,
    and pathlib's objects cost several times the look-ups themselves."""
    names = [os.path.join(os.getcwd(), "samtbu.toml")]
    if os.environ.get(CONFIG_ENV):
        names.append(str(Path(os.environ[CONFIG_ENV])))  # (as pathlib reads it: "dir/config.toml/" is the file)
    base = os.environ.get("XDG_CONFIG_HOME")
    if not base:
        home = os.path.expanduser("~")
        base = os.path.join(home if not home.startswith("~") else str(Path.home()), ".config")  # (Path.home raises there)
    names.append(os.path.join(base, "samtbu", "config.toml"))
    return names


def _from_config() -> tuple[str | None, str | None]:
    """(snapshot path or 'none', where it was configured)."""
    for name in _config_names():
        if not os.path.isfile(name):
            continue
        file = Path(name)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read the configuration: {exc}", where=str(file)) from None
        grep = data.get("grep")
        if grep is None:
            continue
        if not isinstance(grep, dict) or not isinstance(grep.get("snapshot"), str):
            raise ConfigError('[grep] needs snapshot = "FILE" (a string)', where=str(file))
        value = grep["snapshot"]
        if value.lower() in OFF:
            return "none", str(file)
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else file.parent / path), str(file)
    return None, None


def resolve(flag: str | os.PathLike | None = None) -> tuple[Path | None, str]:
    """(snapshot path or None, how it was chosen)."""
    if flag is not None:
        text = str(flag)
        return (None, "--grep none") if text.lower() in OFF else (Path(text), "--grep")
    env = os.environ.get(ENV)
    if env is not None:
        return (None, f"{ENV}=none") if env.strip().lower() in OFF else (Path(env), ENV)
    value, where = _from_config()
    if value is None:
        return None, "not configured"
    return (None, f"{where} (snapshot = none)") if value == "none" else (Path(value), where or "config")


@functools.lru_cache(maxsize=8)
def _open(path: str, mtime_ns: int) -> Snapshot:
    return Snapshot(path)


def open_snapshot(path: str | os.PathLike) -> Snapshot:
    """A snapshot, opened once per file and version of it (a re-import is seen)."""
    p = Path(path)
    try:
        mtime = p.stat().st_mtime_ns
    except OSError:
        return Snapshot(p)  # raises the clear error
    return _open(str(p.resolve()), mtime)


def configured_snapshot(flag: str | os.PathLike | None = None) -> Snapshot | None:
    """The snapshot in use for this command, or None."""
    path, _how = resolve(flag)
    return open_snapshot(path) if path is not None else None


__all__ = ["configured_snapshot", "open_snapshot", "resolve", "config_files", "ConfigError", "ENV", "CONFIG_ENV"]
