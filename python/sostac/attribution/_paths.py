"""Attribution (paths part): path tables, heuristic models and assists.

The rules (docs/attribution.md, "paths part" sections):

* **Path text.** Channel names joined by a separator; whitespace around each name is
  dropped and equal paths are merged (counts and value summed), so "a>b" and
  " a >  b" are one path. The path table writes the names joined by " > ".
* **Heuristics.** first, last, last non-direct, linear (1/k per touch, repeats
  counted, as ChannelAttribution), time decay (by position: a touch j steps before
  the last weighs 2^(-j / half_life)), position based (40/20/40).
* **Assists** (Google Analytics' multi-channel funnels): a channel assists a
  conversion when it is on the path at a position other than the last, counted once
  per conversion; assist ratio = assisted / last-interaction conversions.
"""

from __future__ import annotations

import difflib
import html
import re
import statistics
from typing import Any, Optional, Sequence

import numpy as np

from .. import _core
from .. import io as _io
from .._core import InputError
from .._optional import require
from ..metrics import _dense_ids, _series, _time_ticks
from . import _table

__all__ = ["paths", "read_paths", "heuristic", "assists", "Assists", "HEURISTIC_MODELS"]

_ca = _core.attribution

#: The models of :func:`heuristic`, in their column order.
HEURISTIC_MODELS = ("first", "last", "last_non_direct", "linear", "time_decay", "position")


def _pd():
    return _io._pd()


# -- read_paths --------------------------------------------------------------------------

def _counts(frame, column: Optional[str], argument: str, n: int, *, count: bool) -> np.ndarray:
    if column is None:
        return np.zeros(n)
    s = _series(frame, column, argument)
    v = np.asarray(_io.numbers(s, column), dtype=np.float64)
    bad = ~np.isfinite(v)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{column}[{i}]: expected a finite number, got {s.iloc[i]!r}")
    if count and (v < 0).any():
        i = int(np.flatnonzero(v < 0)[0])
        raise InputError(f"{column}[{i}]: expected a count >= 0, got {s.iloc[i]!r}")
    return v


def read_paths(frame: Any, *, path: str = "path", conversions: str = "total_conversions",
               value: Optional[str] = "total_conversion_value",
               nulls: Optional[str] = "total_null", sep: str = ">"):
    """The path table of a ChannelAttribution-style frame of paths.

    Parameters
    ----------
    frame : pandas or polars DataFrame, pyarrow Table or dict of arrays
        One row per path (rows with the same path after normalising are merged).
    path : str
        The column of path text: channel names joined by ``sep``. Whitespace around
        each name is dropped; a missing path, an empty path or an empty channel name
        ("a > > b") raises naming the row.
    conversions : str
        Conversions per path (finite, >= 0, not necessarily whole).
    value : str or None
        Conversion value per path (finite, may be negative for refunds); None gives 0.
    nulls : str or None
        Journeys along the path that did not convert (finite, >= 0); None gives 0.
    sep : str
        The separator (any non-empty text, matched literally; ChannelAttribution's
        default ">"). A path without it is a one-touch path. With another separator,
        channel names may not contain ">" (the path table's own separator).

    Returns
    -------
    pandas.DataFrame with columns path (names joined by " > "), conversions, value,
    nulls: one row per distinct path, in order of first appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.attribution import read_paths
    >>> raw = pd.DataFrame({"path": ["a>b", " a >  b ", "c"], "total_conversions": [1, 2, 0],
    ...                     "total_conversion_value": [10.0, 5.0, 0.0], "total_null": [3, 0, 4]})
    >>> read_paths(raw)
        path  conversions  value  nulls
    0  a > b          3.0   15.0    3.0
    1      c          0.0    0.0    4.0
    """
    pd = _pd()
    if not isinstance(sep, str) or sep == "":
        raise InputError(f"sep: expected a non-empty separator text, got {sep!r}")
    data = frame if type(frame).__module__.split(".")[0] in ("polars", "pyarrow", "pandas") \
        else _io.to_pandas(frame)
    text = _series(data, path, "path")
    n = len(text)
    if n == 0:
        raise InputError(f"{path}: the path table is empty (no rows)")
    missing = text.isna().to_numpy()
    if missing.all():
        raise InputError(f"{path}: every path is missing (all {n} rows are null)")
    if missing.any():
        raise InputError(f"{path}[{int(np.flatnonzero(missing)[0])}]: missing path")
    text = text.astype(str).reset_index(drop=True)
    s = re.escape(sep)
    blank = text.str.strip() == ""
    if blank.any():
        raise InputError(f"{path}[{int(np.flatnonzero(blank.to_numpy())[0])}]: empty path")
    empty = text.str.contains(rf"(?:^|{s})\s*(?:{s}|$)", regex=True).to_numpy(dtype=bool)
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise InputError(f"{path}[{i}]: empty channel name in {text.iloc[i]!r} "
                         f"(separator {sep!r})")
    if sep.strip() != ">":
        gt = text.str.replace(sep, "", regex=False).str.contains(">", regex=False) \
            .to_numpy(dtype=bool)
        if gt.any():
            i = int(np.flatnonzero(gt)[0])
            raise InputError(f"{path}[{i}]: channel name with '>' in {text.iloc[i]!r}; the "
                             f"path table joins channels by ' > ' (rename the channel)")
    norm = text.str.replace(rf"\s*{s}\s*", " > ", regex=True).str.strip()
    conv = _counts(data, conversions, "conversions", n, count=True)
    val = _counts(data, value, "value", n, count=False)
    nul = _counts(data, nulls, "nulls", n, count=True)
    table = pd.DataFrame({"path": norm.to_numpy(dtype=object), "conversions": conv,
                          "value": val, "nulls": nul})
    return table.groupby("path", sort=False, as_index=False).sum()


