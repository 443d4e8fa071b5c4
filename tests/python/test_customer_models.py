"""BG/NBD, MBG/NBD and Gamma-Gamma (sostac.customer, models part).

Published CDNOW values (Fader, Hardie & Lee 2005; /work/shared/data/README.md), the
closed forms re-evaluated independently with mpmath, robustness and bad input.
"""

from __future__ import annotations

import os
from pathlib import Path

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sostac.customer import BetaGeo

ROOT = Path(__file__).resolve().parents[2]


def _shared_data() -> Path | None:
    for cand in (
        os.environ.get("SOSTAC_SHARED_DATA"),
        ROOT.parent / "shared" / "data",
        "/work/shared/data",
    ):
        if cand and (Path(cand) / "cdnow_customers_summary.csv").exists():
            return Path(cand)
    return None


DATA = _shared_data()
needs_data = pytest.mark.skipif(
    DATA is None,
    reason="CDNOW reference data not found (set SOSTAC_SHARED_DATA to ../shared/data)",
)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    if DATA is None:
        pytest.skip("CDNOW reference data not found")
    return pd.read_csv(DATA / "cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def bg(cdnow) -> BetaGeo:
    return BetaGeo().fit(cdnow)


# ---------------------------------------------------------------------------------
# independent closed forms (mpmath, 30 digits)
# ---------------------------------------------------------------------------------
mp.mp.dps = 30


def mp_bg_ll(r, alpha, a, b, x, tx, T):
    """FHL 2005 eq. (6)."""
    r, alpha, a, b, tx, T = map(mp.mpf, (r, alpha, a, b, tx, T))
    common = mp.gamma(r + x) * alpha**r / mp.gamma(r)
    L = mp.beta(a, b + x) / mp.beta(a, b) * common / (alpha + T) ** (r + x)
    if x > 0:
        L += mp.beta(a + 1, b + x - 1) / mp.beta(a, b) * common / (alpha + tx) ** (r + x)
    return mp.log(L)


def mp_bg_alive(r, alpha, a, b, x, tx, T):
    """FHL 2005 eq. (13)."""
    if x == 0:
        return mp.mpf(1)
    r, alpha, a, b, tx, T = map(mp.mpf, (r, alpha, a, b, tx, T))
    return 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def mp_bg_cond(r, alpha, a, b, t, x, tx, T):
    """FHL 2005 eq. (10)."""
    r, alpha, a, b, t, tx, T = map(mp.mpf, (r, alpha, a, b, t, tx, T))
    z = t / (alpha + T + t)
    num = (a + b + x - 1) / (a - 1) * (
        1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * mp.hyp2f1(r + x, b + x, a + b + x - 1, z)
    )
    den = 1 + (a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x) if x > 0 else 0)
    return num / den


def mp_bg_new(r, alpha, a, b, t):
    """FHL 2005 eq. (9)."""
    r, alpha, a, b, t = map(mp.mpf, (r, alpha, a, b, t))
    return (a + b - 1) / (a - 1) * (
        1 - (alpha / (alpha + t)) ** r * mp.hyp2f1(r, b, a + b - 1, t / (alpha + t))
    )


def mp_bg_pn(r, alpha, a, b, n, t):
    """FHL 2005 eq. (8)."""
    r, alpha, a, b, t = map(mp.mpf, (r, alpha, a, b, t))
    q, p = alpha / (alpha + t), t / (alpha + t)

    def nb(j):
        return mp.gamma(r + j) / (mp.gamma(r) * mp.factorial(j)) * q**r * p**j

    out = mp.beta(a, b + n) / mp.beta(a, b) * nb(n)
    if n > 0:
        out += mp.beta(a + 1, b + n - 1) / mp.beta(a, b) * (1 - mp.fsum(nb(j) for j in range(n)))
    return out


def rel_err(got, ref):
    got = np.asarray(got, dtype=float)
    ref = np.asarray([float(v) for v in ref])
    return np.max(np.abs(got - ref) / np.abs(ref))


# ---------------------------------------------------------------------------------
# BG/NBD on CDNOW
# ---------------------------------------------------------------------------------


@needs_data
def test_bg_nbd_cdnow_published_values(bg):
    # FHL 2005, Table/Section 5: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL -9582.4
    assert bg.converged_
    p = bg.params_
    assert round(p["r"], 3) == 0.243
    assert round(p["alpha"], 3) == 4.414
    assert round(p["a"], 3) == 0.793
    assert round(p["b"], 3) == 2.426
    assert round(bg.log_likelihood_, 2) == -9582.43
    assert bg.n_ == 2357
    assert bg.aic_ == pytest.approx(8 + 2 * 9582.4256, abs=1e-3)
    assert bg.bic_ == pytest.approx(4 * np.log(2357) + 2 * 9582.4256, abs=1e-3)


@needs_data
def test_bg_nbd_log_likelihood_matches_mpmath(cdnow, bg):
    p = bg.params_
    ll = mp.fsum(
        mp_bg_ll(p["r"], p["alpha"], p["a"], p["b"], int(x), tx, T)
        for x, tx, T in cdnow[["frequency", "recency", "T"]].itertuples(index=False)
    )
    assert bg.log_likelihood_ == pytest.approx(float(ll), rel=1e-10)


