"""The validation pack: one self-contained HTML document a model validator reads and signs.

Why a file and not a dashboard: the sign-off is a record. The pack is rendered once per
registered version from the assets' figures, checksummed, logged with the version, and the
approval quotes its checksum: what was signed is exactly what was read. It opens with no
network (inline CSS, inline PNG plots, no scripts), and every text it shows is HTML-escaped
(feature names, check messages and free text come from data).

Input: a plain dict (the phase-2 asset builds it; tests use a fixture) with these keys, all
optional except ``model``:
``model`` {name, version, purpose}; ``lineage`` {snapshot, raw_md5: {table: md5},
feature_spec_hash, code_version, ...}; ``data`` {key: value}; ``discrimination`` {auc, gini:
{value, se, ci_low, ci_high}, ks, auc_change: {...}, challenger: {...}}; ``calibration``
{table: [rows of statistics.calibration_by_grade], hosmer_lemeshow, herfindahl,
in_the_large: {...}}; ``stability`` {score_psi, feature_psi: {feature: psi}, and labelled
figures such as reference and current}; ``fairness`` {threshold, groups:
[{attribute, group, n, approval_rate, air}]}; ``reasons`` {coverage figures}; ``checks``
[{name, passed, severity, detail}]; ``limitations`` [text]; ``sign_off`` {approved_by,
approved_at, reason, pack_sha256} or None (an empty block to sign).
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from creditrisk_assets.risk.pack_plots import calibration_plot, grade_distribution_plot

SECTIONS = (
    ("purpose", "1. Purpose and lineage"),
    ("data", "2. Data summary"),
    ("discrimination", "3. Discrimination"),
    ("calibration", "4. Calibration per grade"),
    ("stability", "5. Stability"),
    ("fairness", "6. Fairness"),
    ("reasons", "7. Reason-code coverage"),
    ("checks", "8. Check results"),
    ("limitations", "9. Limitations"),
    ("signoff", "10. Sign-off"),
)
_CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:60em;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;border-bottom:1px solid #999;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .5em;
text-align:right}th{background:#eee}td.t,th.t{text-align:left}.fail{color:#a00;font-weight:bold}
.pass{color:#060}.warn{color:#a60;font-weight:bold}.sig td{height:2.2em;min-width:14em}
"""


def fmt(value: Any, digits: int = 4) -> str:
    """A figure as text: floats to ``digits`` significant digits, None as an em dash."""
    if value is None:
        return "\u2014"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "\u2014"
        return f"{value:.{digits}g}"
    return str(value)


def _esc(value: Any, digits: int = 4) -> str:
    return html.escape(fmt(value, digits))


