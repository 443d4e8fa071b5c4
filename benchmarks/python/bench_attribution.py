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
* models on generated path tables (the issue's sizes; ``--distinct``,
  ``--model-channels``, ``--orders``; ``--models-only`` skips the log): 1M and 10M
  distinct paths over 12 and 100 channels (``make_path_table``, seeded), sostac's
  heuristics and Markov order 1 and 2 end to end from the DataFrame, against
  ChannelAttribution in the same run: a subprocess in its interpreter on the same
  table (a CSV file), timed inside it excluding the read, ``ncore`` = threads. Checks:
  heuristics equal to 1e-9; Markov conversions sum to the total, and the largest
  relative difference of ChannelAttribution's simulated conversions is printed. A
  ChannelAttribution run that would not fit in the available memory is not started
  (said so), one that fails or exceeds ``--ca-timeout`` is reported.
  Quick: ``--models-only --distinct 100000 --model-channels 12 --repeats 1``.

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


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


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


# -- the path table three ways -----------------------------------------------------------

def sostac_paths(log: pd.DataFrame, presorted: bool = False) -> pd.DataFrame:
    return at.paths(log, value="value", lookback=f"{LOOKBACK_DAYS}D", presorted=presorted)


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
from importlib.metadata import version
path, threads, orders, heuristics = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
t = pd.read_csv(path)  # IO: not timed
out = {"version": version("ChannelAttribution"), "rows": len(t)}
if heuristics == "1":
    t0 = time.perf_counter()
    h = ca.heuristic_models(t, "path", "conversions", var_value="value", sep=">",
                            flg_pro=False)
    out["heuristic_s"] = time.perf_counter() - t0
    out["heuristic"] = {m: dict(zip(h["channel_name"], h[m + "_touch_conversions"]))
                        for m in ("first", "last", "linear")}
for order in [int(o) for o in orders.split(",") if o]:
    t0 = time.perf_counter()
    m = ca.markov_model(t, "path", "conversions", var_value="value", var_null="nulls",
                        order=order, sep=">", ncore=threads, seed=1, verbose=0,
                        flg_pro=False)
    out[f"markov{order}_s"] = time.perf_counter() - t0
    res = m["result"] if isinstance(m, dict) else m
    out[f"markov{order}"] = dict(zip(res["channel_name"], res["total_conversions"]))
    print(json.dumps(out), flush=True)  # what finished, should a later order fail
print(json.dumps(out))
"""


def ca_python(arg) -> Path:
    """The ChannelAttribution interpreter: --ca-python, else this checkout's .venv-ca,
    else the main checkout's (a git worktree shares it)."""
    if arg:
        return Path(arg)
    for root in (ROOT, ROOT.parent / "main"):
        if (root / ".venv-ca" / "bin" / "python").exists():
            return root / ".venv-ca" / "bin" / "python"
    return CA


