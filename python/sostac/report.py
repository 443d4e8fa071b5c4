"""The report: a plan and its data in one document (HTML, JSON or Markdown).

:func:`build_report` validates and schedules the plan, runs the Control stage on the
data (:func:`sostac.control.evaluate`) and returns a :class:`Report`. Its
``to_html()`` is one self-contained page (no scripts, no fonts or images from the
network; charts are inline SVG): the plan summary and integrated plan table, the
Gantt chart, each KPI against its target with its control limits and projection,
the RACE funnel, the 5S scoreboard, what works, the experiments, the
recommendations, the alerts and the validation findings. Each objective opens with
one plain sentence (value to date, target, trend to the deadline, verdict) and keeps
the statistical rule one click away; tables have titles in words and every number
goes through one formatter (:func:`_num`). ``to_json()`` follows the
schema of ``docs/report.schema.json`` (described in ``docs/report.md``);
``to_markdown()`` is the same in text. ``sostac report PLAN --data DATA`` writes it.
"""

from __future__ import annotations

import json
import math
import re
import time as _time
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from . import __version__
from .analyses import ANALYSES
from ._render import (
    DASH, _Column, _Ctx, _Scale, _catalog, _clean, _date, _defined, _digits, _e, _fmt,
    _grid, _is_number, _kpi_name, _md, _md_grid, _nice_ticks, _num, _records, _rows,
    _status, _svg_open, _text, _text_span, _title,
)

__all__ = ["Report", "build_report", "read_data", "SCHEMA_VERSION"]

#: Version of the JSON document (``schema_version``); bumped on incompatible changes.
SCHEMA_VERSION = 1

_STATUS_COLOR = {"on_track": "#1a7f37", "at_risk": "#9a6700", "off_track": "#cf222e",
                 "insufficient_data": "#6e7781", "no objective": "#afb8c1"}


