"""KPIs, funnels and cohorts from observed data (``sostac.metrics``).

Every function takes a pandas DataFrame, a polars DataFrame, a pyarrow Table or a
mapping of column name to array; columns reach the C++ kernels without a copy where
their buffers allow (numeric columns, datetime64, pandas Categorical codes). String
ids and categories are encoded with pandas' hash-based factorize, never a Python
loop. Each function is built on a mergeable accumulator (:class:`KpiAccumulator`,
:class:`FunnelAccumulator`, :class:`CohortAccumulator`: ``add`` a chunk, ``merge``
two states, ``finish``), so chunks and partitions give the answer of one pass.

The semantics (periods, intervals, funnel levels) are documented in
``docs/metrics.md``.
"""

from __future__ import annotations

import datetime as _dt
import difflib
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from . import io as _io
from ._core import InputError

__all__ = ["kpi_table", "funnel", "funnel_levels", "cohorts", "KpiAccumulator",
           "FunnelAccumulator", "CohortAccumulator"]

_PERIODS = ("day", "week", "month", "quarter")
_NS_PER_DAY = 86_400 * 10**9


def _pd():
    return _io._pd()  # a dependency of sostac.metrics (pip install "sostac[pandas]")


# -- input adapters ----------------------------------------------------------------------

def _series(data: Any, name: str, argument: str):
    """Column ``name`` of ``data`` as a pandas Series (zero-copy where possible)."""
    pd = _pd()
    if isinstance(data, pd.DataFrame):
        if name not in data.columns:
            close = difflib.get_close_matches(str(name), [str(c) for c in data.columns], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise InputError(f"{argument}: data has no column '{name}'{hint}")
        return data[name]
    mod = type(data).__module__.split(".")[0]
    if mod == "polars":
        if name not in data.columns:
            raise InputError(f"{argument}: data has no column '{name}'")
        return data.get_column(name).to_pandas()
    if mod == "pyarrow":
        if name not in data.column_names:
            raise InputError(f"{argument}: data has no column '{name}'")
        return data.column(name).to_pandas()
    if isinstance(data, dict):
        if name not in data:
            raise InputError(f"{argument}: data has no column '{name}'")
        return pd.Series(data[name])
    raise InputError(f"data: expected a pandas or polars DataFrame, a pyarrow Table or a "
                     f"dict of arrays, got {type(data).__name__}")


def _rows(data: Any) -> int:
    mod = type(data).__module__.split(".")[0]
    if mod == "pyarrow":
        return data.num_rows
    if isinstance(data, dict):
        return _io.column_length(data)
    return len(data)


def _first_null(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _time_ticks(s, argument: str, check_missing: bool = True,
                time_unit: Optional[str] = None) -> Tuple[np.ndarray, int, bool]:
    """(int64 ticks, ticks per day, is datetime) for a time column, by the input
    layer's time rule (:func:`sostac.io.to_datetime`): datetime64 of any unit
    (tz-aware converted to UTC), dates and ISO text (pandas-3 ``str`` and Arrow
    strings too), whole-number YYYYMMDD dates, and epoch numbers in ``time_unit``.
    Missing datetimes (NaT) raise unless ``check_missing`` is False: then they stay as
    the NaT tick (the minimum int64), which the roll-up kernel reports itself."""
    pd = _pd()
    dtype = s.dtype
    if time_unit is not None and time_unit not in _io.TIME_UNITS:
        raise InputError(f"time_unit: expected one of {', '.join(_io.TIME_UNITS)}, "
                         f"got {time_unit!r}")
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype)
                                                 and dtype.kind == "M"):
        arr = s.array
        values = arr.asi8 if hasattr(arr, "asi8") else np.asarray(s).view("i8")
        unit = getattr(s.dt, "unit", "ns")
        per_day = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": _NS_PER_DAY}[unit]
        # NaT is the smallest int64: a min() finds it without a mask of the column
        if check_missing and len(values) and values.min() == np.iinfo(np.int64).min:
            raise InputError(f"{argument}[{_first_null(s.isna().to_numpy())}]: missing time")
        return np.ascontiguousarray(values), per_day, True
    if _io.is_numeric(s) and time_unit is not None and isinstance(dtype, np.dtype):
        values = s.to_numpy()
        if np.issubdtype(dtype, np.floating):
            bad = ~np.isfinite(values)
            if bad.any():
                raise InputError(f"{argument}[{_first_null(bad)}]: missing or infinite time")
            if time_unit == "s":
                # microseconds: exact for epoch seconds with up to 6 decimals (< 2^53)
                return np.round(values * 1e6).astype(np.int64), 86_400 * 10**6, False
        else:
            per_day = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000,
                       "ns": _NS_PER_DAY, "D": 1}[time_unit]
            return np.ascontiguousarray(values.astype(np.int64, copy=False)), per_day, False
    # text, dates, Timestamps, Arrow-backed columns, YYYYMMDD numbers: the time rule
    converted = _io.to_datetime(s, argument, time_unit=time_unit,
                                missing="raise" if check_missing else "keep")
    ticks, per_day, _ = _time_ticks(converted, argument, check_missing)
    return ticks, per_day, time_unit is None


