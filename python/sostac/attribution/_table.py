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
from .._core import attribution as _attr

SEP = " > "
COLUMNS = ("path", "conversions", "value", "nulls")


class Encoded(NamedTuple):
    channels: List[str]
    offsets: np.ndarray  # uint64, n + 1
    steps: np.ndarray  # int32, offsets[-1]
    conversions: np.ndarray  # float64, n
    value: np.ndarray
    nulls: np.ndarray


def _arrow_chunks(text):
    """The (offsets, data) numpy views of each chunk of an Arrow-backed string column
    (pandas' ``str`` dtype with pyarrow storage, ``string[pyarrow]``, ArrowDtype), and
    whether the offsets are 64-bit; None for any other column. No copy."""
    to_arrow = getattr(getattr(text, "array", None), "__arrow_array__", None)
    if to_arrow is None:
        return None
    try:
        import pyarrow as pa

        data = to_arrow()
    except Exception:  # pragma: no cover - not an Arrow array after all
        return None
    chunks = data.chunks if isinstance(data, pa.ChunkedArray) else [data]
    if pa.types.is_large_string(data.type):
        wide, dtype = True, np.int64
    elif pa.types.is_string(data.type):
        wide, dtype = False, np.int32
    else:
        return None
    out = []
    for c in chunks:
        if len(c) == 0:
            continue
        _, off, buf = c.buffers()
        o = np.frombuffer(off, dtype=dtype)[c.offset:c.offset + len(c) + 1]
        d = np.frombuffer(buf, dtype=np.uint8) if buf is not None and buf.size \
            else np.zeros(1, dtype=np.uint8)
        out.append((o, d))
    return out, wide


def _split(text, sep: str):
    """(int32 channel codes in sorted name order, names, uint64 offsets) of a column of
    path text, names stripped (sostac/attribution/path_text.hpp): straight from the
    Arrow buffers of a pyarrow-backed column, else from one utf-8 buffer of the texts
    joined by line breaks. No per-row Python work."""
    arrow = _arrow_chunks(text)
    if arrow is not None:
        r = _attr.parse_path_text(arrow[0], sep, arrow[1])
    else:
        values = text.astype(str).to_numpy(dtype=object)
        r = _attr.parse_path_lines("\n".join(values).encode("utf-8"), len(values), sep)
    return r["steps"], list(r["channels"]), r["offsets"]


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
    codes, names, offsets = _split(text, sep)

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
