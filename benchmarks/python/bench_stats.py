"""Benchmark sostac against the Python references (statsmodels, scipy, numpy).

Run from the repository root (this is what ``make bench`` does):

    .venv/bin/python benchmarks/python/bench_stats.py

Prints one side-by-side table from one run. Both sides get the same inputs (drawn once
from a seeded numpy Generator) and run single-threaded: sostac via
``sostac.set_num_threads(1)``, the references via OMP/OPENBLAS/MKL_NUM_THREADS=1, set
below before numpy is imported. Times are time.perf_counter, best of several repeats
(fewer for slow references). The ratio is reference time / sostac time. The check
column compares the two sides' results. Writes nothing. Takes about 3-5 minutes.

Tasks
  (a) 1,000,000 two-proportion z tests + Wilson intervals (arm B) + BH adjustment, vs
      statsmodels proportions_ztest (one Python call per test: it handles exactly one
      pair of samples per call, k_sample == 2, so it does not vectorise over tests),
      proportion_confint(method="wilson") (vectorised) and
      multipletests(method="fdr_bh").
  (b) 10,000 two-sided Fisher exact tests (n per arm 20..2,000), vs a Python loop over
      scipy.stats.fisher_exact.
  (c) 100,000 exact P(p_B > p_A) (Beta(1+x, 1+n-x) posteriors) vs numpy Monte Carlo
      with 100,000 draws per comparison, run on the first 500 comparisons and
      extrapolated.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import statsmodels  # noqa: E402
from scipy import special  # noqa: E402
from scipy.stats import fisher_exact  # noqa: E402
from statsmodels.stats.multitest import multipletests  # noqa: E402
from statsmodels.stats.proportion import (  # noqa: E402
    proportion_confint,
    proportions_ztest,
)

import sostac  # noqa: E402
from sostac import stats  # noqa: E402

SEED = 20240501
N_A = 1_000_000  # task (a)
N_B = 10_000  # task (b)
N_C = 100_000  # task (c)
MC_DRAWS = 100_000  # Monte Carlo draws per comparison, task (c)
MC_SUBSET = 500  # comparisons the Monte Carlo actually runs on
MC_CHUNK = 10  # comparisons per vectorised numpy call (a little faster than 1)
ZTEST_PROBE = 50_000  # statsmodels z-test loop is timed on this many first...
ZTEST_BUDGET_S = 180.0  # ...and only run on all 1M if that is predicted to fit


def best_of(fn, repeats):
    """(best wall time in seconds, result of the last call)."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def sostac_build():
    """Installed extension's mtime and the repository commit, since the package under
    test may be rebuilt between runs."""
    core = getattr(sostac, "_core", None)
    path = getattr(core, "__file__", None)
    built = "?"
    if path:
        stamp = time.localtime(os.path.getmtime(path))
        built = time.strftime("%Y-%m-%d %H:%M:%S", stamp)
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        git = ["git", "-C", here, "describe", "--always", "--dirty"]
        proc = subprocess.run(git, capture_output=True, text=True, timeout=10)
        rev = proc.stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        rev = "?"
    return f"extension built {built}, repo at {rev}"


def ab_inputs(rng, size, n_low, n_high):
    """Realistic A/B shapes: n per arm log-uniform in [n_low, n_high] (B within +-10%
    of A), control rate log-uniform in 1%..20%, 80% of tests with no true effect and
    20% with a relative lift ~ N(5%, 3%)."""
    log_n = rng.uniform(np.log(n_low), np.log(n_high), size)
    n_a = np.exp(log_n).round().astype(np.int64)
    n_b = np.clip((n_a * rng.uniform(0.9, 1.1, size)).round(), n_low, n_high)
    n_b = n_b.astype(np.int64)
    p_a = np.exp(rng.uniform(np.log(0.01), np.log(0.20), size))
    lift = np.where(rng.random(size) < 0.2, rng.normal(0.05, 0.03, size), 0.0)
    p_b = np.clip(p_a * (1.0 + lift), 0.0, 1.0)
    x_a = rng.binomial(n_a, p_a).astype(np.int64)
    x_b = rng.binomial(n_b, p_b).astype(np.int64)
    return x_a, n_a, x_b, n_b


