"""The delivery's own declarations, checked before a byte is loaded.

- ``MD5SUMS`` is what the supplier says the snapshot holds. A file it lists that is not in the
  folder (deleted, never copied, a typo in a line) fails every table of the snapshot: ingesting
  the rest would train on a snapshot with one table silently empty. A table file present in a
  folder that has a manifest but is not listed in it was not declared, and fails too. Whether
  each listed file's bytes match is checked as each table is hashed (``verify_file``).
- A file's first bytes say what it is: a gzip or zip archive named ``.csv``, or text that is not
  UTF-8, gets a message naming the file and the fix, instead of a decoder's byte position.
"""

from __future__ import annotations

from pathlib import Path

from creditrisk_assets.contracts.messages import shorten

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
SNIFF_BYTES = 1 << 20


class RawDataError(ValueError):
    """Raw data that cannot become a partition. The message stays under ``MESSAGE_MAX``
    characters; ``details`` (plain JSON) holds the full lists for the step's failure metadata."""

    def __init__(self, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(shorten(message))
        self.details = details or {}


class DeliveryError(RawDataError):
    """The snapshot folder contradicts its own declaration, or a file is not what it is named."""


def manifest_problems(folder: Path, manifest: dict[str, str], table_files: list[str]) -> dict:
    """What the manifest and the folder disagree on: listed files that are missing, and table
    files present but not listed. Empty when there is no manifest (a folder without one is
    declared complete by ``_SUCCESS`` or by settling, see the landing connector)."""
    if not manifest:
        return {}
    missing = sorted(n for n in manifest if not (folder / n).is_file())
    undeclared = sorted(n for n in table_files if n not in manifest)
    problems: dict[str, list[str]] = {}
    if missing:
        problems["listed_but_missing"] = missing
    if undeclared:
        problems["present_but_not_listed"] = undeclared
    return problems


def check_manifest(
    snapshot: str, folder: Path, manifest: dict[str, str], table_files: list[str]
) -> None:
    """Raise ``DeliveryError`` when the folder does not hold exactly what MD5SUMS declares."""
    problems = manifest_problems(folder, manifest, table_files)
    if not problems:
        return
    parts = []
    if "listed_but_missing" in problems:
        parts.append(f"MD5SUMS lists {problems['listed_but_missing']} but the file(s) are missing")
    if "present_but_not_listed" in problems:
        parts.append(f"{problems['present_but_not_listed']} present but not listed in MD5SUMS")
    raise DeliveryError(
        f"snapshot {snapshot}: the delivery contradicts its manifest: {'; '.join(parts)}; "
        "nothing of this snapshot is ingested",
        {"snapshot": snapshot, **problems},
    )


def sniff_text_file(path: Path, file_name: str, where: str) -> None:
    """Raise ``DeliveryError`` if a file that should be plain UTF-8 CSV is an archive or is not
    UTF-8 in its first MiB (where a wrong export encoding shows up in practice)."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(GZIP_MAGIC):
        raise DeliveryError(
            f"{where}: {file_name} is gzip-compressed but not named .gz; "
            f"rename it {file_name}.gz (and its MD5SUMS line) or deliver it uncompressed",
            {"file": file_name, "detected": "gzip"},
        )
    if head.startswith(ZIP_MAGIC):
        raise DeliveryError(
            f"{where}: {file_name} is a zip archive but not named .zip; "
            f"rename it {file_name}.zip (and its MD5SUMS line) or deliver it uncompressed",
            {"file": file_name, "detected": "zip"},
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not just a character cut by the 1 MiB boundary
            raise not_utf8(where, file_name, head, err.start) from None


def not_utf8(where: str, file_name: str, data: bytes, offset: int) -> DeliveryError:
    """The error for a byte that is not UTF-8, with its line number and the line's start."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    excerpt = data[start : offset + 1].decode("latin-1")[-60:]
    return DeliveryError(
        f"{where}: {file_name} is not UTF-8 text: byte 0x{data[offset]:02x} on line {line} "
        f"(after {excerpt[:-1]!r}); it looks like a Latin-1/Windows-1252 export, re-export it "
        "as UTF-8",
        {"file": file_name, "line": line, "byte_offset": offset, "byte": f"0x{data[offset]:02x}"},
    )
