"""The input layer (``sostac.io``): the one place where data enter sostac.

Every analysis reads its columns through the helpers here, so that an export behaves
the same in :func:`sostac.metrics.kpi_table`, :meth:`sostac.Plan.control`,
:func:`sostac.metrics.cohorts`, the report and the CLI:

* :func:`read_table` reads CSV (the separator and the decimal mark sniffed, gzip by
  extension or magic bytes, a UTF-8 byte-order mark dropped, header names trimmed)
  and Parquet files into a pandas DataFrame, and remembers each row's file line.
* :func:`clean` checks a daily aggregate or event log row by row against the rules
  of ``docs/input.md`` (blank or unparseable times, duplicated rows, implausible
  magnitudes, negative or fractional counts, a count above the count it is a share
  of) and returns the rows it keeps with one :class:`InputFinding` per rule broken,
  naming the column, the rows (file lines where there is a file) and what was done.
* :func:`to_datetime` is the time rule: datetime64 with or without a zone, ISO text,
  whole-number ``YYYYMMDD`` dates, and epoch numbers only with ``time_unit=``. Times
  with a zone are converted to UTC and the zone dropped, everywhere alike.

Columns may be NumPy, pandas nullable, pandas-3 ``str`` or Arrow-backed; polars
DataFrames, pyarrow Tables and dicts of arrays are converted to pandas first.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io as _stdio
import os
import re
import warnings
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ._core import InputError

__all__ = ["read_table", "clean", "to_datetime", "InputFinding", "CleanTable",
           "MAX_MAGNITUDE", "TIME_UNITS", "COUNT_MEASURES", "MONEY_MEASURES"]

#: Largest plausible absolute value of a measure (a count or an amount): larger ones
#: are recording faults (1e300 from a bad cast, a byte count in a cost column).
MAX_MAGNITUDE = 1e15
#: Units of epoch numbers, for ``time_unit=``.
TIME_UNITS = ("s", "ms", "us", "ns", "D")
#: Measures that are whole non-negative counts (the KPI catalogue's counts).
COUNT_MEASURES = ("impressions", "visitors", "followers", "clicks", "sessions", "bounces",
                  "leads", "shares", "orders", "customers", "repeat_customers",
                  "churned_customers")
#: Amounts in the plan's currency (may be fractional; revenue may be negative for
#: refunds, cost may not).
MONEY_MEASURES = ("cost", "revenue", "lifetime_value")
_NONNEGATIVE_AMOUNTS = ("cost", "session_seconds")

_NS_PER = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1, "D": 86_400 * 10**9}


def _pd():
    from ._optional import require

    return require("pandas", "pandas", "reading data needs pandas")


# -- findings --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class InputFinding:
    """One input rule broken by one or more rows.

    Attributes
    ----------
    kind : str
        The rule (``docs/input.md``): ``missing-time``, ``bad-time``, ``duplicate-row``,
        ``duplicate-key``, ``missing-value``, ``not-a-number``, ``implausible``,
        ``negative``, ``fractional``, ``exceeds``, ``header-trimmed``, ``zone``,
        ``yyyymmdd``, ``blank-line``.
    column : str
        The column the rule concerns ("" for whole rows).
    rows : tuple of int
        The rows concerned: 1-based file lines when the data came from
        :func:`read_table`, else 0-based positions in the data (at most 20 kept).
    count : int
        How many rows broke the rule.
    action : str
        What sostac did: ``dropped`` (the rows are left out), ``missing`` (the cell
        is, or is set, missing: the KPIs on that column leave the row out, the rest
        of the row counts), ``kept`` (a warning) or ``converted`` (a value converted
        as stated).
    message : str
        One line naming all of the above.
    """

    kind: str
    column: str
    rows: Tuple[int, ...]
    count: int
    action: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclasses.dataclass
class CleanTable:
    """What :func:`clean` returns: the rows kept and the findings.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows kept (the original index), time column as datetime64 (UTC, no zone).
    findings : list of InputFinding
        Every rule broken, in the order of ``docs/input.md``'s table.
    dropped : int
        Rows left out.
    """

    frame: Any
    findings: List[InputFinding]
    dropped: int

    def __iter__(self):  # frame, findings = clean(...)
        return iter((self.frame, self.findings))


def _where(rows: np.ndarray, lines: Optional[np.ndarray]) -> Tuple[Tuple[int, ...], str]:
    """(the first 20 rows as file lines or positions, "line 3, 7 and 9" text)."""
    rows = np.asarray(rows, dtype=np.int64)
    shown = lines[rows] if lines is not None else rows
    first = tuple(int(r) for r in shown[:20])
    word = "line" if lines is not None else "row"
    head = ", ".join(str(r) for r in first[:5])
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return first, f"{word}{'s' if len(rows) > 1 else ''} {head}{more}"


def _lines_of(frame) -> Optional[np.ndarray]:
    """Each row's 1-based file line, when :func:`read_table` made the frame."""
    info = frame.attrs.get("sostac_source") if hasattr(frame, "attrs") else None
    if not info or info.get("first_line") is None:
        return None
    index = frame.index
    if index.dtype.kind not in "iu":
        return None
    return np.asarray(index, dtype=np.int64) + int(info.get("first_line", 2))


