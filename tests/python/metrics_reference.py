"""Pure pandas/numpy reference implementations of ``sostac.metrics`` and data generators.

This module is imported by the tests and by ``benchmarks/python/bench_metrics.py``.
It deliberately contains no test functions (pytest collects nothing from it) and
depends only on numpy, pandas and scipy. The code favours being an obviously literal
transcription of the metrics contract over being fast: it is the yardstick the C++
kernels are checked against, so every function follows the written semantics step by
step (groupby sums, explicit two-pass variance formulas, a per-user Python loop for
the funnel state machine).

Contents
--------
Periods
    :func:`to_utc_naive`, :func:`period_start`, :func:`period_number`.
KPI roll-up
    :data:`CATALOGUE`, :class:`KpiDef`, :func:`parse_expression`,
    :func:`measure_kind`, :func:`interval_method`, :func:`wilson_interval`,
    :func:`garwood_interval`, :func:`kpi_table`.
Funnels
    :func:`funnel_chains` and :func:`funnel_levels` (the windowFunnel state machine,
    window and strict modes), :func:`funnel_levels_greedy` (an independent
    window-mode reference: best greedy chain over all step-0 starts, with
    ``numpy.searchsorted``), :func:`funnel` (per-step table, groups, medians).
Cohorts
    :func:`cohorts`.
Generators
    :func:`make_daily` (daily aggregate measures), :func:`make_events` (event log).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

__all__ = [
    "CATALOGUE",
    "DEFAULT_CHANNELS",
    "DEFAULT_STEPS",
    "KPI_COLUMNS",
    "KpiDef",
    "PERIODS",
    "cohorts",
    "funnel",
    "funnel_chains",
    "funnel_levels",
    "funnel_levels_greedy",
    "garwood_interval",
    "interval_method",
    "kpi_table",
    "make_daily",
    "make_events",
    "measure_kind",
    "parse_expression",
    "period_number",
    "period_start",
    "to_utc_naive",
    "wilson_interval",
]

PERIODS = ("day", "week", "month", "quarter")

# ----------------------------------------------------------------------------- periods


def _as_series(values) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    return pd.Series(values)


def _offset(utc_offset) -> pd.Timedelta:
    """``utc_offset`` as a Timedelta; a plain number is read as seconds.

    (``pd.Timedelta(3600)`` would be 3600 *nanoseconds*, hence the special case.)
    """
    if isinstance(utc_offset, (int, float, np.integer, np.floating)) and not isinstance(
        utc_offset, bool
    ):
        return pd.Timedelta(seconds=float(utc_offset))
    return pd.Timedelta(utc_offset)


def to_utc_naive(values) -> pd.Series:
    """Timestamps as tz-naive UTC ``datetime64[ns]``.

    Parameters
    ----------
    values : array-like or pandas.Series
        datetime64 (tz-naive values are taken to be UTC), tz-aware datetimes
        (converted to UTC), or numbers (seconds since the Unix epoch).

    Returns
    -------
    pandas.Series
        ``datetime64[ns]`` with a fresh RangeIndex.
    """
    s = _as_series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(s.dtype):
        pass
    elif pd.api.types.is_numeric_dtype(s.dtype):
        s = pd.to_datetime(s.astype("float64"), unit="s")
    else:
        raise TypeError(f"cannot read {s.dtype} as timestamps")
    return s.astype("datetime64[ns]")


def period_start(values, period: str, utc_offset=0) -> pd.Series:
    """Start (midnight, tz-naive) of the day/ISO week/month/quarter of each timestamp.

    Parameters
    ----------
    values : array-like or pandas.Series
        Timestamps, read by :func:`to_utc_naive`.
    period : {"day", "week", "month", "quarter"}
        "week" is the ISO week, starting on Monday.
    utc_offset : pandas.Timedelta or number, default 0
        Fixed offset added to the UTC time before bucketing (numbers are seconds).

    Returns
    -------
    pandas.Series
        ``datetime64[ns]`` period start dates, same length as ``values``.

    Examples
    --------
    >>> period_start(pd.Series(pd.to_datetime(["2027-01-06"])), "week")[0]
    Timestamp('2027-01-04 00:00:00')
    >>> period_start(pd.Series(pd.to_datetime(["2027-05-17"])), "quarter")[0]
    Timestamp('2027-04-01 00:00:00')
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, got {period!r}")
    t = to_utc_naive(values) + _offset(utc_offset)
    day = t.dt.floor("D")
    if period == "day":
        out = day
    elif period == "week":
        out = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    else:
        month = day.dt.month
        if period == "quarter":
            month = (month - 1) // 3 * 3 + 1
        out = pd.to_datetime(
            pd.DataFrame({"year": day.dt.year, "month": month, "day": 1})
        )
    return out.astype("datetime64[ns]")


