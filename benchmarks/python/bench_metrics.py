"""Benchmark sostac.metrics against pandas, DuckDB and polars on two workloads.

Run from the repository root:

    .venv/bin/python benchmarks/python/bench_metrics.py            # full size
    .venv/bin/python benchmarks/python/bench_metrics.py --quick    # tiny smoke run
    .venv/bin/python benchmarks/python/bench_metrics.py --quick --skip-sostac

Options: ``--rows N`` (daily rows, default 10,000,000), ``--events N`` (default
10,000,000), ``--users N`` (default 1,000,000), ``--threads T`` (default: the CPUs
this process may run on), ``--repeats R`` (default 3), ``--engines a,b`` (subset of
sostac,pandas,duckdb,polars), ``--workloads a,b`` (subset of kpi,funnel), ``--skip-sostac`` (benchmark/check the other engines
only, e.g. while sostac.metrics is being written), ``--seed S``, ``--keep-data DIR``.
Needs duckdb, polars and pyarrow (``pip install duckdb polars pyarrow``); an engine
whose package is missing is reported and left out.

Workloads (identical data for every engine, generated once by
``tests/python/metrics_reference.py`` with a fixed seed and written to Parquet):

(1) kpi: weekly (ISO week, Monday) x channel roll-up of 10M daily-aggregate rows
    (date, channel categorical with 8 values, campaign, 15 measure columns) for the
    KPIs ctr, cpc, cpa, roas, conversion_rate. sostac computes
    ``sostac.metrics.kpi_table`` (tidy table: value, interval, numerator,
    denominator, rows); the other engines compute only the group sums of the
    numerators/denominators and the values (no intervals), so they do less work.
(2) funnel: ordered 4-step funnel (visit, signup, add_to_cart, purchase) over 10M
    events of 1M users, window 1 day (inclusive): the deepest level per user, then
    the number of users at each level 0..4. sostac runs
    ``sostac.metrics.funnel_levels`` (the windowFunnel state machine). pandas,
    DuckDB and polars compute the same levels as the best greedy chain from every
    step-0 event: for each step, an as-of join per user to the earliest next-step
    event with timestamp >= the previous chain event (equal timestamps count, since
    events sort by (timestamp, step)), kept if within the window of the chain's
    step-0 event; a user's level is the longest chain (``pandas.merge_asof``,
    DuckDB ``ASOF JOIN``, polars ``join_asof(strategy="forward", by="user_id")``).

Threads: every engine gets the same thread count T: ``sostac.set_num_threads(T)``,
DuckDB ``SET threads = T``, polars via ``POLARS_MAX_THREADS=T`` in the worker's
environment (read when polars is imported). pandas is single-threaded whatever T is
(its groupby / merge_asof kernels do not use threads).

Inputs: each engine starts from its own native in-memory form, loaded from the
Parquet files before timing starts: a pandas DataFrame for sostac and pandas
(categorical channel/event, datetime64[ns]); a polars DataFrame (Categorical,
Datetime[ns]); a DuckDB in-memory table (VARCHAR channel/event; the event
timestamps stored as BIGINT epoch nanoseconds, so that the window test is exact
integer arithmetic). Loading and converting results to a common form for the checks
are not timed; getting the (small) result back to Python is.

Timing and memory: every (workload, engine) pair runs in a fresh Python process
(this script re-invoked with ``--worker``), so the engines cannot share caches,
allocator pools or thread pools. Time is ``time.perf_counter``, best of R runs.
Memory is the peak resident set size during the timed runs minus the resident size
just before them, read from ``/proc/self/status`` (VmHWM, VmRSS) after resetting the
peak with ``/proc/self/clear_refs`` ("5"). This counts every allocation of the
process (C++, Rust, DuckDB buffers, numpy), which ``tracemalloc`` would not. Where
the reset is not permitted the script falls back to ``resource.getrusage``
``ru_maxrss`` (the peak since process start, which then also covers loading) and
marks the number with "~" as a lower bound.

Checks: every engine's answer is compared with sostac's (funnel: identical counts
per level; KPIs: the same (week, channel, KPI) rows, value / numerator /
denominator equal to 1e-9 relative, NaN matching NaN; the engines' value for a zero
denominator is read as NaN, the contract's value). Without sostac (--skip-sostac)
pandas is the yardstick. On small inputs (--quick, or up to 200,000 rows / events)
every engine, sostac included, is also checked against the pure-pandas reference in
tests/python/metrics_reference.py (sostac on the full tidy table: intervals, rows,
interval method, and the funnel_levels Series with its index order). The script
prints the table, then fails (AssertionError, exit status 1) if any check failed.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import pickle
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))

import metrics_reference as ref  # noqa: E402

SEED = 20270104
KPIS = ["ctr", "cpc", "cpa", "roas", "conversion_rate"]
KPI_PARTS = {k: (ref.CATALOGUE[k].numerator, ref.CATALOGUE[k].denominator) for k in KPIS}
MEASURES = sorted({m for pair in KPI_PARTS.values() for m in pair})
STEPS = list(ref.DEFAULT_STEPS)
WINDOW = pd.Timedelta("1D")
WINDOW_NS = int(WINDOW.value)
ENGINES = ["sostac", "pandas", "duckdb", "polars"]
WORKLOADS = ["kpi", "funnel"]
SMALL = 200_000  # inputs up to this size are also checked against metrics_reference
QUICK = {"rows": 20_000, "events": 20_000, "users": 2_000}
FULL = {"rows": 10_000_000, "events": 10_000_000, "users": 1_000_000}


# ============================================================================ memory


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of this process; False if refused."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def rss_mib() -> float:
    return _status_kib("VmRSS") / 1024.0


def peak_rss_mib(exact: bool) -> float:
    if exact:
        return _status_kib("VmHWM") / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


# ============================================================================ engines
# Each engine: a loader (Parquet -> native form, untimed) and one runner per
# workload (timed). Runners return a small result that `normalise_*` turns into a
# common form for the checks (untimed).


def load_pandas(path: Path, threads: int):
    return pd.read_parquet(path)


def load_polars(path: Path, threads: int):
    import polars as pl

    return pl.read_parquet(path)


def load_duckdb(path: Path, threads: int):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    if path.stem == "events":
        con.execute(
            "CREATE TABLE events AS SELECT user_id, epoch_ns(timestamp) AS ts, event, "
            "channel, value FROM read_parquet(?)",
            [str(path)],
        )
    else:
        con.execute("CREATE TABLE daily AS SELECT * FROM read_parquet(?)", [str(path)])
    return con


def load_sostac(path: Path, threads: int):
    import sostac

    sostac.set_num_threads(int(threads))
    return pd.read_parquet(path)


# ---------------------------------------------------------------------------- kpi


def kpi_sostac(df):
    import sostac.metrics

    return sostac.metrics.kpi_table(df, KPIS, by=("channel",), period="week", time="date")


def kpi_pandas(df: pd.DataFrame) -> pd.DataFrame:
    day = df["date"].dt.normalize()
    week = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).rename("period")
    sums = df[MEASURES].groupby([week, df["channel"]], observed=True, sort=True).sum()
    out = sums.reset_index()
    for kpi, (num, den) in KPI_PARTS.items():
        out[kpi] = out[num] / out[den]
    return out


def kpi_duckdb(con) -> pd.DataFrame:
    sums = ", ".join(f"sum({m}) AS {m}" for m in MEASURES)
    values = ", ".join(f"sum({n}) / sum({d}) AS {k}" for k, (n, d) in KPI_PARTS.items())
    sql = (
        f"SELECT date_trunc('week', date) AS period, channel, {sums}, {values} "
        "FROM daily GROUP BY ALL ORDER BY ALL"
    )
    return con.sql(sql).df()


def kpi_polars(df):
    import polars as pl

    return (
        df.lazy()
        .group_by(pl.col("date").dt.truncate("1w").alias("period"), "channel")
        .agg([pl.col(m).sum() for m in MEASURES])
        .with_columns(
            [(pl.col(n) / pl.col(d)).alias(k) for k, (n, d) in KPI_PARTS.items()]
        )
        .sort("period", "channel")
        .collect()
    )


# ---------------------------------------------------------------------------- funnel


def funnel_sostac(events):
    import sostac.metrics

    levels = sostac.metrics.funnel_levels(
        events, STEPS, window=WINDOW, user="user_id", time="timestamp", event="event"
    )
    return levels, np.bincount(levels.to_numpy(), minlength=len(STEPS) + 1)


def _pandas_steps(events: pd.DataFrame) -> np.ndarray:
    """Step index of every row (-1 for other events), via the categorical codes."""
    col = events["event"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        lookup = np.array(
            [STEPS.index(c) if c in STEPS else -1 for c in col.cat.categories] + [-1]
        )
        return lookup[col.cat.codes.to_numpy()]  # code -1 (missing) -> last entry
    return col.map({s: i for i, s in enumerate(STEPS)}).fillna(-1).to_numpy(int)


def funnel_pandas(events: pd.DataFrame) -> np.ndarray:
    step = _pandas_steps(events)
    keep = step >= 0
    e = pd.DataFrame(
        {
            "user_id": events["user_id"].to_numpy()[keep],
            "ts": events["timestamp"].to_numpy()[keep],
            "step": step[keep],
        }
    )
    per_step = [
        e.loc[e["step"] == j, ["user_id", "ts"]].sort_values("ts", kind="stable")
        for j in range(len(STEPS))
    ]
    chains = per_step[0].rename(columns={"ts": "t0"})
    chains["prev"] = chains["t0"]
    reached = [chains[["user_id"]].assign(level=1)]
    for j in range(1, len(STEPS)):
        nxt = per_step[j].rename(columns={"ts": "tj"})
        m = pd.merge_asof(
            chains.sort_values("prev", kind="stable"), nxt, left_on="prev", right_on="tj",
            by="user_id", direction="forward", allow_exact_matches=True,
        )
        m = m[m["tj"].notna() & (m["tj"] - m["t0"] <= WINDOW)]
        chains = m[["user_id", "t0", "tj"]].rename(columns={"tj": "prev"})
        reached.append(chains[["user_id"]].assign(level=j + 1))
    levels = pd.concat(reached, ignore_index=True).groupby("user_id")["level"].max()
    counts = np.bincount(levels.to_numpy(), minlength=len(STEPS) + 1)
    counts[0] = events["user_id"].nunique() - len(levels)
    return counts


def funnel_duckdb_sql() -> str:
    cases = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STEPS))
    names = ", ".join(f"'{s}'" for s in STEPS)
    parts = [
        f"e AS (SELECT user_id, ts, CASE event {cases} END AS step FROM events "
        f"WHERE event IN ({names}))",
        "c1 AS (SELECT user_id, ts AS t0, ts AS prev FROM e WHERE step = 0)",
    ]
    for j in range(1, len(STEPS)):
        parts.append(
            f"c{j + 1} AS (SELECT c.user_id, c.t0, s.ts AS prev FROM c{j} c "
            f"ASOF JOIN (SELECT user_id, ts FROM e WHERE step = {j}) s "
            f"ON c.user_id = s.user_id AND s.ts >= c.prev "
            f"WHERE s.ts - c.t0 <= {WINDOW_NS})"
        )
    union = " UNION ALL ".join(
        f"SELECT user_id, {j} AS level FROM c{j}" for j in range(1, len(STEPS) + 1)
    )
    parts.append(
        f"lv AS MATERIALIZED (SELECT user_id, max(level) AS level FROM ({union}) "
        "GROUP BY user_id)"
    )
    return (
        "WITH " + ",\n".join(parts) + "\n"
        "SELECT level, count(*) AS users FROM lv GROUP BY level\n"
        "UNION ALL SELECT 0, (SELECT count(DISTINCT user_id) FROM events) - "
        "(SELECT count(*) FROM lv)"
    )


def funnel_duckdb(con) -> np.ndarray:
    rows = con.sql(funnel_duckdb_sql()).fetchall()
    counts = np.zeros(len(STEPS) + 1, dtype=np.int64)
    for level, users in rows:
        counts[int(level)] = int(users)
    return counts


def funnel_polars(events) -> np.ndarray:
    import polars as pl

    # eager: faster than the lazy plan here; comparing the Categorical column with
    # the step names avoids casting 10M values to strings
    window = WINDOW.to_pytimedelta()
    per_step = [
        events.filter(pl.col("event") == s)
        .select("user_id", pl.col("timestamp").alias("tj"))
        .sort("tj")
        for s in STEPS
    ]
    chains = per_step[0].select(
        "user_id", pl.col("tj").alias("t0"), pl.col("tj").alias("prev")
    )
    reached = [chains.select("user_id", pl.lit(1, dtype=pl.Int8).alias("level"))]
    for j in range(1, len(STEPS)):
        m = chains.sort("prev").join_asof(
            per_step[j], left_on="prev", right_on="tj", by="user_id",
            strategy="forward", check_sortedness=False,
        )
        chains = m.filter(
            pl.col("tj").is_not_null() & ((pl.col("tj") - pl.col("t0")) <= window)
        ).select("user_id", "t0", pl.col("tj").alias("prev"))
        level = pl.lit(j + 1, dtype=pl.Int8).alias("level")
        reached.append(chains.select("user_id", level))
    levels = (
        pl.concat(reached).group_by("user_id").agg(pl.col("level").max())
        .group_by("level").len()
    )
    counts = np.zeros(len(STEPS) + 1, dtype=np.int64)
    for level, users in levels.iter_rows():
        counts[int(level)] = int(users)
    counts[0] = events["user_id"].n_unique() - int(counts[1:].sum())
    return counts


LOADERS = {
    "sostac": load_sostac, "pandas": load_pandas, "duckdb": load_duckdb,
    "polars": load_polars,
}
RUNNERS = {
    ("kpi", "sostac"): kpi_sostac, ("kpi", "pandas"): kpi_pandas,
    ("kpi", "duckdb"): kpi_duckdb, ("kpi", "polars"): kpi_polars,
    ("funnel", "sostac"): funnel_sostac, ("funnel", "pandas"): funnel_pandas,
    ("funnel", "duckdb"): funnel_duckdb, ("funnel", "polars"): funnel_polars,
}


# ============================================================================ results


def tidy_from_wide(wide: pd.DataFrame) -> pd.DataFrame:
    """(period, channel, measure sums, KPI values) -> tidy rows per KPI."""
    parts = []
    for kpi, (num, den) in KPI_PARTS.items():
        n = wide[num].to_numpy(dtype=float)
        d = wide[den].to_numpy(dtype=float)
        v = np.where(d != 0, wide[kpi].to_numpy(dtype=float), np.nan)
        parts.append(
            pd.DataFrame(
                {
                    "period": wide["period"].to_numpy(),
                    "channel": wide["channel"].astype(str).to_numpy(),
                    "kpi": kpi, "value": v, "numerator": n, "denominator": d,
                }
            )
        )
    return tidy_sorted(pd.concat(parts, ignore_index=True))


def tidy_sorted(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["period"] = pd.to_datetime(df["period"]).astype("datetime64[ns]")
    df["channel"] = df["channel"].astype(str)
    df["kpi"] = df["kpi"].astype(str)
    return df.sort_values(["period", "channel", "kpi"]).reset_index(drop=True)


def normalise(workload: str, engine: str, out):
    """The engine's result in the common form used by the checks."""
    if workload == "funnel":
        if engine == "sostac":
            levels, counts = out
            keep = levels if len(levels) <= SMALL else None
            return {"counts": np.asarray(counts, dtype=np.int64), "levels": keep}
        return {"counts": np.asarray(out, dtype=np.int64)}
    if engine == "sostac":
        return {"tidy": tidy_sorted(out), "full": out if len(out) <= SMALL else None}
    if engine == "polars":
        out = out.to_pandas()
    return {"tidy": tidy_from_wide(out)}


