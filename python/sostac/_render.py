"""What every part of the report renders with: escaping, the one number formatter
(:func:`_num`), dates, KPI names and kinds, tables (HTML and Markdown) and the SVG
primitives. The report (:mod:`sostac.report`) and each analysis's section
(:mod:`sostac.analyses`) use the same functions, so a number reads the same everywhere.
"""

from __future__ import annotations

import html
import math
from typing import Any, Dict, List, Optional

import numpy as np

from .control import _json_value as _clean


# -- helpers: values ----------------------------------------------------------------------
def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _records(frame) -> list:
    if frame is None:
        return []
    return [{k: _clean(v) for k, v in r.items()} for r in frame.to_dict("records")]


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


def _digits(x: float, significant: int, strip: bool = True) -> str:
    """x with `significant` digits, thousands separators, never in e-notation; trailing
    zeros dropped when ``strip`` (2.60 -> 2.6, 40.0 -> 40)."""
    if x == 0:
        return "0"
    if abs(x) >= 10 ** (significant - 1):
        return f"{x:,.0f}"
    decimals = min(8, significant - 1 - math.floor(math.log10(abs(x))))
    text = f"{x:,.{decimals}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _num(v: Any, kind: str = "number", currency: Optional[str] = None,
         stated: bool = False) -> str:
    """The report's one number formatter (HTML, Markdown and chart labels alike).

    kind: "count" (whole, thousands separators: 1,528,293), "money" (the plan's
    currency: 24.77 as "\u00a324.77", 37,262.8 as "\u00a337,263"), "percent" (a share:
    0.0217 as "2.17 %", 3 significant digits), "ratio" (3 significant digits: 3.17),
    "number" (4 significant digits, trailing zeros dropped),
    "seconds", "p" (a p-value: "< 0.001" or three decimals), "prob" (a probability as
    a percentage, "> 99.9 %" at the ends) and "signed" (+8.29). Anything undefined
    (None, NaN, infinite) is an en dash. ``stated``: a figure the plan states (a
    target, a baseline), written without trailing zeros (2.6 %, not 2.60 %).
    """
    if not _defined(v):
        return DASH
    x = float(v)
    if kind == "count":
        return f"{x:,.0f}" if abs(x) >= 100 or x == round(x) else _digits(x, 3)
    if kind == "money":
        whole = abs(x) >= 1000 or (stated and x == round(x))
        amount = f"{abs(x):,.0f}" if whole else f"{abs(x):,.2f}"
        code = (currency or "").upper()
        unit = _CURRENCY_SYMBOL.get(code, f"{code} " if code else "")
        return ("-" if x < 0 else "") + unit + amount
    if kind == "percent":
        return f"{_digits(100 * x, 3, stated)} %"
    if kind == "ratio":
        return _digits(x, 3, stated)
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


class _Ctx:
    """What the formatters need to know about the plan and the data: the plan's
    document (KPI definitions), its currency and the first day of the data."""

    def __init__(self, doc: dict, currency: Optional[str] = None, data_start: Any = None):
        self.doc, self.currency, self.data_start = doc, currency, data_start

    def num(self, v: Any, kind: str = "number", stated: bool = False) -> str:
        return _num(v, kind, self.currency, stated)

    def kind(self, kpi: Any) -> str:
        return _kpi_kind(kpi, self.doc)

    def range(self, lo: Any, hi: Any, kind: str) -> str:
        """"2.38–2.77 %", "£26.12–£37.73", "64,221–89,336"."""
        if not (_defined(lo) and _defined(hi)):
            return DASH
        if kind == "percent":
            low, high = (_digits(100 * float(v), 3, False) for v in (lo, hi))
            return f"{low}\u2013{high} %"
        return f"{self.num(lo, kind)}\u2013{self.num(hi, kind)}"

    def period(self, v: Any) -> str:
        """A period's first day with data: a week that began before the data did is
        named by the data's first day (the period label itself is the week's Monday)."""
        import pandas as pd

        if self.data_start is not None and v is not None and not pd.isna(v):
            ts = pd.Timestamp(v)
            naive = ts.tz_localize(None) if ts.tzinfo is not None else ts
            if naive < self.data_start:
                v = self.data_start
        return _date(v)


def _text(v: Any) -> str:
    """A text cell: None and NaN as an en dash, dates as "30 Jun 2027"."""
    import pandas as pd

    if v is None or (isinstance(v, float) and not math.isfinite(v)) or v is pd.NaT:
        return DASH
    if hasattr(v, "isoformat"):
        return _date(v)
    text = str(v)
    return text if text.strip() else DASH


def _status(v: Any) -> str:
    return DASH if v is None else str(v).replace("_", " ")


#: A table column: title, the cell from a row (a dict), right-aligned (numbers).
_Column = tuple


def _grid(rows: list, columns: List[_Column], title: str, level: int = 2,
          anchor: str = "") -> str:
    """An HTML table (escaped) under a heading; "None." when there are no rows."""
    ident = f" id='{_e(anchor)}'" if anchor else ""
    head = f"<h{level}{ident}>{_e(title)}</h{level}>"
    if not rows:
        return head + "<p>None.</p>"
    num = " class='num'"
    th = "".join(f"<th{num if right else ''}>{_e(name)}</th>"
                 for name, _, right in columns)
    body = "".join("<tr>" + "".join(f"<td{num if right else ''}>{_e(cell(r))}</td>"
                                    for _, cell, right in columns) + "</tr>" for r in rows)
    return f"{head}<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _md_grid(rows: list, columns: List[_Column]) -> List[str]:
    """The same table in Markdown (pipes escaped)."""
    if not rows:
        return ["None."]
    out = ["| " + " | ".join(_md(name) for name, _, _ in columns) + " |",
           "|" + "|".join("---:" if right else "---" for _, _, right in columns) + "|"]
    out += ["| " + " | ".join(_md(cell(r)) for _, cell, _ in columns) + " |" for r in rows]
    return out


def _rows(frame) -> list:
    return [] if frame is None else frame.to_dict("records")


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


def _text_span(x: float, text: str, size: float, anchor: str = "start",
               bold: bool = False) -> tuple:
    """The horizontal extent (left, right) an SVG text takes: DejaVu Sans and Arial
    average about 0.6 em a character (0.66 em in bold); the estimate errs wide, so
    that the width computed from it never clips a label."""
    width = len(str(text)) * size * (0.66 if bold else 0.62)
    if anchor == "end":
        return x - width, x
    if anchor == "middle":
        return x - width / 2, x + width / 2
    return x, x + width


def _svg_open(width: float, height: float, label: str) -> str:
    w = int(math.ceil(width))
    return (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {w} {height}' "
            f"width='{w}' height='{height}' role='img' aria-label='{_e(label)}'>")
