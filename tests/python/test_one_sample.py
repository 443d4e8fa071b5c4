"""One-sample tests of a rate against a stated value (a plan's target) against R's
prop.test, binom.test and poisson.test (tests/golden/r/one_sample.csv), invariants
and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from sostac.stats import one_proportion_test, poisson_test

GOLDEN = pd.read_csv(Path(__file__).resolve().parents[1] / "golden" / "r" / "one_sample.csv")


def _run(row):
    if row["test"] == "poisson":
        return poisson_test(row["a"], row["b"], row["c"], alternative=row["alternative"])
    return one_proportion_test(row["a"], row["b"], row["c"], method=row["test"],
                               alternative=row["alternative"])


@pytest.mark.parametrize("row", GOLDEN.to_dict("records"),
                         ids=lambda r: f"{r['test']}-{r['a']:g}-{r['b']:g}-{r['c']:g}-{r['alternative']}")
def test_equals_r(row):
    r = _run(row)
    assert r.statistic == pytest.approx(row["statistic"], rel=1e-12, abs=1e-14)
    assert r.pvalue == pytest.approx(row["pvalue"], rel=1e-9, abs=1e-300)
    if np.isfinite(row["log_pvalue"]):
        assert r.log_pvalue == pytest.approx(row["log_pvalue"], rel=1e-9, abs=1e-12)
    else:
        assert r.log_pvalue == -np.inf
    rate = row["a"] / row["b"]
    assert r.estimate == pytest.approx(rate, rel=1e-15)
    assert r.diff == pytest.approx(rate - row["c"], rel=1e-12, abs=1e-17)


def test_tiny_p_values_keep_a_finite_log():
    # 3,001 or more orders where a 1% rate on 100,000 visits expects 1,000: the
    # p-value underflows, its log is summed term by term; R (log.p = TRUE):
    # pbinom(3000, 1e5, 0.01, lower.tail = FALSE, log.p = TRUE) = -1321.8075865438552
    r = one_proportion_test(3001, 100_000, 0.01, method="exact", alternative="greater")
    assert r.pvalue == 0.0
    assert r.log_pvalue == pytest.approx(-1321.8075865438552, rel=1e-12)
    # pbinom(1999, ...) = exp(-395.38916752477479): a normal double, and its log
    r = one_proportion_test(2000, 100_000, 0.01, method="exact", alternative="greater")
    assert r.log_pvalue == pytest.approx(-395.38916752477479, rel=1e-12)
    # ppois(399, 100, lower.tail = FALSE, log.p = TRUE) = -258.1460459019346
    p = poisson_test(400, 100, 1.0, alternative="greater")
    assert p.log_pvalue == pytest.approx(-258.1460459019346, rel=1e-12)


def test_broadcasts_over_arrays():
    r = one_proportion_test([180, 220], 10_000, 0.02, alternative="less")
    assert r.pvalue.shape == (2,) and r.pvalue[0] < r.pvalue[1]
    f = r.to_frame()
    assert {"statistic", "pvalue", "estimate", "diff", "lift"} <= set(f.columns)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.data(), st.floats(0.01, 0.99))
def test_p_values_are_probabilities_and_one_sided_tails_cover_the_outcome(n, data, p0):
    x = data.draw(st.integers(0, n))
    for method in ("score", "score-yates", "exact"):
        ps = {alt: one_proportion_test(x, n, p0, method=method, alternative=alt).pvalue
              for alt in ("two-sided", "greater", "less")}
        assert all(0 <= p <= 1 for p in ps.values())
        if method == "exact":  # P(X >= x) + P(X <= x) = 1 + P(X = x) >= 1
            assert ps["greater"] + ps["less"] >= 1 - 1e-12
            assert ps["two-sided"] >= min(ps["greater"], ps["less"]) - 1e-12


@pytest.mark.parametrize("call, message", [
    (lambda: one_proportion_test(5, 4, 0.5), r"^x: expected at most n = 4 successes, got 5"),
    (lambda: one_proportion_test(1.5, 4, 0.5), r"^x: "),
    (lambda: one_proportion_test(1, 0, 0.5), r"^n: expected at least one trial"),
    (lambda: one_proportion_test(1, 4, 1.0), r"^p0: expected a proportion in \(0, 1\), got 1"),
    (lambda: one_proportion_test(1, 4, -0.1, method="exact"), r"^p0: expected a proportion in \[0, 1\]"),
    (lambda: one_proportion_test(1, 4, 0.5, method="wald"), r"^method: expected one of"),
    (lambda: one_proportion_test([1, 2], [4, 4, 4], 0.5), r"shape|broadcast"),
    (lambda: poisson_test(-1, 10, 1.0), r"^k: "),
    (lambda: poisson_test(3, 0, 1.0), r"^exposure: expected a positive finite exposure"),
    (lambda: poisson_test(3, 10, 0), r"^r0: expected a positive finite rate"),
    (lambda: poisson_test(3, 10, 1.0, alternative="bigger"), r"^alternative: expected one of"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_certain_outcomes_with_p0_at_the_bounds():
    assert one_proportion_test(0, 10, 0.0, method="exact").pvalue == 1.0
    assert one_proportion_test(1, 10, 0.0, method="exact").pvalue == 0.0
    assert one_proportion_test(1, 10, 0.0, method="exact", alternative="less").pvalue == 1.0
    assert one_proportion_test(10, 10, 1.0, method="exact", alternative="greater").pvalue == 1.0


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 2000), st.data(), st.floats(0.001, 0.999))
def test_successes_and_failures_mirror(n, data, p0):
    # x successes against p0 "greater" is n - x failures against 1 - p0 "less"
    x = data.draw(st.integers(0, n))
    for method in ("score", "score-yates", "exact"):
        a = one_proportion_test(x, n, p0, method=method, alternative="greater")
        b = one_proportion_test(n - x, n, 1 - p0, method=method, alternative="less")
        assert a.pvalue == pytest.approx(b.pvalue, rel=1e-9, abs=1e-300)
        t = one_proportion_test(x, n, p0, method=method)
        u = one_proportion_test(n - x, n, 1 - p0, method=method)
        assert t.pvalue == pytest.approx(u.pvalue, rel=1e-7, abs=1e-300)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 500), st.floats(0.1, 100), st.floats(0.01, 20))
def test_poisson_tails_are_probabilities_that_cover_the_outcome(k, exposure, r0):
    g = poisson_test(k, exposure, r0, alternative="greater").pvalue
    l = poisson_test(k, exposure, r0, alternative="less").pvalue  # noqa: E741
    two = poisson_test(k, exposure, r0).pvalue
    assert 0 <= g <= 1 and 0 <= l <= 1 and 0 <= two <= 1
    assert g + l >= 1 - 1e-12  # P(K >= k) + P(K <= k) = 1 + P(K = k)
    assert two >= min(g, l) - 1e-12
