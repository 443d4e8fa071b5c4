"""Attribution: the channels' conversions under a model that sees whole journeys, from a
touchpoint log (``ControlResult.attribution``; docs/attribution.md, "Attribution in
the Control stage").

The daily data credit each order to the channel of the session that placed it: last
touch, by construction. Given ``touchpoints=`` (a touchpoint log or a path table),
this analysis builds the journeys up to the as-of day and credits the conversions
under every model (first, last, linear, position based, time decay, Markov order 1,
Shapley); "what works" then judges each channel's CPA and ROAS under the model chosen
with ``attribution=`` (default "markov"), with last touch beside it, and the
recommendations rest on that model. The rules:

- the touchpoint log passes the input layer; rows after the as-of day are left out,
  so journeys end at the as-of day (touches after a user's last conversion form a
  non-converting journey);
- a channel's cost is its cost in the daily data up to the as-of day; its CPA under a
  model is that cost over the model's conversions, its ROAS the model's value over
  the cost;
- the interval of a model's conversions (and so of its CPA and ROAS) is a seeded
  Poisson bootstrap over the journeys of the distinct paths (each path's conversions
  and nulls resampled as Poisson counts, values in proportion; BOOTSTRAP replicates,
  the percentile interval at the report's level; :func:`sostac.attribution.bootstrap`,
  in C++, the same for any thread count): it carries the journeys' sampling noise and
  the model's dependence on it, not the choice of model;
- the verdict follows what works' rule: profitable when the CPA's upper bound is below
  the break-even CPA, losing when its lower bound is above.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from ._base import Analysis, Inputs

#: The models compared, in the report's order, and their names.
MODELS = ("last", "first", "linear", "position", "time_decay", "markov", "shapley")
MODEL_NAMES = {"last": "last touch", "first": "first touch", "linear": "linear",
               "position": "position based (40/20/40)", "time_decay": "time decay",
               "markov": "Markov chain (order 1)", "shapley": "Shapley value",
               "last_non_direct": "last non-direct touch"}
#: ... and their column titles in the report's tables
SHORT_NAMES = {"last": "Last touch", "first": "First touch", "linear": "Linear",
               "position": "Position", "time_decay": "Time decay", "markov": "Markov",
               "shapley": "Shapley", "last_non_direct": "Last non-direct"}
HEURISTICS = ("last", "first", "linear", "position", "time_decay")
BOOTSTRAP = 200       # replicates of the Poisson bootstrap over paths
SEED = 20270101       # its seed: the same intervals on every run


def _credit(paths, models) -> Any:
    """One table: channel, then ``{model}_conversions`` and ``{model}_value`` for each
    model (:func:`sostac.attribution.compare`)."""
    from .. import attribution as at

    return at.compare(paths, models=tuple(models)).to_frame()


def _bootstrap(paths, model: str, channels: List[str], level: float):
    """(low, high) of the model's conversions and value per channel (in the order of
    ``channels``; 0 for a channel the path table lacks): the seeded Poisson bootstrap
    over the journeys of :func:`sostac.attribution.bootstrap` (C++, the same for any
    thread count; see the module docstring)."""
    from ..attribution import bootstrap

    b = bootstrap(paths, model=model, replicates=BOOTSTRAP, level=level, seed=SEED)
    b = b.set_index("channel").reindex(channels)

    def col(name: str) -> np.ndarray:
        return b[name].fillna(0.0).to_numpy(dtype=float)

    return (col("conversions_low"), col("conversions_high"), col("value_low"),
            col("value_high"))


def _verdict(cost: float, orders: float, cpa_low: float, cpa_high: float,
             break_even: float) -> str:
    if cost == 0:
        return "no spend"
    if orders == 0:
        return "no orders"
    if not np.isfinite(break_even):
        return "no break-even"
    if cpa_high < break_even:
        return "profitable"
    if cpa_low > break_even:
        return "losing"
    return "unclear"


class AttributionResult:
    """ControlResult.attribution: the journeys up to the as-of day and the channels'
    credit under each model.

    Attributes
    ----------
    model : str
        The model what works and the recommendations rest on (``attribution=``).
    paths : pandas.DataFrame
        The path table (path, conversions, value, nulls).
    journeys : dict
        paths (distinct), conversions, value, nulls, mean_length, and from a log the
        unattributed conversions (no touch before them) and the users.
    assists : pandas.DataFrame
        Per channel last-interaction, assisted and first-interaction conversions and the
        assist ratio with its interval (:func:`sostac.attribution.assists`).
    comparison : pandas.DataFrame
        Per channel the conversions and value under every model (``{model}_conversions``,
        ``{model}_value``).
    cpa : pandas.DataFrame
        Per channel and model: cost, conversions, CPA, ROAS and the verdict against the
        break-even CPA; the chosen model's rows carry the bootstrap interval.
    removal_effects : pandas.DataFrame
        The Markov chain's removal effects (channel, removal_effect, conversions, value).
    """

    def __init__(self, **parts: Any) -> None:
        self.__dict__.update(parts)

    def to_dict(self) -> dict:
        from .._render import _records

        return {"model": self.model, "model_name": MODEL_NAMES.get(self.model, self.model),
                "as_of": str(self.as_of.date()), "journeys": self.journeys,
                "assists": _records(self.assists), "comparison": _records(self.comparison),
                "cpa": _records(self.cpa), "removal_effects": _records(self.removal_effects),
                "notes": list(self.notes)}

    def to_frame(self):
        """The model comparison (one row per channel)."""
        return self.comparison.copy()

    def __repr__(self) -> str:
        j = self.journeys
        return (f"<AttributionResult {MODEL_NAMES.get(self.model, self.model)}: "
                f"{j['conversions']:,.0f} conversions on {j['paths']:,} distinct paths, "
                f"{len(self.comparison)} channels>")

    def _repr_html_(self) -> str:
        from .._render import _Ctx

        return "".join(_html(self, _Ctx({}), "Attribution", "attribution"))


class Attribution(Analysis):
    """ControlResult.attribution, and the model what works rests on, from
    ``touchpoints=``."""

    key = "attribution"
    title = "Attribution: which channels earn the conversions"
    anchor = "attribution"

    def prepare(self, inputs: Inputs, given: Dict[str, Any]) -> None:
        touches = given.get("touchpoints")
        model = given.get("attribution") or "markov"
        if touches is None:
            return
        from .. import attribution as at
        from .. import io as _io
        from .._core import InputError

        if model not in MODEL_NAMES:
            raise InputError(f"attribution: expected one of {sorted(MODEL_NAMES)}, got "
                             f"{model!r}")
        raw = _io.to_pandas(touches)
        journeys: Dict[str, Any] = {}
        if "path" in raw.columns:  # a path table (sostac's or ChannelAttribution's)
            if "total_conversions" in raw.columns:
                table = at.read_paths(raw, value="total_conversion_value"
                                      if "total_conversion_value" in raw.columns else None)
            else:
                table = at.read_paths(raw, conversions="conversions",
                                      value="value" if "value" in raw.columns else None,
                                      nulls="nulls")
        else:
            user = given.get("user", "user_id")
            time = given.get("touch_time", "timestamp")
            channel = given.get("touch_channel", inputs.channel)
            conversion = given.get("conversion", "conversion")
            value = given.get("touch_value", "value")
            for arg, col in (("user", user), ("touch_time", time), ("touch_channel", channel),
                             ("conversion", conversion)):
                if col not in raw.columns:
                    raise InputError(f"touchpoints: expected a {arg} column '{col}', found "
                                     f"{list(map(str, raw.columns))}")
            cleaned = _io.clean(raw, time=time, keys=[user, channel], measures=[],
                                time_unit=given.get("time_unit"), check_duplicates=False)
            frame = cleaned.frame
            for f in cleaned.findings:
                inputs.note(f"touchpoints: {f.message}")
            from .engage import _day_after

            frame = frame.loc[(frame[time] < _day_after(inputs.as_of)).to_numpy()]
            if len(frame) == 0:
                inputs.note(f"attribution: no touches up to {inputs.as_of.date()}")
                return
            table = at.paths(frame, user=user, time=time, channel=channel,
                             conversion=conversion,
                             value=value if value in frame.columns else None,
                             lookback=given.get("lookback", "30D"))
            journeys.update({k: table.attrs[k] for k in
                             ("users", "unattributed_conversions", "unattributed_value")
                             if k in table.attrs})
        if len(table) == 0 or float(table["conversions"].sum()) == 0:
            inputs.note("attribution: no conversion on any journey; attribution skipped")
            return
        inputs.extra["attribution"] = {"paths": table, "model": model,
                                       "journeys": journeys}

    def credit(self, inputs: Inputs):
        """The comparison table, computed once (what works reads it too)."""
        given = inputs.extra.get("attribution")
        if given is None:
            return None
        if "comparison" not in given:
            models = MODELS + (("last_non_direct",) if given["model"] == "last_non_direct"
                               else ())
            given["comparison"] = _credit(given["paths"], models)
            channels = given["comparison"]["channel"].tolist()
            given["interval"] = _bootstrap(given["paths"], given["model"], channels,
                                           inputs.level)
        return given

    def run(self, inputs: Inputs) -> Any:
        given = self.credit(inputs)
        if given is None:
            return None
        from .. import attribution as at

        paths, model, comparison = given["paths"], given["model"], given["comparison"]
        lengths = paths["path"].astype(str).str.count(">") + 1
        weight = paths["conversions"] + paths["nulls"]
        journeys = {"paths": int(len(paths)),
                    "conversions": float(paths["conversions"].sum()),
                    "value": float(paths["value"].sum()),
                    "nulls": float(paths["nulls"].sum()),
                    "mean_length": float((lengths * weight).sum() / weight.sum()),
                    **{k: (int(v) if float(v).is_integer() else float(v))
                       for k, v in given["journeys"].items()}}
        cpa = _cpa_table(inputs, comparison, model, given["interval"])
        notes = []
        if journeys.get("unattributed_conversions"):
            notes.append(f"{journeys['unattributed_conversions']:,} conversion(s) had no touch "
                         f"within the lookback window before them and are not attributed.")
        return AttributionResult(
            model=model, as_of=inputs.as_of, paths=paths, journeys=journeys,
            assists=at.assists(paths, level=inputs.level).to_frame(),
            comparison=comparison, cpa=cpa,
            removal_effects=at.markov(paths, order=1).removal_effects, notes=notes)

    def to_json(self, part: Any) -> Any:
        return None if part is None else part.to_dict()

    def html(self, part: Any, ctx: Any) -> List[str]:
        return [] if part is None else _html(part, ctx, self.title, self.anchor)

    def markdown(self, part: Any, ctx: Any) -> List[str]:
        return [] if part is None else _markdown(part, ctx, self.title)


def channel_costs(inputs: Inputs) -> Dict[str, float]:
    """Each channel's cost in the daily data up to the as-of day."""
    df = inputs.data
    if inputs.channel not in df.columns or "cost" not in df.columns:
        return {}
    cost = df.groupby(df[inputs.channel].astype(str), observed=True)["cost"].sum()
    return {str(k): float(v) for k, v in cost.items()}