def read_data(path: str, time: str = "date", *, sep: Optional[str] = None,
              decimal: Optional[str] = None):
    """A daily aggregate or row-level log from CSV (optionally gzip'ed) or Parquet,
    read by the input layer (:func:`sostac.io.read_table`: separator and decimal mark
    sniffed, header names trimmed, file lines kept for the findings).

    Raises
    ------
    OSError
        The file cannot be read.
    ValueError
        It cannot be parsed or has no ``time`` column (the message names the file and
        the column). Times are parsed later, by the Control stage's input rules.
    """
    from .io import read_table

    df = read_table(path, sep=sep, decimal=decimal)
    if time not in df.columns:
        raise ValueError(f"{path}: expected a '{time}' column, found {list(df.columns)}")
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
        self.time = "date"  # the data's time column (build_report sets it)

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

    def _ctx(self) -> "_Ctx":
        """The formatters' context: the plan's KPIs and currency, the data's first day."""
        import pandas as pd

        doc = self.plan.to_dict()
        start = None
        data = getattr(self.control, "_data", None)
        if data is not None and self.time in data.columns and len(data):
            first = pd.to_datetime(data[self.time]).min()
            if not pd.isna(first):
                start = pd.Timestamp(first).tz_localize(None).normalize() \
                    if pd.Timestamp(first).tzinfo is not None else pd.Timestamp(first).normalize()
        return _Ctx(doc, (doc.get("plan") or {}).get("currency"), start)

    # -- Markdown -------------------------------------------------------------------------
    def to_markdown(self) -> str:
        """The report as Markdown: plan summary, validation, schedule, then the
        Control stage: a sentence per objective with its rule under "How this was
        decided", and the tables with the HTML page's titles and numbers."""
        p = self._plan_summary()
        ctx = self._ctx()
        lines = [f"# {_md(p['name'] or p['id'] or 'Plan')}", "",
                 f"Plan `{_md(p['id'] or DASH)}`, {_plan_line(p)}, horizon "
                 f"{_date(p['horizon']['start'])} to {_date(p['horizon']['end'])}; "
                 f"{p['counts']['objectives']} objectives, {p['counts']['tactics']} tactics, "
                 f"{p['counts']['actions']} actions; planned budget "
                 f"{ctx.num(p['planned_budget'], 'money')} of "
                 f"{ctx.num(p['budget'], 'money')}.", ""]
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
        return "\n".join(lines + _control_markdown(self.control, ctx)) + "\n"

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
        ctx = self._ctx()
        body: List[str] = [f"<h1>{_e(title)}</h1>", _summary_cards(p, self.findings, c)]
        body.append("<h2 id='plan'>Plan</h2>" + _plan_summary(p))
        body.append(_grid(_rows(self.plan.table()), _columns("integrated_plan", ctx),
                          "Integrated plan table", level=3))
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
            body += _control_sections(c, self._kpi_charts(), ctx)
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
                 progress: Optional[Callable[[str, float], None]] = None,
                 time_unit: Optional[str] = None, transactions: Any = None,
                 customer: str = "customer_id", transaction_time: str = "timestamp",
                 amount: Optional[str] = "amount", touchpoints: Any = None,
                 attribution: str = "markov", user: str = "user_id",
                 touch_time: str = "timestamp", conversion: str = "conversion",
                 conversion_value: Optional[str] = "value", lookback: Any = "30D") -> Report:
    """Validate and schedule ``plan`` and, given ``data``, run its Control stage.

    Parameters
    ----------
    plan : sostac.Plan
    data : DataFrame, optional
        A daily aggregate or row-level log as for :meth:`sostac.Plan.control`; None
        for a report on the plan alone.
    as_of, alpha, level, time, channel, variant, time_unit
        As for :func:`sostac.control.evaluate`.
    transactions, customer, transaction_time, amount
        An order log and its column names, as for :func:`sostac.control.evaluate`:
        the report gains the Engage section.
    touchpoints, attribution, user, touch_time, conversion, conversion_value, lookback
        A touchpoint log or path table and its settings, as for
        :func:`sostac.control.evaluate`: the report gains the attribution section and
        what works credits orders by the chosen model.
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
                           channel=channel, variant=variant, progress=hook,
                           time_unit=time_unit, transactions=transactions,
                           customer=customer, transaction_time=transaction_time,
                           amount=amount, touchpoints=touchpoints, attribution=attribution,
                           user=user, touch_time=touch_time, conversion=conversion,
                           conversion_value=conversion_value, lookback=lookback)
        timings["control"] = _time.perf_counter() - t
    rep = Report(plan, findings, schedule, error, path, control, timings)
    rep.time = time
    if error is None:
        rep.critical_chains = plan.critical_chains()
    return rep


def _parents(doc: dict) -> dict:
    return {a.get("id"): a.get("tactic") for a in doc.get("actions") or []
            if isinstance(a, dict)}


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
th{background:#f6f8fa}td.num,th.num{text-align:right;white-space:nowrap}
details{margin:.4em 0}summary{cursor:pointer;color:#57606a}
.headline{font-size:1.1em}
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


def _columns(name: str, ctx: _Ctx) -> List[_Column]:
    """The columns of each table the report shows, with human titles and each number
    through :func:`_num`; the JSON keys stay as they are."""
    n, t = ctx.num, _text
    if name == "integrated_plan":
        def by_kpi(key):
            return lambda r: (n(r[key], ctx.kind(r["kpi"]), True) if _defined(r.get(key))
                              else t(r.get(key)))
        return [("Objective", lambda r: t(r["objective"]), False),
                ("Statement", lambda r: t(r["statement"]), False),
                (_title("five_s"), lambda r: t(r["five_s"]), False),
                (_title("race"), lambda r: t(r["race"]), False),
                ("KPI", lambda r: _kpi_name(r["kpi"], ctx.doc) if r.get("kpi") else DASH, False),
                ("Baseline", by_kpi("baseline"), True), ("Target", by_kpi("target"), True),
                ("Deadline", lambda r: _date(r["deadline"]) if r.get("deadline") else DASH,
                 False),
                ("Motivation", lambda r: t(r["motivation"]), False),
                ("Strategies", lambda r: t(r["strategies"]), False),
                ("Tactics", lambda r: t(r["tactics"]), False),
                ("KPIs", lambda r: t(r["kpis"]), False)]
    if name == "scoreboard":
        return [(_title("five_s"), lambda r: t(r["five_s"]), False),
                ("Objectives", lambda r: t(str(r["objectives"]).replace(",", ", ")), False),
                *[(_title(k), (lambda k: lambda r: n(r[k], "count"))(k), True)
                  for k in ("on_track", "at_risk", "off_track", "insufficient_data")],
                ("Status", lambda r: _status(r["status"]), False)]
    if name == "race_funnel":
        return [("Stage", lambda r: t(r["stage"]), False),
                ("Counted in", lambda r: _funnel_unit(r["measure"]), False),
                ("Count", lambda r: n(r["count"], "count"), True),
                (_title("rate_from_previous"), lambda r: n(r["rate_from_previous"], "percent"),
                 True),
                ("Objectives", lambda r: _status(r["objectives"]) if r["objectives"] else DASH,
                 False)]
    if name in ANALYSES:  # each analysis's own table
        return ANALYSES[name].columns(ctx)
    if name == "recommendations":
        return [(_title("from_channel"), lambda r: t(r["from_channel"]), False),
                (_title("to_channel"), lambda r: t(r["to_channel"]), False),
                ("Amount", lambda r: n(r["amount"], "money"), True),
                ("From tactics", lambda r: t(str(r["from_tactics"]).replace(",", ", ")), False),
                ("To tactics", lambda r: t(str(r["to_tactics"]).replace(",", ", ")), False),
                ("Evidence", lambda r: t(r["evidence"]), False)]
    if name == "alerts":
        def stat(key):
            # the chart's statistic: the rate itself on a p-chart, else a plain number
            return lambda r: n(r[key], "percent" if str(r["chart"]).startswith("p")
                                and ctx.kind(r["kpi"]) == "percent" else "number")
        return [("Objective", lambda r: t(r["objective"]), False),
                ("KPI", lambda r: _kpi_name(r["kpi"], ctx.doc), False),
                ("Chart", lambda r: t(r["chart"]), False),
                ("Period from", lambda r: ctx.period(r["period"]), False),
                ("Move", lambda r: t(r["move"]), False),
                ("Value", stat("value"), True), ("Limit", stat("limit"), True),
                (_title("shift"), lambda r: n(r["shift"], "signed"), True)]
    raise KeyError(name)


#: What each RACE stage counts, by the measure the Control stage used.
_FUNNEL_UNITS = {"visitors": "visitors", "sessions": "visits (sessions)",
                 "sessions - bounces": "engaged sessions (sessions without a bounce)",
                 "leads": "leads", "orders": "orders", "repeat_customers": "repeat customers"}


def _funnel_unit(measure: Any) -> str:
    """The unit a RACE stage is counted in; a distinct count (visitors, customers)
    taken from a daily aggregate is a sum of daily counts, and says so."""
    from . import _core

    unit = _FUNNEL_UNITS.get(str(measure), str(measure).replace("_", " "))
    if str(measure) in _core.plan.distinct_measures():
        unit += ", daily counts added up"
    return unit


_VERDICT = {"on_track": "on track", "at_risk": "at risk", "off_track": "off track",
            "insufficient_data": "insufficient data"}

_PER = {"daily": "a day", "weekly": "a week", "monthly": "a month", "quarterly": "a quarter"}


def _headline(row: dict, ctx: _Ctx) -> str:
    """The one plain sentence an objective opens with: the value to date against the
    target, where the trend leads by the deadline with its range, and the verdict."""
    kpi = row["kpi"]
    kind = ctx.kind(kpi)
    definition = ({k.get("id"): k for k in ctx.doc.get("kpis", []) or []
                   if isinstance(k, dict)}.get(kpi) or _catalog().get(kpi) or {})
    per = "" if definition.get("denominator") or not definition else \
        f" {_PER.get(str(row.get('cadence')), 'a period')}"
    name = _kpi_name(kpi, ctx.doc)
    target = f"{ctx.num(row['target'], kind, True)}{per}" if _defined(row["target"]) else DASH
    deadline = _date(row["deadline"])
    verdict = _VERDICT.get(row["status"], _status(row["status"]))
    if not _defined(row["value"]):
        return (f"{name} has no value to date (target {target} by {deadline}): "
                f"{verdict}.")
    verb = "are" if re.search(r"[^s]s$", name) else "is"  # "Visits are", "CTR is"
    head = (f"{name} {verb} {ctx.num(row['value'], kind)}{per} to date against a target of "
            f"{target}")
    if _defined(row["projected"]):
        trend = (f"the trend points to {ctx.num(row['projected'], kind)}"
                 f" ({ctx.range(row['projected_low'], row['projected_high'], kind)}){per}"
                 f" by {deadline}")
    else:
        trend = f"too few periods for a trend to {deadline}"
    return f"{head}; {trend}: {verdict}."


def _decided(row: dict, ctx: _Ctx, level: float) -> str:
    """What "How this was decided" holds: the value's interval and the Control
    stage's rule text, taken as it is."""
    kind = ctx.kind(row["kpi"])
    parts = []
    if _defined(row["value"]):
        parts.append(f"Value to date {ctx.num(row['value'], kind)}, "
                     f"{ctx.num(level, 'percent', True)} interval "
                     f"{ctx.range(row['low'], row['high'], kind)}; "
                     f"{row['direction']} to {ctx.num(row['target'], kind, True)} by "
                     f"{_date(row['deadline'])}.")
    if str(row.get("rule") or "").strip():
        parts.append(str(row["rule"]))
    return " ".join(parts) or DASH


