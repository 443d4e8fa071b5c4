"""Benchmark sostac.customer's summary + RFM against pandas and DuckDB.

Run from the repository root:

    .venv/bin/python benchmarks/python/bench_customer.py            # full size
    .venv/bin/python benchmarks/python/bench_customer.py --quick    # tiny smoke run

Options: ``--rows N`` (transactions, default 10,000,000), ``--customers N`` (default
1,000,000), ``--threads T`` (default 2), ``--repeats R`` (default 3), ``--shuffle``
(rows in random order instead of time order), ``--seed S``.

Workload (the same in-memory data for every engine, generated once with a fixed
seed): customer ids uniform in 0..N-1, times uniform over two years (2025-2026, in
time order unless --shuffle), amounts Gamma(2, 20) rounded to cents; end =
2026-12-31. Each engine computes

* the BTYD summary per customer: frequency (distinct purchase days - 1), recency
  and T in weeks (days / 7), monetary (mean repeat-day total, 0 without repeats);
* RFM: recency (days from the last purchase to end), frequency (transactions),
  monetary (total), and scores 1..5.

sostac: one ``SummaryAccumulator`` pass, then ``finish()`` (summary frame) and
``rfm()`` (RFM frame with scores, code and default segments). pandas: groupby per
(customer, day), then per customer, and ``pd.qcut`` scores as RFM tutorials write
them (recency and monetary on the values, frequency on ``rank(method="first")``).
DuckDB: one SQL query (GROUP BY, then ``NTILE(5)`` windows) on a native table. Each
engine starts from its own in-memory form (pandas DataFrame; DuckDB table) built
before timing; fetching the result into Python is timed.

Memory: sostac's peak resident memory above the resident size before its run
(``/proc/self/status`` VmHWM after resetting it through ``/proc/self/clear_refs``),
from one extra untimed run, against the input columns' bytes.

Threads: ``sostac.set_num_threads(T)`` and DuckDB ``SET threads = T``; pandas is
single-threaded. Time is ``time.perf_counter``, best of R runs, all in one process
(sostac, then pandas, then DuckDB).

Checks: the summary columns and the RFM values of every engine equal sostac's
(frequency exactly, the rest to 1e-9 relative); sostac's scores equal the documented
tie rule recomputed with pandas (``1 + floor(5 * (rank(method="min") - 1) / n)``);
the share of customers on which pandas' qcut and DuckDB's NTILE give the same score
as sostac is printed (they break ties differently). A failed check exits with
status 1.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]

import sostac  # noqa: E402
from sostac.customer import SummaryAccumulator  # noqa: E402

END = "2026-12-31"


def make_data(rows: int, customers: int, seed: int, shuffle: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2025-01-01T00:00:00", "ns").astype(np.int64)
    span = 730 * 86_400 * 10**9
    t = rng.integers(0, span, rows)
    if not shuffle:
        t.sort()
    return pd.DataFrame({
        "customer_id": rng.integers(0, customers, rows),
        "timestamp": (t + start).view("M8[ns]"),
        "amount": np.round(rng.gamma(2.0, 20.0, rows), 2),
    })


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def peak_above(fn):
    """(result, MiB of peak resident memory above the resident size before fn), or
    None for the memory where /proc/self/clear_refs may not be written."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current VmRSS
    except OSError:
        return fn(), None
    before = _status_kib("VmRSS")
    out = fn()
    return out, (_status_kib("VmHWM") - before) / 1024.0


def best(fn, repeats: int):
    out, times = None, []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


# -- engines ---------------------------------------------------------------------------

def run_sostac(df: pd.DataFrame):
    acc = SummaryAccumulator(value="amount", end=END)
    acc.add(df)
    return acc.finish(), acc.rfm()


def run_pandas(df: pd.DataFrame):
    end = np.datetime64(END, "D")
    t = pd.DataFrame({"c": df["customer_id"].to_numpy(),
                      "d": df["timestamp"].to_numpy().astype("M8[D]"),
                      "a": df["amount"].to_numpy()})
    per_day = t.groupby(["c", "d"], sort=True)["a"].sum().reset_index()
    g = per_day.groupby("c", sort=True)
    first, last, days = g["d"].min(), g["d"].max(), g.size()
    total, first_a = g["a"].sum(), g["a"].first()
    freq = days - 1
    summ = pd.DataFrame({
        "frequency": freq.astype(float),
        "recency": (last - first).dt.days / 7.0,
        "T": (pd.Timestamp(end) - first).dt.days / 7.0,
        "monetary": ((total - first_a) / freq.where(freq > 0)).fillna(0.0),
    })
    g2 = t.groupby("c", sort=True)
    r = pd.DataFrame({"recency": (pd.Timestamp(end) - g2["d"].max()).dt.days.astype(float),
                      "frequency": g2.size(), "monetary": g2["a"].sum()})
    r["r_score"] = pd.qcut(r["recency"], 5, labels=[5, 4, 3, 2, 1]).astype(int)
    r["f_score"] = pd.qcut(r["frequency"].rank(method="first"), 5,
                           labels=[1, 2, 3, 4, 5]).astype(int)
    r["m_score"] = pd.qcut(r["monetary"], 5, labels=[1, 2, 3, 4, 5]).astype(int)
    r["rfm"] = r["r_score"] * 100 + r["f_score"] * 10 + r["m_score"]
    return summ, r