@needs_data
def test_bg_nbd_standard_errors_match_lifetimes(bg):
    # lifetimes 0.11 BetaGeoFitter().fit(cdnow).summary: se(coef) 0.0126, 0.3782, 0.1857, 0.7053
    se = bg.standard_errors_
    assert se["r"] == pytest.approx(0.01256, rel=2e-3)
    assert se["alpha"] == pytest.approx(0.3782, rel=2e-3)
    assert se["a"] == pytest.approx(0.1857, rel=2e-3)
    assert se["b"] == pytest.approx(0.7053, rel=2e-3)
    cov = bg.covariance_
    assert np.allclose(np.sqrt(np.diag(cov)), list(se.values()), rtol=1e-12)
    s = bg.summary()
    assert list(s.columns) == ["estimate", "se", "low", "high"]
    assert (s["low"] < s["estimate"]).all() and (s["estimate"] < s["high"]).all()


@needs_data
def test_bg_nbd_weighted_rows_equal_one_row_per_customer(cdnow, bg):
    g = cdnow.groupby(["frequency", "recency", "T"]).size().reset_index(name="n")
    m = BetaGeo().fit(g, weights="n")
    assert len(g) < len(cdnow)
    for k in bg.params_:
        assert m.params_[k] == pytest.approx(bg.params_[k], rel=1e-6)
    assert m.log_likelihood_ == pytest.approx(bg.log_likelihood_, rel=1e-12)
    assert m.n_ == 2357


@needs_data
def test_bg_nbd_predictions_match_mpmath(cdnow, bg):
    p = bg.params_
    args = (p["r"], p["alpha"], p["a"], p["b"])
    rows = cdnow.iloc[np.r_[0:40, 100:2357:97]]
    x, tx, T = (rows[c].to_numpy() for c in ("frequency", "recency", "T"))
    for t in (1.0, 10.0, 39.0, 156.0):
        got = bg.expected_purchases(t, x, tx, T)
        ref = [mp_bg_cond(*args, t, int(a), b, c) for a, b, c in zip(x, tx, T)]
        assert rel_err(got, ref) < 1e-8, t
    got = bg.prob_alive(x, tx, T)
    ref = [mp_bg_alive(*args, int(a), b, c) for a, b, c in zip(x, tx, T)]
    assert rel_err(got, ref) < 1e-8
    ts = np.array([0.5, 1, 5, 39, 78, 200])
    assert rel_err(bg.expected_purchases_new(ts), [mp_bg_new(*args, t) for t in ts]) < 1e-8
    ns = np.array([0, 1, 2, 3, 5, 10, 20])
    for t in (1.0, 39.0, 78.0):
        got = bg.prob_purchases(ns, t)
        assert rel_err(got, [mp_bg_pn(*args, int(n), t) for n in ns]) < 1e-8


@needs_data
def test_bg_nbd_predictions_take_a_frame_and_intervals(cdnow, bg):
    e = bg.expected_purchases(39, cdnow)
    assert e.shape == (2357,)
    f = bg.expected_purchases(39, cdnow, interval=True)
    assert list(f.columns) == ["estimate", "se", "low", "high"]
    assert np.allclose(f["estimate"], e)
    assert (f["low"] <= f["estimate"]).all() and (f["estimate"] <= f["high"]).all()
    pa = bg.prob_alive(cdnow, interval=True, level=0.9)
    assert ((pa["low"] >= 0) & (pa["high"] <= 1)).all()
    # no repeat purchases: P(alive) = 1 exactly, with a zero-width interval
    zero = cdnow["frequency"].to_numpy() == 0
    assert (pa["estimate"][zero] == 1).all() and (pa["se"][zero] == 0).all()
    # delta-method se against a finite-difference gradient computed here
    x, tx, T = 2.0, 30.43, 38.86
    base = np.array(list(bg.params_.values()))
    grad = []
    for k in range(4):
        h = 1e-6 * base[k]
        up, dn = base.copy(), base.copy()
        up[k] += h
        dn[k] -= h
        fu = float(mp_bg_cond(*up, 39, 2, tx, T))
        fd = float(mp_bg_cond(*dn, 39, 2, tx, T))
        grad.append((fu - fd) / (2 * h))
    grad = np.array(grad)
    se = float(np.sqrt(grad @ bg.covariance_.to_numpy() @ grad))
    one = bg.expected_purchases(39, x, tx, T, interval=True)
    assert one["se"].iloc[0] == pytest.approx(se, rel=1e-5)
    # scalar in, float out
    assert isinstance(bg.prob_alive(2, 30.43, 38.86), float)


@needs_data
def test_bg_nbd_random_starts_reach_the_same_optimum(cdnow, bg):
    rng = np.random.default_rng(20261203)
    ref = np.array(list(bg.params_.values()))
    for _ in range(20):
        start = np.exp(rng.uniform(np.log(0.05), np.log(20), 4))
        m = BetaGeo().fit(cdnow, start=start)
        assert m.converged_, (start, m.message_)
        got = np.array(list(m.params_.values()))
        assert np.allclose(got, ref, rtol=1e-5), (start, got)
        assert m.log_likelihood_ == pytest.approx(bg.log_likelihood_, abs=1e-7)


