"""Benchmark sostac.attribution's path builder and heuristics against pandas.

Run from the repository root:

    .venv/bin/python benchmarks/python/bench_attribution_paths.py            # full size
    .venv/bin/python benchmarks/python/bench_attribution_paths.py --quick    # smoke run

Options: ``--rows N`` (touchpoints, default 10,000,000), ``--users N`` (default
1,000,000), ``--threads T`` (default 2), ``--repeats R`` (default 3), ``--seed S``.

Workload (generated once, fixed seed): user ids uniform in 0..N-1, times uniform over
90 days (seconds), 12 channels (categorical), 5 % of the rows conversion sessions (the
converting session is a touch, then the conversion), lookback 30 days. sostac:
``paths(log, lookback="30D")``, then ``heuristic`` (six models). pandas: the same rules
written with sort_values / groupby (each conversion closes the touches since the
previous one within the window; the rest after the last conversion is a null path,
windowed from the last touch), paths joined per (user, segment), then grouped by
path. Checks: the two path tables are equal (paths, conversions, nulls). Time is
``time.perf_counter``, best of R runs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import sostac
from sostac.attribution import heuristic, paths


def make_log(rows: int, users: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "user_id": rng.integers(0, users, rows),
        "timestamp": pd.Timestamp("2027-01-01")
        + pd.to_timedelta(rng.integers(0, 90 * 86400, rows), unit="s"),
        "channel": pd.Categorical.from_codes(rng.integers(0, 12, rows),
                                             [f"ch{i:02d}" for i in range(12)]),
        "conversion": (rng.random(rows) < 0.05).astype(np.uint8)})


def pandas_paths(log: pd.DataFrame, lookback: pd.Timedelta) -> pd.DataFrame:
    """Every row has a channel here: a conversion row is a touch, then the conversion."""
    d = log.assign(channel=log["channel"].astype(str))
    d = d.sort_values(["user_id", "timestamp", "channel"], kind="stable")
    conv_rows = d[d["conversion"] == 1][["user_id", "timestamp"]]
    # segment of a touch: the conversions of its user at strictly earlier times (at equal
    # times touches come first; of several conversions at one time only the first
    # closes a path)
    d["segment"] = d.groupby("user_id")["conversion"].cumsum() - d["conversion"]
    before = d.groupby(["user_id", "timestamp"])["conversion"].cumsum() - d["conversion"]
    d["segment"] -= before  # conversions at the same time do not split the touches
    conv_rows = conv_rows.assign(
        segment=conv_rows.groupby("user_id").cumcount(), conv_time=conv_rows["timestamp"])
    d = d.merge(conv_rows[["user_id", "segment", "conv_time"]], on=["user_id", "segment"],
                how="left")
    last_touch = d.groupby(["user_id", "segment"])["timestamp"].transform("max")
    end = d["conv_time"].fillna(last_touch)
    d = d[d["timestamp"] >= end - lookback]
    g = d.groupby(["user_id", "segment"], sort=False)
    per = pd.DataFrame({"path": g["channel"].agg(" > ".join),
                        "converted": g["conv_time"].first().notna()})
    out = per.groupby("path", sort=False)["converted"].agg(["sum", "size"])
    conv = out["sum"].astype(float)
    return pd.DataFrame({"path": out.index, "conversions": conv.to_numpy(),
                         "nulls": (out["size"] - out["sum"]).astype(float).to_numpy()})


def best(f, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.rows, a.users, a.repeats = 200_000, 20_000, 1
    log = make_log(a.rows, a.users, a.seed)
    sostac.set_num_threads(a.threads)
    t_s, table = best(lambda: paths(log, lookback="30D"), a.repeats)
    t_h, _ = best(lambda: heuristic(table, models=("first", "last", "last_non_direct",
                                                   "linear", "time_decay", "position")),
                  a.repeats)
    t_p, ref = best(lambda: pandas_paths(log, pd.Timedelta("30D")), min(a.repeats, 1))
    mine = table.set_index("path")[["conversions", "nulls"]].sort_index()
    theirs = ref.set_index("path")[["conversions", "nulls"]].sort_index()
    pd.testing.assert_frame_equal(mine, theirs)
    print(f"{a.rows:,} touchpoints, {a.users:,} users, {len(table):,} distinct paths, "
          f"{a.threads} threads")
    print(f"  sostac paths      {t_s:8.2f} s")
    print(f"  pandas paths      {t_p:8.2f} s  ({t_p / t_s:.1f}x)")
    print(f"  sostac heuristics {t_h:8.2f} s  (six models)")


if __name__ == "__main__":
    main()