def _kv(pairs: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> str:
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    rows = "".join(f'<tr><th class="t">{_esc(k)}</th><td>{_esc(v)}</td></tr>' for k, v in items)
    return f"<table>{rows}</table>"


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """Rows as a table; ``columns`` are (key, heading); text columns are left-aligned."""
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            cls = ' class="t"' if isinstance(value, str) else ""
            cells.append(f"<td{cls}>{_esc(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _estimate(name: str, est: Mapping[str, Any] | None) -> tuple[str, str]:
    if not est:
        return name, "\u2014"
    ci = f"[{fmt(est.get('ci_low'))}, {fmt(est.get('ci_high'))}]"
    return name, f"{fmt(est.get('value'))} (s.e. {fmt(est.get('se'))}, 95% CI {ci})"


def _purpose(inputs: Mapping[str, Any]) -> str:
    model, lineage = inputs["model"], dict(inputs.get("lineage", {}))
    raw = lineage.pop("raw_md5", {}) or {}
    out = _kv([("model", model.get("name")), ("version", model.get("version"))])
    out += f"<p>{_esc(model.get('purpose', ''))}</p>" + _kv(lineage)
    if raw:
        out += "<h3>Raw inputs (MD5)</h3>" + _kv(raw)
    return out


def _discrimination(d: Mapping[str, Any]) -> str:
    out = _kv(
        [_estimate("AUC", d.get("auc")), _estimate("Gini", d.get("gini")), ("KS", d.get("ks"))]
    )
    change = d.get("auc_change")
    if change:
        out += "<h3>Current vs initial AUC (one-sided)</h3>" + _kv(change)
    challenger = d.get("challenger")
    if challenger:
        out += "<h3>Scorecard challenger (same split)</h3>" + _kv(challenger)
    return out


def _calibration(c: Mapping[str, Any]) -> str:
    rows = list(c.get("table", []))
    columns = [
        ("grade", "Grade"),
        ("n", "N"),
        ("defaults", "Defaults"),
        ("mean_pd", "Mean PD"),
        ("observed_dr", "Observed DR"),
        ("jeffreys_p", "Jeffreys p"),
        ("binomial_p", "Binomial p"),
    ]
    out = _table(rows, columns)
    if rows:
        out += f'<p><img alt="calibration per grade" src="{calibration_plot(rows)}">'
        out += f'<img alt="grade distribution" src="{grade_distribution_plot(rows)}"></p>'
    for key, title in (
        ("hosmer_lemeshow", "Hosmer-Lemeshow (deciles of PD)"),
        ("herfindahl", "Herfindahl index of grades"),
        ("in_the_large", "Calibration in the large"),
    ):
        if c.get(key):
            out += f"<h3>{html.escape(title)}</h3>" + _kv(c[key])
    return out


def _stability(s: Mapping[str, Any]) -> str:
    rest = [(k, v) for k, v in s.items() if k not in ("score_psi", "feature_psi")]
    out = _kv([("score PSI", s.get("score_psi")), *rest])
    psi = s.get("feature_psi") or {}
    rows = [{"feature": k, "psi": v} for k, v in sorted(psi.items(), key=lambda kv: -kv[1])]
    return out + _table(rows, [("feature", "Top feature"), ("psi", "PSI")])


def _fairness(f: Mapping[str, Any]) -> str:
    columns = [
        ("attribute", "Attribute"),
        ("group", "Group"),
        ("n", "N"),
        ("approval_rate", "Approval rate"),
        ("air", "Adverse impact ratio"),
    ]
    note = f"<p>Threshold (four-fifths rule): {_esc(f.get('threshold', 0.8))}</p>"
    return note + _table(list(f.get("groups", [])), columns)


def _checks(checks: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for c in checks:
        status = "pass" if c.get("passed") else ("fail" if c.get("severity") == "ERROR" else "warn")
        rows.append(
            f'<tr><td class="t">{_esc(c.get("name"))}</td><td class="t {status}">{status}</td>'
            f'<td class="t">{_esc(c.get("severity"))}</td>'
            f'<td class="t">{_esc(c.get("detail"))}</td></tr>'
        )
    head = '<tr><th class="t">Check</th><th class="t">Result</th><th class="t">Severity</th>'
    return f'<table>{head}<th class="t">Detail</th></tr>{"".join(rows)}</table>'


def _limitations(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(str(i))}</li>" for i in items) + "</ul>"


def _signoff(s: Mapping[str, Any] | None) -> str:
    s = s or {}
    fields = [("Approved by", "approved_by"), ("Date (UTC)", "approved_at"), ("Reason", "reason")]
    rows = "".join(
        f'<tr><th class="t">{label}</th><td class="t">{_esc(s.get(key, ""))}</td></tr>'
        for label, key in fields
    )
    rows += '<tr><th class="t">Signature</th><td></td></tr>'
    return f'<table class="sig">{rows}</table>'


_RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "purpose": _purpose,
    "data": lambda i: _kv(i.get("data", {})),
    "discrimination": lambda i: _discrimination(i.get("discrimination", {})),
    "calibration": lambda i: _calibration(i.get("calibration", {})),
    "stability": lambda i: _stability(i.get("stability", {})),
    "fairness": lambda i: _fairness(i.get("fairness", {})),
    "reasons": lambda i: _kv(i.get("reasons", {})),
    "checks": lambda i: _checks(i.get("checks", [])),
    "limitations": lambda i: _limitations(i.get("limitations", [])),
    "signoff": lambda i: _signoff(i.get("sign_off")),
}


def render_pack(inputs: Mapping[str, Any]) -> str:
    """The pack as one HTML document (a string; write it UTF-8)."""
    model = inputs["model"]
    title = f"Validation pack: {fmt(model.get('name'))} version {fmt(model.get('version'))}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for section, heading in SECTIONS:
        body = _RENDERERS[section](inputs)
        parts.append(f'<section id="{section}"><h2>{html.escape(heading)}</h2>{body}</section>')
    parts.append("</body></html>")
    return "\n".join(parts)


def pack_checksum(document: str | bytes) -> str:
    """SHA-256 of the pack's UTF-8 bytes: what an approval quotes."""
    data = document.encode("utf-8") if isinstance(document, str) else document
    return hashlib.sha256(data).hexdigest()