def _offset_ticks(utc_offset: Any, per_day: int) -> int:
    pd = _pd()
    if utc_offset is None or (isinstance(utc_offset, (int, float)) and utc_offset == 0):
        return 0
    try:
        delta = pd.Timedelta(utc_offset)
    except (ValueError, TypeError):
        raise InputError(f"utc_offset: expected a timedelta such as '3h30min', got {utc_offset!r}") from None
    if abs(delta) > pd.Timedelta(hours=18):
        raise InputError(f"utc_offset: expected at most 18 hours, got {utc_offset!r}")
    return int(delta.value * per_day // _NS_PER_DAY)


def _check_period(period: str) -> str:
    if period not in _PERIODS:
        raise InputError(f"period: expected one of {', '.join(_PERIODS)}, got {period!r}")
    return period


def _day_to_timestamp(days: np.ndarray):
    return _pd().to_datetime(np.asarray(days, dtype="i8").astype("M8[D]")).astype("M8[ns]")


class _Dictionary:
    """Global codes for the values of one column across chunks."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.values = None  # pandas Index of the values seen, in code order

    def encode(self, s) -> np.ndarray:
        pd = _pd()
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes, uniques = np.asarray(s.array.codes), s.cat.categories
        else:
            codes, uniques = pd.factorize(s, sort=False, use_na_sentinel=True)
            uniques = pd.Index(uniques)
        if len(codes) and codes.min() < 0:  # no mask of the column unless one is missing
            raise InputError(f"{self.name}[{_first_null(codes < 0)}]: missing value")
        if self.values is None:
            self.values = pd.Index(uniques)
            return np.ascontiguousarray(codes)
        return self._codes_of(uniques)[codes]

    def map_from(self, other: "_Dictionary") -> Optional[np.ndarray]:
        """Codes in this dictionary of other's values (added when new)."""
        if other.values is None:
            return None
        if self.values is None:
            self.values = other.values.copy()
            return np.arange(len(other.values), dtype=np.int64)
        return self._codes_of(other.values)

    def _codes_of(self, uniques) -> np.ndarray:
        """The code of each distinct value, appending the values not seen yet."""
        where = self.values.get_indexer(uniques)
        new = where < 0
        if new.any():
            where[new] = np.arange(len(self.values), len(self.values) + int(new.sum()))
            self.values = self.values.append(_pd().Index(uniques[new]))
        return where.astype(np.int64)

    def __len__(self) -> int:
        return 0 if self.values is None else len(self.values)


# -- KPI roll-up -------------------------------------------------------------------------

def _kpi_formulas(kpis: Any) -> List[tuple]:
    catalog = {k["id"]: k for k in _core.plan.kpi_catalog()}
    if isinstance(kpis, (str, dict)):
        kpis = [kpis]
    kpis = list(kpis)
    if not kpis:
        raise InputError("kpis: expected at least one KPI")
    out = []
    for i, k in enumerate(kpis):
        if isinstance(k, str):
            if k not in catalog:
                close = difflib.get_close_matches(k, list(catalog), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise InputError(f"kpis[{i}]: '{k}' is not in the KPI catalogue{hint}")
            c = catalog[k]
            out.append((c["id"], c["numerator"], c["denominator"], float(c["scale"]), c["unit"]))
        elif isinstance(k, dict):
            if "id" not in k or "numerator" not in k:
                raise InputError(f"kpis[{i}]: a KPI needs at least 'id' and 'numerator'")
            out.append((str(k["id"]), str(k["numerator"]), str(k.get("denominator") or ""),
                        float(k.get("scale", 1.0)), str(k.get("unit", "ratio"))))
        else:
            raise InputError(f"kpis[{i}]: expected a KPI id or a dict, got {type(k).__name__}")
    ids = [k[0] for k in out]
    dup = next((x for x in ids if ids.count(x) > 1), None)
    if dup is not None:
        raise InputError(f"kpis: '{dup}' is listed twice")
    return out


def _distinct_measures_of(numerator: str, denominator: str, argument: str) -> List[str]:
    """The distinct measures (``_core.plan.distinct_measures()``) a KPI reads."""
    distinct = set(_core.plan.distinct_measures())
    out: List[str] = []
    for text in (numerator, denominator):
        if text:
            for _, m in _core.plan.parse_measure_expression(text, argument):
                if m in distinct and m not in out:
                    out.append(m)
    return out


def _period_start_days(days: np.ndarray, period: str) -> np.ndarray:
    """Day number of the first day of each day's period (as the roll-up kernel cuts)."""
    if period == "day":
        return days
    if period == "week":
        return days - (days + 3) % 7  # Monday weeks; 1970-01-01 was a Thursday
    months = days.astype("M8[D]").astype("M8[M]").astype(np.int64)
    if period == "quarter":
        months = months - months % 3
    return months.astype("M8[M]").astype("M8[D]").astype(np.int64)


def _distinct_aggregate(data: Any, formulas: List[tuple], *, user: str, by: List[str],
                        period: str, time: str, utc_offset: Any,
                        time_unit: Optional[str] = None):
    """An event or transaction log -> one row per (period, by values) with the distinct
    measures counted exactly and the other measures summed; also the log's rows per
    cell. visitors: distinct users; customers: distinct users with a purchase (a row
    with orders > 0 when there is an ``orders`` column, else every row of a
    transaction log); repeat_customers: customers who bought on two or more distinct
    days of the period (purchases on one day are merged, as lifetimes and BTYD do)."""
    pd = _pd()
    ticks, per_day, _ = _time_ticks(_series(data, time, "time"), time, time_unit=time_unit)
    off = _offset_ticks(utc_offset, per_day)
    days = np.floor_divide(ticks + off, per_day)
    needed = []
    for kid, num, den, _, _ in formulas:
        for text in (num, den):
            if text:
                for _, m in _core.plan.parse_measure_expression(text, kid):
                    if m not in needed:
                        needed.append(m)
    uncountable = [m for m in needed if m in ("churned_customers", "followers")]
    if uncountable:
        raise InputError(f"user: '{uncountable[0]}' cannot be counted from an event log; "
                         f"give a per-period aggregate with a '{uncountable[0]}' column instead")
    users = _series(data, user, "user")
    if users.isna().any():
        raise InputError(f"{user}[{_first_null(users.isna().to_numpy())}]: missing user id")
    frame = {"_p": _period_start_days(days, period), "_d": days,
             "_u": users.to_numpy()}
    for i, b in enumerate(by):
        frame[b] = _series(data, b, f"by[{i}]").to_numpy()
    additive = [m for m in needed if m not in _core.plan.distinct_measures()]
    for m in additive:
        try:
            frame[m] = _io.numbers(_series(data, m, "data"), m)
        except InputError:
            raise InputError(f"data: the KPIs need the column '{m}', which the log lacks") from None
    has_orders = "orders" in needed or _has_column(data, "orders")
    if has_orders and "orders" not in frame:
        frame["orders"] = _io.numbers(_series(data, "orders", "data"), "orders")
    log = pd.DataFrame(frame)
    keys = ["_p", *by]
    grouped = log.groupby(keys, sort=False, dropna=False)
    out = grouped[additive].sum() if additive else grouped.size().to_frame("_rows")[[]]
    out["_rows"] = grouped.size()
    if "visitors" in needed:
        out["visitors"] = grouped["_u"].nunique()
    if "customers" in needed or "repeat_customers" in needed:
        buyers = log.loc[log["orders"].to_numpy() > 0] if has_orders else log
        bg = buyers.groupby(keys, sort=False, dropna=False)
        out["customers"] = bg["_u"].nunique().reindex(out.index, fill_value=0)
        days_per_customer = buyers.groupby([*keys, "_u"], sort=False, dropna=False)["_d"].nunique()
        repeat = (days_per_customer >= 2).groupby(level=list(range(len(keys))), sort=False,
                                                  dropna=False).sum()
        out["repeat_customers"] = repeat.reindex(out.index, fill_value=0)
    out = out.reset_index()
    out[time] = _day_to_timestamp(out["_p"].to_numpy())
    return out.drop(columns=["_p"])


def _has_column(data: Any, name: str) -> bool:
    try:
        _series(data, name, "data")
    except InputError:
        return False
    return True


class KpiAccumulator:
    """The mergeable state behind :func:`kpi_table`.

    Parameters
    ----------
    kpis, by, period, time, utc_offset
        As for :func:`kpi_table`.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.metrics import KpiAccumulator
    >>> day = pd.DataFrame({"date": pd.to_datetime(["2027-01-04", "2027-01-05"]),
    ...                     "channel": ["search", "search"],
    ...                     "clicks": [30, 50], "impressions": [1000, 1500]})
    >>> acc = KpiAccumulator("ctr").add(day.iloc[:1]).add(day.iloc[1:])
    >>> float(acc.finish()["value"].iloc[0])
    0.032
    """

    def __init__(self, kpis: Any, *, by: Union[str, Sequence[str]] = ("channel",),
                 period: str = "week", time: str = "date", utc_offset: Any = None,
                 time_unit: Optional[str] = None) -> None:
        self._formulas = _kpi_formulas(kpis)
        self._time_unit = time_unit
        self._by = [by] if isinstance(by, str) else list(by)
        self._period = _check_period(period)
        self._time = time
        self._utc_offset = utc_offset
        self._dicts = [_Dictionary(b) for b in self._by]
        self._radix: List[int] = []
        self._core = None  # created at the first add (the time unit is known then)
        self._per_day = None
        # the Control stage still sums distinct measures of daily aggregates (interim,
        # issue 13: it is to turn the refusal into a finding on the objective)
        self._sum_distinct = False

    def _make_core(self, per_day: int):
        self._per_day = per_day
        return _core.metrics.KpiRollup(self._formulas, self._period, per_day,
                                       _offset_ticks(self._utc_offset, per_day))

    def _group_codes(self, data: Any, n: int) -> np.ndarray:
        if not self._by:
            return np.zeros(n, dtype=np.int8)
        codes = [d.encode(_series(data, b, f"by[{i}]")) for i, (b, d) in enumerate(zip(self._by, self._dicts))]
        if len(codes) == 1:
            return codes[0]
        # one code per combination: mixed radix over fixed generous bases
        combined = np.zeros(n, dtype=np.int64)
        for c in codes:
            combined = combined * (1 << 20) + c
        if any(len(d) >= (1 << 20) for d in self._dicts) or len(codes) > 3:
            raise InputError("by: at most 3 columns with fewer than 2^20 distinct values each")
        return combined

    def add(self, data: Any) -> "KpiAccumulator":
        """Add a chunk of rows. Returns the accumulator."""
        n = _rows(data)
        # NaT reaches the kernel, which names its row ("missing time")
        ticks, per_day, _ = _time_ticks(_series(data, self._time, "time"), self._time,
                                        check_missing=False, time_unit=self._time_unit)
        if self._core is None:
            self._core = self._make_core(per_day)
        elif per_day != self._per_day:  # a chunk in another unit: convert (NaT stays NaT)
            nat = ticks == np.iinfo(np.int64).min
            ticks = ticks * (self._per_day // per_day) if self._per_day > per_day else ticks // (per_day // self._per_day)
            ticks[nat] = np.iinfo(np.int64).min
        measures = list(self._core.measures)
        columns = []
        for m in measures:
            try:
                s = _series(data, m, "data")
            except InputError:
                need = [k[0] for k in self._formulas if m in (k[1] + " " + k[2])]
                raise InputError(f"data: the KPI '{need[0] if need else m}' needs the column '{m}', "
                                 f"which the data lack") from None
            # plain numpy numbers go as they are (the kernel names a NaN's row);
            # nullable and object columns are checked here
            if (not isinstance(s.dtype, np.dtype) or s.dtype.kind == "O") and s.isna().any():
                raise InputError(f"{m}[{_first_null(s.isna().to_numpy())}]: missing value")
            columns.append(_io.numbers(s, m))
        group = self._group_codes(data, n)
        if len(self._by) > 1:
            group = self._compact(group)
        self._core.add(group, ticks, columns, measures, "+".join(self._by) or "group", self._time)
        return self

    def _check_distinct(self, frame: dict, kpi: np.ndarray, rows: np.ndarray) -> None:
        """Refuse a KPI on a distinct measure (visitors, customers, ...) whose period
        and group hold more than one row: those counts do not add across rows."""
        for j, (kid, num, den, _, _) in enumerate(self._formulas):
            measures = _distinct_measures_of(num, den, kid)
            if not measures:
                continue
            bad = np.flatnonzero((kpi == j) & (rows > 1))
            if not len(bad):
                continue
            i = bad[0]
            where = "".join(f", {c}={frame[c][i]!r}" for c in self._by)
            names = " and ".join(f"'{m}'" for m in measures)
            raise InputError(
                f"{kid}: {names} {'counts' if len(measures) == 1 else 'count'} distinct people "
                f"and does not add across rows, but {int(rows[i])} rows fall in the "
                f"{self._period} starting {frame['period'][i].date()}{where}; give the event or "
                f"transaction log with its user column (kpi_table(..., user='user_id')) to "
                f"count them exactly, or data with one row per {self._period}"
                f"{' and ' + ', '.join(self._by) if self._by else ''}")

    def _compact(self, combined: np.ndarray) -> np.ndarray:
        # combination codes -> dense codes through a dictionary of combinations
        if not hasattr(self, "_combos"):
            self._combos = _Dictionary("by")
        return self._combos.encode(_pd().Series(combined))

    def merge(self, other: "KpiAccumulator") -> "KpiAccumulator":
        """Add another accumulator's state (same KPIs, period and by). Returns self."""
        if not isinstance(other, KpiAccumulator) or other._formulas != self._formulas or \
                other._by != self._by or other._period != self._period:
            raise InputError("other: expected a KpiAccumulator with the same KPIs, by and period")
        if other._core is None:
            return self
        if self._core is None:
            self._core = self._make_core(other._per_day)
        maps = [mine.map_from(theirs) for mine, theirs in zip(self._dicts, other._dicts)]
        if len(self._by) == 0:
            group_map = None
        elif len(self._by) == 1:
            group_map = maps[0]
        else:
            theirs = other._combos.values.to_numpy(dtype=np.int64)
            parts = []
            for _ in self._by:
                parts.append(theirs % (1 << 20))
                theirs = theirs // (1 << 20)
            parts = parts[::-1]
            combined = np.zeros(len(parts[0]), dtype=np.int64)
            for m, p in zip(maps, parts):
                combined = combined * (1 << 20) + m[p]
            group_map = self._compact(combined)
        self._core.merge(other._core, None if group_map is None else group_map.tolist())
        return self

    def finish(self, level: float = 0.95):
        """The tidy table (see :func:`kpi_table`)."""
        pd = _pd()
        columns = ["period", *self._by, "kpi", "value", "low", "high", "numerator",
                   "denominator", "rows", "interval"]
        if self._core is None:
            return pd.DataFrame({c: [] for c in columns})
        r = self._core.finish(level)
        problems = [i for i, p in enumerate(r["problem"]) if p]
        frame = {"period": _day_to_timestamp(r["period_start_day"])}
        group = r["group"]
        ranks = []  # per by column: each row's rank of its value, for the sort
        if len(self._by) > 1:
            group = self._combos.values.to_numpy(dtype=np.int64)[group]
            parts = []
            for _ in self._by:
                parts.append(group % (1 << 20))
                group = group // (1 << 20)
            for b, d, codes in zip(self._by, self._dicts, parts[::-1]):
                frame[b] = d.values.take(codes)
                ranks.append((d, codes))
        elif self._by:
            frame[self._by[0]] = self._dicts[0].values.take(group)
            ranks.append((self._dicts[0], group))
        ids = [k[0] for k in self._formulas]
        frame["kpi"] = np.array(ids, dtype=object)[r["kpi"]]
        for c in ("value", "low", "high", "numerator", "denominator", "rows"):
            frame[c] = r[c]
        frame["interval"] = np.asarray(r["interval"], dtype=object)
        if problems:
            i = problems[0]
            where = ", ".join(f"{c}={frame[c][i]!r}" for c in self._by)
            raise InputError(f"{frame['kpi'][i]}: {r['problem'][i]} for {where + ', ' if where else ''}"
                             f"period {frame['period'][i].date()}")
        if not self._sum_distinct:
            self._check_distinct(frame, np.asarray(r["kpi"]), np.asarray(r["rows"]))
        # rows come sorted by period, group code and KPI; sorted here by the by
        # columns' values instead of their codes (integer keys, no frame sort)
        try:
            rank = [_value_ranks(d.values) for d, _ in ranks]
            order = None
            if len(ranks) > 1 or any(x is not None for x in rank):
                keys = [r["kpi"]]
                for (_, codes), x in zip(reversed(ranks), reversed(rank)):
                    keys.append(codes if x is None else x[codes])
                keys.append(r["period_start_day"])
                order = np.lexsort(keys)
        except TypeError:  # values that do not compare (mixed types): first appearance
            order = None
            if len(ranks) > 1:
                keys = [r["kpi"], *[codes for _, codes in reversed(ranks)], r["period_start_day"]]
                order = np.lexsort(keys)
        if order is not None:
            frame = {c: v.take(order) for c, v in frame.items()}
        return pd.DataFrame(frame)


def _value_ranks(values) -> Optional[np.ndarray]:
    """The rank of each value of a dictionary in sorted order, or None when the
    values are already sorted (codes then sort as the values do)."""
    if values.is_monotonic_increasing:
        return None
    rank = np.empty(len(values), dtype=np.int64)
    rank[values.argsort(kind="stable")] = np.arange(len(values))
    return rank


def kpi_table(data: Any, kpis: Any, *, by: Union[str, Sequence[str]] = ("channel",),
              period: str = "week", time: str = "date", level: float = 0.95,
              utc_offset: Any = None, user: Optional[str] = None, time_unit: Optional[str] = None,
              _sum_distinct: bool = False):
    """KPIs by dimension and calendar period, each with an interval.

    Parameters
    ----------
    data : DataFrame (pandas or polars), pyarrow Table or dict of arrays
        A daily aggregate: a time column and the base-measure columns the KPIs need
        (impressions, clicks, sessions, leads, orders, revenue, cost, ...), one row
        per day and dimension values. Measures must be non-negative.
    kpis : str, dict or list of them
        Catalogue ids (``sostac.kpi_catalog()``) or definitions such as
        ``{"id": "profit_per_order", "numerator": "revenue - cost",
        "denominator": "orders", "unit": "currency"}``.
    by : str or sequence of str
        Dimension columns (default ``("channel",)``; ``()`` for none). Rows are
        sorted by their values; values that do not compare with each other (a column
        of numbers and strings) keep the order of their first appearance.
    period : {"day", "week", "month", "quarter"}
        Calendar period (weeks start on Monday, as ISO weeks).
    time : str
        The time column: datetime64 (tz-aware is converted to UTC), dates or ISO
        text, whole-number YYYYMMDD dates, or epoch numbers with ``time_unit``
        (the input layer's time rule, ``docs/input.md``).
    level : float
        Confidence level of the intervals.
    utc_offset : timedelta-like, optional
        A fixed offset added to UTC times before they are cut into periods.
    user : str, optional
        The user (customer) column of an event or transaction log. Distinct measures
        (``visitors``, ``customers``, ``repeat_customers``; the catalogue's
        ``distinct`` column) do not add across rows: without ``user`` a KPI on one of
        them is refused when a period and group hold more than one row (a month of
        daily unique visitors is not a month's unique visitors). With ``user`` they
        are counted exactly per period and group: visitors are distinct users,
        customers distinct users with a purchase (a row with ``orders`` > 0 when the
        log has an ``orders`` column, else every row), repeat customers those who
        bought on two or more distinct days of the period; other measures are summed.
    time_unit : {"s", "ms", "us", "ns", "D"}, optional
        The unit of a numeric time column of epoch times (required for them: whole
        numbers that are valid YYYYMMDD dates are read as dates without it).

    Returns
    -------
    pandas.DataFrame
        One row per (period, by values, KPI): period (start), the by columns, kpi,
        value, low, high, numerator, denominator (group sums), rows, and interval
        (the method: wilson, poisson-gamma, poisson, normal or delta; see
        ``docs/metrics.md``). A KPI whose denominator is 0 has NaN value and bounds.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.metrics import kpi_table
    >>> day = pd.DataFrame({"date": pd.to_datetime(["2027-01-04", "2027-01-05", "2027-01-05"]),
    ...                     "channel": ["search", "search", "social"],
    ...                     "impressions": [1000, 1500, 800], "clicks": [30, 50, 12]})
    >>> kpi_table(day, "ctr")[["period", "channel", "value", "low", "high", "interval"]].round(
    ...     {"low": 4, "high": 4})
          period channel  value     low    high interval
    0 2027-01-04  search  0.032  0.0258  0.0396   wilson
    1 2027-01-04  social  0.015  0.0086  0.0260   wilson
    """
    acc = KpiAccumulator(kpis, by=by, period=period, time=time, utc_offset=utc_offset,
                         time_unit=time_unit)
    acc._sum_distinct = _sum_distinct
    if user is None:
        return acc.add(data).finish(level)
    cells = _distinct_aggregate(data, acc._formulas, user=user, by=acc._by, period=acc._period,
                                time=time, utc_offset=utc_offset, time_unit=time_unit)
    # the cells are whole periods already (no offset again); rows count the log's rows
    acc._utc_offset = None
    table = acc.add(cells.drop(columns=["_rows"])).finish(level)
    if len(table):
        counts = cells.rename(columns={time: "period"})[["period", *acc._by, "_rows"]]
        table = table.merge(counts, on=["period", *acc._by], how="left", sort=False)
        table["rows"] = table.pop("_rows").to_numpy(dtype=np.int64)
    return table


# -- funnels -----------------------------------------------------------------------------

def _window_ticks(window: Any, per_day: int, is_datetime: bool) -> int:
    pd = _pd()
    if isinstance(window, (int, float, np.integer, np.floating)) and not isinstance(window, bool):
        seconds = float(window)
        if not np.isfinite(seconds) or seconds < 0:
            raise InputError(f"window: expected a non-negative duration, got {window!r}")
        return int(round(seconds * per_day / 86_400))
    try:
        delta = pd.Timedelta(window)
    except (ValueError, TypeError):
        raise InputError(f"window: expected a timedelta or seconds, got {window!r}") from None
    if delta < pd.Timedelta(0):
        raise InputError(f"window: expected a non-negative duration, got {window!r}")
    return int(delta.value * per_day // _NS_PER_DAY)


def _step_codes(s, steps: List[str], seen: set) -> np.ndarray:
    """int8 step index per event (-1 for events that are no step); the names present
    in the column are added to ``seen``."""
    codes, names, step_of = _event_codes(s, steps)
    used = np.unique(codes[codes >= 0]) if isinstance(s.dtype, _pd().CategoricalDtype) else None
    seen.update(names if used is None else names[used])  # categories may be unused
    lookup = np.array(step_of + [-1], dtype=np.int8)
    return lookup[codes]  # code -1 (missing) picks the trailing -1


def _require_steps(steps: List[str], present: set, argument: str) -> None:
    for i, step in enumerate(steps):
        if step not in present:
            close = difflib.get_close_matches(str(step), [str(x) for x in present], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise InputError(f"steps[{i}]: '{step}' does not occur in column '{argument}'{hint}")


def _check_steps(steps: Any) -> List[str]:
    if isinstance(steps, str) or not isinstance(steps, Iterable):
        raise InputError("steps: expected a list of event names")
    steps = list(steps)
    if not steps:
        raise InputError("steps: expected at least one step")
    if len(steps) > 32:
        raise InputError(f"steps: expected at most 32 steps, got {len(steps)}")
    for i, s in enumerate(steps):
        if steps.index(s) != i:
            raise InputError(f"steps[{i}]: '{s}' is listed twice")
    return steps


_MODES = ("window", "strict")


class FunnelAccumulator:
    """The mergeable state behind :func:`funnel` and :func:`funnel_levels`: add
    chunks of an event log (any order), merge states, then ``levels()`` or
    ``table()``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.metrics import FunnelAccumulator
    >>> ev = pd.DataFrame({"user_id": [1, 1, 2], "event": ["view", "buy", "view"],
    ...                    "timestamp": pd.to_datetime(["2027-01-01 10:00", "2027-01-01 11:00",
    ...                                                 "2027-01-02 09:00"])})
    >>> acc = FunnelAccumulator(["view", "buy"], window="1D").add(ev.iloc[:2]).add(ev.iloc[2:])
    >>> acc.levels().to_dict()
    {1: 2, 2: 1}
    """

    def __init__(self, steps: Sequence[str], *, window: Any, user: str = "user_id",
                 time: str = "timestamp", event: str = "event", by: Optional[str] = None,
                 mode: str = "window", touch: str = "first", period: Optional[str] = None,
                 utc_offset: Any = None, time_unit: Optional[str] = None) -> None:
        self._steps = _check_steps(steps)
        self._time_unit = time_unit
        if mode not in _MODES:
            raise InputError(f"mode: expected 'window' or 'strict', got {mode!r}")
        if touch not in ("first", "last"):
            raise InputError(f"touch: expected 'first' or 'last', got {touch!r}")
        if period is not None:
            _check_period(period)
        self._window, self._mode, self._touch, self._period = window, mode, touch, period
        self._user, self._time, self._event, self._by = user, time, event, by
        self._utc_offset = utc_offset
        self._users = _Dictionary(user)
        self._groups = _Dictionary(by or "by")
        self._core = None
        self._per_day = None
        self._is_datetime = None
        self._seen: set = set()  # step names that occurred in the chunks

    def _encode(self, events: Any, seen: Optional[set], per_day: Optional[int] = None):
        """(user codes, ticks, step codes, touch codes or None, ticks per day, is
        datetime) of a chunk; ``seen`` as for :func:`_step_codes`. With ``per_day``,
        a chunk in another time unit is refused before anything is encoded."""
        ticks, unit, is_dt = _time_ticks(_series(events, self._time, "time"), self._time,
                                         time_unit=self._time_unit)
        if per_day is not None and unit != per_day:
            raise InputError(f"{self._time}: every chunk needs the same time unit")
        user = self._users.encode(_series(events, self._user, "user"))
        step = _step_codes(_series(events, self._event, "event"), self._steps, seen)
        touch = self._groups.encode(_series(events, self._by, "by")) if self._by else None
        return user, ticks, step, touch, unit, is_dt

    def _names(self) -> List[str]:
        return [self._user, self._time, self._event, self._by or ""]

    def _one_pass(self, events: Any, details: bool = True):
        """(per-user result, user ids in order of first appearance) of one chunk,
        without keeping a copy of it. Every step must occur in it."""
        ticks, self._per_day, self._is_datetime = _time_ticks(
            _series(events, self._time, "time"), self._time, time_unit=self._time_unit)
        ids = _series(events, self._user, "user")
        dense = _dense_ids(ids)
        if dense is not None:  # integer ids over a short range: the ids are the codes
            user, base, users = dense
        else:
            user, base = self._users.encode(ids), 0
            users = len(self._users)
        codes, names, step_of = _event_codes(_series(events, self._event, "event"), self._steps)
        touch = self._groups.encode(_series(events, self._by, "by")) if self._by else None
        result = _core.metrics.funnel_users(
            user, ticks, codes, touch, users, len(self._steps),
            _window_ticks(self._window, self._per_day, self._is_datetime),
            self._mode == "strict", self._names(), base, step_of, details)
        if (result.step_events == 0).any():  # name the missing step, with a hint
            _require_steps(self._steps, set(names[np.unique(codes[codes >= 0])]), self._event)
        order = result.order
        if dense is not None:
            return result, _pd().Index((order + base).astype(ids.dtype, copy=False), name=self._user)
        return result, self._users.values.take(order).rename(self._user)

    def add(self, events: Any) -> "FunnelAccumulator":
        """Add a chunk of events. Returns the accumulator."""
        _rows(events)  # a dict of columns of unequal lengths is refused here
        user, ticks, step, touch, per_day, is_dt = self._encode(events, self._seen, self._per_day)
        if self._core is None:
            self._per_day, self._is_datetime = per_day, is_dt
            self._core = _core.metrics.FunnelEvents(
                len(self._steps), _window_ticks(self._window, per_day, is_dt), self._mode == "strict")
        self._core.add(user, ticks, step, touch, self._names())
        return self

    def merge(self, other: "FunnelAccumulator") -> "FunnelAccumulator":
        """Add another accumulator's events (same funnel). Returns self."""
        if not isinstance(other, FunnelAccumulator) or other._steps != self._steps or \
                other._mode != self._mode or other._by != self._by or other._window != self._window:
            raise InputError("other: expected a FunnelAccumulator of the same funnel")
        if other._core is None:
            return self
        if self._core is None:
            self._per_day, self._is_datetime = other._per_day, other._is_datetime
            self._core = _core.metrics.FunnelEvents(
                len(self._steps), _window_ticks(self._window, self._per_day, self._is_datetime),
                self._mode == "strict")
        user_map = self._users.map_from(other._users)
        touch_map = self._groups.map_from(other._groups)
        self._core.merge(other._core, None if user_map is None else user_map.tolist(),
                         None if touch_map is None else touch_map.tolist())
        self._seen |= other._seen
        return self

    def _result(self):
        _require_steps(self._steps, self._seen, self._event)
        return self._core.finish(len(self._users))

    def levels(self):
        """Per-user deepest level (see :func:`funnel_levels`)."""
        pd = _pd()
        if self._core is None:
            return pd.Series([], dtype=np.int8, name="level",
                             index=pd.Index([], name=self._user))
        result = self._result()
        return _levels_series(result, self._users.values.take(result.order).rename(self._user))

    def table(self):
        """The funnel table (see :func:`funnel`)."""
        if self._core is None:
            raise InputError("events: no events were added")
        return _funnel_frame(self._result(), self)


def _levels_series(result, ids):
    """The level of each present user (``result.order``), indexed by ``ids``."""
    return _pd().Series(result.level[result.order], index=ids, name="level")


def _dense_ids(s):
    """(values, base, span) when ``s`` holds plain integers whose range is at most its
    length (ids 1..N, say): the kernel then takes ``value - base`` as the user code,
    with no factorizing and no code array. None otherwise."""
    dtype = s.dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in "iu" or len(s) == 0:
        return None
    values = np.ascontiguousarray(s.to_numpy())
    lo, hi = int(values.min()), int(values.max())
    span = hi - lo + 1
    if span > max(len(values), 1024):
        return None
    return values, lo, span


def _event_codes(s, steps: List[str]):
    """(codes, names, step_of): a code per event (-1 when missing), the event name of
    each code and its step index or -1. A categorical column gives its own codes,
    others are factorized."""
    pd = _pd()
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, names = np.asarray(s.array.codes), s.cat.categories
    else:
        codes, names = pd.factorize(s, sort=False)
        names = pd.Index(names)
    index = {name: i for i, name in enumerate(steps)}
    return np.ascontiguousarray(codes), names, [index.get(v, -1) for v in names]


def _funnel_frame(result, spec: FunnelAccumulator):
    pd = _pd()
    per_day = spec._per_day
    t = result.table(spec._by is not None, spec._touch == "last", spec._period is not None,
                     spec._period or "day", per_day, _offset_ticks(spec._utc_offset, per_day))
    frame: Dict[str, Any] = {}
    if spec._period is not None:
        frame["period"] = _day_to_timestamp(t["period_start_day"])
    if spec._by is not None:
        frame[spec._by] = spec._groups.values.take(t["group"])
    steps = np.array(spec._steps, dtype=object)
    frame["step"] = steps[t["step"]]
    frame["step_index"] = t["step"] + 1
    users = t["users"].astype(np.int64)
    frame["users"] = users
    df = pd.DataFrame(frame)
    k = len(spec._steps)
    first = np.repeat(users[::k], k)
    previous = np.concatenate([[0], users[:-1]])
    is_first = t["step"] == 0
    frame_prev = np.where(is_first, users, previous)
    with np.errstate(invalid="ignore"):  # 0 / 0 after a step nobody reached: NaN
        df["conversion_from_previous"] = users / frame_prev
    df["conversion_overall"] = users / first
    df["drop_off"] = np.where(is_first, 0, frame_prev - users)
    gap = t["median_gap"]
    if spec._is_datetime:
        df["median_time_from_previous"] = pd.to_timedelta(gap * (_NS_PER_DAY / per_day), unit="ns")
    else:
        df["median_time_from_previous"] = gap * (86_400 / per_day)
    if spec._by is not None or spec._period is not None:
        keys = [c for c in ("period", spec._by) if c is not None and c in df.columns]
        df = df.sort_values([*keys, "step_index"], kind="stable").reset_index(drop=True)
    return df


def funnel_levels(events: Any, steps: Sequence[str], *, window: Any, user: str = "user_id",
                  time: str = "timestamp", event: str = "event", mode: str = "window",
                  time_unit: Optional[str] = None):
    """Per-user deepest level of an ordered funnel (ClickHouse's windowFunnel).

    Parameters
    ----------
    events : DataFrame (pandas or polars), pyarrow Table or dict of arrays
        The event log, in any order.
    steps : list of str
        Distinct event names, in funnel order. Each must occur in the log.
    window : timedelta-like or float
        The longest time from the step-1 event to the last step of a chain
        (inclusive); a number means seconds.
    user, time, event : str
        Column names.
    mode : {"window", "strict"}
        "strict" also ends a user's search at a funnel event whose previous step
        has not been reached since the chain started.
    time_unit : {"s", "ms", "us", "ns", "D"}, optional
        The unit of a numeric time column of epoch times (``docs/input.md``).

    Returns
    -------
    pandas.Series
        Named "level", indexed by user id (the index is named after the user
        column) in order of first appearance, with values 0 (never reached step
        1) to ``len(steps)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.metrics import funnel_levels
    >>> ev = pd.DataFrame({"user_id": ["a", "a", "a", "b"],
    ...                    "event": ["view", "cart", "buy", "cart"],
    ...                    "timestamp": pd.to_datetime(["2027-01-01 10:00", "2027-01-01 10:05",
    ...                                                 "2027-01-03 09:00", "2027-01-01 12:00"])})
    >>> funnel_levels(ev, ["view", "cart", "buy"], window="1D").to_dict()
    {'a': 2, 'b': 0}
    """
    spec = FunnelAccumulator(steps, window=window, user=user, time=time, event=event, mode=mode,
                             time_unit=time_unit)
    return _levels_series(*spec._one_pass(events, details=False))


def funnel(events: Any, steps: Sequence[str], *, window: Any, user: str = "user_id",
           time: str = "timestamp", event: str = "event", by: Optional[str] = None,
           mode: str = "window", touch: str = "first", period: Optional[str] = None,
           utc_offset: Any = None, time_unit: Optional[str] = None):
    """An ordered funnel: users per step, conversion, drop-off and the median time
    between steps, optionally by channel and entry period.

    Parameters
    ----------
    events, steps, window, user, time, event, mode, time_unit
        As for :func:`funnel_levels`.
    by : str, optional
        A column (e.g. the channel) whose value on each user's first event
        (``touch="first"``) or last event (``touch="last"``) groups the user.
    period : {"day", "week", "month", "quarter"}, optional
        Also group users by the period of their first step-1 event.
    utc_offset : timedelta-like, optional
        A fixed offset added to UTC times before they are cut into periods.

    Returns
    -------
    pandas.DataFrame
        One row per step (per group): [period], [by], step, step_index, users
        (reaching at least this step), conversion_from_previous,
        conversion_overall, drop_off (lost since the previous step) and
        median_time_from_previous (a Timedelta for datetime times, else seconds).
        Groups where nobody reached step 1 are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.metrics import funnel
    >>> ev = pd.DataFrame({"user_id": [1, 1, 1, 2, 2, 3],
    ...                    "event": ["view", "cart", "buy", "view", "cart", "view"],
    ...                    "timestamp": pd.to_datetime(["2027-01-01 10:00", "2027-01-01 10:10",
    ...                        "2027-01-01 10:40", "2027-01-02 09:00", "2027-01-02 09:30", "2027-01-02 12:00"])})
    >>> funnel(ev, ["view", "cart", "buy"], window="1h")[["step", "users", "conversion_overall",
    ...                                                    "median_time_from_previous"]]
       step  users  conversion_overall median_time_from_previous
    0  view      3            1.000000                       NaT
    1  cart      2            0.666667           0 days 00:20:00
    2   buy      1            0.333333           0 days 00:30:00
    """
    acc = FunnelAccumulator(steps, window=window, user=user, time=time, event=event, by=by,
                            mode=mode, touch=touch, period=period, utc_offset=utc_offset,
                            time_unit=time_unit)
    return _funnel_frame(acc._one_pass(events)[0], acc)


# -- cohorts -----------------------------------------------------------------------------

class CohortAccumulator:
    """The mergeable state behind :func:`cohorts`.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.metrics import CohortAccumulator
    >>> ev = pd.DataFrame({"user_id": [1, 1, 2],
    ...                    "timestamp": pd.to_datetime(["2027-01-05", "2027-02-10", "2027-02-11"])})
    >>> CohortAccumulator().add(ev.iloc[:2]).add(ev.iloc[2:]).finish()["users"]
    age           0    1
    cohort
    2027-01-01  1.0  1.0
    2027-02-01  1.0  NaN
    """

    def __init__(self, *, user: str = "user_id", time: str = "timestamp", period: str = "month",
                 value: Optional[str] = None, utc_offset: Any = None,
                 time_unit: Optional[str] = None) -> None:
        self._user, self._time, self._value = user, time, value
        self._time_unit = time_unit
        self._period = _check_period(period)
        self._utc_offset = utc_offset
        self._users = _Dictionary(user)
        self._core = None
        self._per_day = None

    def add(self, events: Any) -> "CohortAccumulator":
        """Add a chunk of events. Returns the accumulator."""
        ticks, per_day, _ = _time_ticks(_series(events, self._time, "time"), self._time,
                                        time_unit=self._time_unit)
        if self._core is None:
            self._per_day = per_day
            self._core = _core.metrics.Cohorts(self._period, per_day,
                                               _offset_ticks(self._utc_offset, per_day))
        elif per_day != self._per_day:
            raise InputError(f"{self._time}: every chunk needs the same time unit")
        users = self._users.encode(_series(events, self._user, "user"))
        value = None
        if self._value is not None:
            # events without a value (visits next to purchases) add nothing
            s = _series(events, self._value, "value")
            value = _io.numbers(s, self._value).astype(np.float64)
            value = np.where(np.isnan(value), 0.0, value)
        self._core.add(users, ticks, value, [self._user, self._time, self._value or ""])
        return self

    def merge(self, other: "CohortAccumulator") -> "CohortAccumulator":
        """Add another accumulator's state (same period and value). Returns self."""
        if not isinstance(other, CohortAccumulator) or other._period != self._period or \
                other._value != self._value:
            raise InputError("other: expected a CohortAccumulator with the same period and value")
        if other._core is None:
            return self
        if self._core is None:
            self._per_day = other._per_day
            self._core = _core.metrics.Cohorts(self._period, other._per_day,
                                               _offset_ticks(self._utc_offset, other._per_day))
        user_map = self._users.map_from(other._users)
        self._core.merge(other._core, None if user_map is None else user_map.tolist())
        return self

    def finish(self):
        """The cohort matrix (see :func:`cohorts`)."""
        pd = _pd()
        if self._core is None:
            raise InputError("events: no events were added")
        r = self._core.finish()
        cohort, age = r["cohort"], r["age"]
        first, last = int(cohort.min()), int(r["last_period"])
        ages = np.arange(0, last - first + 1)
        cohorts_ = np.arange(first, last + 1)
        observed = (cohorts_[:, None] + ages[None, :]) <= last
        users = np.where(observed, 0.0, np.nan)
        users[cohort - first, age] = r["users"]
        keep = users[:, 0] > 0  # periods in which nobody was acquired are no cohort
        starts = [_core.metrics.period_start_day(int(c), self._period) for c in cohorts_[keep]]
        index = pd.Index(_day_to_timestamp(np.array(starts, dtype=np.int64)), name="cohort")
        size = users[keep, 0:1]
        blocks = {"users": users[keep], "retention": users[keep] / size}
        if self._value is not None:
            revenue = np.where(observed, 0.0, np.nan)
            revenue[cohort - first, age] = r["value"]
            blocks["revenue"] = revenue[keep]
            blocks["revenue_per_user"] = revenue[keep] / size
        frames = {name: pd.DataFrame(m, index=index, columns=pd.Index(ages, name="age"))
                  for name, m in blocks.items()}
        return pd.concat(frames, axis=1, names=["metric", "age"])


def cohorts(events: Any, *, user: str = "user_id", time: str = "timestamp",
            period: str = "month", value: Optional[str] = None, utc_offset: Any = None,
            time_unit: Optional[str] = None):
    """Acquisition cohorts: retention (and revenue) by cohort and age.

    Parameters
    ----------
    events : DataFrame (pandas or polars), pyarrow Table or dict of arrays
        The event log (purchases, visits), in any order.
    user, time : str
        Column names.
    period : {"day", "week", "month", "quarter"}
        A user's cohort is the period of their first event; an event's age is the
        number of periods since then.
    value : str, optional
        A value column (e.g. revenue) to sum per cohort and age; missing values
        (events without a value) add nothing.
    utc_offset : timedelta-like, optional
        A fixed offset added to UTC times before they are cut into periods.
    time_unit : {"s", "ms", "us", "ns", "D"}, optional
        The unit of a numeric time column of epoch times (``docs/input.md``).

    Returns
    -------
    pandas.DataFrame
        Indexed by cohort (period start); columns (metric, age) with metric
        "users" (distinct active users), "retention" (users / cohort size) and,
        with ``value``, "revenue" and "revenue_per_user" (revenue / cohort size).
        Ages past the last period in the data are NaN; observed ages without
        activity are 0.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.metrics import cohorts
    >>> ev = pd.DataFrame({"user_id": [1, 1, 2, 3, 3],
    ...                    "timestamp": pd.to_datetime(["2027-01-05", "2027-02-10", "2027-01-20",
    ...                                                 "2027-02-02", "2027-03-01"])})
    >>> cohorts(ev)["retention"]
    age           0    1    2
    cohort
    2027-01-01  1.0  0.5  0.0
    2027-02-01  1.0  1.0  NaN
    """
    return CohortAccumulator(user=user, time=time, period=period, value=value,
                             utc_offset=utc_offset, time_unit=time_unit).add(events).finish()
