"""The Control stage: control charts for KPI series.

Each chart takes a KPI's series per period (a week's conversions and sessions, a
day's ROAS, ...) and returns a :class:`ControlChart`: per period the plotted
statistic, the centre line, the limits, a signal (+1 above the upper limit, -1
below the lower one) and the size of the shift in standard deviations, so that an
alert names its period and its size. Formulas and false-alarm rates:
``docs/control.md``.

- :func:`p_chart`: a rate of successes in trials (conversion rate, CTR), limits per
  period from the binomial variance; the exact in-control false-alarm probability of
  each period is in the ``false_alarm`` column.
- :func:`u_chart`: events per unit of exposure (orders per 1,000 visits).
- :func:`ewma_chart` and :func:`cusum_chart`: small sustained shifts of a mean (a
  daily ROAS or CPA) with known in-control mean and standard deviation.
"""

from __future__ import annotations

import html
import re
from typing import Any, Optional

import numpy as np

from . import _core
from . import io as _io
from ._core import InputError

__all__ = ["ControlChart", "ControlResult", "p_chart", "u_chart", "ewma_chart",
           "cusum_chart", "evaluate"]

_TITLES = {"p": "p-chart", "u": "u-chart", "ewma": "EWMA chart", "cusum": "CUSUM chart"}


def _series(values: Any, name: str):
    """(float array, index or None) of a 1-d array-like or pandas Series."""
    index = values.index if hasattr(values, "iloc") else None  # a pandas Series
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected numbers") from None
    if arr.ndim != 1:
        raise InputError(f"{name}: expected a 1-d series, got {arr.ndim} dimensions")
    return arr, index


def _periods(periods: Any, index: Any, m: int):
    if periods is None:
        periods = index if index is not None else np.arange(m)
    periods = list(periods)
    if len(periods) != m:
        raise InputError(f"periods: expected {m} labels (one per value), got {len(periods)}")
    return periods


def _flag(v: Any, name: str) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise InputError(f"{name}: expected True or False, got {v!r}")
    return bool(v)


