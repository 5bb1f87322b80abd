"""The Dagster UI, seen by a real browser: plots render on the asset page, reports are linked.

    .venv/bin/python benchmarks/ui_screenshot.py                  # demo state in a temp folder
    .venv/bin/python benchmarks/ui_screenshot.py --state DIR      # reuse a demo state
    .venv/bin/python benchmarks/ui_screenshot.py --no-write       # do not update RESULTS.md

Issue 23 asks that the metric plots be visible on the asset's page without a path to a file on
the server, and that drift and the validation pack be linked so the UI can open them. Unit tests
check the metadata values; only a browser shows what the UI does with them (its Markdown
sanitizer decides whether a ``data:`` image is drawn, and whether a link stays a link). CI has
no browser, so this is a script, like the benchmarks: it needs ``chromium`` on PATH (Debian:
``apt-get install chromium``).

What it does: a ``cli demo`` state (the whole graph on one synthetic snapshot, then on a second
one, whose drift report has a champion to compare with) in a throw-away
``CREDITRISK_HOME``/``DAGSTER_HOME`` unless ``--state`` names one; ``dagster-webserver`` on a
free port of 127.0.0.1; ``chromium --headless`` on each asset page (``--dump-dom`` after the
page's scripts ran, then ``--screenshot``). It fails unless:

- ``model/test_metrics``' page draws the ROC, KS and calibration curves as ``<img>`` elements
  whose source is a ``data:image/svg+xml`` URI, and no image's source is a server path;
- ``monitoring/drift_report``'s page links Evidently's HTML report (``evidently_html``, on the
  second snapshot: the first has no champion to compare with);
- ``model/validation_pack``'s page links the pack (``pack``).

The PNGs go to ``--out`` (outside the repository), for a person to look at.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from urllib.parse import quote

import httpx
from api_setup import free_port, wait_ready
from results_md import write_section

from creditrisk_assets.cli import job_command

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
SNAPSHOTS = ("2026-11-01", "2026-12-01")
HEADING = "## Dagster UI in a headless browser (issue 23)"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--hide-scrollbars",
    "--window-size=1600,2600",
    "--virtual-time-budget=30000",  # let the UI's GraphQL queries finish before the capture
]
#: Asset key path -> (the partition shown, what its page must hold: the ``<img>`` alt texts, or
#: a link's target). The first snapshot's model pages; the second's drift (see ``build_demo``).
PAGES = {
    "model/test_metrics": (SNAPSHOTS[0], ("ROC (test)", "KS (test)", "Calibration (test)")),
    "monitoring/drift_report": (SNAPSHOTS[1], ("data_drift.html",)),  # Evidently's page
    "model/validation_pack": (SNAPSHOTS[0], ("validation_pack.html",)),
}


def _env(state: Path) -> dict[str, str]:
    # PYTHONPATH: the children import this checkout's package even where the venv is shared.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CREDITRISK_HOME": str(state)}
    env["DAGSTER_HOME"] = str(state / "dagster")
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def build_demo(state: Path, applicants: int) -> None:
    """``make demo``'s run on the first snapshot, then the whole graph on a second one: only a
    snapshot after the first promotion has a champion to measure drift against, so only its
    drift report has an Evidently page to link."""
    env = _env(state)
    cli = [sys.executable, "-m", "creditrisk_assets.cli"]
    t = time.perf_counter()
    if not (state / "dagster" / "dagster.yaml").exists():
        (state / "dagster").mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "dagster.yaml", state / "dagster" / "dagster.yaml")
        demo = [*cli, "demo", "--snapshot", SNAPSHOTS[0], "--applicants", str(applicants)]
        subprocess.run(demo, env=env, cwd=ROOT, check=True)
    drift = state / "lake" / "monitoring" / "drift_report" / f"snapshot_date={SNAPSHOTS[1]}"
    if not drift.exists():
        subprocess.run([*cli, "add-snapshot", SNAPSHOTS[1]], env=env, cwd=ROOT, check=True)
        env["CREDITRISK_SYNTHETIC_APPLICANTS"] = str(applicants)
        log_path = state / "logs" / f"run-{SNAPSHOTS[1]}.log"
        log_path.parent.mkdir(exist_ok=True)
        with log_path.open("w") as log:
            run = subprocess.run(
                job_command("all_assets", SNAPSHOTS[1]), env=env, cwd=ROOT, stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        # a blocked candidate fails the run, but the drift report was written before it
        print(f"{SNAPSHOTS[1]}: all_assets exited {run.returncode} (log: {log_path})")
    print(f"demo state ready in {time.perf_counter() - t:.0f} s: {state}")


def start_webserver(state: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    webserver = Path(sys.executable).parent / "dagster-webserver"
    cmd = [str(webserver), "-m", "creditrisk_assets.definitions", "-h", HOST, "-p", str(port)]
    log = (state / "webserver.log").open("w")
    proc = subprocess.Popen(cmd, env=_env(state), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{HOST}:{port}"
    wait_ready(proc, f"{url}/server_info", 600)  # its log: state/webserver.log
    return proc, url


def chromium(browser: str, url: str, *args: str) -> str:
    done = subprocess.run(
        [browser, *CHROMIUM_FLAGS, *args, url], capture_output=True, text=True, timeout=180
    )
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed on {url}: {done.stderr[-2000:]}")
    return done.stdout


def images(dom: str) -> list[tuple[str, str]]:
    """(alt, src) of every ``<img>`` in the DOM."""
    found = []
    for tag in re.findall(r"<img\b[^>]*>", dom):
        alt = re.search(r'\balt="([^"]*)"', tag)
        src = re.search(r'\bsrc="([^"]*)"', tag)
        found.append((html.unescape(alt.group(1)) if alt else "", src.group(1) if src else ""))
    return found


def links(dom: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', dom)]


def check_page(browser: str, url: str, key: str, out: Path) -> tuple[list[str], str]:
    """Capture one asset page: (the problems found, empty when the page is as it should be;
    one line saying what the page showed)."""
    partition, expectations = PAGES[key]
    page = f"{url}/assets/{quote(key)}?view=events&partition={partition}"
    dom = chromium(browser, page, "--dump-dom")
    (out / f"{key.replace('/', '_')}.html").write_text(dom)
    png = out / f"{key.replace('/', '_')}.png"
    chromium(browser, page, f"--screenshot={png}")
    problems, found = [], []
    imgs = images(dom)
    server_paths = [src for _, src in imgs if src.startswith(("/", "file:")) and ".png" in src]
    if server_paths:
        problems.append(f"{key}: images served from paths: {server_paths}")
    for expected in expectations:
        if key == "model/test_metrics":
            drawn = [src for alt, src in imgs if alt.startswith(expected)]
            if not drawn or not all(s.startswith("data:image/svg+xml;base64,") for s in drawn):
                problems.append(f"{key}: no inline data-URI image for {expected!r}")
            else:
                found.append(f"`{expected}` drawn from a `data:image/svg+xml` URI")
        else:
            hrefs = [h for h in links(dom) if expected in h]
            if not hrefs:
                problems.append(f"{key}: no link to {expected!r}")
            else:
                found.append(f"a link to `{hrefs[0]}`")
    if "[Show Markdown]" in dom:
        found.append("a longer Markdown value behind `[Show Markdown]`")
    data_imgs = sum(src.startswith("data:image/") for _, src in imgs)
    line = (
        f"`{key}` ({partition}): {len(imgs)} images ({data_imgs} from data URIs, "
        f"{len(server_paths)} from server paths); " + ("; ".join(found) or "nothing expected")
    )
    print(f"{line}; {png}")
    return problems, line


#: What a person saw looking at the PNGs of the run recorded in RESULTS.md (2026-11-27).
NOTES = (
    "By eye, in the PNGs: the ROC, KS and calibration curves are drawn in the metadata table "
    "of model/test_metrics (about 160 px each, with their AUC, KS and ECE labels; the KS label "
    "touches the blue curve), the full-size gallery is one click away under 'plots', and the "
    "drift and pack links are underlined, clickable file:// URLs (they open only where the "
    "browser runs on the machine holding the files, as in the local demo)."
)


def write_results(
    lines: list[str], browser: str, load: tuple[float, float], applicants: int
) -> None:
    """This check's section of RESULTS.md (the figures come from this run only)."""
    version = subprocess.run([browser, "--version"], capture_output=True, text=True).stdout
    intro = (
        f"`benchmarks/ui_screenshot.py`: a `cli demo` state ({applicants:,} synthetic "
        "applicants, then the whole graph on a second snapshot so that drift has a champion to "
        f"compare with), `dagster-webserver` on 127.0.0.1, and {version.strip()} headless "
        "(`--dump-dom` after a 30 s virtual-time budget for the UI's queries, then "
        "`--screenshot`) on each asset's Events view. The first-visit community dialog is "
        'dismissed through the UI\'s own `setNuxSeen` mutation (what "Skip" does). Load '
        f"average {load[0]:.1f} before, {load[1]:.1f} after (2 cores, shared). Each page showed:"
    )
    text = "\n\n".join(
        [
            HEADING,
            textwrap.fill(intro, 96, break_on_hyphens=False),
            "\n".join(f"- {line}" for line in lines),
            textwrap.fill(NOTES, 96, break_on_hyphens=False),
        ]
    )
    write_section(text + "\n", HEADING)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--state", type=Path, help="an existing demo state (CREDITRISK_HOME)")
    ap.add_argument("--applicants", type=int, default=6000)
    ap.add_argument("--out", type=Path, default=Path("/tmp/creditrisk-ui-screenshot"))
    ap.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium is not on PATH (Debian: apt-get install chromium)")
    if ROOT in args.out.resolve().parents:
        sys.exit("--out must lie outside the repository")
    args.out.mkdir(parents=True, exist_ok=True)
    state = args.state or Path(tempfile.mkdtemp(prefix="creditrisk-ui-"))
    build_demo(state, args.applicants)
    proc, url = start_webserver(state)
    try:
        # What "Skip" on the UI's first-visit community dialog does, so it covers no page.
        nux = httpx.post(f"{url}/graphql", json={"query": "mutation { setNuxSeen }"}, timeout=60)
        nux.raise_for_status()
        pages = [check_page(browser, url, key, args.out) for key in PAGES]
    finally:
        proc.terminate()
        proc.wait(30)
    problems = [p for found, _ in pages for p in found]
    if problems:
        sys.exit("\n".join(problems))
    if not args.no_write:
        lines = [line for _, line in pages]
        write_results(lines, browser, (load, os.getloadavg()[0]), args.applicants)
    print(f"ok: plots inline and reports linked on {len(PAGES)} asset pages; PNGs in {args.out}")


if __name__ == "__main__":
    main()
