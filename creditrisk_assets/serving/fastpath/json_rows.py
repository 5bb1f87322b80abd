"""Text-level work of the large-body reader: cut a ``data`` array into row-aligned chunks, and
read a chunk's numbers with simdjson into one flat buffer.

Split from ``reader.py``, which decides what a body is; everything here only sees the bytes of
the ``data`` array (``[[..], [..], ...]``) and answers ``None`` for anything it cannot read
exactly, so the caller falls back to the pydantic path.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise

import numpy as np
import simdjson

#: What ``null`` is rewritten to before simdjson exports the numbers (it exports numbers only).
#: Same length, so the rewrite is one pass; far beyond float32, so no valid request has it.
_NULL, _NULL_STANDIN = b"null", b"1e99"
#: Bytes per block in ``count_byte`` (its boolean temporary stays this small).
_COUNT_BLOCK = 1 << 20


def row_chunks(body: bytes, start: int, stop: int, parts: int) -> list[bytes]:
    """The array ``body[start:stop]`` (``[r1, r2, ...]``) cut after the ``],`` nearest each
    ``1/parts`` of its length, each piece re-wrapped in brackets. A cut can only fall inside a
    row if rows nest, which the row count catches; a body with no ``],`` at all (``] ,`` say)
    stays one chunk. The array is cut where it lies in ``body``: the pieces are its one copy."""
    end = stop - 1  # the closing ']'
    cuts = [start + 1]
    for k in range(1, parts):
        cut = body.find(b"],", start + 1 + (end - start - 1) * k // parts, end)
        if cut == -1:
            break
        if cut + 2 > cuts[-1]:
            cuts.append(cut + 2)
    cuts.append(end + 1)
    view = memoryview(body)
    return [b"".join((b"[", view[a : b - 1], b"]")) for a, b in pairwise(cuts)]


def count_byte(body: bytes, byte: int, start: int, stop: int) -> int:
    """How many times ``byte`` occurs in ``body[start:stop]``, read in blocks of
    ``_COUNT_BLOCK`` bytes. One NumPy comparison over the whole array would allocate a boolean
    array as large as the body (27 MB for 10,000 rows): memory an allocator that returns large
    blocks to the kernel must fault in and zero again on every request."""
    view = np.frombuffer(body, dtype=np.uint8)
    return sum(
        int(np.count_nonzero(view[a : min(a + _COUNT_BLOCK, stop)] == byte))
        for a in range(start, stop, _COUNT_BLOCK)
    )


def array_end(body: bytes, start: int) -> int | None:
    """Index just past the ``]`` closing the array of number rows that opens at ``start``.

    Rows are flat (numbers and nulls), so the array ends at a ``]]``. It is looked for from the
    end of the body: ``data`` usually comes last, and a forward search through 27 MB with a
    ``]`` every row took ~23 ms. If a later ``]]`` exists (inside a string, say), the array
    taken is too long and the checks on both parts fail, so the caller falls back.
    """
    close = body.rfind(b"]]", start)
    return None if close == -1 else close + 2


def number_rows(array: bytes, width: int) -> np.ndarray | None:
    """Parse ``[[..], [..], ...]`` (rows of numbers and nulls) into a float64 (rows x width)
    array with NaN for null, or ``None`` if it is anything else.

    simdjson validates the whole array as JSON (number grammar included) and exports every
    number it holds, however deeply nested, as one flat buffer; so the checks are: every row
    ``width`` long, as many numbers as that makes, and as many stand-ins among them as there
    were nulls in the text (no client-sent 1e99 taken for a null); every ``n`` in the text
    must start a ``null``. Nesting is the caller's check (rows against the count of ``[``).
    """
    patched = _nulls_to_standins(array)
    if patched is None:
        return None
    text, nulls = patched
    with pooled_parser() as parser:
        doc = parser.parse(text)
        try:
            if not isinstance(doc, simdjson.Array):
                return None
            rows = len(doc)
            if not all(isinstance(r, simdjson.Array) and len(r) == width for r in doc):
                return None
            values = np.frombuffer(doc.as_buffer(of_type="d"), dtype=np.float64)
        finally:
            del doc  # a parser is only reused once no document of its own is alive
    if rows == 0 or values.size != rows * width:
        return None
    if nulls:
        standins = values == float(_NULL_STANDIN)
        if int(standins.sum()) != nulls:
            return None
        values = np.where(standins, np.nan, values)
    return values.reshape(rows, width)


def _nulls_to_standins(array: bytes) -> tuple[bytearray | bytes, int] | None:
    """The text with every ``null`` overwritten by the stand-in, and how many there were;
    ``None`` if an ``n`` starts anything but ``null`` (only a string could, and strings are not
    numbers). Done in place on one copy: ``bytes.replace`` took ~2 ms per 3 MB chunk."""
    text = np.frombuffer(array, dtype=np.uint8)
    at = np.flatnonzero(text == _NULL[0])
    if not at.size:
        return array, 0
    if at[-1] + len(_NULL) > len(text):
        return None
    for k in range(1, len(_NULL)):
        if not (text[at + k] == _NULL[k]).all():
            return None
    patched = bytearray(array)
    out = np.frombuffer(patched, dtype=np.uint8)
    for k, byte in enumerate(_NULL_STANDIN):
        out[at + k] = byte
    return patched, int(at.size)


_PARSERS: list[simdjson.Parser] = []
_PARSERS_LOCK = threading.Lock()
_KEEP_PARSERS = os.cpu_count() or 1


@contextmanager
def pooled_parser() -> Iterator[simdjson.Parser]:
    """A simdjson parser, reused across requests: a fresh one spends ~40 ms growing its buffers
    to a 27 MB body. At most one is kept per core (each holds buffers sized to its largest
    body); callers beyond that get a throw-away one."""
    with _PARSERS_LOCK:
        parser = _PARSERS.pop() if _PARSERS else simdjson.Parser()
    try:
        yield parser
    finally:
        with _PARSERS_LOCK:
            if len(_PARSERS) < _KEEP_PARSERS:
                _PARSERS.append(parser)
