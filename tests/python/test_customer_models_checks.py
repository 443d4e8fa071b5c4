"""Model checks and plots of sostac.customer (models part): calibration vs holdout,
repeat-purchase histogram, cumulative repeat transactions (FHL 2005 Figures 2-4)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import mpmath as mp
import numpy as np
import pandas as pd
import pytest

import sostac.customer as sc

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[2]


def _shared_data() -> Path | None:
    for cand in (os.environ.get("SOSTAC_SHARED_DATA"), ROOT.parent / "shared" / "data",
                 "/work/shared/data"):
        if cand and (Path(cand) / "CDNOW_sample.txt").exists():
            return Path(cand)
    return None


DATA = _shared_data()
pytestmark = pytest.mark.skipif(
    DATA is None, reason="CDNOW reference data not found (set SOSTAC_SHARED_DATA)"
)


@pytest.fixture(scope="module")
def cdnow():
    d = pd.read_csv(DATA / "cdnow_customers_summary.csv")
    tx = pd.read_csv(DATA / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["master", "customer_id", "date", "cds", "dollars"])
    tx["timestamp"] = pd.to_datetime(tx["date"].astype(str))
    hold = tx[tx["timestamp"] > "1997-09-30"].groupby("customer_id")["timestamp"].nunique()
    d["frequency_holdout"] = hold.reindex(d["ID"]).fillna(0).to_numpy()
    return d, tx, sc.BetaGeo().fit(d)


def test_repeat_purchase_histogram(cdnow):
    d, _, bg = cdnow
    h = sc.repeat_purchase_histogram(bg, d, max_frequency=7)
    assert list(h.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    ref = d["frequency"].clip(upper=7).value_counts().sort_index()
    assert np.array_equal(h["actual"].to_numpy(), ref.to_numpy())
    assert h["expected"].sum() == pytest.approx(len(d), rel=1e-12)
    # expected customers with n = 0 and n = 2, from mpmath: sum_i P(X(T_i) = n)
    p = bg.params_
    r, al, a, b = (mp.mpf(p[k]) for k in ("r", "alpha", "a", "b"))

    def pmf(n, t):
        t = mp.mpf(t)
        nb = mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n)) * (al / (al + t)) ** r * (
            t / (al + t)) ** n
        out = mp.beta(a, b + n) / mp.beta(a, b) * nb
        if n > 0:
            head = mp.fsum(mp.gamma(r + j) / (mp.gamma(r) * mp.factorial(j))
                           * (al / (al + t)) ** r * (t / (al + t)) ** j for j in range(n))
            out += mp.beta(a + 1, b + n - 1) / mp.beta(a, b) * (1 - head)
        return out

    counts = d["T"].value_counts()
    for n in (0, 2):
        ref = mp.fsum(c * pmf(n, t) for t, c in counts.items())
        assert h["expected"].iloc[n] == pytest.approx(float(ref), rel=1e-9)


def test_calibration_holdout(cdnow):
    d, _, bg = cdnow
    t = sc.calibration_holdout(bg, d, 39.0)
    g = d.assign(grp=d["frequency"].clip(upper=7),
                 pred=bg.expected_purchases(39.0, d)).groupby("grp")
    assert np.array_equal(t["customers"].to_numpy(), g.size().to_numpy())
    assert np.allclose(t["actual"].to_numpy(), g["frequency_holdout"].mean().to_numpy(), rtol=1e-12)
    assert np.allclose(t["predicted"].to_numpy(), g["pred"].mean().to_numpy(), rtol=1e-12)
    # FHL 2005: the model tracks the holdout means (here within 35 % in every group)
    assert np.all(np.abs(t["predicted"] / t["actual"] - 1) < 0.35)
    with pytest.raises(ValueError, match="duration"):
        sc.calibration_holdout(bg, d, 0.0)
    with pytest.raises(ValueError, match="no column 'duration_holdout'"):
        sc.calibration_holdout(bg, d)
    with pytest.raises(ValueError, match="no column 'holdout_x'"):
        sc.calibration_holdout(bg, d, 39.0, holdout="holdout_x")
    bad = d.assign(frequency_holdout=-d["frequency_holdout"] - 1)
    with pytest.raises(ValueError, match=r"holdout\[0\]"):
        sc.calibration_holdout(bg, bad, 39.0)
    with pytest.raises(ValueError, match="max_frequency"):
        sc.calibration_holdout(bg, d, 39.0, max_frequency=0)
    with pytest.raises(ValueError, match="model: expected a fitted"):
        sc.calibration_holdout(sc.GammaGamma(), d, 39.0)
    with pytest.raises(RuntimeError, match="not fitted"):
        sc.calibration_holdout(sc.BetaGeo(), d, 39.0)


def test_cumulative_transactions(cdnow):
    d, tx, bg = cdnow
    c = sc.cumulative_transactions(bg, tx, end="1998-06-30")
    assert len(c) == 77 and c.index[0] == 1
    # the calibration period ends after week 39: its repeat transactions are the summary's
    assert c.loc[39, "actual"] == d["frequency"].sum() == 2457
    assert (np.diff(c["actual"]) >= 0).all() and (np.diff(c["expected"]) >= 0).all()
    # expected at week 39: sum over customers of E[X(39 - s_i)]
    first = tx.groupby("customer_id")["timestamp"].min()
    s = ((first - tx["timestamp"].min()).dt.days / 7.0).to_numpy()
    assert c.loc[39, "expected"] == pytest.approx(
        float(np.sum(bg.expected_purchases_new(39.0 - s))), rel=1e-12)
    assert abs(c.loc[39, "expected"] / 2457 - 1) < 0.05
    with pytest.raises(ValueError, match="period: expected 'D', 'W' or 'M'"):
        sc.cumulative_transactions(bg, tx, period="Y")
    with pytest.raises(ValueError, match="customer: the transactions have no column 'id'"):
        sc.cumulative_transactions(bg, tx, customer="id")
    bad = tx.head(10).copy()
    bad.loc[3, "customer_id"] = None
    with pytest.raises(ValueError, match="customer: missing id in row 3"):
        sc.cumulative_transactions(bg, bad)


def test_plots_return_axes(cdnow):
    import matplotlib.pyplot as plt

    d, tx, bg = cdnow
    for ax in (
        sc.plot_calibration_holdout(bg, d, 39.0),
        sc.plot_repeat_purchases(bg, d),
        sc.plot_cumulative(bg, tx, period="W"),
        sc.plot_frequency_recency(bg),
        sc.plot_frequency_recency(bg, what="expected_purchases", t=10, T=39),
    ):
        assert isinstance(ax, matplotlib.axes.Axes)
        assert ax.get_title()
    fig, ax0 = plt.subplots()
    assert sc.plot_repeat_purchases(bg, d, ax=ax0) is ax0
    assert len(ax0.patches) == 16
    with pytest.raises(ValueError, match="what"):
        sc.plot_frequency_recency(bg, what="clv")
    plt.close("all")
