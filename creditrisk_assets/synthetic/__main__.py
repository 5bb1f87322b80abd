"""Command line: ``python -m creditrisk_assets.synthetic --snapshot 2026-11-01 --applicants 30000
--drift 0.0 --seed 7 --out DIR``. Progress goes to stderr, the summary (JSON) to stdout."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date


def _snapshot(text: str) -> str:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None
    if len(text) != 10:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m creditrisk_assets.synthetic",
        description="Write a synthetic Home Credit snapshot (Kaggle's 8 CSVs, MD5SUMS, oracle).",
    )
    parser.add_argument("--snapshot", type=_snapshot, required=True, help="YYYY-MM-DD")
    parser.add_argument("--applicants", type=int, default=30_000, help="application_train rows")
    parser.add_argument("--drift", type=float, default=0.0, help="population drift, 0..1")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True, help="output folder (created if missing)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    from creditrisk_assets.synthetic import generate_snapshot  # after parsing: --help stays fast

    try:
        summary = generate_snapshot(
            args.out,
            args.snapshot,
            args.applicants,
            drift=args.drift,
            seed=args.seed,
            progress=not args.quiet,
        )
    except ValueError as err:
        parser.error(str(err))
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
