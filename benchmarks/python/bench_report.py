"""Time `sostac report` on the shipped demo and on a 10-million-row event log, with
the share of time per step.

Run from the repository root:

    .venv/bin/python benchmarks/python/bench_report.py             # demo + 10M rows
    .venv/bin/python benchmarks/python/bench_report.py --rows 200000 --repeats 1

Options: ``--rows N`` (event-log rows, default 10,000,000), ``--repeats R`` (best of
R, default 3), ``--threads T`` (sostac's threads, default all CPUs), ``--seed S``,
``--keep-data DIR`` (where the generated log is written, default build/bench).

Workloads:

(1) demo: the plan and daily aggregate shipped in the package (``sostac demo``'s
    input: ``sostac/data/demo_plan.yaml``, ``demo_daily.csv``, 8 channels x 181 days).
(2) events: the same plan over a row-level log of N sessions (one row per session:
    timestamp with time of day, channel, variant, and per-session measures:
    impressions, clicks, visitors, sessions = 1, bounces, orders, revenue, cost,
    customers, repeat_customers), drawn with a fixed seed so that each channel's
    rates follow the demo's daily aggregate: each row picks a (day, channel, variant)
    cell of the demo with probability proportional to its sessions and draws its
    measures from that cell's per-session rates. Read from Parquet and from CSV.

Steps timed (``time.perf_counter``, best of R and the first of them, which pays for
lazy imports and cold caches; each step as `sostac report` runs it):
read (``sostac.report.read_data``: the file into pandas, dates parsed), validate,
schedule, control (``sostac.control.evaluate``: every objective's roll-up, test,
projection and chart, what works, experiments), render (``Report.to_html``) and write.
Then the whole command once, as a fresh process (``sostac report ... -o``), which
adds Python start-up and imports. There is no other tool that makes this report, so
this benchmark has no reference to compare with; docs/benchmarks.md records the
numbers and the shares.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

import sostac
from sostac.report import build_report, read_data

ROOT = Path(__file__).resolve().parents[2]
MEASURES = ["impressions", "clicks", "visitors", "bounces", "orders", "revenue", "cost",
            "customers", "repeat_customers"]


def demo_inputs():
    data = resources.files("sostac") / "data"
    return str(data / "demo_plan.yaml"), str(data / "demo_daily.csv")


def make_events(daily: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """A row-level log of `rows` sessions whose rates follow the daily aggregate."""
    rng = np.random.default_rng(seed)
    cells = daily[daily["sessions"] > 0].reset_index(drop=True)
    p = cells["sessions"].to_numpy(dtype=float)
    pick = rng.choice(len(cells), size=rows, p=p / p.sum())
    per = {m: (cells[m].to_numpy(dtype=float) / cells["sessions"].to_numpy(dtype=float))[pick]
           for m in MEASURES}
    out = {"date": (cells["date"].to_numpy()[pick]
                    + rng.integers(0, 86400, rows).astype("timedelta64[s]")),
           "channel": pd.Categorical(cells["channel"].to_numpy()[pick]),
           "variant": pd.Categorical(cells["variant"].fillna("").to_numpy()[pick]),
           "sessions": np.ones(rows, dtype=np.int64)}
    for m in ("impressions", "clicks", "orders"):
        out[m] = rng.poisson(per[m])
    out["visitors"] = (rng.random(rows) < np.minimum(per["visitors"], 1)).astype(np.int64)
    out["bounces"] = (rng.random(rows) < np.minimum(per["bounces"], 1)).astype(np.int64)
    aov = np.divide(per["revenue"], per["orders"], out=np.zeros(rows), where=per["orders"] > 0)
    out["revenue"] = np.round(out["orders"] * aov * rng.gamma(4.0, 0.25, rows), 2)
    out["cost"] = np.round(per["cost"], 4)
    out["customers"] = np.minimum(out["orders"], 1)
    share = np.divide(cells["repeat_customers"].to_numpy(dtype=float),
                      cells["customers"].to_numpy(dtype=float),
                      out=np.zeros(len(cells)), where=cells["customers"].to_numpy() > 0)[pick]
    out["repeat_customers"] = out["customers"] * (rng.random(rows) < share)
    return pd.DataFrame(out)


def timed(fn, repeats):
    """(best, first) seconds of `repeats` calls, and the last value."""
    times, value = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return (min(times), times[0]), value


def run(name: str, plan_path: str, data_path: str, repeats: int, out_dir: Path) -> dict:
    plan = sostac.Plan.load(plan_path)
    steps = {}  # step -> (best, first)
    steps["read"], df = timed(lambda: read_data(data_path), repeats)
    runs = []
    for _ in range(repeats):
        rep = build_report(plan, df)
        runs.append(rep.timings)
    for k in runs[0]:
        steps[k] = (min(r[k] for r in runs), runs[0][k])
    steps["render"], html = timed(rep.to_html, repeats)
    target = out_dir / f"report-{name}.html"
    steps["write"], _ = timed(lambda: target.write_text(html, encoding="utf-8"), repeats)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sostac", "report", plan_path, "--data", data_path,
                    "-o", str(target), "--no-progress"], check=True, capture_output=True)
    command = time.perf_counter() - t
    total = sum(v[0] for v in steps.values())
    first = sum(v[1] for v in steps.values())
    print(f"\n{name}: {len(df):,} rows, {os.path.getsize(data_path) / 2**20:,.1f} MiB on "
          f"disk; report {len(html) / 1024:,.0f} KiB")
    print(f"  {'step':<10}{'best s':>10}{'share':>8}{'first s':>10}")
    for k, (v, f) in steps.items():
        print(f"  {k:<10}{v:>10.3f}{100 * v / total:>7.1f}%{f:>10.3f}")
    print(f"  {'sum':<10}{total:>10.3f}{'':>8}{first:>10.3f}")
    print(f"  whole command (fresh process, once): {command:.2f} s")
    return {"name": name, "rows": len(df), "steps": steps, "command": command}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep-data", default=str(ROOT / "build" / "bench"))
    args = ap.parse_args()
    sostac.set_num_threads(args.threads)
    os.environ["SOSTAC_NUM_THREADS"] = str(args.threads)  # for the fresh process
    out_dir = Path(args.keep_data)
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"sostac {sostac.__version__}, {args.threads} thread(s), pandas {pd.__version__}, "
          f"best of {args.repeats}")
    plan_path, daily_path = demo_inputs()
    run("demo", plan_path, daily_path, args.repeats, out_dir)
    parquet = out_dir / f"events-{args.rows}-{args.seed}.parquet"
    csv = parquet.with_suffix(".csv")
    if not parquet.exists() or not csv.exists():
        print(f"\nmaking {args.rows:,} events (not timed) ...", flush=True)
        events = make_events(read_data(daily_path), args.rows, args.seed)
        events.to_parquet(parquet)
        events.to_csv(csv, index=False)
    run("events-parquet", plan_path, str(parquet), args.repeats, out_dir)
    run("events-csv", plan_path, str(csv), args.repeats, out_dir)


if __name__ == "__main__":
    main()
