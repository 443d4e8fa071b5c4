"""The path table shared by every attribution model (internal).

A path table is a DataFrame with columns ``path`` (channel names joined by " > "),
``conversions``, ``value`` and ``nulls``, one row per distinct path.  ``encode``
turns it into the flat arrays the C++ kernels read (sostac/attribution/path_table.hpp):
channel names, offsets, steps (channel codes), conversions, value, nulls.
"""

from __future__ import annotations

import re
from typing import Any, List, NamedTuple

import numpy as np

from .._core import InputError

SEP = " > "
COLUMNS = ("path", "conversions", "value", "nulls")


class Encoded(NamedTuple):
    channels: List[str]
    offsets: np.ndarray  # uint64, n + 1
    steps: np.ndarray  # int32, offsets[-1]
    conversions: np.ndarray  # float64, n
    value: np.ndarray
    nulls: np.ndarray


def _split(text, sep: str):
    """(int32 channel codes in sorted name order, names, touches per path) of a column
    of path text, names stripped. One join and one split of the whole column, the
    separators counted per path with numpy, names factorized once and then trimmed per
    distinct name: no per-row Python work."""
    import pandas as pd

    values = text.astype(str).to_numpy(dtype=object)
    big = "\n".join(values)
    raw = np.frombuffer(big.encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(raw == ord("\n"))
    if len(ends) != len(values) - 1 or "\n" in sep:
        raise InputError("paths: a path contains a line break")
    if len(sep.encode("utf-8")) == 1:
        sep_pos = np.flatnonzero(raw == ord(sep))
    else:  # pragma: no cover - the path table's separator is ">"
        sep_pos = np.array([m.start() for m in re.finditer(re.escape(sep), big)], dtype=np.int64)
    ends = np.append(ends, len(raw))
    lengths = np.diff(np.searchsorted(sep_pos, ends), prepend=0) + 1
    tokens = big.replace("\n", sep).split(sep)
    raw_codes, uniques = pd.factorize(np.asarray(tokens, dtype=object), sort=False)
    stripped = pd.Index(uniques).astype(str).str.strip()
    empty = np.flatnonzero(np.asarray(stripped == "", dtype=bool))
    if len(empty):
        pos = int(np.flatnonzero(np.isin(raw_codes, empty))[0])
        i = int(np.searchsorted(np.cumsum(lengths), pos, side="right"))
        raise InputError(f"path[{i}]: empty channel name in {values[i]!r}")
    names, remap = np.unique(np.asarray(stripped, dtype=object).astype(str), return_inverse=True)
    codes = remap.astype(np.int32)[raw_codes]
    return codes, [str(n) for n in names], lengths.astype(np.int64)


def encode(paths: Any, *, sep: str = ">") -> Encoded:
    """The flat arrays of a path table (channel codes in sorted name order)."""
    import pandas as pd

    if not isinstance(paths, pd.DataFrame):
        raise InputError(f"paths: expected a path table DataFrame, got {type(paths).__name__}")
    missing = [c for c in COLUMNS if c not in paths.columns]
    if missing:
        raise InputError(f"paths: missing column(s) {missing}; expected {list(COLUMNS)} "
                         f"(sostac.attribution.paths or read_paths make one)")
    if len(paths) == 0:
        raise InputError("paths: the path table is empty")
    text = paths["path"]
    if text.isna().any():
        i = int(np.flatnonzero(text.isna().to_numpy())[0])
        raise InputError(f"path[{i}]: missing path")
    codes, names, lengths = _split(text, sep)
    offsets = np.zeros(len(paths) + 1, dtype=np.uint64)
    np.cumsum(lengths, out=offsets[1:])

    def num(col: str) -> np.ndarray:
        v = pd.to_numeric(paths[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(v) | ((v < 0) if col != "value" else False)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{col}[{i}]: expected a finite "
                             f"{'number' if col == 'value' else 'count >= 0'}, got "
                             f"{paths[col].iloc[i]!r}")
        return np.ascontiguousarray(v)

    return Encoded(names, offsets, codes, num("conversions"),
                   num("value"), num("nulls"))