@needs_data
def test_penalizer_shrinks_and_is_reported(cdnow, bg):
    m = BetaGeo(penalizer=0.1).fit(cdnow)
    assert m.converged_
    assert m.params_["b"] < bg.params_["b"]
    assert m.log_likelihood_ < bg.log_likelihood_  # LL reported without the penalty
    assert m.to_dict()["penalizer"] == 0.1


@needs_data
def test_repr_and_dict(bg):
    r = repr(bg)
    assert "BetaGeo" in r and "alpha" in r and "converged = True" in r
    assert "<table>" in bg._repr_html_()
    d = bg.to_dict()
    assert d["params"] == bg.params_ and d["converged"] is True
    assert bg.to_frame().equals(bg.summary())
    assert "not fitted" in repr(BetaGeo())


# ---------------------------------------------------------------------------------
# degenerate data: a clear error or a documented non-converged result, never NaN
# ---------------------------------------------------------------------------------


def test_no_repeat_buyers_is_an_error():
    # everyone bought once (only the first purchase): frequency 0 for all
    with pytest.raises(ValueError, match="frequency: .*without repeat purchases"):
        BetaGeo().fit([0, 0, 0], [0, 0, 0], [5.0, 6.0, 7.0])


@pytest.mark.parametrize(
    "x, tx, T",
    [
        ([2], [3.0], [5.0]),  # a single customer
        ([1, 1, 1], [2.0, 3.0, 4.0], [5.0, 6.0, 7.0]),  # everyone one repeat purchase
        ([1, 2, 3], [5.0, 6.0, 7.0], [5.0, 6.0, 7.0]),  # recency = T: nobody drops out
    ],
)
def test_unidentified_data_do_not_converge(x, tx, T):
    with pytest.raises(RuntimeError, match="did not converge"):
        BetaGeo().fit(x, tx, T)
    m = BetaGeo(strict=False).fit(x, tx, T)
    assert m.converged_ is False
    assert m.message_
    assert all(np.isfinite(v) for v in m.params_.values())


def test_unfitted_model_raises():
    with pytest.raises(RuntimeError, match="not fitted"):
        BetaGeo().prob_alive(1, 2, 3)


# ---------------------------------------------------------------------------------
# bad input names the argument and row
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, tx, T, match",
    [
        ([1, 2], [6.0, 3.0], [5.0, 6.0], r"recency\[0\]: recency 6 exceeds T = 5"),
        ([1, 2], [2.0, 0.0], [5.0, 6.0], r"recency\[1\]: frequency 2 > 0 needs a recency > 0"),
        ([1, np.nan], [2.0, 3.0], [5.0, 6.0], r"frequency\[1\]: .*nan"),
        ([1, 2], [2.0, np.nan], [5.0, 6.0], r"recency\[1\]"),
        ([1, 2], [2.0, 3.0], [5.0, -6.0], r"T\[1\]"),
        ([1, -2], [2.0, 3.0], [5.0, 6.0], r"frequency\[1\]: .*-2"),
        ([1, 2], [2.0, -3.0], [5.0, 6.0], r"recency\[1\]"),
        ([1.5, 2], [2.0, 3.0], [5.0, 6.0], r"frequency\[0\]: .*whole"),
        ([1, 2], [2.0, 3.0], [5.0, 6.0, 7.0], r"T: expected 2 values"),
    ],
)
def test_bad_fit_input(x, tx, T, match):
    with pytest.raises(ValueError, match=match):
        BetaGeo().fit(x, tx, T)


def test_bad_weights_and_columns():
    with pytest.raises(ValueError, match=r"weights\[1\]"):
        BetaGeo().fit([1, 2], [2.0, 3.0], [5.0, 6.0], weights=[1, -1])
    with pytest.raises(ValueError, match="weights: expected 2 values"):
        BetaGeo().fit([1, 2], [2.0, 3.0], [5.0, 6.0], weights=[1, 1, 1])
    with pytest.raises(ValueError, match="no column 'recency'"):
        BetaGeo().fit(pd.DataFrame({"frequency": [1], "T": [3.0]}))
    with pytest.raises(ValueError, match="penalizer"):
        BetaGeo(penalizer=-1)


