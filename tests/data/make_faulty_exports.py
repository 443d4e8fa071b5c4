"""Write the faulty exports behind tests/python/test_input.py (issue 13).

Each file is the demo daily aggregate shipped in the package (sostac/data/
demo_daily.csv) with one fault of the kind real exports have; ``write(outdir)``
returns {name: (path, line)} where ``line`` is the 1-based file line the fault is
on (0 when it concerns the whole file). Run as a script to write them to a folder:

    python tests/data/make_faulty_exports.py /tmp/faulty
"""

from __future__ import annotations

import gzip
import importlib.resources as resources
import sys
from pathlib import Path
from typing import Dict, Tuple

import pandas as pd

#: the 0-based data row that carries a single-row fault (file line ROW + 2)
ROW = 40


def base() -> pd.DataFrame:
    """The demo aggregate as a plain frame (dates as ISO text, numbers as NumPy)."""
    with resources.as_file(resources.files("sostac") / "data" / "demo_daily.csv") as path:
        return pd.read_csv(path, dtype={"date": str, "variant": str}, keep_default_na=False,
                           na_values={"variant": [""]})


def _csv(df: pd.DataFrame, path: Path, **kw) -> Path:
    df.to_csv(path, index=False, **kw)
    return path


def write(outdir) -> Dict[str, Tuple[Path, int]]:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    df = base()
    line = ROW + 2
    files: Dict[str, Tuple[Path, int]] = {"clean": (_csv(df, out / "clean.csv"), 0)}
    # the separator and decimal mark of a European spreadsheet
    files["semicolon"] = (_csv(df, out / "semicolon.csv", sep=";", decimal=","), 0)
    files["tab"] = (_csv(df, out / "tab.tsv", sep="\t"), 0)
    # header cells with stray spaces ("cost ", " channel")
    files["header_space"] = (_csv(df.rename(columns={"cost": "cost ", "channel": " channel"}),
                                  out / "header_space.csv"), 0)
    # dates as whole numbers, as in the CDNOW export (19970101)
    ymd = df.assign(date=df["date"].str.replace("-", "").astype("int64"))
    files["yyyymmdd"] = (_csv(ymd, out / "yyyymmdd.csv"), 0)
    # times with a UTC offset (09:00 at +05:00 is 04:00 UTC, the same day)
    zoned = df.assign(date=df["date"] + "T09:00:00+05:00")
    files["zoned"] = (_csv(zoned, out / "zoned.csv"), 0)
    # epoch seconds (noon UTC of each day)
    noon = pd.to_datetime(df["date"]) + pd.Timedelta(hours=12)
    epoch = df.assign(date=(noon - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1))
    files["epoch"] = (_csv(epoch, out / "epoch.csv"), 0)
    # one blank date cell
    blank = df.astype({"date": object})
    blank.loc[ROW, "date"] = ""
    files["blank_date"] = (_csv(blank, out / "blank_date.csv"), line)
    # the same export concatenated twice
    files["doubled"] = (_csv(pd.concat([df, df], ignore_index=True), out / "doubled.csv"),
                        len(df) + 2)
    # a cost of 1e300 (a bad cast upstream)
    huge = df.copy()
    huge.loc[ROW, "cost"] = 1e300
    files["huge_cost"] = (_csv(huge, out / "huge_cost.csv"), line)
    # clicks above impressions
    over = df.copy()
    over.loc[ROW, "clicks"] = over.loc[ROW, "impressions"] + 1
    files["clicks_over"] = (_csv(over, out / "clicks_over.csv"), line)
    # fractional and missing orders: one kind of fault, one rule
    frac = df.astype({"orders": float})
    frac.loc[ROW, "orders"] = 70.5
    files["fractional_orders"] = (_csv(frac, out / "fractional_orders.csv"), line)
    miss = df.astype({"orders": float})
    miss.loc[ROW, "orders"] = float("nan")
    files["missing_orders"] = (_csv(miss, out / "missing_orders.csv"), line)
    # negative sessions
    neg = df.copy()
    neg.loc[ROW, "sessions"] = -5
    files["negative_sessions"] = (_csv(neg, out / "negative_sessions.csv"), line)
    # gzip'ed and Parquet copies of the clean file
    gz = out / "clean.csv.gz"
    with gzip.open(gz, "wb") as fh:
        fh.write((out / "clean.csv").read_bytes())
    files["gzip"] = (gz, 0)
    try:
        df.to_parquet(out / "clean.parquet")
        files["parquet"] = (out / "clean.parquet", 0)
    except ImportError:  # pragma: no cover - pyarrow is optional
        pass
    # a UTF-8 byte-order mark (Excel's "CSV UTF-8")
    bom = out / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (out / "clean.csv").read_bytes())
    files["bom"] = (bom, 0)
    return files


if __name__ == "__main__":  # pragma: no cover
    for name, (path, line) in write(sys.argv[1] if len(sys.argv) > 1 else ".").items():
        print(f"{name:<18} {path}{f'  (fault on line {line})' if line else ''}")