# -- heuristics --------------------------------------------------------------------------

def heuristic(paths: Any, models: Sequence[str] = ("first", "last", "linear", "time_decay",
                                                    "position"), *,
              direct: str = "direct", half_life: Optional[float] = None,
              position_weights: Sequence[float] = (0.4, 0.2, 0.4)):
    """Conversions and value per channel under heuristic attribution models.

    Parameters
    ----------
    paths : path table DataFrame
        From :func:`paths` or :func:`read_paths` (columns path, conversions, value,
        nulls); nulls do not enter.
    models : sequence of str
        Any of "first" (first touch), "last" (last touch), "last_non_direct" (the last
        touch whose channel is not ``direct``; a path of direct touches only credits
        direct), "linear" (1/k of each conversion to each of the k touches, repeats
        counted, as ChannelAttribution's linear_touch), "time_decay" (a touch j
        positions before the last weighs 2^(-j / half_life), weights normalised to
        one per conversion) and "position" (``position_weights`` = first, middle,
        last shares; the middle share split equally over the k - 2 middle touches; a
        one-touch path credits its touch fully, a two-touch path splits in the ratio
        first : last, 50/50 by default).
    direct : str
        The direct channel's name for "last_non_direct" (a table without it: the same
        as "last").
    half_life : float, optional
        Half-life of "time_decay" in touches (> 0; default 1). A table from
        :func:`paths` with ``half_life=`` carries real-time decay credits (columns
        time_decay, time_decay_value): "time_decay" then uses them, and passing
        ``half_life`` here raises.
    position_weights : (first, middle, last)
        Non-negative shares summing to 1.

    Returns
    -------
    pandas.DataFrame: column channel (sorted names), then ``{model}_conversions`` and
    ``{model}_value`` for each model in the order given. Each model's conversions
    sum to the table's total conversions (value likewise).

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.attribution import heuristic
    >>> t = pd.DataFrame({"path": ["a > b", "b"], "conversions": [2.0, 1.0],
    ...                   "value": [20.0, 5.0], "nulls": [0.0, 1.0]})
    >>> heuristic(t, models=("first", "linear"))
      channel  first_conversions  first_value  linear_conversions  linear_value
    0       a                2.0         20.0                 1.0          10.0
    1       b                1.0          5.0                 2.0          15.0
    """
    pd = _pd()
    if isinstance(models, str):
        models = (models,)
    models = list(models)
    if not models:
        raise InputError(f"models: expected one or more of {list(HEURISTIC_MODELS)}")
    for m in models:
        if m not in HEURISTIC_MODELS:
            raise InputError(f"models: unknown model {m!r}; expected one of "
                             f"{list(HEURISTIC_MODELS)}")
    if len(set(models)) != len(models):
        raise InputError(f"models: a model is listed twice in {models}")
    w = np.asarray(position_weights, dtype=np.float64).ravel()
    if w.size != 3:
        raise InputError(f"position_weights: expected (first, middle, last), got "
                         f"{position_weights!r}")
    enc = _table.encode(paths)
    direct_code = enc.channels.index(direct) if direct in enc.channels else -1
    real_time = "time_decay" in paths.columns and "time_decay_value" in paths.columns
    if real_time and half_life is not None and "time_decay" in models:
        raise InputError("half_life: this path table carries real-time decay credits "
                         "(paths(..., half_life=...)); drop its time_decay columns to "
                         "decay by position instead")
    half_life = 1.0 if half_life is None else half_life
    out = {"channel": enc.channels}
    for m in models:
        if m == "time_decay" and real_time:
            out["time_decay_conversions"], out["time_decay_value"] = _real_time_decay(paths, enc)
            continue
        r = _ca.heuristic(enc.offsets, enc.steps, enc.conversions, enc.value,
                          len(enc.channels), m, direct_code, float(half_life),
                          float(w[0]), float(w[1]), float(w[2]))
        out[f"{m}_conversions"] = r["conversions"]
        out[f"{m}_value"] = r["value"]
    return pd.DataFrame(out)


