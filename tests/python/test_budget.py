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
