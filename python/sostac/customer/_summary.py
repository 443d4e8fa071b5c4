"""sostac.customer: the per-customer summary (BTYD sufficient statistics) and RFM.

The rules (docs/customer.md, "Summary and RFM"):

* **Period rule.** Times are cut to their UTC calendar day; a customer's purchases on
  one day are one purchase (their amounts summed). ``recency`` (first to last
  purchase day) and ``T`` (first purchase day to ``end``) are day differences divided
  by 1 (``"D"``), 7 (``"W"``) or 30.4375 (``"M"``, the mean Gregorian month): lifetimes'
  ``freq="D", freq_multiplier=7`` for weeks, the rule of the published CDNOW summary.
* **Monetary** (lifetimes' ``monetary_value``): the mean of the repeat purchase days'
  totals (the first day left out), 0 when ``frequency`` is 0.
* **RFM tie rule.** Score ``1 + floor(k * L / n)``, L the number of customers with a
  strictly worse value: ties share the score of their lowest rank.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .. import _core
from .. import io as _io
from .._core import InputError
from ..metrics import _dense_ids, _rows, _series, _time_ticks

__all__ = ["summary", "rfm", "rfm_segments", "SummaryAccumulator", "DEFAULT_SEGMENTS",
           "PERIOD_DAYS"]

_cc = _core.customer

#: Days in one period of ``period=``.
PERIOD_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}

#: The default segment map over the R and F scores (bins=5): the R-F grid common in
#: RFM tutorials (the ``seg_map`` of regular expressions over "RF" codes), with its
#: cell R=1, F=1 named "Lost" instead of "Hibernating". Cells are disjoint and cover
#: all 25 (R, F) pairs, so the order does not matter; M does not enter.
DEFAULT_SEGMENTS: Dict[str, Dict[str, Tuple[int, int]]] = {
    "Champions": {"r": (5, 5), "f": (4, 5)},
    "Loyal": {"r": (3, 4), "f": (4, 5)},
    "Potential loyalist": {"r": (4, 5), "f": (2, 3)},
    "New": {"r": (5, 5), "f": (1, 1)},
    "Promising": {"r": (4, 4), "f": (1, 1)},
    "Need attention": {"r": (3, 3), "f": (3, 3)},
    "About to sleep": {"r": (3, 3), "f": (1, 2)},
    "At risk": {"r": (1, 2), "f": (3, 4)},
    "Cannot lose them": {"r": (1, 2), "f": (5, 5)},
    "Hibernating": {"r": (1, 2), "f": (1, 2)},
    "Lost": {"r": (1, 1), "f": (1, 1)},
}
# Lost is carved out of Hibernating's cells: list it first so it wins there.
_DEFAULT_ORDER = ["Lost"] + [k for k in DEFAULT_SEGMENTS if k != "Lost"]
OTHER = "Other"


def _pd():
    return _io._pd()


# -- inputs ----------------------------------------------------------------------------

def _check_period(period: Any) -> str:
    if period not in PERIOD_DAYS:
        raise InputError(f"period: expected 'D', 'W' or 'M', got {period!r}")
    return period


def _day_of(when: Any, argument: str) -> Optional[int]:
    """A date argument (str, date, Timestamp, datetime64, YYYYMMDD) as its UTC day."""
    if when is None:
        return None
    pd = _pd()
    try:
        s = _io.to_datetime(pd.Series([when]), argument)
    except InputError as exc:
        raise InputError(str(exc).replace(f"{argument}[0]", argument, 1)) from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"{argument}: expected a date, got {when!r} ({exc})") from None
    return int(s.to_numpy().view("i8")[0] // 86_400_000_000_000)


def _iso(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def _check_ids(s, column: str) -> None:
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":
        return  # plain integers cannot be missing
    na = s.isna().to_numpy()
    if na.any():
        raise InputError(f"{column}[{int(np.flatnonzero(na)[0])}]: missing customer id")
    if _io.is_text(s):
        pd = _pd()
        text = s if isinstance(s.dtype, (pd.StringDtype, pd.ArrowDtype)) else s.astype(str)
        blank = (text.str.strip() == "").to_numpy(dtype=bool, na_value=False)
        if blank.any():
            raise InputError(f"{column}[{int(np.flatnonzero(blank)[0])}]: blank customer id")


def _ids(s, column: str):
    """(codes, base, labels): int64 codes (customer - base) and a function giving the
    labels of codes. Plain integers in a dense range are used as they are; anything
    else (strings, sparse or nullable integers, Arrow) is factorized."""
    pd = _pd()
    _check_ids(s, column)
    dense = _dense_ids(s)
    if dense is None and isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu" and len(s):
        values = np.ascontiguousarray(s.to_numpy())
        lo, hi = int(values.min()), int(values.max())
        if hi - lo < 4 * len(values) + (1 << 20):  # a denser range than _dense_ids asks
            dense = values, lo, hi - lo + 1
    if dense is not None:
        values, base, _ = dense
        codes = values if values.dtype == np.int64 else values.astype(np.int64)
        name = s.name

        def labels(c):
            return pd.Index((c + base).astype(values.dtype, copy=False), name=name, copy=False)

        return codes, base, labels
    codes, uniques = pd.factorize(s, sort=False)
    uniques = pd.Index(uniques, name=s.name)
    return np.ascontiguousarray(codes, dtype=np.int64), 0, lambda c: uniques[c]


def _values(data, value: Optional[str], n: int):
    if value is None:
        return None
    s = _series(data, value, "value")
    if len(s) != n:
        raise InputError(f"{value}: expected {n} values like the customer column, got {len(s)}")
    v = _io.numbers(s, value)
    return np.ascontiguousarray(v, dtype=np.float64)


def _renamed(exc: InputError, names: Dict[str, str]) -> InputError:
    """The kernel's "time[3]: ..." as "<the user's column>[3]: ..."."""
    text = str(exc)
    for kernel, user in names.items():
        if text.startswith(kernel + "[") or text.startswith(kernel + ":"):
            return InputError(user + text[len(kernel):])
    return exc