def _number(v: Any, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise InputError(f"{name}: expected a number, got {v!r}")
    return float(v)


class ControlChart:
    """A control chart: one row per period.

    Attributes
    ----------
    kind : str
        "p", "u", "ewma" or "cusum".
    periods : list
        The period labels.
    value, centre, lower, upper, shift, false_alarm : numpy.ndarray
        The plotted statistic (C+ for CUSUM), centre line, limits, estimated shift
        in standard deviations and (p- and u-charts) the exact in-control
        probability of a false alarm in that period (NaN for EWMA and CUSUM).
    value_low : numpy.ndarray or None
        CUSUM's lower sum C-.
    signal : numpy.ndarray of int8
        +1 above the upper limit, -1 below the lower one, 0 inside.
    sigma_z : float
        Laney's between-period spread of a p'- or u'-chart (1 for the others).
    parameters : dict
        The chart's settings (target, sigma, lam, k, h, laney, ...).
    """

    def __init__(self, raw: dict, periods: list, parameters: dict) -> None:
        self.kind = raw["kind"]
        self.periods = periods
        self.value = raw["value"]
        self.value_low = raw.get("value_low")
        self.centre = raw["centre"]
        self.lower = raw["lower"]
        self.upper = raw["upper"]
        self.signal = raw["signal"]
        self.shift = raw["shift"]
        self.false_alarm = raw["false_alarm"]
        self.sigma_z = float(raw.get("sigma_z", 1.0))
        self.parameters = dict(parameters)

    def to_frame(self):
        """One row per period: period, value (and value_low for CUSUM), centre,
        lower, upper, signal, shift, false_alarm."""
        import pandas as pd

        cols = {"period": self.periods, "value": self.value}
        if self.value_low is not None:
            cols["value_low"] = self.value_low
        cols.update(centre=self.centre, lower=self.lower, upper=self.upper,
                    signal=self.signal, shift=self.shift, false_alarm=self.false_alarm)
        return pd.DataFrame(cols)

    @property
    def alerts(self):
        """The periods with a signal: period, direction ("above" or "below"), value,
        the limit crossed and the shift in standard deviations."""
        import pandas as pd

        rows = []
        for i in np.flatnonzero(self.signal):
            up = self.signal[i] > 0
            value = self.value[i] if up or self.value_low is None else self.value_low[i]
            limit = self.upper[i] if up or self.value_low is not None else self.lower[i]
            rows.append({"period": self.periods[i], "direction": "above" if up else "below",
                         "value": float(value), "limit": float(limit),
                         "shift": float(self.shift[i])})
        return pd.DataFrame(rows, columns=["period", "direction", "value", "limit", "shift"])

    def to_dict(self) -> dict:
        """The chart as plain Python values (lists), with its parameters."""
        out = {"kind": self.kind, "periods": [str(p) for p in self.periods],
               "parameters": self.parameters, "sigma_z": self.sigma_z}
        for name in ("value", "value_low", "centre", "lower", "upper", "signal", "shift",
                     "false_alarm"):
            v = getattr(self, name)
            if v is not None:
                out[name] = [None if isinstance(x, float) and np.isnan(x) else x
                             for x in v.tolist()]
        return out

    def __len__(self) -> int:
        return len(self.value)

    @property
    def title(self) -> str:
        """"p-chart", "u-chart", "Laney p'-chart", "EWMA chart", ..."""
        laney = self.parameters.get("laney")
        return f"Laney {self.kind}'-chart" if laney else _TITLES[self.kind]

    def _summary(self) -> str:
        n = int(np.count_nonzero(self.signal))
        params = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in self.parameters.items())
        extra = f", sigma_z {self.sigma_z:.4g}" if self.parameters.get("laney") else ""
        return f"{self.title} ({params}): {len(self)} periods, {n} alert(s){extra}"

    def __repr__(self) -> str:
        lines = [self._summary()]
        for _, a in self.alerts.iterrows():
            lines.append(f"  {a['period']}: {a['direction']} the limit "
                         f"({a['value']:.6g} vs {a['limit']:.6g}), shift {a['shift']:+.2f} sd")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (f"<p>{html.escape(self._summary())}</p>"
                + self.to_frame().to_html(index=False, escape=True))

    def plot(self, ax=None):
        """Draw the chart (matplotlib): the statistic, centre line, limits and the
        signalled periods. Returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3))
        x = np.arange(len(self))
        if self.kind == "cusum":
            ax.step(x, self.value, where="mid", label="C+")
            ax.step(x, -self.value_low, where="mid", label="-C-")
        else:
            ax.plot(x, self.value, marker="o", ms=3, label="value")
            ax.plot(x, self.centre, color="grey", lw=1, label="centre")
        ax.step(x, self.upper, where="mid", color="red", lw=1, ls="--", label="limits")
        ax.step(x, self.lower, where="mid", color="red", lw=1, ls="--")
        hits = np.flatnonzero(self.signal)
        if len(hits):
            y = np.where(self.signal[hits] > 0, self.value[hits],
                         -self.value_low[hits] if self.value_low is not None
                         else self.value[hits])
            ax.scatter(hits, y, color="red", zorder=3, label="alert")
        step = max(1, len(x) // 10)
        ax.set_xticks(x[::step])
        ax.set_xticklabels([str(p) for p in self.periods][::step], rotation=30, ha="right")
        ax.set_title(self.title)
        ax.legend(fontsize="small")
        return ax


def p_chart(x: Any, n: Any, *, target: Optional[float] = None, sigma: float = 3.0,
            laney: bool = False, periods: Any = None) -> ControlChart:
    """p-chart of a rate: x successes in n trials per period.

    Parameters
    ----------
    x, n : array-like or pandas Series
        Successes (conversions) and trials (sessions) per period; whole numbers,
        0 <= x <= n, n > 0.
    target : float, optional
        The centre line p0, e.g. the plan's target rate; by default sum(x) / sum(n).
    sigma : float
        Width of the limits in standard deviations (3).
    laney : bool
        Laney's p'-chart: the limits scaled by ``sigma_z``, the period-to-period
        spread of the standardised rates (mean moving range / 1.128), for large
        samples whose true rate wanders (web traffic); ``false_alarm`` is then NaN.
    periods : sequence, optional
        Period labels (default: the Series index, else 0, 1, ...).

    Returns
    -------
    ControlChart
        Limits p0 -/+ sigma * sqrt(p0 (1 - p0) / n_i) (times ``sigma_z`` for
        Laney's) cut to [0, 1]; ``false_alarm`` is the exact binomial probability
        that an in-control period signals.

    Examples
    --------
    >>> from sostac.control import p_chart
    >>> c = p_chart([20, 22, 41, 19], [1000, 1000, 1000, 1000], target=0.02)
    >>> c.signal.tolist()
    [0, 0, 1, 0]
    >>> round(float(c.upper[0]), 5)
    0.03328
    """
    return _count_chart(_core.control.p_chart, x, "x", n, target, sigma, laney, periods)


def u_chart(count: Any, n: Any, *, target: Optional[float] = None, sigma: float = 3.0,
            laney: bool = False, periods: Any = None) -> ControlChart:
    """u-chart of events per unit of exposure.

    Parameters
    ----------
    count : array-like or pandas Series
        Events per period (whole, >= 0).
    n : array-like or pandas Series
        Exposure per period (> 0; visits, days, thousands of impressions).
    target : float, optional
        The centre line u0; by default sum(count) / sum(n).
    sigma : float
        Width of the limits in standard deviations (3).
    laney : bool
        Laney's u'-chart (see :func:`p_chart`); ``false_alarm`` is then NaN.
    periods : sequence, optional
        Period labels.

    Returns
    -------
    ControlChart
        Limits u0 -/+ sigma * sqrt(u0 / n_i) (times ``sigma_z`` for Laney's), the
        lower cut at 0; ``false_alarm`` is the exact Poisson probability that an
        in-control period signals.

    Examples
    --------
    >>> from sostac.control import u_chart
    >>> u_chart([12, 9, 30], [10, 10, 10], target=1.0).signal.tolist()
    [0, 0, 1]
    """
    return _count_chart(_core.control.u_chart, count, "count", n, target, sigma, laney,
                        periods)


def _count_chart(kernel, counts: Any, name: str, n: Any, target: Optional[float],
                 sigma: float, laney: bool, periods: Any) -> ControlChart:
    """A p- or u-chart (``kernel``) of counts over trials or exposures."""
    cv, index = _series(counts, name)
    nv, _ = _series(n, "n")
    t = np.nan if target is None else _number(target, "target")
    raw = kernel(cv, nv, t, _number(sigma, "sigma"), _flag(laney, "laney"))
    return ControlChart(raw, _periods(periods, index, len(cv)),
                        {"target": None if target is None else t, "sigma": float(sigma),
                         **({"laney": True} if laney else {})})


def ewma_chart(x: Any, *, mu0: float, sd: float, lam: float = 0.2, sigma: float = 3.0,
               periods: Any = None) -> ControlChart:
    """EWMA chart of a series with known in-control mean and standard deviation.

    Parameters
    ----------
    x : array-like or pandas Series
        One value per period (finite).
    mu0, sd : float
        In-control mean and standard deviation of one value (e.g. from the plan's
        baseline history).
    lam : float
        Weight of the newest value, in (0, 1] (0.2; 1 gives a Shewhart chart).
    sigma : float
        Width L of the limits in standard deviations of the EWMA statistic (3).
    periods : sequence, optional
        Period labels.

    Returns
    -------
    ControlChart
        z_i = lam x_i + (1 - lam) z_{i-1} from z_0 = mu0, exact limits
        mu0 -/+ L sd sqrt(lam / (2 - lam) (1 - (1 - lam)^(2i))); ``shift`` is
        (z_i - mu0) / sd.

    Examples
    --------
    >>> from sostac.control import ewma_chart
    >>> c = ewma_chart([0.2, -0.1, 1.2, 1.5, 1.4, 1.6, 1.8], mu0=0, sd=1, lam=0.2, sigma=2.7)
    >>> c.signal.tolist()
    [0, 0, 0, 0, 0, 0, 1]
    >>> round(float(c.shift[-1]), 3)  # the EWMA's estimate of the new mean, in sd
    1.051
    """
    xv, index = _series(x, "x")
    raw = _core.control.ewma_chart(xv, _number(mu0, "mu0"), _number(sd, "sd"),
                                   _number(lam, "lam"), _number(sigma, "sigma"))
    return ControlChart(raw, _periods(periods, index, len(xv)),
                        {"mu0": float(mu0), "sd": float(sd), "lam": float(lam),
                         "sigma": float(sigma)})


def cusum_chart(x: Any, *, mu0: float, sd: float, k: float = 0.5, h: float = 5.0,
                periods: Any = None) -> ControlChart:
    """Tabular CUSUM chart of a series with known in-control mean and standard
    deviation.

    Parameters
    ----------
    x : array-like or pandas Series
        One value per period (finite).
    mu0, sd : float
        In-control mean and standard deviation of one value.
    k : float
        Reference value in standard deviations (0.5: tuned to a shift of 1 sd).
    h : float
        Decision interval in standard deviations (5; 4 alarms sooner and more often).
    periods : sequence, optional
        Period labels.

    Returns
    -------
    ControlChart
        ``value`` is C+_i, ``value_low`` C-_i; limits -/+ h sd; ``shift`` is the
        estimated new mean in sd: k + C+_i / (N+_i sd) (or its negative from C-).

    Examples
    --------
    >>> from sostac.control import cusum_chart
    >>> c = cusum_chart([0.1, -0.2, 1.5, 1.2, 1.4, 0.9, 1.6], mu0=0, sd=1, k=0.5, h=2)
    >>> c.value.round(2).tolist()
    [0.0, 0.0, 1.0, 1.7, 2.6, 3.0, 4.1]
    >>> c.alerts["period"].tolist()
    [4, 5, 6]
    """
    xv, index = _series(x, "x")
    raw = _core.control.cusum_chart(xv, _number(mu0, "mu0"), _number(sd, "sd"),
                                    _number(k, "k"), _number(h, "h"))
    return ControlChart(raw, _periods(periods, index, len(xv)),
                        {"mu0": float(mu0), "sd": float(sd), "k": float(k), "h": float(h)})


# ---------------------------------------------------------------------------- status

_PERIOD_OF_CADENCE = {"daily": "day", "weekly": "week", "monthly": "month",
                      "quarterly": "quarter"}
STATUSES = ("on_track", "at_risk", "off_track", "insufficient_data")
FIVE_S = ("sell", "serve", "speak", "save", "sizzle")
KPI_COLUMNS = ["objective", "kpi", "period", "value", "low", "high", "target", "status",
               "rule", "p_value", "projected", "projected_low", "projected_high",
               "direction", "deadline", "cadence", "periods", "test", "statistic", "dispersion",
               "dispersion_p", "df"]


class ControlResult:
    """The Control stage's verdict on a plan's KPIs (see :func:`evaluate`).

    Attributes
    ----------
    kpis : pandas.DataFrame
        One row per objective: objective, kpi, period (start of the last period with
        data), value / low / high (the KPI to date with its interval; for plain sums
        such as visitors or revenue, the average per period, as the target is),
        target,
        status ("on_track", "at_risk", "off_track", "insufficient_data"), rule (the
        verdict's reasoning with its numbers), p_value, projected / projected_low /
        projected_high (at the deadline), direction, deadline, cadence, periods,
        test and statistic; for rates, costs per count and counts also dispersion
        (Pearson's X^2 / df of the per-period values about their pooled rate: above 1,
        more day-to-day variation than the binomial / Poisson allows, and the test is
        the quasi-binomial / quasi-Poisson t test), dispersion_p (the chi-square
        p-value of X^2) and df (periods - 1).
    series : pandas.DataFrame
        The per-period values behind the verdicts: objective, kpi, period, value,
        low, high, numerator, denominator, rows, coverage (the share of the period
        the data cover; plain sums of a partly covered period have value, low and
        high scaled to a whole period).
    findings : list of dict
        Problems with the data for an objective (missing columns, channels absent
        from the data, KPIs whose measures are missing): objective and message.
    charts : dict of ControlChart
        Per objective, the control chart of its per-period series (see
        :attr:`alerts`).
    what_works : pandas.DataFrame
        Channels ranked by CPA against the break-even CPA (average order value x
        margin, from the plan's economics) and by ROAS, with intervals: channel,
        tactics, cost, orders, revenue, cpa, cpa_low, cpa_high, break_even_cpa, roas,
        roas_low, roas_high, verdict ("profitable": CPA credibly below break-even,
        "losing": credibly above, "unclear" otherwise, "no spend", "no orders", or
        "no break-even" when the plan states no economics). Empty when the data have no
        channel, cost and orders columns.
    experiments : pandas.DataFrame
        The plan's experiments (``control.experiments``: a tactic, a rate KPI and its
        variants, the first being the control) analysed from the data's variant
        column: one row per variant with trials, successes, rate, lift against the
        control, the Holm-adjusted p-value of the z test against the control,
        P(best) (Beta(1, 1) priors), the sample-ratio test's p-value (equal split)
        and the experiment's verdict ("winner: B ...", "C is worse ...",
        "inconclusive ...", or "sample ratio mismatch ..." when p < 0.001).
    as_of : pandas.Timestamp
    """

    def __init__(self, kpis, series, findings, as_of, alpha, level, charts=None,
                 what_works=None, experiments=None, parts=None) -> None:
        self.charts = dict(charts or {})
        #: Each analysis's part of the result, by its key (sostac.analyses.ANALYSES).
        self.parts: dict = dict(parts or {})
        if what_works is not None:
            self.parts["what_works"] = what_works
        if experiments is not None:
            self.parts["experiments"] = experiments
        self._doc: dict = {}
        self._data = None
        self.kpis = kpis
        self.series = series
        self.findings = findings
        self.as_of = as_of
        self.alpha = alpha
        self.level = level

    @property
    def what_works(self):
        """See the class docstring (the ``what_works`` analysis's part)."""
        return self.parts.get("what_works")

    @property
    def experiments(self):
        """See the class docstring (the ``experiments`` analysis's part)."""
        return self.parts.get("experiments")

    @property
    def engage(self):
        """The customer analysis of the order log (``transactions=``): an
        :class:`sostac.analyses.engage.EngageResult` with the RFM segments, the BG/NBD
        and Gamma-Gamma fits, the calibration check, the CLV distribution and the
        valuable customers at risk; None without an order log."""
        return self.parts.get("engage")

    @property
    def attribution(self):
        """The attribution analysis of the touchpoint log (``touchpoints=``): an
        :class:`sostac.analyses.attribution.AttributionResult` with the journeys, the
        assists, every model's conversions per channel and the CPA against break-even
        under each; None without touchpoints."""
        return self.parts.get("attribution")

    @property
    def recommendations(self):
        """Budget moves from channels losing money to profitable ones.

        A channel is losing when its CPA's lower bound is above the break-even CPA,
        profitable when its upper bound is below (:attr:`what_works`). Each losing
        channel's budget that is planned (its tactics' budgets) but not yet spent (its
        cost in the data) nor held by a tactic's ``min_budget`` moves to the
        profitable channels in proportion to their margin per unit of spend,
        break-even / CPA - 1. Spent money stays where it is, so no tactic goes below
        what it has used or its minimum (a channel with several tactics keeps its
        spend plus all their minimums, as the data do not say which tactic spent
        what), and the plan's total does not change. The amounts assume each channel keeps its CPA as its budget changes
        (no diminishing returns): read them as upper bounds. Columns: from_channel,
        to_channel, amount, from_tactics, to_tactics, evidence, attribution (the model
        the CPAs rest on: "last" for the daily data's last touch, else the
        ``attribution=`` model, which the evidence names)."""
        import pandas as pd

        cols = ["from_channel", "to_channel", "amount", "from_tactics", "to_tactics",
                "evidence", "attribution"]
        w = self.what_works
        if w is None or w.empty:
            return pd.DataFrame(columns=cols)
        planned: dict = {}
        floors: dict = {}
        for t in self._doc.get("tactics", []) or []:
            key = str(t.get("channel"))
            if t.get("budget") is not None:
                planned[key] = planned.get(key, 0.0) + float(t["budget"])
            floors.setdefault(key, []).append(float(t.get("min_budget") or 0.0))
        losing = w[w["verdict"] == "losing"]
        good = w[w["verdict"] == "profitable"]
        if losing.empty or good.empty:
            return pd.DataFrame(columns=cols)
        model = str(w["attribution"].iloc[0]) if "attribution" in w.columns else "last"
        from .analyses.attribution import MODEL_NAMES

        basis = ("" if model == "last" else
                 f"under the {MODEL_NAMES.get(model, model)} model of the touchpoints: ")
        gain = (good["break_even_cpa"] / good["cpa"] - 1).to_numpy()
        share = gain / gain.sum()
        rows = []
        for lo in losing.to_dict("records"):
            key = str(lo["channel"])
            least = floors.get(key, [0.0])
            # what must stay: the spend, and the tactics' minimums; the data do not say
            # which tactic spent what, so with several tactics both are kept in full
            kept = max(lo["cost"], least[0]) if len(least) == 1 else lo["cost"] + sum(least)
            movable = max(0.0, planned.get(key, 0.0) - kept)
            if movable <= 0:
                continue
            for g, part in zip(good.to_dict("records"), share):
                rows.append({
                    "from_channel": lo["channel"], "to_channel": g["channel"],
                    "amount": movable * part, "from_tactics": lo["tactics"],
                    "to_tactics": g["tactics"],
                    "attribution": model,
                    "evidence": (f"{basis}{lo['channel']}: CPA {lo['cpa']:.4g} "
                                 f"[{lo['cpa_low']:.4g}, {lo['cpa_high']:.4g}] above the "
                                 f"break-even {lo['break_even_cpa']:.4g}; {g['channel']}: "
                                 f"CPA {g['cpa']:.4g} [{g['cpa_low']:.4g}, "
                                 f"{g['cpa_high']:.4g}] below it; "
                                 f"{movable:.6g} of {lo['channel']}'s planned budget is "
                                 f"unspent and above its tactics' minimums")})
        return pd.DataFrame(rows, columns=cols)

    @property
    def scoreboard(self):
        """The 5S scoreboard: per S (sell, serve, speak, save, sizzle) the plan's
        objectives, how many are on track, at risk, off track or without data, and
        the S's status (its worst objective's, ignoring those without data)."""
        import pandas as pd

        status = dict(zip(self.kpis["objective"], self.kpis["status"]))
        rows = []
        for s5 in FIVE_S:
            ids = [o.get("id") for o in self._doc.get("objectives", []) or []
                   if o.get("five_s") == s5]
            counts = {st: sum(status.get(i) == st for i in ids) for st in STATUSES}
            known = [st for st in ("off_track", "at_risk", "on_track") if counts[st]]
            rows.append({"five_s": s5, "objectives": ",".join(ids), **counts,
                         "status": known[0] if known else
                         ("insufficient_data" if ids else "no objective")})
        return pd.DataFrame(rows, columns=["five_s", "objectives", *STATUSES, "status"])

    @property
    def race_funnel(self):
        """The RACE funnel from the data: reach (sessions, which add up across rows,
        else visitors: a sum of daily distinct counts, labelled so in the report), act
        (sessions that did not bounce, else leads), convert (orders) and engage
        (repeat customers), as far as the data have the columns; each stage's count,
        its rate from the previous stage, and the plan's objectives on that stage
        with their statuses."""
        import pandas as pd

        df = self._data
        status = dict(zip(self.kpis["objective"], self.kpis["status"]))
        objectives = {}
        for o in self._doc.get("objectives", []) or []:
            if o.get("race"):
                objectives.setdefault(o["race"], []).append(
                    f"{o.get('id')} ({status.get(o.get('id'), 'insufficient_data')})")
        rows, previous = [], None
        cols = set(df.columns) if df is not None else set()
        for stage, measure in (("reach", "sessions" if "sessions" in cols else "visitors"),
                               ("act", "engaged_sessions"), ("convert", "orders"),
                               ("engage", "repeat_customers")):
            if stage == "act":
                if {"sessions", "bounces"} <= cols:
                    count = float(df["sessions"].sum() - df["bounces"].sum())
                    measure = "sessions - bounces"
                elif "leads" in cols:
                    count, measure = float(df["leads"].sum()), "leads"
                else:
                    continue
            elif measure in cols:
                count = float(df[measure].sum())
            else:
                continue
            rows.append({"stage": stage, "measure": measure, "count": count,
                         "rate_from_previous": count / previous if previous else np.nan,
                         "objectives": ", ".join(objectives.get(stage, []))})
            previous = count
        return pd.DataFrame(rows, columns=["stage", "measure", "count", "rate_from_previous",
                                           "objectives"])

    @property
    def alerts(self):
        """The periods where an objective's KPI series left its control limits:
        objective, kpi, chart, period, move ("up" or "down", of the KPI itself),
        value and limit (of the chart's statistic) and shift (in standard
        deviations). Rates get Laney's p'-chart (chart "p'"), costs per count a
        u'-chart of counts per unit of cost, counts a u'-chart per day, other ratios
        and sums an EWMA chart (lambda 0.2, 3 sd) around their own mean and spread:
        periods unusual for the series itself, whatever the target. Laney's charts
        widen the binomial / Poisson limits by the series' own period-to-period
        spread, so large samples whose rate wanders a little do not signal every
        period."""
        import pandas as pd

        parts = []
        for oid, (kpi, flip, chart) in self.charts.items():
            a = chart.alerts
            if a.empty:
                continue
            up = a["direction"] == "above"
            parts.append(pd.DataFrame({
                "objective": oid, "kpi": kpi, "period": a["period"],
                "chart": chart.kind + ("'" if chart.parameters.get("laney") else ""),
                "move": np.where(up != flip, "up", "down"), "value": a["value"],
                "limit": a["limit"], "shift": a["shift"]}))
        cols = ["objective", "kpi", "chart", "period", "move", "value", "limit", "shift"]
        if not parts:
            return pd.DataFrame(columns=cols)
        return pd.concat(parts, ignore_index=True)[cols]

    def to_dict(self) -> dict:
        """Plain Python values (for JSON)."""
        def records(frame):
            if frame is None:
                return []
            return [{k: _json_value(v) for k, v in r.items()} for r in frame.to_dict("records")]

        from .analyses import ANALYSES

        out = {"as_of": self._day(), "alpha": self.alpha, "level": self.level,
               "kpis": records(self.kpis), "alerts": records(self.alerts)}
        for key, analysis in ANALYSES.items():
            out[key] = analysis.to_json(self.parts.get(key))
        out.update({"scoreboard": records(self.scoreboard),
                    "recommendations": records(self.recommendations),
                    "race_funnel": records(self.race_funnel),
                    "findings": list(self.findings)})
        return out

    def _day(self) -> str:
        """The as-of day, YYYY-MM-DD."""
        return self.as_of.date().isoformat()

    def to_json(self, **kwargs: Any) -> str:
        """The result as JSON (``json.dumps`` keyword arguments pass through)."""
        import json

        return json.dumps(self.to_dict(), **kwargs)

    def to_markdown(self) -> str:
        """A Markdown summary: one table row per objective, then the findings."""
        lines = [f"# KPI status as of {self._day()}", "",
                 "| objective | kpi | value | target | status | p | projected at deadline |",
                 "|---|---|---:|---:|---|---:|---|"]
        for r in self.kpis.to_dict("records"):
            proj = ("-" if not np.isfinite(r["projected"]) else
                    f"{_short(r['projected'])} [{_short(r['projected_low'])}, "
                    f"{_short(r['projected_high'])}]")
            p = ("-" if not np.isfinite(r["p_value"]) else
                 _p_text(r["p_value"]).replace("p = ", "").replace("p ", ""))
            lines.append(f"| {_md(r['objective'])} | {_md(r['kpi'])} | {_short(r['value'])} | "
                         f"{_short(r['target'])} | {r['status']} | {p} | {proj} |")
        works = self.what_works
        if works is not None and len(works):
            lines += ["", "What works (CPA against break-even, ROAS):", "",
                      "| channel | cost | orders | CPA [interval] | break-even | ROAS | verdict |",
                      "|---|---:|---:|---|---:|---:|---|"]
            for w in works.to_dict("records"):
                cpa = ("-" if not (w["orders"] > 0 and w["cost"] > 0) else
                       f"{w['cpa']:.4g} [{w['cpa_low']:.4g}, {w['cpa_high']:.4g}]")
                be = "-" if not np.isfinite(w["break_even_cpa"]) else f"{w['break_even_cpa']:.4g}"
                roas = "-" if not np.isfinite(w["roas"]) else f"{w['roas']:.3g}"
                lines.append(f"| {_md(w['channel'])} | {w['cost']:.6g} | {w['orders']:.6g} | "
                             f"{cpa} | {be} | {roas} | {w['verdict']} |")
        recs = self.recommendations
        if len(recs):
            lines += ["", "Recommendations:", ""]
            for r in recs.to_dict("records"):
                lines.append(f"- move {r['amount']:,.0f} from {_md(r['from_channel'])} to "
                             f"{_md(r['to_channel'])}: {_md(r['evidence'])}")
        exps = self.experiments
        if exps is not None and len(exps):
            lines += ["", "Experiments:", ""]
            for eid, g in exps.groupby("experiment", sort=False):
                lines.append(f"- {_md(eid)} ({_md(g['kpi'].iloc[0])}): "
                             f"{_md(g['verdict'].iloc[0])}")
        alerts = self.alerts
        if len(alerts):
            lines += ["", "Alerts (periods outside their control limits):", ""]
            for a in alerts.to_dict("records"):
                period = a["period"].date() if hasattr(a["period"], "date") else a["period"]
                lines.append(f"- {_md(a['objective'])} ({_md(a['kpi'])}), {period}: "
                             f"{a['move']}, {a['shift']:+.2f} sd ({a['chart']}-chart)")
        if self.findings:
            lines += ["", "Findings:", ""]
            lines += [f"- {_md(f['objective']) + ': ' if f['objective'] else ''}"
                      f"{_md(f['message'])}" for f in self.findings]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """One self-contained HTML page (no scripts, no network): the KPI table with
        each rule, the 5S scoreboard, the RACE funnel, what works, the
        recommendations, the experiments, the alerts and the findings. Every text
        from the plan or the data is escaped."""
        def table(frame, title):
            if frame is None or len(frame) == 0:
                return f"<h2>{html.escape(title)}</h2><p>None.</p>"
            body = frame.to_html(index=False, escape=True, na_rep="-", float_format="{:.6g}".format)
            return f"<h2>{html.escape(title)}</h2>{body}"

        style = ("body{font-family:sans-serif;margin:2em;max-width:80em}"
                 "table{border-collapse:collapse;margin-bottom:1.5em}"
                 "td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}"
                 ".on_track{color:#1a7f37}.at_risk{color:#9a6700}.off_track{color:#cf222e}")
        day = self._day()
        parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'>"
                 f"<title>KPI status as of {html.escape(str(day))}</title>"
                 f"<style>{style}</style></head><body>",
                 f"<h1>KPI status as of {html.escape(str(day))}</h1>",
                 f"<p>{html.escape(repr(self))}</p>",
                 table(self.kpis, "KPIs against their targets"),
                 table(self.scoreboard, "5S scoreboard"),
                 table(self.race_funnel, "RACE funnel"),
                 table(self.what_works, "What works"),
                 table(self.recommendations, "Recommendations"),
                 table(self.experiments, "Experiments"),
                 table(self.alerts, "Alerts"),
                 "<h2>Findings</h2>" + ("<ul>" + "".join(
                     f"<li>{html.escape(str(f['objective'])) + ': ' if f['objective'] else ''}"
                     f"{html.escape(str(f['message']))}</li>"
                     for f in self.findings) + "</ul>" if self.findings else "<p>None.</p>"),
                 "</body></html>"]
        return "\n".join(parts)

    def __repr__(self) -> str:
        counts = self.kpis["status"].value_counts()
        parts = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES if counts.get(s, 0))
        return (f"ControlResult(as of {self._day()}: {len(self.kpis)} KPIs"
                f"{': ' + parts if parts else ''}; {len(self.findings)} finding(s))")

    def _repr_html_(self) -> str:
        return (f"<p>{html.escape(repr(self))}</p>"
                + self.kpis.drop(columns=["rule"]).to_html(index=False, escape=True))


def _json_value(v: Any) -> Any:
    """A JSON-ready value: NaN, inf and NaT -> None, dates -> YYYY-MM-DD, numpy
    scalars -> Python."""
    import math

    if v is None:
        return None
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    if hasattr(v, "isoformat"):
        import pandas as pd

        return None if v is pd.NaT else v.isoformat()[:10]
    return v


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _utc_naive(ts):
    """A Timestamp with a zone as UTC without one (the input layer's time rule)."""
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts


def _whole_period_table(data, kpis, by, level: float):
    """kpi_table over all of `data` as one period (a constant time column)."""
    import pandas as pd

    from . import metrics

    return metrics.kpi_table(data.assign(_sostac_all=pd.Timestamp("1970-01-01")), kpis, by=by,
                             period="day", time="_sostac_all", level=level)


def _day_number(ts) -> float:
    import pandas as pd

    return float((pd.Timestamp(ts) - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1))


def evaluate(plan, data: Any, *, as_of: Any = None, alpha: float = 0.05, level: float = 0.95,
             time: str = "date", channel: str = "channel", variant: str = "variant",
             progress: Optional[Any] = None, time_unit: Optional[str] = None,
             transactions: Any = None, customer: str = "customer_id",
             transaction_time: str = "timestamp",
             amount: Optional[str] = "amount", touchpoints: Any = None,
             attribution: str = "markov", user: str = "user_id",
             touch_time: str = "timestamp", conversion: str = "conversion",
             conversion_value: Optional[str] = "value",
             lookback: Any = "30D") -> ControlResult:
    """Each objective's KPI against its target: the value to date with its interval,
    a one-sided test of it against the target, a projection to the deadline and a
    status, by the rule of ``docs/control.md``.

    Parameters
    ----------
    plan : sostac.Plan
    data : DataFrame (pandas or polars), pyarrow Table or dict of arrays
        A daily aggregate in the shape of :func:`sostac.metrics.kpi_table`: a time
        column, a channel column (when objectives are scoped to channels) and the
        measures the KPIs need.
    as_of : date-like, optional
        Evaluate with the data up to this day (default: the last day in the data).
    alpha : float
        Significance of the test behind "off_track" (0.05).
    level : float
        Level of the intervals and of the projection's prediction interval (0.95).
    time, channel, variant : str
        Column names (the variant column is read for the plan's experiments).
    progress : callable, optional
        Called as ``progress(done, total)`` before each objective (for progress bars).
    time_unit : {"s", "ms", "us", "ns", "D"}, optional
        The unit of a numeric time column of epoch times; whole-number YYYYMMDD dates
        need none (``docs/input.md``).
    transactions : DataFrame, pyarrow Table or dict of arrays, optional
        An order log, one row per order: the customer, the time, and optionally the
        channel (the ``channel`` column) and the amount. With it the objectives on
        distinct customers (``repeat_purchase_rate``, ``churn_rate``) are counted from
        the orders (the rules: ``docs/customer.md``, "Engage in the Control stage")
        and ``ControlResult.engage`` holds the customer analysis. It passes the input
        layer too (blank or bad times and orders without a customer are left out,
        each a finding).
    customer, transaction_time, amount : str
        The order log's column names (amount optional: None or absent for none).
    touchpoints : DataFrame, pyarrow Table or dict of arrays, optional
        A touchpoint log (one row per touch: user, time, channel in the ``channel``
        column, and a conversion flag; :func:`sostac.attribution.paths`) or a path
        table (:func:`sostac.attribution.read_paths`'s or ChannelAttribution's layout).
        With it ``ControlResult.attribution`` compares the attribution models and what
        works (and so the recommendations) credits orders and revenue by ``attribution``
        (docs/attribution.md, "Attribution in the Control stage").
    attribution : str
        The model what works rests on: "markov" (default), "shapley", "linear",
        "position", "time_decay", "first", "last" or "last_non_direct".
    user, touch_time, conversion, conversion_value : str
        The touchpoint log's column names (conversion_value optional).
    lookback : str
        The journeys' lookback window before each conversion ("30D").

    The data pass the input layer first (:func:`sostac.io.clean`): rows with a
    blank or unparseable time, a missing, negative, fractional or implausible
    measure, a count above the count it is a share of (clicks above impressions) and
    exact repeats of an earlier row are left out, each rule broken giving one
    finding that names the column and the rows (file lines when the data come from
    :func:`sostac.io.read_table`); times with a zone are converted to UTC.

    Returns
    -------
    ControlResult
    """
    pd = _io._pd()  # one line naming the extra when pandas is missing

    from . import metrics

    if not (isinstance(alpha, float) and 0 < alpha < 1):
        raise InputError(f"alpha: expected a level in (0, 1), got {alpha!r}")
    doc = plan.to_dict()
    raw = _io.to_pandas(data)
    if time not in raw.columns:
        raise InputError(f"data: expected a time column '{time}'")
    cleaned = _io.clean(raw, time=time, keys=[channel, variant], time_unit=time_unit)
    df = cleaned.frame
    times = df[time]
    try:
        end = _utc_naive(pd.Timestamp(as_of)) if as_of is not None else times.max()
    except (ValueError, TypeError) as exc:
        raise InputError(f"as_of: {exc}") from None
    if pd.isna(end):
        raise InputError(f"data: no rows to evaluate"
                         f"{' (' + cleaned.findings[0].message + ')' if cleaned.findings else ''}")
    keep = (times <= end).to_numpy()
    if not keep.all():
        df = df.loc[keep]
    # each objective and experiment filters by channel: text columns become
    # categorical once, so that every filter compares small integer codes
    if channel in df.columns and isinstance(df[channel].dtype, pd.StringDtype) \
            and len(df) > 100_000 and not df[channel].hasnans:
        df = df.assign(**{channel: df[channel].astype("category")})
    catalog = {k["id"]: k for k in _core.plan.kpi_catalog()}
    custom = {k["id"]: k for k in doc.get("kpis", []) or []}
    control = doc.get("control", {}) or {}
    cadence_of = {t.get("objective"): t.get("cadence") for t in control.get("targets", []) or []}
    horizon_end = (doc.get("plan", {}).get("horizon") or {}).get("end")
    rows, series, charts = [], [], {}
    findings = [{"objective": "", "message": f"data: {f.message}"} for f in cleaned.findings]
    from .analyses import ANALYSES, Inputs

    inputs = Inputs(plan=doc, data=df, time=time, channel=channel, variant=variant,
                    as_of=end, alpha=alpha, level=level, catalog=catalog, custom=custom,
                    findings=findings)
    extra = {"transactions": transactions, "customer": customer,
             "transaction_time": transaction_time, "amount": amount, "time_unit": time_unit,
             "touchpoints": touchpoints, "attribution": attribution, "user": user,
             "touch_time": touch_time, "conversion": conversion,
             "touch_value": conversion_value, "lookback": lookback}
    for analysis in ANALYSES.values():
        analysis.prepare(inputs, extra)
    objectives = doc.get("objectives", []) or []
    for done, obj in enumerate(objectives):
        if progress is not None:
            progress(done, len(objectives))
        oid, kpi = obj.get("id"), obj.get("kpi")
        definition = custom.get(kpi) or catalog.get(kpi)
        direction = obj.get("direction") or (
            "increase" if (definition or {}).get("direction", "higher") == "higher"
            else "decrease")
        higher = direction == "increase"
        cadence = (cadence_of.get(oid) or control.get("cadence")
                   or (definition or {}).get("cadence") or "weekly")
        try:
            deadline = pd.Timestamp(obj.get("deadline") or horizon_end or end)
        except (ValueError, TypeError):
            deadline = pd.NaT
        target = obj.get("target")
        target = float(target) if isinstance(target, (int, float)) and \
            not isinstance(target, bool) else np.nan
        row = {"objective": oid, "kpi": kpi, "period": pd.NaT, "value": np.nan,
               "low": np.nan, "high": np.nan, "target": target,
               "status": "insufficient_data", "rule": "", "p_value": np.nan,
               "projected": np.nan, "projected_low": np.nan, "projected_high": np.nan,
               "direction": direction, "deadline": deadline, "cadence": cadence,
               "periods": 0, "test": "", "statistic": np.nan, "dispersion": np.nan,
               "dispersion_p": np.nan, "df": np.nan}
        rows.append(row)

        def finding(message: str) -> None:
            findings.append({"objective": oid, "message": message})
            row["rule"] = message

        if definition is None:
            finding(f"KPI '{kpi}' is neither in the catalogue nor defined in the plan")
            continue
        if not np.isfinite(target):
            finding("the objective has no numeric target")
            continue
        if pd.isna(deadline):
            finding(f"the deadline {obj.get('deadline')!r} is not a date")
            continue
        if cadence not in _PERIOD_OF_CADENCE:
            finding(f"unknown cadence '{cadence}' (expected daily, weekly, monthly or "
                    f"quarterly)")
            continue
        if len(df) == 0:
            finding(f"no rows up to {end.date()}")
            continue
        # after the deadline the objective is judged on the data up to its deadline
        until = min(end, deadline)
        # an analysis with its own input (the order log) may count this KPI's measures
        # itself: one row per period and one for the whole time to date
        own = None
        for analysis in ANALYSES.values():
            own = analysis.kpi_rows(obj, definition, _PERIOD_OF_CADENCE[cadence], until,
                                    inputs)
            if own is not None:
                break
        if isinstance(own, str):
            finding(own)
            continue
        interval = None  # the analysis's own interval of the value to date, if any
        if own is not None:
            part, whole, ptime = own[:3]
            interval = own[3] if len(own) > 3 else None
        else:
            ptime = time
            # the rows of the scope's channel, with only the columns the KPI reads
            words = set(re.findall(r"[A-Za-z_]\w*", f"{definition.get('numerator', '')} "
                                                     f"{definition.get('denominator') or ''}"))
            part = df[[time] + [c for c in df.columns if c in words and c != time]]
            scope_channel = (obj.get("scope") or {}).get("channel")
            if scope_channel is not None:
                if channel not in df.columns:
                    finding(f"the data have no '{channel}' column for the scope channel "
                            f"'{scope_channel}'")
                    continue
                part = part.loc[_text_in(df[channel], [scope_channel])]
                if len(part) == 0:
                    finding(f"no rows for channel '{scope_channel}' up to {end.date()}")
                    continue
            # cells the input layer found missing or set missing leave this KPI's rows
            part = part.dropna(subset=[c for c in part.columns if c != time])
            if len(part) == 0:
                finding(f"no rows with the KPI's measures up to {end.date()}")
                continue
            if until < end:
                part = part.loc[(pd.to_datetime(part[time]) <= until).to_numpy()]
                if len(part) == 0:
                    finding(f"no rows up to the deadline {deadline.date()}")
                    continue
            whole = part
        spec = kpi if kpi in catalog and kpi not in custom else {
            "id": kpi, "numerator": definition["numerator"],
            "denominator": definition.get("denominator") or "",
            "scale": definition.get("scale", 1.0), "unit": definition.get("unit", "ratio")}
        try:
            per = metrics.kpi_table(part, [spec], by=(), period=_PERIOD_OF_CADENCE[cadence],
                                    time=ptime, level=level)
            total = _whole_period_table(whole, [spec], (), level)
        except (ValueError, KeyError) as exc:
            finding(str(exc))
            continue
        per_all = per  # with the periods whose value is undefined (no orders yet)
        per = per[np.isfinite(per["value"].to_numpy(dtype=float))]
        t = total.iloc[0]
        if interval is not None:
            t = t.copy()
            t["value"], t["low"], t["high"] = interval
        # a plain sum (visitors, revenue) is compared per period, as its target is; a
        # period the data cover only in part (the first, or the last before as_of)
        # counts for its covered share, and its value is scaled to a whole period
        plain = str(t["interval"]) in ("poisson", "normal")
        first = pd.to_datetime(part[ptime]).min().normalize()
        cover = (_coverage(per["period"], cadence, first, until.normalize()) if plain
                 else np.ones(len(per)))
        if plain:
            per = per.assign(**{k: per[k].to_numpy(dtype=float) / cover
                                for k in ("value", "low", "high")})
        series.append(per.assign(objective=oid, coverage=cover))
        chart = _series_chart(str(t["interval"]), per)
        if chart is not None:
            charts[oid] = (kpi, chart[0], chart[1])
        x = [_day_number(p) for p in per["period"]]
        y = per["value"].astype(float).tolist()
        denominator = float(t["denominator"])
        exposure = float(cover.sum())
        # per period, the counts and trials / exposures behind the dispersion (a plain
        # sum's exposure is the days of its period the data cover: months of 28 and
        # 31 days at the same daily rate do not count as dispersion)
        src = per if plain else per_all
        pnum = src["numerator"].to_numpy(dtype=float)
        pden = (cover * _period_days(per["period"], cadence) if plain
                else src["denominator"].to_numpy(dtype=float))
        if str(t["interval"]) in ("normal", "delta"):  # other ratios and sums: z test
            pnum = pden = np.empty(0)
        r = _core.control.evaluate_kpi(
            str(t["interval"]), float(t["numerator"]), denominator, float(t["value"]),
            float(t["low"]), float(t["high"]), exposure, row["target"], higher, x, y,
            _day_number(deadline), _day_number(until), alpha, level,
            pnum.tolist(), pden.tolist())
        scale = 1.0 / exposure if plain and exposure > 0 else 1.0
        row.update(period=per["period"].iloc[-1] if len(per) else pd.NaT,
                   value=float(t["value"]) * scale, low=float(t["low"]) * scale,
                   high=float(t["high"]) * scale,
                   status=r["status"], p_value=r["p_value"], projected=r["projected"],
                   projected_low=r["projected_low"], projected_high=r["projected_high"],
                   periods=len(per), test=r["test"], statistic=r["statistic"],
                   dispersion=r["dispersion"], dispersion_p=r["dispersion_p"], df=r["df"])
        if not r["test"]:  # nothing to test: the denominator sums to 0
            den = definition.get("denominator") or "its denominator"
            finding(f"no {den} up to {until.date()}: the KPI is not defined yet")
            row["rule"] += " -> insufficient_data"
            continue
        row["rule"] = _rule_text(row, r, higher, level, plain, until < end)
    kpis = pd.DataFrame(rows, columns=KPI_COLUMNS)
    cols = ["objective", "kpi", "period", "value", "low", "high", "numerator", "denominator",
            "rows", "coverage"]
    series_df = (pd.concat(series, ignore_index=True)[cols] if series
                 else pd.DataFrame(columns=cols))
    parts = {key: analysis.run(inputs) for key, analysis in ANALYSES.items()}
    result = ControlResult(kpis, series_df, findings, end, alpha, level, charts,
                           parts=parts)
    result._doc, result._data = doc, df
    return result


def _series_chart(interval: str, per):
    """(flip, chart) for a KPI's per-period series (see ControlResult.alerts); flip
    when the chart's statistic moves against the KPI (counts per cost for a cost per
    count). None when the series cannot be charted."""
    num = per["numerator"].to_numpy(dtype=float)
    den = per["denominator"].to_numpy(dtype=float)
    periods = list(per["period"])
    if len(per) == 0:
        return None
    if interval == "wilson":
        return False, p_chart(num, den, laney=True, periods=periods)
    if interval == "poisson-gamma":
        keep = num > 0  # periods with spend
        if not keep.any() or den[keep].sum() == 0:
            return None
        return True, u_chart(den[keep], num[keep], laney=True,
                             periods=[p for p, k in zip(periods, keep) if k])
    if interval == "poisson":
        return False, u_chart(num, per["rows"].to_numpy(dtype=float), laney=True,
                              periods=periods)
    values = per["value"].to_numpy(dtype=float)
    if len(values) < 3 or not np.isfinite(values).all() or values.std(ddof=1) == 0:
        return None
    return False, ewma_chart(values, mu0=float(values.mean()), sd=float(values.std(ddof=1)),
                             periods=periods)


def _text_in(column, values) -> np.ndarray:
    """Rows whose value, as text, is one of `values` (a boolean array). Categorical
    and string columns are compared without turning every row into a Python string."""
    import pandas as pd

    wanted = [str(v) for v in values]
    if isinstance(column.dtype, pd.StringDtype):
        return column.isin(wanted).to_numpy(dtype=bool)
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, labels = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, labels = pd.factorize(column)
    hit = np.flatnonzero(np.isin(np.asarray(pd.Index(labels).astype(str)), wanted))
    mask = np.zeros(len(codes), dtype=bool)
    for h in hit:  # a few labels: one comparison each beats np.isin's sort
        mask |= codes == h
    return mask


_NEXT_PERIOD = {"daily": dict(days=1), "weekly": dict(days=7), "monthly": dict(months=1),
                "quarterly": dict(months=3)}


def _coverage(starts, cadence: str, first, last) -> np.ndarray:
    """The share of each period (given by its start) that lies within [first, last]
    (days), e.g. 10/31 for a March the data reach until the 10th."""
    import pandas as pd

    starts = pd.DatetimeIndex(pd.to_datetime(starts))
    ends = starts + pd.DateOffset(**_NEXT_PERIOD[cadence])  # exclusive
    day = np.timedelta64(1, "D")
    s_, e_ = starts.values, ends.values
    lo = np.maximum(s_, np.datetime64(first, "ns"))
    hi = np.minimum(e_, np.datetime64(last, "ns") + day)
    covered = np.clip((hi - lo) / day, 0, None)
    return np.asarray(covered / ((e_ - s_) / day), dtype=float)


def _period_days(starts, cadence: str) -> np.ndarray:
    """The length in days of each period (given by its start)."""
    import pandas as pd

    starts = pd.DatetimeIndex(pd.to_datetime(starts))
    ends = starts + pd.DateOffset(**_NEXT_PERIOD[cadence])
    return np.asarray((ends.values - starts.values) / np.timedelta64(1, "D"), dtype=float)


def _short(v: float) -> str:
    """A number for a table read by people: thousands separated from 1,000 on, else 4
    significant digits; "-" when undefined."""
    if not np.isfinite(v):
        return "-"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def _p_text(p: float) -> str:
    """"p < 0.001" below 0.001, else "p = " with 3 significant digits."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3g}"


_TEST_NAMES = {"score": "score test", "poisson": "exact Poisson test", "z": "z test",
               "quasi-binomial": "quasi-binomial t test",
               "quasi-poisson": "quasi-Poisson t test"}


def _dispersion_text(r: dict) -> str:
    """Which test the dispersion chose, with its numbers ("" for other ratios)."""
    phi, df = r["dispersion"], r["df"]
    if r["test"] == "z":
        return ""
    family = "binomial" if r["test"] in ("score", "quasi-binomial") else "Poisson"
    if not np.isfinite(phi):
        return (f"dispersion not estimable (fewer than 2 periods with data, or no "
                f"events): the plain {family} test")
    numbers = (f"dispersion {phi:.4g} from {df + 1:.0f} periods (chi-square "
               f"{_p_text(r['dispersion_p'])})")
    if r["test"].startswith("quasi"):
        return (f"{numbers}: more variation than the {family} allows, so the score z / "
                f"sqrt(dispersion) against t with {df:.0f} df")
    return f"{numbers}: no more variation than the {family} allows, so the plain test"


def _rule_text(row: dict, r: dict, higher: bool, level: float, plain: bool,
               at_deadline: bool = False) -> str:
    sign = ">=" if higher else "<="
    test = _TEST_NAMES[r["test"]]
    to = "at the deadline" if at_deadline else "to date"
    parts = [f"H0: {row['kpi']} {sign} {row['target']:.6g}; {test} of the value {to} "
             f"({r['compared']:.6g}{' per period' if plain else ''}"
             f"): statistic {r['statistic']:.4g}, {_p_text(r['p_value'])}"]
    if _dispersion_text(r):
        parts.append(_dispersion_text(r))
    if np.isfinite(r["projected"]):
        parts.append(f"projection to {row['deadline'].date()}: {r['projected']:.6g} "
                     f"[{r['projected_low']:.6g}, {r['projected_high']:.6g}] "
                     f"({level:.0%} prediction interval)")
    else:
        parts.append("no projection (fewer than 3 periods)")
    return "; ".join(parts) + f" -> {row['status']}"
