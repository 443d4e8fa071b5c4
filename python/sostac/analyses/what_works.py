"""What works: the channels by CPA against the break-even CPA and by ROAS, from the
daily data's channel, cost, orders and revenue columns (``ControlResult.what_works``)."""

from __future__ import annotations

from typing import Any, List, Optional

import numpy as np

from .._render import (DASH, _Column, _Ctx, _defined, _e, _grid, _md_grid, _nice_ticks,
                       _rows, _Scale, _svg_open, _text, _text_span)
from ._base import Analysis, Inputs


WHAT_WORKS_COLUMNS = ["channel", "tactics", "cost", "orders", "revenue", "cpa", "cpa_low",
                      "cpa_high", "break_even_cpa", "roas", "roas_low", "roas_high", "verdict",
                      "attribution", "last_touch_orders", "last_touch_cpa",
                      "last_touch_verdict"]


def _what_works(doc: dict, df, channel: str, time: str, level: float, findings: list):
    """Channels by CPA against break-even and by ROAS (see ControlResult)."""
    import pandas as pd

    from ..control import _whole_period_table

    need = [channel, "cost", "orders"]
    if not all(c in df.columns for c in need) or len(df) == 0:
        return pd.DataFrame(columns=WHAT_WORKS_COLUMNS)
    kpis = ["cpa"] + (["roas"] if "revenue" in df.columns else [])
    try:
        t = _whole_period_table(df, kpis, (channel,), level)
    except ValueError as exc:
        findings.append({"objective": "", "message": f"what works: {exc}"})
        return pd.DataFrame(columns=WHAT_WORKS_COLUMNS)
    economics = (doc.get("plan", {}) or {}).get("economics") or {}
    aov, margin = economics.get("average_order_value"), economics.get("margin")
    break_even = float(aov) * float(margin) if aov is not None and margin is not None else np.nan
    tactics: dict = {}
    for tac in doc.get("tactics", []) or []:
        tactics.setdefault(str(tac.get("channel")), []).append(str(tac.get("id")))
    rows = []
    for ch, g in t.groupby(channel, sort=False):
        cpa = g[g["kpi"] == "cpa"].iloc[0]
        roas = g[g["kpi"] == "roas"].iloc[0] if "roas" in kpis else None
        orders, cost = float(cpa["denominator"]), float(cpa["numerator"])
        if cost == 0:
            verdict = "no spend"
        elif orders == 0:
            verdict = "no orders"
        elif not np.isfinite(break_even):
            verdict = "no break-even"
        elif cpa["high"] < break_even:
            verdict = "profitable"
        elif cpa["low"] > break_even:
            verdict = "losing"
        else:
            verdict = "unclear"
        rows.append({"channel": ch, "tactics": ",".join(tactics.get(str(ch), [])),
                     "cost": cost, "orders": orders,
                     "revenue": float(roas["numerator"]) if roas is not None else np.nan,
                     "cpa": float(cpa["value"]), "cpa_low": float(cpa["low"]),
                     "cpa_high": float(cpa["high"]), "break_even_cpa": break_even,
                     "roas": float(roas["value"]) if roas is not None else np.nan,
                     "roas_low": float(roas["low"]) if roas is not None else np.nan,
                     "roas_high": float(roas["high"]) if roas is not None else np.nan,
                     "verdict": verdict, "attribution": "last",
                     "last_touch_orders": orders, "last_touch_cpa": float(cpa["value"]),
                     "last_touch_verdict": verdict})
    out = pd.DataFrame(rows, columns=WHAT_WORKS_COLUMNS)
    return _sorted(out)


def _sorted(out):
    # best first: by CPA (channels without spend or orders last), ties by ROAS
    key = out["cpa"].where((out["orders"] > 0) & (out["cost"] > 0), np.inf)
    return out.assign(_k=key).sort_values(["_k", "roas"], ascending=[True, False],
                                          kind="stable").drop(columns="_k").reset_index(drop=True)


