"""The path table shared by every attribution model (internal).

A path table is a DataFrame with columns ``path`` (channel names joined by " > "),
``conversions``, ``value`` and ``nulls``, one row per distinct path.  ``encode``
turns it into the flat arrays the C++ kernels read (sostac/attribution/path_table.hpp):
channel names, offsets, steps (channel codes), conversions, value, nulls.
"""

from __future__ import annotations

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
    parts = text.astype(str).str.split(sep, regex=False)
    lengths = parts.str.len().to_numpy(dtype=np.int64)
    flat = parts.explode().str.strip()
    if (flat == "").any():
        pos = int(np.flatnonzero((flat == "").to_numpy())[0])
        i = int(np.searchsorted(np.cumsum(lengths), pos, side="right"))
        raise InputError(f"path[{i}]: empty channel name in {text.iloc[i]!r}")
    codes, names = pd.factorize(flat, sort=True)
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

    return Encoded([str(n) for n in names], offsets, codes.astype(np.int32), num("conversions"),
                   num("value"), num("nulls"))
