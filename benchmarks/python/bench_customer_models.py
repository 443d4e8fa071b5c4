"""Benchmark sostac.customer's model fits and scoring against lifetimes and PyMC-Marketing.

Run from the repository root (lifetimes runs in the test-only reference environment,
``bash scripts/make_reference_venv.sh``, PyMC-Marketing in a second one,
``bash scripts/make_pymc_venv.sh``; without them only sostac's times print):

    .venv/bin/python benchmarks/python/bench_customer_models.py            # full size
    .venv/bin/python benchmarks/python/bench_customer_models.py --quick    # smoke run

Options: ``--customers N`` (synthetic customers, default 1,000,000; lifetimes gets at
most ``--lifetimes-max``, default 200,000, as its Pareto/NBD takes minutes per
million), ``--pymc-max`` (default: every synthetic customer), ``--no-lifetimes``,
``--no-pymc``, ``--threads T`` (default 2), ``--repeats R`` (default 3), ``--seed S``.

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

PyMC-Marketing (``pymc_marketing.clv`` BetaGeoModel, ParetoNBDModel, GammaGammaModel,
``fit(method="map")``, i.e. ``pymc.find_MAP`` with its default L-BFGS-B tolerances) runs
in a subprocess of .venv-pymc on the same arrays. It prints the import time, and per
workload the first fit of the process (which compiles the model's pytensor functions;
the compiled C is cached on disk, so a later process compiles less) and a second fit
(a new model object on the same data), each timed once. On CDNOW it fits with its
default priors (twice) and with flat priors (``Prior("HalfFlat")`` on every parameter,
once; Gamma-Gamma's defaults are already flat); on the synthetic customers, one fit
per model with the default priors. Printed: the ratio of its second fit (first, on the
synthetic customers) to sostac's fit, and each parameter's relative difference from
sostac's MLE. Checked: the flat-prior MAP equals the MLE to 1e-3 (the test
tests/python/test_customer_pymc.py checks 1e-5 at tight tolerances).
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
PYMC = ROOT / ".venv-pymc" / "bin" / "python"


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


PYMC_MARKETING = textwrap.dedent("""
    import json, sys, time, warnings
    s = time.perf_counter()
    import numpy as np
    import pandas as pd
    import pymc_marketing
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel
    out = {"_import": time.perf_counter() - s, "_version": pymc_marketing.__version__}
    warnings.filterwarnings("ignore")
    d = np.load(sys.argv[1])
    models = {"BetaGeo": (BetaGeoModel, ["r", "alpha", "a", "b"]),
              "ParetoNBD": (ParetoNBDModel, ["r", "alpha", "s", "beta"]),
              "GammaGamma": (GammaGammaModel, ["p", "q", "v"])}
    for job in json.loads(sys.argv[2]):
        ds, model, prior, fits = job.split(":")
        cls, names = models[model]
        x = d[ds + "_x"]
        if model == "GammaGamma":
            keep = x > 0
            frame = pd.DataFrame({"customer_id": np.flatnonzero(keep), "frequency": x[keep],
                                  "monetary_value": d[ds + "_m"][keep]})
        else:
            frame = pd.DataFrame({"customer_id": np.arange(len(x)), "frequency": x,
                                  "recency": d[ds + "_tx"], "T": d[ds + "_T"]})
        config = {k: Prior("HalfFlat") for k in names} if prior == "flat" else None
        times = []
        for _ in range(int(fits)):
            s = time.perf_counter()
            m = cls(data=frame, model_config=config)
            m.fit(method="map", progressbar=False)
            times.append(time.perf_counter() - s)
        post = m.idata.posterior
        out[job] = {"fits": times, "params": [float(post[k].values.ravel()[0]) for k in names]}
        print(json.dumps({job: out[job]}), file=sys.stderr, flush=True)
    print(json.dumps(out))