def break_even_cpa(doc: dict) -> float:
    economics = (doc.get("plan", {}) or {}).get("economics") or {}
    aov, margin = economics.get("average_order_value"), economics.get("margin")
    return float(aov) * float(margin) if aov is not None and margin is not None else np.nan


def model_rows(inputs: Inputs) -> Optional[Dict[str, dict]]:
    """Per channel the chosen model's orders, revenue, CPA and ROAS with intervals, for
    what works; None without touchpoints."""
    given = ANALYSIS.credit(inputs)
    if given is None:
        return None
    comparison, model = given["comparison"], given["model"]
    lo_c, hi_c, lo_v, hi_v = given["interval"]
    costs = channel_costs(inputs)
    out = {}
    for i, r in enumerate(comparison.to_dict("records")):
        ch = str(r["channel"])
        cost = costs.get(ch, 0.0)
        conv = float(r[f"{model}_conversions"])
        val = float(r.get(f"{model}_value", np.nan))
        out[ch] = {"orders": conv, "revenue": val,
                   "orders_low": float(lo_c[i]), "orders_high": float(hi_c[i]),
                   "revenue_low": float(lo_v[i]), "revenue_high": float(hi_v[i]),
                   "cost": cost}
    return out


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else (np.inf if num > 0 else np.nan)