def test_bad_prediction_input():
    m = BetaGeo()
    m._set_fit(  # a fitted model without data: parameters as published
        {
            "names": ["r", "alpha", "a", "b"],
            "params": np.array([0.243, 4.414, 0.793, 2.426]),
            "standard_errors": np.full(4, 0.1),
            "covariance": np.eye(4) * 0.01,
            "log_likelihood": -1.0, "aic": 1.0, "bic": 1.0, "n": 1.0,
            "iterations": 1, "converged": True, "message": "",
        }
    )
    with pytest.raises(ValueError, match=r"t\[0\]: expected a finite positive time, got 0"):
        m.expected_purchases(0, 1, 2.0, 3.0)
    with pytest.raises(ValueError, match=r"t\[1\]"):
        m.expected_purchases_new([1.0, -2.0])
    with pytest.raises(ValueError, match=r"recency\[1\]: recency 4 exceeds"):
        m.prob_alive([1, 1], [2.0, 4.0], [3.0, 3.0])
    with pytest.raises(ValueError, match="mismatched lengths"):
        m.prob_alive([1, 1, 1], [2.0, 2.0], [3.0, 3.0])
    with pytest.raises(ValueError, match=r"n\[0\]: expected a non-negative whole"):
        m.prob_purchases(-1, 3.0)
    with pytest.raises(ValueError, match="level"):
        m.prob_alive(1, 2.0, 3.0, interval=True, level=1.5)


# ---------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------

_params = st.tuples(
    st.floats(0.05, 5), st.floats(0.5, 50), st.floats(0.05, 5), st.floats(0.1, 10)
)
_rows = st.tuples(st.integers(0, 30), st.floats(0.0, 1.0), st.floats(0.5, 100))


def _fitted(p):
    m = BetaGeo()
    m._set_fit(
        {
            "names": ["r", "alpha", "a", "b"], "params": np.array(p),
            "standard_errors": np.full(4, np.nan), "covariance": np.full((4, 4), np.nan),
            "log_likelihood": 0.0, "aic": 0.0, "bic": 0.0, "n": 1.0,
            "iterations": 0, "converged": True, "message": "",
        }
    )
    return m


@settings(max_examples=60, deadline=None)
@given(_params, _rows)
def test_prob_alive_is_a_probability(p, row):
    x, u, T = row
    tx = 0.0 if x == 0 else max(u * T, 1e-3)
    pa = _fitted(p).prob_alive(x, tx, T)
    assert 0.0 <= pa <= 1.0


@settings(max_examples=60, deadline=None)
@given(_params, _rows)
def test_expected_purchases_increase_with_t(p, row):
    x, u, T = row
    tx = 0.0 if x == 0 else max(u * T, 1e-3)
    ts = np.array([0.1, 1.0, 5.0, 20.0, 50.0])
    m = _fitted(p)
    e = m.expected_purchases(ts, x, tx, T)
    assert np.all(np.isfinite(e)) and np.all(e > 0)
    assert np.all(np.diff(e) >= 0)
    n = m.expected_purchases_new(ts)
    assert np.all(np.diff(n) >= 0)


@pytest.mark.parametrize(
    "p",
    [
        (0.5, 3.0, 0.3, 0.4),  # a + b < 1: the 2F1 of eq. (9) has c in (-1, 0)
        (0.8, 2.0, 1.0 + 3e-5, 1.5),  # a next to 1, eqs. (9)-(10) are 0/0 at a = 1
        (1.3, 6.0, 2.5, 0.9),
    ],
)
def test_bg_nbd_closed_forms_off_the_cdnow_optimum(p):
    m = _fitted(p)
    ts = np.array([0.5, 3.0, 20.0, 60.0])
    tol = 1e-7 if abs(p[2] - 1) < 1e-4 else 1e-8  # interpolated across a = 1
    assert rel_err(m.expected_purchases_new(ts), [mp_bg_new(*p, t) for t in ts]) < tol
    x = np.array([0, 1, 4, 12])
    tx = np.array([0.0, 2.0, 9.5, 19.0])
    T = np.array([10.0, 12.0, 20.0, 30.0])
    for t in ts:
        ref = [mp_bg_cond(*p, t, int(a), b, c) for a, b, c in zip(x, tx, T)]
        assert rel_err(m.expected_purchases(t, x, tx, T), ref) < tol
    ns = np.array([0, 1, 3, 7])
    assert rel_err(m.prob_purchases(ns, 10.0), [mp_bg_pn(*p, int(n), 10.0) for n in ns]) < 1e-8


# ---------------------------------------------------------------------------------
# Gamma-Gamma and CLV
# ---------------------------------------------------------------------------------

from sostac.customer import GammaGamma  # noqa: E402


@pytest.fixture(scope="module")
def cdnow_spend() -> pd.DataFrame:
    if DATA is None:
        pytest.skip("CDNOW reference data not found")
    d = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    return d.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary"})


@pytest.fixture(scope="module")
def gg(cdnow_spend) -> GammaGamma:
    return GammaGamma().fit(cdnow_spend)


def mp_gg_ll(p, q, g, x, m):
    """FHL 2005 ("RFM and CLV") / Hardie note 025 eq. (1a)."""
    p, q, g, m = map(mp.mpf, (p, q, g, m))
    px = p * x
    return (
        mp.loggamma(px + q) - mp.loggamma(px) - mp.loggamma(q) + q * mp.log(g)
        + (px - 1) * mp.log(m) + px * mp.log(x) - (px + q) * mp.log(x * m + g)
    )


def mp_gg_spend(p, q, g, x, m):
    p, q, g, m = map(mp.mpf, (p, q, g, m))
    w = p * x / (p * x + q - 1)
    return (1 - w) * p * g / (q - 1) + w * m