def _real_time_decay(paths, enc):
    """Channel sums of the per-touch credits of paths(..., half_life=)."""
    C = len(enc.channels)
    res = []
    for col in ("time_decay", "time_decay_value"):
        parts = paths[col].to_numpy(dtype=object)
        flat = np.concatenate(parts).astype(np.float64) if len(parts) else np.zeros(0)
        lengths = paths[col].map(len).to_numpy(dtype=np.int64)
        if len(flat) != len(enc.steps) or \
                (lengths != np.diff(enc.offsets.astype(np.int64))).any():
            raise InputError(f"{col}: expected one credit per touch of each path (the "
                             f"column of paths(..., half_life=)), got arrays of other lengths")
        res.append(np.bincount(enc.steps, weights=flat, minlength=C))
    return res[0], res[1]


# -- assists -----------------------------------------------------------------------------

#: The columns of :func:`assists`, in order.
ASSISTS_COLUMNS = ("channel", "last_interaction", "assisted", "first_interaction",
                   "assist_ratio", "assist_ratio_low", "assist_ratio_high",
                   "last_interaction_value", "assisted_value", "first_interaction_value")


class Assists:
    """Assisted and last-interaction conversions per channel (:func:`assists`).

    Behaves like its table: ``result["assisted"]``, ``result.assist_ratio``,
    ``len(result)``, ``to_frame()`` (a copy of the DataFrame, columns
    ``ASSISTS_COLUMNS``), a repr and a Jupyter view; ``plot(ax=None)`` draws the
    channels along the assisted / last-interaction axis. ``level`` is the intervals'
    confidence level, ``interval`` their method ("delta-log").
    """

    def __init__(self, frame, *, level: float):
        self._frame = frame
        self.level = level
        self.interval = "delta-log"

    def to_frame(self):
        """The table as a pandas DataFrame (a copy)."""
        return self._frame.copy()

    def to_dict(self) -> dict:
        """Columns as lists, with the level and the interval method."""
        out = {c: self._frame[c].tolist() for c in self._frame.columns}
        out.update({"level": self.level, "interval": self.interval})
        return out

    def __getitem__(self, key):
        return self._frame[key]

    def __getattr__(self, name: str):
        frame = self.__dict__.get("_frame")
        if frame is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(frame, name)

    def __len__(self) -> int:
        return len(self._frame)

    def __iter__(self):
        return iter(self._frame)

    def __repr__(self) -> str:
        return (f"Assists (assist ratio = assisted / last-interaction conversions, "
                f"{self.level:g} intervals, {self.interval})\n{self._frame.to_string()}")

    def _repr_html_(self) -> str:
        head = html.escape(f"Assists: assist ratio = assisted / last-interaction "
                           f"conversions, {self.level:g} intervals ({self.interval})")
        return f"<p>{head}</p>" + self._frame.to_html(index=False, escape=True)

    def plot(self, ax=None):
        """The seed's chart (Google's customer-journey view): each channel at its
        assist ratio on a log axis, with its interval; left of 1 the channel mostly
        closes (last interaction), right of 1 it mostly assists. Channels without a
        ratio (no last-interaction conversion) are left out. Returns the Axes."""
        require("matplotlib", "plot", "plots need matplotlib")
        import matplotlib.pyplot as plt

        f = self._frame[np.isfinite(self._frame["assist_ratio"].to_numpy(dtype=float))
                        & (self._frame["assist_ratio"] > 0)]
        f = f.sort_values("assist_ratio")
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.45 * max(len(f), 3) + 1.2))
        y = np.arange(len(f))
        r = f["assist_ratio"].to_numpy(dtype=float)
        lo = f["assist_ratio_low"].to_numpy(dtype=float)
        hi = f["assist_ratio_high"].to_numpy(dtype=float)
        err = np.vstack([np.where(np.isfinite(lo), r - lo, 0.0),
                         np.where(np.isfinite(hi), hi - r, 0.0)])
        ax.errorbar(r, y, xerr=err, fmt="o", capsize=3)
        ax.axvline(1.0, color="grey", lw=1, ls="--")
        ax.set_xscale("log")
        ax.set_yticks(y)
        ax.set_yticklabels([str(c) for c in f["channel"]])
        ax.set_xlabel("assisted / last-interaction conversions "
                      "(< 1: closes sales, > 1: assists)")
        ax.set_title("Assisted vs last-interaction conversions")
        return ax


