"""What every connector hands to ingestion: a local folder of Kaggle-named files, resolved.

A connector's only job is to make one snapshot's files exist in a local folder (downloading,
generating or just pointing at them) and say where they came from. Everything after that is
shared: finding each table's file (``.csv``, ``.csv.gz`` or ``.csv.zip``, Kaggle's capitalised
names matched case-insensitively), checking it against the folder's ``MD5SUMS`` manifest (md5sum
format) and unzipping it. Verification happens per table inside that table's ingestion step, so
eight parallel steps each hash only their own file.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from creditrisk_assets.schema import table_spec

MANIFEST = "MD5SUMS"
_MANIFEST_LINE = re.compile(r"^(?P<md5>[0-9a-fA-F]{32}) [ *](?P<name>.+)$")
_SUFFIXES = ("", ".gz", ".zip")


class SnapshotUnavailable(FileNotFoundError):
    """The source has no such snapshot (no folder, no objects, download failed)."""


class ChecksumMismatch(ValueError):
    """A file's MD5 differs from the snapshot's manifest: corrupted or truncated in transit."""


class ManifestError(ValueError):
    """The ``MD5SUMS`` manifest itself is malformed."""


@dataclass(frozen=True)
class SnapshotFiles:
    """One snapshot's files in a local folder, plus where they really came from."""

    snapshot: str
    folder: Path
    uri: str
    connector: str
    manifest: dict[str, str] = field(default_factory=dict)

    @classmethod
    def in_folder(
        cls, snapshot: str, folder: Path, connector: str, uri: str | None = None
    ) -> SnapshotFiles:
        """The files a connector put in ``folder``, with the folder's ``MD5SUMS`` manifest;
        ``uri`` says where they came from (default: the folder itself, as a ``file://`` URI)."""
        origin = uri if uri is not None else folder.resolve().as_uri()
        return cls(snapshot, folder, origin, connector, read_manifest(folder))

    def table_file(self, table: str) -> Path | None:
        """The file holding ``table`` (``.csv``, ``.csv.gz`` or ``.csv.zip``), or None if absent."""
        return find_table_file(self.folder, table)

    def table_uri(self, table: str) -> str:
        path = self.table_file(table)
        name = path.name if path else table_spec(table).file
        return f"{self.uri.rstrip('/')}/{name}"

    def expected_md5(self, path: Path) -> str | None:
        return self.manifest.get(path.name)


def find_table_file(folder: Path, table: str) -> Path | None:
    """Find a table's file by its Kaggle name, case-insensitively, plain or compressed."""
    wanted = {table_spec(table).file.lower() + s for s in _SUFFIXES}
    if not folder.is_dir():
        return None
    matches = sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower() in wanted)
    if len(matches) > 1:
        names = ", ".join(p.name for p in matches)
        raise ValueError(f"{table}: more than one file for the table in {folder}: {names}")
    return matches[0] if matches else None


def read_manifest(folder: Path) -> dict[str, str]:
    """Parse ``MD5SUMS`` (md5sum format) into {file name: md5}; empty if there is none."""
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    entries: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        m = _MANIFEST_LINE.match(line.strip())
        if not m:
            raise ManifestError(f"{path}: line {number} is not '<md5>  <file>': {line[:80]!r}")
        entries[Path(m["name"]).name] = m["md5"].lower()
    return entries


def md5_of(path: Path, block: int = 8 << 20) -> str:
    """MD5 of a file, read in blocks so a multi-GB file never sits in memory."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def verify_file(files: SnapshotFiles, table: str, path: Path) -> tuple[str, bool]:
    """Hash ``path``; raise ``ChecksumMismatch`` if the manifest disagrees.

    Returns (md5, verified) where verified is False when the manifest has no entry for the file.
    """
    actual = md5_of(path)
    expected = files.expected_md5(path)
    if expected is not None and expected != actual:
        raise ChecksumMismatch(
            f"raw/{table}: checksum mismatch for {files.table_uri(table)}: MD5SUMS says "
            f"{expected}, the file hashes to {actual} (corrupted or truncated transfer); "
            "nothing was written for this partition"
        )
    return actual, expected is not None


def verify_folder(folder: Path) -> bool:
    """True if the folder has a manifest and every file it lists exists and matches."""
    manifest = read_manifest(folder)
    if not manifest:
        return False
    return all((folder / n).is_file() and md5_of(folder / n) == m for n, m in manifest.items())


@contextmanager
def decompressed(path: Path, scratch: Path) -> Iterator[Path]:
    """Yield a path DuckDB can read as CSV: ``.csv``/``.csv.gz`` as is, ``.zip`` extracted.

    The extracted copy lives in ``scratch`` only for the duration of the block.
    """
    if path.suffix.lower() != ".zip":
        yield path
        return
    scratch.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
        if len(members) != 1:
            names = ", ".join(i.filename for i in members) or "(none)"
            raise ValueError(f"{path.name}: expected exactly one CSV inside, found {names}")
        target = scratch / f"{path.stem}.{members[0].CRC:08x}.tmp.csv"
        try:
            with zf.open(members[0]) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 8 << 20)
            yield target
        finally:
            target.unlink(missing_ok=True)