def _under_model(out, inputs: Inputs):
    """What works under the attribution model of ``touchpoints=`` (docs/attribution.md,
    "Attribution in the Control stage"): orders and revenue are the model's, the CPA and
    ROAS intervals its bootstrap's; the last_touch_* columns keep the daily data's."""
    from .attribution import break_even_cpa, model_rows

    credit = model_rows(inputs) if len(out) else None
    if credit is None:
        return out
    model = inputs.extra["attribution"]["model"]
    be = break_even_cpa(inputs.plan)
    rows = []
    for r in out.to_dict("records"):
        c = credit.get(str(r["channel"]), {"orders": 0.0, "revenue": 0.0, "orders_low": 0.0,
                                           "orders_high": 0.0, "revenue_low": 0.0,
                                           "revenue_high": 0.0})
        cost = float(r["cost"])
        orders = c["orders"]

        def per(a, b):
            return a / b if b > 0 else np.nan
        low, high = per(cost, c["orders_high"]), per(cost, c["orders_low"])
        if cost == 0:
            verdict = "no spend"
        elif orders == 0:
            verdict = "no orders"
        elif not np.isfinite(be):
            verdict = "no break-even"
        elif np.isfinite(high) and high < be:
            verdict = "profitable"
        elif low > be:
            verdict = "losing"
        else:
            verdict = "unclear"
        r.update({"orders": orders, "revenue": c["revenue"],
                  "cpa": per(cost, orders) if cost > 0 else np.nan,
                  "cpa_low": low if cost > 0 else np.nan,
                  "cpa_high": (high if np.isfinite(high) else np.inf) if cost > 0 else np.nan,
                  "roas": per(c["revenue"], cost), "roas_low": per(c["revenue_low"], cost),
                  "roas_high": per(c["revenue_high"], cost), "verdict": verdict,
                  "attribution": model})
        rows.append(r)
    import pandas as pd

    return _sorted(pd.DataFrame(rows, columns=WHAT_WORKS_COLUMNS))


def _svg_what_works(works, ctx: Optional["_Ctx"] = None) -> str:
    ctx = ctx or _Ctx({})
    rows = [r for r in works.to_dict("records") if r["orders"] > 0 and r["cost"] > 0]
    if not rows:
        return ""
    row_h, right = 26, 30
    left = 16 + max([134.0] + [_text_span(0, r["channel"], 12)[1] for r in rows])
    w = left + 610 + right
    h = row_h * len(rows) + 40
    be = rows[0]["break_even_cpa"]
    vals = [v for r in rows for v in (r["cpa_low"], r["cpa_high"]) if np.isfinite(v)]
    if np.isfinite(be):
        vals.append(be)
    x = _Scale(0.0, max(vals) * 1.05, left, w - right)
    color = {"profitable": "#1a7f37", "losing": "#cf222e"}
    p, extent = [], w
    for t in _nice_ticks(0.0, max(vals) * 1.05):
        text = ctx.num(t, "money", True)
        extent = max(extent, _text_span(x(t), text, 10, "middle")[1])
        p.append(f"<text x='{x(t):.1f}' y='{h - 6}' font-size='10' text-anchor='middle' "
                 f"fill='#57606a'>{_e(text)}</text>")
    for i, r in enumerate(rows):
        y = 10 + i * row_h + row_h / 2
        c = color.get(r["verdict"], "#57606a")
        p.append(f"<text x='{left - 8:.0f}' y='{y + 4:.1f}' font-size='12' text-anchor='end'>"
                 f"{_e(r['channel'])}</text>"
                 f"<line x1='{x(r['cpa_low']):.1f}' y1='{y:.1f}' x2='{x(r['cpa_high']):.1f}' "
                 f"y2='{y:.1f}' stroke='{c}' stroke-width='2'/>"
                 f"<circle cx='{x(r['cpa']):.1f}' cy='{y:.1f}' r='4' fill='{c}'><title>"
                 f"{_e(r['channel'])}: CPA {_e(ctx.num(r['cpa'], 'money'))} "
                 f"({_e(ctx.range(r['cpa_low'], r['cpa_high'], 'money'))}), "
                 f"{_e(r['verdict'])}</title></circle>")
    if np.isfinite(be):
        text = f"break-even CPA {ctx.num(be, 'money')}"
        extent = max(extent, _text_span(x(be) + 4, text, 11)[1])
        p.append(f"<line x1='{x(be):.1f}' y1='4' x2='{x(be):.1f}' y2='{h - 20}' "
                 f"stroke='#1f2328' stroke-dasharray='5 3'/><text x='{x(be) + 4:.1f}' "
                 f"y='{h - 22}' font-size='11'>{_e(text)}</text>")
    return (_svg_open(extent + 4, h, "CPA by channel against break-even") + "".join(p)
            + "</svg>")