def _columns(data, customer: str, time: str, value: Optional[str]):
    data = data if type(data).__module__.split(".")[0] in ("polars", "pyarrow", "pandas") \
        else _io.to_pandas(data)
    n = _rows(data)
    ids = _series(data, customer, "customer")
    ts = _series(data, time, "time")
    if len(ids) != n or len(ts) != n:  # pragma: no cover - frames have equal columns
        raise InputError(f"{time}: expected {n} values like '{customer}', got {len(ts)}")
    ticks, per_day, _ = _time_ticks(ts, time)
    return ids, np.ascontiguousarray(ticks, dtype=np.int64), int(per_day), \
        _values(data, value, n)


def _make(period: str, end_day, holdout_day, has_value: bool, refunds: bool, per_day: int):
    return _cc.SummaryAccumulator(period, end_day, holdout_day, has_value, bool(refunds),
                                  per_day)


def _check_days(end, holdout_end) -> Tuple[Optional[int], Optional[int]]:
    end_day = _day_of(end, "end")
    holdout_day = _day_of(holdout_end, "holdout_end")
    if holdout_day is not None:
        if end_day is None:
            raise InputError("holdout_end: needs end (the calibration period's last day)")
        if holdout_day <= end_day:
            raise InputError(f"holdout_end: expected a day after end ({_iso(end_day)}), got "
                             f"{_iso(holdout_day)}")
    return end_day, holdout_day


def _frame(result: dict, labels, *, value: bool, holdout: bool, period: str):
    pd = _pd()
    index = labels(result["customer"])
    cols = {"frequency": result["frequency"], "recency": result["recency"], "T": result["T"]}
    if value:
        cols["monetary"] = result["monetary"]
    if holdout:
        cols["frequency_holdout"] = result["frequency_holdout"]
        if value:
            cols["monetary_holdout"] = result["monetary_holdout"]
        cols["duration_holdout"] = np.full(len(index), result["duration_holdout"])
    out = pd.DataFrame(cols, index=index, copy=False)
    out.attrs.update({"period": period, "end": _iso(result["end_day"]) if len(index) else None,
                      "holdout_only": int(result["holdout_only"])})
    return out


# -- summary ---------------------------------------------------------------------------