def assists(paths: Any, level: float = 0.95) -> Assists:
    """Assisted and last-interaction conversions per channel (Google Analytics'
    multi-channel funnels).

    A channel's **last-interaction** conversions end their path with it; its
    **assisted** conversions have it on the path at a position other than the last
    (once per conversion however often it appears; a channel may both assist and close
    one conversion, "a > b > a"); its **first-interaction** conversions start with it.
    The **assist ratio** is assisted / last-interaction: above 1 the channel mostly
    opens or supports journeys, below 1 it mostly closes them.

    The interval treats conversions as independent draws over the paths and applies
    the delta method to log(ratio): var = (A + L - 2B) / (A L), B the conversions the
    channel both assists and closes; bounds ratio * exp(+-z sqrt(var)). It is closed
    form (no resampling: the same on every run and thread count, one pass over the
    table), stays positive, and is NaN when the ratio is 0 or undefined.
    A resampling interval is the option ``bootstrap(paths, model="assists")``
    (:func:`sostac.attribution.bootstrap`: seeded, the same for any thread count).

    Parameters
    ----------
    paths : path table DataFrame
        From :func:`paths` or :func:`read_paths`; nulls do not enter.
    level : float
        Confidence level of the intervals, in (0, 1).

    Returns
    -------
    Assists: a table with columns channel, last_interaction, assisted,
    first_interaction, assist_ratio, assist_ratio_low, assist_ratio_high,
    last_interaction_value, assisted_value, first_interaction_value, and ``plot()``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.attribution import assists
    >>> t = pd.DataFrame({"path": ["a > b", "b", "a > b > a"], "conversions": [4.0, 1.0, 1.0],
    ...                   "value": [40.0, 5.0, 10.0], "nulls": [0.0, 2.0, 0.0]})
    >>> a = assists(t)
    >>> a.to_frame()[["channel", "last_interaction", "assisted", "assist_ratio"]]
      channel  last_interaction  assisted  assist_ratio
    0       a               1.0       5.0           5.0
    1       b               5.0       1.0           0.2
    """
    pd = _pd()
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise InputError(f"level: expected a confidence level in (0, 1), got {level!r}")
    enc = _table.encode(paths)
    z = statistics.NormalDist().inv_cdf(0.5 + level / 2)
    r = _ca.assists(enc.offsets, enc.steps, enc.conversions, enc.value, len(enc.channels), z)
    frame = pd.DataFrame({"channel": enc.channels,
                          **{c: r[c] for c in ASSISTS_COLUMNS[1:]}})
    return Assists(frame, level=float(level))


# -- the path builder --------------------------------------------------------------------

_NS_PER_DAY = 86_400_000_000_000


def _lookback_ticks(lookback: Any, per_day: int, argument: str, exact: bool = False):
    """A duration in time ticks (whole ticks, or a float with ``exact``)."""
    pd = _pd()
    if lookback is None:
        return None
    if isinstance(lookback, bool) or not isinstance(lookback, (str, pd.Timedelta)) and \
            not hasattr(lookback, "total_seconds"):
        raise InputError(f"{argument}: expected a duration like '30D', '12h' or a timedelta "
                         f"(None: no limit), got {lookback!r}")
    try:
        td = pd.Timedelta(lookback)
    except (ValueError, TypeError):
        raise InputError(f"{argument}: unknown duration {lookback!r}; expected text like "
                         f"'30D', '7 days', '12h' or a timedelta (None: no limit)") from None
    if td is pd.NaT or td.value < 0:
        raise InputError(f"{argument}: expected a duration >= 0, got {lookback!r}")
    if exact:
        return float(td.value) * float(per_day) / _NS_PER_DAY
    return int(td.value) * int(per_day) // _NS_PER_DAY


