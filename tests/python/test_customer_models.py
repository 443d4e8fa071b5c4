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