def summary(transactions: Any, *, customer: str = "customer_id", time: str = "timestamp",
            value: Optional[str] = None, period: str = "W", end: Any = None,
            holdout_end: Any = None, refunds: bool = False):
    """Per-customer BTYD summary: frequency, recency, T (and monetary).

    Parameters
    ----------
    transactions : pandas or polars DataFrame, pyarrow Table or dict of arrays
        One row per transaction.
    customer, time : str
        Column names: the customer id (integers or strings; missing ids raise) and the
        purchase time (any form of :func:`sostac.io.to_datetime`; zones become UTC).
    value : str, optional
        The amount column; gives ``monetary`` (mean repeat-day total, 0 without repeat
        purchases). NaN raises; negative amounts raise unless ``refunds=True``.
    period : {"D", "W", "M"}
        Unit of recency and T: day differences / 1, 7 or 30.4375.
    end : date, optional
        Last day of the (calibration) period, inclusive; default the last day in the
        log. A purchase after it (after ``holdout_end`` when given) raises.
    holdout_end : date, optional
        Last day of a holdout period after ``end``: adds frequency_holdout (purchase
        days in (end, holdout_end]), monetary_holdout (their mean day total) and
        duration_holdout, as lifetimes' ``calibration_and_holdout_data``. Customers
        whose first purchase is in the holdout are left out (counted in
        ``attrs["holdout_only"]``).
    refunds : bool
        Allow negative amounts (refunds); they then lower the day totals.

    Returns
    -------
    pandas.DataFrame indexed by customer (in order of first appearance for
    factorized ids, increasing for integer ids).

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.customer import summary
    >>> log = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...                     "timestamp": pd.to_datetime(["2027-01-01", "2027-01-01",
    ...                                                  "2027-01-15", "2027-01-08"]),
    ...                     "amount": [10.0, 5.0, 30.0, 20.0]})
    >>> summary(log, value="amount", end="2027-01-29")
                 frequency  recency    T  monetary
    customer_id
    1                  1.0      2.0  4.0      30.0
    2                  0.0      0.0  3.0       0.0
    """
    _check_period(period)
    end_day, holdout_day = _check_days(end, holdout_end)
    ids, ticks, per_day, values = _columns(transactions, customer, time, value)
    codes, base, labels = _ids(ids, customer)
    acc = _make(period, end_day, holdout_day, values is not None, refunds, per_day)
    names = {"time": time, "value": value or "value", "customer": customer}
    try:
        acc.add(codes, ticks, values, base)
    except InputError as exc:
        raise _renamed(exc, names) from None
    return _frame(acc.finish(), labels, value=values is not None,
                  holdout=holdout_day is not None, period=period)