class WhatWorks(Analysis):
    """ControlResult.what_works: channels ranked by CPA against the break-even CPA
    (average order value x margin, from the plan's economics) and by ROAS, with
    intervals and a verdict."""

    key = "what_works"
    title = "What works"
    anchor = "what-works"

    def run(self, inputs: Inputs) -> Any:
        out = _what_works(inputs.plan, inputs.data, inputs.channel, inputs.time,
                          inputs.level, inputs.findings)
        return _under_model(out, inputs)

    def columns(self, ctx: _Ctx, modelled: bool = False) -> List[_Column]:
        n, t = ctx.num, _text

        def spent(r):
            return _defined(r["cost"]) and r["cost"] > 0 and _defined(r["orders"]) \
                and r["orders"] > 0

        def cpa(r):
            if not spent(r):
                return DASH
            return f"{n(r['cpa'], 'money')} ({ctx.range(r['cpa_low'], r['cpa_high'], 'money')})"

        def roas(r):
            if not (_defined(r["cost"]) and r["cost"] > 0) or not _defined(r["roas"]):
                return DASH
            return f"{n(r['roas'], 'ratio')} ({ctx.range(r['roas_low'], r['roas_high'], 'ratio')})"
        cols = [("Channel", lambda r: t(r["channel"]), False),
                ("Tactics", lambda r: t(str(r["tactics"]).replace(",", ", ")), False),
                ("Cost", lambda r: n(r["cost"], "money"), True),
                ("Orders", lambda r: n(r["orders"], "count"), True),
                ("Revenue", lambda r: n(r["revenue"], "money"), True),
                ("CPA (range)", cpa, True),
                ("Break-even CPA", lambda r: n(r["break_even_cpa"], "money"), True),
                ("ROAS (range)", roas, True),
                ("Verdict", lambda r: t(r["verdict"]), False)]
        if modelled:  # the daily data's last touch beside the model's numbers
            cols += [("Orders, last touch", lambda r: n(r["last_touch_orders"], "count"), True),
                     ("Verdict, last touch", lambda r: t(r["last_touch_verdict"]), False)]
        return cols

    def html(self, part: Any, ctx: _Ctx) -> List[str]:
        out = [f"<h2 id='{self.anchor}'>{_e(self.title)}</h2>"]
        model = _model_of(part)
        if model:
            out.append(f"<p>{_e(_basis(model))}</p>")
        if part is not None and len(part):
            out.append(_svg_what_works(part, ctx))
        out.append(_grid(_rows(part), self.columns(ctx, bool(model)),
                         "Channels by CPA against break-even, and ROAS", level=3))
        return out

    def markdown(self, part: Any, ctx: _Ctx) -> List[str]:
        model = _model_of(part)
        return (["## What works: channels by CPA against break-even, and ROAS", ""]
                + ([_basis(model), ""] if model else [])
                + _md_grid(_rows(part), self.columns(ctx, bool(model))))


def _model_of(part) -> str:
    """The attribution model of a what-works table ("" for the daily data's last touch)."""
    if part is None or not len(part) or "attribution" not in part.columns:
        return ""
    model = str(part["attribution"].iloc[0])
    return "" if model == "last" else model


def _basis(model: str) -> str:
    from .attribution import MODEL_NAMES

    return (f"Orders and revenue are credited by the {MODEL_NAMES.get(model, model)} model "
            f"of the touchpoint log; CPA and ROAS ranges are its bootstrap intervals. The "
            f"daily data's last-touch orders and verdict are beside them.")