def _plan_line(p: dict) -> str:
    """"Plan p, revision 3, stage control", without the parts a plan does not record
    (a plan built in code has neither)."""
    known = [f"revision {p['revision']}" if p.get("revision") is not None else "",
             f"stage {p['stage']}" if p.get("stage") else ""]
    known = [k for k in known if k]
    if not known:
        return "no revision or stage recorded"
    return ", ".join(known)


def _summary_cards(p: dict, findings: list, c) -> str:
    cards = []
    if c is not None:
        counts = c.kpis["status"].value_counts()
        for s in ("on_track", "at_risk", "off_track", "insufficient_data"):
            cards.append(f"<div class='card {s}'><b>{int(counts.get(s, 0))}</b>"
                         f"{_e(s.replace('_', ' '))}</div>")
        cards.append(f"<div class='card'><b>{len(c.alerts)}</b>alerts</div>")
        cards.append(f"<div class='card'><b>{len(c.recommendations)}</b>budget moves</div>")
        as_of = f"Data up to {_e(_date(c.as_of))}. "
    else:
        as_of = ""
    errors = sum(f.severity == "error" for f in findings)
    cards.append(f"<div class='card{' error' if errors else ''}'><b>{errors}</b>"
                 f"plan errors</div>")
    return (f"<p>{as_of}Plan <code>{_e(p['id'] or DASH)}</code>, {_e(_plan_line(p))}.</p>"
            f"<div class='cards'>{''.join(cards)}</div>")


