"""Attribution (paths part): the path table of a touchpoint log given in chunks.

:class:`PathAccumulator` takes the log chunk by chunk (pandas, polars or Arrow; any
order; a user's rows may be spread over many chunks), merges with other accumulators
(one per file, process or partition) and gives at ``finish`` exactly the table
:func:`~sostac.attribution.paths` returns on the concatenated log: same rows, same
row order, same ``attrs``.

How the codes stay consistent across chunks:

* **Users.** Plain NumPy integer ids are kept as they are; at ``finish`` they become
  ``id - min`` when their range is short (the rule of ``paths()``), else codes in order
  of first appearance. Other ids (text, ...) get codes in order of first appearance at
  ``add``: a growing dictionary of exact values (pandas Indexes in levels of doubling
  size, so adding a chunk costs its own rows plus amortised O(log n) per new id; no
  hashing of ids into numbers that could collide).
* **Channels.** Each chunk keeps its own codes and a map to the accumulator's names;
  ``finish`` maps them to the rank of the name (``paths()`` orders channels by name,
  and the builder orders touches at one time by that code).
* **Times.** Every chunk must hold the same kind of time (dates, times without a zone,
  times in one zone); units (s, ms, us, ns) may differ and are brought to the finest.

The chunks' encoded columns are held in NumPy arrays (about 21 bytes a row, 29 with a
value column) until ``finish`` hands them chunk by chunk to the compiled builder
(``sostac._core.attribution.PathAccumulator``). ``finish`` leaves the state as it is:
it may be called again (other options), and more chunks may be added after it. The
state pickles (arrays and pandas Indexes), so accumulators may be built in other
processes and merged.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, List, Optional

import numpy as np

from .. import _core
from .. import io as _io
from .._core import InputError
from ._paths import (_conversion_events, _event_flags, _flags, _lookback_ticks,
                     _series, _table_frame, _time_ticks, _unknown_events)

__all__ = ["PathAccumulator"]

_ca = _core.attribution
_INT64_MAX = np.iinfo(np.int64).max


def _pd():
    return _io._pd()


def _as_text_index(values):
    """Text as an object Index of Python strings: its hash table takes the strings
    as they are (a pandas 3 ``str`` Index converts every query to objects first)."""
    pd = _pd()
    if isinstance(values, pd.Index) and values.dtype == object:
        return values
    return pd.Index(np.asarray(values, dtype=object), dtype=object)


def _concat(a, b):
    """Two Indexes one after the other, an object Index staying one (pandas 3's
    ``append`` makes text ``str``, whose lookups convert every query)."""
    pd = _pd()
    if a.dtype == object:
        return pd.Index(np.concatenate([np.asarray(a, dtype=object),
                                        np.asarray(b, dtype=object)]), dtype=object)
    return a.append(b)


class _Codes:
    """Exact codes 0, 1, ... for the distinct values of a column, in order of first
    appearance, growing chunk by chunk. The values sit in a few pandas Indexes
    (levels, oldest and largest first, each more than twice the next): a lookup asks
    each level's hash table (built once per level, then cached by pandas), new values
    form a new level, merged with the last ones while they are not more than twice
    its size. So each value is copied O(log n) times in all and a chunk never
    rebuilds the whole dictionary."""

    def __init__(self) -> None:
        self._levels: list = []  # (Index, code of its first value)
        self.size = 0

    def codes_of(self, values, distinct: bool = False) -> np.ndarray:
        """The code of each value (int64), adding the values not seen yet;
        ``distinct``: the values are known to be distinct (factorized)."""
        pd = _pd()
        values = pd.Index(values)
        if not distinct and not values.is_unique:
            distinct_values = values.unique()
            return self.codes_of(distinct_values, True)[distinct_values.get_indexer(values)]
        codes = np.full(len(values), -1, dtype=np.int64)
        todo = np.arange(len(values))
        for level, base in self._levels:
            if len(todo) == 0:
                break
            where = level.get_indexer(values if len(todo) == len(values) else values.take(todo))
            hit = where >= 0
            codes[todo[hit]] = where[hit] + base
            todo = todo[~hit]
        if len(todo):
            codes[todo] = np.arange(self.size, self.size + len(todo))
            self._push(values.take(todo))
        return codes

    def _push(self, new) -> None:
        base = self.size
        self.size += len(new)
        while self._levels and len(self._levels[-1][0]) <= 2 * len(new):
            last, base = self._levels.pop()
            new = _concat(last, new)
        self._levels.append((new, base))

    def values(self):
        """Every value, in code order (a pandas Index)."""
        if not self._levels:
            return _as_text_index(np.array([], dtype=object))
        out = self._levels[0][0]
        for level, _ in self._levels[1:]:
            out = _concat(out, level)
        return out

    def __len__(self) -> int:
        return self.size


class _Chunk:
    """One chunk's encoded columns. ``user`` holds the ids themselves (integer ids) or
    chunk-local codes with ``user_map`` to the accumulator's codes; ``channel`` holds
    chunk-local codes (-1: none) with ``channel_map`` to the accumulator's names."""

    __slots__ = ("label", "rows", "user", "user_map", "user_lo", "user_hi", "ticks",
                 "per_day", "channel", "channel_map", "flags", "value")

    def copy(self) -> "_Chunk":
        out = _Chunk()
        for k in self.__slots__:
            setattr(out, k, getattr(self, k))
        return out


