"""sostac.attribution.bootstrap (issue 15, bootstrap part): seeded Poisson bootstrap
intervals for removal effects, Shapley values, assist ratios and the heuristics, the
same for any thread count (docs/attribution.md, "Uncertainty: the bootstrap")."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sostac
import sostac.attribution as at
from sostac import InputError

ROOT = Path(__file__).resolve().parents[2]


def _shared_data():
    for cand in (os.environ.get("SOSTAC_SHARED_DATA"), ROOT.parent / "shared" / "data",
                 Path("/work/shared/data")):
        if cand and (Path(cand) / "ChannelAttribution_Data.csv").exists():
            return Path(cand) / "ChannelAttribution_Data.csv"
    return None


DATA = _shared_data()
needs_data = pytest.mark.skipif(
    DATA is None, reason="ChannelAttribution_Data.csv not found (set SOSTAC_SHARED_DATA)")


@pytest.fixture(scope="module")
def sample():
    d = pd.read_csv(DATA, sep=";")
    return d.rename(columns={"total_conversions": "conversions",
                             "total_conversion_value": "value", "total_null": "nulls"})


@pytest.fixture
def small():
    return pd.DataFrame({
        "path": ["a > b", "b", "a", "c > a > b", "c > b", "a > c > b", "c", "b > c"],
        "conversions": [30.0, 12, 20, 9, 7, 5, 3, 4],
        "value": [300.0, 100, 250, 80, 60, 70, 20, 45],
        "nulls": [40.0, 60, 55, 20, 25, 10, 30, 15]})


@pytest.fixture
def threads():
    yield sostac.set_num_threads
    sostac.set_num_threads(0)


def test_columns_and_attrs(small):
    b = at.bootstrap(small, replicates=50, seed=3)
    assert list(b["channel"]) == ["a", "b", "c"]
    assert list(b.columns) == ["channel"] + [
        f"{s}{suffix}" for s in ("removal_effect", "conversions", "value",
                                 "value_removal_effect")
        for suffix in ("", "_se", "_low", "_high")]
    assert b.attrs["replicates"] == 50 and b.attrs["seed"] == 3
    assert b.attrs["level"] == 0.95 and b.attrs["model"] == "markov"
    assert b.attrs["order"] == 1 and b.attrs["unit"] == "journeys"
    assert "Poisson bootstrap" in b.attrs["method"]
    # the estimates are the models on the data
    m = at.markov(small).removal_effects
    assert np.array_equal(b["conversions"], m["conversions"])
    assert np.array_equal(b["removal_effect"], m["removal_effect"])
    s = at.bootstrap(small, model="shapley", replicates=20)
    assert np.array_equal(s["shapley_value"], at.shapley(small)["shapley_value"])
    a = at.bootstrap(small, model="assists", replicates=20)
    assert np.allclose(a["assist_ratio"], at.assists(small).to_frame()["assist_ratio"],
                       equal_nan=True)
    h = at.bootstrap(small, model="linear", replicates=20)
    assert np.array_equal(h["conversions"],
                          at.heuristic(small, models=("linear",))["linear_conversions"])


@pytest.mark.parametrize("model", ["markov", "shapley", "assists", "position"])
def test_the_same_for_1_2_and_4_threads(small, threads, model):
    runs = []
    for n in (1, 2, 4):
        threads(n)
        runs.append((at.bootstrap(small, model=model, replicates=40, seed=9, order=2),
                     at.bootstrap_draws(small, statistic="conversions" if model != "assists"
                                        else "assisted", model=model, replicates=40,
                                        seed=9, order=2)))
    for frame, draws in runs[1:]:
        pd.testing.assert_frame_equal(frame, runs[0][0], check_exact=True)
        pd.testing.assert_frame_equal(draws, runs[0][1], check_exact=True)


def test_seeds(small):
    a = at.bootstrap_draws(small, replicates=30, seed=1)
    assert a.equals(at.bootstrap_draws(small, replicates=30, seed=1))
    b = at.bootstrap_draws(small, replicates=30, seed=2)
    assert (a.to_numpy() != b.to_numpy()).mean() > 0.9
    # the first replicates of a longer run are the same replicates
    long = at.bootstrap_draws(small, replicates=90, seed=1)
    assert long.iloc[:30].equals(a)


def test_summaries_are_numpy_percentiles_of_the_draws(small):
    b = at.bootstrap(small, model="shapley", replicates=157, level=0.8, seed=4,
                     worth="rate").set_index("channel")
    for s in ("shapley_value", "conversions", "value"):
        d = at.bootstrap_draws(small, statistic=s, model="shapley", replicates=157, seed=4,
                               worth="rate")
        lo, hi = np.percentile(d.to_numpy(), [10, 90], axis=0)
        assert np.allclose(b[f"{s}_low"], lo, rtol=1e-13)
        assert np.allclose(b[f"{s}_high"], hi, rtol=1e-13)
        assert np.allclose(b[f"{s}_se"], d.std(ddof=1).to_numpy(), rtol=1e-10)


def test_se_of_last_touch_is_the_poisson_one(small):
    # a channel's last-touch credit is a sum of independent Poisson counts over
    # journeys (var = sum of conversions), of c_i * Poisson(1) over paths (sum c_i^2)
    big = small.assign(conversions=small["conversions"] * 10, value=small["value"] * 10)
    last = big["path"].str.split(" > ").str[-1]
    v1 = big["conversions"].groupby(last).sum()
    v2 = (big["conversions"] ** 2).groupby(last).sum()
    j = at.bootstrap(big, model="last", replicates=3000).set_index("channel")
    p = at.bootstrap(big, model="last", replicates=3000, unit="paths").set_index("channel")
    assert np.allclose(j["conversions_se"], np.sqrt(v1[j.index]), rtol=0.07)
    assert np.allclose(p["conversions_se"], np.sqrt(v2[p.index]), rtol=0.07)


def _numpy_bootstrap(table, replicates, seed):
    """An independent reference: the Poisson bootstrap over journeys as a Python loop
    with numpy's generator, calling the public markov() on each resampled table."""
    rng = np.random.default_rng(seed)
    conv = table["conversions"].to_numpy(float)
    per = np.divide(table["value"].to_numpy(float), conv, out=np.zeros_like(conv),
                    where=conv > 0)
    out = []
    for _ in range(replicates):
        c = rng.poisson(table["conversions"].to_numpy()).astype(float)
        n = rng.poisson(table["nulls"].to_numpy()).astype(float)
        t = table.assign(conversions=c, nulls=n, value=per * c)
        out.append(at.markov(t).removal_effects.set_index("channel")["conversions"])
    return pd.DataFrame(out)