def _conversion_events(events: Any) -> Optional[tuple]:
    """``conversion_events`` as a tuple of distinct names (None stays None)."""
    if events is None:
        return None
    if isinstance(events, str):
        return (events,)
    if isinstance(events, (bytes, dict)) or not hasattr(events, "__iter__"):
        raise InputError(f"conversion_events: expected an event name or a list of names, "
                         f"got {events!r}")
    names = list(events)
    if not names:
        raise InputError("conversion_events: expected at least one event name, got none")
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise InputError(f"conversion_events[{i}]: expected an event name (text), "
                             f"got {name!r}")
    return tuple(dict.fromkeys(names))


def _event_flags(s, column: str, events: tuple):
    """(flags, seen, names): 1 where the row's event name is in ``events`` (missing
    names: 0), whether each event occurs, and the distinct names of the column. One
    factorize of the column, then a lookup per distinct name (no per-row Python)."""
    pd = _pd()
    if pd.api.types.is_bool_dtype(s.dtype) or _io.is_numeric(s):
        raise InputError(f"conversion_events: column '{column}' holds {s.dtype} flags, not "
                         f"event names; drop conversion_events to read it as a flag")
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = np.asarray(s.array.codes)
        cats = s.cat.categories
        used = np.bincount(codes[codes >= 0], minlength=len(cats)) > 0
        names = cats[used]
        hit = np.asarray(cats.isin(events), dtype=np.uint8)
    else:
        codes, names = pd.factorize(s, sort=False)
        names = pd.Index(names)
        hit = np.asarray(names.isin(events), dtype=np.uint8)
    flags = np.append(hit, np.uint8(0))[codes]  # code -1 (missing name): the last entry
    seen = np.asarray(pd.Index(events).isin(names), dtype=bool)
    return flags, seen, names


def _unknown_events(events: tuple, seen: np.ndarray, column: str, names=None):
    """The error for names of ``events`` that never occur (``seen`` False)."""
    missing = [e for e, ok in zip(events, seen) if not ok]
    hint = ""
    if names is not None and len(names):
        text = [str(n) for n in names[:10_000]]
        close = [m for e in missing for m in difflib.get_close_matches(e, text, n=1)]
        hint = (f"; did you mean {', '.join(repr(c) for c in dict.fromkeys(close))}?"
                if close else f"; names there include "
                              f"{', '.join(repr(t) for t in sorted(set(text))[:8])}")
    return InputError(f"conversion_events: {', '.join(repr(m) for m in missing)} never "
                      f"occur{'s' if len(missing) == 1 else ''} in column '{column}'{hint}")