def _time_kind(data, column: str, s) -> Optional[str]:
    """What a time column holds: "dates", "times without a zone", "times in ZONE" or
    "times with UTC offsets" (text). None when every value is missing."""
    pd = _pd()
    if type(data).__module__.split(".")[0] == "polars":
        import polars as pl

        if data.schema[column] == pl.Date:  # polars dates arrive as datetime64[ms]
            return "dates"
    dtype = s.dtype
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        t = dtype.pyarrow_dtype
        if pa.types.is_date(t):
            return "dates"
        if pa.types.is_timestamp(t):
            return f"times in {t.tz}" if t.tz is not None else "times without a zone"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return f"times in {dtype.tz}"
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return "times without a zone"
    if _io.is_numeric(s):
        return "dates"  # whole-number YYYYMMDD (other numbers raise in _time_ticks)
    valid = s.notna().to_numpy()
    if not valid.any():
        return None
    first = s.iloc[int(valid.argmax())]
    if isinstance(first, _dt.datetime):  # Timestamps too
        return f"times in {first.tzinfo}" if first.tzinfo is not None else \
            "times without a zone"
    if isinstance(first, _dt.date):
        return "dates"
    if isinstance(first, str):
        if re.search(r"(?:[+-]\d{2}:?\d{2}|Z)$", first.strip()):
            return "times with UTC offsets"
        # dates when every value is one (a column of times may begin at midnight)
        text = s[valid].astype(str).str.strip()
        if text.str.fullmatch(r"\d{8}|\d{4}-\d{2}-\d{2}").all():
            return "dates"
        return "times without a zone"
    return f"times ({type(first).__name__})"