@needs_data
def test_agrees_with_a_numpy_reference_bootstrap(sample):
    ref = _numpy_bootstrap(sample, 150, 1)
    b = at.bootstrap(sample, replicates=300, seed=1).set_index("channel")
    # se from 150 and 300 draws: each within ~6 % of the truth; allow 20 %
    assert np.allclose(b["conversions_se"], ref.std(ddof=1)[b.index], rtol=0.2)
    # the two bootstraps' means agree within their Monte Carlo error
    mean = at.bootstrap_draws(sample, replicates=300, seed=1).mean()
    tol = 4 * b["conversions_se"] * np.sqrt(1 / 300 + 1 / 150)
    assert (np.abs(mean[b.index] - ref.mean()[b.index]) <= tol).all()


@needs_data
def test_assist_ratio_bootstrap_matches_the_delta_interval(sample):
    # the analytic interval of assists() and the bootstrap's agree on a large table
    a = at.assists(sample).to_frame().set_index("channel")
    b = at.bootstrap(sample, model="assists", replicates=400, seed=2).set_index("channel")
    big = (a["last_interaction"] >= 200) & (a["assisted"] >= 200)
    w_delta = (a["assist_ratio_high"] - a["assist_ratio_low"])[big]
    w_boot = (b["assist_ratio_high"] - b["assist_ratio_low"])[big]
    assert np.allclose(w_boot, w_delta, rtol=0.2)
    assert np.allclose(b["assist_ratio"], a["assist_ratio"], equal_nan=True)


def test_means_near_the_estimate_on_a_large_table(small):
    big = small.assign(conversions=small["conversions"] * 300, value=small["value"] * 300,
                       nulls=small["nulls"] * 300)
    for model in ("markov", "shapley"):
        b = at.bootstrap(big, model=model, replicates=200)
        d = at.bootstrap_draws(big, model=model, replicates=200)
        mean = d.mean().to_numpy()
        assert np.all(np.abs(mean - b["conversions"]) <= 5 * b["conversions_se"] / np.sqrt(200)
                      + 1e-3 * b["conversions"])


def test_wider_at_a_higher_level(small):
    lo = at.bootstrap(small, replicates=200, level=0.5)
    hi = at.bootstrap(small, replicates=200, level=0.99)
    assert (hi["conversions_low"] <= lo["conversions_low"]).all()
    assert (hi["conversions_high"] >= lo["conversions_high"]).all()
    assert ((hi["conversions_high"] - hi["conversions_low"])
            > (lo["conversions_high"] - lo["conversions_low"])).all()


