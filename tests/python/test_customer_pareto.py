"""Pareto/NBD, BG/BB and 2F1 (sostac.customer, pareto slice).

Published values: CDNOW (Fader, Hardie & Lee 2005; the lifetimes/BTYD suites) and the
donations data of Fader, Hardie & Shang (2010). Per-customer predictions are checked
against mpmath evaluations of the closed forms (mpmath's own hyp2f1 and beta), and
the Pareto/NBD likelihood also against its integral form (mpmath.quad), to 1e-8.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sostac.customer import BetaGeoBetaBinom, ParetoNBD, hyp2f1

ROOT = Path(__file__).resolve().parents[2]


def _shared() -> Path | None:
    for cand in (os.environ.get("SOSTAC_SHARED_DATA"), ROOT.parent / "shared" / "data",
                 "/work/shared/data"):
        if cand and (Path(cand) / "cdnow_customers_summary.csv").exists():
            return Path(cand)
    return None


SHARED = _shared()
needs_data = pytest.mark.skipif(
    SHARED is None, reason="shared reference data absent (set SOSTAC_SHARED_DATA)"
)


@pytest.fixture(scope="module")
def cdnow():
    pd = pytest.importorskip("pandas")
    if SHARED is None:
        pytest.skip("shared reference data absent (set SOSTAC_SHARED_DATA)")
    return pd.read_csv(SHARED / "cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def donations():
    pd = pytest.importorskip("pandas")
    if SHARED is None:
        pytest.skip("shared reference data absent (set SOSTAC_SHARED_DATA)")
    return pd.read_csv(SHARED / "donations.csv")


@pytest.fixture(scope="module")
def pareto(cdnow):
    return ParetoNBD().fit(cdnow)


@pytest.fixture(scope="module")
def bgbb(donations):
    return BetaGeoBetaBinom().fit(donations, weights="weights")


def rel(a, b):
    a, b = float(a), float(b)
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


# ---------------------------------------------------------------------------------
# mpmath closed forms (independent of sostac's 2F1)
# ---------------------------------------------------------------------------------

mp.mp.dps = 30


def mp_pareto_terms(p, x, tx, T):
    r, al, s, be = (mp.mpf(v) for v in p)
    x, tx, T = mp.mpf(x), mp.mpf(tx), mp.mpf(T)
    common = mp.gamma(r + x) * al**r * be**s / mp.gamma(r)
    alive = 1 / ((al + T) ** (r + x) * (be + T) ** s)
    a = r + s + x
    if al >= be:
        def term(t):
            return mp.hyp2f1(a, s + 1, a + 1, (al - be) / (al + t)) / (al + t) ** a
    else:
        def term(t):
            return mp.hyp2f1(a, r + x, a + 1, (be - al) / (be + t)) / (be + t) ** a
    died = s / a * (term(tx) - term(T))
    return common, alive, died


def mp_pareto_ll(p, x, tx, T):
    c, u, v = mp_pareto_terms(p, x, tx, T)
    return mp.log(c * (u + v))


def mp_pareto_ll_integral(p, x, tx, T):
    """The likelihood as the integral over the death time (no 2F1 at all)."""
    r, al, s, be = (mp.mpf(v) for v in p)
    x, tx, T = mp.mpf(x), mp.mpf(tx), mp.mpf(T)
    c = mp.gamma(r + x) * al**r * be**s / mp.gamma(r)
    alive = (al + T) ** (-(r + x)) * (be + T) ** (-s)
    died = s * mp.quad(lambda u: (al + u) ** (-(r + x)) * (be + u) ** (-(s + 1)), [tx, T])
    return mp.log(c * (alive + died))


def mp_pareto_alive(p, x, tx, T):
    _, u, v = mp_pareto_terms(p, x, tx, T)
    return u / (u + v)


def mp_pareto_cond(p, t, x, tx, T):
    r, al, s, be = (mp.mpf(v) for v in p)
    t, x, T = mp.mpf(t), mp.mpf(x), mp.mpf(T)
    f = (r + x) * (be + T) / ((al + T) * (s - 1)) * (1 - ((be + T) / (be + T + t)) ** (s - 1))
    return f * mp_pareto_alive(p, x, tx, T)


def mp_pareto_new(p, t):
    r, al, s, be = (mp.mpf(v) for v in p)
    return r * be / (al * (s - 1)) * (1 - (be / (be + t)) ** (s - 1))


def mp_pareto_prob_n(p, n, t):
    r, al, s, be = (mp.mpf(v) for v in p)
    t = mp.mpf(t)
    first = (mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n)) * (al / (al + t)) ** r
             * (t / (al + t)) ** n * (be / (be + t)) ** s)
    c = r + s + n + 1
    fac = al**r * be**s * mp.beta(r + n, s + 1) / mp.beta(r, s)
    b1 = mp.hyp2f1(r + s, s + 1, c, (al - be) / al) / al ** (r + s)
    acc = mp.mpf(0)
    for i in range(int(n) + 1):
        acc += (mp.gamma(r + s + i) / (mp.gamma(r + s) * mp.factorial(i)) * t**i
                * mp.hyp2f1(r + s + i, s + 1, c, (al - be) / (al + t)) / (al + t) ** (r + s + i))
    return first + fac * (b1 - acc)


def mp_bgbb_ll(p, x, tx, n):
    a, b, g, d = (mp.mpf(v) for v in p)
    tot = mp.beta(a + x, b + n - x) / mp.beta(a, b) * mp.beta(g, d + n) / mp.beta(g, d)
    for i in range(int(n - tx)):
        tot += (mp.beta(a + x, b + tx - x + i) / mp.beta(a, b)
                * mp.beta(g + 1, d + tx + i) / mp.beta(g, d))
    return mp.log(tot)


def mp_bgbb_alive(p, x, tx, n, m=1):
    a, b, g, d = (mp.mpf(v) for v in p)
    num = mp.beta(a + x, b + n - x) / mp.beta(a, b) * mp.beta(g, d + n + m) / mp.beta(g, d)
    return num / mp.exp(mp_bgbb_ll(p, x, tx, n))


def mp_bgbb_cond(p, t, x, tx, n):
    a, b, g, d = (mp.mpf(v) for v in p)
    lead = mp.beta(a + x + 1, b + n - x) / mp.beta(a, b) / mp.exp(mp_bgbb_ll(p, x, tx, n))
    return lead * d / (g - 1) * mp.gamma(g + d) / mp.gamma(1 + d) * (
        mp.gamma(1 + d + n) / mp.gamma(g + d + n)
        - mp.gamma(1 + d + n + t) / mp.gamma(g + d + n + t)
    )


def mp_bgbb_new(p, n):
    a, b, g, d = (mp.mpf(v) for v in p)
    return a / (a + b) * d / (g - 1) * (
        1 - mp.gamma(g + d) / mp.gamma(g + d + n) * mp.gamma(1 + d + n) / mp.gamma(1 + d)
    )


def mp_bgbb_prob_n(p, x, n):
    a, b, g, d = (mp.mpf(v) for v in p)
    tot = (mp.binomial(n, x) * mp.beta(a + x, b + n - x) / mp.beta(a, b)
           * mp.beta(g, d + n) / mp.beta(g, d))
    for i in range(int(x), int(n)):
        tot += (mp.binomial(i, x) * mp.beta(a + x, b + i - x) / mp.beta(a, b)
                * mp.beta(g + 1, d + i) / mp.beta(g, d))
    return tot


# ---------------------------------------------------------------------------------
# published values
# ---------------------------------------------------------------------------------


@needs_data
def test_pareto_nbd_cdnow_published(pareto):
    p = pareto.params_
    assert round(p["r"], 3) == 0.553
    assert round(p["alpha"], 2) == 10.58
    assert round(p["s"], 3) == 0.606
    assert round(p["beta"], 2) == 11.67
    # The CSV rounds recency and T to 2 decimals of a week, which moves the optimum's
    # log-likelihood to -9594.974; on exact weeks (next test) it is -9594.976 -> -9594.98.
    assert abs(pareto.log_likelihood_ - (-9594.98)) < 0.01
    assert pareto.converged_
    assert all(math.isfinite(v) and v > 0 for v in pareto.standard_errors_.values())
    assert pareto.n_ == 2357


@needs_data
def test_pareto_nbd_cdnow_exact_weeks_published():
    """The published fit on the summary in exact weeks (days / 7), computed here with
    pandas from CDNOW_sample.txt (calibration to 1997-09-30; purchases on the same day
    merged)."""
    pd = pytest.importorskip("pandas")
    t = pd.read_csv(SHARED / "CDNOW_sample.txt", sep=r"\s+", header=None,
                    names=["master", "id", "date", "cds", "dollars"])
    t["date"] = pd.to_datetime(t["date"].astype(str), format="%Y%m%d")
    end = pd.Timestamp("1997-09-30")
    days = t[t["date"] <= end].drop_duplicates(["id", "date"]).groupby("id")["date"]
    first, last = days.min(), days.max()
    x = (days.count() - 1).to_numpy(float)
    T = ((end - first).dt.days / 7).to_numpy()
    tx = ((last - first).dt.days / 7).to_numpy()
    assert len(x) == 2357
    m = ParetoNBD().fit(x, tx, T)
    p = m.params_
    assert (round(p["r"], 3), round(p["alpha"], 2), round(p["s"], 3), round(p["beta"], 2)) == (
        0.553, 10.58, 0.606, 11.67)
    assert round(m.log_likelihood_, 2) == -9594.98


@needs_data
def test_bgbb_donations_published(bgbb):
    # Fader, Hardie & Shang (2010): alpha 1.204, beta 0.750, gamma 0.657, delta 2.783,
    # LL -33,225.6 on 11,104 donors
    p = bgbb.params_
    assert round(p["alpha"], 3) == 1.204
    assert round(p["beta"], 3) == 0.750
    assert round(p["gamma"], 3) == 0.657
    assert round(p["delta"], 3) == 2.783
    assert round(bgbb.log_likelihood_, 1) == -33225.6
    assert bgbb.n_ == 11104
    assert bgbb.converged_


@needs_data
def test_bgbb_accepts_lifetimes_periods_column_and_arrays(donations, bgbb):
    m = BetaGeoBetaBinom().fit(
        donations["frequency"], donations["recency"], donations["periods"], donations["weights"]
    )
    for k, v in bgbb.params_.items():
        assert rel(m.params_[k], v) < 1e-10
    # weighted patterns equal the expanded customers
    rep = np.repeat(np.arange(len(donations)), donations["weights"].to_numpy())
    e = BetaGeoBetaBinom().fit(
        donations["frequency"].to_numpy()[rep], donations["recency"].to_numpy()[rep],
        donations["periods"].to_numpy()[rep],
    )
    assert rel(e.log_likelihood_, bgbb.log_likelihood_) < 1e-12


# ---------------------------------------------------------------------------------
# per-customer predictions vs mpmath
# ---------------------------------------------------------------------------------


def _sample_rows(cdnow):
    rows = cdnow.iloc[:: 47][["frequency", "recency", "T"]].to_numpy()
    extra = np.array([[0, 0, 38.86], [40, 38.5, 38.86], [5, 38.86, 38.86], [1, 0.14, 32.0]])
    return np.vstack([rows, extra])


@needs_data
def test_pareto_predictions_match_mpmath(pareto, cdnow):
    rows = _sample_rows(cdnow)
    x, tx, T = rows.T
    p = [pareto.params_[k] for k in ("r", "alpha", "s", "beta")]
    ll = pareto.log_likelihood(x, tx, T)
    alive = pareto.prob_alive(x, tx, T)
    cond = {t: pareto.expected_purchases(t, x, tx, T) for t in (1.0, 10.0, 52.0)}
    for i in range(len(x)):
        assert abs(ll[i] - float(mp_pareto_ll(p, x[i], tx[i], T[i]))) < 1e-8 * abs(ll[i])
        assert rel(alive[i], mp_pareto_alive(p, x[i], tx[i], T[i])) < 1e-8
        for t, v in cond.items():
            assert rel(v[i], mp_pareto_cond(p, t, x[i], tx[i], T[i])) < 1e-8
    for i in range(0, len(x), 7):  # the integral form: no 2F1 involved
        assert abs(ll[i] - float(mp_pareto_ll_integral(p, x[i], tx[i], T[i]))) < 1e-8 * abs(ll[i])
    ts = np.array([0.5, 1.0, 10.0, 39.0, 78.0, 520.0])
    new = pareto.expected_purchases_new(ts)
    for t, v in zip(ts, new):
        assert rel(v, mp_pareto_new(p, t)) < 1e-8


@pytest.mark.parametrize(
    "params",
    [(0.553, 10.58, 0.606, 11.67), (0.8, 3.0, 1.7, 0.4), (2.0, 40.0, 0.3, 90.0)],
)
def test_pareto_likelihood_and_alive_other_regimes(params):
    """alpha < beta, alpha >> beta (z near 1) and s > 1, with the fitted-model
    machinery bypassed: the kernels through a model carrying fixed parameters."""
    m = ParetoNBD()
    m._param_vector = np.array(params, dtype=float)
    m._fit = {}
    x = np.array([0, 1, 3, 12, 2, 0])
    tx = np.array([0, 0.5, 20.0, 38.0, 38.86, 0])
    T = np.array([38.86, 38.86, 38.86, 38.86, 38.86, 2.0])
    ll = m.log_likelihood(x, tx, T)
    alive = m.prob_alive(x, tx, T)
    for i in range(len(x)):
        assert abs(ll[i] - float(mp_pareto_ll(params, x[i], tx[i], T[i]))) < 1e-8 * abs(ll[i])
        assert rel(alive[i], mp_pareto_alive(params, x[i], tx[i], T[i])) < 1e-8


@needs_data
def test_pareto_prob_purchases(pareto):
    p = [pareto.params_[k] for k in ("r", "alpha", "s", "beta")]
    for t in (5.0, 39.0):
        for n in (0, 1, 2, 7):
            assert rel(pareto.prob_purchases(n, t), mp_pareto_prob_n(p, n, t)) < 1e-8
        # a distribution over n whose mean is E[X(t)]
        ns = np.arange(0, 400)
        pr = pareto.prob_purchases(ns, t)
        assert np.all(pr >= 0)
        assert abs(pr.sum() - 1) < 1e-6
        assert rel((ns * pr).sum(), pareto.expected_purchases_new(t)) < 1e-4


@needs_data
def test_bgbb_predictions_match_mpmath(bgbb, donations):
    p = [bgbb.params_[k] for k in ("alpha", "beta", "gamma", "delta")]
    x, tx, n = (donations[c].to_numpy(dtype=float) for c in ("frequency", "recency", "periods"))
    ll = bgbb.log_likelihood(x, tx, n)
    alive = bgbb.prob_alive(x, tx, n)
    alive3 = bgbb.prob_alive(x, tx, n, m_periods=3)
    cond = bgbb.expected_purchases(5, x, tx, n)
    for i in range(len(x)):
        assert rel(ll[i], mp_bgbb_ll(p, x[i], tx[i], n[i])) < 1e-8
        assert rel(alive[i], mp_bgbb_alive(p, x[i], tx[i], n[i])) < 1e-8
        assert rel(alive3[i], mp_bgbb_alive(p, x[i], tx[i], n[i], 3)) < 1e-8
        assert rel(cond[i], mp_bgbb_cond(p, 5, x[i], tx[i], n[i])) < 1e-8
    for t in (1, 6, 11, 50):
        assert rel(bgbb.expected_purchases_new(t), mp_bgbb_new(p, t)) < 1e-8
        pr = bgbb.prob_purchases(np.arange(t + 1), t)
        for k in range(0, t + 1, max(1, t // 5)):
            assert rel(pr[k], mp_bgbb_prob_n(p, k, t)) < 1e-8
        assert abs(pr.sum() - 1) < 1e-10
        assert rel((np.arange(t + 1) * pr).sum(), bgbb.expected_purchases_new(t)) < 1e-10
    assert bgbb.prob_purchases(7, 6) == 0.0


def test_bgbb_gamma_near_one_uses_the_direct_sum():
    m = BetaGeoBetaBinom()
    for g in (1.0, 1.0 + 5e-4, 1.002):
        p = (1.2, 0.75, g, 2.8)
        m._param_vector = np.array(p)
        m._fit = {}
        # the gamma = 1 limit: d (digamma(1 + d + n) - digamma(1 + d)) a/(a+b)
        want = (mp_bgbb_new(p, 10) if g != 1.0 else
                mp.mpf(1.2) / mp.mpf(1.95) * 2.8 * (mp.digamma(1 + 2.8 + 10) - mp.digamma(3.8)))
        assert rel(m.expected_purchases_new(10), want) < 1e-9


def test_hyp2f1_python_matches_mpmath():
    cases = [(0.5, 1.5, 2.5, 0.3), (3.2, 1.6, 4.2, 0.97), (1.1, 0.55, 2.1, -7.0),
             (0.243, 2.426, 2.219, 0.999), (2.0, 3.0, 5.0 + 1e-4, 0.95)]
    got = hyp2f1(*map(np.array, zip(*cases)))
    for (a, b, c, z), g in zip(cases, got):
        assert rel(g, mp.hyp2f1(a, b, c, z)) < 1e-12
    assert isinstance(hyp2f1(1, 1, 2, 0.5), float)
    with pytest.raises(ValueError, match=r"z\[0\].*z > 1"):
        hyp2f1(1, 1, 2, 1.5)


# ---------------------------------------------------------------------------------
# robustness
# ---------------------------------------------------------------------------------


@needs_data
def test_pareto_random_starts_reach_the_same_optimum(cdnow, pareto):
    rng = np.random.default_rng(20261203)
    for _ in range(20):
        start = np.exp(rng.uniform(np.log(0.05), np.log(50.0), size=4))
        m = ParetoNBD().fit(cdnow, start=start)
        assert abs(m.log_likelihood_ - pareto.log_likelihood_) < 1e-6
        for k, v in pareto.params_.items():
            assert rel(m.params_[k], v) < 1e-3, (k, start)


@needs_data
def test_bgbb_random_starts_reach_the_same_optimum(donations, bgbb):
    rng = np.random.default_rng(7)
    for _ in range(20):
        start = np.exp(rng.uniform(np.log(0.05), np.log(20.0), size=4))
        m = BetaGeoBetaBinom().fit(donations, weights="weights", start=start)
        assert abs(m.log_likelihood_ - bgbb.log_likelihood_) < 1e-6
        for k, v in bgbb.params_.items():
            assert rel(m.params_[k], v) < 1e-4, (k, start)


DEGENERATE_PARETO = {
    "no repeat buyers": ([0.0] * 30, [0.0] * 30, [30.0] * 30),
    "a single customer": ([3.0], [10.0], [20.0]),
    "recency = T for everyone": ([1.0, 2.0, 3.0, 4.0] * 10, [20.0] * 40, [20.0] * 40),
}


@pytest.mark.parametrize("case", sorted(DEGENERATE_PARETO))
def test_pareto_degenerate_data_is_not_converged(case):
    """Documented: data that do not identify the model give converged_ False with the
    reason (RuntimeError when strict), never NaN reported as an estimate."""
    x, tx, T = DEGENERATE_PARETO[case]
    with pytest.raises(RuntimeError, match="did not converge"):
        ParetoNBD().fit(x, tx, T)
    m = ParetoNBD(strict=False).fit(x, tx, T)
    assert not m.converged_ and m.message_
    assert all(math.isfinite(v) for v in m.params_.values())


@pytest.mark.parametrize(
    "data",
    [([0, 0], [0, 0], [6, 6], [10, 20]), ([6], [6], [6], [10]), ([1, 2, 3], [1, 2, 3], [6, 6, 6], None)],
    ids=["no transactions", "everyone every period", "recency = n"],
)
def test_bgbb_degenerate_data_is_not_converged(data):
    x, tx, n, w = data
    with pytest.raises(RuntimeError, match="did not converge"):
        BetaGeoBetaBinom().fit(x, tx, n, w)


# ---------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x,tx,T,w,match",
    [
        ([1, 2], [5, 30], [20, 20], None, r"recency\[1\].*exceeds T"),
        ([1, 0], [0, 0], [20, 20], None, r"recency\[0\].*recency is 0 but frequency is 1"),
        ([0, 0], [0, 3], [20, 20], None, r"recency\[1\].*frequency is 0"),
        ([-1, 0], [1, 0], [20, 20], None, r"frequency\[0\].*non-negative whole"),
        ([1.5, 0], [1, 0], [20, 20], None, r"frequency\[0\]"),
        ([1, 0], [1, 0], [20, float("nan")], None, r"T\[1\].*finite positive"),
        ([1, 0], [1, 0], [20, 20], [1, -2], r"weights\[1\]"),
        ([1, 0], [1, 0], [20, 20], [0, 0], r"weights: the weights sum to 0"),
        ([1, 0], [1, 0], [20], None, r"T: expected 2 values"),
    ],
)
def test_pareto_bad_input_names_the_argument_and_row(x, tx, T, w, match):
    with pytest.raises(ValueError, match=match):
        ParetoNBD().fit(x, tx, T, w)


@pytest.mark.parametrize(
    "x,tx,n,match",
    [
        ([2, 0], [1, 0], [6, 6], r"frequency\[0\].*exceeds recency"),
        ([1, 0], [7, 0], [6, 6], r"recency\[0\].*exceeds n_periods"),
        ([1, 0], [1, 0], [6, 0], r"n_periods\[1\]"),
        ([1, 0], [1.5, 0], [6, 6], r"recency\[0\].*whole"),
        ([0, 0], [0, 2], [6, 6], r"recency\[1\].*frequency is 0"),
    ],
)
def test_bgbb_bad_input_names_the_argument_and_row(x, tx, n, match):
    with pytest.raises(ValueError, match=match):
        BetaGeoBetaBinom().fit(x, tx, n)


@needs_data
def test_prediction_bad_input(pareto, bgbb):
    with pytest.raises(ValueError, match=r"t\[1\].*non-negative horizon"):
        pareto.expected_purchases([1.0, -2.0], 1, 5.0, 10.0)
    with pytest.raises(ValueError, match=r"recency\[0\].*exceeds T"):
        pareto.prob_alive(1, 12.0, 10.0)
    with pytest.raises(ValueError, match=r"n\[0\].*whole"):
        pareto.prob_purchases(1.5, 10.0)
    with pytest.raises(ValueError, match=r"t\[0\]"):
        bgbb.expected_purchases(2.5, 1, 1, 6)
    with pytest.raises(ValueError, match=r"frequency\[0\].*exceeds recency"):
        bgbb.prob_alive(3, 2, 6)
    with pytest.raises(ValueError, match="mismatched lengths"):
        pareto.prob_alive([1, 2], [1.0, 2.0, 3.0], [10.0, 10.0])
    with pytest.raises(RuntimeError, match="not fitted"):
        ParetoNBD().prob_alive(1, 1.0, 2.0)


# ---------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------

pos = st.floats(min_value=0.05, max_value=30.0)


@settings(max_examples=60, deadline=None)
@given(r=pos, alpha=pos, s=pos, beta=pos, x=st.integers(0, 60),
       frac=st.floats(0.0, 1.0), T=st.floats(0.5, 200.0))
def test_pareto_alive_in_unit_interval_and_expected_non_decreasing(r, alpha, s, beta, x, frac, T):
    m = ParetoNBD()
    m._param_vector = np.array([r, alpha, s, beta])
    m._fit = {}
    tx = 0.0 if x == 0 else max(frac * T, 1e-3)
    a = m.prob_alive(x, tx, T)
    assert 0.0 <= a <= 1.0
    e = m.expected_purchases(np.array([0.0, 1.0, 5.0, 50.0, 500.0]), x, tx, T)
    assert np.all(np.isfinite(e)) and np.all(np.diff(e) >= -1e-12 * np.abs(e[1:]))
    n = m.expected_purchases_new(np.array([0.0, 1.0, 10.0, 100.0]))
    assert np.all(np.diff(n) >= 0)


@settings(max_examples=60, deadline=None)
@given(a=pos, b=pos, g=pos, d=pos, n=st.integers(1, 40), data=st.data())
def test_bgbb_alive_in_unit_interval_and_expected_non_decreasing(a, b, g, d, n, data):
    m = BetaGeoBetaBinom()
    m._param_vector = np.array([a, b, g, d])
    m._fit = {}
    tx = data.draw(st.integers(0, n))
    x = 0 if tx == 0 else data.draw(st.integers(1, tx))
    al = m.prob_alive(x, tx, n)
    assert 0.0 <= al <= 1.0
    e = m.expected_purchases(np.array([0, 1, 5, 20, 100]), x, tx, n)
    assert np.all(np.isfinite(e)) and np.all(np.diff(e) >= 0)


@needs_data
def test_pareto_scoring_by_distinct_pattern_equals_row_by_row(pareto, cdnow):
    """Without an interval, P(alive) and E[Y(t)] are evaluated once per distinct input
    row; the values equal the row-by-row path (interval=True) exactly."""
    rows = cdnow[["frequency", "recency", "T"]].to_numpy()
    x, tx, T = np.vstack([rows, rows[::-1]]).T  # every pattern at least twice
    a = pareto.prob_alive(x, tx, T)
    b = pareto.prob_alive(x, tx, T, interval=True)["estimate"].to_numpy()
    assert np.array_equal(a, b)
    t = np.where(np.arange(len(x)) % 2 == 0, 10.0, 52.0)
    e = pareto.expected_purchases(t, x, tx, T)
    f = pareto.expected_purchases(t, x, tx, T, interval=True)["estimate"].to_numpy()
    assert np.array_equal(e, f)
    with pytest.raises(ValueError, match=r"T\[2\]"):
        pareto.prob_alive([1, 1, 1], [1.0, 1.0, 1.0], [5.0, 5.0, float("nan")])


@needs_data
def test_pareto_expected_sum_is_the_weighted_sum_of_expected_purchases(pareto, cdnow):
    """pareto_nbd_expected_sum (GammaGamma.clv's discounted sum, P(alive) once per
    customer) against expected_purchases horizon by horizon, value and gradient."""
    from sostac import _core

    rows = _sample_rows(cdnow)
    x, tx, T = (np.ascontiguousarray(c) for c in rows.T)
    ts = np.array([4.345, 8.69, 13.035, 0.0])
    ws = np.array([0.9, -0.3, 1.7, 5.0])
    got = _core.customer.pareto_nbd_expected_sum(pareto._param_vector, ts, ws, x, tx, T, True)
    want = sum(w * pareto.expected_purchases(t, x, tx, T) for t, w in zip(ts, ws))
    assert np.max(np.abs(got["value"] - want) / np.abs(want)) < 1e-12
    gwant = sum(
        w * pareto._expected_core(np.full(len(x), t), x, tx, T, True)["gradient"]
        for t, w in zip(ts, ws)
    )
    assert np.allclose(got["gradient"], gwant, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match=r"t\[1\]"):
        _core.customer.pareto_nbd_expected_sum(
            pareto._param_vector, np.array([1.0, -1.0]), np.ones(2), x, tx, T, False)
    with pytest.raises(ValueError, match=r"weights"):
        _core.customer.pareto_nbd_expected_sum(
            pareto._param_vector, np.array([1.0, 2.0]), np.ones(3), x, tx, T, False)


@needs_data
def test_pareto_clv_matches_the_per_horizon_sum(pareto, cdnow):
    """GammaGamma.clv through ParetoNBD's one-pass discounted sum equals the generic
    per-horizon loop (TransactionModel._expected_discounted) to rounding."""
    pd = pytest.importorskip("pandas")
    from sostac.customer import GammaGamma
    from sostac.customer._models import TransactionModel

    summ = pd.DataFrame({
        "frequency": cdnow["frequency"], "recency": cdnow["recency"], "T": cdnow["T"],
        "monetary": np.where(cdnow["frequency"] > 0, 20.0 + cdnow.index % 17, 0.0),
    })
    gg = GammaGamma().fit(summ[summ["frequency"] > 0])
    fast = gg.clv(pareto, summ, horizon=12, interval=True)

    class Loop(type(pareto)):
        _expected_discounted = TransactionModel._expected_discounted

    slow_model = Loop()
    slow_model.__dict__.update(pareto.__dict__)
    slow = gg.clv(slow_model, summ, horizon=12, interval=True)
    assert np.max(np.abs(fast["estimate"] - slow["estimate"]) / slow["estimate"]) < 1e-12
    assert np.allclose(fast["se"], slow["se"], rtol=1e-5, atol=1e-9)