class PathAccumulator:
    """The path table of a touchpoint log given in chunks: ``add`` chunks (any order,
    users split over chunks), ``merge`` accumulators, then ``finish`` gives exactly
    the table :func:`~sostac.attribution.paths` returns on the concatenated log (the
    chunks in the order they reached this accumulator, a merged accumulator's after
    its own): same rows, row order and ``attrs``.

    Parameters
    ----------
    user, time, channel, conversion, value, conversion_events
        As for :func:`~sostac.attribution.paths`: the column names, and with
        ``conversion_events`` (a name or a list of names) the conversion column read
        as event names. A name that occurs in no chunk raises at ``finish``.

    Notes
    -----
    Chunks are numbered from 0 in the order they reached the accumulator (empty ones
    included, a merged accumulator's chunks after its own); bad input raises naming
    the chunk, the column and the row within the chunk ("chunk 3, timestamp[17]:
    missing time"). Every chunk's user ids must be of one type (integers, text, ...:
    1 and "1" would be different users) and its times of one kind (dates, times
    without a zone, or times in one zone); an empty chunk is skipped (its columns must
    exist). ``finish`` may be called again and ``add`` after it; the state pickles.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.attribution import PathAccumulator, paths
    >>> log = pd.DataFrame({
    ...     "user_id": ["u1", "u1", "u2", "u1", "u2"],
    ...     "timestamp": pd.to_datetime(["2027-01-01", "2027-01-03", "2027-01-02",
    ...                                  "2027-01-04", "2027-01-05"]),
    ...     "channel": ["social", "search", "email", None, "search"],
    ...     "event": ["page_view", "page_view", "page_view", "purchase", "page_view"]})
    >>> acc = PathAccumulator(conversion="event", conversion_events="purchase")
    >>> acc.add(log.iloc[:2]).add(log.iloc[2:])
    PathAccumulator(5 rows in 2 chunks)
    >>> acc.finish()
                  path  conversions  value  nulls
    0  social > search          1.0    0.0    0.0
    1   email > search          0.0    0.0    1.0
    >>> acc.finish().equals(paths(log, conversion="event", conversion_events="purchase"))
    True
    """

    def __init__(self, *, user: str = "user_id", time: str = "timestamp",
                 channel: str = "channel", conversion: str = "conversion",
                 value: Optional[str] = None, conversion_events: Any = None) -> None:
        for name, v in (("user", user), ("time", time), ("channel", channel),
                        ("conversion", conversion)):
            if not isinstance(v, str):
                raise InputError(f"{name}: expected a column name, got {v!r}")
        if value is not None and not isinstance(value, str):
            raise InputError(f"value: expected a column name or None, got {value!r}")
        self._user, self._time, self._channel = user, time, channel
        self._conversion, self._value = conversion, value
        self._events = _conversion_events(conversion_events)
        self._seen = np.zeros(len(self._events or ()), dtype=bool)
        self._event_names: set = set()  # for the hint of an unknown event name
        self._users = _Codes()
        self._channels = _Codes()
        self._user_kind: Optional[str] = None
        self._time_kind: Optional[str] = None
        self._chunks: List[_Chunk] = []
        self._count = 0  # chunks that reached this accumulator (numbering)

    # -- settings and state ------------------------------------------------------------

    def _settings(self) -> dict:
        return {"user": self._user, "time": self._time, "channel": self._channel,
                "conversion": self._conversion, "value": self._value,
                "conversion_events": None if self._events is None else list(self._events)}

    @property
    def rows(self) -> int:
        """The number of rows added (merged ones included)."""
        return sum(c.rows for c in self._chunks)

    @property
    def chunks(self) -> int:
        """The number of chunks that reached the accumulator (empty ones included)."""
        return self._count

    def __repr__(self) -> str:
        return f"PathAccumulator({self.rows} rows in {self._count} chunks)"

    # -- add ---------------------------------------------------------------------------

    def add(self, chunk: Any) -> "PathAccumulator":
        """Add a chunk of the log (pandas or polars DataFrame, pyarrow Table or
        RecordBatch, dict of arrays). Returns the accumulator."""
        label = f"chunk {self._count}"
        self._count += 1
        try:
            encoded = self._encode(chunk, label)
        except InputError as e:
            raise InputError(f"{label}, {e}") from None
        if encoded is not None:
            self._commit(encoded)
        return self

    def _encode(self, chunk: Any, label: str):
        """The chunk's columns checked and encoded, without touching the state (a bad
        chunk leaves the accumulator as it was). None for an empty chunk."""
        pd = _pd()
        mod = type(chunk).__module__.split(".")[0]
        data = chunk if mod in ("polars", "pyarrow", "pandas") else _io.to_pandas(chunk)
        ids = _series(data, self._user, "user")
        ts = _series(data, self._time, "time")
        conv = _series(data, self._conversion, "conversion")
        ch = _series(data, self._channel, "channel")
        vs = None if self._value is None else _series(data, self._value, "value")
        n = len(ids)
        if n == 0:
            return None
        out = _Chunk()
        out.label, out.rows = label, n
        # users
        na = ids.isna().to_numpy()
        if na.any():
            raise InputError(f"{self._user}[{int(np.flatnonzero(na)[0])}]: missing user id")
        new_users = None
        if isinstance(ids.dtype, np.dtype) and ids.dtype.kind in "iu":
            kind = "integer"
            raw = ids.to_numpy()
            if raw.dtype.kind == "u" and int(raw.max()) > _INT64_MAX:
                i = int(np.flatnonzero(raw > _INT64_MAX)[0])
                raise InputError(f"{self._user}[{i}]: user id {raw[i]} is above 2**63 - 1")
            out.user = np.array(raw, dtype=np.int64)  # a copy: the caller may reuse it
            out.user_map = None
            out.user_lo, out.user_hi = int(out.user.min()), int(out.user.max())
        else:
            codes, uniques = pd.factorize(ids, sort=False)
            uniques = pd.Index(uniques)
            if isinstance(uniques.dtype, pd.CategoricalDtype):
                uniques = pd.Index(np.asarray(uniques))
            inferred = "string" if _io.is_text(ids) and ids.dtype != object else \
                pd.api.types.infer_dtype(uniques, skipna=False)
            if inferred == "string":
                kind, uniques = "text", _as_text_index(uniques)
            else:
                kind = f"{inferred} ({uniques.dtype})"
            out.user = codes.astype(np.int32 if len(uniques) < 2**31 else np.int64)
            out.user_map, out.user_lo, out.user_hi = None, 0, 0
            new_users = uniques
        if self._user_kind is not None and kind != self._user_kind:
            raise InputError(f"{self._user}: {kind} ids, but the earlier chunks hold "
                             f"{self._user_kind} ids (1 and '1' would be different "
                             f"users); give every chunk's user column one type")
        # times
        tkind = _time_kind(data, self._time, ts)
        ticks, per_day, _ = _time_ticks(ts, self._time)
        if self._time_kind is not None and tkind != self._time_kind:
            raise InputError(f"{self._time}: {tkind}, but the earlier chunks hold "
                             f"{self._time_kind}; convert every chunk's times to one kind")
        out.ticks, out.per_day = np.array(ticks, dtype=np.int64), int(per_day)
        # conversions
        seen = names = None
        if self._events is None:
            out.flags = _flags(conv, self._conversion)
        else:
            out.flags, seen, names = _event_flags(conv, self._conversion, self._events)
        # channels, checked and trimmed once per distinct value (as paths() does)
        raw_codes, uniques = pd.factorize(ch, sort=False)
        names_ch = pd.Index(uniques).astype(str).str.strip()

        def first_row(code_mask):
            return int(np.flatnonzero(np.isin(raw_codes, np.flatnonzero(code_mask)))[0])

        blank = np.asarray(names_ch == "", dtype=bool)
        if blank.any():
            raise InputError(f"{self._channel}[{first_row(blank)}]: blank channel name")
        gt = np.asarray(names_ch.str.contains(">", regex=False), dtype=bool)
        if gt.any():
            i = first_row(gt)
            raise InputError(f"{self._channel}[{i}]: channel name with '>' ({ch.iloc[i]!r}); "
                             f"the path table joins channels by ' > '")
        missing_touch = (raw_codes < 0) & (out.flags == 0)
        if missing_touch.any():
            raise InputError(f"{self._channel}[{int(np.flatnonzero(missing_touch)[0])}]: "
                             f"missing channel on a touch (a row that is not a conversion)")
        out.channel = raw_codes.astype(np.int32)
        # values
        out.value = None
        if vs is not None:
            vals = np.array(_io.numbers(vs, self._value), dtype=np.float64)
            bad = (out.flags == 1) & ~np.isfinite(vals)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(f"{self._value}[{i}]: expected a finite conversion value, "
                                 f"got {vals[i]!r}")
            out.value = vals
        return out, kind, tkind, new_users, _as_text_index(np.asarray(names_ch, dtype=object)), \
            seen, names

    def _commit(self, encoded) -> None:
        out, kind, tkind, new_users, channel_names, seen, names = encoded
        self._user_kind = kind
        if tkind is not None:
            self._time_kind = tkind
        if new_users is not None:
            out.user_map = self._users.codes_of(new_users, distinct=True)
        out.channel_map = self._channels.codes_of(channel_names)
        if seen is not None:
            self._seen |= seen
            if len(self._event_names) < 10_000:
                self._event_names.update(str(x) for x in names[:10_000])
        self._chunks.append(out)

    # -- merge -------------------------------------------------------------------------

    def merge(self, other: "PathAccumulator") -> "PathAccumulator":
        """Add another accumulator's chunks (built with the same columns), after this
        one's. ``other`` is left as it was. Returns the accumulator."""
        if not isinstance(other, PathAccumulator):
            raise InputError(f"other: expected a PathAccumulator, got {type(other).__name__}")
        if other is self:
            raise InputError("other: an accumulator cannot merge itself (its rows would "
                             "count twice)")
        mine, theirs = self._settings(), other._settings()
        for key in mine:
            if mine[key] != theirs[key]:
                raise InputError(f"other: built with {key}={theirs[key]!r}, this "
                                 f"accumulator with {key}={mine[key]!r}")
        if other._chunks:
            if self._user_kind is not None and other._user_kind != self._user_kind:
                raise InputError(f"other: its chunks hold {other._user_kind} ids in "
                                 f"{self._user}, this accumulator's {self._user_kind} ids")
            if self._time_kind is not None and other._time_kind is not None and \
                    other._time_kind != self._time_kind:
                raise InputError(f"other: its chunks hold {other._time_kind} in "
                                 f"{self._time}, this accumulator's {self._time_kind}")
            user_map = None if other._user_kind == "integer" else \
                self._users.codes_of(other._users.values(), distinct=True)
            channel_map = self._channels.codes_of(other._channels.values(), distinct=True)
            offset = self._count
            for c in other._chunks:
                d = c.copy()
                d.label = f"chunk {offset + int(c.label.split()[1])}"
                if user_map is not None:
                    d.user_map = user_map[c.user_map]
                d.channel_map = channel_map[c.channel_map]
                self._chunks.append(d)
            self._user_kind = other._user_kind
            self._time_kind = self._time_kind or other._time_kind
        self._count += other._count
        self._seen |= other._seen
        if len(self._event_names) < 10_000:
            self._event_names |= other._event_names
        return self

    # -- finish ------------------------------------------------------------------------

    def finish(self, lookback: Any = "30D", max_length: Optional[int] = None,
               collapse_repeats: bool = False, half_life: Any = None):
        """The path table of every row added: the table (and ``attrs``) of
        :func:`~sostac.attribution.paths` on the concatenated chunks with these
        options. The accumulator is left as it is."""
        pd = _pd()
        if max_length is not None and (isinstance(max_length, bool)
                                       or not isinstance(max_length, (int, np.integer))
                                       or max_length < 1):
            raise InputError(f"max_length: expected a whole number >= 1 or None, got "
                             f"{max_length!r}")
        if not self._chunks:
            raise InputError(f"{self._user}: the touchpoint log is empty (no rows were added)")
        if self._events is not None and not self._seen.all():
            raise _unknown_events(self._events, self._seen, self._conversion,
                                  pd.Index(sorted(self._event_names)))
        per_day = max(c.per_day for c in self._chunks)
        look = _lookback_ticks(lookback, per_day, "lookback")
        half = None
        if half_life is not None:
            half = _lookback_ticks(half_life, per_day, "half_life", exact=True)
            if not half > 0:
                raise InputError(f"half_life: expected a duration > 0, got {half_life!r}")
        users = self._user_codes()
        ch_names, rank = np.unique(
            np.asarray(self._channels.values(), dtype=object).astype(str), return_inverse=True)
        rank = np.asarray(rank, dtype=np.int32).ravel()
        acc = _ca.PathAccumulator()
        for c in self._chunks:
            ticks = c.ticks
            if c.per_day != per_day:
                factor = per_day // c.per_day
                limit = _INT64_MAX // factor
                far = np.abs(ticks) > limit
                if far.any():
                    i = int(np.flatnonzero(far)[0])
                    raise InputError(f"{c.label}, {self._time}[{i}]: a time too far from "
                                     f"1970 for the finest unit of the other chunks")
                ticks = ticks * factor
            lookup = np.append(rank[c.channel_map], np.int32(-1))  # the last: no channel
            acc.add(next(users), ticks, lookup[c.channel], c.flags,
                    None if self._value is None else c.value)
        r = acc.finish([str(c) for c in ch_names], look, int(max_length or 0),
                       bool(collapse_repeats), half)
        return _table_frame(r, lookback, half_life)

    def _user_codes(self):
        """The builder's user code of each chunk's rows, chunk by chunk (a generator),
        as paths() numbers the concatenated log: ``id - min`` for integer ids over a
        short range (metrics._dense_ids' rule), else order of first appearance."""
        pd = _pd()
        if self._user_kind != "integer":
            for c in self._chunks:
                yield c.user_map[c.user]
            return
        lo = min(c.user_lo for c in self._chunks)
        hi = max(c.user_hi for c in self._chunks)
        if hi - lo + 1 <= max(self.rows, 1024):
            for c in self._chunks:
                yield c.user - lo
            return
        codes = _Codes()
        for c in self._chunks:
            local, uniques = pd.factorize(c.user, sort=False)
            yield codes.codes_of(uniques, distinct=True)[local]
