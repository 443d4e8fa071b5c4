"""sostac.budget's adstock and saturation: against R evaluations of Robyn's and
PyMC-Marketing's definitions (tests/golden/budget/generate_transforms.R), hand
computations, invariants, and every bad-input rule."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sostac import InputError
from sostac.budget import adstock, saturation

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "budget" / "transforms.csv"


def _cases():
    with GOLDEN.open() as f:
        for row in csv.DictReader(f):
            params = {}
            for item in row["params"].split(";"):
                k, v = item.split("=")
                params[k] = int(v) if k in ("max_lag", "normalise") else float(v)
            x = np.array([float(v) for v in row["x"].split(";")])
            y = np.array([float(v) for v in row["y"].split(";")])
            yield row["kind"], params, x, y


CASES = list(_cases())


def test_golden_file_covers_every_kind():
    kinds = {k for k, *_ in CASES}
    assert kinds == {"geometric", "delayed", "weibull_cdf", "weibull_pdf", "hill", "logistic"}
    assert len(CASES) > 400


@pytest.mark.parametrize("i", range(len(CASES)))
def test_against_r(i):
    kind, params, x, want = CASES[i]
    if "normalise" in params:
        params["normalise"] = bool(params["normalise"])
    fn = saturation if kind in ("hill", "logistic") else adstock
    got = fn(x, kind, **params)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9 * max(1.0, np.abs(want).max()))


def test_robyn_weibull_scale_rounds_half_to_even():
    # windlen 4, scale 0.5: quantile(1:4, 0.5) = 2.5, R's round gives 2 (half to even)
    y = adstock([100.0, 0, 0, 0], "weibull_cdf", shape=1.0, scale=0.5)
    s = 2.0
    w = np.cumprod([1.0] + [np.exp(-(k / s)) for k in (1, 2, 3)])
    np.testing.assert_allclose(y, 100 * w, rtol=1e-15)


def test_hand_values():
    np.testing.assert_allclose(adstock([100.0, 0, 0], decay=0.5), [100, 50, 25])
    np.testing.assert_allclose(adstock([100.0, 0, 0, 0], decay=0.5, max_lag=2), [100, 50, 0, 0])
    np.testing.assert_allclose(adstock([90.0, 0, 0], decay=0.5, max_lag=2, normalise=True),
                               [60, 30, 0])
    np.testing.assert_allclose(adstock([0.0, 10, 0, 0], "delayed", decay=0.5, peak=1, max_lag=3),
                               [0, 5, 10, 5])
    np.testing.assert_allclose(saturation([0.0, 50, 100], half_saturation=50, shape=2),
                               [0, 0.5, 0.8])
    np.testing.assert_allclose(saturation([np.log(3)], "logistic", lam=1.0), [0.5])


def test_weibull_without_decay_leaves_spend_unchanged():
    x = np.array([3.0, 1, 4, 1, 5])
    for kind in ("weibull_cdf", "weibull_pdf"):
        np.testing.assert_array_equal(adstock(x, kind, shape=0.0, scale=0.3), x)
        np.testing.assert_array_equal(adstock(x, kind, shape=2.0, scale=0.0), x)


def test_channels_are_independent_and_keep_pandas_form():
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.gamma(2, 100, size=(30, 3)), columns=["tv", "search", "social"],
                     index=pd.date_range("2027-01-04", periods=30, freq="W-MON"))
    y = adstock(x, decay={"tv": 0.7, "search": 0.1, "social": 0.3})
    assert isinstance(y, pd.DataFrame) and y.columns.tolist() == x.columns.tolist()
    assert y.index.equals(x.index)
    for col, d in (("tv", 0.7), ("search", 0.1), ("social", 0.3)):
        np.testing.assert_array_equal(y[col].to_numpy(), adstock(x[col].to_numpy(), decay=d))
    s = saturation(x["tv"], half_saturation=200.0, shape=1.5)
    assert isinstance(s, pd.Series) and s.name == "tv" and s.index.equals(x.index)
    arr = saturation(x.to_numpy(), half_saturation=[100.0, 200.0, 300.0], shape=1.0)
    np.testing.assert_allclose(arr[:, 2], x["social"] / (x["social"] + 300.0), rtol=1e-14)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=40), st.floats(0, 0.99),
       st.integers(1, 20))
def test_normalised_kernel_keeps_the_total(x, decay, lag):
    x = np.array(x)
    y = adstock(np.concatenate([x, np.zeros(lag)]), decay=decay, max_lag=lag, normalise=True)
    np.testing.assert_allclose(y.sum(), x.sum(), rtol=1e-9, atol=1e-6)
    assert (y >= 0).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e7), min_size=2, max_size=30), st.floats(1e-3, 1e6),
       st.floats(0.1, 8))
def test_hill_is_monotone_and_below_one(x, half, shape):
    x = np.sort(np.array(x))
    y = saturation(x, half_saturation=half, shape=shape)
    assert (np.diff(y) >= 0).all() and (y >= 0).all() and (y <= 1).all()


@pytest.mark.parametrize("call, match", [
    (lambda: adstock([1.0, -2.0], decay=0.5), r"x\[1, 0\]: expected a finite spend >= 0, got -2"),
    (lambda: adstock([1.0, np.nan], decay=0.5), r"x\[1, 0\]: .*missing \(NaN\)"),
    (lambda: saturation([np.inf], half_saturation=1, shape=1), r"x\[0, 0\]"),
    (lambda: adstock([1.0], "carryover", decay=0.5), r"kind: unknown adstock 'carryover'"),
    (lambda: saturation([1.0], "tanh"), r"kind: unknown saturation 'tanh'"),
    (lambda: adstock([1.0], decay=1.0), r"decay\[0\]: expected a decay in \[0, 1\)"),
    (lambda: adstock([1.0], decay=-0.1), r"decay\[0\]"),
    (lambda: adstock([1.0], "geometric"), r"decay: the geometric adstock needs decay"),
    (lambda: adstock([1.0], decay=0.5, shape=2.0), r"shape: not a parameter of the geometric"),
    (lambda: adstock([1.0], "delayed", decay=0.5, peak=1.0), r"max_lag: the delayed adstock"),
    (lambda: adstock([1.0], decay=0.5, max_lag=0), r"max_lag: expected a whole number >= 1"),
    (lambda: adstock([1.0], decay=0.5, max_lag=True), r"max_lag"),
    (lambda: adstock([1.0, 2.0], "weibull_cdf", shape=1.0, scale=1.5),
     r"scale\[0\]: expected a scale in \[0, 1\]"),
    (lambda: adstock([1.0, 2.0], "weibull_pdf", shape=-1.0, scale=0.5), r"shape\[0\]"),
    (lambda: adstock(np.ones((3, 2)), decay=[0.5, 0.2, 0.1]), r"decay: expected a number or 2"),
    (lambda: adstock(np.ones((3, 2, 1)), decay=0.5), r"x: expected a 1-D or 2-D array"),
    (lambda: adstock([], decay=0.5), r"x: no periods"),
    (lambda: adstock(pd.DataFrame({"a": ["x"]}), decay=0.5), r"x: column 'a' is not numeric"),
    (lambda: adstock(pd.DataFrame({"a": [1.0]}), decay={"b": 0.5}), r"decay: no value for column 'a'"),
    (lambda: saturation([1.0], shape=1.0), r"half_saturation: .*exactly one of"),
    (lambda: saturation([1.0], half_saturation=1.0, gamma=0.5, shape=1.0), r"exactly one of"),
    (lambda: saturation([1.0], half_saturation=1.0), r"shape: the hill saturation needs shape"),
    (lambda: saturation([1.0, 2.0], gamma=1.5, shape=1.0), r"gamma\[0\]: expected a share"),
    (lambda: saturation([1.0], half_saturation=0.0, shape=1.0), r"half_saturation\[0\]: .*> 0"),
    (lambda: saturation([1.0], half_saturation=np.nan, shape=1.0), r"half_saturation\[0\]: expected a finite"),
    (lambda: saturation([1.0], "logistic"), r"lam: the logistic saturation needs lam"),
    (lambda: saturation([1.0], "logistic", lam=1.0, shape=2.0), r"shape: not a parameter of the logistic"),
])
def test_bad_input(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_docstring_examples():
    import doctest

    from sostac.budget import _transforms

    result = doctest.testmod(_transforms, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 3 and result.failed == 0


def test_docs_examples():
    import doctest
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "budget.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(
        optionflags=doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(blocks):
        runner.run(parser.get_doctest(block, {}, f"docs/budget.md[{i}]", "docs/budget.md", 0))
    assert runner.summarize(verbose=False).failed == 0


# -- break-even ------------------------------------------------------------------------

DATA = Path(__file__).resolve().parents[2] / "python" / "sostac" / "data"


def test_break_even_on_the_demo_equals_a_hand_computation():
    from sostac import Plan
    from sostac.budget import break_even

    plan = Plan.load(DATA / "demo_plan.yaml")
    daily = pd.read_csv(DATA / "demo_daily.csv")
    econ = plan.to_dict()["plan"]["economics"]
    aov, margin = econ["average_order_value"], econ["margin"]
    got = break_even(daily, economics=plan)
    hand = daily.groupby("channel").agg(spend=("cost", "sum"), orders=("orders", "sum"),
                                        revenue=("revenue", "sum")).reset_index()
    assert got["channel"].tolist() == hand["channel"].tolist()
    np.testing.assert_allclose(got["spend"], hand["spend"], rtol=1e-12)
    np.testing.assert_allclose(got["cpa"], hand["spend"] / hand["orders"], rtol=1e-12)
    paid = (hand["spend"] > 0).to_numpy()
    assert paid.sum() >= 2 and (~paid).sum() >= 1  # the demo has unpaid channels
    np.testing.assert_allclose(got["roas"][paid], (hand["revenue"] / hand["spend"])[paid],
                               rtol=1e-12)
    assert got["roas"][~paid].isna().all()
    assert (got["status"][~paid] == "no spend").all()
    np.testing.assert_allclose(got["profit"], margin * hand["revenue"] - hand["spend"],
                               rtol=1e-12)
    assert (got["break_even_cpa"] == aov * margin).all()
    assert (got["break_even_roas"] == 1 / margin).all()
    np.testing.assert_allclose(got["headroom"], aov * margin - got["cpa"], rtol=1e-12)
    # the status follows the CPA interval against break-even
    for _, r in got[paid].iterrows():
        want = ("profitable" if r.cpa_high < r.break_even_cpa else
                "losing" if r.cpa_low > r.break_even_cpa else "unclear")
        assert r.status == want
        assert r.cpa_low <= r.cpa <= r.cpa_high


def test_break_even_matches_what_works_and_the_metrics_engine():
    from sostac import Plan
    from sostac.budget import break_even
    from sostac.metrics import kpi_table

    plan = Plan.load(DATA / "demo_plan.yaml")
    daily = pd.read_csv(DATA / "demo_daily.csv")
    got = break_even(daily, economics=plan, level=0.9)
    ref = kpi_table(daily.assign(_all="2027-01-01"), ["cpa"], by=("channel",), period="day",
                    time="_all", level=0.9)
    np.testing.assert_allclose(got["cpa_low"], ref["low"], rtol=1e-12)
    np.testing.assert_allclose(got["cpa_high"], ref["high"], rtol=1e-12)
    works = plan.control(daily).what_works.set_index("channel")
    for _, r in got.iterrows():
        assert works.loc[r.channel, "break_even_cpa"] == r.break_even_cpa


def test_break_even_without_revenue_and_overall():
    from sostac.budget import break_even

    daily = pd.DataFrame({"date": ["2027-01-01", "2027-01-02"], "channel": ["a", "a"],
                          "cost": [10.0, 0.0], "orders": [1, 1]})
    t = break_even(daily, economics={"average_order_value": 50, "margin": 0.5}, by=())
    assert len(t) == 1 and np.isnan(t["roas"].iloc[0])
    assert t["profit"].iloc[0] == pytest.approx(0.5 * 50 * 2 - 10)
    none = pd.DataFrame({"date": ["2027-01-01"] * 2, "channel": ["a", "b"],
                         "cost": [0.0, 5.0], "orders": [3, 0]})
    assert break_even(none, economics={"average_order_value": 50, "margin": 0.5}
                      )["status"].tolist() == ["no spend", "no orders"]


@pytest.mark.parametrize("economics, match", [
    ({"margin": 0.4}, r"economics.average_order_value: missing"),
    ({"average_order_value": 65}, r"economics.margin: missing"),
    ({"average_order_value": 65, "margin": 1.5}, r"economics.margin: expected a share"),
    ({"average_order_value": 0, "margin": 0.4}, r"economics.average_order_value: expected > 0"),
    ({"average_order_value": "65", "margin": 0.4}, r"economics.average_order_value: expected a finite"),
    ({"average_order_value": float("nan"), "margin": 0.4}, r"expected a finite"),
    ([65, 0.4], r"economics: expected a dict"),
])
def test_break_even_bad_economics(economics, match):
    from sostac.budget import break_even

    daily = pd.DataFrame({"date": ["2027-01-01"], "channel": ["a"], "cost": [1.0], "orders": [1]})
    with pytest.raises(InputError, match=match):
        break_even(daily, economics=economics)


def test_break_even_bad_data():
    from sostac.budget import break_even

    econ = {"average_order_value": 65, "margin": 0.4}
    with pytest.raises(InputError, match=r"data: missing column\(s\) \['orders'\]"):
        break_even(pd.DataFrame({"date": [], "channel": [], "cost": []}), economics=econ)
    with pytest.raises(InputError, match=r"data: no rows"):
        break_even(pd.DataFrame({"date": [], "channel": [], "cost": [], "orders": []}),
                   economics=econ)
    with pytest.raises(InputError, match=r"level"):
        break_even(pd.DataFrame({"date": ["2027-01-01"], "channel": ["a"], "cost": [1.0],
                                 "orders": [1]}), economics=econ, level=95)
    with pytest.raises(InputError, match=r"cost"):
        break_even(pd.DataFrame({"date": ["2027-01-01"], "channel": ["a"], "cost": [-1.0],
                                 "orders": [1]}), economics=econ)


def test_break_even_docstring():
    import doctest

    from sostac.budget import _break_even

    result = doctest.testmod(_break_even, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 3 and result.failed == 0


# -- allocation --------------------------------------------------------------------------


def _random_curves(rng, n):
    return pd.DataFrame({
        "channel": [f"c{i}" for i in range(n)],
        "beta": rng.uniform(10, 500, n), "half_saturation": rng.uniform(100, 5000, n),
        "shape": rng.uniform(0.3, 1.0, n), "carry": rng.uniform(1.0, 3.0, n),
        "current": rng.uniform(0, 2000, n)})


def _f(curves, x):
    z = (curves["carry"].to_numpy() if "carry" in curves else 1.0) * x
    k, a, b = (curves[c].to_numpy() for c in ("half_saturation", "shape", "beta"))
    return b * z ** a / (z ** a + k ** a)


def _slsqp(curves, total, lower, upper, objective, worth=None):
    from scipy.optimize import minimize

    n = len(curves)
    if objective == "conversions":
        fun = lambda x: -_f(curves, np.maximum(x, 0)).sum() / 100  # noqa: E731
        cons = [{"type": "eq", "fun": lambda x: x.sum() - total}]
    else:
        fun = lambda x: -(worth * _f(curves, np.maximum(x, 0)).sum() - x.sum()) / 100  # noqa: E731
        cons = [{"type": "ineq", "fun": lambda x: total - x.sum()}]
    best = None
    for start in range(4):  # multi-start: SLSQP's own answer, not ours, is the reference
        x0 = np.clip(np.full(n, total / n) * (1 + 0.3 * start), lower, np.minimum(upper, total))
        r = minimize(fun, x0, method="SLSQP", bounds=list(zip(lower, np.minimum(upper, 10 * total))),
                     constraints=cons, options={"ftol": 1e-14, "maxiter": 2000})
        if best is None or r.fun < best.fun:
            best = r
    return best


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("objective", ["conversions", "profit"])
def test_allocate_equals_slsqp_and_satisfies_kkt(seed, objective):
    from sostac.budget import allocate

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    curves = _random_curves(rng, n)
    total = float(rng.uniform(500, 20000))
    lower = np.where(rng.random(n) < 0.3, rng.uniform(0, total / (2 * n), n), 0.0)
    upper = np.where(rng.random(n) < 0.3, lower + rng.uniform(10, total / n, n), np.inf)
    if objective == "conversions" and upper.sum() < total:
        upper[0] = np.inf
    bounds = {ch: (lo, None if np.isinf(hi) else hi)
              for ch, lo, hi in zip(curves["channel"], lower, upper)}
    worth = float(rng.uniform(20, 200))
    got = allocate(curves, total, bounds=bounds, objective=objective,
                   margin=worth if objective == "profit" else None)
    x = got["recommended"].to_numpy()
    # feasibility
    assert (x >= lower - 1e-9).all() and (x <= upper + 1e-9).all()
    if objective == "conversions":
        assert x.sum() == pytest.approx(total, rel=1e-12)
    else:
        assert x.sum() <= total * (1 + 1e-12)
    # KKT: interior channels share one marginal return; channels at a bound are on
    # the right side of it
    slope = 1.0 / got["marginal_cpa"].to_numpy()
    lam = got.attrs["multiplier"]
    interior = (x > lower + 1e-6) & (x < upper - 1e-6)
    np.testing.assert_allclose(slope[interior], lam, rtol=1e-7)
    assert (slope[np.isclose(x, lower, atol=1e-6) & ~interior] <= lam * (1 + 1e-7)).all()
    assert (slope[np.isclose(x, upper, atol=1e-6) & ~interior] >= lam * (1 - 1e-7)).all()
    # the optimum is scipy's (ours at least as good, and equal to 1e-6 relative)
    ref = _slsqp(curves, total, lower, upper, objective, worth)
    ours = (_f(curves, x).sum() if objective == "conversions"
            else worth * _f(curves, x).sum() - x.sum())
    theirs = -ref.fun * 100
    assert ours >= theirs - 1e-6 * abs(theirs)
    assert ours == pytest.approx(theirs, rel=1e-6)


def test_allocate_profit_stops_where_spend_stops_paying():
    from sostac.budget import allocate, scale_limits

    curves = pd.DataFrame({"channel": ["a", "b"], "beta": [100.0, 50.0],
                           "half_saturation": [1000.0, 1000.0], "shape": [1.0, 1.0]})
    got = allocate(curves, 1e9, margin=40.0)
    # unconstrained by the total: each channel's marginal CPA equals the margin
    np.testing.assert_allclose(got["marginal_cpa"], 40.0, rtol=1e-9)
    lim = scale_limits(curves, break_even_cpa=40.0)
    np.testing.assert_allclose(got["recommended"], lim["limit"], rtol=1e-9)
    # hand: 100 * 1000 / (x + 1000)^2 = 1/40 -> x = 1000
    assert lim["limit"].iloc[0] == pytest.approx(1000.0, rel=1e-12)
    assert got.attrs["profit"] == pytest.approx(
        40 * (_f(curves, got["recommended"].to_numpy()).sum()) - got["recommended"].sum())


def test_allocate_with_the_plan_economics():
    from sostac import Plan
    from sostac.budget import allocate

    plan = Plan.load(DATA / "demo_plan.yaml")
    econ = plan.to_dict()["plan"]["economics"]
    curves = _random_curves(np.random.default_rng(3), 4)
    a = allocate(curves, 5000, economics=plan)
    b = allocate(curves, 5000, margin=econ["average_order_value"] * econ["margin"])
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("kwargs, match", [
    ({"total": 100, "bounds": {"c0": (80, None), "c1": (50, None)}}, r"bounds: the channels' minimums add up to 130"),
    ({"total": 1000, "bounds": {"c0": (0, 10), "c1": (0, 10)}, "objective": "conversions"}, r"maximums add up to 20"),
    ({"total": 100, "bounds": {"c0": (50, 10)}}, r"upper\[0\]: expected an upper bound >= the lower"),
    ({"total": 100, "bounds": {"zz": (0, 1)}}, r"bounds: unknown channel 'zz'"),
    ({"total": 100, "bounds": {"c0": 5}}, r"bounds\['c0'\]: expected \(minimum, maximum\)"),
    ({"total": -1}, r"total: expected a finite budget >= 0"),
    ({"total": "1000"}, r"total: expected a budget"),
    ({"total": 100, "objective": "revenue"}, r"objective: unknown 'revenue'"),
    ({"total": 100, "margin": None}, r"margin: the profit objective needs"),
    ({"total": 100, "margin": -3.0}, r"margin: expected the profit per conversion"),
    ({"total": 100, "margin": 3.0, "economics": {"average_order_value": 1, "margin": 0.5}}, r"not both"),
])
def test_allocate_bad_input(kwargs, match):
    from sostac.budget import allocate

    curves = _random_curves(np.random.default_rng(0), 2)
    kwargs.setdefault("margin", 50.0) if "economics" not in kwargs else None
    with pytest.raises(InputError, match=match):
        allocate(curves, **kwargs)


@pytest.mark.parametrize("change, match", [
    (lambda c: c.assign(shape=[2.0, 1.0]), r"shape\[0\]: expected a shape in \(0, 1\] \(a concave curve"),
    (lambda c: c.assign(beta=[-1.0, 1.0]), r"beta\[0\]"),
    (lambda c: c.assign(half_saturation=[0.0, 1.0]), r"half_saturation\[0\]"),
    (lambda c: c.assign(carry=[np.inf, 1.0]), r"carry\[0\]"),
    (lambda c: c.assign(beta=["x", 1.0]), r"beta\[0\]: expected a number for channel 'c0'"),
    (lambda c: c.drop(columns="shape"), r"curves: missing column\(s\) \['shape'\]"),
    (lambda c: c.assign(channel=["a", "a"]), r"curves: channel 'a' appears twice"),
    (lambda c: c.iloc[:0], r"curves: no channels"),
    (lambda c: c.to_dict(), r"curves: expected a DataFrame"),
])
def test_allocate_bad_curves(change, match):
    from sostac.budget import allocate

    curves = _random_curves(np.random.default_rng(0), 2)
    with pytest.raises(InputError, match=match):
        allocate(change(curves), 100.0, margin=10.0)


def test_scale_limits_bad_input():
    from sostac.budget import scale_limits

    curves = _random_curves(np.random.default_rng(0), 2)
    with pytest.raises(InputError, match=r"break_even_cpa: expected a finite CPA > 0"):
        scale_limits(curves, break_even_cpa=0.0)
    with pytest.raises(InputError, match=r"break_even_cpa: expected a CPA"):
        scale_limits(curves, break_even_cpa="40")


def test_allocate_docstrings():
    import doctest

    from sostac.budget import _allocate

    result = doctest.testmod(_allocate, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0


@pytest.mark.parametrize("seed", range(6))
def test_allocate_at_a_cpa_target_equals_slsqp(seed):
    from scipy.optimize import minimize

    from sostac.budget import allocate

    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 7))
    curves = _random_curves(rng, n)
    total = float(rng.uniform(2000, 20000))
    free = allocate(curves, total, objective="conversions")
    cpa_free = total / free["conversions"].sum()
    target = float(cpa_free * rng.uniform(0.5, 0.95))  # binding: below the free CPA
    got = allocate(curves, total, target_cpa=target)
    x = got["recommended"].to_numpy()
    spent, conv = x.sum(), _f(curves, x).sum()
    assert spent <= total * (1 + 1e-12)
    assert spent / conv <= target * (1 + 1e-9)
    assert spent / conv == pytest.approx(target, rel=1e-9)  # the target binds
    cons = [{"type": "ineq", "fun": lambda v: total - v.sum()},
            {"type": "ineq", "fun": lambda v: target * _f(curves, np.maximum(v, 0)).sum() - v.sum()}]
    best = None
    for k in range(1, 7):
        r = minimize(lambda v: -_f(curves, np.maximum(v, 0)).sum() / 100, x0=np.full(n, spent * k / (3 * n)),
                     method="SLSQP", bounds=[(0, total)] * n, constraints=cons,
                     options={"ftol": 1e-14, "maxiter": 2000})
        v = np.maximum(r.x, 0)
        ok = v.sum() <= total * (1 + 1e-9) and v.sum() <= target * _f(curves, v).sum() * (1 + 1e-9)
        if ok and (best is None or r.fun < best.fun):  # SLSQP's best feasible answer
            best = r
    assert best is not None, "SLSQP found no feasible point from any start"
    theirs = -best.fun * 100
    assert conv >= theirs * (1 - 1e-6)
    assert conv == pytest.approx(theirs, rel=1e-6)


def test_allocate_target_cpa_errors():
    from sostac.budget import allocate

    curves = _random_curves(np.random.default_rng(0), 2)
    with pytest.raises(InputError, match=r"target_cpa: the channels' minimums alone cost"):
        allocate(curves, 1e5, target_cpa=0.01, bounds={"c0": (5000, None)})
    with pytest.raises(InputError, match=r"target_cpa: expected a finite CPA > 0"):
        allocate(curves, 1e5, target_cpa=-1.0)
    with pytest.raises(InputError, match=r"target_cpa: expected a CPA"):
        allocate(curves, 1e5, target_cpa="10")
    with pytest.raises(InputError, match=r"target_cpa: a CPA target goes with"):
        allocate(curves, 1e5, target_cpa=10.0, objective="profit", margin=5.0)
