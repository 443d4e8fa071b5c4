"""The report: a plan and its data in one document (HTML, JSON or Markdown).

:func:`build_report` validates and schedules the plan, runs the Control stage on the
data (:func:`sostac.control.evaluate`) and returns a :class:`Report`. Its
``to_html()`` is one self-contained page (no scripts, no fonts or images from the
network; charts are inline SVG): the plan summary and integrated plan table, the
Gantt chart, each KPI against its target with its control limits and projection,
the RACE funnel, the 5S scoreboard, what works, the experiments, the
recommendations, the alerts and the validation findings. ``to_json()`` follows the
schema of ``docs/report.schema.json`` (described in ``docs/report.md``);
``to_markdown()`` is the same in text. ``sostac report PLAN --data DATA`` writes it.
"""

from __future__ import annotations

import html
import json
import math
import time as _time
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from . import __version__
from .control import _json_value as _clean

__all__ = ["Report", "build_report", "read_data", "SCHEMA_VERSION"]

#: Version of the JSON document (``schema_version``); bumped on incompatible changes.
SCHEMA_VERSION = 1

_STATUS_COLOR = {"on_track": "#1a7f37", "at_risk": "#9a6700", "off_track": "#cf222e",
                 "insufficient_data": "#6e7781", "no objective": "#afb8c1"}


def read_data(path: str, time: str = "date"):
    """A daily aggregate or row-level log from CSV (optionally gzip'ed) or Parquet, the
    time column parsed as dates.

    Raises
    ------
    OSError
        The file cannot be read.
    ValueError
        It cannot be parsed, has no ``time`` column, or the column holds no dates
        (the message names the file and the column).
    """
    import pandas as pd

    try:
        if str(path).endswith(".parquet"):
            df = pd.read_parquet(path)
        else:
            try:
                df = pd.read_csv(path, engine="pyarrow")
            except ImportError:  # pragma: no cover - pyarrow is optional
                df = pd.read_csv(path)
    except (ValueError, ImportError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    if time not in df.columns:
        raise ValueError(f"{path}: expected a '{time}' column, found {list(df.columns)}")
    if not pd.api.types.is_datetime64_any_dtype(df[time]):
        try:
            df[time] = pd.to_datetime(df[time])
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}: column '{time}': {exc}") from None
    return df