class SummaryAccumulator:
    """:func:`summary` over partitions: ``add`` chunks, ``merge`` accumulators,
    ``finish``.

    The answer equals one :func:`summary` over all rows when, for every customer,
    the two sides of each ``add``/``merge`` do not interleave in time: partitions by
    customer in any order, or partitions by time (a log read in time order, Parquet
    row groups of a time-sorted log) merged with their neighbours in time (a fold in
    time order or a pairwise tree of adjacent parts). Otherwise it raises naming the
    customer, never a wrong count. ``end`` (and ``holdout_end``) must be the same for
    all parts. Rows within one chunk may come in any order.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.customer import SummaryAccumulator
    >>> log = pd.DataFrame({"customer_id": ["a", "b", "a"],
    ...                     "timestamp": pd.to_datetime(["2027-01-01", "2027-01-02",
    ...                                                  "2027-01-15"])})
    >>> acc = SummaryAccumulator(end="2027-01-29", period="D")
    >>> acc.add(log.iloc[:2]).add(log.iloc[2:]).finish()["frequency"].tolist()
    [1.0, 0.0]
    """

    def __init__(self, *, customer: str = "customer_id", time: str = "timestamp",
                 value: Optional[str] = None, period: str = "W", end: Any = None,
                 holdout_end: Any = None, refunds: bool = False):
        self.customer, self.time, self.value = customer, time, value
        self.period = _check_period(period)
        self.refunds = bool(refunds)
        self._end, self._holdout = _check_days(end, holdout_end)
        self._acc = None
        self._per_day: Optional[int] = None
        self._labels = None  # pandas Index: code -> customer label
        self._dense = None  # a dtype when the codes are the (non-negative int) ids themselves
        self._finished = None

    def _ensure(self, per_day: int):
        if self._acc is None:
            self._per_day = per_day
            self._acc = _make(self.period, self._end, self._holdout, self.value is not None,
                              self.refunds, per_day)
        elif per_day != self._per_day:
            raise InputError(f"{self.time}: this chunk's time unit differs from the first "
                             f"chunk's; convert the column to one datetime64 unit")

    def _label_index(self):
        """code -> label as a pandas Index (leaving the dense mode)."""
        pd = _pd()
        if self._dense is not None:
            codes = 0 if self._acc is None else int(self._acc.codes)
            self._labels = pd.Index(np.arange(codes).astype(self._dense), name=self.customer)
            self._dense = None
        return self._labels

    def _codes(self, ids):
        pd = _pd()
        _check_ids(ids, self.customer)
        plain = isinstance(ids.dtype, np.dtype) and ids.dtype.kind in "iu" and len(ids) > 0
        if plain and (self._dense is not None or self._labels is None):
            values = np.ascontiguousarray(ids.to_numpy())
            lo, hi = int(values.min()), int(values.max())
            if lo >= 0 and hi < 4 * (self.rows + len(values)) + (1 << 20):
                # plain non-negative ids in a dense range: the id is the code
                if self._dense is None:
                    self._dense = values.dtype
                return values if values.dtype == np.int64 else values.astype(np.int64)
        if self._dense is not None:
            self._label_index()
        if self._labels is None:
            self._labels = pd.Index([], dtype=ids.dtype if isinstance(ids.dtype, np.dtype)
                                    else object, name=self.customer)
        codes = self._labels.get_indexer(ids)
        new = codes < 0
        if new.any():
            fresh = pd.Index(pd.unique(ids[new]), name=self.customer)
            self._labels = self._labels.append(fresh)
            codes[new] = self._labels.get_indexer(ids[new])
        return np.ascontiguousarray(codes, dtype=np.int64)

    def add(self, transactions: Any) -> "SummaryAccumulator":
        """Adds a chunk of the log (same columns as the constructor names)."""
        ids, ticks, per_day, values = _columns(transactions, self.customer, self.time,
                                               self.value)
        codes = self._codes(ids)
        self._ensure(per_day)
        self._finished = None
        try:
            self._acc.add(codes, ticks, values, 0)
        except InputError as exc:
            raise self._named(_renamed(exc, {"time": self.time, "value": self.value or "value",
                                             "customer": self.customer})) from None
        return self

    def merge(self, other: "SummaryAccumulator") -> "SummaryAccumulator":
        """Adds another accumulator's rows (built with the same arguments)."""
        if not isinstance(other, SummaryAccumulator):
            raise InputError(f"other: expected a SummaryAccumulator, got {type(other).__name__}")
        if (other.period, other._end, other._holdout, other.value is None) != \
                (self.period, self._end, self._holdout, self.value is None):
            raise InputError("other: expected an accumulator with the same period, end, "
                             "holdout_end and value")
        if other._acc is None:
            return self
        self._ensure(other._per_day)
        self._finished = None
        pd = _pd()
        if self._dense is not None and other._dense is not None and self._labels is None:
            try:
                self._acc.merge(other._acc)
            except InputError as exc:
                raise self._named(exc) from None
            return self
        self._label_index()
        if other._dense is not None:
            other._label_index()
        mapping = self._labels.get_indexer(other._labels) if self._labels is not None \
            else np.full(len(other._labels), -1)
        new = mapping < 0
        if new.any():
            base = self._labels if self._labels is not None else other._labels[:0]
            self._labels = base.append(pd.Index(other._labels[new]))
            mapping = self._labels.get_indexer(other._labels)
        try:
            self._acc.merge(other._acc, np.ascontiguousarray(mapping, dtype=np.int64))
        except InputError as exc:
            raise self._named(exc) from None
        return self

    def _named(self, exc: InputError) -> InputError:
        """The kernel's "customer 12: ..." with the customer's label."""
        text = str(exc)
        if not text.startswith("customer "):
            return exc
        code = int(text.split()[1].rstrip(":"))
        label = code if self._dense is not None else self._labels[code]
        return InputError(f"{self.customer} {label}:{text.split(':', 1)[1]}")

    def _labels_of(self, codes):
        pd = _pd()
        if self._dense is not None:
            return pd.Index(codes.astype(self._dense, copy=False), name=self.customer, copy=False)
        return self._labels[codes]

    @property
    def rows(self) -> int:
        """Transactions added so far."""
        return 0 if self._acc is None else int(self._acc.rows)

    def _result(self):
        if self._acc is None:
            raise InputError("transactions: nothing added yet")
        if self._finished is None:  # kept until the next add or merge
            self._finished = self._acc.finish()
        return self._finished

    def finish(self):
        """The :func:`summary` frame of everything added."""
        return _frame(self._result(), self._labels_of, value=self.value is not None,
                      holdout=self._holdout is not None, period=self.period)

    def rfm(self, *, bins: int = 5, segments: Any = "default"):
        """The :func:`rfm` frame of everything added (needs ``value``)."""
        if self.value is None:
            raise InputError("value: rfm needs the amount column; construct the "
                             "accumulator with value=")
        return _rfm_frame(self._result(), self._labels_of, bins, segments)


# -- RFM -------------------------------------------------------------------------------