def test_replicates_without_conversions():
    t = pd.DataFrame({"path": ["a > b", "b"], "conversions": [0.05, 0.0],
                      "value": [1.0, 0.0], "nulls": [3.0, 2.0]})
    b = at.bootstrap(t, replicates=200)
    d = at.bootstrap_draws(t, statistic="removal_effect", replicates=200)
    c = at.bootstrap_draws(t, statistic="conversions", replicates=200)
    empty = b.attrs["empty_replicates"]
    assert empty > 150
    assert d["a"].isna().sum() == empty
    assert (c[d["a"].isna()].to_numpy() == 0).all()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from("abcd"), min_size=1, max_size=4),
                          st.integers(0, 30), st.integers(0, 30)),
                min_size=1, max_size=8),
       st.integers(0, 2**64 - 1))
def test_models_share_the_replicates_for_any_thread_count(rows, seed):
    # the weights depend only on (seed, replicate, path): every model sees the same
    # replicate tables, so each replicate's conversions sum to the same total
    rows = [(p, c, n) for p, c, n in rows] + [(["a"], 1, 1)]
    t = pd.DataFrame({"path": [" > ".join(p) for p, _, _ in rows],
                      "conversions": [float(c) for _, c, _ in rows],
                      "value": [2.5 * c for _, c, _ in rows],
                      "nulls": [float(n) for _, _, n in rows]})
    t = t.groupby("path", as_index=False).sum()
    sums = [at.bootstrap_draws(t, model=m, replicates=15, seed=seed).sum(axis=1)
            for m in ("markov", "shapley", "last", "linear")]
    for s in sums[1:]:
        assert np.allclose(s, sums[0], rtol=1e-9, atol=1e-9)
    # and any thread count gives the same replicates
    try:
        sostac.set_num_threads(3)
        three = at.bootstrap_draws(t, model="markov", replicates=15, seed=seed, order=2)
        sostac.set_num_threads(1)
        one = at.bootstrap_draws(t, model="markov", replicates=15, seed=seed, order=2)
    finally:
        sostac.set_num_threads(0)
    pd.testing.assert_frame_equal(three, one, check_exact=True)
    b = at.bootstrap(t, model="linear", replicates=15, seed=seed)
    assert (b["conversions_low"] <= b["conversions_high"]).all()
    assert np.isfinite(b[["conversions_low", "conversions_high"]].to_numpy()).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"replicates": 0}, "replicates"),
    ({"replicates": 10**7}, "replicates"),
    ({"replicates": 2.5}, "replicates"),
    ({"replicates": True}, "replicates"),
    ({"level": 0}, "level"),
    ({"level": 1}, "level"),
    ({"level": 1.5}, "level"),
    ({"level": float("nan")}, "level"),
    ({"level": "95%"}, "level"),
    ({"seed": -1}, "seed"),
    ({"seed": 2**64}, "seed"),
    ({"seed": 1.5}, "seed"),
    ({"model": "tree"}, "model"),
    ({"unit": "users"}, "unit"),
    ({"order": 5}, "order"),
    ({"worth": "count"}, "worth"),
    ({"model": "position", "position_weights": (0.5, 0.5)}, "position_weights"),
    ({"model": "position", "position_weights": (0.5, 0.6, 0.1)}, "position_weights"),
])
def test_bad_input(small, kwargs, match):
    with pytest.raises(InputError, match=match):
        at.bootstrap(small, **kwargs)


def test_bad_tables_and_statistic(small):
    with pytest.raises(InputError, match="no conversions"):
        at.bootstrap(small.assign(conversions=0.0))
    with pytest.raises(InputError, match="empty"):
        at.bootstrap(small.iloc[:0])
    with pytest.raises(InputError, match=r"nulls\[1\]"):
        at.bootstrap(small.assign(nulls=[1.0, -1, 1, 1, 1, 1, 1, 1]))
    with pytest.raises(InputError, match="statistic"):
        at.bootstrap_draws(small, statistic="shapley_value")
    with pytest.raises(InputError, match="too many|at most 20"):
        wide = pd.DataFrame({"path": [" > ".join(f"c{i}" for i in range(21))],
                             "conversions": [1.0], "value": [1.0], "nulls": [1.0]})
        at.bootstrap(wide, model="shapley", worth="rate")


def test_the_control_stage_uses_this_bootstrap(small):
    # analyses.attribution's interval is bootstrap() with its SEED and BOOTSTRAP
    # replicates, in the comparison's channel order (0 for a channel without paths)
    from sostac.analyses import attribution as control

    lo_c, hi_c, lo_v, hi_v = control._bootstrap(small, "markov", ["c", "zz", "a"], 0.9)
    b = at.bootstrap(small, replicates=control.BOOTSTRAP, level=0.9,
                     seed=control.SEED).set_index("channel")
    assert np.array_equal(lo_c, [b.loc["c", "conversions_low"], 0.0,
                                 b.loc["a", "conversions_low"]])
    assert np.array_equal(hi_v, [b.loc["c", "value_high"], 0.0, b.loc["a", "value_high"]])
    assert control.BOOTSTRAP == 200 and control.SEED == 20270101