#: How the economics' figures are written.
_ECONOMICS_KIND = {"average_order_value": "money", "margin": "percent"}


def _plan_rows(p: dict) -> List[tuple]:
    """The plan summary's rows (label, text), for HTML and Markdown."""
    cur = p["currency"]
    econ = p["economics"]
    return [("Horizon", f"{_date(p['horizon']['start'])} to {_date(p['horizon']['end'])}"),
            ("Revision and stage", _plan_line(p)),
            ("Currency", cur or "none stated (amounts without a unit)"),
            ("Budget (resources)", _num(p["budget"], "money", cur)),
            ("Planned in tactics", _num(p["planned_budget"], "money", cur)),
            ("People-hours per week", _num(p["people_hours_per_week"], "count")),
            ("Economics", ", ".join(
                f"{_title(k)} {_num(v, _ECONOMICS_KIND.get(k, 'number'), cur, True)}"
                for k, v in econ.items()) or DASH),
            ("Contents", ", ".join(f"{n} {k}" for k, n in p["counts"].items()))]


def _plan_summary(p: dict) -> str:
    return ("<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>"
                                for k, v in _plan_rows(p)) + "</table>")


_FUNNEL_NOTE = ("Each stage is counted in its own unit (see “Counted in”): visitors, "
                "sessions, orders and customers are different things, so the rate from "
                "the previous step is a ratio of two counts, not the share of the same "
                "people who went on.")