def period_number(starts, period: str) -> pd.Series:
    """Consecutive integer number of each period start (for ages between periods).

    Parameters
    ----------
    starts : pandas.Series
        Period start dates as returned by :func:`period_start`.
    period : {"day", "week", "month", "quarter"}

    Returns
    -------
    pandas.Series
        int64; the difference of two numbers is the number of periods between them
        (months: ``12*(y2-y1) + (m2-m1)``, weeks: days / 7, quarters likewise).
    """
    s = _as_series(starts)
    if period in ("day", "week"):
        days = (s - pd.Timestamp("1970-01-01")).dt.days.astype("int64")
        return days if period == "day" else days // 7
    if period == "month":
        return (s.dt.year * 12 + s.dt.month - 1).astype("int64")
    if period == "quarter":
        return (s.dt.year * 4 + (s.dt.month - 1) // 3).astype("int64")
    raise ValueError(f"period must be one of {PERIODS}, got {period!r}")


# ----------------------------------------------------------------------------- KPIs


@dataclass(frozen=True)
class KpiDef:
    """A KPI: ``scale * numerator / denominator`` of measure expressions.

    Attributes
    ----------
    id : str
    numerator : str
        Measure expression, e.g. ``"revenue - cost"``.
    denominator : str
        Measure expression, or ``""`` for a plain sum.
    scale : float
    unit : {"ratio", "currency", "count", "seconds"}
    """

    id: str
    numerator: str
    denominator: str = ""
    scale: float = 1.0
    unit: str = "ratio"


CATALOGUE: dict[str, KpiDef] = {
    k.id: k
    for k in [
        KpiDef("ctr", "clicks", "impressions", 1.0, "ratio"),
        KpiDef("cpc", "cost", "clicks", 1.0, "currency"),
        KpiDef("cpm", "cost", "impressions", 1000.0, "currency"),
        KpiDef("bounce_rate", "bounces", "sessions", 1.0, "ratio"),
        KpiDef("time_on_site", "session_seconds", "sessions", 1.0, "seconds"),
        KpiDef("lead_conversion_rate", "leads", "sessions", 1.0, "ratio"),
        KpiDef("cpl", "cost", "leads", 1.0, "currency"),
        KpiDef("conversion_rate", "orders", "sessions", 1.0, "ratio"),
        KpiDef("cpa", "cost", "orders", 1.0, "currency"),
        KpiDef("revenue", "revenue", "", 1.0, "currency"),
        KpiDef("aov", "revenue", "orders", 1.0, "currency"),
        KpiDef("revenue_per_visit", "revenue", "sessions", 1.0, "currency"),
        KpiDef("roas", "revenue", "cost", 1.0, "ratio"),
        KpiDef("roi", "revenue - cost", "cost", 1.0, "ratio"),
        KpiDef("impressions", "impressions", "", 1.0, "count"),
        KpiDef("repeat_purchase_rate", "repeat_customers", "customers", 1.0, "ratio"),
        KpiDef("churn_rate", "churned_customers", "customers", 1.0, "ratio"),
        # Also in the shipped catalogue (sostac.kpi_catalog()), not in the brief's list:
        KpiDef("unique_visitors", "visitors", "", 1.0, "count"),
        KpiDef("followers", "followers", "", 1.0, "count"),
        KpiDef("shares", "shares", "", 1.0, "count"),
        KpiDef("clv", "lifetime_value", "customers", 1.0, "currency"),
    ]
}

MONEY_MEASURES = frozenset({"cost", "revenue", "lifetime_value"})
SECONDS_MEASURES = frozenset({"session_seconds"})

KPI_COLUMNS = [
    "kpi", "value", "low", "high", "numerator", "denominator", "rows", "interval",
]

_TOKEN = re.compile(r"\s*(?:([+-])|([a-z_][a-z0-9_]*))")


def parse_expression(text: str) -> list[tuple[float, str]]:
    """Parse a measure expression into ``[(coefficient, measure), ...]``.

    Parameters
    ----------
    text : str
        Measure names (``[a-z_][a-z0-9_]*``) joined by ``+`` and ``-``; ``""`` is the
        empty expression.

    Returns
    -------
    list of (float, str)

    Examples
    --------
    >>> parse_expression("revenue - cost")
    [(1.0, 'revenue'), (-1.0, 'cost')]
    """
    terms: list[tuple[float, str]] = []
    pos, sign, expect_measure = 0, 1.0, True
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"bad measure expression {text!r} at {pos}")
        op, name = m.groups()
        if expect_measure:
            if name is None:
                raise ValueError(f"expected a measure in {text!r} at {pos}")
            terms.append((sign, name))
            expect_measure = False
        else:
            if op is None:
                raise ValueError(f"expected + or - in {text!r} at {pos}")
            sign = -1.0 if op == "-" else 1.0
            expect_measure = True
        pos = m.end()
    if expect_measure and terms:
        raise ValueError(f"expression {text!r} ends with an operator")
    return terms


def measure_kind(measure: str) -> str:
    """``"money"`` (cost, revenue, lifetime_value), ``"seconds"`` (session_seconds)
    or ``"count"`` (every other measure)."""
    if measure in MONEY_MEASURES:
        return "money"
    if measure in SECONDS_MEASURES:
        return "seconds"
    return "count"


def _single(terms, kind=None, name=None) -> bool:
    """One term with coefficient +1 (of the given kind / name if given)."""
    if len(terms) != 1 or terms[0][0] != 1.0:
        return False
    if kind is not None and measure_kind(terms[0][1]) != kind:
        return False
    return name is None or terms[0][1] == name


def interval_method(kpi: KpiDef) -> str:
    """The interval method the contract assigns to a KPI.

    Returns
    -------
    {"wilson", "poisson-gamma", "delta", "poisson", "normal"}
    """
    num, den = parse_expression(kpi.numerator), parse_expression(kpi.denominator)
    if den:
        if kpi.unit == "ratio" and _single(num, "count") and _single(den, "count"):
            return "wilson"
        if _single(num, name="cost") and _single(den, "count"):
            return "poisson-gamma"
        return "delta"
    if _single(num, "count"):
        return "poisson"
    return "normal"


def _z(level: float) -> float:
    return float(norm.ppf((1.0 + level) / 2.0))


