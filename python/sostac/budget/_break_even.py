"""Break-even per channel: CPA and ROAS against what an order is worth (the seed's
first goal for a paid channel, ../shared/seeds/002_*; docs/budget.md, "Break-even")."""

from __future__ import annotations

from typing import Any, Sequence, Tuple, Union

import numpy as np

from .._core import InputError

__all__ = ["break_even", "BREAK_EVEN_COLUMNS"]

BREAK_EVEN_COLUMNS = ["spend", "orders", "revenue", "cpa", "cpa_low", "cpa_high",
                      "break_even_cpa", "headroom", "roas", "roas_low", "roas_high",
                      "break_even_roas", "profit", "status"]


def _economics(economics: Any) -> Tuple[float, float]:
    """(average order value, margin) from a dict, a Plan or a plan document."""
    from ..plan import Plan

    if isinstance(economics, Plan):
        economics = economics.to_dict()
    if isinstance(economics, dict) and "plan" in economics:
        economics = (economics.get("plan") or {}).get("economics") or {}
    if not isinstance(economics, dict):
        raise InputError(f"economics: expected a dict with average_order_value and margin, "
                         f"or a Plan, got {type(economics).__name__}")
    out = []
    for key in ("average_order_value", "margin"):
        if economics.get(key) is None:
            raise InputError(f"economics.{key}: missing (the break-even CPA is average order "
                             f"value x margin)")
        v = economics[key]
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or \
                not np.isfinite(v):
            raise InputError(f"economics.{key}: expected a finite number, got {v!r}")
        out.append(float(v))
    aov, margin = out
    if aov <= 0:
        raise InputError(f"economics.average_order_value: expected > 0, got {aov!r}")
    if not 0 < margin <= 1:
        raise InputError(f"economics.margin: expected a share in (0, 1], got {margin!r}")
    return aov, margin


def break_even(data: Any, *, economics: Any, by: Union[str, Sequence[str]] = ("channel",),
               level: float = 0.95, time: str = "date"):
    """Per channel (or any ``by`` columns): CPA and ROAS with intervals against their
    break-even values, the profit to date and a status.

    The break-even CPA is the gross profit of an order, average order value x margin
    (the plan's ``economics``): a channel whose cost per order stays below it pays for
    itself. The break-even ROAS is 1 / margin (revenue per unit of spend at which the
    margin on the revenue equals the spend). Intervals are the metrics engine's
    (:func:`sostac.metrics.kpi_table` over the whole period, days as units; docs/metrics.md).

    Parameters
    ----------
    data : DataFrame (pandas or polars), pyarrow Table or dict of arrays
        A daily aggregate with the ``by`` columns, ``cost``, ``orders`` and optionally
        ``revenue``, and the time column.
    economics : dict or sostac.Plan
        ``{"average_order_value": ..., "margin": ...}`` or a plan (its ``economics``).
    by : str or sequence of str
        The dimension columns (default ``("channel",)``; ``()`` for the total).
    level : float
        Confidence level of the intervals.
    time : str
        The time column.

    Returns
    -------
    pandas.DataFrame: the ``by`` columns, spend, orders, revenue, cpa, cpa_low,
    cpa_high, break_even_cpa, headroom (break_even_cpa - cpa: how much more an order
    may cost), roas, roas_low, roas_high, break_even_roas, profit (margin x revenue -
    spend, or margin x average order value x orders - spend without revenue) and
    status: "profitable" (the CPA interval lies below break-even), "losing" (above),
    "unclear" (it straddles it), "no spend" or "no orders".

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.budget import break_even
    >>> daily = pd.DataFrame({
    ...     "date": pd.to_datetime(["2027-01-01", "2027-01-02", "2027-01-03"] * 2),
    ...     "channel": ["search"] * 3 + ["display"] * 3,
    ...     "cost": [100.0, 120, 110, 300, 280, 320], "orders": [10, 12, 11, 6, 5, 7],
    ...     "revenue": [650.0, 780, 715, 390, 325, 455]})
    >>> t = break_even(daily, economics={"average_order_value": 65, "margin": 0.4})
    >>> t[["channel", "cpa", "break_even_cpa", "profit", "status"]]
       channel   cpa  break_even_cpa   profit      status
    0  display  50.0            26.0 -432.0      losing
    1   search  10.0            26.0  528.0  profitable
    """
    import pandas as pd

    from .. import io as _io
    from ..control import _whole_period_table

    aov, margin = _economics(economics)
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise InputError(f"level: expected a confidence level in (0, 1), got {level!r}")
    by = (by,) if isinstance(by, str) else tuple(by)
    df = _io.to_pandas(data) if not isinstance(data, pd.DataFrame) else data
    missing = [c for c in (*by, "cost", "orders", time) if c not in df.columns]
    if missing:
        raise InputError(f"data: missing column(s) {missing}; break_even needs the by "
                         f"columns {list(by)}, cost, orders and {time!r}")
    if len(df) == 0:
        raise InputError("data: no rows")
    has_revenue = "revenue" in df.columns
    kpis = ["cpa"] + (["roas"] if has_revenue else [])
    t = _whole_period_table(df, kpis, by, level)
    rows = []
    keys = list(by) if by else None
    groups = t.groupby(keys, sort=True, dropna=False) if keys else [((), t)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        cpa = g[g["kpi"] == "cpa"].iloc[0]
        spend, orders = float(cpa["numerator"]), float(cpa["denominator"])
        row = dict(zip(by, key))
        if has_revenue:
            roas = g[g["kpi"] == "roas"].iloc[0]
            revenue = float(roas["numerator"])
            r, r_lo, r_hi = float(roas["value"]), float(roas["low"]), float(roas["high"])
            profit = margin * revenue - spend
        else:
            revenue, r, r_lo, r_hi = np.nan, np.nan, np.nan, np.nan
            profit = margin * aov * orders - spend
        c, c_lo, c_hi = float(cpa["value"]), float(cpa["low"]), float(cpa["high"])
        be = aov * margin
        if spend == 0:
            status = "no spend"
        elif orders == 0:
            status = "no orders"
        elif c_hi < be:
            status = "profitable"
        elif c_lo > be:
            status = "losing"
        else:
            status = "unclear"
        row.update({"spend": spend, "orders": orders, "revenue": revenue, "cpa": c,
                    "cpa_low": c_lo, "cpa_high": c_hi, "break_even_cpa": be,
                    "headroom": be - c if orders > 0 else np.nan, "roas": r,
                    "roas_low": r_lo, "roas_high": r_hi, "break_even_roas": 1.0 / margin,
                    "profit": profit, "status": status})
        rows.append(row)
    out = pd.DataFrame(rows, columns=[*by, *BREAK_EVEN_COLUMNS])
    out.attrs.update({"average_order_value": aov, "margin": margin, "level": level})
    return out