def _check_bins(bins: Any) -> int:
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 1 <= bins <= 9:
        raise InputError(f"bins: expected a whole number 1..9, got {bins!r}")
    return int(bins)


def _rule_range(name: str, key: str, spec: Any, bins: int) -> Tuple[int, int]:
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        lo = hi = int(spec)
    else:
        try:
            lo, hi = (int(v) for v in spec)
        except (TypeError, ValueError):
            raise InputError(f"segments[{name!r}][{key!r}]: expected a score or a (low, high) "
                             f"pair, got {spec!r}") from None
    if not 1 <= lo <= hi <= bins:
        raise InputError(f"segments[{name!r}][{key!r}]: expected 1 <= low <= high <= {bins}, "
                         f"got {spec!r}")
    return lo, hi


def _segment_rules(segments: Any, bins: int) -> List[Tuple[str, Dict[str, Tuple[int, int]]]]:
    if isinstance(segments, str):
        if segments != "default":
            raise InputError(f"segments: expected 'default', None or rules, got {segments!r}")
        if bins != 5:
            raise InputError(f"segments: the default map is for bins=5 (got bins={bins}); "
                             f"pass your own rules or segments=None")
        return [(k, DEFAULT_SEGMENTS[k]) for k in _DEFAULT_ORDER]
    items = list(segments.items()) if isinstance(segments, dict) else list(segments)
    rules = []
    for item in items:
        try:
            name, rule = item
        except (TypeError, ValueError):
            raise InputError(f"segments: expected (name, rule) pairs or a dict, got {item!r}") \
                from None
        if not isinstance(rule, dict) or not set(rule) <= {"r", "f", "m"}:
            raise InputError(f"segments[{name!r}]: expected a dict with keys among 'r', 'f', "
                             f"'m', got {rule!r}")
        rules.append((str(name), {k: _rule_range(str(name), k, v, bins) for k, v in rule.items()}))
    if not rules:
        raise InputError("segments: expected at least one rule")
    return rules


def _segment_table(rules, bins: int) -> Tuple[np.ndarray, Tuple[str, ...]]:
    """Segment code of each of the bins**3 RFM codes (first matching rule; 'Other')."""
    key = (bins, tuple((name, tuple(sorted(rule.items()))) for name, rule in rules))
    return _segment_table_of(key)


@functools.lru_cache(maxsize=32)
def _segment_table_of(key) -> Tuple[np.ndarray, Tuple[str, ...]]:
    """_segment_table of the hashable (bins, rules); the table is read-only."""
    bins, rules = key[0], [(name, dict(rule)) for name, rule in key[1]]
    names = []
    for name, _ in rules:
        if name not in names:
            names.append(name)
    table = np.full(bins ** 3, -1, dtype=np.int16)
    for r in range(1, bins + 1):
        for f in range(1, bins + 1):
            for m in range(1, bins + 1):
                score = {"r": r, "f": f, "m": m}
                for name, rule in rules:
                    if all(lo <= score[k] <= hi for k, (lo, hi) in rule.items()):
                        table[((r - 1) * bins + (f - 1)) * bins + m - 1] = names.index(name)
                        break
    if (table < 0).any():
        table[table < 0] = len(names)
        names.append(OTHER)
    table.flags.writeable = False
    return table, tuple(names)


@functools.lru_cache(maxsize=16)
def _rfm_codes(bins: int) -> Tuple[str, ...]:
    """The bins**3 RFM codes "111".."555", in code order."""
    return tuple(f"{a}{b}{c}" for a in range(1, bins + 1) for b in range(1, bins + 1)
                 for c in range(1, bins + 1))


def _rfm_frame(result: dict, labels, bins: int, segments: Any):
    pd = _pd()
    bins = _check_bins(bins)
    rules = None if segments is None else _segment_rules(segments, bins)
    recency = result["days_since_last"]
    monetary = result["total"]
    s = _cc.rfm_scores(recency, result["transactions"], monetary, bins)
    r, f, m = s["r_score"], s["f_score"], s["m_score"]
    code = r.astype(np.int16)  # ((r - 1) * bins + (f - 1)) * bins + (m - 1), in place
    code -= 1
    code *= bins
    code += f
    code -= 1
    code *= bins
    code += m
    code -= 1
    codes = list(_rfm_codes(bins))
    cols = {"recency": recency, "frequency": result["transactions"], "monetary": monetary,
            "r_score": r, "f_score": f, "m_score": m,
            "rfm": pd.Categorical.from_codes(code, categories=codes)}
    if rules is not None:
        table, names = _segment_table(rules, bins)
        cols["segment"] = pd.Categorical.from_codes(table[code], categories=list(names))
    out = pd.DataFrame(cols, index=labels(result["customer"]), copy=False)
    out.attrs.update({"end": _iso(result["end_day"]) if len(out) else None, "bins": bins})
    return out