def _cpa_table(inputs: Inputs, comparison, model: str, interval) -> Any:
    import pandas as pd

    costs = channel_costs(inputs)
    be = break_even_cpa(inputs.plan)
    lo_c, hi_c, _, _ = interval
    rows = []
    models = [m for m in MODELS + ("last_non_direct",)
              if f"{m}_conversions" in comparison.columns]
    for i, r in enumerate(comparison.to_dict("records")):
        ch = str(r["channel"])
        cost = costs.get(ch, 0.0)
        for m in models:
            conv = float(r[f"{m}_conversions"])
            val = float(r.get(f"{m}_value", np.nan))
            cpa = _ratio(cost, conv) if cost > 0 else np.nan
            if m == model:  # the bootstrap interval, and what works' verdict
                low, high = _ratio(cost, float(hi_c[i])), _ratio(cost, float(lo_c[i]))
                verdict = _verdict(cost, conv, low, high, be)
            else:  # the other models: their point estimate against break-even
                low = high = np.nan
                verdict = _verdict(cost, conv, cpa, cpa, be).replace(
                    "profitable", "below break-even").replace("losing", "above break-even")
            rows.append({"channel": ch, "model": m, "cost": cost, "conversions": conv,
                         "value": val, "cpa": cpa, "cpa_low": low if cost > 0 else np.nan,
                         "cpa_high": high if cost > 0 else np.nan,
                         "roas": _ratio(val, cost) if cost > 0 else np.nan,
                         "break_even_cpa": be, "verdict": verdict})
    return pd.DataFrame(rows, columns=["channel", "model", "cost", "conversions", "value",
                                       "cpa", "cpa_low", "cpa_high", "roas",
                                       "break_even_cpa", "verdict"])