def _flags(s, column: str, events: Any = None) -> np.ndarray:
    """The conversion flag per row: a flag column (booleans or 0/1), or with
    ``events`` (a name or names) an event-name column whose rows named in ``events``
    convert; a name that never occurs raises (a typo, most likely)."""
    pd = _pd()
    events = _conversion_events(events)
    if events is not None:
        flags, seen, names = _event_flags(s, column, events)
        if not seen.all():
            raise _unknown_events(events, seen, column, names)
        return flags
    dtype = s.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        # plain numpy flags: no missing values, checked by their range (no copy for
        # int8 / uint8 / bool)
        v = s.to_numpy()
        if len(v) and dtype.kind != "b" and (v.min() < 0 or v.max() > 1):
            i = int(np.flatnonzero((v != 0) & (v != 1))[0])
            raise InputError(f"{column}[{i}]: expected a conversion flag 0 or 1, got "
                             f"{s.iloc[i]!r}")
        return v.view(np.uint8) if v.dtype.itemsize == 1 else v.astype(np.uint8)
    if s.isna().any():
        raise InputError(f"{column}[{int(np.flatnonzero(s.isna().to_numpy())[0])}]: missing "
                         f"conversion flag")
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=np.uint8)
    if not _io.is_numeric(s):
        raise InputError(f"{column}: expected a conversion flag (booleans or 0/1), got "
                         f"{s.dtype} values; for a column of event names pass "
                         f"conversion_events='purchase' (or a list of names)")
    v = s.to_numpy(dtype=np.float64)
    bad = (v != 0) & (v != 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{column}[{i}]: expected a conversion flag 0 or 1, got {s.iloc[i]!r}")
    return v.astype(np.uint8)


_SLICE_ROWS = 1_000_000  # rows per slice of the Arrow encoding, at least


def _arrow_codes(s, recode=None):
    """(int32 codes with -1 for missing, unique values) of an Arrow-backed column
    (pandas' ``str`` dtype with pyarrow storage) by Arrow's dictionary encoding, in
    order of first appearance like ``pd.factorize``; None for other columns.
    ``recode(uniques)`` may return the final int32 code of each unique value (written
    straight into the codes: no second code array), or None to keep them. Long
    columns are encoded in slices on sostac's threads (Arrow releases the GIL); a
    slice's new values follow the earlier slices', so the codes are the same."""
    chunked = getattr(s.array, "_pa_array", None)
    if chunked is None or not hasattr(chunked, "dictionary_encode") or len(chunked) == 0:
        return None
    n = len(chunked)
    pieces = max(1, min(int(_core.get_num_threads()), n // _SLICE_ROWS))
    cuts = [n * k // pieces for k in range(pieces + 1)]

    def encode(k):
        enc = chunked.slice(cuts[k], cuts[k + 1] - cuts[k]).dictionary_encode()
        return [c.indices for c in enc.chunks], enc.chunks[0].dictionary.to_pylist()

    if pieces == 1:
        done = [encode(0)]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(pieces) as pool:
            done = list(pool.map(encode, range(pieces)))
    index, uniques = {}, []
    for _, values in done:
        for v in values:
            if v not in index:
                index[v] = len(uniques)
                uniques.append(v)
    final = recode(uniques) if recode is not None else None
    if final is None:
        final = np.arange(len(uniques), dtype=np.int32)
    out = np.empty(n, dtype=np.int32)
    for k, (parts, values) in enumerate(done):
        local = np.append(final[[index[v] for v in values]], -1).astype(np.int32)
        at = cuts[k]
        for c in parts:
            idx = c.fill_null(len(values)) if c.null_count else c
            local.take(idx.to_numpy(zero_copy_only=False), out=out[at:at + len(c)])
            at += len(c)
    return out, uniques


def _user_codes(ids):
    """(codes, offset) for the accumulator: plain integers in a dense range are their
    own codes (minus offset; no copy), Arrow strings are dictionary-encoded (int32),
    others factorized; codes follow the first appearance of each id."""
    pd = _pd()
    dense = _dense_ids(ids)  # plain integers in a dense range: the id is the code
    if dense is not None:
        return np.ascontiguousarray(dense[0], dtype=np.int64), int(dense[1])
    arrow = _arrow_codes(ids)
    if arrow is not None:
        return arrow[0], 0
    codes, _ = pd.factorize(ids, sort=False)
    return codes.astype(np.int64, copy=False), 0


def _channel_codes(ch, channel: str):
    """(int32 codes into the sorted, trimmed channel names, -1 for none; the names).
    Names are checked and trimmed once per distinct value, not per row."""
    pd = _pd()
    done = {}

    def recode(uniques):  # valid names: the sorted-name codes in one pass
        names = pd.Index(uniques, dtype=object).astype(str).str.strip()
        if (names == "").any() or names.str.contains(">", regex=False).any():
            return None  # the checks below name the row
        done["names"], remap = np.unique(np.asarray(names, dtype=object).astype(str),
                                         return_inverse=True)
        return remap.astype(np.int32)

    arrow = _arrow_codes(ch, recode)
    if arrow is not None and "names" in done:
        return arrow[0], [str(c) for c in done["names"]]
    if arrow is not None:
        raw_codes, uniques = arrow
    else:
        raw_codes, uniques = pd.factorize(ch, sort=False)
    names = pd.Index(uniques, dtype=object).astype(str).str.strip()

    def first_row(code_mask):
        return int(np.flatnonzero(np.isin(raw_codes, np.flatnonzero(code_mask)))[0])

    blank = np.asarray(names == "", dtype=bool)
    if blank.any():
        raise InputError(f"{channel}[{first_row(blank)}]: blank channel name")
    gt = np.asarray(names.str.contains(">", regex=False), dtype=bool)
    if gt.any():
        i = first_row(gt)
        raise InputError(f"{channel}[{i}]: channel name with '>' ({ch.iloc[i]!r}); the path "
                         f"table joins channels by ' > '")
    ch_names, remap = np.unique(np.asarray(names, dtype=object).astype(str), return_inverse=True)
    lookup = np.append(remap.astype(np.int32), np.int32(-1))  # the last entry: no channel
    # -1 (missing) picks the last entry of the lookup
    return lookup.take(raw_codes), [str(c) for c in ch_names]


def _order_error(r, ids, time: str, user: str, presorted_hint: str):
    row = int(r["order_break"])
    who = ids.iloc[row]
    who = who.item() if hasattr(who, "item") else who
    if r["order_regrouped"]:
        return InputError(f"{user}[{row}]: the rows of user {who!r} resume after other "
                          f"users' rows ({presorted_hint})")
    return InputError(f"{time}[{row}]: touchpoints not in time order for user {who!r}: "
                      f"earlier than the row before ({presorted_hint})")


def paths(touchpoints: Any, *, user: str = "user_id", time: str = "timestamp",
          channel: str = "channel", conversion: str = "conversion",
          value: Optional[str] = None, lookback: Any = "30D",
          max_length: Optional[int] = None, collapse_repeats: bool = False,
          half_life: Any = None, conversion_events: Any = None,
          presorted: bool = False):
    """The path table of a touchpoint log: one path per conversion, and the
    non-converting journeys.

    Rules (docs/attribution.md, "Building paths from a touchpoint log"):

    * A row is a touch (``conversion`` 0 / False, with a channel), a conversion with
      its own touch (1 and a channel: the converting session is the last interaction)
      or a bare conversion (1, channel missing). Rows may come in any order (unless
      ``presorted``).
    * A conversion closes a path: the user's touches since the previous conversion
      (touches are not reused by the next path) within ``lookback`` before it,
      edges included ([t - lookback, t]); older touches are dropped (counted in
      ``attrs["expired_touches"]``). At equal times touches come before conversions
      (a touch at the time of a conversion is on its path); of several conversions
      at one time the first (lowest value) gets the path, the others none.
    * A conversion without a touch on its path is left out of the table and counted
      in ``attrs["unattributed_conversions"]`` and ``attrs["unattributed_value"]``.
    * Touches after a user's last conversion form one non-converting path (a null),
      within ``lookback`` before the user's last touch.
    * Then consecutive repeats are collapsed (``collapse_repeats``) and the last
      ``max_length`` touches kept.

    Parameters
    ----------
    touchpoints : pandas or polars DataFrame, pyarrow Table or dict of arrays
    user, time, channel, conversion : str
        Column names: the user id (missing ids raise), the time (any form of
        :func:`sostac.io.to_datetime`; missing times raise), the channel name and the
        conversion flag (booleans or 0/1), or with ``conversion_events`` the event name.
    value : str, optional
        The conversion value column (read on conversion rows; NaN there raises).
    lookback : str, timedelta or None
        The window before each conversion ("30D", "12h", ...); None: no limit.
    max_length : int, optional
        Keep the last ``max_length`` touches of each path.
    collapse_repeats : bool
        Collapse consecutive touches of one channel ("a > a > b" -> "a > b"; the run
        takes the time of its latest touch).
    half_life : str, timedelta or None
        Real-time time decay (GA's model, whose default is "7D"): a touch dt before its
        conversion weighs 2^(-dt / half_life), normalised over the path. Adds the
        columns ``time_decay`` and ``time_decay_value``: per path an array with one
        credit per touch, summed over the path's conversions (and their value), which
        :func:`heuristic`'s "time_decay" then uses instead of decay by position.

    conversion_events : str or list of str, optional
        Read ``conversion`` as event names (GA4's event_name, Segment's event, ...):
        the rows named in it are conversions, all others (missing names too) touches.
        A name that never occurs in the column raises (a typo, most likely).
        :class:`PathAccumulator` builds the same table from chunks of the log.
    presorted : bool
        True: the rows come grouped by user (each user's rows together) and each
        user's rows in time order (ties in any order), e.g. a log sorted by (user,
        time); the builder relies on it and raises naming the first row that breaks
        it ("timestamp[123]: touchpoints not in time order for user 'u9' ..." or
        "user_id[7]: the rows of user 'u2' resume after other users' rows ...").
        False (default): any order; the builder groups and sorts the rows itself, and
        skips that work when it finds them already in order. The result is the same.

    Returns
    -------
    pandas.DataFrame: the path table (path, conversions, value, nulls, and with
    ``half_life`` time_decay, time_decay_value), one row per distinct path in order of
    first appearance; ``attrs`` holds users, unattributed_conversions,
    unattributed_value, expired_touches, lookback and half_life.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.attribution import paths
    >>> log = pd.DataFrame({
    ...     "user_id": [1, 1, 1, 2, 2],
    ...     "timestamp": pd.to_datetime(["2027-01-01", "2027-01-03", "2027-01-04",
    ...                                  "2027-01-02", "2027-01-05"]),
    ...     "channel": ["social", "search", None, "email", "search"],
    ...     "conversion": [0, 0, 1, 0, 0]})
    >>> paths(log)
                  path  conversions  value  nulls
    0  social > search          1.0    0.0    0.0
    1   email > search          0.0    0.0    1.0
    """
    pd = _pd()
    if max_length is not None and (isinstance(max_length, bool)
                                   or not isinstance(max_length, (int, np.integer))
                                   or max_length < 1):
        raise InputError(f"max_length: expected a whole number >= 1 or None, got {max_length!r}")
    data = touchpoints if type(touchpoints).__module__.split(".")[0] in (
        "polars", "pyarrow", "pandas") else _io.to_pandas(touchpoints)
    ids = _series(data, user, "user")
    n = len(ids)
    if n == 0:
        raise InputError(f"{user}: the touchpoint log is empty")
    na = np.zeros(0, bool) if isinstance(ids.dtype, np.dtype) and ids.dtype.kind in "iub" \
        else ids.isna().to_numpy()
    if na.any():
        raise InputError(f"{user}[{int(np.flatnonzero(na)[0])}]: missing user id")
    codes, offset = _user_codes(ids)
    ticks, per_day, _ = _time_ticks(_series(data, time, "time"), time)
    flags = _flags(_series(data, conversion, "conversion"), conversion, conversion_events)
    ch_codes, ch_names = _channel_codes(_series(data, channel, "channel"), channel)
    missing_touch = (ch_codes < 0) & (flags == 0)
    if missing_touch.any():
        raise InputError(f"{channel}[{int(np.flatnonzero(missing_touch)[0])}]: missing channel "
                         f"on a touch (a row that is not a conversion)")
    vals = None
    if value is not None:
        vals = np.asarray(_io.numbers(_series(data, value, "value"), value), dtype=np.float64)
        bad = (flags == 1) & ~np.isfinite(vals)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{value}[{i}]: expected a finite conversion value, got {vals[i]!r}")
    look = _lookback_ticks(lookback, per_day, "lookback")
    half = None
    if half_life is not None:
        half = _lookback_ticks(half_life, per_day, "half_life", exact=True)
        if not half > 0:
            raise InputError(f"half_life: expected a duration > 0, got {half_life!r}")
    if not isinstance(presorted, (bool, np.bool_)):
        raise InputError(f"presorted: expected True or False, got {presorted!r}")
    acc = _ca.PathAccumulator()
    # views, not copies: the arrays live until finish returns
    acc.add(codes, np.ascontiguousarray(ticks), ch_codes, flags, vals, user_offset=offset,
            copy=False)
    r = acc.finish(ch_names, look, int(max_length or 0), bool(collapse_repeats), half,
                   presorted=bool(presorted))
    if "order_break" in r:
        raise _order_error(r, ids, time, user, "presorted=True: rows must come grouped by "
                           "user, each user's rows in time order; leave presorted False "
                           "to sort")
    return _table_frame(r, lookback, half_life)


def _table_frame(r: dict, lookback: Any, half_life: Any):
    """The path table DataFrame (and its attrs) of the compiled builder's finish()
    result; ``paths()`` and ``PathAccumulator.finish()`` both end here."""
    pd = _pd()
    out = pd.DataFrame({"path": np.asarray(r["path"], dtype=object),
                        "conversions": r["conversions"], "value": r["value"],
                        "nulls": r["nulls"]})
    out.attrs.update({"users": int(r["users"]),
                      "unattributed_conversions": float(r["unattributed_conversions"]),
                      "unattributed_value": float(r["unattributed_value"]),
                      "expired_touches": int(r["expired_touches"]),
                      "lookback": None if lookback is None else str(lookback),
                      "half_life": None if half_life is None else str(half_life)})
    if half_life is not None:
        cuts = r["offsets"][1:-1].astype(np.int64)
        out["time_decay"] = _object_column(np.split(r["decay_conversions"], cuts))
        out["time_decay_value"] = _object_column(np.split(r["decay_value"], cuts))
    return out


def _object_column(parts):
    # np.split of a table without paths (offsets [0]) gives one empty part; a path has
    # at least one touch, so one empty part means no rows
    if len(parts) == 1 and len(parts[0]) == 0:
        parts = []
    col = np.empty(len(parts), dtype=object)
    col[:] = parts
    return col
