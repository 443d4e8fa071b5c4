"""Benchmark sostac.customer's model fits and scoring against lifetimes.

Run from the repository root (lifetimes runs in the test-only reference environment,
``bash scripts/make_reference_venv.sh``; without it only sostac's times print):

    .venv/bin/python benchmarks/python/bench_customer_models.py            # full size
    .venv/bin/python benchmarks/python/bench_customer_models.py --quick    # smoke run

Options: ``--customers N`` (synthetic customers, default 1,000,000; lifetimes gets at
most ``--lifetimes-max``, default 200,000, as its Pareto/NBD takes minutes per
million), ``--threads T`` (default 2), ``--repeats R`` (default 3), ``--seed S``.

Workloads (the same arrays on both sides):

* CDNOW: ../shared/data/cdnow_customers_summary_with_transactions.csv (2,357
  customers; Gamma-Gamma on the 946 repeat buyers);
* synthetic: customers simulated from a BG/NBD with r = 0.25, alpha = 4, a = 0.8,
  b = 2.5 over T ~ U(1, 78) weeks, purchase times continuous (every row distinct).

Timed: the fit from the models' default starts (sostac: ``BetaGeo().fit``,
``ParetoNBD().fit``, ``GammaGamma().fit``; lifetimes: ``BetaGeoFitter().fit`` and so
on), and scoring (``expected_purchases(10, ...)`` and ``prob_alive``) of every
customer. Best of R runs, ``time.perf_counter``; lifetimes in a subprocess of
.venv-ref on the same arrays (written once to an .npz). sostac uses T threads;
lifetimes is single-threaded (numpy and scipy with ``OMP_NUM_THREADS=T``).

Checks: the estimates of both sides agree to 1e-3 relative (lifetimes' optimiser
stops earlier; see tests/python/test_customer_lifetimes.py for the exact comparison).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
REF = ROOT / ".venv-ref" / "bin" / "python"


def simulate(n: int, seed: int):
    rng = np.random.default_rng(seed)
    r, alpha, a, b = 0.25, 4.0, 0.8, 2.5
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.uniform(1, 78, n)
    x = np.zeros(n)
    tx = np.zeros(n)
    t = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        t[idx] += rng.exponential(1 / lam[idx])
        bought = t[idx] < T[idx]
        done = idx[~bought]
        alive[done] = False
        got = idx[bought]
        x[got] += 1
        tx[got] = t[got]
        dropped = got[rng.random(len(got)) < p[got]]
        alive[dropped] = False
    return x, tx, T


def best(fn, repeats: int):
    out, t = None, float("inf")
    for _ in range(repeats):
        s = time.perf_counter()
        out = fn()
        t = min(t, time.perf_counter() - s)
    return t, out


LIFETIMES = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    import lifetimes
    d = np.load(sys.argv[1]); repeats = int(sys.argv[2]); out = {}
    def best(fn):
        t = float("inf"); r = None
        for _ in range(repeats):
            s = time.perf_counter(); r = fn(); t = min(t, time.perf_counter() - s)
        return t, r
    for name in json.loads(sys.argv[3]):
        ds, model = name.split(":")
        x, tx, T = d[ds + "_x"], d[ds + "_tx"], d[ds + "_T"]
        if model == "GammaGamma":
            keep = x > 0
            t, m = best(lambda: lifetimes.GammaGammaFitter().fit(x[keep], d[ds + "_m"][keep]))
            out[name] = {"fit": t, "params": [float(m.params_[k]) for k in ("p", "q", "v")]}
            continue
        cls = {"BetaGeo": lifetimes.BetaGeoFitter, "ParetoNBD": lifetimes.ParetoNBDFitter}[model]
        t, m = best(lambda: cls().fit(x, tx, T))
        ts, _ = best(lambda: (m.conditional_expected_number_of_purchases_up_to_time(10, x, tx, T),
                              m.conditional_probability_alive(x, tx, T)))
        names = ["r", "alpha", "a", "b"] if model == "BetaGeo" else ["r", "alpha", "s", "beta"]
        out[name] = {"fit": t, "score": ts, "params": [float(m.params_[k]) for k in names]}
    print(json.dumps(out))
""")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--lifetimes-max", type=int, default=200_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20271203)
    ap.add_argument("--quick", action="store_true", help="20,000 customers, 1 repeat")
    args = ap.parse_args(argv)
    if args.quick:
        args.customers, args.repeats, args.lifetimes_max = 20_000, 1, 20_000
    import sostac
    from sostac import customer as cu

    sostac.set_num_threads(args.threads)
    cd = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    sets = {"cdnow": (cd["x"].to_numpy(float), cd["t_x"].to_numpy(float),
                      cd["T"].to_numpy(float), cd["zbar"].to_numpy(float))}
    x, tx, T = simulate(args.customers, args.seed)
    sets["synthetic"] = (x, tx, T, None)
    k = min(args.customers, args.lifetimes_max)
    sets["synthetic_ref"] = (x[:k], tx[:k], T[:k], None)
    jobs = ["cdnow:BetaGeo", "cdnow:ParetoNBD", "cdnow:GammaGamma", "synthetic:BetaGeo",
            "synthetic:ParetoNBD"]
    mine = {}
    for job in jobs:
        ds, model = job.split(":")
        x, tx, T, m = sets[ds]
        if model == "GammaGamma":
            keep = x > 0
            t, fit = best(lambda: cu.GammaGamma().fit(x[keep], m[keep]), args.repeats)
            mine[job] = {"fit": t, "params": list(fit.params_.values())}
            continue
        cls = {"BetaGeo": cu.BetaGeo, "ParetoNBD": cu.ParetoNBD}[model]
        t, fit = best(lambda: cls().fit(x, tx, T), args.repeats)
        ts, _ = best(lambda: (fit.expected_purchases(10, x, tx, T), fit.prob_alive(x, tx, T)),
                     args.repeats)
        mine[job] = {"fit": t, "score": ts, "params": list(fit.params_.values())}
    theirs = {}
    if REF.exists():
        ref_jobs = [j.replace("synthetic:", "synthetic_ref:") for j in jobs]
        with tempfile.TemporaryDirectory() as tmp:
            npz = Path(tmp) / "data.npz"
            arrays = {}
            for ds, (x, tx, T, m) in sets.items():
                arrays.update({f"{ds}_x": x, f"{ds}_tx": tx, f"{ds}_T": T})
                if m is not None:
                    arrays[f"{ds}_m"] = m
            np.savez(npz, **arrays)
            env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
            proc = subprocess.run([str(REF), "-c", LIFETIMES, str(npz), str(args.repeats),
                                   json.dumps(ref_jobs)], capture_output=True, text=True,
                                  env=env, check=True)
            theirs = json.loads(proc.stdout.strip().splitlines()[-1])
        # sostac on the reference's subset, for a like-for-like ratio
        x, tx, T, _ = sets["synthetic_ref"]
        for model, cls in (("BetaGeo", cu.BetaGeo), ("ParetoNBD", cu.ParetoNBD)):
            t, fit = best(lambda: cls().fit(x, tx, T), args.repeats)
            ts, _ = best(lambda: (fit.expected_purchases(10, x, tx, T),
                                  fit.prob_alive(x, tx, T)), args.repeats)
            mine[f"synthetic_ref:{model}"] = {"fit": t, "score": ts,
                                              "params": list(fit.params_.values())}
    print(f"sostac {sostac.__version__}, {args.threads} threads; synthetic: "
          f"{args.customers:,} customers (lifetimes: {k:,})")
    print(f"{'workload':<28}{'sostac fit':>12}{'lifetimes':>12}{'ratio':>8}"
          f"{'sostac score':>14}{'lifetimes':>12}{'ratio':>8}")
    for job in list(mine):
        a = mine[job]
        b = theirs.get(job, {})
        if b:
            rel = max(abs(p - q) / abs(q) for p, q in zip(a["params"], b["params"]))
            assert rel < 1e-3, (job, a["params"], b["params"])
        ratio = f"{b['fit'] / a['fit']:.1f}x" if b else "-"
        sratio = f"{b['score'] / a['score']:.1f}x" if b and "score" in a else "-"
        print(f"{job:<28}{a['fit'] * 1e3:>10.1f}ms"
              f"{(b['fit'] * 1e3 if b else float('nan')):>10.1f}ms{ratio:>8}"
              f"{(a.get('score', float('nan')) * 1e3):>12.1f}ms"
              f"{(b.get('score', float('nan')) * 1e3 if b else float('nan')):>10.1f}ms"
              f"{sratio:>8}")
    if not REF.exists():
        print("(no .venv-ref: bash scripts/make_reference_venv.sh for the lifetimes side)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
