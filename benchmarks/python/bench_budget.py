"""Benchmark sostac.budget's allocator against scipy's SLSQP.

Run from the repository root:

    .venv/bin/python benchmarks/python/bench_budget.py            # 20 channels
    .venv/bin/python benchmarks/python/bench_budget.py --quick    # smoke run

Options: ``--channels N`` (default 20), ``--problems P`` (random problems, default
20), ``--repeats R`` (default 5), ``--seed S``.

Workload: P random concave problems (Hill curves with beta in [10, 500], half
saturation in [100, 5000], shape in [0.3, 1], carry in [1, 3]; a total in [N x 500,
N x 5000]; a third of the channels with a random minimum), objective "conversions"
(spend exactly the total). sostac: ``sostac.budget.allocate``, the exact KKT solution
(C++). scipy: ``scipy.optimize.minimize(method="SLSQP")`` from an even split with
the analytic gradient, ftol 1e-12. Both single-threaded; time is
``time.perf_counter``, best of R runs per problem, summed over the problems.

Checks: sostac's conversions are at least SLSQP's minus 1e-6 relative on every
problem (SLSQP is a local method; on a concave problem both should find the one
optimum); the largest relative difference is printed. A failed check exits with 1.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import pandas as pd
import scipy
from scipy.optimize import minimize

import sostac
from sostac.budget import allocate


def problem(rng, n):
    curves = pd.DataFrame({
        "channel": [f"c{i}" for i in range(n)], "beta": rng.uniform(10, 500, n),
        "half_saturation": rng.uniform(100, 5000, n), "shape": rng.uniform(0.3, 1.0, n),
        "carry": rng.uniform(1.0, 3.0, n)})
    total = float(rng.uniform(n * 500, n * 5000))
    lower = np.where(rng.random(n) < 1 / 3, rng.uniform(0, total / (3 * n), n), 0.0)
    return curves, total, lower


def conversions(curves, x):
    z = curves["carry"].to_numpy() * x
    k, a, b = (curves[c].to_numpy() for c in ("half_saturation", "shape", "beta"))
    return b * z ** a / (z ** a + k ** a)


def slsqp(curves, total, lower):
    c, k, a, b = (curves[col].to_numpy() for col in ("carry", "half_saturation", "shape", "beta"))

    def fun(x):
        z = c * np.maximum(x, 1e-12)
        return -(b * z ** a / (z ** a + k ** a)).sum()

    def jac(x):
        z = c * np.maximum(x, 1e-12)
        u = (k / z) ** a
        return -(b * c * a * u / (z * (1 + u) ** 2))

    n = len(curves)
    x0 = np.maximum(np.full(n, total / n), lower)
    x0 *= total / x0.sum()
    return minimize(fun, x0, jac=jac, method="SLSQP", bounds=[(lo, None) for lo in lower],
                    constraints=[{"type": "eq", "fun": lambda x: x.sum() - total,
                                  "jac": lambda x: np.ones_like(x)}],
                    options={"ftol": 1e-12, "maxiter": 1000})


def best(fn, repeats):
    t = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        t.append(time.perf_counter() - t0)
    return min(t), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--channels", type=int, default=20)
    ap.add_argument("--problems", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.problems, args.repeats = 3, 1
    sostac.set_num_threads(1)
    print(f"sostac {sostac.__version__}, scipy {scipy.__version__}, numpy {np.__version__}, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.1f}")
    rng = np.random.default_rng(args.seed)
    ours_t = theirs_t = 0.0
    worst = 0.0
    ok = True
    for _ in range(args.problems):
        curves, total, lower = problem(rng, args.channels)
        bounds = {ch: (lo, None) for ch, lo in zip(curves["channel"], lower)}
        t1, got = best(lambda: allocate(curves, total, bounds=bounds, objective="conversions"),
                       args.repeats)
        t2, ref = best(lambda: slsqp(curves, total, lower), args.repeats)
        ours_t += t1
        theirs_t += t2
        mine = conversions(curves, got["recommended"].to_numpy()).sum()
        theirs = conversions(curves, np.maximum(ref.x, 0)).sum()
        rel = (theirs - mine) / abs(theirs)
        worst = max(worst, abs(rel))
        if rel > 1e-6:
            ok = False
            print(f"  check failed: SLSQP {theirs:.9g} > sostac {mine:.9g}")
    n = args.problems
    print(f"allocator, {args.channels} channels, {n} problems (best of {args.repeats} each):")
    print(f"  sostac.budget.allocate  {1e3 * ours_t / n:9.3f} ms per problem")
    print(f"  scipy SLSQP             {1e3 * theirs_t / n:9.3f} ms per problem  "
          f"(sostac {theirs_t / ours_t:.0f}x faster)")
    print(f"  largest relative difference in conversions: {worst:.2e} "
          f"({'ok' if ok else 'FAILED'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