class Report:
    """A plan with its validation, schedule and Control-stage result.

    Attributes
    ----------
    plan : sostac.Plan
    findings : list of sostac.Finding
        The plan's validation findings.
    schedule : pandas.DataFrame or None
        :meth:`sostac.Plan.schedule` (None when the plan cannot be scheduled; the
        reason is in ``schedule_error``).
    critical_path : list of str
    control : sostac.control.ControlResult or None
        None when the report was built without data.
    timings : dict
        Seconds per step (validate, schedule, control, and render once rendered).
    """

    def __init__(self, plan, findings, schedule, schedule_error, critical_path, control,
                 timings) -> None:
        self.plan = plan
        self.findings = findings
        self.schedule = schedule
        self.schedule_error = schedule_error
        self.critical_path = critical_path
        self.critical_chains: List[List[str]] = [list(critical_path)] if critical_path else []
        self.control = control
        self.timings = timings

    # -- JSON -----------------------------------------------------------------------------
    def _plan_summary(self) -> dict:
        """The JSON document's "plan" part."""
        doc = self.plan.to_dict()
        head = doc.get("plan") or {}
        resources = head.get("resources") or {}
        planned = sum(float(t["budget"]) for t in doc.get("tactics", []) or []
                      if _is_number(t.get("budget")))
        return {
            "id": head.get("id"), "name": head.get("name"), "currency": head.get("currency"),
            "stage": head.get("stage"), "revision": head.get("revision"),
            "horizon": {k: _clean((head.get("horizon") or {}).get(k)) for k in ("start", "end")},
            "budget": _clean(resources.get("budget")), "planned_budget": planned,
            "people_hours_per_week": _clean(resources.get("people_hours_per_week")),
            "economics": {k: _clean(v) for k, v in (head.get("economics") or {}).items()},
            "counts": {k: len(doc.get(k) or []) for k in
                       ("objectives", "strategies", "tactics", "actions")},
        }

    def to_dict(self) -> dict:
        """The report as plain Python values (the JSON document's content)."""
        doc = self.plan.to_dict()
        summary = self._plan_summary()
        schedule = {"activities": [], "critical_path": list(self.critical_path),
                    "critical_chains": [list(c) for c in self.critical_chains],
                    "error": self.schedule_error}
        if self.schedule is not None:
            parent = _parents(doc)
            schedule["activities"] = [
                {"id": r["id"], "kind": r["kind"],
                 "tactic": parent.get(r["id"]) if r["kind"] == "action" else None,
                 "start": _clean(r["start"]), "end": _clean(r["end"]),
                 "slack_days": int(r["slack_days"]), "critical": bool(r["critical"])}
                for r in self.schedule.to_dict("records")]
        out = {
            "schema_version": SCHEMA_VERSION, "generator": f"sostac {__version__}",
            "plan": summary,
            "validation": [{"severity": f.severity, "code": f.code, "path": f.path,
                            "message": f.message} for f in self.findings],
            "integrated_plan": _records(self.plan.table()),
            "schedule": schedule, "control": None,
        }
        if self.control is not None:
            c = self.control.to_dict()
            c["series"] = _records(self.control.series)
            c["charts"] = {oid: _chart_dict(ch) for oid, ch in self._kpi_charts().items()}
            out["control"] = c
        return out

    def to_json(self, **kwargs: Any) -> str:
        """The report as JSON (``json.dumps`` keyword arguments pass through); see
        ``docs/report.md`` for the schema."""
        return json.dumps(self.to_dict(), **kwargs)

    # -- Markdown -------------------------------------------------------------------------
    def to_markdown(self) -> str:
        """The report as Markdown: plan summary, validation, schedule, then the
        Control stage's tables (:meth:`ControlResult.to_markdown`)."""
        p = self._plan_summary()
        lines = [f"# {_md(p['name'] or p['id'] or 'Plan')}", "",
                 f"Plan `{_md(p['id'])}`, revision {p['revision']}, stage {p['stage']}, "
                 f"horizon {p['horizon']['start']} to {p['horizon']['end']}; "
                 f"{p['counts']['objectives']} objectives, {p['counts']['tactics']} tactics, "
                 f"{p['counts']['actions']} actions; planned budget "
                 f"{p['planned_budget']:,.0f} {p['currency'] or ''} of "
                 f"{_fmt(p['budget'])}.", ""]
        errors = [f for f in self.findings if f.severity == "error"]
        lines.append(f"Validation: {len(self.findings)} finding(s), {len(errors)} error(s).")
        lines += [f"- {_md(str(f))}" for f in self.findings]
        lines.append("")
        if self.schedule_error:
            lines.append(f"Schedule: not possible: {_md(self.schedule_error)}")
        else:
            lines.append(self._critical_text(" -> "))
        lines.append("")
        if self.control is None:
            lines.append("No data: the Control stage was not run.")
            return "\n".join(lines) + "\n"
        return "\n".join(lines) + "\n" + self.control.to_markdown()

    def _critical_text(self, arrow: str) -> str:
        """The critical tactics as the schedule's red bars show them: every chain."""
        chains = self.critical_chains
        if not chains:
            return "Critical path: (none)"
        tactics = len({t for c in chains for t in c})
        text = "; ".join(arrow.join(c) for c in chains)
        if len(chains) == 1:
            return f"Critical path: {text}"
        return (f"Critical: {tactics} tactics with no slack, in {len(chains)} parallel "
                f"chains: {text}")

    # -- HTML -----------------------------------------------------------------------------
    def to_html(self) -> str:
        """One self-contained HTML page; every text from the plan or the data is
        escaped."""
        t0 = _time.perf_counter()
        p = self._plan_summary()
        title = f"{p['name'] or p['id'] or 'Plan'}: report"
        c = self.control
        body: List[str] = [f"<h1>{_e(title)}</h1>", _summary_cards(p, self.findings, c)]
        body.append("<h2 id='plan'>Plan</h2>" + _plan_summary(p))
        body.append(_table(self.plan.table(), "Integrated plan table", level=3))
        body.append("<h2 id='schedule'>Schedule</h2>")
        if self.schedule is not None and len(self.schedule):
            body.append(_svg_gantt(self.schedule, _parents(self.plan.to_dict()),
                                   c.as_of if c is not None else None))
            body.append(f"<p>{_e(self._critical_text(' → '))}; bars in red are critical "
                        "(no slack).</p>")
        else:
            body.append(f"<p>No schedule: {_e(self.schedule_error or 'no dated items')}</p>")
        if c is None:
            body.append("<h2>Control</h2><p>No data: the Control stage was not run.</p>")
        else:
            body += _control_sections(c, self._kpi_charts())
        body.append("<h2 id='validation'>Validation findings</h2>")
        if self.findings:
            body.append("<ul>" + "".join(
                f"<li class='{_e(f.severity)}'><b>{_e(f.severity)}</b> "
                f"<code>{_e(f.path or '(document)')}</code>: {_e(f.message)} "
                f"<small>[{_e(f.code)}]</small></li>" for f in self.findings) + "</ul>")
        else:
            body.append("<p>None: the plan is consistent.</p>")
        self.timings["render"] = _time.perf_counter() - t0
        body.append(f"<footer>Made by sostac {_e(__version__)} (JSON schema version "
                    f"{SCHEMA_VERSION}). Rules behind each verdict: docs/control.md.</footer>")
        return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
                "<meta name='viewport' content='width=device-width, initial-scale=1'>"
                f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n"
                + "\n".join(body) + "\n</body></html>\n")

    def save(self, path: str, format: Optional[str] = None) -> str:
        """Write the report to ``path`` as "html", "json" or "md" (default: from the
        extension, else HTML). Returns the path."""
        fmt = format or {"json": "json", "md": "md", "markdown": "md"}.get(
            str(path).rsplit(".", 1)[-1].lower(), "html")
        text = {"html": self.to_html, "json": lambda: self.to_json(indent=2),
                "md": self.to_markdown}.get(fmt)
        if text is None:
            raise ValueError(f"format: expected 'html', 'json' or 'md', got {format!r}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text())
        return str(path)

    def _kpi_charts(self) -> Dict[str, dict]:
        """Per objective with a series: the data of its KPI-vs-target chart, in the
        KPI's own units."""
        c = self.control
        if c is None:
            return {}
        out = {}
        for row in c.kpis.to_dict("records"):
            part = c.series[c.series["objective"] == row["objective"]]
            if len(part):
                out[row["objective"]] = _kpi_chart_data(row, part, c.charts.get(row["objective"]))
        return out

    def __repr__(self) -> str:
        head = repr(self.plan)
        return f"Report({head}, {len(self.findings)} finding(s), " + (
            f"{self.control!r})" if self.control is not None else "no data)")

    def _repr_html_(self) -> str:
        return self.to_html()


def build_report(plan, data: Any = None, *, as_of: Any = None, alpha: float = 0.05,
                 level: float = 0.95, time: str = "date", channel: str = "channel",
                 variant: str = "variant",
                 progress: Optional[Callable[[str, float], None]] = None) -> Report:
    """Validate and schedule ``plan`` and, given ``data``, run its Control stage.

    Parameters
    ----------
    plan : sostac.Plan
    data : DataFrame, optional
        A daily aggregate or row-level log as for :meth:`sostac.Plan.control`; None
        for a report on the plan alone.
    as_of, alpha, level, time, channel, variant
        As for :func:`sostac.control.evaluate`.
    progress : callable, optional
        ``progress(step, fraction)`` as the Control stage goes through the objectives.

    Returns
    -------
    Report

    Examples
    --------
    >>> import sostac, importlib.resources as r
    >>> plan = sostac.Plan.load(r.files("sostac") / "data" / "plans" / "b2b_paid_search.yaml")
    >>> rep = sostac.report.build_report(plan)
    >>> rep.to_dict()["schedule"]["critical_path"]
    ['t-launch', 't-scale']
    """
    from .control import evaluate

    timings: Dict[str, float] = {}
    t = _time.perf_counter()
    findings = plan.validate()
    timings["validate"] = _time.perf_counter() - t
    t = _time.perf_counter()
    schedule, error, path = None, None, []
    try:
        schedule = plan.schedule()
        path = plan.critical_path()
    except ValueError as exc:
        error = str(exc)
    timings["schedule"] = _time.perf_counter() - t
    control = None
    if data is not None:
        t = _time.perf_counter()
        hook = None if progress is None else (lambda done, total: progress(
            "control", done / max(total, 1)))
        control = evaluate(plan, data, as_of=as_of, alpha=alpha, level=level, time=time,
                           channel=channel, variant=variant, progress=hook)
        timings["control"] = _time.perf_counter() - t
    rep = Report(plan, findings, schedule, error, path, control, timings)
    if error is None:
        rep.critical_chains = plan.critical_chains()
    return rep


# -- helpers: values ----------------------------------------------------------------------
def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _records(frame) -> list:
    if frame is None:
        return []
    return [{k: _clean(v) for k, v in r.items()} for r in frame.to_dict("records")]


def _parents(doc: dict) -> dict:
    return {a.get("id"): a.get("tactic") for a in doc.get("actions") or []
            if isinstance(a, dict)}


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


#: What the report shows for a value that is not defined (NaN, a CPA without spend).
DASH = "\u2013"

#: Symbols written before an amount; other ISO 4217 codes are written as "CHF 1,200".
_CURRENCY_SYMBOL = {"GBP": "\u00a3", "USD": "$", "EUR": "\u20ac", "JPY": "\u00a5"}


def _defined(v: Any) -> bool:
    if v is None or isinstance(v, bool):
        return False
    if isinstance(v, (int, np.integer)):
        return True
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _digits(x: float, significant: int) -> str:
    """x with `significant` digits, thousands separators, never in e-notation, trailing
    zeros dropped (2.60 -> 2.6, 40.0 -> 40)."""
    if x == 0:
        return "0"
    if abs(x) >= 10 ** (significant - 1):
        return f"{x:,.0f}"
    decimals = min(8, significant - 1 - math.floor(math.log10(abs(x))))
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _num(v: Any, kind: str = "number", currency: Optional[str] = None) -> str:
    """The report's one number formatter (HTML, Markdown and chart labels alike).

    kind: "count" (whole, thousands separators: 1,528,293), "money" (the plan's
    currency: 24.77 as "\u00a324.77", 37,262.8 as "\u00a337,263"), "percent" (a share:
    0.0217 as "2.17 %"), "ratio" and "number" (4 significant digits, separators),
    "seconds", "p" (a p-value: "< 0.001" or three decimals), "prob" (a probability as
    a percentage, "> 99.9 %" at the ends) and "signed" (+8.29). Anything undefined
    (None, NaN, infinite) is an en dash.
    """
    if not _defined(v):
        return DASH
    x = float(v)
    if kind == "count":
        return f"{x:,.0f}" if abs(x) >= 100 or x == round(x) else _digits(x, 3)
    if kind == "money":
        amount = f"{abs(x):,.0f}" if abs(x) >= 1000 else f"{abs(x):,.2f}"
        code = (currency or "").upper()
        unit = _CURRENCY_SYMBOL.get(code, f"{code} " if code else "")
        return ("-" if x < 0 else "") + unit + amount
    if kind == "percent":
        return f"{_digits(100 * x, 3)} %"
    if kind == "prob":
        if x < 0.001:
            return "< 0.1 %"
        if x > 0.999:
            return "> 99.9 %"
        return f"{100 * x:.1f} %"
    if kind == "p":
        return "< 0.001" if x < 0.001 else f"{x:.3f}"
    if kind == "signed":
        return f"{x:+.2f}"
    if kind == "seconds":
        return f"{_digits(x, 3)} s"
    return _digits(x, 4)


def _fmt(v: Any, digits: int = 4) -> str:
    """A plain number (chart ticks, plan figures): :func:`_num` with ``digits``
    significant digits."""
    if not _defined(v):
        return DASH if v is None or isinstance(v, (float, np.floating)) else str(v)
    return _digits(float(v), digits)


def _date(v: Any) -> str:
    """A day as "30 Jun 2027" (en dash when missing)."""
    import pandas as pd

    if v is None or v is pd.NaT:
        return DASH
    try:
        ts = pd.Timestamp(v)
    except (ValueError, TypeError):
        return str(v)
    return DASH if pd.isna(ts) else f"{ts.day} {ts.strftime('%b %Y')}"


def _kpi_kind(kpi: Any, doc: dict) -> str:
    """How a KPI's values are written: "percent" for proportions (a count over a
    count, unit ratio, scale 1: CTR, conversion, bounce, repeat-purchase rates, as in
    ``metrics::is_proportion``), "money" for unit currency, "count", "seconds", else
    "ratio" (ROAS, ROI)."""
    from . import _core

    custom = {k.get("id"): k for k in doc.get("kpis", []) or [] if isinstance(k, dict)}
    d = custom.get(kpi) or _catalog().get(kpi)
    if d is None:
        return "number"
    unit = d.get("unit", "ratio")
    if unit == "currency":
        return "money"
    if unit in ("count", "seconds"):
        return unit
    den = d.get("denominator") or ""
    if not den or float(d.get("scale", 1.0)) != 1.0:
        return "ratio"
    try:
        n = _core.plan.parse_measure_expression(str(d.get("numerator", "")), "numerator")
        m = _core.plan.parse_measure_expression(str(den), "denominator")
    except ValueError:
        return "ratio"
    money = {"cost", "revenue", "lifetime_value", "session_seconds"}
    if len(n) == 1 and len(m) == 1 and n[0][0] == 1.0 and m[0][0] == 1.0 \
            and n[0][1] not in money and m[0][1] not in money:
        return "percent"
    return "ratio"


_CATALOG: Dict[str, dict] = {}


def _catalog() -> Dict[str, dict]:
    if not _CATALOG:
        from . import _core

        _CATALOG.update({k["id"]: k for k in _core.plan.kpi_catalog()})
    return _CATALOG


def _kpi_name(kpi: Any, doc: dict) -> str:
    """The KPI's name (the catalogue's or the plan's), else its id in words."""
    custom = {k.get("id"): k for k in doc.get("kpis", []) or [] if isinstance(k, dict)}
    d = custom.get(kpi) or _catalog().get(kpi) or {}
    return str(d.get("name") or _title(str(kpi)))


#: Column titles that are not just the key in words.
_TITLES = {"five_s": "5S", "race": "RACE", "kpi": "KPI", "kpis": "KPIs", "cpa": "CPA",
           "roas": "ROAS", "cpa_low": "CPA low", "cpa_high": "CPA high",
           "roas_low": "ROAS low", "roas_high": "ROAS high",
           "break_even_cpa": "Break-even CPA", "rate_from_previous": "Rate from previous step",
           "p_value_adjusted": "p-value (adjusted)", "prob_best": "P(best)",
           "srm_p_value": "Sample-ratio p-value", "shift": "Shift (sd)",
           "from_channel": "From channel", "to_channel": "To channel"}


def _title(key: str) -> str:
    """A column key as a title: five_s -> "5S", rate_from_previous -> "Rate from
    previous step", any other snake_case -> words with a capital."""
    if key in _TITLES:
        return _TITLES[key]
    words = str(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


# -- KPI chart data -----------------------------------------------------------------------
def _kpi_chart_data(row: dict, part, chart_entry) -> dict:
    """Per-period values with intervals, the control limits translated into the
    KPI's units, the target and the least-squares trend to the deadline."""
    import pandas as pd

    from .control import _day_number

    periods = list(pd.to_datetime(part["period"]))
    value = part["value"].to_numpy(dtype=float)
    data = {"kind": None, "periods": periods, "value": value,
            "low": part["low"].to_numpy(dtype=float), "high": part["high"].to_numpy(dtype=float),
            "centre": np.full(len(periods), np.nan), "lower": np.full(len(periods), np.nan),
            "upper": np.full(len(periods), np.nan), "signal": np.zeros(len(periods), int),
            "ewma": None, "sigma_z": None, "target": row["target"],
            "deadline": row["deadline"],
            "projected": row["projected"], "projected_low": row["projected_low"],
            "projected_high": row["projected_high"], "trend": None}
    if chart_entry is not None:
        _, flip, chart = chart_entry
        frame = chart.to_frame()
        at = {pd.Timestamp(p): i for i, p in enumerate(periods)}
        idx = np.array([at.get(pd.Timestamp(p), -1) for p in frame["period"]])
        ok = idx >= 0
        idx = idx[ok]
        cen, lo, up = (frame[k].to_numpy(dtype=float)[ok] for k in ("centre", "lower", "upper"))
        data["kind"] = chart.kind
        data["title"] = chart.title
        if chart.parameters.get("laney"):
            data["sigma_z"] = chart.sigma_z
        if chart.kind == "u" and flip:  # counts per unit of cost -> cost per count
            with np.errstate(divide="ignore"):
                cen, lo, up = 1.0 / cen, np.where(up > 0, 1.0 / up, np.nan), \
                    np.where(lo > 0, 1.0 / lo, np.nan)
        elif chart.kind == "u":  # counts per row (day) -> counts per whole period
            rows = (part["rows"].to_numpy(dtype=float)
                    / part["coverage"].to_numpy(dtype=float))[idx]
            cen, lo, up = cen * rows, lo * rows, up * rows
        elif chart.kind == "ewma":
            data["ewma"] = np.full(len(periods), np.nan)
            data["ewma"][idx] = frame["value"].to_numpy(dtype=float)[ok]
        data["centre"][idx], data["lower"][idx], data["upper"][idx] = cen, lo, up
        sig = frame["signal"].to_numpy(dtype=int)[ok]
        data["signal"][idx] = -sig if flip else sig
    x = np.array([_day_number(p) for p in periods])
    if len(x) >= 3 and np.isfinite(row["projected"]):
        slope, intercept = np.polyfit(x, value, 1)
        data["trend"] = (float(slope), float(intercept))
    return data


def _chart_dict(ch: dict) -> dict:
    out = {"kind": ch["kind"], "sigma_z": _clean(ch["sigma_z"]),
           "target": _clean(ch["target"]),
           "deadline": _clean(ch["deadline"]),
           "periods": [_clean(p) for p in ch["periods"]]}
    for k in ("value", "low", "high", "centre", "lower", "upper"):
        out[k] = [_clean(v) for v in ch[k]]
    out["signal"] = [int(s) for s in ch["signal"]]
    out["ewma"] = None if ch["ewma"] is None else [_clean(v) for v in ch["ewma"]]
    out["trend"] = (None if ch["trend"] is None else
                    {"slope_per_day": ch["trend"][0], "intercept": ch["trend"][1],
                     "origin": "1970-01-01"})
    return out


# -- HTML pieces --------------------------------------------------------------------------
_CSS = """
body{font-family:'DejaVu Sans',Arial,sans-serif;margin:1.5em auto;max-width:78em;
 padding:0 1em;color:#1f2328;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #d0d7de}
h3{margin-top:1.2em}
table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:.9em}
td,th{border:1px solid #d0d7de;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa}
.cards{display:flex;flex-wrap:wrap;gap:.6em;margin:1em 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.5em .9em;min-width:8em}
.card b{display:block;font-size:1.5em}
.on_track{color:#1a7f37}.at_risk{color:#9a6700}.off_track{color:#cf222e}
.insufficient_data{color:#6e7781}.error{color:#cf222e}.warning{color:#9a6700}
.kpi{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start;margin-bottom:1em}
.kpi .rule{flex:1;min-width:20em;font-size:.9em}
svg{max-width:100%;height:auto;font-family:'DejaVu Sans',Arial,sans-serif}
footer{margin-top:2em;color:#6e7781;font-size:.85em}
"""


def _table(frame, title: str, level: int = 2, anchor: str = "") -> str:
    ident = f" id='{_e(anchor)}'" if anchor else ""
    head = f"<h{level}{ident}>{_e(title)}</h{level}>"
    if frame is None or len(frame) == 0:
        return head + "<p>None.</p>"
    frame = frame.astype(object).where(frame.notna(), "-")  # None, NaN, NaT alike
    return head + frame.to_html(index=False, escape=True, na_rep="-", border=0,
                                formatters={c: _cell for c in frame.columns})


def _cell(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return _fmt(v, 6)
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    return str(v)


def _summary_cards(p: dict, findings: list, c) -> str:
    cards = []
    if c is not None:
        counts = c.kpis["status"].value_counts()
        for s in ("on_track", "at_risk", "off_track", "insufficient_data"):
            cards.append(f"<div class='card {s}'><b>{int(counts.get(s, 0))}</b>"
                         f"{_e(s.replace('_', ' '))}</div>")
        cards.append(f"<div class='card'><b>{len(c.alerts)}</b>alerts</div>")
        cards.append(f"<div class='card'><b>{len(c.recommendations)}</b>budget moves</div>")
        as_of = f"Data up to {_e(c._day())}. "
    else:
        as_of = ""
    errors = sum(f.severity == "error" for f in findings)
    cards.append(f"<div class='card{' error' if errors else ''}'><b>{errors}</b>"
                 f"plan errors</div>")
    return (f"<p>{as_of}Plan <code>{_e(p['id'])}</code>, revision "
            f"{_e(p['revision'])}, stage {_e(p['stage'])}.</p>"
            f"<div class='cards'>{''.join(cards)}</div>")


def _plan_summary(p: dict) -> str:
    econ = p["economics"]
    rows = [("Horizon", f"{p['horizon']['start']} to {p['horizon']['end']}"),
            ("Currency", p["currency"] or "-"),
            ("Budget (resources)", _fmt(p["budget"])),
            ("Planned in tactics", _fmt(p["planned_budget"])),
            ("People-hours per week", _fmt(p["people_hours_per_week"])),
            ("Economics", ", ".join(f"{k} = {_fmt(v)}" for k, v in econ.items()) or "-"),
            ("Contents", ", ".join(f"{n} {k}" for k, n in p["counts"].items()))]
    return ("<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
            + "</table>")


def _control_sections(c, charts: Dict[str, dict]) -> List[str]:
    out = ["<h2 id='kpis'>KPIs against their targets</h2>",
           f"<p>Status as of {_e(c._day())}: a one-sided test of the value to date "
           f"against the target and a least-squares projection to the deadline with its "
           f"{c.level:.0%} prediction interval. Grey band: control limits; dashed: "
           f"target; dotted: trend and projection; red rings: periods outside the "
           f"limits.</p>"]
    for row in c.kpis.to_dict("records"):
        st = row["status"]
        out.append(f"<h3>{_e(row['objective'])}: {_e(row['kpi'])} "
                   f"<span class='{_e(st)}'>{_e(st.replace('_', ' '))}</span></h3>")
        chart = charts.get(row["objective"])
        svg = _svg_kpi(row, chart, c.as_of) if chart is not None else ""
        value = "-" if not np.isfinite(row["value"]) else (
            f"{_fmt(row['value'])} [{_fmt(row['low'])}, {_fmt(row['high'])}]")
        out.append(f"<div class='kpi'>{svg}<div class='rule'><p>Value to date: "
                   f"{_e(value)}; target {_e(_fmt(row['target']))} "
                   f"({_e(row['direction'])} by {_e(_clean(row['deadline']))}).</p>"
                   f"<p>{_e(row['rule'])}</p></div></div>")
    out.append(_table(c.scoreboard, "5S scoreboard", anchor="scoreboard"))
    funnel = c.race_funnel
    out.append("<h2 id='funnel'>RACE funnel</h2>")
    if len(funnel):
        out.append(_svg_funnel(funnel))
    out.append(_table(funnel, "RACE funnel, numbers", level=3))
    works = c.what_works
    out.append("<h2 id='what-works'>What works</h2>")
    if works is not None and len(works):
        out.append(_svg_what_works(works))
    out.append(_table(works, "Channels by CPA against break-even, and ROAS", level=3))
    out.append(_table(c.experiments, "Experiments", anchor="experiments"))
    out.append(_table(c.recommendations, "Recommendations", anchor="recommendations"))
    out.append(_table(c.alerts, "Alerts", anchor="alerts"))
    out.append("<h2 id='data-findings'>Data findings</h2>")
    if c.findings:
        out.append("<ul>" + "".join(f"<li>{_e(f['objective'])}: {_e(f['message'])}</li>"
                                    for f in c.findings) + "</ul>")
    else:
        out.append("<p>None.</p>")
    return out


# -- SVG ----------------------------------------------------------------------------------
class _Scale:
    """A linear map from [lo, hi] to [a, b] (pixels)."""

    def __init__(self, lo: float, hi: float, a: float, b: float) -> None:
        if not hi > lo:
            lo, hi = lo - 1.0, hi + 1.0
        self.lo, self.hi, self.a, self.b = lo, hi, a, b

    def __call__(self, v: float) -> float:
        return self.a + (v - self.lo) / (self.hi - self.lo) * (self.b - self.a)


def _nice_ticks(lo: float, hi: float, n: int = 5) -> List[float]:
    if not hi > lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _month_ticks(d0, d1) -> list:
    import pandas as pd

    months = pd.date_range(d0.to_period("M").to_timestamp(), d1, freq="MS")
    months = [m for m in months if d0 <= m <= d1]
    every = max(1, math.ceil(len(months) / 8))
    return months[::every]


def _days(ts) -> float:
    from .control import _day_number

    return _day_number(ts)


def _svg_gantt(schedule, parent: dict, as_of) -> str:
    import pandas as pd

    tactic_ids = list(schedule.loc[schedule["kind"] == "tactic", "id"])
    actions = list(schedule.loc[schedule["kind"] == "action", "id"])
    order = []
    for t in tactic_ids:
        order.append(("tactic", t))
        order += [("action", a) for a in actions if parent.get(a) == t]
    order += [("action", a) for a in actions if parent.get(a) not in tactic_ids]
    s = schedule.set_index(["kind", "id"]).loc[order].reset_index()
    d0, d1 = s["start"].min(), s["end"].max() + pd.Timedelta(days=1)
    left, right, row_h, top = 170, 900, 22, 28
    height = top + row_h * len(s) + 10
    x = _Scale(_days(d0), _days(d1), left, right - 10)
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {right} {height}' "
             f"width='{right}' height='{height}' role='img' aria-label='Gantt chart'>"]
    for m in _month_ticks(d0, d1):
        px = x(_days(m))
        parts.append(f"<line x1='{px:.1f}' y1='{top - 6}' x2='{px:.1f}' y2='{height - 8}' "
                     f"stroke='#eaeef2'/><text x='{px + 2:.1f}' y='{top - 10}' "
                     f"font-size='11' fill='#57606a'>{_e(m.strftime('%b %Y'))}</text>")
    for i, r in enumerate(s.itertuples()):
        y = top + i * row_h
        x0, x1 = x(_days(r.start)), x(_days(r.end + pd.Timedelta(days=1)))
        color = "#cf222e" if r.critical else ("#0969da" if r.kind == "tactic" else "#8c959f")
        label = r.id if r.kind == "tactic" else f"  {r.id}"
        weight = "bold" if r.kind == "tactic" else "normal"
        parts.append(
            f"<text x='{left - 6}' y='{y + 15}' font-size='12' text-anchor='end' "
            f"font-weight='{weight}' xml:space='preserve'>{_e(label)}</text>"
            f"<rect x='{x0:.1f}' y='{y + 4}' width='{max(x1 - x0, 1.5):.1f}' "
            f"height='{row_h - 8}' rx='3' fill='{color}'><title>{_e(r.id)}: "
            f"{_e(r.start.date())} to {_e(r.end.date())}, slack {int(r.slack_days)} "
            f"day(s){', critical' if r.critical else ''}</title></rect>")
    if as_of is not None and d0 <= as_of <= d1:
        px = x(_days(as_of))
        parts.append(f"<line x1='{px:.1f}' y1='{top - 6}' x2='{px:.1f}' y2='{height - 8}' "
                     f"stroke='#1f2328' stroke-dasharray='4 3'/><text x='{px + 3:.1f}' "
                     f"y='{height - 10}' font-size='11'>as of {_e(as_of.date())}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _svg_kpi(row: dict, ch: dict, as_of) -> str:
    import pandas as pd

    w, h, left, right, top, bottom = 560, 260, 64, 16, 14, 30
    periods = ch["periods"]
    end = max(periods[-1], ch["deadline"]) if pd.notna(ch["deadline"]) else periods[-1]
    xs = [_days(p) for p in periods]
    xd = _days(ch["deadline"]) if pd.notna(ch["deadline"]) else None
    x = _Scale(xs[0] - 3, _days(end) + 3, left, w - right)
    ys = [v for k in ("value", "low", "high", "lower", "upper") for v in ch[k]
          if np.isfinite(v)] + [row["target"]]
    for k in ("projected_low", "projected_high"):
        if np.isfinite(ch[k]):
            ys.append(ch[k])
    lo, hi = min(ys), max(ys)
    pad = 0.06 * (hi - lo if hi > lo else abs(hi) or 1.0)
    y = _Scale(lo - pad, hi + pad, h - bottom, top)
    p = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {w} {h}' width='{w}' "
         f"height='{h}' role='img' aria-label='{_e(row['kpi'])} against its target'>"]
    for t in _nice_ticks(lo - pad, hi + pad):
        py = y(t)
        p.append(f"<line x1='{left}' y1='{py:.1f}' x2='{w - right}' y2='{py:.1f}' "
                 f"stroke='#eaeef2'/><text x='{left - 4}' y='{py + 4:.1f}' font-size='10' "
                 f"text-anchor='end' fill='#57606a'>{_e(_fmt(t, 3))}</text>")
    for m in _month_ticks(periods[0], end):
        px = x(_days(m))
        p.append(f"<text x='{px:.1f}' y='{h - 10}' font-size='10' text-anchor='middle' "
                 f"fill='#57606a'>{_e(m.strftime('%b'))}</text>")
    # control limits as a band of steps
    band = [(xv, lo_, up_) for xv, lo_, up_ in zip(xs, ch["lower"], ch["upper"])
            if np.isfinite(lo_) and np.isfinite(up_)]
    if band:
        upper = " ".join(f"{x(b[0]):.1f},{y(b[2]):.1f}" for b in band)
        lower = " ".join(f"{x(b[0]):.1f},{y(b[1]):.1f}" for b in reversed(band))
        p.append(f"<polygon points='{upper} {lower}' fill='#d0d7de' opacity='0.5'>"
                 f"<title>control limits ({_e(ch.get('title', ch['kind']))})</title>"
                 f"</polygon>")
    if ch["ewma"] is not None:
        pts = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in zip(xs, ch["ewma"]) if np.isfinite(b))
        p.append(f"<polyline points='{pts}' fill='none' stroke='#8250df' stroke-width='1.2'>"
                 f"<title>EWMA</title></polyline>")
    ty = y(row["target"])
    p.append(f"<line x1='{left}' y1='{ty:.1f}' x2='{w - right}' y2='{ty:.1f}' "
             f"stroke='#1a7f37' stroke-width='1.5' stroke-dasharray='6 4'>"
             f"<title>target {_e(_fmt(row['target']))}</title></line>")
    if ch["trend"] is not None and xd is not None:
        slope, icpt = ch["trend"]
        p.append(f"<line x1='{x(xs[0]):.1f}' y1='{y(slope * xs[0] + icpt):.1f}' "
                 f"x2='{x(xd):.1f}' y2='{y(slope * xd + icpt):.1f}' stroke='#57606a' "
                 f"stroke-dasharray='2 3'><title>least-squares trend</title></line>")
        if np.isfinite(ch["projected_low"]) and np.isfinite(ch["projected_high"]):
            p.append(f"<line x1='{x(xd):.1f}' y1='{y(ch['projected_low']):.1f}' "
                     f"x2='{x(xd):.1f}' y2='{y(ch['projected_high']):.1f}' stroke='#57606a' "
                     f"stroke-width='2'/><circle cx='{x(xd):.1f}' cy='{y(ch['projected']):.1f}' "
                     f"r='4' fill='white' stroke='#57606a' stroke-width='2'><title>projected "
                     f"{_e(_fmt(ch['projected']))} [{_e(_fmt(ch['projected_low']))}, "
                     f"{_e(_fmt(ch['projected_high']))}] at {_e(ch['deadline'].date())}"
                     f"</title></circle>")
    for xv, v, l_, u_, s, per in zip(xs, ch["value"], ch["low"], ch["high"], ch["signal"],
                                     periods):
        if not np.isfinite(v):
            continue
        if np.isfinite(l_) and np.isfinite(u_):
            p.append(f"<line x1='{x(xv):.1f}' y1='{y(l_):.1f}' x2='{x(xv):.1f}' "
                     f"y2='{y(u_):.1f}' stroke='#0969da' opacity='0.5'/>")
        ring = (f"<circle cx='{x(xv):.1f}' cy='{y(v):.1f}' r='6' fill='none' "
                f"stroke='#cf222e' stroke-width='1.5'/>" if s else "")
        p.append(f"{ring}<circle cx='{x(xv):.1f}' cy='{y(v):.1f}' r='2.6' fill='#0969da'>"
                 f"<title>{_e(per.date())}: {_e(_fmt(v))} [{_e(_fmt(l_))}, {_e(_fmt(u_))}]"
                 f"</title></circle>")
    if as_of is not None:
        px = x(_days(as_of))
        p.append(f"<line x1='{px:.1f}' y1='{top}' x2='{px:.1f}' y2='{h - bottom}' "
                 f"stroke='#1f2328' stroke-dasharray='1 3'/>")
    p.append("</svg>")
    return "".join(p)


def _svg_funnel(funnel) -> str:
    rows = funnel.to_dict("records")
    w, row_h, left = 760, 34, 150
    h = row_h * len(rows) + 10
    top = max(r["count"] for r in rows) or 1.0
    p = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {w} {h}' width='{w}' "
         f"height='{h}' role='img' aria-label='RACE funnel'>"]
    for i, r in enumerate(rows):
        bw = max((w - left - 190) * r["count"] / top, 1.0)
        y = 5 + i * row_h
        x0 = left + (w - left - 190 - bw) / 2
        rate = r["rate_from_previous"]
        rate_text = "" if not np.isfinite(rate) else f" ({rate:.1%} of previous)"
        p.append(f"<text x='{left - 8}' y='{y + 20}' font-size='13' text-anchor='end' "
                 f"font-weight='bold'>{_e(r['stage'])}</text>"
                 f"<rect x='{x0:.1f}' y='{y + 3}' width='{bw:.1f}' height='{row_h - 8}' "
                 f"rx='3' fill='#0969da' opacity='{0.9 - 0.15 * i:.2f}'><title>"
                 f"{_e(r['measure'])}: {_e(_fmt(r['count']))}</title></rect>"
                 f"<text x='{w - 185}' y='{y + 20}' font-size='12'>"
                 f"{_e(_fmt(r['count']))}{_e(rate_text)}</text>")
    p.append("</svg>")
    return "".join(p)