DUCKDB_SQL = f"""
WITH d AS (
  SELECT customer_id AS c, CAST(timestamp AS DATE) AS d, sum(amount) AS a, count(*) AS n
  FROM t GROUP BY ALL),
s AS (
  SELECT c, count(*) - 1 AS frequency, min(d) AS first, max(d) AS last, sum(a) AS total,
         sum(n) AS tx, arg_min(a, d) AS first_a
  FROM d GROUP BY c)
SELECT c, frequency, (last - first) / 7.0 AS recency, (DATE '{END}' - first) / 7.0 AS T,
       CASE WHEN frequency > 0 THEN (total - first_a) / frequency ELSE 0 END AS monetary,
       CAST(DATE '{END}' - last AS DOUBLE) AS r_days, tx, total,
       NTILE(5) OVER (ORDER BY DATE '{END}' - last DESC) AS r_score,
       NTILE(5) OVER (ORDER BY tx) AS f_score,
       NTILE(5) OVER (ORDER BY total) AS m_score
FROM s ORDER BY c
"""


def run_duckdb(con):
    return con.execute(DUCKDB_SQL).fetchnumpy()


# -- checks ----------------------------------------------------------------------------

def close(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= 1e-9 * np.maximum(1, np.abs(b))))


def rank_rule(x: pd.Series, lower: bool) -> np.ndarray:
    rank = (-x if lower else x).rank(method="min").to_numpy()
    return (1 + (5 * (rank - 1)) // len(x)).astype(int)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20261203)
    ap.add_argument("--shuffle", action="store_true")
    ap.add_argument("--quick", action="store_true", help="200,000 rows, 20,000 customers")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.customers, args.repeats = 200_000, 20_000, 1

    print(f"bench_customer: {args.rows:,} transactions, {args.customers:,} customers, "
          f"{args.threads} threads, best of {args.repeats}, "
          f"{'shuffled' if args.shuffle else 'time-ordered'} rows; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    df = make_data(args.rows, args.customers, args.seed, args.shuffle)
    sostac.set_num_threads(args.threads)
    results, times = {}, {}
    _, sostac_mib = peak_above(lambda: run_sostac(df))
    times["sostac"], results["sostac"] = best(lambda: run_sostac(df), args.repeats)
    times["pandas"], results["pandas"] = best(lambda: run_pandas(df), max(1, args.repeats - 2))
    try:
        import duckdb
    except ImportError:
        print("duckdb: not installed, left out")
    else:
        con = duckdb.connect()
        con.execute(f"SET threads = {args.threads}")
        con.register("df_view", df)
        con.execute("CREATE TABLE t AS SELECT * FROM df_view")
        times["duckdb"], results["duckdb"] = best(lambda: run_duckdb(con), args.repeats)

    s_sum, s_rfm = results["sostac"]
    ok = True
    failures = []

    def check(name, cond):
        nonlocal ok
        if not cond:
            ok = False
            failures.append(name)

    p_sum, p_rfm = results["pandas"]
    check("pandas summary index", (p_sum.index.to_numpy() == s_sum.index.to_numpy()).all())
    for col in ("frequency", "recency", "T", "monetary"):
        check(f"pandas {col}", close(p_sum[col], s_sum[col]))
    for col in ("recency", "frequency", "monetary"):
        check(f"pandas rfm {col}", close(p_rfm[col], s_rfm[col]))
    agree = {}
    for col, lower in (("r_score", True), ("f_score", False), ("m_score", False)):
        base = col[0] if col != "r_score" else "r"
        raw = {"r": "recency", "f": "frequency", "m": "monetary"}[base]
        check(f"tie rule {col}", (s_rfm[col].to_numpy() == rank_rule(s_rfm[raw], lower)).all())
        agree[("pandas qcut", col)] = float((p_rfm[col].to_numpy() == s_rfm[col].to_numpy()).mean())
    if "duckdb" in results:
        d = results["duckdb"]
        check("duckdb index", (d["c"] == s_sum.index.to_numpy()).all())
        for col in ("frequency", "recency", "T", "monetary"):
            check(f"duckdb {col}", close(d[col], s_sum[col]))
        check("duckdb rfm recency", close(d["r_days"], s_rfm["recency"]))
        check("duckdb rfm frequency", close(d["tx"], s_rfm["frequency"]))
        check("duckdb rfm monetary", close(d["total"], s_rfm["monetary"]))
        for col in ("r_score", "f_score", "m_score"):
            agree[("DuckDB NTILE", col)] = float((d[col] == s_rfm[col].to_numpy()).mean())

    print(f"\n{'engine':<8} {'seconds':>9} {'x sostac':>9}")
    for name, sec in times.items():
        print(f"{name:<8} {sec:>9.3f} {sec / times['sostac']:>9.1f}")
    inputs = sum(df[c].to_numpy().nbytes for c in df.columns) / 2**20
    if sostac_mib is not None:
        print(f"\nsostac peak memory above its input: {sostac_mib:.0f} MiB "
              f"(input columns {inputs:.0f} MiB: {(inputs + sostac_mib) / inputs:.2f}x)")
    print(f"\ncustomers: {len(s_sum):,}; same score as sostac's tie rule (share of customers):")
    for (tool, col), share in agree.items():
        print(f"  {tool:<13} {col}: {share:.4f}")
    if failures:
        print("\nFAILED checks: " + ", ".join(failures))
        return 1
    print("\nchecks: summary and RFM values equal across engines; sostac's scores follow "
          "the stated tie rule")
    return 0


if __name__ == "__main__":
    sys.exit(main())