# -- rendering ----------------------------------------------------------------------------

def _headline(part: AttributionResult, ctx) -> str:
    j = part.journeys
    name = MODEL_NAMES.get(part.model, part.model)
    cmp = part.comparison
    text = (f"{j['conversions']:,.0f} conversions on {j['paths']:,} distinct journeys "
            f"(mean {j['mean_length']:.2g} touches; {j['nulls']:,.0f} journeys without a "
            f"conversion). What works and the recommendations rest on the {name} model.")
    if len(cmp) and f"{part.model}_conversions" in cmp.columns:
        gain = cmp[f"{part.model}_conversions"] - cmp["last_conversions"]
        k = int(np.argmax(np.abs(gain.to_numpy())))
        r = cmp.iloc[k]
        text += (f" The largest change from last touch: {r['channel']}, "
                 f"{ctx.num(r['last_conversions'], 'count')} -> "
                 f"{ctx.num(r[f'{part.model}_conversions'], 'count')} conversions.")
    paid = [r for r in _cpa_wide(part) if np.isfinite(r.get("last", np.nan))
            and np.isfinite(r.get(part.model, np.nan))]
    if paid and part.model != "last":
        r = max(paid, key=lambda r: abs(np.log(r[part.model] / r["last"])))
        text += (f" Of the paid channels, the model moves {r['channel']}'s CPA most: "
                 f"{ctx.num(r['last'], 'money')} under last touch, "
                 f"{ctx.num(r[part.model], 'money')} under {name} (break-even "
                 f"{ctx.num(r['break_even_cpa'], 'money')}).")
    return text