def rfm(transactions: Any, *, customer: str = "customer_id", time: str = "timestamp",
        value: str = "amount", end: Any = None, bins: int = 5, segments: Any = "default",
        refunds: bool = False):
    """RFM per customer: recency, frequency, monetary, scores 1..bins, code, segment.

    ``recency`` is the days from the customer's last purchase day to ``end`` (default
    the last day in the log), ``frequency`` the number of transactions (rows) and
    ``monetary`` their total amount. Scores follow the tie rule
    ``1 + floor(bins * L / n)``, L the customers with a strictly worse value (larger
    recency, smaller frequency or monetary): tied customers share the score of the
    lowest rank, so the result does not depend on row order.

    Parameters
    ----------
    segments : "default", None, dict or list of (name, rule)
        "default" is :data:`DEFAULT_SEGMENTS` (bins=5). Own rules map a name to
        ranges of scores, e.g. ``{"VIP": {"r": (4, 5), "m": 5}, "Rest": {}}``; the
        first matching rule wins and unmatched customers are "Other". None: no
        segment column.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.customer import rfm
    >>> log = pd.DataFrame({"customer_id": [1, 1, 2, 3],
    ...                     "timestamp": pd.to_datetime(["2027-01-01", "2027-01-20",
    ...                                                  "2027-01-05", "2027-01-28"]),
    ...                     "amount": [10.0, 30.0, 5.0, 20.0]})
    >>> rfm(log, bins=3, segments=None)[["recency", "frequency", "rfm"]]
                 recency  frequency  rfm
    customer_id
    1                8.0          2  233
    2               23.0          1  111
    3                0.0          1  312
    """
    end_day, _ = _check_days(end, None)
    ids, ticks, per_day, values = _columns(transactions, customer, time, value)
    codes, base, labels = _ids(ids, customer)
    acc = _make("D", end_day, None, True, refunds, per_day)
    try:
        acc.add(codes, ticks, values, base)
    except InputError as exc:
        raise _renamed(exc, {"time": time, "value": value, "customer": customer}) from None
    return _rfm_frame(acc.finish(), labels, bins, segments)


def rfm_segments(rfm_frame: Any):
    """The segment table of an :func:`rfm` frame: customers, share, revenue,
    revenue_share, mean recency and frequency per segment (segments without
    customers left out), in the segment map's order.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.customer import rfm, rfm_segments
    >>> log = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [10.0, 30.0, 5.0],
    ...                     "timestamp": pd.to_datetime(["2027-01-01", "2027-01-20",
    ...                                                  "2027-01-05"])})
    >>> rfm_segments(rfm(log, bins=2, segments={"Best": {"r": 2}, "Rest": {}}))["customers"]
    segment
    Best    1
    Rest    1
    Name: customers, dtype: int64
    """
    pd = _pd()
    need = ("segment", "recency", "frequency", "monetary")
    if not isinstance(rfm_frame, pd.DataFrame) or any(c not in rfm_frame for c in need):
        raise InputError("rfm_frame: expected the frame of sostac.customer.rfm with a "
                         "segment column (segments=None gives none)")
    seg = rfm_frame["segment"]
    if not isinstance(seg.dtype, pd.CategoricalDtype):
        seg = seg.astype("category")
    k = len(seg.cat.categories)
    codes = np.asarray(seg.cat.codes)
    count = np.bincount(codes, minlength=k)
    revenue = np.bincount(codes, weights=rfm_frame["monetary"].to_numpy(np.float64), minlength=k)
    rec = np.bincount(codes, weights=rfm_frame["recency"].to_numpy(np.float64), minlength=k)
    freq = np.bincount(codes, weights=rfm_frame["frequency"].to_numpy(np.float64), minlength=k)
    keep = count > 0
    n, total = count.sum(), revenue.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "customers": count[keep],
            "share": count[keep] / n,
            "revenue": revenue[keep],
            "revenue_share": revenue[keep] / total if total != 0 else np.zeros(keep.sum()),
            "recency": rec[keep] / count[keep],
            "frequency": freq[keep] / count[keep],
        }, index=pd.Index(seg.cat.categories[keep], name="segment"))
    return out