@needs_data
def test_gamma_gamma_cdnow_published_values(gg, cdnow_spend):
    # FHL 2005 ("RFM and CLV") and Hardie's note 025: p = 6.25, q = 3.74, gamma = 15.44
    # on the 946 repeat buyers. The maximum of the likelihood is gamma = 15.4477 (also
    # lifetimes' v = 15.447748): the note's spreadsheet solver stopped at 15.44, so
    # gamma is checked to 0.01 rather than rounded.
    assert gg.converged_
    assert gg.n_ == 946 == int((cdnow_spend["frequency"] > 0).sum())
    assert round(gg.params_["p"], 2) == 6.25
    assert round(gg.params_["q"], 2) == 3.74
    assert abs(gg.params_["gamma"] - 15.44) < 0.01
    rep = cdnow_spend[cdnow_spend["frequency"] > 0]
    ll = mp.fsum(
        mp_gg_ll(*gg.params_.values(), int(x), m)
        for x, m in zip(rep["frequency"], rep["monetary"])
    )
    assert gg.log_likelihood_ == pytest.approx(float(ll), rel=1e-10)
    # lifetimes 0.11 GammaGammaFitter summary: se 1.1897 (p), 0.2902 (q), 4.1600 (v)
    assert gg.standard_errors_["p"] == pytest.approx(1.1897, rel=2e-3)
    assert gg.standard_errors_["q"] == pytest.approx(0.2902, rel=2e-3)
    assert gg.standard_errors_["gamma"] == pytest.approx(4.160, rel=2e-3)


@needs_data
def test_gamma_gamma_random_starts(cdnow_spend, gg):
    rng = np.random.default_rng(7)
    ref = np.array(list(gg.params_.values()))
    for _ in range(20):
        start = np.exp(rng.uniform(np.log(0.1), np.log(50), 3))
        m = GammaGamma().fit(cdnow_spend, start=start)
        assert m.converged_, (start, m.message_)
        assert np.allclose(list(m.params_.values()), ref, rtol=1e-5), start


@needs_data
def test_gamma_gamma_expected_spend_matches_mpmath(gg, cdnow_spend):
    rows = cdnow_spend.iloc[::37]
    got = gg.expected_spend(rows["frequency"], rows["monetary"])
    ref = [
        mp_gg_spend(*gg.params_.values(), int(x), m if x > 0 else 0)
        for x, m in zip(rows["frequency"], rows["monetary"])
    ]
    assert rel_err(got, ref) < 1e-12
    f = gg.expected_spend(rows, interval=True)
    assert (f["low"] < f["estimate"]).all() and (f["estimate"] < f["high"]).all()


@needs_data
@pytest.mark.parametrize("period, factor", [("W", 4.345), ("D", 30.0), ("M", 1.0)])
def test_clv_follows_lifetimes_semantics(gg, bg, cdnow_spend, period, factor):
    # lifetimes.utils._customer_lifetime_value: months k = 1..horizon, factor model
    # periods per month, purchases of month k discounted by (1 + d)^k, times the
    # Gamma-Gamma expected spend. Recomputed here with mpmath closed forms. (The
    # model is the weekly fit; for "D"/"M" only the arithmetic is checked.)
    rows = cdnow_spend.iloc[[0, 1, 2, 10, 50, 200, 1000, 2000]]
    clv = gg.clv(bg, rows, horizon=6, discount_rate=0.02, period=period)
    assert list(clv.index) == list(rows.index)
    pb = list(bg.params_.values())
    for i, (x, tx, T, m) in enumerate(rows[["frequency", "recency", "T", "monetary"]].itertuples(index=False)):
        spend = mp_gg_spend(*gg.params_.values(), int(x), m if x > 0 else 0)
        total = mp.mpf(0)
        prev = mp.mpf(0)
        for k in range(1, 7):
            cur = mp_bg_cond(*pb, k * factor, int(x), tx, T)
            total += (cur - prev) / mp.mpf(1.02) ** k
            prev = cur
        assert clv.iloc[i] == pytest.approx(float(spend * total), rel=1e-8)


@needs_data
def test_clv_interval_and_bad_arguments(gg, bg, cdnow_spend):
    f = gg.clv(bg, cdnow_spend, interval=True)
    assert list(f.columns) == ["estimate", "se", "low", "high"]
    assert np.allclose(f["estimate"], gg.clv(bg, cdnow_spend))
    assert (f["se"] > 0).all() and (f["low"] < f["estimate"]).all()
    assert np.isfinite(f.to_numpy()).all()
    # discounting lowers the value; a longer horizon raises it
    assert (gg.clv(bg, cdnow_spend, discount_rate=0.1) < gg.clv(bg, cdnow_spend)).all()
    assert (gg.clv(bg, cdnow_spend, horizon=24) > gg.clv(bg, cdnow_spend)).all()
    with pytest.raises(ValueError, match="horizon"):
        gg.clv(bg, cdnow_spend, horizon=0)
    with pytest.raises(ValueError, match="horizon"):
        gg.clv(bg, cdnow_spend, horizon=-3)
    with pytest.raises(ValueError, match="period: expected 'D', 'W' or 'M', got 'Y'"):
        gg.clv(bg, cdnow_spend, period="Y")
    with pytest.raises(ValueError, match="discount_rate"):
        gg.clv(bg, cdnow_spend, discount_rate=float("nan"))
    with pytest.raises(ValueError, match="transaction_model"):
        gg.clv(gg, cdnow_spend)
    with pytest.raises(ValueError, match="no column 'spend'"):
        gg.clv(bg, cdnow_spend, monetary="spend")