# ============================================================================ worker


def worker(args) -> None:
    """Load one workload's data for one engine, time it, write a pickle."""
    workload, engine = args.worker.split(":")
    name = "daily" if workload == "kpi" else "events"
    native = LOADERS[engine](Path(args.data) / f"{name}.parquet", args.threads)
    run = RUNNERS[(workload, engine)]
    info = {}
    if engine == "polars":
        import polars as pl

        info["threads"] = pl.thread_pool_size()
    elif engine == "duckdb":
        query = "SELECT current_setting('threads')"
        info["threads"] = native.execute(query).fetchall()[0][0]
    elif engine == "sostac":
        import sostac

        info["threads"] = sostac.get_num_threads()
    else:
        info["threads"] = 1
    gc.collect()
    exact = reset_peak_rss()
    base = rss_mib()
    best, out = float("inf"), None
    for _ in range(args.repeats):
        out = None
        t0 = time.perf_counter()
        out = run(native)
        best = min(best, time.perf_counter() - t0)
    peak = peak_rss_mib(exact)
    result = {
        "seconds": best,
        "rss_delta_mib": max(peak - base, 0.0),
        "rss_exact": exact,
        "info": info,
        "result": normalise(workload, engine, out),
    }
    with open(args.out, "wb") as f:
        pickle.dump(result, f)