def _assist_columns(ctx):
    from .._render import _text

    n = ctx.num
    return [("Channel", lambda r: _text(r["channel"]), False),
            ("Last interaction", lambda r: n(r["last_interaction"], "count"), True),
            ("Assisted", lambda r: n(r["assisted"], "count"), True),
            ("First interaction", lambda r: n(r["first_interaction"], "count"), True),
            ("Assisted / last", lambda r: f"{n(r['assist_ratio'], 'ratio')} "
             f"({ctx.range(r['assist_ratio_low'], r['assist_ratio_high'], 'ratio')})", True)]


def _comparison_columns(ctx, part: AttributionResult):
    from .._render import _text

    cols = [("Channel", lambda r: _text(r["channel"]), False)]
    for m in MODELS + ("last_non_direct",):
        key = f"{m}_conversions"
        if key in part.comparison.columns:
            cols.append((SHORT_NAMES[m], lambda r, key=key: ctx.num(r[key], "count"), True))
    return cols


def _cpa_wide(part: AttributionResult) -> list:
    """One row per paid channel: its cost, the CPA under each model, the break-even
    CPA and the chosen model's verdict (with its interval)."""
    rows: Dict[str, dict] = {}
    for r in part.cpa.to_dict("records"):
        if not r["cost"] > 0:
            continue
        row = rows.setdefault(r["channel"], {"channel": r["channel"], "cost": r["cost"],
                                             "break_even_cpa": r["break_even_cpa"]})
        row[r["model"]] = r["cpa"]
        if r["model"] == part.model:
            row.update(low=r["cpa_low"], high=r["cpa_high"], verdict=r["verdict"])
    return list(rows.values())


def _cpa_columns(ctx, part: AttributionResult):
    from .._render import _text

    n = ctx.num

    def cpa(m):
        def cell(r):
            v = r.get(m, np.nan)
            if not np.isfinite(v):
                return "\u2013"
            if m == part.model and np.isfinite(r.get("low", np.nan)):
                return f"{n(v, 'money')} ({ctx.range(r['low'], r['high'], 'money')})"
            return n(v, "money")
        return cell
    models = [m for m in MODELS + ("last_non_direct",)
              if f"{m}_conversions" in part.comparison.columns]
    cols = [("Channel", lambda r: _text(r["channel"]), False),
            ("Cost", lambda r: n(r["cost"], "money"), True)]
    cols += [(SHORT_NAMES[m], cpa(m), True) for m in models]
    cols += [("Break-even", lambda r: n(r["break_even_cpa"], "money"), True),
             (f"Verdict ({SHORT_NAMES.get(part.model, part.model)})",
              lambda r: _text(r.get("verdict")), False)]
    return cols


def _html(part: AttributionResult, ctx, title: str, anchor: str) -> List[str]:
    from .._render import _e, _grid

    out = [f"<h2 id='{anchor}'>{_e(title)}</h2>", f"<p>{_e(_headline(part, ctx))}</p>"]
    rows = part.assists.to_dict("records")
    out.append("<h3>Assisted and last-interaction conversions</h3>"
               + _svg_assists(rows, ctx)
               + "<p>A channel right of 1 assists more conversions than it closes; left of "
                 "1 it mostly closes them. Bars: the interval of the ratio.</p>")
    out.append(_grid(rows, _assist_columns(ctx), "Assists, numbers", level=4))
    cmp_rows = part.comparison.to_dict("records")
    out.append("<h3>Conversions by model</h3>" + _svg_models(part, ctx))
    out.append(_grid(cmp_rows, _comparison_columns(ctx, part), "Conversions by model, numbers",
                     level=4))
    out.append(_grid(_cpa_wide(part), _cpa_columns(ctx, part),
                     "CPA under each model against break-even (paid channels)", level=3))
    if part.notes:
        out.append("<ul>" + "".join(f"<li>{_e(t)}</li>" for t in part.notes) + "</ul>")
    return out