def test_gamma_gamma_bad_input():
    with pytest.raises(ValueError, match=r"monetary\[1\]: expected a finite positive"):
        GammaGamma().fit([1, 2], [3.0, -1.0])
    with pytest.raises(ValueError, match=r"monetary\[0\]"):
        GammaGamma().fit([1, 2], [np.nan, 1.0])
    with pytest.raises(ValueError, match=r"frequency\[0\]"):
        GammaGamma().fit([-1, 2], [3.0, 1.0])
    with pytest.raises(ValueError, match="needs repeat buyers"):
        GammaGamma().fit([0, 0], [0.0, 0.0])
    with pytest.raises(ValueError, match="monetary: expected 2 values"):
        GammaGamma().fit([1, 2], [3.0])
    # a single repeat buyer: not identified, reported as such
    with pytest.raises(RuntimeError, match="did not converge"):
        GammaGamma().fit([3], [10.0])


def test_gamma_gamma_q_below_one_has_no_population_mean():
    m = GammaGamma()
    m._set_fit(
        {
            "names": ["p", "q", "gamma"], "params": np.array([2.0, 0.8, 10.0]),
            "standard_errors": np.full(3, 0.1), "covariance": np.eye(3) * 0.01,
            "log_likelihood": 0.0, "aic": 0.0, "bic": 0.0, "n": 1.0,
            "iterations": 0, "converged": True, "message": "",
        }
    )
    assert m.expected_spend(2, 5.0) == pytest.approx(2 * (10 + 10) / (4 + 0.8 - 1))
    with pytest.raises(ValueError, match=r"frequency\[0\]|params"):
        m.expected_spend(0, 0.0)


# ---------------------------------------------------------------------------------
# MBG/NBD
# ---------------------------------------------------------------------------------

from sostac.customer import ModifiedBetaGeo  # noqa: E402


def mp_mbg_ll(r, alpha, a, b, x, tx, T):
    """Batislam, Denizel & Filiztekin 2007 (lifetimes' ModifiedBetaGeoFitter)."""
    r, alpha, a, b, tx, T = map(mp.mpf, (r, alpha, a, b, tx, T))
    common = mp.gamma(r + x) * alpha**r / mp.gamma(r)
    return mp.log(
        mp.beta(a, b + x + 1) / mp.beta(a, b) * common / (alpha + T) ** (r + x)
        + mp.beta(a + 1, b + x) / mp.beta(a, b) * common / (alpha + tx) ** (r + x)
    )


def mp_mbg_alive(r, alpha, a, b, x, tx, T):
    r, alpha, a, b, tx, T = map(mp.mpf, (r, alpha, a, b, tx, T))
    return 1 / (1 + a / (b + x) * ((alpha + T) / (alpha + tx)) ** (r + x))


def mp_mbg_cond(r, alpha, a, b, t, x, tx, T):
    """Wagner & Hoppe (2008)."""
    r, alpha, a, b, t, tx, T = map(mp.mpf, (r, alpha, a, b, t, tx, T))
    z = t / (alpha + T + t)
    num = (a + b + x) / (a - 1) * (
        1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * mp.hyp2f1(r + x, b + x + 1, a + b + x, z)
    )
    return num / (1 + a / (b + x) * ((alpha + T) / (alpha + tx)) ** (r + x))


def mp_mbg_new(r, alpha, a, b, t):
    r, alpha, a, b, t = map(mp.mpf, (r, alpha, a, b, t))
    return b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * mp.hyp2f1(r, b + 1, a + b, t / (alpha + t)))


def mp_mbg_pn(r, alpha, a, b, n, t):
    r, alpha, a, b, t = map(mp.mpf, (r, alpha, a, b, t))
    q, p = alpha / (alpha + t), t / (alpha + t)

    def nb(j):
        return mp.gamma(r + j) / (mp.gamma(r) * mp.factorial(j)) * q**r * p**j

    return mp.beta(a, b + n + 1) / mp.beta(a, b) * nb(n) + mp.beta(a + 1, b + n) / mp.beta(
        a, b
    ) * (1 - mp.fsum(nb(j) for j in range(n)))


@pytest.fixture(scope="module")
def mbg(cdnow) -> ModifiedBetaGeo:
    return ModifiedBetaGeo().fit(cdnow)


