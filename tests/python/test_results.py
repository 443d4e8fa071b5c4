"""Result objects: named fields, to_dict, to_frame, reprs; arrays keep their shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sostac import stats
from sostac._results import ConfidenceInterval


def test_scalar_results_are_floats_with_named_fields():
    r = stats.two_proportion_test(100, 1000, 130, 1000)
    assert isinstance(r.pvalue, float) and isinstance(r.statistic, float)
    d = r.to_dict()
    assert set(d) >= {"statistic", "pvalue", "log_pvalue", "diff", "lift", "method", "alternative"}
    assert d["method"] == "z" and d["alternative"] == "two-sided"
    assert r.diff == pytest.approx(0.03) and r.lift == pytest.approx(0.3)
    with pytest.raises(AttributeError, match="no field 'p_value'"):
        r.p_value  # noqa: B018


def test_array_results_keep_the_broadcast_shape():
    r = stats.two_proportion_test(np.full((2, 3), 10), 100, np.arange(6).reshape(2, 3) + 10, 100)
    assert r.pvalue.shape == (2, 3)
    f = r.to_frame()
    assert isinstance(f, pd.DataFrame) and len(f) == 6
    assert list(f.columns[:5]) == ["statistic", "pvalue", "log_pvalue", "diff", "lift"]
    assert (f["method"] == "z").all()


def test_repr_and_html_are_readable():
    r = stats.two_proportion_test(100, 1000, 130, 1000, method="fisher", alternative="greater")
    text = repr(r)
    assert text.startswith("ProportionTestResult(method='fisher', alternative='greater')")
    assert "pvalue" in text and "lift" in text
    html = r._repr_html_()
    assert "<table>" in html and "pvalue" in html
    many = stats.two_proportion_test(np.arange(100), 1000, 50, 1000)
    assert "..." in repr(many)  # long arrays are summarised


def test_confidence_interval_unpacks_and_describes_itself():
    ci = stats.proportion_ci(45, 1000, level=0.9, method="jeffreys")
    low, high = ci
    assert (low, high) == (ci.low, ci.high) and low < 0.045 < high
    assert isinstance(ci, ConfidenceInterval) and isinstance(ci, tuple)
    assert ci.to_dict()["method"] == "jeffreys" and ci.level == 0.9
    assert "jeffreys" in repr(ci) and "<div>" in ci._repr_html_()
    arr = stats.proportion_ci([1, 2, 3], 10)
    assert arr.to_frame().shape == (3, 2)


def test_t_test_result_has_a_ci_and_frames():
    r = stats.t_test([1.0, 2.0, 3.0, 4.0], [2.0, 3.5, 4.0, 6.0])
    assert r.ci.low < r.estimate < r.ci.high
    f = r.to_frame()
    assert {"ci_low", "ci_high", "df"} <= set(f.columns)
    one = stats.t_test([1.0, 2.0, 3.0], [2.0, 3.0, 5.0], alternative="greater")
    assert one.ci.high == np.inf  # one-sided, as R


def test_multi_proportion_result():
    r = stats.multi_proportion_test([100, 120, 135], [1000, 1000, 1000], control=0)
    f = r.to_frame()
    assert list(f["arm"]) == [1, 2]
    assert {"diff", "lift", "pvalue", "pvalue_adjusted"} <= set(f.columns)
    assert np.all(f["pvalue_adjusted"] >= f["pvalue"])
    assert "omnibus chi-square" in repr(r)
    r2 = stats.multi_proportion_test([100, 120, 135], [1000, 1000, 1000], control=2)
    assert list(r2.comparisons["arm"]) == [0, 1]


def test_beta_binomial_result():
    r = stats.beta_binomial(100, 1000, 130, 1000, prior=(0.5, 0.5))
    assert r.prior == (0.5, 0.5)
    assert r.ci_b.low < r.mean_b < r.ci_b.high
    assert {"prob_b_better", "expected_loss_a", "expected_loss_b"} <= set(r.to_dict())
    v = stats.beta_binomial([100, 120], 1000, [130, 110], 1000)
    assert v.prob_b_better.shape == (2,) and v.ci_a.low.shape == (2,)


def test_srm_accepts_many_experiments():
    counts = np.array([[5000, 5100], [5000, 5600], [3000, 3000]])
    r = stats.srm_test(counts)
    assert r.pvalue.shape == (3,) and r.pvalue[1] < 1e-6 and r.pvalue[2] == 1.0
    assert stats.srm_test([3000, 3000]).pvalue == 1.0


def test_pandas_columns_in_and_a_frame_out():
    df = pd.DataFrame(
        {"x_a": [100, 50, 7], "n_a": [1000, 800, 90], "x_b": [130, 45, 12], "n_b": [1000, 820, 95]}
    )
    r = stats.two_proportion_test(df.x_a, df.n_a, df.x_b, df.n_b, method="fisher")
    assert r.pvalue.shape == (3,)
    out = pd.concat([df, r.to_frame()], axis=1)
    assert list(out.columns[-3:]) == ["lift", "method", "alternative"]
    ci = stats.diff_ci(df.x_a, df.n_a, df.x_b, df.n_b)
    assert np.all(ci.to_frame()["low"] < out["diff"])
    with pytest.raises(ValueError, match=r"^x_b\[1\]"):
        stats.two_proportion_test(df.x_a, df.n_a, df.x_b.replace(45, 900), df.n_b)
