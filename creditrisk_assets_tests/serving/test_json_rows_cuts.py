"""Counting and cutting a large ``/predict`` body where it lies (``fastpath/json_rows.py``),
checked against the plain Python answer on random bodies: rows of numbers and nulls with
random spacing, inside a random prefix and suffix, and count blocks far smaller than the body
so that every block edge is crossed."""

from __future__ import annotations

import json
import random

import pytest

from creditrisk_assets.serving.fastpath import json_rows


def _body(rng: random.Random) -> tuple[bytes, int, int, list[list[float | None]]]:
    rows = [
        [None if rng.random() < 0.1 else round(rng.uniform(-1e6, 1e6), rng.randint(0, 6))
         for _ in range(rng.randint(1, 6))]
        for _ in range(rng.randint(1, 40))
    ]  # fmt: skip
    space = lambda: " " * rng.randint(0, 2)  # noqa: E731
    array = "[" + ",".join(
        space() + "[" + ",".join(json.dumps(v) for v in row) + "]" + space() for row in rows
    ) + "]"  # fmt: skip
    prefix = '{"columns": ["a"], "data": '
    body = (prefix + array + space() + "}").encode()
    return body, len(prefix), len(prefix) + len(array), rows


@pytest.mark.parametrize("seed", range(200))
def test_count_and_cuts_agree_with_plain_python_on_random_bodies(seed: int, monkeypatch) -> None:
    rng = random.Random(seed)
    monkeypatch.setattr(json_rows, "_COUNT_BLOCK", rng.randint(1, 64))
    body, start, stop, rows = _body(rng)
    for byte in b"[],":
        assert json_rows.count_byte(body, byte, start, stop) == body[start:stop].count(byte)
    parts = rng.randint(1, 8)
    chunks = json_rows.row_chunks(body, start, stop, parts)
    assert 1 <= len(chunks) <= parts
    got = [row for chunk in chunks for row in json.loads(chunk)]
    assert got == rows  # every row once, in order, none cut in two
    assert all(json.loads(chunk) for chunk in chunks)  # no empty piece