def _markdown(part: AttributionResult, ctx, title: str) -> List[str]:
    from .._render import _md, _md_grid

    lines = [f"## {title}", "", _md(_headline(part, ctx)), "",
             "### Assisted and last-interaction conversions", ""]
    lines += _md_grid(part.assists.to_dict("records"), _assist_columns(ctx))
    lines += ["", "### Conversions by model", ""]
    lines += _md_grid(part.comparison.to_dict("records"), _comparison_columns(ctx, part))
    lines += ["", "### CPA under each model against break-even (paid channels)", ""]
    lines += _md_grid(_cpa_wide(part), _cpa_columns(ctx, part))
    lines += [f"- {_md(t)}" for t in part.notes]
    return lines


def _svg_assists(rows: list, ctx) -> str:
    """The seed's chart: each channel on the assisted / last-interaction axis (log
    scale), with the ratio's interval; 1 marks as many assists as closes."""
    from .._render import _e, _Scale, _svg_open, _text_span

    rows = [r for r in rows if np.isfinite(r["assist_ratio"]) and r["assist_ratio"] > 0]
    if not rows:
        return ""
    rows = sorted(rows, key=lambda r: r["assist_ratio"])
    vals = [v for r in rows for v in (r["assist_ratio_low"], r["assist_ratio_high"],
                                      r["assist_ratio"]) if np.isfinite(v) and v > 0] + [1.0]
    lo, hi = np.log10(min(vals)) - 0.1, np.log10(max(vals)) + 0.1
    row_h, right = 24, 30
    left = 16 + max([100.0] + [_text_span(0, r["channel"], 12)[1] for r in rows])
    w, h = left + 560 + right, 24 * len(rows) + 48
    x = _Scale(lo, hi, left, w - right)
    p = []
    for e in range(int(np.floor(lo)), int(np.ceil(hi)) + 1):
        for m in (1, 2, 5):
            t = np.log10(m) + e
            if lo <= t <= hi:
                p.append(f"<text x='{x(t):.1f}' y='{h - 20}' font-size='10' "
                         f"text-anchor='middle' fill='#57606a'>{_e(f'{m * 10.0 ** e:g}')}</text>")
    p.append(f"<line x1='{x(0):.1f}' y1='4' x2='{x(0):.1f}' y2='{h - 34}' stroke='#1f2328' "
             f"stroke-dasharray='5 3'/>"
             f"<text x='{x(0) - 6:.1f}' y='{h - 6}' font-size='11' text-anchor='end'>"
             f"\u2190 mostly closes</text><text x='{x(0) + 6:.1f}' y='{h - 6}' "
             f"font-size='11'>mostly assists \u2192</text>")
    for i, r in enumerate(rows):
        y = 10 + i * row_h + row_h / 2
        c = "#0969da" if r["assist_ratio"] > 1 else "#8250df"
        a, b = r["assist_ratio_low"], r["assist_ratio_high"]
        bar = (f"<line x1='{x(np.log10(a)):.1f}' y1='{y:.1f}' x2='{x(np.log10(b)):.1f}' "
               f"y2='{y:.1f}' stroke='{c}' stroke-width='2'/>"
               if np.isfinite(a) and np.isfinite(b) and a > 0 and b > 0 else "")
        p.append(f"<text x='{left - 8:.0f}' y='{y + 4:.1f}' font-size='12' text-anchor='end'>"
                 f"{_e(r['channel'])}</text>{bar}"
                 f"<circle cx='{x(np.log10(r['assist_ratio'])):.1f}' cy='{y:.1f}' r='4' "
                 f"fill='{c}'><title>{_e(r['channel'])}: {ctx.num(r['assisted'], 'count')} "
                 f"assisted, {ctx.num(r['last_interaction'], 'count')} last-interaction "
                 f"conversions (ratio {ctx.num(r['assist_ratio'], 'ratio')})</title></circle>")
    return _svg_open(w, h, "Assisted over last-interaction conversions by channel") + \
        "".join(p) + "</svg>"