def _control_sections(c, charts: Dict[str, dict], ctx: _Ctx) -> List[str]:
    out = ["<h2 id='kpis'>KPIs against their targets</h2>",
           f"<p>Status as of {_e(_date(c.as_of))}: the value to date against the target, "
           f"and where a straight-line trend leads by the deadline with its "
           f"{_num(c.level, 'percent', stated=True)} "
           f"range. Grey band: control limits; dashed: target; dotted: trend and "
           f"projection; red rings: periods outside the limits.</p>"]
    for row in c.kpis.to_dict("records"):
        st = row["status"]
        out.append(f"<h3>{_e(row['objective'])}: {_e(_kpi_name(row['kpi'], ctx.doc))} "
                   f"<span class='{_e(st)}'>{_e(_status(st))}</span></h3>")
        chart = charts.get(row["objective"])
        svg = _svg_kpi(row, chart, c.as_of, ctx) if chart is not None else ""
        out.append(f"<div class='kpi'>{svg}<div class='rule'>"
                   f"<p class='headline'>{_e(_headline(row, ctx))}</p>"
                   f"<details><summary>How this was decided</summary>"
                   f"<p>{_e(_decided(row, ctx, c.level))}</p></details></div></div>")
    out.append(_grid(_rows(c.scoreboard), _columns("scoreboard", ctx), "5S scoreboard",
                     anchor="scoreboard"))
    funnel = c.race_funnel
    out.append("<h2 id='funnel'>RACE funnel</h2>")
    if len(funnel):
        out.append(_svg_funnel(funnel, ctx))
        out.append(f"<p>{_e(_FUNNEL_NOTE)}</p>")
    out.append(_grid(_rows(funnel), _columns("race_funnel", ctx), "RACE funnel, numbers",
                     level=3))
    for key, analysis in ANALYSES.items():
        out += analysis.html(c.parts.get(key), ctx)
    out.append(_grid(_rows(c.recommendations), _columns("recommendations", ctx),
                     "Recommendations", anchor="recommendations"))
    out.append(_grid(_rows(c.alerts), _columns("alerts", ctx), "Alerts", anchor="alerts"))
    out.append("<h2 id='data-findings'>Data findings</h2>")
    if c.findings:
        out.append("<ul>" + "".join(f"<li>{_e(f['objective']) + ': ' if f['objective'] else ''}{_e(f['message'])}</li>"
                                    for f in c.findings) + "</ul>")
    else:
        out.append("<p>None.</p>")
    return out


