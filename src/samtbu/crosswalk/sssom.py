"""The one reader of the mapping sets (``crosswalks/*.sssom.tsv``, SSSOM TSV): the YAML metadata
header (the ``#`` lines, read with pyyaml) and the rows of the table, each with all its columns.

The crosswalks, the site and ``samtbu publish`` read the sets through it; each then makes what it
needs of the rows (``record.MappingSet``, ``elmo.ElmoMapping``, the site's tables, the RDF of a set).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from samtbu.model import ModelError  # the mapping sets are model files: a broken one is a broken model


@dataclass(frozen=True)
class SssomTable:
    """A mapping set as written: its metadata (the YAML header) and its rows (column -> text)."""

    path: Path
    metadata: dict
    rows: tuple[dict[str, str], ...]

    @property
    def name(self) -> str:
        """``elmo`` for ``crosswalks/elmo.sssom.tsv``."""
        return self.path.name.removesuffix(".sssom.tsv")

    @property
    def curie_map(self) -> dict[str, str]:
        return self.metadata.get("curie_map") or {}


def read_sssom(path: Path | str) -> SssomTable:
    """The mapping set in ``path`` (read once per process; the sets are part of the model)."""
    return _read(str(path))


@functools.lru_cache(maxsize=16)
def _read(path_text: str) -> SssomTable:
    import yaml

    path = Path(path_text)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelError(f"{path}: the mapping set cannot be read: {exc.strerror or exc}") from None
    lines = text.splitlines()
    header = "\n".join(line[2:] if line.startswith("# ") else line[1:] for line in lines if line.startswith("#"))
    try:
        # libyaml's safe loader where pyyaml has it (the same result as yaml.safe_load, faster)
        metadata = yaml.load(header, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise ModelError(f"{path}: the YAML header does not parse: {exc}") from None
    if not isinstance(metadata, dict):
        raise ModelError(f"{path}: the YAML header is not a mapping of metadata keys")
    body = [line for line in lines if line.strip() and not line.startswith("#")]
    rows = tuple(dict(row) for row in csv.DictReader(body, delimiter="\t", quoting=csv.QUOTE_NONE))
    return SssomTable(path, metadata, rows)


__all__ = ["read_sssom", "SssomTable"]