def fmt_t(s):
    if s is None:
        return "-"
    if s >= 1.0:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.1f} us"


def main():
    t_start = time.perf_counter()
    load0 = os.getloadavg()
    sostac.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    xa1, na1, xb1, nb1 = ab_inputs(rng, N_A, 1_000, 100_000)
    xa2, na2, xb2, nb2 = ab_inputs(rng, N_B, 20, 2_000)
    xa3, na3, xb3, nb3 = ab_inputs(rng, N_C, 1_000, 100_000)

    print("sostac benchmark vs statsmodels / scipy / numpy")
    print(f"  machine : {os.cpu_count()} logical CPUs (nproc), {cpu_model()}")
    print(
        f"  versions: Python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}, "
        f"sostac {getattr(sostac, '__version__', '?')}"
    )
    print(
        "  threads : 1 on both sides (sostac.get_num_threads() = "
        f"{sostac.get_num_threads()}; OMP/OPENBLAS/MKL_NUM_THREADS=1)"
    )
    print(f"  sostac  : {sostac_build()}")
    print(f"  inputs  : seeded numpy Generator (seed {SEED}), same for both sides")
    print("  load avg at start: {:.2f} {:.2f} {:.2f}".format(*load0), flush=True)

    rows = []  # (task, sostac_s, ref_s, ratio_str, check)

    # ---------------------------------------------------------------- task (a)
    print("running (a) ...", flush=True)
    t_z, r_z = best_of(
        lambda: stats.two_proportion_test(xa1, na1, xb1, nb1, method="z"), 5
    )
    p_s = np.asarray(r_z.pvalue)
    z_s = np.asarray(r_z.statistic)
    t_ci, ci_s = best_of(
        lambda: stats.proportion_ci(xb1, nb1, level=0.95, method="wilson"), 5
    )
    lo_s, hi_s = (np.asarray(v) for v in ci_s)
    t_bh, bh_s = best_of(lambda: stats.adjust_pvalues(p_s, "bh"), 5)
    bh_s = np.asarray(bh_s)

    def sostac_a():
        r = stats.two_proportion_test(xa1, na1, xb1, nb1, method="z")
        stats.proportion_ci(xb1, nb1, level=0.95, method="wilson")
        stats.adjust_pvalues(r.pvalue, "bh")

    t_a, _ = best_of(sostac_a, 5)
    sostac.set_num_threads(2)
    t_a2, _ = best_of(sostac_a, 5)
    sostac.set_num_threads(1)

    # statsmodels: one call per test, count=[x_b, x_a], nobs=[n_b, n_a] -> z for b - a.
    xa_l, na_l, xb_l, nb_l = xa1.tolist(), na1.tolist(), xb1.tolist(), nb1.tolist()

    def sm_ztest(m):
        z = np.empty(m)
        p = np.empty(m)
        for i in range(m):
            z[i], p[i] = proportions_ztest([xb_l[i], xa_l[i]], [nb_l[i], na_l[i]])
        return z, p

    t_probe, _ = best_of(lambda: sm_ztest(ZTEST_PROBE), 1)
    predicted = t_probe * N_A / ZTEST_PROBE
    if predicted <= ZTEST_BUDGET_S:
        t_zr, (z_r, p_r) = best_of(lambda: sm_ztest(N_A), 1)
        z_note = "full 1M loop, 1 run"
        m_cmp = N_A
    else:
        t_zr, m_cmp = predicted, ZTEST_PROBE
        _, (z_r, p_r) = best_of(lambda: sm_ztest(ZTEST_PROBE), 1)
        z_note = f"EXTRAPOLATED from first {ZTEST_PROBE:,} tests"
    d_p = np.max(np.abs(p_s[:m_cmp] - p_r))
    d_z = np.max(np.abs(z_s[:m_cmp] - z_r))

    # Context only: the same pooled z test written by hand as vectorised numpy.
    def numpy_ztest():
        pa, pb = xa1 / na1, xb1 / nb1
        pool = (xa1 + xb1) / (na1 + nb1)
        z = (pb - pa) / np.sqrt(pool * (1 - pool) * (1 / na1 + 1 / nb1))
        return 2 * special.ndtr(-np.abs(z))

    t_znp, p_np = best_of(numpy_ztest, 5)
    d_pnp = np.max(np.abs(p_s - p_np))

    t_cir, (lo_r, hi_r) = best_of(
        lambda: proportion_confint(xb1, nb1, alpha=0.05, method="wilson"), 3
    )
    d_ci = max(np.max(np.abs(lo_s - lo_r)), np.max(np.abs(hi_s - hi_r)))
    # BH is compared on the same (sostac) p-values so the check isolates the adjustment.
    t_bhr, bh_out = best_of(lambda: multipletests(p_s, method="fdr_bh"), 3)
    d_bh = np.max(np.abs(bh_s - bh_out[1]))
    t_ar = t_zr + t_cir + t_bhr

    rows.append(
        ("(a) 1M z tests", t_z, t_zr, t_zr / t_z,
         f"max|dp| {d_p:.1e}, max|dz| {d_z:.1e} (on {m_cmp:,}); ref: {z_note}")
    )
    rows.append(
        ("(a) 1M z tests, hand-written numpy", t_z, t_znp, t_znp / t_z,
         f"CONTEXT ONLY, not in TOTAL: max|dp| {d_pnp:.1e}")
    )
    rows.append(("(a) 1M Wilson CIs, arm B", t_ci, t_cir, t_cir / t_ci,
                 f"max|d bound| {d_ci:.1e}"))
    rows.append(("(a) BH on 1M p-values", t_bh, t_bhr, t_bhr / t_bh,
                 f"max|d p_adj| {d_bh:.1e}"))
    rows.append(("(a) TOTAL", t_a, t_ar, t_ar / t_a,
                 "sostac: one pass of all three; ref: sum of the three"))
    rows.append(("(a) TOTAL, sostac 2 threads", t_a2, None, None,
                 "context only, NOT part of any ratio"))

    # ---------------------------------------------------------------- task (b)
    print("running (b) ...", flush=True)
    t_f, r_f = best_of(
        lambda: stats.two_proportion_test(xa2, na2, xb2, nb2, method="fisher"), 7
    )
    pf_s = np.asarray(r_f.pvalue)
    tables = [
        [[b, nb - b], [a, na - a]]
        for a, na, b, nb in zip(xa2.tolist(), na2.tolist(), xb2.tolist(), nb2.tolist())
    ]

    def scipy_fisher():
        return np.array([fisher_exact(t, alternative="two-sided")[1] for t in tables])

    t_fr, pf_r = best_of(scipy_fisher, 3)
    rel = np.abs(pf_s - pf_r) / np.maximum(np.abs(pf_r), 1e-300)
    n_off = int(np.sum(rel > 1e-6))
    rows.append(
        ("(b) 10k Fisher exact", t_f, t_fr, t_fr / t_f,
         f"max rel|dp| {np.max(rel):.1e} ({n_off} > 1e-6); per test "
         f"{t_f / N_B * 1e6:.2f} us vs {t_fr / N_B * 1e6:.1f} us")
    )

    # ---------------------------------------------------------------- task (c)
    print("running (c) ...", flush=True)
    t_bb, r_bb = best_of(
        lambda: stats.beta_binomial(xa3, na3, xb3, nb3, prior=(1, 1)), 1
    )
    pb_s = np.asarray(r_bb.prob_b_better)

    mc_rng = np.random.default_rng(SEED + 1)
    m = MC_SUBSET

    def monte_carlo():
        out = np.empty(m)
        for s in range(0, m, MC_CHUNK):
            sl = slice(s, min(s + MC_CHUNK, m))
            k = sl.stop - sl.start
            a_a, b_a = 1 + xa3[sl], 1 + na3[sl] - xa3[sl]
            a_b, b_b = 1 + xb3[sl], 1 + nb3[sl] - xb3[sl]
            a = mc_rng.beta(a_a[:, None], b_a[:, None], (k, MC_DRAWS))
            b = mc_rng.beta(a_b[:, None], b_b[:, None], (k, MC_DRAWS))
            out[sl] = (b > a).mean(axis=1)
        return out

    t_bb_sub, _ = best_of(
        lambda: stats.beta_binomial(xa3[:m], na3[:m], xb3[:m], nb3[:m]), 3
    )
    t_mc, pb_mc = best_of(monte_carlo, 1)
    err = np.abs(pb_mc - pb_s[:m])
    # Monte Carlo standard error of each estimate, from the exact probability: the
    # errors should look like N(0, se), i.e. a max of about 3 se over 500 comparisons.
    se = np.sqrt(pb_s[:m] * (1 - pb_s[:m]) / MC_DRAWS)
    z_max = np.max(err[se > 0] / se[se > 0]) if np.any(se > 0) else 0.0
    per_s, per_mc = t_bb / N_C, t_mc / m
    rows.append(
        ("(c) exact P(B>A), per comparison", per_s, per_mc, per_mc / per_s,
         f"MC vs exact on first {m}: max|err| {np.max(err):.1e}, mean "
         f"{np.mean(err):.1e}, max {z_max:.1f} MC s.e.; sostac on those {m}: "
         f"{fmt_t(t_bb_sub / m)} each")
    )
    rows.append(
        ("(c) 100k comparisons", t_bb, per_mc * N_C, per_mc * N_C / t_bb,
         f"sostac measured on all 100k; ref EXTRAPOLATED from {m} comparisons")
    )

    # ---------------------------------------------------------------- table
    head = ("task", "sostac", "reference", "ref/sostac", "check (sostac vs reference)")
    w = [max(len(head[0]), *(len(r[0]) for r in rows)), 10, 10, 10]

    def line(c):
        cells = [f"{c[0]:<{w[0]}}"] + [f"{c[i]:>{w[i]}}" for i in (1, 2, 3)]
        return "  ".join(cells + [c[4]])

    print()
    print(line(head))
    print(line(tuple("-" * x for x in w) + ("-" * 27,)))
    for task, ts, tr, ratio, check in rows:
        r = "-" if ratio is None else f"{ratio:.1f}x"
        print(line((task, fmt_t(ts), fmt_t(tr), r, check)))
    print()
    print(
        "references: (a) statsmodels proportions_ztest in a Python loop (one call\n"
        "              per test), proportion_confint(method='wilson') vectorised,\n"
        "              multipletests(method='fdr_bh');\n"
        "            (b) scipy.stats.fisher_exact in a Python loop on\n"
        "              [[x_b, n_b-x_b], [x_a, n_a-x_a]];\n"
        f"            (c) numpy Generator.beta, {MC_DRAWS:,} draws per arm, "
        f"{MC_CHUNK} comparisons per call.\n"
        "timing: best of 5 (sostac (a)), 7 (sostac (b)), 3 (vectorised references,\n"
        "        scipy loop, sostac on the 500 of (c)); 1 run (statsmodels z loop,\n"
        "        sostac on all 100k of (c), Monte Carlo)."
    )
    load1 = os.getloadavg()
    print(
        "load avg at end: {:.2f} {:.2f} {:.2f}; ".format(*load1)
        + f"total bench time {time.perf_counter() - t_start:.0f} s"
    )


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        main()