def run_worker(workload, engine, data_dir: Path, args) -> dict:
    out = data_dir / f"result-{workload}-{engine}.pkl"
    env = dict(os.environ)
    env["POLARS_MAX_THREADS"] = str(args.threads)
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--worker", f"{workload}:{engine}",
        "--data", str(data_dir), "--threads", str(args.threads),
        "--repeats", str(args.repeats), "--out", str(out),
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"],
                "stderr": proc.stderr, "wall": wall}
    with open(out, "rb") as f:
        res = pickle.load(f)
    res["wall"] = wall
    return res


# ============================================================================ checks


def compare_tidy(got: pd.DataFrame, want: pd.DataFrame, cols=("value", "numerator",
                 "denominator"), rel=1e-9) -> str | None:
    """None if equal (keys exactly, numbers to `rel`), else a description."""
    keys = ["period", "channel", "kpi"]
    if len(got) != len(want) or not got[keys].equals(want[keys]):
        merged = got[keys].merge(want[keys], how="outer", indicator=True)
        extra = (merged["_merge"] == "left_only").sum()
        missing = (merged["_merge"] == "right_only").sum()
        return f"group keys differ ({extra} extra, {missing} missing rows)"
    for col in cols:
        a = got[col].to_numpy(dtype=float)
        b = want[col].to_numpy(dtype=float)
        both_nan = np.isnan(a) & np.isnan(b)
        with np.errstate(invalid="ignore"):
            close = np.abs(a - b) <= rel * np.maximum(np.abs(a), np.abs(b))
            ok = both_nan | (a == b) | close
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            return (f"{col}: {int((~ok).sum())} of {len(ok)} differ, e.g. "
                    f"{tuple(got.loc[i, keys])}: {a[i]!r} vs {b[i]!r}")
    return None