@needs_data
def test_mbg_nbd_cdnow_matches_btydplus_and_lifetimes(mbg, cdnow):
    # lifetimes' test_params_out_is_close_to_BTYDplus: r, alpha, a, b = 0.525, 6.183,
    # 0.891, 1.614 (to 3 decimals)
    assert mbg.converged_
    got = np.array(list(mbg.params_.values()))
    assert np.allclose(got, [0.525, 6.183, 0.891, 1.614], atol=1.5e-3)
    p = mbg.params_
    ll = mp.fsum(
        mp_mbg_ll(p["r"], p["alpha"], p["a"], p["b"], int(x), tx, T)
        for x, tx, T in cdnow[["frequency", "recency", "T"]].itertuples(index=False)
    )
    assert mbg.log_likelihood_ == pytest.approx(float(ll), rel=1e-10)
    # lifetimes' Hardie-spreadsheet checks (5 % there): E[X(t)] at six times
    times = np.array([0.1429, 1.0, 3.00, 31.8571, 32.00, 78.00])
    expected = np.array([0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576])
    assert np.allclose(mbg.expected_purchases_new(times), expected, rtol=0.05)


@needs_data
def test_mbg_nbd_predictions_match_mpmath(mbg, cdnow):
    args = tuple(mbg.params_.values())
    rows = cdnow.iloc[np.r_[0:30, 100:2357:131]]
    x, tx, T = (rows[c].to_numpy() for c in ("frequency", "recency", "T"))
    for t in (1.0, 39.0, 104.0):
        ref = [mp_mbg_cond(*args, t, int(a), b, c) for a, b, c in zip(x, tx, T)]
        assert rel_err(mbg.expected_purchases(t, x, tx, T), ref) < 1e-8
    ref = [mp_mbg_alive(*args, int(a), b, c) for a, b, c in zip(x, tx, T)]
    pa = mbg.prob_alive(x, tx, T)
    assert rel_err(pa, ref) < 1e-8
    assert (pa[x == 0] < 1).all()  # MBG/NBD: dropout possible at time 0
    ts = np.array([0.5, 5.0, 39.0, 150.0])
    assert rel_err(mbg.expected_purchases_new(ts), [mp_mbg_new(*args, t) for t in ts]) < 1e-8
    ns = np.array([0, 1, 2, 5, 12])
    assert rel_err(mbg.prob_purchases(ns, 39.0), [mp_mbg_pn(*args, int(n), 39.0) for n in ns]) < 1e-8


@needs_data
@pytest.mark.parametrize("model", ["bg", "mbg"])
def test_pmf_sums_to_one_and_its_mean_is_expected_purchases_new(model, bg, mbg):
    # eqs. (8) and (9) are derived separately: their agreement checks both
    m = bg if model == "bg" else mbg
    n = np.arange(0, 600)
    for t in (5.0, 39.0, 78.0):
        p = m.prob_purchases(n, t)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)
        assert (n * p).sum() == pytest.approx(m.expected_purchases_new(t), rel=1e-11)


@needs_data
def test_mbg_nbd_random_starts(cdnow, mbg):
    rng = np.random.default_rng(99)
    ref = np.array(list(mbg.params_.values()))
    for _ in range(20):
        start = np.exp(rng.uniform(np.log(0.05), np.log(20), 4))
        m = ModifiedBetaGeo().fit(cdnow, start=start)
        assert m.converged_, (start, m.message_)
        assert np.allclose(list(m.params_.values()), ref, rtol=1e-5), start


def test_mbg_nbd_bad_and_degenerate_input():
    with pytest.raises(ValueError, match=r"recency\[0\]: recency 6 exceeds T = 5"):
        ModifiedBetaGeo().fit([1, 2], [6.0, 3.0], [5.0, 6.0])
    with pytest.raises(ValueError, match="without repeat purchases"):
        ModifiedBetaGeo().fit([0, 0], [0.0, 0.0], [5.0, 6.0])
    with pytest.raises(RuntimeError, match="did not converge"):
        ModifiedBetaGeo().fit([2], [3.0], [5.0])