def _control_markdown(c, ctx: _Ctx) -> List[str]:
    """The Control stage in Markdown, with the same sentences, titles and numbers as
    the HTML page."""
    lines = [f"## KPIs against their targets (as of {_date(c.as_of)})", ""]
    kpis = _rows(c.kpis)
    lines += _md_grid(kpis, [
        ("Objective", lambda r: _text(r["objective"]), False),
        ("KPI", lambda r: _kpi_name(r["kpi"], ctx.doc), False),
        ("Value to date", lambda r: ctx.num(r["value"], ctx.kind(r["kpi"])), True),
        ("Target", lambda r: ctx.num(r["target"], ctx.kind(r["kpi"]), True), True),
        ("Status", lambda r: _status(r["status"]), False),
        ("Projected at deadline", lambda r: (
            DASH if not _defined(r["projected"]) else
            f"{ctx.num(r['projected'], ctx.kind(r['kpi']))} "
            f"({ctx.range(r['projected_low'], r['projected_high'], ctx.kind(r['kpi']))})"),
         True)])
    for r in kpis:
        lines += ["", f"### {_md(r['objective'])}: {_md(_kpi_name(r['kpi'], ctx.doc))}", "",
                  _md(_headline(r, ctx)), "",
                  "<details><summary>How this was decided</summary>", "",
                  _md(_decided(r, ctx, c.level)), "", "</details>"]
    def table(title, frame, name):
        return ["", f"## {title}", ""] + _md_grid(_rows(frame), _columns(name, ctx))

    lines += table("5S scoreboard", c.scoreboard, "scoreboard")
    lines += table("RACE funnel", c.race_funnel, "race_funnel")
    if len(c.race_funnel):
        lines += ["", _FUNNEL_NOTE]
    for key, analysis in ANALYSES.items():
        lines += [""] + analysis.markdown(c.parts.get(key), ctx)
    lines += table("Recommendations", c.recommendations, "recommendations")
    lines += table("Alerts (periods outside their control limits)", c.alerts, "alerts")
    lines += ["", "## Data findings", ""]
    lines += ([f"- {_md(f['objective']) + ': ' if f['objective'] else ''}{_md(f['message'])}" for f in c.findings]
              or ["None."])
    return lines


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
    labels = [r.id if r.kind == "tactic" else f"  {r.id}" for r in s.itertuples()]
    # the names' column is as wide as the longest name; the width of the picture is
    # computed from every label's extent, so that none is clipped (the last month's
    # label used to run past a fixed 900 px)
    left = max(170.0, 12 + max(_text_span(0, lab, 12, bold=True)[1] for lab in labels))
    plot, row_h, top = 720, 22, 28
    right = left + plot + 10
    height = top + row_h * len(s) + 10
    x = _Scale(_days(d0), _days(d1), left, left + plot)
    parts, extent = [], right
    for m in _month_ticks(d0, d1):
        px = x(_days(m))
        text = m.strftime("%b %Y")
        extent = max(extent, _text_span(px + 2, text, 11)[1])
        parts.append(f"<line x1='{px:.1f}' y1='{top - 6}' x2='{px:.1f}' y2='{height - 8}' "
                     f"stroke='#eaeef2'/><text x='{px + 2:.1f}' y='{top - 10}' "
                     f"font-size='11' fill='#57606a'>{_e(text)}</text>")
    for i, (r, label) in enumerate(zip(s.itertuples(), labels)):
        y = top + i * row_h
        x0, x1 = x(_days(r.start)), x(_days(r.end + pd.Timedelta(days=1)))
        color = "#cf222e" if r.critical else ("#0969da" if r.kind == "tactic" else "#8c959f")
        weight = "bold" if r.kind == "tactic" else "normal"
        parts.append(
            f"<text x='{left - 6:.0f}' y='{y + 15}' font-size='12' text-anchor='end' "
            f"font-weight='{weight}' xml:space='preserve'>{_e(label)}</text>"
            f"<rect x='{x0:.1f}' y='{y + 4}' width='{max(x1 - x0, 1.5):.1f}' "
            f"height='{row_h - 8}' rx='3' fill='{color}'><title>{_e(r.id)}: "
            f"{_e(_date(r.start))} to {_e(_date(r.end))}, slack {int(r.slack_days)} "
            f"day(s){', critical' if r.critical else ''}</title></rect>")
    if as_of is not None and d0 <= as_of <= d1:
        px = x(_days(as_of))
        text = f"as of {_date(as_of)}"
        extent = max(extent, _text_span(px + 3, text, 11)[1])
        parts.append(f"<line x1='{px:.1f}' y1='{top - 6}' x2='{px:.1f}' y2='{height - 8}' "
                     f"stroke='#1f2328' stroke-dasharray='4 3'/><text x='{px + 3:.1f}' "
                     f"y='{height - 10}' font-size='11'>{_e(text)}</text>")
    return _svg_open(extent + 4, height, "Gantt chart") + "".join(parts) + "</svg>"


