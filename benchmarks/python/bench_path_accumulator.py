#!/usr/bin/env python3
"""PathAccumulator benchmark: the path table of a touchpoint log given in chunks
against ``sostac.attribution.paths`` on the whole log (the reference, same run, same
threads), for integer and text user ids and a few chunk counts.

Workload (defaults; ``--quick`` divides the sizes by 20): 2M touchpoints of 200k users,
12 channels, 5 % conversions, times over 90 days, 30-day lookback. The chunks are
consecutive row ranges of the log (users spread over many of them). Best of R runs of
``time.perf_counter`` (wall) with ``time.process_time`` (CPU, every thread) beside
it; the machine's load is printed. Check: the accumulator's table equals ``paths()``'s
(rows, order, attrs); a failed check exits with status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

from sostac.attribution import PathAccumulator, paths


def _log(rows: int, users: int, ids: str, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    user = rng.integers(0, users, rows)
    uid = user * 7 if ids == "int" else pd.Series([f"u{u}" for u in user]).astype("str")
    return pd.DataFrame({
        "user_id": uid,
        "timestamp": pd.Timestamp("2027-01-01")
        + pd.to_timedelta(rng.integers(0, 90 * 86400, rows), unit="s"),
        "channel": pd.Series(rng.choice(np.array([f"ch{i}" for i in range(12)],
                                                 dtype=object), rows)).astype("str"),
        "conversion": (rng.random(rows) < 0.05).astype(np.int8)})


def _best(f, repeat: int):
    best = None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        r = f()
        w, c = time.perf_counter() - w, time.process_time() - c
        if best is None or w < best[1]:
            best = (r, w, c)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--users", type=int, default=200_000)
    ap.add_argument("--chunks", type=int, nargs="+", default=[10, 200])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    rows, users = (a.rows // 20, a.users // 20) if a.quick else (a.rows, a.users)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus; "
          f"{rows:,} touchpoints of {users:,} users, best of {a.repeat}")
    ok = True
    for ids in ("int", "text"):
        log = _log(rows, users, ids)
        want, pw, pc = _best(lambda: paths(log), a.repeat)
        print(f"{ids:>4} ids  paths() on the whole log: {pw:6.2f} s wall {pc:6.2f} s cpu")
        for k in a.chunks:
            parts = [log.iloc[i] for i in np.array_split(np.arange(rows), k)]

            def build():
                acc = PathAccumulator()
                for p in parts:
                    acc.add(p)
                return acc

            acc, aw, ac = _best(build, a.repeat)
            got, fw, fc = _best(acc.finish, a.repeat)
            same = got.equals(want) and got.attrs == want.attrs
            ok &= same
            print(f"{ids:>4} ids  {k:4d} chunks: add {aw:6.2f} s wall {ac:6.2f} s cpu, "
                  f"finish {fw:6.2f} s wall {fc:6.2f} s cpu; (add + finish) / paths() "
                  f"{(aw + fw) / pw:5.2f}x wall {(ac + fc) / pc:5.2f}x cpu"
                  f"{'' if same else '  TABLES DIFFER'}")
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