def _svg_what_works(works) -> str:
    rows = [r for r in works.to_dict("records") if r["orders"] > 0 and r["cost"] > 0]
    if not rows:
        return ""
    w, row_h, left, right = 760, 26, 150, 30
    h = row_h * len(rows) + 40
    be = rows[0]["break_even_cpa"]
    vals = [v for r in rows for v in (r["cpa_low"], r["cpa_high"]) if np.isfinite(v)]
    if np.isfinite(be):
        vals.append(be)
    x = _Scale(0.0, max(vals) * 1.05, left, w - right)
    color = {"profitable": "#1a7f37", "losing": "#cf222e"}
    p = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {w} {h}' width='{w}' "
         f"height='{h}' role='img' aria-label='CPA by channel against break-even'>"]
    for t in _nice_ticks(0.0, max(vals) * 1.05):
        p.append(f"<text x='{x(t):.1f}' y='{h - 6}' font-size='10' text-anchor='middle' "
                 f"fill='#57606a'>{_e(_fmt(t, 3))}</text>")
    for i, r in enumerate(rows):
        y = 10 + i * row_h + row_h / 2
        c = color.get(r["verdict"], "#57606a")
        p.append(f"<text x='{left - 8}' y='{y + 4:.1f}' font-size='12' text-anchor='end'>"
                 f"{_e(r['channel'])}</text>"
                 f"<line x1='{x(r['cpa_low']):.1f}' y1='{y:.1f}' x2='{x(r['cpa_high']):.1f}' "
                 f"y2='{y:.1f}' stroke='{c}' stroke-width='2'/>"
                 f"<circle cx='{x(r['cpa']):.1f}' cy='{y:.1f}' r='4' fill='{c}'><title>"
                 f"{_e(r['channel'])}: CPA {_e(_fmt(r['cpa']))} [{_e(_fmt(r['cpa_low']))}, "
                 f"{_e(_fmt(r['cpa_high']))}], {_e(r['verdict'])}</title></circle>")
    if np.isfinite(be):
        p.append(f"<line x1='{x(be):.1f}' y1='4' x2='{x(be):.1f}' y2='{h - 20}' "
                 f"stroke='#1f2328' stroke-dasharray='5 3'/><text x='{x(be) + 4:.1f}' "
                 f"y='{h - 22}' font-size='11'>break-even CPA {_e(_fmt(be))}</text>")
    p.append("</svg>")
    return "".join(p)