def _svg_kpi(row: dict, ch: dict, as_of, ctx: Optional["_Ctx"] = None) -> str:
    import pandas as pd

    ctx = ctx or _Ctx({})
    kind = ctx.kind(row["kpi"])

    def tick(v: float) -> str:  # an axis label: the KPI's unit, 3 digits
        return f"{_digits(100 * v, 3)} %" if kind == "percent" else (
            ctx.num(v, kind, True) if kind == "money" else _fmt(v, 3))

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
         f"height='{h}' role='img' aria-label='{_e(_kpi_name(row['kpi'], ctx.doc))} against its "
         f"target'>"]
    for t in _nice_ticks(lo - pad, hi + pad):
        py = y(t)
        p.append(f"<line x1='{left}' y1='{py:.1f}' x2='{w - right}' y2='{py:.1f}' "
                 f"stroke='#eaeef2'/><text x='{left - 4}' y='{py + 4:.1f}' font-size='10' "
                 f"text-anchor='end' fill='#57606a'>{_e(tick(t))}</text>")
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
             f"<title>target {_e(ctx.num(row['target'], kind))}</title></line>")
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
                     f"{_e(ctx.num(ch['projected'], kind))} "
                     f"({_e(ctx.range(ch['projected_low'], ch['projected_high'], kind))}) "
                     f"by {_e(_date(ch['deadline']))}"
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
                 f"<title>{_e(ctx.period(per))}: {_e(ctx.num(v, kind))} "
                 f"({_e(ctx.range(l_, u_, kind))})"
                 f"</title></circle>")
    if as_of is not None:
        px = x(_days(as_of))
        p.append(f"<line x1='{px:.1f}' y1='{top}' x2='{px:.1f}' y2='{h - bottom}' "
                 f"stroke='#1f2328' stroke-dasharray='1 3'/>")
    p.append("</svg>")
    return "".join(p)


def _svg_funnel(funnel, ctx: Optional["_Ctx"] = None) -> str:
    ctx = ctx or _Ctx({})
    rows = funnel.to_dict("records")
    row_h, bars = 40, 420
    units = [_funnel_unit(r["measure"]) for r in rows]
    left = 16 + max([150.0] + [_text_span(0, r["stage"], 13, bold=True)[1] for r in rows]
                    + [_text_span(0, u, 10)[1] for u in units])
    h = row_h * len(rows) + 10
    top = max(r["count"] for r in rows) or 1.0
    p, extent = [], left + bars
    for i, (r, unit) in enumerate(zip(rows, units)):
        bw = max(bars * r["count"] / top, 1.0)
        y = 5 + i * row_h
        x0 = left + (bars - bw) / 2
        rate = r["rate_from_previous"]
        label = ctx.num(r["count"], "count") + (
            "" if not _defined(rate) else f" ({ctx.num(rate, 'percent')} of previous step)")
        extent = max(extent, _text_span(left + bars + 10, label, 12)[1])
        p.append(f"<text x='{left - 8:.0f}' y='{y + 17}' font-size='13' text-anchor='end' "
                 f"font-weight='bold'>{_e(r['stage'])}</text>"
                 f"<text x='{left - 8:.0f}' y='{y + 30}' font-size='10' text-anchor='end' "
                 f"fill='#57606a'>{_e(unit)}</text>"
                 f"<rect x='{x0:.1f}' y='{y + 5}' width='{bw:.1f}' height='{row_h - 12}' "
                 f"rx='3' fill='#0969da' opacity='{0.9 - 0.15 * i:.2f}'><title>"
                 f"{_e(r['stage'])}: {_e(ctx.num(r['count'], 'count'))} {_e(unit)}"
                 f"</title></rect>"
                 f"<text x='{left + bars + 10:.0f}' y='{y + 23}' font-size='12'>"
                 f"{_e(label)}</text>")
    return _svg_open(extent + 6, h, "RACE funnel") + "".join(p) + "</svg>"