def _svg_models(part: AttributionResult, ctx) -> str:
    """Conversions per channel under each model: one dot per model on a row per
    channel; the chosen model's dot is larger, last touch is hollow."""
    from .._render import _e, _nice_ticks, _Scale, _svg_open, _text_span

    cmp = part.comparison
    models = [m for m in MODELS + ("last_non_direct",) if f"{m}_conversions" in cmp.columns]
    if not len(cmp) or not models:
        return ""
    palette = ["#57606a", "#bf8700", "#1a7f37", "#8250df", "#cf222e", "#0969da", "#953800",
               "#6e7781"]
    top = float(np.nanmax(cmp[[f"{m}_conversions" for m in models]].to_numpy()))
    row_h, right = 24, 30
    left = 16 + max([100.0] + [_text_span(0, c, 12)[1] for c in cmp["channel"]])
    w = left + 560 + right
    legend_h = 18 * ((len(models) + 3) // 4)
    h = row_h * len(cmp) + 40 + legend_h
    x = _Scale(0.0, top * 1.05 if top > 0 else 1.0, left, w - right)
    p = []
    for t in _nice_ticks(0.0, top * 1.05 if top > 0 else 1.0):
        p.append(f"<text x='{x(t):.1f}' y='{row_h * len(cmp) + 24}' font-size='10' "
                 f"text-anchor='middle' fill='#57606a'>{_e(ctx.num(t, 'count'))}</text>")
    for i, r in enumerate(cmp.to_dict("records")):
        y = 10 + i * row_h + row_h / 2
        p.append(f"<text x='{left - 8:.0f}' y='{y + 4:.1f}' font-size='12' text-anchor='end'>"
                 f"{_e(r['channel'])}</text><line x1='{left}' y1='{y:.1f}' x2='{w - right}' "
                 f"y2='{y:.1f}' stroke='#d0d7de'/>")
        for k, m in enumerate(models):
            v = float(r[f"{m}_conversions"])
            size = 5 if m == part.model else 3.5
            fill = "none" if m == "last" else palette[k % len(palette)]
            p.append(f"<circle cx='{x(v):.1f}' cy='{y:.1f}' r='{size}' fill='{fill}' "
                     f"stroke='{palette[k % len(palette)]}' stroke-width='1.5'><title>"
                     f"{_e(r['channel'])}, {_e(MODEL_NAMES[m])}: "
                     f"{_e(ctx.num(v, 'count'))} conversions</title></circle>")
    y0 = row_h * len(cmp) + 40
    for k, m in enumerate(models):
        lx, ly = left + (k % 4) * 140, y0 + 18 * (k // 4)
        fill = "none" if m == "last" else palette[k % len(palette)]
        p.append(f"<circle cx='{lx:.0f}' cy='{ly - 4}' r='4' fill='{fill}' "
                 f"stroke='{palette[k % len(palette)]}' stroke-width='1.5'/>"
                 f"<text x='{lx + 8:.0f}' y='{ly}' font-size='11'>{_e(MODEL_NAMES[m])}</text>")
    return _svg_open(w, h, "Conversions per channel under each model") + "".join(p) + "</svg>"


#: The instance the Control stage registers (what works asks it for the credit).
ANALYSIS = Attribution()
