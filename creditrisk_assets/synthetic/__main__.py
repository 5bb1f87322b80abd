"""Command line: ``python -m creditrisk_assets.synthetic --snapshot 2026-11-01 --applicants 30000
--drift 0.0 --seed 7 --out DIR``. Progress goes to stderr, the summary (JSON) to stdout.

Outcomes that mature: ``--earlier 2026-10-01[:APPLICANTS[:DRIFT]]`` (once per earlier snapshot
of the lineage; applicants and drift default to this snapshot's) with ``--overlap 0.8`` and
``--maturity-lag-days 28`` labels 80 % of the test applicants of every earlier snapshot at least
28 days older in this snapshot's application_train (see ``creditrisk_assets.synthetic.maturity``).
"""

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


def _earlier(text: str) -> tuple[str, int | None, float | None]:
    """``DATE[:APPLICANTS[:DRIFT]]``; what is left out is filled from this snapshot's options."""
    parts = text.split(":")
    if len(parts) > 3:
        raise argparse.ArgumentTypeError(f"expected DATE[:APPLICANTS[:DRIFT]], got {text!r}")
    try:
        applicants = int(parts[1]) if len(parts) > 1 and parts[1] else None
        drift = float(parts[2]) if len(parts) > 2 and parts[2] else None
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected DATE[:APPLICANTS[:DRIFT]], got {text!r}"
        ) from None
    return _snapshot(parts[0]), applicants, drift


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
    parser.add_argument(
        "--earlier",
        type=_earlier,
        action="append",
        default=[],
        metavar="DATE[:APPLICANTS[:DRIFT]]",
        help="an earlier snapshot of the lineage (repeat for each; all of them, same seed)",
    )
    parser.add_argument(
        "--overlap",
        type=float,
        default=1.0,
        help="share of a matured earlier snapshot's test applicants labelled here, 0..1",
    )
    parser.add_argument(
        "--maturity-lag-days",
        type=int,
        default=0,
        help="an earlier snapshot's outcomes mature once it is this many days older",
    )
    args = parser.parse_args(argv)
    # after parsing: --help stays fast
    from creditrisk_assets.synthetic import PriorSnapshot, generate_snapshot

    try:
        earlier = [
            PriorSnapshot(
                day,
                args.applicants if applicants is None else applicants,
                args.drift if drift is None else drift,
            )
            for day, applicants, drift in args.earlier
        ]
        summary = generate_snapshot(
            args.out,
            args.snapshot,
            args.applicants,
            drift=args.drift,
            seed=args.seed,
            progress=not args.quiet,
            earlier=earlier,
            overlap=args.overlap,
            lag_days=args.maturity_lag_days,
        )
    except ValueError as err:
        parser.error(str(err))
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