# -- columns ---------------------------------------------------------------------------

def to_pandas(data: Any):
    """``data`` as a pandas DataFrame: polars and Arrow converted, dicts of arrays
    checked for equal lengths. A pandas DataFrame is returned as it is."""
    pd = _pd()
    if isinstance(data, pd.DataFrame):
        return data
    mod = type(data).__module__.split(".")[0]
    if mod in ("polars", "pyarrow"):
        return data.to_pandas()
    if isinstance(data, dict):
        column_length(data)
        return pd.DataFrame(data)
    raise InputError(f"data: expected a pandas or polars DataFrame, a pyarrow Table or a "
                     f"dict of arrays, got {type(data).__name__}")


def column_length(data: dict) -> int:
    """The common length of a dict of arrays; a column of another length raises,
    naming it and the first column."""
    lengths = {k: len(v) for k, v in data.items()}
    if len(set(lengths.values())) > 1:
        first = next(iter(lengths))
        bad = next(k for k, n in lengths.items() if n != lengths[first])
        raise InputError(f"{bad}: expected {lengths[first]} values like '{first}', "
                         f"got {lengths[bad]}")
    return next(iter(lengths.values()), 0)


def is_text(s) -> bool:
    """Whether a Series holds text: object, pandas ``str``/``string`` or Arrow strings."""
    pd = _pd()
    dtype = s.dtype
    if isinstance(dtype, pd.StringDtype):
        return True
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        t = dtype.pyarrow_dtype
        return pa.types.is_string(t) or pa.types.is_large_string(t)
    return dtype == object


def is_numeric(s) -> bool:
    """Numbers of any backing (NumPy, nullable, Arrow), booleans excluded."""
    pd = _pd()
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def is_datetime(s) -> bool:
    pd = _pd()
    return pd.api.types.is_datetime64_any_dtype(s.dtype)


def numbers(s, column: str) -> np.ndarray:
    """A numeric column as a NumPy array (float64 when it has missing values, else its
    own dtype), without a copy for plain NumPy columns. Text raises naming the column
    and the first row that is not a number."""
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iuf":
        return np.ascontiguousarray(s.to_numpy())
    if is_numeric(s):
        if s.hasnans:
            return s.to_numpy(dtype=np.float64, na_value=np.nan)
        # nullable and Arrow numbers without gaps: their own integer type, floats as float64
        dtype = np.float64 if s.dtype.kind == "f" else getattr(s.dtype, "numpy_dtype",
                                                               np.float64)
        return np.ascontiguousarray(s.to_numpy(dtype=dtype))
    if s.dtype == bool or _pd().api.types.is_bool_dtype(s.dtype):
        raise InputError(f"{column}: expected numbers, got booleans")
    pd = _pd()
    converted = pd.to_numeric(s, errors="coerce")
    bad = converted.isna().to_numpy() & ~s.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{column}[{i}]: expected a number, got {s.iloc[i]!r}"
                         f"{_decimal_hint(s.iloc[i])}")
    return converted.to_numpy(dtype=np.float64, na_value=np.nan)


