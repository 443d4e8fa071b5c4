#!/usr/bin/env python3
"""Golden data for the overdispersion-aware KPI status test (dispersion.csv).

Run from the repository root (about 2 s):

    python3 tests/golden/py/generate_dispersion.py

For 42 seeded cases (rates, costs per count and counts; 2 to 120 periods; equal and
unequal trials / exposures; periods without exposure; targets on both sides; both
directions; from no extra variation to a lot) it writes the per-period counts and,
as references:

* phi: statsmodels ``GLM(..., family=Binomial() / Poisson()).fit(scale="X2").scale``
  (an intercept-only GLM; binomial endog as the proportions with
  ``var_weights=trials``, Poisson with ``exposure=``), periods without trials /
  exposure left out; asserted equal to Pearson's X^2 / (m - 1) by numpy;
* dispersion_p: ``scipy.stats.chi2.sf(X^2, m - 1)``;
* plain_p: the plain one-sided test (rates: score z against ``scipy.stats.norm``;
  costs per count and counts: exact ``scipy.stats.poisson`` tail);
* quasi_t, quasi_p: z / sqrt(phi) and its ``scipy.stats.t`` tail on m - 1 df;
* p: the rule's p-value, max(plain_p, quasi_p) when phi > 1, else plain_p.

The random numbers come from ``numpy.random.default_rng(20261203)``: the file is
the same on every run with the same numpy (its ``Generator`` streams are stable).
"""

import math
import os

import numpy as np
import statsmodels.api as sm
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = ["case", "family", "higher", "target", "periods", "x", "n", "phi", "df",
          "dispersion_p", "z", "plain_p", "quasi_t", "quasi_p", "test", "p"]


def fmt(v):
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple, np.ndarray)):
        return ";".join(fmt(u) for u in v)
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def glm_phi(x, n, binomial):
    keep = n > 0
    x, n = x[keep], n[keep]
    ones = np.ones((len(x), 1))
    if binomial:
        # proportions with var_weights = trials: with endog as [successes, failures]
        # statsmodels 0.15's scale="X2" is that of the proportions without their
        # trials (5.1e-3 instead of 5.1 for 10, 20, 30 of 1,000 each)
        fit = sm.GLM(x / n, ones, family=sm.families.Binomial(), var_weights=n)
    else:
        fit = sm.GLM(x, ones, family=sm.families.Poisson(), exposure=n)
    phi = fit.fit(scale="X2").scale
    r = x.sum() / n.sum()
    v = r * (1 - r) if binomial else r
    by_hand = ((x - n * r) ** 2 / (n * v)).sum() / (len(x) - 1)
    assert abs(phi - by_hand) <= 1e-10 * by_hand, (phi, by_hand)
    return float(phi), len(x) - 1


def case_rows():
    rng = np.random.default_rng(20261203)
    specs = []
    for family in ("rate", "cpa", "count"):
        for m in (2, 3, 5, 12, 26, 60, 120):
            for spread in (0.0, 0.15):
                specs.append((family, m, spread))
    rows = []
    for i, (family, m, spread) in enumerate(specs):
        higher = bool(i % 2)
        per_len = 1.0
        mult = np.exp(rng.normal(0, spread, m) - spread**2 / 2)
        shift = rng.choice([0.85, 0.97, 1.0, 1.05, 1.2])  # the truth against the target
        equal = i % 3 != 0
        if family == "rate":
            target = float(rng.choice([0.004, 0.02, 0.3, 0.7]))
            n = (np.full(m, 20_000) if equal else rng.integers(300, 80_000, m)).astype(float)
            p = np.clip(target * shift * mult, 1e-6, 1 - 1e-6)
            x = rng.binomial(n.astype(np.int64), p).astype(float)
        elif family == "cpa":
            target = float(rng.choice([8.0, 25.0, 140.0]))
            n = np.round(np.full(m, 600.0) if equal else rng.uniform(50, 3000, m), 2)
            x = rng.poisson(n / target / shift * mult).astype(float)  # orders
        else:
            days = np.full(m, 7.0) if equal else rng.choice([28.0, 30.0, 31.0], m)
            if m > 3 and i % 4 == 0:
                days[0] = 0.0  # a period without exposure, left out
                days[-1] = 3.0  # a partly covered last period
            target = float(rng.choice([40.0, 900.0, 55_000.0]))  # per period
            per_len = 7.0 if equal else 30.0
            n = days
            x = rng.poisson(n / per_len * target * shift * mult).astype(float)
        periods = float(n.sum() / per_len) if family == "count" else float(m)
        rows.append((family, higher, target, periods, x, n))
    return rows


def main():
    out = []
    for case, (family, higher, target, periods, x, n) in enumerate(case_rows()):
        binomial = family == "rate"
        phi, df = glm_phi(x, n, binomial)
        if family == "rate":
            k, trials = x.sum(), n.sum()
            z = (k - trials * target) / math.sqrt(trials * target * (1 - target))
            side = "less" if higher else "greater"
            plain = stats.norm.cdf(z) if side == "less" else stats.norm.sf(z)
        else:
            k = x.sum()
            if family == "cpa":
                mu = n.sum() / target
                side = "greater" if higher else "less"  # the sides swap for a cost
            else:
                mu = periods * target  # periods: the covered days / the period length
                side = "less" if higher else "greater"
            z = (k - mu) / math.sqrt(mu)
            plain = stats.poisson.cdf(k, mu) if side == "less" else stats.poisson.sf(k - 1, mu)
        t = z / math.sqrt(phi) if phi > 0 else math.nan
        quasi = stats.t.cdf(t, df) if side == "less" else stats.t.sf(t, df)
        quasi_fam = "quasi-binomial" if binomial else "quasi-poisson"
        plain_fam = "score" if binomial else "poisson"
        test, p = (quasi_fam, max(plain, quasi)) if phi > 1 else (plain_fam, plain)
        out.append([case, family, higher, target, periods, x, n, phi, df,
                    stats.chi2.sf(phi * df, df), z, plain, t, quasi, test, p])
    path = os.path.join(HERE, "dispersion.csv")
    with open(path, "w") as f:
        f.write(",".join(HEADER) + "\n")
        for r in out:
            f.write(",".join(fmt(v) for v in r) + "\n")
    print(f"wrote {path}: {len(out)} rows, {sum(r[7] > 1 for r in out)} with phi > 1")


if __name__ == "__main__":
    main()
