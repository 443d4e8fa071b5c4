#!/usr/bin/env python3
"""Attribution bootstrap benchmark: ``sostac.attribution.bootstrap`` (C++, threads)
against the same Poisson bootstrap as a Python loop (numpy's generator, one call of the
``_core`` model kernel per replicate: what the Control stage ran before), on identical
path tables.

Workloads: the demo's path table (``sostac/data/demo_touchpoints.csv.gz`` through
``sostac.attribution.paths``, 8 channels) and ChannelAttribution's 10,000-path sample
when ``ChannelAttribution_Data.csv`` is found (``SOSTAC_SHARED_DATA`` or
../shared/data); models markov (order 1) and shapley (the conversions game); 200
replicates. Threads: sostac with T threads (``--threads``, default 1 and 2); the loop
is single-threaded (its kernel calls may use T threads too: the same T). Best of R
runs (``--repeats``) of wall and CPU time (``time.process_time``, all threads). Check:
the two bootstraps' standard errors agree within 25 % for channels with 100+
conversions (different generators: Monte Carlo noise only); a failed check exits 1.
"""

from __future__ import annotations

import argparse
import importlib.resources as resources
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import sostac
from sostac import attribution as at
from sostac._core import attribution as ca
from sostac.attribution._table import encode

ROOT = Path(__file__).resolve().parents[2]


def loop_bootstrap(paths, model: str, replicates: int, seed: int) -> np.ndarray:
    """The Python loop: replicates x channels of the model's conversions."""
    enc = encode(paths)
    rng = np.random.default_rng(seed)
    per = np.divide(enc.value, enc.conversions, out=np.zeros_like(enc.value),
                    where=enc.conversions > 0)
    k = len(enc.channels)
    out = np.zeros((replicates, k))
    for b in range(replicates):
        c = rng.poisson(enc.conversions).astype(float)
        n = rng.poisson(enc.nulls).astype(float)
        v = np.ascontiguousarray(per * c)
        if model == "markov":
            r = ca.markov(enc.offsets, enc.steps, c, v, n, k, 1, True)
        else:
            r = ca.shapley(enc.offsets, enc.steps, c, v, n, k, "conversions")
        out[b] = r["conversions"]
    return out


def best(f, repeats: int):
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        result = f()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), result


def tables():
    log = pd.read_csv(resources.files("sostac") / "data" / "demo_touchpoints.csv.gz",
                      parse_dates=["timestamp"])
    yield "demo", at.paths(log, value="value")
    for cand in (os.environ.get("SOSTAC_SHARED_DATA"), ROOT.parent / "shared" / "data",
                 Path("/work/shared/data")):
        if cand and (Path(cand) / "ChannelAttribution_Data.csv").exists():
            yield "ChannelAttribution sample", at.read_paths(
                pd.read_csv(Path(cand) / "ChannelAttribution_Data.csv", sep=";"))
            return


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} (1/5/15 min), {os.cpu_count()} CPUs; "
          f"{args.replicates} replicates, best of {args.repeats}")
    failed = False
    for name, paths in tables():
        print(f"\n{name}: {len(paths):,} distinct paths, "
              f"{paths['conversions'].sum():,.0f} conversions")
        for model in ("markov", "shapley"):
            for t in args.threads:
                sostac.set_num_threads(t)
                w1, c1, loop = best(lambda: loop_bootstrap(paths, model, args.replicates, 1),
                                    args.repeats)
                w2, c2, ours = best(lambda: at.bootstrap(paths, model=model,
                                                         replicates=args.replicates, seed=1),
                                    args.repeats)
                print(f"  {model:<8} T={t}: sostac {w2:7.3f} s wall {c2:7.3f} s CPU | "
                      f"loop {w1:7.3f} s wall {c1:7.3f} s CPU | ratio wall {w1 / w2:5.1f}x "
                      f"CPU {c1 / c2:5.1f}x")
                est = ours["conversions"].to_numpy()
                se_loop = loop.std(axis=0, ddof=1)
                big = est >= 100
                rel = np.abs(ours["conversions_se"].to_numpy()[big] / se_loop[big] - 1)
                if rel.size and rel.max() > 0.25:
                    print(f"  CHECK FAILED: se differ by up to {rel.max():.0%}")
                    failed = True
    sostac.set_num_threads(0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
