"""Overdispersion-aware status tests (issue 13): on in-control data whose true KPI
equals the target, the off-track rate at the deadline stays at most alpha plus three
standard errors for rates, costs per count and counts, where the plain binomial /
Poisson test (the rule before) fails that bound; on plain binomial / Poisson data the
verdicts are the plain test's wherever the dispersion is <= 1.

``_core.control.evaluate_kpi`` is called directly, with the arguments
``sostac.control.evaluate`` gives it (totals, the per-period values, the per-period
counts and trials / exposures), at the deadline (as_of = deadline: the test alone
decides). Seeded and bounded (a few seconds)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from sostac import Plan, _core

ALPHA = 0.05
N = 1000  # datasets per scenario
BOUND = ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / N)  # 0.0707
DAYS = 120
SPREAD = 0.15  # day-to-day sd of the rate, relative


def _multiplier(rng, m, spread):
    """Lognormal day-to-day multipliers with mean 1 and sd ~ spread (0: none)."""
    if spread == 0:
        return np.ones(m)
    s = math.sqrt(math.log1p(spread**2))
    return np.exp(rng.normal(-s * s / 2, s, m))


def _periods(x, n, cadence):
    """Daily counts summed to the cadence (weekly: 17 whole ISO-like weeks)."""
    if cadence == "daily":
        return x, n
    w = len(x) // 7
    return x[: 7 * w].reshape(w, 7).sum(1), n[: 7 * w].reshape(w, 7).sum(1)


def _evaluate(kind, x, n, target, higher, *, per_period=True):
    """The verdict of evaluate_kpi at the deadline, as control.evaluate calls it.
    rate: x successes of n trials; cpa: x orders for a cost of n; count: x over n
    days covered (the target per period of len(x) whole periods)."""
    m = len(x)
    days = np.arange(m, dtype=float) * 7
    if kind == "rate":
        args = ("wilson", x.sum(), n.sum(), x.sum() / n.sum(), x / n, x, n)
    elif kind == "cpa":
        args = ("poisson-gamma", n.sum(), x.sum(), n.sum() / x.sum(), n / x, n, x)
    else:
        args = ("poisson", x.sum(), math.nan, x.sum(), x.astype(float), x, n)
    interval, num, den, value, y, pnum, pden = args
    if not per_period:  # the rule before: no per-period counts, the plain test
        pnum, pden = np.empty(0), np.empty(0)
    return _core.control.evaluate_kpi(
        interval, float(num), float(den), float(value), float(value), float(value),
        float(m), float(target), higher, days.tolist(), np.asarray(y, float).tolist(),
        float(days[-1]), float(days[-1]), ALPHA, 0.95, pnum.tolist(), pden.tolist())


def _simulate(kind, spread, cadence, seed):
    """N datasets whose true KPI equals the target: (new, old) verdicts and phi."""
    rng = np.random.default_rng(seed)
    new, old, phis = [], [], []
    for _ in range(N):
        mult = _multiplier(rng, DAYS, spread)
        if kind == "rate":  # CTR 2 %, 60,000 impressions a day, higher is better
            target, higher = 0.02, True
            n = np.full(DAYS, 60_000.0)
            x = rng.binomial(60_000, target * mult).astype(float)
        elif kind == "cpa":  # CPA 20, 400-800 spent a day, lower is better
            target, higher = 20.0, False
            n = np.round(rng.uniform(400, 800, DAYS), 2)
            x = rng.poisson(n / target * mult).astype(float)
        else:  # 5,000 visitors a day, higher is better
            target, higher = 5000.0, True
            n = np.ones(DAYS)
            x = rng.poisson(target * mult).astype(float)
        x, n = _periods(x, n, cadence)
        if kind == "count" and cadence == "weekly":
            target *= 7  # the target per period
            n = np.full(len(x), 7.0)
        a = _evaluate(kind, x, n, target, higher)
        b = _evaluate(kind, x, n, target, higher, per_period=False)
        new.append(a["status"])
        old.append(b["status"])
        phis.append(a["dispersion"])
        assert a["df"] == len(x) - 1
    return np.array(new), np.array(old), np.array(phis)


CASES = [("rate", "daily", 1), ("rate", "weekly", 2), ("cpa", "daily", 3),
         ("cpa", "weekly", 4), ("count", "daily", 5), ("count", "weekly", 6)]
SPREADS = {"rate": SPREAD, "cpa": 0.2, "count": SPREAD}


@pytest.mark.parametrize("kind,cadence,seed", CASES)
def test_overdispersed_in_control_data_are_off_track_at_most_alpha_plus_3_se(
        kind, cadence, seed):
    new, old, phi = _simulate(kind, SPREADS[kind], cadence, seed)
    assert np.median(phi) > 1.5  # the data are overdispersed
    rate_new, rate_old = np.mean(new == "off_track"), np.mean(old == "off_track")
    assert rate_new <= BOUND, (rate_new, BOUND)
    # the plain test (the rule before) fails the same bound on the same data
    assert rate_old > BOUND, (rate_old, BOUND)
    # and never a verdict more confident than the plain test's
    assert not np.any((new == "off_track") & (old != "off_track"))


@pytest.mark.parametrize("kind,cadence,seed", CASES)
def test_plain_binomial_and_poisson_data_keep_the_plain_verdicts(kind, cadence, seed):
    new, old, phi = _simulate(kind, 0.0, cadence, seed + 100)
    plain = phi <= 1
    assert 0.2 < plain.mean() < 0.8  # about half the datasets on each side of 1
    assert np.array_equal(new[plain], old[plain])
    assert not np.any((new == "off_track") & (old != "off_track"))
    assert np.mean(new == "off_track") <= BOUND
    assert np.mean(old == "off_track") <= BOUND


def test_end_to_end_overdispersed_ctr_through_plan_control():
    # eight weeks of a CTR whose days swing +-15 % around 1.97 % (target 2 %): the
    # plain score test calls it credibly short; the day-to-day spread says otherwise
    days = pd.date_range("2027-01-04", periods=56)
    swing = np.tile([1.15, 0.85, 1.1, 0.9, 1.0, 1.05, 0.95], 8)
    clicks = np.round(60_000 * 0.0197 * swing)
    daily = pd.DataFrame({"date": days, "channel": "display", "impressions": 60_000,
                          "clicks": clicks})
    plan = Plan(id="ads", name="Ads", start="2027-01-01", end="2027-12-31")
    plan.add_objective("o-ctr", kpi="ctr", target=0.02, direction="increase",
                       deadline=str(days[-1].date()), scope={"channel": "display"})
    plan.add_target("o-ctr", cadence="daily")
    result = plan.control(daily)
    row = result.kpis.set_index("objective").loc["o-ctr"]
    # by hand: Pearson's X^2 of the 56 daily counts about the pooled rate
    n = np.full(56, 60_000.0)
    r = clicks.sum() / n.sum()
    phi = float(((clicks - n * r) ** 2 / (n * r * (1 - r))).sum() / 55)
    z = (clicks.sum() - n.sum() * 0.02) / math.sqrt(n.sum() * 0.02 * 0.98)
    t = z / math.sqrt(phi)
    assert phi > 1 and z < -3  # the plain test: p = Phi(z) < 0.001, off track
    assert sps.norm.cdf(z) < ALPHA
    assert row["test"] == "quasi-binomial" and row["df"] == 55
    assert row["dispersion"] == pytest.approx(phi, rel=1e-9)
    assert row["dispersion_p"] == pytest.approx(sps.chi2.sf(phi * 55, 55), rel=1e-9)
    assert row["statistic"] == pytest.approx(t, rel=1e-9)
    assert row["p_value"] == pytest.approx(max(sps.t.cdf(t, 55), sps.norm.cdf(z)), rel=1e-9)
    assert row["p_value"] >= ALPHA and row["status"] == "at_risk"
    assert "quasi-binomial t test" in row["rule"]
    assert f"dispersion {phi:.4g} from 56 periods" in row["rule"]
    assert "more variation than the binomial allows" in row["rule"]
    assert "against t with 55 df" in row["rule"] and "-> at_risk" in row["rule"]



def test_one_period_keeps_the_plain_test_and_says_so():
    # five days of one ISO week, judged after the deadline: one weekly period, no
    # dispersion to estimate, the plain score test
    days = pd.date_range("2027-01-04", periods=5)
    daily = pd.DataFrame({"date": days, "channel": "display", "impressions": 60_000,
                          "clicks": [1000, 1300, 1100, 1250, 1150]})
    plan = Plan(id="ads", name="Ads", start="2027-01-01", end="2027-12-31")
    plan.add_objective("o-ctr", kpi="ctr", target=0.02, direction="increase",
                       deadline="2027-01-08", scope={"channel": "display"})
    plan.add_target("o-ctr", cadence="weekly")
    row = plan.control(daily).kpis.set_index("objective").loc["o-ctr"]
    k, n = 5800, 300_000
    z = (k - n * 0.02) / math.sqrt(n * 0.02 * 0.98)
    assert row["test"] == "score" and np.isnan(row["dispersion"]) and np.isnan(row["df"])
    assert row["statistic"] == pytest.approx(z, rel=1e-9)
    assert row["p_value"] == pytest.approx(sps.norm.cdf(z), rel=1e-9)
    assert "dispersion not estimable (fewer than 2 periods with data, or no events): " \
        "the plain binomial test" in row["rule"]