def wilson_interval(x, n, level=0.95):
    """Wilson score interval (no continuity correction) for ``x`` successes of ``n``.

    Parameters
    ----------
    x, n : array-like
        Successes and trials, ``0 <= x <= n``.
    level : float

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper bounds; NaN where ``n == 0``.
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    z = _z(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        center = (x + z * z / 2.0) / (n + z * z)
        half = z * np.sqrt(x * (n - x) / n + z * z / 4.0) / (n + z * z)
    lo = np.where(n > 0, center - half, np.nan)
    hi = np.where(n > 0, center + half, np.nan)
    return lo, hi


def garwood_interval(k, level=0.95):
    """Exact (Garwood) interval for a Poisson mean from a count ``k``.

    ``k_lo = chi2.ppf(alpha/2, 2k)/2`` (0 when ``k == 0``),
    ``k_hi = chi2.ppf(1 - alpha/2, 2k + 2)/2``, ``alpha = 1 - level``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
    """
    k = np.asarray(k, dtype=float)
    alpha = 1.0 - level
    k_lo = np.where(k > 0, chi2.ppf(alpha / 2.0, np.maximum(2.0 * k, 1.0)) / 2.0, 0.0)
    k_hi = chi2.ppf(1.0 - alpha / 2.0, 2.0 * k + 2.0) / 2.0
    return k_lo, k_hi


def _resolve_kpi(kpi) -> KpiDef:
    if isinstance(kpi, KpiDef):
        return kpi
    if kpi not in CATALOGUE:
        raise KeyError(f"unknown KPI {kpi!r}")
    return CATALOGUE[kpi]


def _expression_values(data: pd.DataFrame, terms) -> np.ndarray:
    """Per-row value of a measure expression, float64."""
    out = np.zeros(len(data), dtype=float)
    for coef, measure in terms:
        out = out + coef * data[measure].to_numpy(dtype=float)
    return out


def kpi_table(
    data: pd.DataFrame,
    kpis: Sequence,
    by: Iterable[str] | str = ("channel",),
    period: str = "week",
    time: str = "date",
    level: float = 0.95,
    utc_offset=0,
) -> pd.DataFrame:
    """Reference KPI roll-up with intervals (tidy: one row per group and KPI).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per day x dimensions, with the base-measure columns the KPIs need.
    kpis : sequence of str or KpiDef
        Catalogue ids (or explicit definitions), in output order.
    by : str or iterable of str, default ("channel",)
        Dimension columns.
    period : {"day", "week", "month", "quarter"}
    time : str
        Timestamp column.
    level : float
        Confidence level of the intervals.
    utc_offset : pandas.Timedelta or number (seconds)

    Returns
    -------
    pandas.DataFrame
        Columns "period", the ``by`` columns, "kpi", "value", "low", "high",
        "numerator", "denominator", "rows", "interval"; one row per observed
        (period, by...) group and KPI, sorted by the group keys then KPI order
        (pandas groupby order: a categorical ``by`` column sorts by category order,
        others by value). Rows with a missing key are left out (pandas default).
    """
    by = [by] if isinstance(by, str) else list(by)
    defs = [_resolve_kpi(k) for k in kpis]
    keys = ["period", *by]
    z = _z(level)

    frame = data[by].reset_index(drop=True).copy()
    frame.insert(0, "period", period_start(data[time], period, utc_offset))

    pieces = []
    for order, kpi in enumerate(defs):
        method = interval_method(kpi)
        num_terms = parse_expression(kpi.numerator)
        den_terms = parse_expression(kpi.denominator)
        work = frame.copy()
        work["y"] = _expression_values(data, num_terms)
        work["x"] = _expression_values(data, den_terms) if den_terms else np.nan
        grouped = work.groupby(keys, observed=True, sort=True)

        # pass 1: group sums and row counts
        sums = grouped[["y", "x"]].sum(min_count=1)
        rows = grouped.size()
        sy = sums["y"].to_numpy()
        sx = sums["x"].to_numpy() if den_terms else np.full(len(sums), np.nan)
        n = rows.to_numpy().astype(np.int64)
        s = kpi.scale

        with np.errstate(divide="ignore", invalid="ignore"):
            if den_terms:
                value = np.where(sx != 0, s * sy / sx, np.nan)
            else:
                value = s * sy

            if method == "wilson":
                assert np.all((sy >= 0) & (sy <= sx)), f"{kpi.id}: numerator > denominator"
                lo, hi = wilson_interval(sy, sx, level)
                low, high = s * lo, s * hi
            elif method == "poisson-gamma":
                k_lo, k_hi = garwood_interval(sx, level)
                low = s * sy / k_hi
                high = np.where(k_lo > 0, s * sy / k_lo, np.inf)
            elif method == "poisson":
                k_lo, k_hi = garwood_interval(sy, level)
                low, high = s * k_lo, s * k_hi
            elif method == "normal":
                var = grouped["y"].var(ddof=1).to_numpy()  # NaN when n < 2
                half = z * np.sqrt(n * var)
                low = np.where(n >= 2, s * (sy - half), np.nan)
                high = np.where(n >= 2, s * (sy + half), np.nan)
            else:  # delta
                # pass 2: residuals d_i = y_i - R x_i around the group's ratio R
                ratio = sy / sx
                codes = grouped.ngroup().to_numpy()
                keep = codes >= 0  # rows with a missing key (-1) are in no group
                codes = codes[keep]
                y_i = work["y"].to_numpy()[keep]
                x_i = work["x"].to_numpy()[keep]
                d = y_i - ratio[codes] * x_i
                sum_d2 = (
                    pd.Series(d * d).groupby(codes).sum()
                    .reindex(range(len(sums)), fill_value=0.0).to_numpy()
                )
                xbar = sx / n
                var = sum_d2 / (n * (n - 1.0)) / (xbar * xbar)
                half = z * np.sqrt(var)
                ok = (n >= 2) & (sx != 0)
                low = np.where(ok, s * (ratio - half), np.nan)
                high = np.where(ok, s * (ratio + half), np.nan)
            if den_terms and method != "poisson-gamma":
                low = np.where(sx != 0, low, np.nan)
                high = np.where(sx != 0, high, np.nan)

        piece = sums.index.to_frame(index=False)
        piece["kpi"] = kpi.id
        piece["value"] = value.astype(float)
        piece["low"] = np.asarray(low, dtype=float)
        piece["high"] = np.asarray(high, dtype=float)
        piece["numerator"] = sy.astype(float)
        piece["denominator"] = sx.astype(float)
        piece["rows"] = n
        piece["interval"] = method
        piece["_group"] = np.arange(len(piece))
        piece["_kpi"] = order
        pieces.append(piece)

    if not pieces:
        return pd.DataFrame(columns=[*keys, *KPI_COLUMNS])
    out = pd.concat(pieces, ignore_index=True)
    out = out.sort_values(["_group", "_kpi"], kind="stable")
    out = out.drop(columns=["_group", "_kpi"]).reset_index(drop=True)
    return out[[*keys, *KPI_COLUMNS]]


# ----------------------------------------------------------------------------- funnels


@dataclass
class _EventArrays:
    """Normalised event columns (step events only where noted)."""

    users: pd.Index  # all users, order of first appearance
    codes: np.ndarray  # user code of every input row
    step: np.ndarray  # step index of every input row, -1 = not a step
    t: np.ndarray  # int64 ns (datetime input) or float64 seconds (numeric input)
    window: int | float  # in the unit of t
    is_datetime: bool


def _time_kind(col: pd.Series) -> bool:
    """True for datetime input, False for numeric (epoch seconds)."""
    if isinstance(col.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
        col.dtype
    ):
        return True
    if pd.api.types.is_numeric_dtype(col.dtype):
        return False
    raise TypeError(f"time column must be datetime64 or numeric, got {col.dtype}")


def _window_in(window, is_datetime: bool):
    """The window in the unit of the time column (ns int, or float seconds).

    Timedelta-like windows are exact; a plain number is read as seconds.
    """
    if isinstance(window, (int, float, np.integer, np.floating)) and not isinstance(
        window, bool
    ):
        seconds = float(window)
        return int(round(seconds * 1e9)) if is_datetime else seconds
    td = pd.Timedelta(window)
    return int(td.value) if is_datetime else td.total_seconds()


def _event_arrays(events, steps, window, user, time, event) -> _EventArrays:
    steps = list(steps)
    if len(set(steps)) != len(steps) or not steps:
        raise ValueError("steps must be a non-empty list of distinct event names")
    codes, users = pd.factorize(events[user], sort=False)
    users = pd.Index(users, name=user)
    index_of = {name: i for i, name in enumerate(steps)}
    names = events[event].to_numpy(dtype=object)
    step = np.array([index_of.get(v, -1) for v in names], dtype=np.int64)
    col = events[time]
    is_dt = _time_kind(col)
    if is_dt:
        t = to_utc_naive(col).to_numpy().view("int64")
    else:
        t = col.to_numpy(dtype=float)
    return _EventArrays(users, codes, step, t, _window_in(window, is_dt), is_dt)


def _window_funnel(times, ks, n, window, mode):
    """The windowFunnel state machine for one user, transcribed from the contract.

    Parameters
    ----------
    times, ks : sequences
        The user's step events sorted by (timestamp, step index).
    n : int
        Number of steps.
    window : int or float
    mode : {"window", "strict"}

    Returns
    -------
    (int, list)
        Level and the chain of times that set it (empty for level 0).
    """
    rec = [None] * n  # rec[k] = times of the chain that reached level k+1
    started = False
    for t, k in zip(times, ks):
        if k == 0:
            rec[0] = [t]
            started = True
        elif mode == "strict" and started and rec[k - 1] is None:
            break  # an out-of-order funnel event ends the search
        elif rec[k - 1] is not None and t - rec[k - 1][0] <= window:
            rec[k] = rec[k - 1] + [t]
            if k == n - 1:
                break  # full funnel: stop at the first completion
    level = 0
    while level < n and rec[level] is not None:
        level += 1
    chain = rec[level - 1] if level > 0 else []
    return level, chain


def funnel_chains(
    events: pd.DataFrame,
    steps: Sequence[str],
    *,
    window,
    user: str = "user_id",
    time: str = "timestamp",
    event: str = "event",
    mode: str = "window",
) -> pd.DataFrame:
    """Per-user funnel level and the chain of step times that set it.

    Parameters
    ----------
    events : pandas.DataFrame
        Event log (any row order).
    steps : sequence of str
        Distinct event names, in funnel order; other events are ignored.
    window : pandas.Timedelta or number (seconds)
        Maximum time from the chain's step-0 event to each later step (inclusive).
    user, time, event : str
        Column names. ``time`` is datetime64 (tz-naive = UTC) or epoch seconds.
    mode : {"window", "strict"}

    Returns
    -------
    pandas.DataFrame
        Indexed by user id in order of first appearance in ``events`` (every user,
        level 0 if no chain). Column "level" (int64), then one column per step with
        the chain's time of that step (``datetime64[ns]`` UTC or float seconds;
        NaT/NaN past the level).
    """
    if mode not in ("window", "strict"):
        raise ValueError(f"mode must be 'window' or 'strict', got {mode!r}")
    steps = list(steps)
    if "level" in steps:
        raise ValueError("a step named 'level' clashes with the output column")
    ea = _event_arrays(events, steps, window, user, time, event)
    n = len(steps)
    pos = np.arange(len(ea.step))
    sel = ea.step >= 0
    u, t, k, p = ea.codes[sel], ea.t[sel], ea.step[sel], pos[sel]
    order = np.lexsort((p, k, t, u))  # by user, then timestamp, step, input row
    u, t, k = u[order], t[order], k[order]

    n_users = len(ea.users)
    levels = np.zeros(n_users, dtype=np.int64)
    chain_times = np.full((n_users, n), np.nan, dtype=object)
    bounds = np.flatnonzero(np.diff(u)) + 1
    for idx in np.split(np.arange(len(u)), bounds):
        if len(idx) == 0:
            continue
        code = u[idx[0]]
        level, chain = _window_funnel(t[idx].tolist(), k[idx].tolist(), n, ea.window, mode)
        levels[code] = level
        for j, tj in enumerate(chain):
            chain_times[code, j] = tj

    out = pd.DataFrame({"level": levels}, index=ea.users)
    for j, name in enumerate(steps):
        col = chain_times[:, j]
        if ea.is_datetime:
            ns = np.array(
                [np.iinfo(np.int64).min if pd.isna(v) else int(v) for v in col],
                dtype=np.int64,
            )
            out[name] = ns.view("datetime64[ns]")
        else:
            out[name] = col.astype(float)
    return out


def funnel_levels(
    events: pd.DataFrame,
    steps: Sequence[str],
    *,
    window,
    user: str = "user_id",
    time: str = "timestamp",
    event: str = "event",
    mode: str = "window",
) -> pd.Series:
    """Deepest funnel level per user (the windowFunnel state machine).

    Parameters
    ----------
    events, steps, window, user, time, event, mode
        As in :func:`funnel_chains`.

    Returns
    -------
    pandas.Series
        int64 named "level", indexed by user id (index name = ``user``) in order of
        first appearance in ``events``.
    """
    chains = funnel_chains(
        events, steps, window=window, user=user, time=time, event=event, mode=mode
    )
    return chains["level"].rename("level")


def funnel_levels_greedy(
    events: pd.DataFrame,
    steps: Sequence[str],
    *,
    window,
    user: str = "user_id",
    time: str = "timestamp",
    event: str = "event",
) -> pd.Series:
    """Independent window-mode reference: best greedy chain over step-0 starts.

    For every step-0 event ``s`` of a user, the chain from ``s`` repeatedly takes
    the earliest event of the next step at or after the previous chain event in the
    (timestamp, step)-sorted order, i.e. with timestamp ``>=`` the previous one
    (equal timestamps sort the later step after), as long as it is within
    ``window`` of ``t_s``. The user's level is the longest such chain (0 without a
    step-0 event). All starts of a user advance together, one ``numpy.searchsorted``
    per step.

    Parameters
    ----------
    events, steps, window, user, time, event
        As in :func:`funnel_levels` (window mode only).

    Returns
    -------
    pandas.Series
        int64 named "level", indexed by user in order of first appearance.
    """
    steps = list(steps)
    n = len(steps)
    user_order = pd.Index(pd.unique(events[user].to_numpy()), name=user)
    col = events[time]
    if _time_kind(col):
        t_all = to_utc_naive(col).to_numpy().view("int64")
        w = _window_in(window, True)
    else:
        t_all = col.to_numpy(dtype=float)
        w = _window_in(window, False)
    frame = pd.DataFrame(
        {
            "u": events[user].to_numpy(),
            "t": t_all,
            "e": events[event].to_numpy(dtype=object),
        }
    )
    frame = frame[frame["e"].isin(steps)]

    result = {}
    for uid, g in frame.groupby("u", sort=False):
        names, times = g["e"].to_numpy(), g["t"].to_numpy()
        per_step = [np.sort(times[names == s]) for s in steps]
        starts = per_step[0]
        if len(starts) == 0:
            result[uid] = 0
            continue
        prev = starts.copy()
        alive = np.ones(len(starts), dtype=bool)
        level = np.ones(len(starts), dtype=np.int64)
        for j in range(1, n):
            arr = per_step[j]
            if len(arr) == 0:
                break
            i = np.searchsorted(arr, prev, side="left")
            found = i < len(arr)
            nxt = arr[np.minimum(i, len(arr) - 1)]
            ok = alive & found & (nxt - starts <= w)
            level[ok] += 1
            prev = np.where(ok, nxt, prev)
            alive = ok
            if not alive.any():
                break
        result[uid] = int(level.max())
    levels = [result.get(uid, 0) for uid in user_order]
    return pd.Series(levels, index=user_order, name="level", dtype=np.int64)


def _user_attribute(events, user, time, column, touch) -> pd.Series:
    """Value of ``column`` on each user's first (or last) event, indexed by user.

    touch="first": earliest timestamp over all the user's events, ties -> earlier
    input row; touch="last": latest timestamp, ties -> later input row.
    """
    if touch not in ("first", "last"):
        raise ValueError(f"touch must be 'first' or 'last', got {touch!r}")
    col = events[time]
    t = to_utc_naive(col) if _time_kind(col) else col.astype(float).reset_index(drop=True)
    frame = pd.DataFrame(
        {"u": events[user].to_numpy(), "t": t.to_numpy(), "pos": np.arange(len(events))}
    )
    frame["g"] = events[column].reset_index(drop=True)
    frame = frame.sort_values(["t", "pos"], kind="stable")
    picked = frame.drop_duplicates("u", keep="first" if touch == "first" else "last")
    return picked.set_index("u")["g"]


def funnel(
    events: pd.DataFrame,
    steps: Sequence[str],
    *,
    window,
    user: str = "user_id",
    time: str = "timestamp",
    event: str = "event",
    by: str | None = None,
    mode: str = "window",
    touch: str = "first",
    period: str | None = None,
    utc_offset=0,
) -> pd.DataFrame:
    """Reference per-step funnel table.

    Parameters
    ----------
    events, steps, window, user, time, event, mode
        As in :func:`funnel_chains`.
    by : str, optional
        Column giving each user's group: its value on the user's first
        (``touch="first"``) or last (``touch="last"``) event of any name.
    touch : {"first", "last"}
    period : {"day", "week", "month", "quarter"}, optional
        Also group users by the period of their first (earliest) step-0 event.
    utc_offset : pandas.Timedelta or number (seconds)
        Applied before bucketing ``period``.

    Returns
    -------
    pandas.DataFrame
        Columns ["period"], [by], "step", "step_index" (1-based), "users" (users
        with level >= step_index), "conversion_from_previous",
        "conversion_overall", "drop_off", "median_time_from_previous" (Timedelta
        for datetime input, float seconds for numeric input; NaT/NaN for step 1).
        Groups without a user at step 1 are left out; rows sorted by period, by
        value, step_index.
    """
    steps = list(steps)
    n = len(steps)
    chains = funnel_chains(
        events, steps, window=window, user=user, time=time, event=event, mode=mode
    )
    is_dt = _time_kind(events[time])
    table = chains.copy()
    keys: list[str] = []
    if period is not None:
        names = events[event].to_numpy(dtype=object)
        first_rows = events.loc[names == steps[0]]
        first_t = to_utc_naive(first_rows[time]).groupby(
            first_rows[user].to_numpy(), sort=False
        ).min()
        starts = period_start(first_t, period, utc_offset)
        starts.index = first_t.index
        table["period"] = starts.reindex(table.index).to_numpy()
        keys.append("period")
    if by is not None:
        attr = _user_attribute(events, user, time, by, touch)
        table[by] = attr.reindex(table.index).array
        keys.append(by)

    if keys:
        groups = table.groupby(keys, observed=True, sort=True)
    else:
        groups = [((), table)]

    records = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        lev = g["level"].to_numpy()
        users = [int((lev >= j).sum()) for j in range(1, n + 1)]
        if users[0] == 0:
            continue
        for j in range(1, n + 1):
            rec = dict(zip(keys, key))
            if j == 1:
                median = pd.NaT if is_dt else np.nan
                from_prev = 1.0
                drop = 0
            else:
                reached = g[lev >= j]
                median = (reached[steps[j - 1]] - reached[steps[j - 2]]).median()
                from_prev = users[j - 1] / users[j - 2] if users[j - 2] else np.nan
                drop = users[j - 2] - users[j - 1]
            rec.update(
                step=steps[j - 1],
                step_index=j,
                users=users[j - 1],
                conversion_from_previous=from_prev,
                conversion_overall=users[j - 1] / users[0],
                drop_off=drop,
                median_time_from_previous=median,
            )
            records.append(rec)

    columns = [
        *keys, "step", "step_index", "users", "conversion_from_previous",
        "conversion_overall", "drop_off", "median_time_from_previous",
    ]
    out = pd.DataFrame.from_records(records, columns=columns)
    out["step_index"] = out["step_index"].astype(np.int64)
    out["users"] = out["users"].astype(np.int64)
    out["drop_off"] = out["drop_off"].astype(np.int64)
    out["conversion_from_previous"] = out["conversion_from_previous"].astype(float)
    out["conversion_overall"] = out["conversion_overall"].astype(float)
    med = out["median_time_from_previous"]
    out["median_time_from_previous"] = (
        pd.to_timedelta(med).astype("timedelta64[ns]") if is_dt else med.astype(float)
    )
    if period is not None:
        out["period"] = out["period"].astype("datetime64[ns]")
    if by is not None and isinstance(table[by].dtype, pd.CategoricalDtype):
        out[by] = pd.Categorical(out[by], dtype=table[by].dtype)
    return out


# ----------------------------------------------------------------------------- cohorts


def cohorts(
    events: pd.DataFrame,
    *,
    user: str = "user_id",
    time: str = "timestamp",
    period: str = "month",
    value: str | None = None,
    utc_offset=0,
) -> pd.DataFrame:
    """Reference cohort table (acquisition cohort x age).

    Parameters
    ----------
    events : pandas.DataFrame
    user, time : str
        Column names.
    period : {"day", "week", "month", "quarter"}
    value : str, optional
        Revenue column; adds the "revenue" and "revenue_per_user" metrics.
    utc_offset : pandas.Timedelta or number (seconds)

    Returns
    -------
    pandas.DataFrame
        Index "cohort" (period start of each user's first event; observed cohorts
        only). Columns MultiIndex (metric, age), metric in "users", "retention"
        (+ "revenue", "revenue_per_user"), age 0..A with A = last data period -
        first cohort period. users[c, a] = distinct users of cohort c active at age
        a; retention = users / users[c, 0]; revenue = sum of ``value`` at age a;
        revenue_per_user = revenue / users[c, 0]. Cells past the last data period
        are NaN, observed cells without activity 0.
    """
    start = period_start(events[time], period, utc_offset)
    num = period_number(start, period)
    codes, _ = pd.factorize(events[user], sort=False)
    frame = pd.DataFrame({"u": codes, "start": start, "num": num})
    frame["cohort_num"] = frame.groupby("u")["num"].transform("min")
    frame["cohort"] = frame.groupby("u")["start"].transform("min")
    frame["age"] = frame["num"] - frame["cohort_num"]
    if value is not None:
        frame["value"] = events[value].to_numpy(dtype=float)

    last = int(frame["num"].max())
    max_age = last - int(frame["num"].min())
    ages = pd.RangeIndex(0, max_age + 1, name="age")
    cohort_num = frame.groupby("cohort")["cohort_num"].first()
    beyond = (cohort_num.to_numpy()[:, None] + ages.to_numpy()[None, :]) > last

    def shape(series: pd.Series) -> pd.DataFrame:
        wide = series.unstack("age").reindex(index=cohort_num.index, columns=ages)
        wide = wide.fillna(0.0).astype(float)
        return wide.mask(beyond)

    users = shape(
        frame.drop_duplicates(["u", "age"]).groupby(["cohort", "age"]).size()
    )
    size = users[0]
    parts = {"users": users, "retention": users.div(size, axis=0)}
    if value is not None:
        revenue = shape(frame.groupby(["cohort", "age"])["value"].sum())
        parts["revenue"] = revenue
        parts["revenue_per_user"] = revenue.div(size, axis=0)
    out = pd.concat(parts, axis=1, names=["metric", "age"])
    out.index = pd.DatetimeIndex(out.index, name="cohort").astype("datetime64[ns]")
    return out


# ----------------------------------------------------------------------------- generators

DEFAULT_CHANNELS = (
    "affiliate", "display", "email", "organic", "paid_search", "paid_social",
    "referral", "video",
)
DEFAULT_STEPS = ("visit", "signup", "add_to_cart", "purchase")


def make_daily(
    n_rows: int,
    seed: int = 0,
    channels: Sequence[str] = DEFAULT_CHANNELS,
    start: str = "2027-01-01",
    days: int = 364,
    campaigns_per_channel: int = 6,
) -> pd.DataFrame:
    """Synthetic daily aggregate (one row per day x channel x campaign draw).

    Parameters
    ----------
    n_rows : int
    seed : int
    channels : sequence of str
        Categories of the "channel" column (kept in the given order).
    start : str
        First date.
    days : int
        Dates are drawn uniformly from ``start + [0, days)``.
    campaigns_per_channel : int

    Returns
    -------
    pandas.DataFrame
        Columns date (datetime64[ns], midnight), channel (categorical), campaign
        (str), impressions, clicks, sessions, bounces, leads, orders, customers,
        repeat_customers, churned_customers, shares, followers, visitors (int64),
        session_seconds,
        cost, revenue, lifetime_value (float64). Consistent so every rate is a
        proportion: impressions >= clicks >= sessions >= orders, sessions >= leads,
        bounces, visitors; orders >= customers >= repeat/churned customers. Some
        rows (small channels) have zero impressions or sessions.
    """
    rng = np.random.default_rng(seed)
    channels = list(channels)
    n_ch = len(channels)
    day = rng.integers(0, days, n_rows)
    date = np.datetime64(start, "ns") + day.astype("timedelta64[D]").astype(
        "timedelta64[ns]"
    )
    ch_weights = rng.dirichlet(np.full(n_ch, 2.0))
    ch = rng.choice(n_ch, size=n_rows, p=ch_weights)
    camp = rng.integers(0, campaigns_per_channel, n_rows)
    names = np.array(
        [f"{c}_{j:02d}" for c in channels for j in range(campaigns_per_channel)],
        dtype=object,
    )
    campaign = names[ch * campaigns_per_channel + camp]

    # per-channel scale (some channels tiny, so zero rows occur) and rates
    imp_scale = np.exp(rng.uniform(np.log(2.0), np.log(5000.0), n_ch))
    ctr = rng.uniform(0.005, 0.08, n_ch)
    cpc = rng.uniform(0.2, 3.0, n_ch)
    lam = imp_scale[ch] * rng.lognormal(0.0, 0.5, n_rows)
    impressions = rng.poisson(lam)
    clicks = rng.binomial(impressions, ctr[ch])
    sessions = rng.binomial(clicks, 0.9)
    visitors = rng.binomial(sessions, 0.8)
    bounces = rng.binomial(sessions, 0.45)
    leads = rng.binomial(sessions, 0.06)
    orders = rng.binomial(sessions, 0.03)
    customers = rng.binomial(orders, 0.9)
    repeat_customers = rng.binomial(customers, 0.3)
    churned_customers = rng.binomial(customers, 0.1)
    shares = rng.binomial(impressions, 0.002)
    followers = rng.poisson(0.01 * lam)
    session_seconds = np.round(sessions * rng.gamma(2.0, 45.0, n_rows), 1)
    cost = np.round(clicks * cpc[ch] * rng.lognormal(0.0, 0.2, n_rows), 2)
    revenue = np.round(orders * rng.lognormal(np.log(60.0), 0.4, n_rows), 2)
    lifetime_value = np.round(revenue * rng.uniform(1.5, 4.0, n_rows), 2)

    return pd.DataFrame(
        {
            "date": date,
            "channel": pd.Categorical.from_codes(ch, categories=channels),
            "campaign": campaign,
            "impressions": impressions.astype(np.int64),
            "clicks": clicks.astype(np.int64),
            "sessions": sessions.astype(np.int64),
            "visitors": visitors.astype(np.int64),
            "bounces": bounces.astype(np.int64),
            "leads": leads.astype(np.int64),
            "orders": orders.astype(np.int64),
            "customers": customers.astype(np.int64),
            "repeat_customers": repeat_customers.astype(np.int64),
            "churned_customers": churned_customers.astype(np.int64),
            "shares": shares.astype(np.int64),
            "followers": followers.astype(np.int64),
            "session_seconds": session_seconds,
            "cost": cost,
            "revenue": revenue,
            "lifetime_value": lifetime_value,
        }
    )


def make_events(
    n_events: int,
    n_users: int,
    steps: Sequence[str] = DEFAULT_STEPS,
    seed: int = 0,
    tie_rate: float = 0.1,
    noise_events: Sequence[str] = ("page_view", "newsletter_signup", "support_chat"),
    string_ids: bool = False,
    start: str = "2027-01-01",
    days: int = 90,
    mean_gap_hours: float = 4.0,
    noise_rate: float = 0.3,
    out_of_order_rate: float = 0.25,
    channels: Sequence[str] = ("direct", "email", "organic", "paid_search", "social"),
    unused_channels: Sequence[str] = ("affiliate", "print", "tv"),
) -> pd.DataFrame:
    """Synthetic event log with funnel structure, ties and out-of-order steps.

    Every user has at least one event; the rest are spread with heavy-tailed user
    weights, so many users have a single event. A user's non-noise events cycle
    through the steps in order, but each is replaced by a random step with
    probability ``out_of_order_rate``. Gaps between a user's consecutive events
    are exponential (whole seconds) and exactly 0 with probability ``tie_rate``.
    Rows are returned shuffled.

    Parameters
    ----------
    n_events, n_users : int
        ``n_events >= n_users``.
    steps : sequence of str
    seed : int
    tie_rate : float
        Probability that an event has the same timestamp as the user's previous.
    noise_events : sequence of str
        Non-step event names (``noise_rate`` of the events).
    string_ids : bool
        User ids as "u0000042" strings instead of int64.
    start : str
    days : int
        Users start uniformly within ``start + [0, days)``.
    mean_gap_hours : float
    noise_rate, out_of_order_rate : float
    channels, unused_channels : sequence of str
        The channel column is categorical with all of these (sorted) as categories;
        only ``channels`` occur.

    Returns
    -------
    pandas.DataFrame
        Columns user_id (int64 or str), timestamp (datetime64[ns]), event
        (categorical: steps then noise events), channel (categorical), value
        (float64 revenue on the last step's events, NaN elsewhere).
    """
    if n_events < n_users:
        raise ValueError("n_events must be >= n_users")
    rng = np.random.default_rng(seed)
    steps = list(steps)
    noise_events = list(noise_events)
    n_steps = len(steps)

    weights = rng.pareto(1.2, n_users) + 0.05
    extra = rng.choice(n_users, size=n_events - n_users, p=weights / weights.sum())
    u = np.sort(np.concatenate([np.arange(n_users), extra]), kind="stable")
    first = np.searchsorted(u, np.arange(n_users))  # first row of each user
    rank = np.arange(n_events) - first[u]

    gaps = np.round(rng.exponential(mean_gap_hours * 3600.0, n_events))
    gaps[rng.random(n_events) < tie_rate] = 0.0
    gaps[rank == 0] = 0.0
    csum = np.cumsum(gaps)
    rel = csum - csum[first[u]]
    user_start = np.round(rng.uniform(0.0, days * 86400.0, n_users))
    seconds = (user_start[u] + rel).astype(np.int64)
    timestamp = np.datetime64(start, "ns") + (seconds * 1_000_000_000).astype(
        "timedelta64[ns]"
    )

    is_noise = rng.random(n_events) < noise_rate
    # ordinal of each non-noise event among the user's non-noise events (0-based)
    step_count = np.cumsum(~is_noise)
    before = np.concatenate([[0], step_count])[first[u]]
    step_rank = step_count - before - 1
    step = step_rank % n_steps
    shuffled = rng.random(n_events) < out_of_order_rate
    step[shuffled] = rng.integers(0, n_steps, int(shuffled.sum()))
    noise = rng.integers(0, max(len(noise_events), 1), n_events)
    names = steps + noise_events
    code = np.where(is_noise & (len(noise_events) > 0), n_steps + noise, step)

    cats = sorted(set(channels) | set(unused_channels))
    used = np.array([cats.index(c) for c in channels])
    main = used[rng.integers(0, len(used), n_users)]
    other = used[rng.integers(0, len(used), n_events)]
    ch = np.where(rng.random(n_events) < 0.8, main[u], other)

    revenue = np.round(rng.lognormal(np.log(50.0), 0.6, n_events), 2)
    value = np.where(code == n_steps - 1, revenue, np.nan)
    if string_ids:
        ids = np.array([f"u{i:07d}" for i in range(n_users)], dtype=object)[u]
    else:
        ids = u.astype(np.int64) + 1000

    perm = rng.permutation(n_events)
    return pd.DataFrame(
        {
            "user_id": ids[perm],
            "timestamp": timestamp[perm],
            "event": pd.Categorical.from_codes(code[perm], categories=names),
            "channel": pd.Categorical.from_codes(ch[perm], categories=cats),
            "value": value[perm],
        }
    )