@needs_data
def test_clv_with_pareto_nbd_uses_the_generic_gradient(gg, cdnow_spend):
    from sostac.customer import ParetoNBD

    pn = ParetoNBD().fit(cdnow_spend)
    rows = cdnow_spend.iloc[:50]
    clv = gg.clv(pn, rows, horizon=3, discount_rate=0.01)
    x, tx, T = (rows[c].to_numpy() for c in ("frequency", "recency", "T"))
    e = [np.zeros(len(rows))] + [pn.expected_purchases(k * 4.345, x, tx, T) for k in (1, 2, 3)]
    det = sum((e[k] - e[k - 1]) / 1.01**k for k in (1, 2, 3))
    assert np.allclose(clv.to_numpy(), gg.expected_spend(rows) * det, rtol=1e-12)
    f = gg.clv(pn, rows, horizon=3, interval=True)
    assert (f["se"] > 0).all() and np.isfinite(f.to_numpy()).all()
    # the generic finite-difference gradient agrees with BetaGeo's C++ gradient
    from sostac.customer._models import TransactionModel

    bg = BetaGeo().fit(cdnow_spend)
    t = np.full(len(rows), 10.0)
    own = bg._expected_core(t, x, tx, T, True)["gradient"]
    generic = TransactionModel._expected_core(bg, t, x, tx, T, True)["gradient"]
    assert np.allclose(own, generic, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("t", [500.0, 5000.0, 1e5])
def test_long_horizons_match_mpmath(t):
    # z = t / (alpha + T + t) -> 1: the 2F1 needs its 1 - z transformation
    p = (0.243, 4.414, 0.793, 2.426)
    for cls, cond, new in ((BetaGeo, mp_bg_cond, mp_bg_new), (ModifiedBetaGeo, mp_mbg_cond, mp_mbg_new)):
        m = cls()
        m._set_fit(_fitted(p)._fit)
        x, tx, T = np.array([0, 2, 15]), np.array([0.0, 30.43, 37.0]), np.array([38.86, 38.86, 38.86])
        ref = [cond(*p, t, int(a), b, c) for a, b, c in zip(x, tx, T)]
        assert rel_err(m.expected_purchases(t, x, tx, T), ref) < 1e-8
        assert rel_err(m.expected_purchases_new(t), [new(*p, t)]) < 1e-8


def _synthetic(n: int, seed: int):
    """BG/NBD customers with continuous times (every row distinct)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.25, 1 / 4.0, n)
    p = rng.beta(0.8, 2.5, n)
    T = rng.uniform(1, 78, n)
    x = np.zeros(n)
    tx = np.zeros(n)
    t = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        t[idx] += rng.exponential(1 / lam[idx])
        bought = t[idx] < T[idx]
        alive[idx[~bought]] = False
        got = idx[bought]
        x[got] += 1
        tx[got] = t[got]
        alive[got[rng.random(len(got)) < p[got]]] = False
    return x, tx, T


@pytest.mark.parametrize("model", ["BetaGeo", "ModifiedBetaGeo"])
def test_fit_and_scoring_are_the_same_bits_for_one_and_two_threads(model):
    # 120,000 rows: the subsample warm start and several likelihood chunks run
    import sostac
    from sostac import customer as cu

    x, tx, T = _synthetic(120_000, 7)
    out = []
    try:
        for threads in (1, 2):
            sostac.set_num_threads(threads)
            m = getattr(cu, model)().fit(x, tx, T)
            e = m.expected_purchases(10, x[:5000], tx[:5000], T[:5000], interval=True)
            out.append((m.params_, m.standard_errors_, m.log_likelihood_,
                        e.to_numpy(), m.prob_alive(x, tx, T)))
    finally:
        sostac.set_num_threads(0)
    (p1, s1, l1, e1, a1), (p2, s2, l2, e2, a2) = out
    assert p1 == p2 and s1 == s2 and l1 == l2
    np.testing.assert_array_equal(e1, e2)
    np.testing.assert_array_equal(a1, a2)


@needs_data
def test_batched_expected_purchases_equal_the_closed_form_off_the_fast_path(bg):
    # t large enough that z = t / (alpha + T + t) > 0.8 takes the scalar kernel, small
    # t the series tables: both agree with mpmath
    x = np.array([0.0, 1, 3, 12, 0, 2])
    tx = np.array([0.0, 10, 20, 30.5, 0, 5])
    T = np.array([38.0, 38, 30, 31, 2, 39])
    t = np.array([1.0, 400, 52, 2000, 0.5, 10])
    got = bg.expected_purchases(t, x, tx, T)
    r, al, a, b = (bg.params_[k] for k in ("r", "alpha", "a", "b"))
    for i in range(len(x)):
        want = float(mp_bg_cond(r, al, a, b, t[i], int(x[i]), tx[i], T[i]))
        assert got[i] == pytest.approx(want, rel=1e-10)


def test_batched_checks_name_the_first_bad_row_for_any_thread_count():
    import sostac
    from sostac import customer as cu

    n = 100_000
    x = np.ones(n)
    tx = np.full(n, 2.0)
    T = np.full(n, 3.0)
    tx[70_000] = 5.0  # two bad rows in different chunks: the first one is named
    tx[30_000] = 4.0
    m = cu.BetaGeo()
    m._set_fit(
        {
            "names": ["r", "alpha", "a", "b"],
            "params": np.array([0.243, 4.414, 0.793, 2.426]),
            "standard_errors": np.full(4, 0.1),
            "covariance": np.eye(4) * 0.01,
            "log_likelihood": -1.0, "aic": 1.0, "bic": 1.0, "n": 1.0,
            "iterations": 1, "converged": True, "message": "",
        }
    )
    p = cu.ParetoNBD()
    p._set_fit({**m._fit, "names": ["r", "alpha", "s", "beta"],
                "params": np.array([0.553, 10.58, 0.606, 11.67])})
    try:
        for threads in (1, 2):
            sostac.set_num_threads(threads)
            for call in (lambda: m.expected_purchases(10, x, tx, T),
                         lambda: p.expected_purchases(10, x, tx, T),
                         lambda: p.prob_alive(x, tx, T)):
                with pytest.raises(ValueError, match=r"recency\[30000\]: recency 4 exceeds"):
                    call()
    finally:
        sostac.set_num_threads(0)