def compare_full_kpi(got: pd.DataFrame, want: pd.DataFrame) -> str | None:
    """sostac's full tidy table vs metrics_reference.kpi_table."""
    if list(got.columns) != list(want.columns):
        return f"columns {list(got.columns)} != {list(want.columns)}"
    g = got.assign(channel=got["channel"].astype(str)).reset_index(drop=True)
    w = want.assign(channel=want["channel"].astype(str)).reset_index(drop=True)
    for col in ["period", "channel", "kpi", "interval", "rows"]:
        if g[col].astype(str).tolist() != w[col].astype(str).tolist():
            return f"column {col} differs (row order or values)"
    return compare_tidy(g, w, cols=("value", "low", "high", "numerator", "denominator"))


def check_result(workload, res, yard, yard_name) -> str | None:
    if workload == "funnel":
        a, b = res["counts"], yard["counts"]
        if not np.array_equal(a, b):
            return f"counts {a.tolist()} != {yard_name} {b.tolist()}"
        return None
    msg = compare_tidy(res["tidy"], yard["tidy"])
    return None if msg is None else f"vs {yard_name}: {msg}"


def reference_results(daily, events):
    """metrics_reference answers on small inputs (parent process, untimed)."""
    kpi_full = ref.kpi_table(daily, KPIS, by=("channel",), period="week", time="date")
    levels = ref.funnel_levels(events, STEPS, window=WINDOW)
    greedy = ref.funnel_levels_greedy(events, STEPS, window=WINDOW)
    assert levels.equals(greedy), "metrics_reference: the two funnel references differ"
    return {
        "kpi": {"tidy": tidy_sorted(kpi_full[["period", "channel", "kpi", "value",
                                               "numerator", "denominator"]]),
                "full": kpi_full},
        "funnel": {"counts": np.bincount(levels.to_numpy(), minlength=len(STEPS) + 1),
                   "levels": levels},
    }