""")


def _npz(path: Path, sets: dict) -> None:
    arrays = {}
    for ds, (x, tx, T, m) in sets.items():
        arrays.update({f"{ds}_x": x, f"{ds}_tx": tx, f"{ds}_T": T})
        if m is not None:
            arrays[f"{ds}_m"] = m
    np.savez(path, **arrays)


def _pymc_report(mine: dict, theirs: dict, pymc_n: int) -> None:
    """PyMC-Marketing's MAP fits against sostac's MLE on the same arrays."""
    print(f"\nPyMC-Marketing {theirs['_version']} MAP fits (pymc.find_MAP, L-BFGS-B); "
          f"import {theirs['_import']:.1f} s; synthetic: {pymc_n:,} customers")
    print(f"{'workload':<28}{'prior':<9}{'1st fit':>9}{'2nd fit':>9}{'sostac':>12}"
          f"{'ratio':>8}  relative difference from sostac's MLE")
    for job, b in theirs.items():
        if job.startswith("_"):
            continue
        ds, model, prior, _ = job.split(":")
        a = mine[f"{ds}:{model}"]
        rel = [(p - q) / q for p, q in zip(b["params"], a["params"])]
        if prior == "flat":
            assert max(abs(r) for r in rel) < 1e-3, (job, a["params"], b["params"])
        fits = b["fits"]
        ref = fits[1] if len(fits) > 1 else fits[0]
        diffs = ", ".join(f"{k} {r * 100:+.3g}%" for k, r in zip(a["names"], rel))
        second = f"{fits[1]:>8.2f}s" if len(fits) > 1 else f"{'-':>9}"
        print(f"{ds + ':' + model:<28}{prior:<9}{fits[0]:>8.2f}s{second}"
              f"{a['fit'] * 1e3:>10.1f}ms{ref / a['fit']:>7.0f}x  {diffs}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--lifetimes-max", type=int, default=200_000)
    ap.add_argument("--pymc-max", type=int, default=None,
                    help="PyMC-Marketing's synthetic customers (default: all)")
    ap.add_argument("--no-lifetimes", action="store_true", help="skip the lifetimes side")
    ap.add_argument("--no-pymc", action="store_true", help="skip the PyMC-Marketing side")
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
            mine[job] = {"fit": t, "params": list(fit.params_.values()),
                         "names": list(fit.params_)}
            continue
        cls = {"BetaGeo": cu.BetaGeo, "ParetoNBD": cu.ParetoNBD}[model]
        t, fit = best(lambda: cls().fit(x, tx, T), args.repeats)
        ts, _ = best(lambda: (fit.expected_purchases(10, x, tx, T), fit.prob_alive(x, tx, T)),
                     args.repeats)
        mine[job] = {"fit": t, "score": ts, "params": list(fit.params_.values()),
                     "names": list(fit.params_)}
    theirs = {}
    pymc_n = min(args.customers, args.pymc_max or args.customers)
    pymc = {}
    if PYMC.exists() and not args.no_pymc:
        sets["synthetic_pymc"] = tuple(v if v is None else v[:pymc_n]
                                       for v in sets["synthetic"])
        pymc_jobs = ["cdnow:BetaGeo:default:2", "cdnow:BetaGeo:flat:1",
                     "cdnow:ParetoNBD:default:2", "cdnow:ParetoNBD:flat:1",
                     "cdnow:GammaGamma:default:2",
                     "synthetic_pymc:BetaGeo:default:1", "synthetic_pymc:ParetoNBD:default:1"]
        with tempfile.TemporaryDirectory() as tmp:
            npz = Path(tmp) / "data.npz"
            _npz(npz, {k: v for k, v in sets.items() if k in ("cdnow", "synthetic_pymc")})
            env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
            proc = subprocess.run([str(PYMC), "-c", PYMC_MARKETING, str(npz),
                                   json.dumps(pymc_jobs)], stdout=subprocess.PIPE, text=True,
                                  env=env, check=True)
            pymc = json.loads(proc.stdout.strip().splitlines()[-1])
        if pymc_n < args.customers:
            x, tx, T, _ = sets["synthetic_pymc"]
            for model, cls in (("BetaGeo", cu.BetaGeo), ("ParetoNBD", cu.ParetoNBD)):
                t, fit = best(lambda: cls().fit(x, tx, T), args.repeats)
                mine[f"synthetic_pymc:{model}"] = {"fit": t, "params": list(fit.params_.values()),
                                                   "names": list(fit.params_)}
        else:
            for model in ("BetaGeo", "ParetoNBD"):
                mine[f"synthetic_pymc:{model}"] = mine[f"synthetic:{model}"]
    if REF.exists() and not args.no_lifetimes:
        ref_jobs = [j.replace("synthetic:", "synthetic_ref:") for j in jobs]
        with tempfile.TemporaryDirectory() as tmp:
            npz = Path(tmp) / "data.npz"
            _npz(npz, {k: v for k, v in sets.items() if k != "synthetic_pymc"})
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
                                              "params": list(fit.params_.values()),
                                              "names": list(fit.params_)}
    print(f"sostac {sostac.__version__}, {args.threads} threads; synthetic: "
          f"{args.customers:,} customers (lifetimes: {k:,})")
    print(f"{'workload':<28}{'sostac fit':>12}{'lifetimes':>12}{'ratio':>8}"
          f"{'sostac score':>14}{'lifetimes':>12}{'ratio':>8}")
    for job in list(mine):
        if job.startswith("synthetic_pymc:"):
            continue
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
    if pymc:
        _pymc_report(mine, pymc, pymc_n)
    elif not PYMC.exists():
        print("(no .venv-pymc: bash scripts/make_pymc_venv.sh for the PyMC-Marketing side)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
