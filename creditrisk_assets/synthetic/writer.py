"""Kaggle-style CSV output, appended chunk by chunk, hashed as it is written, renamed when done.

Why not pandas: a 27 M-row frame would not fit the memory budget, and ``to_csv`` is slow.
``pyarrow.csv`` writes a chunk's columns in C++ and is deterministic, so equal inputs give equal
bytes. The text follows Kaggle's files: header without quotes, missing values as empty fields,
integer columns as integers, float columns always with a decimal point (``202500.0``, so a reader
that infers types gets floats where Kaggle has floats), strings unquoted unless they contain a
comma (``"Spouse, partner"``).

Atomicity: each file is written under a hidden temporary name and renamed into place only when
the whole snapshot is complete, so a crashed run never leaves a complete-looking half file.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from creditrisk_assets.synthetic._common import Cat, Column

_WRITE_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65536)


def float_text(x: np.ndarray) -> pa.Array:
    """Floats as Kaggle prints them: shortest round-trip text, ``.0`` on whole numbers.

    Arrow prints 202500.0 as ``202500``; Kaggle (Python) as ``202500.0``. Whole-valued columns
    (days, counts, most amounts) take the faster integer path; mixed ones get ``.0`` row-wise.
    """
    x = np.asarray(x, dtype=np.float64) + 0.0  # -0.0 -> 0.0
    missing = np.isnan(x)
    finite = np.where(missing, 0.0, x)
    whole = (finite == np.trunc(finite)) & (np.abs(finite) < 1e15)
    if whole.all():
        ints = pa.array(finite.astype(np.int64), mask=missing if missing.any() else None)
        return pc.binary_join_element_wise(pc.cast(ints, pa.string()), _POINT_ZERO, "")
    text = pc.cast(pa.array(x, from_pandas=True), pa.string())
    whole &= ~missing
    if not whole.any():
        return text
    return pc.if_else(pa.array(whole), pc.binary_join_element_wise(text, _POINT_ZERO, ""), text)


_POINT_ZERO = pa.scalar(".0")


class TableWriter:
    """Appends chunks of one table to ``<dir>/.<file>.<pid>.tmp``; ``commit`` renames it."""

    def __init__(self, path: Path, columns: list[str], kinds: dict[str, str]) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # one per writer process
        self.columns = columns
        self.kinds = kinds
        self.rows = 0
        self._md5 = hashlib.md5()
        self._fh = open(self.tmp, "wb")  # noqa: SIM115 - closed in commit/abort
        self._tokens: dict[str, tuple[str, bytes]] = {}
        self._emit(",".join(columns).encode() + b"\n")

    def _emit(self, data: bytes) -> None:
        self._md5.update(data)
        self._fh.write(data)

    def _category_array(self, cat: Cat) -> pa.Array:
        """Categories as Arrow strings; values with a comma or quote get a placeholder token that
        is swapped for the quoted text after Arrow has written the chunk unquoted."""
        names = []
        for value in cat.categories:
            if "," in value or '"' in value:
                if value not in self._tokens:
                    quoted = '"' + value.replace('"', '""') + '"'
                    self._tokens[value] = (f"\x01{len(self._tokens)}\x02", quoted.encode())
                names.append(self._tokens[value][0])
            else:
                names.append(value)
        codes = np.asarray(cat.codes, dtype=np.int32)
        indices = pa.array(codes, mask=codes < 0)
        return pc.take(pa.array(names, pa.string()), indices)

    def _arrow(self, name: str, col: Column) -> pa.Array:
        kind = self.kinds[name]
        if isinstance(col, Cat):
            if kind != "str":
                raise TypeError(f"{self.path.name}:{name} is {kind}, got a categorical")
            return self._category_array(col)
        if kind == "int":
            if col.dtype.kind == "f" and np.isnan(col).any():
                raise ValueError(f"{self.path.name}:{name} is an int column but has missing values")
            return pa.array(col.astype(np.int64))
        if kind == "float":
            return float_text(col)
        raise TypeError(f"{self.path.name}:{name} is a string column, got an array")

    def write(self, cols: dict[str, Column]) -> int:
        """Append one chunk; ``cols`` must hold exactly the table's columns, all of one length."""
        missing = set(self.columns) - set(cols)
        extra = set(cols) - set(self.columns)
        if missing or extra:
            raise KeyError(
                f"{self.path.name}: missing {sorted(missing)}, unexpected {sorted(extra)}"
            )
        arrays = [self._arrow(c, cols[c]) for c in self.columns]
        n = len(arrays[0])
        if any(len(a) != n for a in arrays):
            raise ValueError(f"{self.path.name}: columns of different lengths in one chunk")
        if n == 0:
            return 0
        buf = io.BytesIO()
        pacsv.write_csv(pa.Table.from_arrays(arrays, names=self.columns), buf, _WRITE_OPTIONS)
        data = buf.getvalue()
        for token, quoted in self._tokens.values():
            data = data.replace(token.encode(), quoted)
        self._emit(data)
        self.rows += n
        return n

    def close(self) -> str:
        """Flush and close the temporary file; returns the md5 hex digest. Not yet visible."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        return self._md5.hexdigest()

    def commit(self) -> None:
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self.tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Small files (MD5SUMS): temporary name, fsync, rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