# ============================================================================ report


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "not installed"


def fmt_s(s) -> str:
    if s is None:
        return "-"
    return f"{s:.3f}" if s < 10 else f"{s:.2f}"


def available(engine: str) -> str | None:
    """None if the engine can run, else why not."""
    if engine == "sostac":
        try:
            import sostac.metrics  # noqa: F401
        except ImportError as exc:
            return f"sostac.metrics not importable ({exc})"
        return None
    pkg = {"pandas": "pandas", "duckdb": "duckdb", "polars": "polars"}[engine]
    if importlib.util.find_spec(pkg) is None or importlib.util.find_spec("pyarrow") is None:
        return f"{pkg} or pyarrow not installed"
    return None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int)
    p.add_argument("--events", type=int)
    p.add_argument("--users", type=int)
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--engines", default=",".join(ENGINES))
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--quick", action="store_true", help="tiny smoke run")
    p.add_argument("--skip-sostac", action="store_true")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--keep-data", metavar="DIR", help="write the Parquet inputs here")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args)
        return 0

    sizes = dict(QUICK if args.quick else FULL)
    for key in sizes:
        if getattr(args, key) is not None:
            sizes[key] = getattr(args, key)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    if set(workloads) - set(WORKLOADS):
        p.error(f"unknown workloads {sorted(set(workloads) - set(WORKLOADS))}")
    if args.skip_sostac and "sostac" in engines:
        engines.remove("sostac")
    unknown = set(engines) - set(ENGINES)
    if unknown:
        p.error(f"unknown engines {sorted(unknown)}")
    notes = []
    for e in list(engines):
        why = available(e)
        if why is not None:
            if e == "sostac":
                p.error(f"{why}; build it, or run with --skip-sostac")
            notes.append(f"{e} left out: {why}")
            engines.remove(e)

    load0 = os.getloadavg()
    print("sostac.metrics benchmark vs pandas / DuckDB / polars")
    print(f"  machine : {cpu_model()}; {os.cpu_count()} logical CPUs, "
          f"{len(os.sched_getaffinity(0))} usable by this process")
    print(f"  threads : {args.threads} for every engine (sostac.set_num_threads, DuckDB "
          "SET threads, POLARS_MAX_THREADS); pandas is single-threaded")
    print(f"  versions: Python {platform.python_version()}, numpy {np.__version__}, "
          f"pandas {pd.__version__}, pyarrow {version('pyarrow')}, duckdb "
          f"{version('duckdb')}, polars {version('polars')}, sostac {version('sostac')}")
    print(f"  inputs  : kpi {sizes['rows']:,} daily rows; funnel {sizes['events']:,} "
          f"events of {sizes['users']:,} users, window {WINDOW}; seed {args.seed}")
    print(f"  timing  : best of {args.repeats}, fresh process per engine and workload; "
          "load avg at start {:.2f} {:.2f} {:.2f}".format(*load0))
    for note in notes:
        print(f"  note    : {note}")
    sys.stdout.flush()

    data_dir = Path(args.keep_data) if args.keep_data else Path(
        tempfile.mkdtemp(prefix="sostac-bench-")
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        daily = ref.make_daily(sizes["rows"], seed=args.seed)
        events = ref.make_events(sizes["events"], sizes["users"], STEPS, seed=args.seed + 1)
        daily.to_parquet(data_dir / "daily.parquet")
        events.to_parquet(data_dir / "events.parquet")
        print(f"  data    : generated and written in {time.perf_counter() - t0:.1f} s "
              f"({data_dir})", flush=True)
        small = args.quick or max(sizes["rows"], sizes["events"]) <= SMALL
        reference = reference_results(daily, events) if small else None
        del daily, events
        gc.collect()

        results: dict[tuple[str, str], dict] = {}
        for workload in workloads:
            for engine in engines:
                print(f"running {workload:<6} {engine:<7} ...", end=" ", flush=True)
                res = run_worker(workload, engine, data_dir, args)
                results[(workload, engine)] = res
                if "error" in res:
                    print(f"FAILED: {res['error'][0]}", flush=True)
                else:
                    print(f"{fmt_s(res['seconds'])} s (process {res['wall']:.1f} s)",
                          flush=True)
    finally:
        if not args.keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)

    # ------------------------------------------------------------------ checks
    failures = []
    rows = []
    for workload in workloads:
        yard_engine = "sostac" if "sostac" in engines else "pandas"
        yard = results.get((workload, yard_engine), {}).get("result")
        base_s = results.get((workload, "sostac"), {}).get("seconds")
        for engine in engines:
            res = results[(workload, engine)]
            if "error" in res:
                failures.append(f"{workload}/{engine}: worker failed\n{res['stderr']}")
                rows.append((workload, engine, None, "-", "-", "-", "ERROR"))
                continue
            problems = []
            if engine != yard_engine and yard is not None:
                msg = check_result(workload, res["result"], yard, yard_engine)
                if msg:
                    problems.append(msg)
            if reference is not None:
                msg = check_result(workload, res["result"], reference[workload],
                                   "metrics_reference")
                if msg:
                    problems.append(msg)
                if engine == "sostac" and workload == "kpi":
                    msg = compare_full_kpi(res["result"]["full"], reference["kpi"]["full"])
                    if msg:
                        problems.append(f"full table vs metrics_reference: {msg}")
                if engine == "sostac" and workload == "funnel":
                    lv, want = res["result"]["levels"], reference["funnel"]["levels"]
                    if not (lv.index.equals(want.index) and
                            np.array_equal(lv.to_numpy(), want.to_numpy()) and
                            lv.name == "level"):
                        problems.append("funnel_levels Series differs from "
                                        "metrics_reference (values, index order or name)")
            checked = [yard_engine if engine != yard_engine else None,
                       "reference" if reference is not None else None]
            checked = "+".join(c for c in checked if c) or "(yardstick)"
            status = "ok vs " + checked if not problems else "MISMATCH"
            if engine == yard_engine and reference is None and not problems:
                status = "yardstick"
            failures += [f"{workload}/{engine}: {m}" for m in problems]
            ratio = f"{res['seconds'] / base_s:.1f}x" if base_s else "-"
            mem = f"{'' if res['rss_exact'] else '~'}{res['rss_delta_mib']:.0f}"
            threads = res["info"].get("threads", "?")
            rows.append((workload, engine, res["seconds"], ratio, mem, threads, status))

    print()
    header = ("workload", "engine", "seconds", "vs sostac", "peak RSS +MiB", "threads",
              "check")
    widths = [8, 7, 9, 9, 13, 7, 24]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        cells = [r[0], r[1], fmt_s(r[2]), r[3], r[4], str(r[5]), r[6]]
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths)))
    print()
    print("seconds: best of", args.repeats, "runs of the workload in a fresh process; "
          "'vs sostac' = engine seconds / sostac seconds (higher = sostac faster).")
    print("peak RSS +MiB: peak resident memory during the runs above the resident "
          "memory before them (~ = lower bound, see docstring).")
    print("kpi: sostac also computes intervals and row counts; the other engines only "
          "the sums and values. funnel: counts of users per level 0..4 compared exactly.")
    if failures:
        print("\nCHECK FAILURES:")
        for f in failures:
            print("  " + f)
        raise AssertionError(f"{len(failures)} check(s) failed")
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
