"""The exact budget allocator over concave response curves (C++:
sostac/budget/allocate.hpp; docs/budget.md, "Allocation")."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .. import _core
from .._core import InputError

__all__ = ["allocate", "scale_limits", "CURVE_COLUMNS"]

_cb = _core.budget

#: A curves table: one row per channel; ``carry`` (default 1), ``current`` (today's
#: spend per period), ``lower``/``upper`` (bounds) are optional.
CURVE_COLUMNS = ("channel", "beta", "half_saturation", "shape")


def _curves(curves: Any, bounds: Optional[dict]):
    import pandas as pd

    if not isinstance(curves, pd.DataFrame):
        raise InputError(f"curves: expected a DataFrame with columns {list(CURVE_COLUMNS)} "
                         f"(one row per channel), got {type(curves).__name__}")
    missing = [c for c in CURVE_COLUMNS if c not in curves.columns]
    if missing:
        raise InputError(f"curves: missing column(s) {missing}; expected {list(CURVE_COLUMNS)} "
                         f"and optionally carry, current, lower, upper")
    if len(curves) == 0:
        raise InputError("curves: no channels")
    names = curves["channel"].astype(str).tolist()
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise InputError(f"curves: channel {dup!r} appears twice")
    n = len(curves)

    def col(name, default):
        if name not in curves.columns:
            return np.full(n, default, dtype=np.float64)
        v = pd.to_numeric(curves[name], errors="coerce").to_numpy(dtype=np.float64,
                                                                   na_value=np.nan)
        bad = np.isnan(v)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{name}[{i}]: expected a number for channel {names[i]!r}, got "
                             f"{curves[name].iloc[i]!r}")
        return v

    lower, upper = col("lower", 0.0), col("upper", np.inf)
    if bounds is not None:
        if not isinstance(bounds, dict):
            raise InputError("bounds: expected a dict {channel: (minimum, maximum)}")
        for ch, b in bounds.items():
            if str(ch) not in names:
                raise InputError(f"bounds: unknown channel {ch!r}; the curves have {names}")
            try:
                lo, hi = b
            except (TypeError, ValueError):
                raise InputError(f"bounds[{ch!r}]: expected (minimum, maximum), got {b!r}") from None
            i = names.index(str(ch))
            lower[i] = 0.0 if lo is None else float(lo)
            upper[i] = np.inf if hi is None else float(hi)
    return names, {"beta": col("beta", np.nan), "half": col("half_saturation", np.nan),
                   "shape": col("shape", np.nan), "carry": col("carry", 1.0),
                   "lower": lower, "upper": upper}, col("current", np.nan)


def _worth(margin: Any, economics: Any) -> Optional[float]:
    if margin is not None and economics is not None:
        raise InputError("margin: give margin (profit per conversion) or economics, not both")
    if economics is not None:
        from ._break_even import _economics

        aov, share = _economics(economics)
        return aov * share
    if margin is None:
        return None
    if isinstance(margin, bool) or not isinstance(margin, (int, float, np.number)) or \
            not (np.isfinite(margin) and margin > 0):
        raise InputError(f"margin: expected the profit per conversion (> 0, in money), got "
                         f"{margin!r}")
    return float(margin)


def allocate(curves: Any, total: float, *, bounds: Optional[dict] = None,
             objective: Optional[str] = None, margin: Any = None, economics: Any = None,
             target_cpa: Any = None):
    """The spend per channel that maximises profit (or conversions) within ``total``.

    Parameters
    ----------
    curves : DataFrame
        One row per channel: ``channel``, ``beta`` (the curve's maximum, conversions per
        period), ``half_saturation`` (spend at half of it), ``shape`` in (0, 1] (concave),
        and optionally ``carry`` (the adstock's steady-state multiplier, the sum of its
        kernel; default 1), ``current`` (today's spend per period), ``lower``/``upper``.
        Each channel's conversions per period at spend x are
        beta * h(carry * x) with the Hill curve h (docs/budget.md).
    total : float
        The budget per period.
    bounds : dict, optional
        ``{channel: (minimum, maximum)}`` (None for no limit), e.g. the plan's tactic
        minimums; overrides the curves' lower/upper.
    objective : {"profit", "conversions"}, optional
        ``profit`` (the default): maximise margin x conversions - spend, spending at
        most ``total`` (a channel stops where one more unit of spend earns less than it
        costs); ``conversions``: maximise conversions spending exactly ``total``, or
        with ``target_cpa`` (which implies it) at most ``total`` while the average CPA
        stays at or below the target.
    margin : float, optional
        Profit per conversion in money (average order value x margin: the break-even
        CPA); the profit objective needs it or ``economics``.
    economics : dict or sostac.Plan, optional
        ``{"average_order_value", "margin"}`` or a plan, for the profit per conversion.
    target_cpa : float, optional
        The most the conversions may cost on average (a ROAS target r with revenue v
        per conversion is the CPA target v / r).

    Returns
    -------
    pandas.DataFrame: channel, current, recommended, change, conversions (expected per
    period at the recommended spend), marginal_cpa (1 / the curve's slope there: the
    cost of one more conversion), break_even_cpa (the profit per conversion, when
    known); ``attrs`` has total_spend, total_conversions, profit and the multiplier.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.budget import allocate
    >>> curves = pd.DataFrame({"channel": ["search", "social"], "beta": [100.0, 60.0],
    ...                        "half_saturation": [2000.0, 1000.0], "shape": [1.0, 1.0]})
    >>> allocate(curves, 3000, objective="conversions")[["channel", "recommended"]].round(1)
      channel  recommended
    0  search       1876.7
    1  social       1123.3
    """
    import pandas as pd

    names, c, current = _curves(curves, bounds)
    if isinstance(total, bool) or not isinstance(total, (int, float, np.number)):
        raise InputError(f"total: expected a budget (a number >= 0), got {total!r}")
    if objective is None:
        objective = "profit" if target_cpa is None else "conversions"
    if objective not in ("profit", "conversions"):
        raise InputError(f"objective: unknown {objective!r}; expected profit or conversions")
    worth = _worth(margin, economics)
    if objective == "profit" and target_cpa is not None:
        raise InputError("target_cpa: a CPA target goes with objective='conversions' (the "
                         "profit objective already stops where a conversion costs its margin)")
    if objective == "profit" and worth is None:
        raise InputError("margin: the profit objective needs the profit per conversion "
                         "(margin=, in money) or economics=")
    kind, arg = objective, float(worth or 0.0)
    if target_cpa is not None:
        if isinstance(target_cpa, bool) or not isinstance(target_cpa, (int, float, np.number)):
            raise InputError(f"target_cpa: expected a CPA > 0, got {target_cpa!r}")
        kind, arg = "target_cpa", float(target_cpa)
    r = _cb.allocate(*(list(map(float, c[k])) for k in ("beta", "half", "shape", "carry",
                                                          "lower", "upper")),
                     float(total), kind, arg)
    spend = np.asarray(r["spend"])
    conv = np.asarray(r["conversions"])
    slope = np.asarray(r["marginal"])
    with np.errstate(divide="ignore"):
        marginal_cpa = np.where(slope > 0, 1.0 / np.where(slope > 0, slope, 1.0), np.inf)
    out = pd.DataFrame({"channel": names, "current": current, "recommended": spend,
                        "change": spend - current, "conversions": conv,
                        "marginal_cpa": marginal_cpa,
                        "break_even_cpa": np.full(len(names), worth if worth else np.nan)})
    out.attrs.update({"objective": objective, "target_cpa": target_cpa, "total": float(total),
                      "total_spend": float(r["total_spend"]),
                      "total_conversions": float(r["total_conversions"]),
                      "profit": (float(worth * r["total_conversions"] - r["total_spend"])
                                 if worth else None),
                      "multiplier": float(r["multiplier"])})
    return out


def scale_limits(curves: Any, *, break_even_cpa: float):
    """Per channel the spend at which the marginal CPA (the cost of one more
    conversion, 1 / the curve's slope) reaches ``break_even_cpa``: how far its budget
    can grow while every extra order still pays for itself (the seed's "increase the
    channels' budgets without hurting profitability").

    Returns
    -------
    pandas.DataFrame: channel, current, limit, room (limit - current), marginal_cpa
    (at the current spend).

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.budget import scale_limits
    >>> curves = pd.DataFrame({"channel": ["search"], "beta": [100.0],
    ...                        "half_saturation": [2000.0], "shape": [1.0], "current": [1000.0]})
    >>> scale_limits(curves, break_even_cpa=80.0)[["channel", "limit", "room"]].round(1)
      channel   limit    room
    0  search  2000.0  1000.0
    """
    import pandas as pd

    names, c, current = _curves(curves, None)
    if isinstance(break_even_cpa, bool) or not isinstance(break_even_cpa, (int, float, np.number)):
        raise InputError(f"break_even_cpa: expected a CPA > 0, got {break_even_cpa!r}")
    lim = np.asarray(_cb.scale_limits(*(list(map(float, c[k])) for k in (
        "beta", "half", "shape", "carry", "lower", "upper")), float(break_even_cpa)))
    z = c["carry"] * current
    u = (c["half"] / np.where(z > 0, z, np.nan)) ** c["shape"]
    slope = c["beta"] * c["carry"] * c["shape"] * u / (z * (1 + u) ** 2)
    return pd.DataFrame({"channel": names, "current": current, "limit": lim,
                         "room": lim - current, "marginal_cpa": 1.0 / slope})