def run_ca(table: pd.DataFrame, *, python: Path = CA, threads: int = 1,
           orders=(1, 2), heuristics: bool = True, timeout: float = 1800):
    """ChannelAttribution on `table` in its interpreter (a subprocess reading the same
    table from a CSV file; its times are measured inside it, excluding the read).
    Returns its JSON (what finished) and a note when it failed or was stopped."""
    if not Path(python).exists():
        return None, "no .venv-ca (bash scripts/make_attribution_venv.sh)"
    with tempfile.TemporaryDirectory() as tmp:
        f = os.path.join(tmp, "paths.csv")
        try:
            import pyarrow as pa
            import pyarrow.csv as pacsv

            pacsv.write_csv(pa.Table.from_pandas(table[["path", "conversions", "value",
                                                        "nulls"]], preserve_index=False), f)
        except ImportError:  # pragma: no cover
            table.to_csv(f, index=False)
        cmd = [str(python), "-c", CA_SCRIPT, f, str(threads),
               ",".join(str(o) for o in orders), "1" if heuristics else "0"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            stdout, note = proc.stdout, None
            if proc.returncode != 0:
                tail = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
                note = f"failed (exit {proc.returncode}: {tail[:120]})"
        except subprocess.TimeoutExpired as e:
            stdout = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            note = f"stopped after {timeout:.0f} s"
    lines = [ln for ln in stdout.strip().splitlines() if ln.startswith("{")]
    return (json.loads(lines[-1]) if lines else None), note


# -- models on generated path tables (the sizes) ------------------------------------

def make_path_table(n: int, channels: int, seed: int) -> pd.DataFrame:
    """`n` distinct paths over `channels` channels (names of 4 characters joined by
    " > "), generated directly as a path table: lengths geometric (mean about 5,
    at most 16, or 9 with more than 12 channels), channels drawn with Dirichlet
    weights; journeys per path 1 + Poisson(2), converting with a probability that
    depends on the path's channels; value = conversions x Gamma(2, 30). The path column
    is Arrow-backed (pandas' str dtype), as read_csv / read_parquet give it."""
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    C = channels
    lmax = 16 if C <= 12 else 9  # (C + 1) ** lmax < 2 ** 63: a path's key is exact
    weight = rng.dirichlet(np.full(C, 1.5))
    effect = rng.normal(0.0, 0.6, C)
    base = np.int64(C + 1)
    powers = base ** np.arange(lmax, dtype=np.int64)
    keys, parts = [], []
    have = 0
    while have < n:
        m = max(int((n - have) * 1.5), n // 4) + 1000
        length = np.minimum(rng.geometric(0.2, m), lmax).astype(np.int64)
        off = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(length, out=off[1:])
        codes = rng.choice(C, int(off[-1]), p=weight).astype(np.int64)
        pos = np.arange(off[-1], dtype=np.int64) - np.repeat(off[:-1], length)
        key = np.add.reduceat((codes + 1) * powers[pos], off[:-1])
        keys.append(key)
        parts.append((length, codes))
        allk = np.concatenate(keys)
        _, first = np.unique(allk, return_index=True)
        have = len(first)
    lengths = np.concatenate([p[0] for p in parts])
    codes = np.concatenate([p[1] for p in parts])
    off = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=off[1:])
    keep = np.sort(first)[:n]
    length = lengths[keep]
    take = np.repeat(off[keep], length) + (np.arange(length.sum()) -
                                           np.repeat(np.cumsum(length) - length, length))
    codes = codes[take]
    # text: each touch is 4 name bytes then " > " (none after a path's last touch)
    names = np.frombuffer("".join(f"c{i:03d}" if C > 99 else f"ch{i:02d}"
                                  for i in range(C)).encode(), dtype=np.uint8).reshape(C, 4)
    text_len = 7 * length - 3
    text_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(text_len, out=text_off[1:])
    path_start = np.repeat(text_off[:-1], length)
    within = np.arange(len(codes)) - np.repeat(np.cumsum(length) - length, length)
    at_byte = path_start + 7 * within
    buf = np.empty(int(text_off[-1]), dtype=np.uint8)
    for k in range(4):
        buf[at_byte + k] = names[codes, k]
    last = np.zeros(len(codes), dtype=bool)
    last[np.cumsum(length) - 1] = True
    sep_at = at_byte[~last]
    for k, ch in enumerate(b" > "):
        buf[sep_at + 4 + k] = ch
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(text_off), pa.py_buffer(buf))
    path = pa.table({"path": arr}).to_pandas()["path"]
    score = np.add.reduceat(effect[codes], np.r_[0, np.cumsum(length)[:-1]]) / length
    p = 1.0 / (1.0 + np.exp(-(score - 1.5)))
    journeys = 1 + rng.poisson(2.0, n)
    conv = rng.binomial(journeys, p).astype(np.float64)
    value = np.round(conv * rng.gamma(2.0, 30.0, n), 2)
    return pd.DataFrame({"path": path, "conversions": conv, "value": value,
                         "nulls": (journeys - conv).astype(np.float64)})