def _decimal_hint(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+,\d+\s*", value):
        return (" (a decimal comma: read the file with sostac.io.read_table, which "
                "detects it, or pass decimal=',')")
    return ""


def _yyyymmdd(values: np.ndarray):
    """datetime64[ns] of whole numbers when every one is a valid YYYYMMDD date between
    1000-01-01 and 9999-12-31, else None."""
    pd = _pd()
    v = values.astype(np.int64)
    if not len(v) or v.min() < 10000101 or v.max() > 99991231:
        return None
    y, m, d = v // 10000, v // 100 % 100, v % 100
    if ((m < 1) | (m > 12) | (d < 1) | (d > 31)).any():
        return None
    out = pd.to_datetime(pd.DataFrame({"year": y, "month": m, "day": d}), errors="coerce")
    if out.isna().any():
        return None
    return out.to_numpy(dtype="M8[ns]")


def to_datetime(s, column: str = "time", *, time_unit: Optional[str] = None,
                missing: str = "raise", notes: Optional[list] = None):
    """The time rule: a column as a timezone-free pandas datetime64[ns] Series (UTC).

    Parameters
    ----------
    s : pandas.Series
        datetime64 (naive: taken as UTC; with a zone: converted to UTC), text (ISO
        dates and times, with or without offsets; 8-digit ``YYYYMMDD``), or numbers:
        whole-number ``YYYYMMDD`` dates are recognised; other numbers are epoch times
        and need ``time_unit``.
    column : str
        The column's name, for messages.
    time_unit : {"s", "ms", "us", "ns", "D"}, optional
        The unit of epoch numbers (seconds, ..., days since 1970-01-01).
    missing : {"raise", "keep"}
        Missing and unparseable times raise (naming the row), or stay NaT.
    notes : list, optional
        Receives ``(kind, text)`` notes on conversions made (zone, YYYYMMDD).

    Returns
    -------
    pandas.Series of datetime64[ns]

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.io import to_datetime
    >>> to_datetime(pd.Series([19970101, 19970318])).dt.date.tolist()
    [datetime.date(1997, 1, 1), datetime.date(1997, 3, 18)]
    >>> str(to_datetime(pd.Series(["2027-01-01T09:00:00+05:00"])).iloc[0])
    '2027-01-01 04:00:00'
    """
    pd = _pd()
    if time_unit is not None and time_unit not in TIME_UNITS:
        raise InputError(f"time_unit: expected one of {', '.join(TIME_UNITS)}, got {time_unit!r}")
    if missing not in ("raise", "keep"):
        raise InputError(f"missing: expected 'raise' or 'keep', got {missing!r}")
    notes = notes if notes is not None else []
    index = s.index
    if isinstance(s.dtype, pd.ArrowDtype):  # Arrow dates and timestamps as pandas ones
        import pyarrow as pa

        t = s.dtype.pyarrow_dtype
        if pa.types.is_timestamp(t) and t.tz is not None:
            s = s.astype(pd.DatetimeTZDtype("ns", t.tz))
        elif pa.types.is_timestamp(t) or pa.types.is_date(t):
            s = s.astype("M8[ns]")
    if is_datetime(s):
        out = s
        if isinstance(s.dtype, pd.DatetimeTZDtype) or getattr(s.dt, "tz", None) is not None:
            notes.append(("zone", f"{column}: times with the zone {s.dt.tz} converted to UTC"))
            out = s.dt.tz_convert("UTC").dt.tz_localize(None)
        out = out.astype("M8[ns]") if out.dtype != "M8[ns]" else out
    elif is_numeric(s):
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
        ok = np.isfinite(values)
        if time_unit is None:
            whole = ok.any() and bool((values[ok] == np.round(values[ok])).all())
            dates = _yyyymmdd(values[ok]) if whole else None
            if dates is None:
                sample = values[ok][0] if ok.any() else np.nan
                for v in values[ok][:100_000]:  # name a number that is not a date
                    if _yyyymmdd(np.array([v])) is None if v == round(v) else True:
                        sample = v
                        break
                raise InputError(
                    f"{column}: numbers such as {sample:.17g} are not YYYYMMDD dates; if they "
                    f"are epoch times, say their unit with time_unit='s' (or 'ms', 'us', "
                    f"'ns', 'D')")
            full = np.full(len(values), np.datetime64("NaT"), dtype="M8[ns]")
            full[ok] = dates
            notes.append(("yyyymmdd", f"{column}: whole numbers read as YYYYMMDD dates"))
            out = pd.Series(full, index=index)
        else:
            scale = _NS_PER[time_unit]
            with np.errstate(invalid="ignore", over="ignore"):
                ns = values * scale
            too_big = ok & ~(np.abs(ns) < 9.2e18)
            if too_big.any():
                i = int(np.flatnonzero(too_big)[0])
                raise InputError(f"{column}[{i}]: {values[i]:.17g} {time_unit} is outside the "
                                 f"datetime range")
            full = np.full(len(values), np.iinfo(np.int64).min, dtype=np.int64)
            if s.dtype.kind in "iu" and time_unit != "D":
                full[ok] = s.to_numpy()[ok].astype(np.int64) * scale
            else:
                full[ok] = np.round(ns[ok]).astype(np.int64)
            out = pd.Series(full.view("M8[ns]"), index=index)
    elif is_text(s) or s.dtype == object:
        text = s.astype(object)
        blank = _blank(s)
        text = text.where(~blank, None)
        if not blank.all() and text[~blank].astype(str).str.fullmatch(r"\s*\d{8}\s*").all():
            converted = pd.to_datetime(text.astype(str).str.strip().where(~blank, None),
                                       format="%Y%m%d", errors="coerce")
            notes.append(("yyyymmdd", f"{column}: 8-digit text read as YYYYMMDD dates"))
        else:
            with_zone = text[~blank].astype(str).str.contains(
                r"(?:[+-]\d{2}:?\d{2}|Z)\s*$", regex=True)
            try:
                with warnings.catch_warnings():  # "could not infer format": per value
                    warnings.simplefilter("ignore", UserWarning)
                    converted = _parse_text(pd, text, bool(with_zone.any()), notes, column)
            except (ValueError, TypeError) as exc:
                raise InputError(f"{column}: expected dates or times ({exc})") from None
            if converted.dtype == object:  # pragma: no cover - mixed zones
                raise InputError(f"{column}: mixed time zones; convert the column to one "
                                 f"zone first")
            if isinstance(converted.dtype, pd.DatetimeTZDtype):
                converted = converted.dt.tz_convert("UTC").dt.tz_localize(None)
        out = pd.Series(converted.to_numpy(dtype="M8[ns]"), index=index)
        bad = out.isna().to_numpy() & ~blank
        if bad.any() and missing == "raise":
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{column}[{i}]: expected a date or time, got {s.iloc[i]!r}")
    else:
        raise InputError(f"{column}: expected dates, times or numbers, got {s.dtype}")
    if missing == "raise":
        na = out.isna().to_numpy()
        if na.any():
            raise InputError(f"{column}[{int(np.flatnonzero(na)[0])}]: missing time")
    return out


def _parse_text(pd, text, with_zone: bool, notes: list, column: str):
    """Text times as datetime64 (NaT where unparseable); offsets converted to UTC."""
    fmt = "ISO8601" if _iso(text) else None
    if with_zone:
        converted = pd.to_datetime(text, utc=True, errors="coerce", format=fmt)
        notes.append(("zone", f"{column}: times with UTC offsets converted to UTC"))
        return converted.dt.tz_localize(None)
    return pd.to_datetime(text, errors="coerce", format=fmt)


def _blank(s) -> np.ndarray:
    """Per value: missing, or (in a text or object column) empty once stripped."""
    blank = s.isna().to_numpy().copy()
    if is_text(s):
        blank |= (s.astype(object).astype(str).str.strip() == "").to_numpy()
    return blank


def _iso(text) -> bool:
    """Whether the first non-blank value looks like ISO 8601 (YYYY-MM-DD...)."""
    first = text.dropna()
    return bool(len(first)) and bool(re.match(r"\s*\d{4}-\d{2}-\d{2}", str(first.iloc[0])))


# -- files -----------------------------------------------------------------------------

def _open_text(source, encoding: str):
    """(text head for sniffing, is gzip) of a path or binary/text file object."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            head = fh.read(1 << 16)
    elif hasattr(source, "read"):
        pos = source.tell() if hasattr(source, "tell") else None
        head = source.read(1 << 16)
        if pos is not None:
            source.seek(pos)
        if isinstance(head, str):
            return head, False
    else:
        raise InputError(f"source: expected a path or a file object, got "
                         f"{type(source).__name__}")
    gz = head[:2] == b"\x1f\x8b"
    if gz:
        try:
            head = gzip.GzipFile(fileobj=_stdio.BytesIO(head)).read(1 << 16)
        except EOFError:
            pass
        except OSError as exc:
            raise InputError(f"source: not a readable gzip file ({exc})") from None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    try:
        return head.decode(encoding), gz
    except UnicodeDecodeError as exc:
        # a cut multi-byte character at the end of the sample is fine
        if exc.start >= len(head) - 4:
            return head[:exc.start].decode(encoding), gz
        raise InputError(f"source: the file is not {encoding} text (byte {exc.start}); "
                         f"re-save it as UTF-8 or pass encoding=") from None


def _sniff(head: str, sep: Optional[str] = None) -> Tuple[str, str]:
    """(separator, decimal mark) from the first lines of a CSV (the decimal mark for
    the given separator when there is one)."""
    lines = [ln for ln in head.splitlines()[:50] if ln.strip()]
    if not lines:
        return sep or ",", "."
    sample = "\n".join(lines)
    if sep is None:
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            counts = {d: lines[0].count(d) for d in ",;\t|"}
            sep = max(counts, key=counts.get) if max(counts.values()) else ","
    decimal = "."
    if sep != ",":
        body = "\n".join(lines[1:])
        if re.search(r"(?:^|[" + re.escape(sep) + r"])\s*-?\d+,\d+(?:[eE][+-]?\d+)?\s*(?:[" + re.escape(sep)
                     + r"]|$)", body, flags=re.M):
            decimal = ","
    return sep, decimal


def read_table(source: Any, *, sep: Optional[str] = None, decimal: Optional[str] = None,
               encoding: str = "utf-8", notes: Optional[list] = None):
    """Read a CSV (plain or gzip) or Parquet file as pandas, ready for :func:`clean`.

    Parameters
    ----------
    source : str, path or file object
        ``.parquet`` files are read with pyarrow; anything else as CSV text. Gzip is
        recognised by its magic bytes; a UTF-8 byte-order mark is dropped.
    sep, decimal : str, optional
        The field separator and decimal mark; sniffed from the first 50 lines when
        not given (``;`` and ``\\t`` separators, decimal commas).
    encoding : str
        The text encoding (UTF-8).
    notes : list, optional
        Receives ``(kind, text)`` notes: the separator and decimal mark used, header
        names trimmed, blank lines.

    Returns
    -------
    pandas.DataFrame
        With ``attrs["sostac_source"]`` (path, sep, decimal, first_line, notes) so that
        :func:`clean` names file lines and reports the notes; the index is the 0-based data row (the file
        line is the index + 2: the header is line 1). Blank lines are kept as empty
        rows until :func:`clean` drops them, so that the lines stay exact.

    Raises
    ------
    InputError
        The file is missing, empty, not text in ``encoding``, or two columns have the
        same name after trimming.

    Examples
    --------
    >>> import io
    >>> from sostac.io import read_table
    >>> df = read_table(io.StringIO("date;channel;cost \\n2027-01-01;search;12,5\\n"))
    >>> list(df.columns), float(df["cost"].iloc[0])
    (['date', 'channel', 'cost'], 12.5)
    """
    pd = _pd()
    notes = notes if notes is not None else []
    name = str(source) if isinstance(source, (str, os.PathLike)) else "data"
    if isinstance(source, (str, os.PathLike)) and not os.path.exists(source):
        raise InputError(f"{name}: no such file")
    if isinstance(source, (str, os.PathLike)) and str(source).endswith(".parquet"):
        from ._optional import require

        require("pyarrow", "parquet", "Parquet files need pyarrow")
        try:
            df = pd.read_parquet(source)
        except Exception as exc:  # pyarrow raises its own types
            raise InputError(f"{name}: not a readable Parquet file ({exc})") from None
        _trim_headers(df, name, notes)
        df.attrs["sostac_source"] = {"path": name, "first_line": None, "notes": list(notes)}
        return df
    head, gz = _open_text(source, encoding)
    if not head.strip():
        raise InputError(f"{name}: the file is empty")
    sep, d = _sniff(head, sep)
    decimal = decimal or d
    if sep == decimal:
        raise InputError(f"sep: the separator and the decimal mark are both {sep!r}")
    if sep != ",":
        notes.append(("format", f"{name}: fields separated by {sep!r}"))
    if decimal != ".":
        notes.append(("format", f"{name}: decimal mark {decimal!r}"))
    try:
        df = pd.read_csv(source, sep=sep, decimal=decimal, encoding=encoding,
                         compression="gzip" if gz else None, skip_blank_lines=False,
                         thousands=None, encoding_errors="strict")
    except UnicodeDecodeError:
        raise InputError(f"{name}: the file is not {encoding} text; re-save it as UTF-8 or "
                         f"pass encoding=") from None
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{name}: cannot be read as CSV ({str(exc).splitlines()[0]})") from None
    if len(df.columns) and str(df.columns[0]).startswith("\ufeff"):
        df = df.rename(columns={df.columns[0]: str(df.columns[0])[1:]})
    _trim_headers(df, name, notes)
    df.attrs["sostac_source"] = {"path": name, "first_line": 2, "sep": sep, "decimal": decimal,
                                 "notes": list(notes)}
    return df


def _trim_headers(df, name: str, notes: list) -> None:
    renamed = {c: c.strip() for c in df.columns if isinstance(c, str) and c != c.strip()}
    if not renamed:
        return
    new = [renamed.get(c, c) for c in df.columns]
    seen: Dict[str, int] = {}
    for c in new:
        seen[c] = seen.get(c, 0) + 1
    dup = [c for c, k in seen.items() if k > 1]
    if dup:
        raise InputError(f"{name}: two columns are named {dup[0]!r} once spaces are trimmed")
    df.columns = new
    notes.append(("header-trimmed", f"{name}: header names trimmed: " + ", ".join(
        f"{k!r} -> {v!r}" for k, v in renamed.items())))


# -- row rules -------------------------------------------------------------------------

def _proportion_pairs() -> List[Tuple[str, str]]:
    """(share, whole) pairs of counts from the catalogue's proportions: clicks cannot
    exceed impressions, orders sessions, repeat customers customers, ..."""
    from . import _core

    pairs = []
    for k in _core.plan.kpi_catalog():
        num, den = k["numerator"], k["denominator"]
        if (k["unit"] == "ratio" and k["scale"] == 1.0 and num in COUNT_MEASURES
                and den in COUNT_MEASURES):
            pairs.append((num, den))
    return pairs


def clean(data: Any, *, time: str = "date", keys: Sequence[str] = ("channel",),
          measures: Optional[Iterable[str]] = None, time_unit: Optional[str] = None,
          check_duplicates: bool = True):
    """Check a daily aggregate or event log against the input rules (``docs/input.md``).

    Parameters
    ----------
    data : DataFrame (pandas or polars), pyarrow Table or dict of arrays
        From :func:`read_table` the findings name file lines, else 0-based rows.
    time : str
        The time column (see :func:`to_datetime`).
    keys : sequence of str
        The columns that, with the time, identify a row of an aggregate (those
        present are used): rows repeating a key with other values are a warning.
    measures : iterable of str, optional
        The measure columns to check (default: every catalogue measure present).
    time_unit : str, optional
        For epoch-number times (see :func:`to_datetime`).
    check_duplicates : bool
        Look for repeated rows and keys (True; False for event logs, where two equal
        rows may be two events).

    Returns
    -------
    CleanTable
        ``frame`` (the rows kept; the time column as datetime64[ns], measures as
        numbers), ``findings`` and ``dropped``. Unpacks as ``frame, findings``.

    Raises
    ------
    InputError
        Faults no row-dropping repairs: no time column, times that are numbers but
        neither YYYYMMDD nor given a unit, a measure column of text.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.io import clean
    >>> df = pd.DataFrame({"date": ["2027-01-01", "", "2027-01-02"],
    ...                    "channel": ["a", "a", "a"],
    ...                    "impressions": [100, 90, 80], "clicks": [5, 4, 99]})
    >>> kept, findings = clean(df)
    >>> len(kept), [f.kind for f in findings], kept["clicks"].tolist()
    (2, ['missing-time', 'exceeds'], [5.0, nan])
    """
    pd = _pd()
    df = to_pandas(data)
    lines = _lines_of(df)
    findings: List[InputFinding] = []
    n = len(df)
    drop = np.zeros(n, dtype=bool)

    def add(kind: str, column: str, rows: np.ndarray, action: str, what: str) -> None:
        shown, where = _where(rows, lines)
        subject = f"{column}: " if column else ""
        findings.append(InputFinding(kind, column, shown, int(len(rows)), action,
                                     f"{subject}{where}: {what}"))

    if time not in df.columns:
        close = [c for c in df.columns if str(c).strip().lower() == time.lower()]
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError(f"{time}: the data have no '{time}' column (found "
                         f"{[str(c) for c in df.columns][:12]}){hint}")
    # blank lines of a file: every cell empty
    if n and lines is not None:
        empty = df.isna().all(axis=1).to_numpy()
        if empty.any():
            drop |= empty
            add("blank-line", "", np.flatnonzero(empty), "dropped", "blank line, left out")
    info = df.attrs.get("sostac_source") or {}
    for kind, text in info.get("notes", []):  # read_table's: format, trimmed headers
        findings.append(InputFinding(kind, "", (), n, "converted", text))
    notes: list = []
    times = to_datetime(df[time], time, time_unit=time_unit, missing="keep", notes=notes)
    raw = df[time]
    raw_blank = _blank(raw)
    nat = times.isna().to_numpy() & ~drop
    blank = nat & raw_blank
    bad = nat & ~raw_blank
    if blank.any():
        add("missing-time", time, np.flatnonzero(blank), "dropped",
            f"{int(blank.sum())} row{'s' if blank.sum() > 1 else ''} without a time, left out")
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        add("bad-time", time, np.flatnonzero(bad), "dropped",
            f"{int(bad.sum())} time{'s' if bad.sum() > 1 else ''} that are not dates "
            f"(e.g. {raw.iloc[i]!r}), left out")
    drop |= nat
    for kind, text in notes:
        findings.append(InputFinding(kind, time, (), n, "converted", text))
    out = {time: times}
    catalog_measures = set(COUNT_MEASURES) | set(MONEY_MEASURES) | {"session_seconds"}
    wanted = list(measures) if measures is not None else [
        c for c in df.columns if c in catalog_measures]
    values: Dict[str, np.ndarray] = {}
    live = ~drop  # each measure is checked on the rows with a time, independently
    for m in wanted:
        if m not in df.columns:
            continue
        v = numbers(df[m], m).astype(np.float64, copy=True)
        miss = live & np.isnan(v)
        if miss.any():
            add("missing-value", m, np.flatnonzero(miss), "missing",
                f"{int(miss.sum())} missing value{'s' if miss.sum() > 1 else ''}: KPIs on "
                f"{m} leave {'these rows' if miss.sum() > 1 else 'the row'} out")
        bad = np.zeros(n, dtype=bool)
        big = live & ~miss & ~(np.abs(v) <= MAX_MAGNITUDE)
        if big.any():
            i = int(np.flatnonzero(big)[0])
            add("implausible", m, np.flatnonzero(big), "missing",
                f"{v[i]:.4g} is beyond the plausible magnitude {MAX_MAGNITUDE:.0e}: set "
                f"missing, KPIs on {m} leave the row out")
        bad |= big
        if m in COUNT_MEASURES or m in _NONNEGATIVE_AMOUNTS:
            neg = live & ~miss & ~bad & (v < 0)
            if neg.any():
                i = int(np.flatnonzero(neg)[0])
                add("negative", m, np.flatnonzero(neg), "missing",
                    f"negative value {v[i]:.6g}: set missing, KPIs on {m} leave the row out")
            bad |= neg
        if m in COUNT_MEASURES:
            frac = live & ~miss & ~bad & (v != np.floor(v))
            if frac.any():
                i = int(np.flatnonzero(frac)[0])
                add("fractional", m, np.flatnonzero(frac), "missing",
                    f"{v[i]:.6g} is not a whole count: set missing, KPIs on {m} leave the "
                    f"row out")
            bad |= frac
        v[bad] = np.nan
        values[m] = v
    for share, whole in _proportion_pairs():
        if share in values and whole in values:
            with np.errstate(invalid="ignore"):
                # a whole of 0 is a channel that does not record it (ad platforms
                # report orders without sessions): only a recorded whole is a bound
                over = live & (values[whole] > 0) & (values[share] > values[whole])
            if over.any():
                i = int(np.flatnonzero(over)[0])
                add("exceeds", share, np.flatnonzero(over), "missing",
                    f"{share} above {whole} ({values[share][i]:.6g} > {values[whole][i]:.6g}): "
                    f"{share} set missing, KPIs on it leave the row out")
                values[share][over] = np.nan
    for m, v in values.items():  # whole counts stay integers when nothing is missing
        col = df[m]
        out[m] = (col.to_numpy() if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iu"
                  and not np.isnan(v).any() else v)
    frame = df.assign(**{k: v for k, v in out.items()}) if out else df
    if check_duplicates and n:
        live = np.flatnonzero(~drop)
        body = frame.iloc[live]
        rep = body.duplicated(keep="first").to_numpy()
        if rep.any():
            rows = live[rep]
            first = body.duplicated(keep=False).to_numpy() & ~rep
            _, first_where = _where(live[first][:1], lines)
            add("duplicate-row", "", rows, "dropped",
                f"{int(rep.sum())} row{'s' if rep.sum() > 1 else ''} repeating an earlier row "
                f"exactly (the first at {first_where}), left out: data loaded twice?")
            drop[rows] = True
        key_cols = [time] + [k for k in keys if k in frame.columns and k != time]
        live = np.flatnonzero(~drop)
        dup_key = frame.iloc[live].duplicated(subset=key_cols, keep=False).to_numpy()
        if dup_key.any() and len(key_cols) > 1:
            add("duplicate-key", "+".join(key_cols), live[dup_key], "kept",
                f"{int(dup_key.sum())} rows share their ({', '.join(key_cols)}) with another "
                f"row; their values are added (say if a key column is missing)")
    kept = frame.loc[~drop] if drop.any() else frame
    kept.attrs = dict(df.attrs)
    return CleanTable(kept, findings, int(drop.sum()))
