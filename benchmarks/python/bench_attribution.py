#!/usr/bin/env python3
"""Attribution benchmark: building the path table from a touchpoint log, and the
models on it, against pandas, DuckDB and (in its test-only environment)
ChannelAttribution, on identical inputs.

Workloads (defaults; ``--quick`` divides the sizes by 50):

* paths: 10M touchpoints of 1M users, 12 channels, about 8 % of them conversions
  (each conversion row carries the channel of its session, as the demo's log does),
  a 30-day lookback. sostac: ``sostac.attribution.paths``. pandas: sort, a journey
  number per user from the running conversion count, the lookback filter against
  the journey's end, ``groupby(...).agg(" > ".join)``, then a groupby per path.
  DuckDB: the same in one SQL query (window ``SUM`` for the journey number,
  ``string_agg(channel, ' > ' ORDER BY ...)``) on a native table.
* models on the resulting path table: heuristics (first, last, linear), Markov order
  1 and 2 (exact), Shapley (the conversions game, exact). ChannelAttribution's
  ``heuristic_models`` and ``markov_model`` (simulated) run on the same table when
  ``.venv-ca`` exists (``scripts/make_attribution_venv.sh``); its removal effects are
  compared with sostac's exact ones (their Monte Carlo error is printed, not
  asserted).

Threads: ``sostac.set_num_threads(T)`` and DuckDB ``SET threads = T``; pandas is
single-threaded. Best of R runs of ``time.perf_counter``. Checks: the three engines'
path tables are equal (paths, conversions, nulls exactly, value to 1e-9); every
model's conversions sum to the total. A failed check exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import sostac
from sostac import attribution as at

ROOT = Path(__file__).resolve().parents[2]
CA = ROOT / ".venv-ca" / "bin" / "python"
LOOKBACK_DAYS = 30


def make_log(rows: int, users: int, channels: int, seed: int) -> pd.DataFrame:
    """Touches of `users` users over a year; each row converts with probability 8 %
    (no two rows of a user at the same second)."""
    rng = np.random.default_rng(seed)
    names = np.array([f"ch{i:02d}" for i in range(channels)])
    weight = rng.dirichlet(np.full(channels, 2.0))
    user = rng.integers(0, users, rows)
    # distinct times per user: a random second of the year plus the row's rank
    t = rng.integers(0, 365 * 86400, rows).astype(np.int64) * 16 + rng.integers(0, 16, rows)
    order = np.lexsort((t, user))
    user, t = user[order], t[order]
    dup = np.r_[False, (user[1:] == user[:-1]) & (t[1:] == t[:-1])]
    t[dup] += 1  # (rare) exact ties moved by a sixteenth of a second
    conv = rng.random(rows) < 0.08
    value = np.where(conv, np.round(rng.gamma(2.0, 30.0, rows), 2), 0.0)
    start = np.datetime64("2026-01-01T00:00:00", "ns").astype(np.int64)
    stamp = (start + t * (10**9 // 16)).view("M8[ns]")
    return pd.DataFrame({"user_id": user, "timestamp": stamp,
                         "channel": names[rng.choice(channels, rows, p=weight)],
                         "conversion": conv.astype(np.int8), "value": value})


def best(fn, repeats: int):
    out, times = None, []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


# -- the path table three ways -----------------------------------------------------------

def sostac_paths(log: pd.DataFrame) -> pd.DataFrame:
    return at.paths(log, value="value", lookback=f"{LOOKBACK_DAYS}D")


def pandas_paths(log: pd.DataFrame) -> pd.DataFrame:
    d = log.sort_values(["user_id", "timestamp"], kind="stable")
    conv = d["conversion"].to_numpy()
    journey = d.groupby("user_id", sort=False)["conversion"].cumsum().to_numpy() - conv
    d = d.assign(journey=journey)
    g = d.groupby(["user_id", "journey"], sort=False)
    end = g["timestamp"].transform("max")
    d = d[(end - d["timestamp"]) <= pd.Timedelta(days=LOOKBACK_DAYS)]
    g = d.groupby(["user_id", "journey"], sort=False)
    j = g.agg(path=("channel", " > ".join), converted=("conversion", "max"),
              value=("value", "sum"))
    t = j.groupby("path").agg(conversions=("converted", "sum"), value=("value", "sum"),
                              journeys=("converted", "size"))
    t["nulls"] = t["journeys"] - t["conversions"]
    return t.drop(columns="journeys").reset_index()


DUCKDB_SQL = f"""
WITH j AS (
  SELECT user_id, timestamp, channel, conversion, value,
         SUM(conversion) OVER (PARTITION BY user_id ORDER BY timestamp
                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
           - conversion AS journey
  FROM t),
e AS (
  SELECT *, MAX(timestamp) OVER (PARTITION BY user_id, journey) AS journey_end FROM j),
p AS (
  SELECT string_agg(channel, ' > ' ORDER BY timestamp) AS path,
         MAX(conversion) AS converted, SUM(value) AS value
  FROM e WHERE journey_end - timestamp <= INTERVAL {LOOKBACK_DAYS} DAY
  GROUP BY user_id, journey)
SELECT path, SUM(converted)::DOUBLE AS conversions, SUM(value) AS value,
       (COUNT(*) - SUM(converted))::DOUBLE AS nulls
FROM p GROUP BY path
"""


def duckdb_paths(con) -> pd.DataFrame:
    return con.execute(DUCKDB_SQL).df()


def same_tables(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    a = a.sort_values("path").reset_index(drop=True)
    b = b.sort_values("path").reset_index(drop=True)
    if len(a) != len(b) or not (a["path"].to_numpy() == b["path"].to_numpy()).all():
        return False
    for c in ("conversions", "nulls"):
        if not np.array_equal(a[c].to_numpy(float), b[c].to_numpy(float)):
            return False
    v, w = a["value"].to_numpy(float), b["value"].to_numpy(float)
    return bool(np.all(np.abs(v - w) <= 1e-9 * np.maximum(1.0, np.abs(w))))


# -- ChannelAttribution in its environment -------------------------------------------------

CA_SCRIPT = r"""
import json, sys, time
import pandas as pd
import ChannelAttribution as ca
t = pd.read_csv(sys.argv[1])
from importlib.metadata import version
out = {"version": version("ChannelAttribution")}
t0 = time.perf_counter()
h = ca.heuristic_models(t, "path", "conversions", var_value="value", sep=">")
out["heuristic_s"] = time.perf_counter() - t0
for order in (1, 2):
    t0 = time.perf_counter()
    m = ca.markov_model(t, "path", "conversions", var_value="value", var_null="nulls",
                        order=order, sep=">", seed=1, verbose=0)
    out[f"markov{order}_s"] = time.perf_counter() - t0
    res = m["result"] if isinstance(m, dict) else m
    out[f"markov{order}"] = dict(zip(res["channel_name"], res["total_conversions"]))
print(json.dumps(out))
"""


def run_ca(table: pd.DataFrame):
    if not CA.exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        f = os.path.join(tmp, "paths.csv")
        table.to_csv(f, index=False)
        proc = subprocess.run([str(CA), "-c", CA_SCRIPT, f], capture_output=True, text=True)
    if proc.returncode != 0:
        print("ChannelAttribution failed:", proc.stderr.strip().splitlines()[-1:])
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- exact Shapley over 15 channels (models part) ------------------------------------------

def bench_shapley(args) -> bool:
    """Exact Shapley values over 15 channels on a path table of 1M distinct paths
    (``--quick``: 20k), both worths, against a numpy reference on the same arrays
    (the conversions game from a paths x channels presence matrix; the
    rate game as bincounts per channel set, a reshaped subset-sum and the Shapley sum
    over the 2^15 coalitions). Best of R wall and CPU seconds; answers must agree to
    1e-9."""
    import math

    from sostac._core import attribution as core
    from sostac.attribution._table import encode

    n_paths = 1_000_000 // (50 if args.quick else 1)
    n_ch = 15
    rng = np.random.default_rng(args.seed + 15)
    names = np.array([f"ch{i:02d}" for i in range(n_ch)], dtype=object)
    weight = rng.dirichlet(np.full(n_ch, 1.5))
    want = 3 * n_paths  # duplicates merged below, then the first n_paths kept
    lengths = np.minimum(rng.geometric(0.2, want), 15)
    steps = rng.choice(n_ch, lengths.sum(), p=weight)
    ends = np.cumsum(lengths)
    tokens = names[steps]
    text = [" > ".join(tokens[e - k:e])
            for e, k in zip(ends.tolist(), lengths.tolist())]
    conv = rng.poisson(0.4 * np.sqrt(lengths)).astype(float)
    table = pd.DataFrame({"path": text, "conversions": conv,
                          "value": np.round(conv * rng.gamma(2.0, 30.0, want), 2),
                          "nulls": rng.poisson(2.0, want).astype(float)})
    table = table.groupby("path", as_index=False, sort=False).sum().iloc[:n_paths]
    e = encode(table)
    args_ = (e.offsets, e.steps, e.conversions, e.value, e.nulls, len(e.channels))
    print(f"shapley: {len(table):,} distinct paths, {len(e.channels)} channels, "
          f"{len(e.steps):,} touches; load {os.getloadavg()[0]:.1f}")

    def timed(fn):
        best_wall, best_cpu, out = float("inf"), float("inf"), None
        for _ in range(args.repeats):
            w0, c0 = time.perf_counter(), time.process_time()
            out = fn()
            best_wall = min(best_wall, time.perf_counter() - w0)
            best_cpu = min(best_cpu, time.process_time() - c0)
        return best_wall, best_cpu, out

    def ref_conversions():
        path = np.repeat(np.arange(len(table)), np.diff(e.offsets.astype(np.int64)))
        present = np.zeros((len(table), n_ch), dtype=bool)
        present[path, e.steps] = True
        share = e.conversions / present.sum(axis=1)
        return share @ present

    def ref_rate():
        size = 1 << n_ch
        mask = np.bitwise_or.reduceat(np.left_shift(1, e.steps.astype(np.int64)),
                                      e.offsets[:-1].astype(np.int64))
        c = np.bincount(mask, weights=e.conversions, minlength=size)
        j = np.bincount(mask, weights=e.conversions + e.nulls, minlength=size)
        for f in (c, j):
            for b in range(n_ch):
                r = f.reshape(-1, 2, 1 << b)
                r[:, 1, :] += r[:, 0, :]
        v = np.divide(c, j, out=np.zeros(size), where=j > 0)
        pop = np.array([bin(m).count("1") for m in range(size)])
        w = np.array([1.0 / (n_ch * math.comb(n_ch - 1, s)) for s in range(n_ch)])
        phi = np.empty(n_ch)
        for i in range(n_ch):
            r = v.reshape(-1, 2, 1 << i)
            without = pop.reshape(-1, 2, 1 << i)[:, 0, :]
            phi[i] = float((w[without] * (r[:, 1, :] - r[:, 0, :])).sum())
        return phi

    ok = True
    t_enc, c_enc, _ = timed(lambda: encode(table))
    print(f"encode (path text to arrays, shared by every model): {t_enc:.3f} s, cpu "
          f"{c_enc:.3f} s")
    print("shapley, 15 channels        full s   cpu s  kernel s  numpy s  x numpy")
    for worth, ref, key in (("conversions", ref_conversions, "conversions"),
                            ("rate", ref_rate, "shapley_value")):
        t_full, c_full, frame = timed(lambda: at.shapley(table, worth=worth))
        t_kern, _, res = timed(lambda: core.shapley(*args_, worth))
        t_ref, _, exp = timed(ref)
        if not np.allclose(res[key], exp, rtol=1e-9, atol=1e-12) or not np.isclose(
                frame["conversions"].sum(), table["conversions"].sum(), rtol=1e-9):
            print(f"CHECK FAILED: shapley worth={worth} differs from the numpy reference")
            ok = False
        print(f"worth={worth:<12} {t_full:14.3f} {c_full:7.3f} {t_kern:9.4f} {t_ref:8.3f} "
              f"{t_ref / t_kern:8.1f}")
    t_ord, _, _ = timed(lambda: at.shapley(table, ordered=True))
    print(f"ordered (Zhao et al.)   {t_ord:14.3f}")
    print("(full: sostac.attribution.shapley on the DataFrame, path text parsed; kernel: "
          "the C++ call on the encoded arrays)\n")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--channels", type=int, default=12)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--no-pandas", action="store_true", help="skip the (slow) pandas side")
    ap.add_argument("--quick", action="store_true", help="sizes / 50, one repeat")
    args = ap.parse_args()
    if args.quick:
        args.rows //= 50
        args.users //= 50
        args.repeats = 1
    sostac.set_num_threads(args.threads)
    log = make_log(args.rows, args.users, args.channels, args.seed)
    print(f"bench_attribution: {args.rows:,} touchpoints, {args.users:,} users, "
          f"{args.channels} channels, {args.threads} threads, best of {args.repeats}; "
          f"{platform.machine()}, {os.cpu_count()} CPUs\n")
    ok = True
    t_s, ours = best(lambda: sostac_paths(log), args.repeats)
    rows = [("sostac", t_s)]
    try:
        import duckdb

        con = duckdb.connect()
        con.execute(f"SET threads = {args.threads}")
        con.register("src", log)
        con.execute("CREATE TABLE t AS SELECT * FROM src")
        t_d, theirs = best(lambda: duckdb_paths(con), args.repeats)
        rows.append(("duckdb", t_d))
        if not same_tables(ours, theirs):
            print("CHECK FAILED: DuckDB's path table differs from sostac's")
            ok = False
    except ImportError:
        print("(duckdb not installed)")
    if not args.no_pandas:
        t_p, ref = best(lambda: pandas_paths(log), 1)
        rows.append(("pandas", t_p))
        if not same_tables(ours, ref):
            print("CHECK FAILED: pandas' path table differs from sostac's")
            ok = False
    print("paths        seconds  x sostac")
    for name, t in rows:
        print(f"{name:<10} {t:9.3f} {t / t_s:9.1f}")
    print(f"\npath table: {len(ours):,} distinct paths, {ours['conversions'].sum():,.0f} "
          f"conversions, {ours['nulls'].sum():,.0f} nulls\n")

    total = float(ours["conversions"].sum())
    timings = {}
    for name, fn in (("heuristics (first, last, linear)",
                      lambda: at.heuristic(ours, models=("first", "last", "linear"))),
                     ("markov order 1", lambda: at.markov(ours, order=1)),
                     ("markov order 2", lambda: at.markov(ours, order=2)),
                     ("shapley (conversions game)", lambda: at.shapley(ours))):
        t, res = best(fn, args.repeats)
        timings[name] = t
        frame = res.removal_effects if hasattr(res, "removal_effects") else res
        sums = [frame[c].sum() for c in frame.columns if c.endswith("conversions")]
        if not all(abs(s - total) <= 1e-9 * total for s in sums):
            print(f"CHECK FAILED: {name}: conversions do not sum to the total")
            ok = False
    ca_out = run_ca(ours)
    print("models on the path table       sostac s   ChannelAttribution s   x")
    pairs = {"heuristics (first, last, linear)": "heuristic_s", "markov order 1": "markov1_s",
             "markov order 2": "markov2_s"}
    for name, t in timings.items():
        other = ca_out.get(pairs.get(name, ""), None) if ca_out else None
        ratio = f"{other / t:8.1f}" if other else "       -"
        print(f"{name:<30} {t:9.3f} {other if other else float('nan'):18.3f} {ratio}")
    if ca_out:
        exact = at.markov(ours, order=1).removal_effects.set_index("channel")["conversions"]
        diff = max(abs(ca_out["markov1"].get(c, 0.0) - v) / max(v, 1.0)
                   for c, v in exact.items())
        print(f"\nChannelAttribution {ca_out['version']}: its simulated order-1 conversions "
              f"differ from the exact ones by up to {diff:.1%} of a channel's")
    else:
        print("\n(no .venv-ca: bash scripts/make_attribution_venv.sh for the "
              "ChannelAttribution side)")
    ok = bench_shapley(args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