def mem_available_gb() -> float:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 2**20
    except OSError:  # pragma: no cover
        pass
    return float("nan")


def rel_diff(ours: dict, theirs: dict) -> float:
    """Max over channels of |theirs - ours| / max(|ours|, 1) (a missing channel is 0)."""
    return max(abs(theirs.get(c, 0.0) - v) / max(abs(v), 1.0) for c, v in ours.items())


def bench_models(sizes, channel_counts, orders, args) -> bool:
    """sostac against ChannelAttribution on generated path tables: heuristics (first,
    last, linear), Markov of each order; end to end from the DataFrame (encoding the
    path text included). Prints times, ratios and the cross-checks; False when a
    check failed."""
    ok = True
    python = ca_python(args.ca_python)
    print(f"models on generated path tables ({args.threads} threads, best of "
          f"{args.repeats}; ChannelAttribution: {python if python.exists() else 'absent'})")
    for n in sizes:
        for C in channel_counts:
            t0 = time.perf_counter()
            table = make_path_table(n, C, args.seed + C)
            gen = time.perf_counter() - t0
            total = float(table["conversions"].sum())
            print(f"\n{n:,} distinct paths, {C} channels ({table['path'].str.len().sum() / 1e6:.0f}"
                  f" MB of text, {total:,.0f} conversions; generated in {gen:.1f} s)")
            ours = {}
            t_h, h = best(lambda: at.heuristic(table, models=("first", "last", "linear")),
                          args.repeats)
            ours["heuristic_s"] = t_h
            for order in orders:
                t_m, r = best(lambda: at.markov(table, order=order), args.repeats)
                ours[f"markov{order}_s"] = t_m
                ours[f"markov{order}"] = dict(zip(r.removal_effects["channel"],
                                                  r.removal_effects["conversions"]))
                s = r.removal_effects["conversions"].sum()
                if abs(s - total) > 1e-9 * total:
                    print(f"CHECK FAILED: markov order {order}: conversions sum to {s}")
                    ok = False
            need = 0.7e-6 * n * (1 + C / 100)  # GB: ChannelAttribution took 6.6 GB at 10M
            free = mem_available_gb()
            if args.no_ca:
                theirs, note = None, "not run (--no-ca)"
            elif need > 0.8 * free:
                theirs, note = None, (f"not run: needs about {need:.1f} GB, "
                                      f"{free:.1f} GB available")
            else:
                theirs, note = run_ca(table, python=python, threads=args.threads,
                                      orders=orders, timeout=args.ca_timeout)
            print(f"{'model':<28} {'sostac s':>9} {'ChannelAttribution s':>21} {'x':>7}")
            rows = [("heuristics (first, last, linear)", "heuristic_s")] + \
                [(f"markov order {o}", f"markov{o}_s") for o in orders]
            for name, key in rows:
                other = theirs.get(key) if theirs else None
                print(f"{name:<28} {ours[key]:9.3f} "
                      f"{(f'{other:21.3f}' if other else '-'.rjust(21))} "
                      f"{(f'{other / ours[key]:7.1f}' if other else '-'.rjust(7))}")
            if note:
                print(f"ChannelAttribution: {note}")
            if theirs and "heuristic" in theirs:
                for m in ("first", "last", "linear"):
                    mine = dict(zip(h["channel"], h[f"{m}_conversions"]))
                    d = max(abs(theirs["heuristic"][m].get(c, 0.0) - v) / max(abs(v), 1.0)
                            for c, v in mine.items())
                    if d > 1e-9:
                        print(f"CHECK FAILED: heuristic {m}: ChannelAttribution differs by {d:.3g}")
                        ok = False
                print("heuristics: equal to ChannelAttribution's to 1e-9 (relative)")
            for order in orders:
                if theirs and f"markov{order}" in theirs:
                    print(f"markov order {order}: ChannelAttribution's simulated conversions "
                          f"differ from the exact ones by up to "
                          f"{rel_diff(ours[f'markov{order}'], theirs[f'markov{order}']):.1%}"
                          f" of a channel's (its Monte Carlo error)")
            del table
    return ok


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
    ap.add_argument("--models-only", action="store_true",
                    help="only the models on generated path tables (no touchpoint log)")
    ap.add_argument("--no-models", action="store_true",
                    help="skip the models on generated path tables")
    ap.add_argument("--distinct", default="1000000,10000000",
                    help="distinct paths of the generated path tables (comma-separated)")
    ap.add_argument("--model-channels", default="12,100",
                    help="channels of the generated path tables (comma-separated)")
    ap.add_argument("--orders", default="1,2", help="Markov orders (comma-separated)")
    ap.add_argument("--ca-python", default=None,
                    help="ChannelAttribution's interpreter (default: .venv-ca/bin/python)")
    ap.add_argument("--no-ca", action="store_true", help="skip ChannelAttribution")
    ap.add_argument("--ca-timeout", type=float, default=1800,
                    help="seconds before a ChannelAttribution run is stopped")
    args = ap.parse_args()
    sizes = [int(float(x)) for x in args.distinct.split(",") if x]
    model_channels = [int(x) for x in args.model_channels.split(",") if x]
    orders = tuple(int(x) for x in args.orders.split(",") if x)
    if args.quick:
        args.rows //= 50
        args.users //= 50
        args.repeats = 1
        sizes = [max(1000, x // 50) for x in sizes]
    sostac.set_num_threads(args.threads)
    if args.models_only:
        os.system("uptime")
        return 0 if bench_models(sizes, model_channels, orders, args) else 1
    log = make_log(args.rows, args.users, args.channels, args.seed)
    print(f"bench_attribution: {args.rows:,} touchpoints, {args.users:,} users, "
          f"{args.channels} channels, {args.threads} threads, best of {args.repeats}; "
          f"{platform.machine()}, {os.cpu_count()} CPUs\n")
    ok = True
    input_mib = log.memory_usage(deep=True).sum() / 2**20
    # make_log's rows come sorted by (user, time); a log exported in time order is the
    # usual unsorted case (the builder groups and sorts it)
    by_time = log.sort_values("timestamp", kind="stable").reset_index(drop=True)
    _, mib_sorted = peak_above(lambda: sostac_paths(log))
    _, mib_by_time = peak_above(lambda: sostac_paths(by_time))
    t_s, ours = best(lambda: sostac_paths(log), args.repeats)
    t_pre, pre = best(lambda: sostac_paths(log, presorted=True), args.repeats)
    t_bt, bt = best(lambda: sostac_paths(by_time), args.repeats)
    del by_time
    for name, other in (("presorted=True", pre), ("time-ordered log", bt)):
        if not same_tables(ours, other):
            print(f"CHECK FAILED: sostac's path table of the {name} run differs")
            ok = False
    rows = [("sostac", t_s), ("sostac presorted=True", t_pre),
            ("sostac, log in time order", t_bt)]
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
    print("paths                         seconds  x sostac")
    for name, t in rows:
        print(f"{name:<28} {t:9.3f} {t / t_s:9.1f}")
    if mib_sorted is not None:
        print(f"\nsostac peak memory above the input ({input_mib:,.0f} MiB of columns): "
              f"{mib_sorted:,.0f} MiB ({1 + mib_sorted / input_mib:.2f}x the input) on the "
              f"log as made, {mib_by_time:,.0f} MiB ({1 + mib_by_time / input_mib:.2f}x) on "
              f"the log in time order")
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
    ca_out, _ = run_ca(ours, python=ca_python(args.ca_python), threads=args.threads)
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
    if not args.no_models:
        print()
        ok = bench_models(sizes, model_channels, orders, args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
