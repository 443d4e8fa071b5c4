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

import re
from typing import Any, Optional, Sequence

import numpy as np

from .. import _core
from .. import io as _io
from .._core import InputError
from ..metrics import _series
from . import _table

__all__ = ["read_paths", "heuristic", "HEURISTIC_MODELS"]

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
              direct: str = "direct", half_life: float = 1.0,
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
    half_life : float
        Half-life of "time_decay" in touches (> 0).
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
    out = {"channel": enc.channels}
    for m in models:
        r = _ca.heuristic(enc.offsets, enc.steps, enc.conversions, enc.value,
                          len(enc.channels), m, direct_code, float(half_life),
                          float(w[0]), float(w[1]), float(w[2]))
        out[f"{m}_conversions"] = r["conversions"]
        out[f"{m}_value"] = r["value"]
    return pd.DataFrame(out)
