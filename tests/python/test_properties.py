"""Invariants, checked with Hypothesis over random inputs."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import sostac
from sostac import stats

settings.register_profile(
    "sostac", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("sostac")

TESTS = ["z", "z-yates", "z-unpooled", "fisher", "g"]


@st.composite
def arms(draw, max_n=10_000):
    n_a = draw(st.integers(1, max_n))
    n_b = draw(st.integers(1, max_n))
    return draw(st.integers(0, n_a)), n_a, draw(st.integers(0, n_b)), n_b


@given(arms(), st.sampled_from(TESTS), st.sampled_from(["two-sided", "greater", "less"]))
def test_pvalues_are_probabilities(t, method, alternative):
    r = stats.two_proportion_test(*t, method=method, alternative=alternative)
    assert 0.0 <= r.pvalue <= 1.0
    assert r.log_pvalue <= 0.0
    if r.pvalue > 1e-300:
        assert np.isclose(np.exp(r.log_pvalue), r.pvalue, rtol=1e-9)


@given(arms(), st.sampled_from(TESTS))
def test_swapping_arms_flips_greater_and_less(t, method):
    x_a, n_a, x_b, n_b = t
    g = stats.two_proportion_test(x_a, n_a, x_b, n_b, method=method, alternative="greater")
    l_swapped = stats.two_proportion_test(x_b, n_b, x_a, n_a, method=method, alternative="less")
    assert np.isclose(g.pvalue, l_swapped.pvalue, rtol=1e-9, atol=1e-300)
    two = stats.two_proportion_test(x_a, n_a, x_b, n_b, method=method)
    two_s = stats.two_proportion_test(x_b, n_b, x_a, n_a, method=method)
    assert np.isclose(two.pvalue, two_s.pvalue, rtol=1e-9, atol=1e-300)


@given(arms(), st.sampled_from(["z", "z-unpooled", "g"]))
def test_one_sided_pvalues_are_complementary(t, method):
    g = stats.two_proportion_test(*t, method=method, alternative="greater")
    le = stats.two_proportion_test(*t, method=method, alternative="less")
    assert np.isclose(g.pvalue + le.pvalue, 1.0, rtol=1e-12)


LEVELS = st.tuples(st.floats(0.5, 0.99), st.floats(0.5, 0.99)).map(sorted)


@given(st.integers(1, 100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       LEVELS, st.sampled_from(["wilson", "wilson-cc", "clopper-pearson", "jeffreys",
                                "agresti-coull", "wald"]))
def test_proportion_intervals_contain_and_nest(xn, levels, method):
    x, n = xn
    lo_level, hi_level = levels
    assume(hi_level - lo_level > 1e-6)
    small = stats.proportion_ci(x, n, level=lo_level, method=method)
    big = stats.proportion_ci(x, n, level=hi_level, method=method)
    p = x / n
    assert 0.0 <= big.low <= small.low + 1e-15
    assert small.high <= big.high + 1e-15 <= 1.0 + 1e-15
    if method != "agresti-coull":  # its centre is shrunk towards 1/2 and may miss p
        assert small.low <= p + 1e-15 and p <= small.high + 1e-15


@given(arms(), LEVELS, st.sampled_from(["wald", "wald-cc", "newcombe", "agresti-caffo"]))
def test_difference_intervals_contain_and_nest(t, levels, method):
    lo_level, hi_level = levels
    assume(hi_level - lo_level > 1e-6)
    small = stats.diff_ci(*t, level=lo_level, method=method)
    big = stats.diff_ci(*t, level=hi_level, method=method)
    d = t[2] / t[3] - t[0] / t[1]
    assert big.low <= small.low + 1e-12 and small.high <= big.high + 1e-12
    if method != "agresti-caffo":  # shrunk towards equal rates
        assert small.low <= d + 1e-12 <= small.high + 2e-12


@given(arms().filter(lambda t: t[0] > 0 and t[2] > 0), LEVELS,
       st.sampled_from(["delta", "log", "fieller"]))
def test_lift_intervals_contain_and_nest(t, levels, method):
    lo_level, hi_level = levels
    assume(hi_level - lo_level > 1e-6)
    small = stats.lift_ci(*t, level=lo_level, method=method)
    big = stats.lift_ci(*t, level=hi_level, method=method)
    lift = (t[2] / t[3]) / (t[0] / t[1]) - 1
    assert small.low <= lift * (1 + 1e-12) + 1e-12 and lift <= small.high * (1 + 1e-12) + 1e-12
    assert big.low <= small.low + 1e-12 and small.high <= big.high + 1e-12


@given(st.lists(st.floats(0, 1), min_size=1, max_size=60),
       st.sampled_from(["bonferroni", "holm", "hochberg", "hommel", "bh", "by"]))
def test_adjusted_pvalues_dominate_and_keep_order(p, method):
    p = np.asarray(p)
    q = stats.adjust_pvalues(p, method)
    assert np.all(q >= p - 1e-15) and np.all(q <= 1.0)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(q[order]) >= -1e-15)


@st.composite
def wide_arms(draw):
    """Counts from tiny to 1e9 trials, with the edges x = 0 and x = n likely."""
    def arm():
        n = draw(st.one_of(st.integers(1, 50), st.integers(1, 10**9)))
        x = draw(st.one_of(st.just(0), st.just(n), st.integers(0, n)))
        return x, n

    (x_a, n_a), (x_b, n_b) = arm(), arm()
    return x_a, n_a, x_b, n_b


PRIORS = st.one_of(
    st.sampled_from([(1.0, 1.0), (0.5, 0.5), (2.0, 30.0)]),
    st.tuples(st.floats(0.01, 10.0), st.floats(0.01, 10.0)),
)


@given(wide_arms(), PRIORS)
def test_bayes_probabilities_are_complementary(t, prior):
    x_a, n_a, x_b, n_b = t
    r = stats.beta_binomial(x_a, n_a, x_b, n_b, prior=prior)
    s = stats.beta_binomial(x_b, n_b, x_a, n_a, prior=prior)
    assert 0.0 <= r.prob_b_better <= 1.0
    assert abs(r.prob_b_better + s.prob_b_better - 1.0) < 1e-10
    if (x_a, n_a) == (x_b, n_b):
        assert abs(r.prob_b_better - 0.5) < 1e-10
    assert abs((r.expected_loss_a - r.expected_loss_b) - (r.mean_b - r.mean_a)) < 1e-12
    assert r.ci_a.low <= r.mean_a <= r.ci_a.high


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), min_size=2, max_size=5))
def test_prob_best_sums_to_one(arms_):
    x = np.array([a for a, _ in arms_], dtype=float)
    n = x + np.array([b for _, b in arms_], dtype=float) + 1
    p = stats.prob_best(x, n)
    assert np.all((p >= 0) & (p <= 1))
    assert abs(p.sum() - 1.0) < 1e-9


@given(st.floats(0.01, 0.5), st.floats(1.01, 2.0), st.sampled_from([0.5, 1.0, 2.0]))
def test_power_is_monotone_and_inverts_sample_size(p_a, rel, ratio):
    p_b = min(p_a * rel, 0.99)
    n = stats.sample_size_proportions(p_a, p_b, ratio=ratio)
    assert np.isclose(stats.power_proportions(p_a, p_b, n, ratio=ratio), 0.8, rtol=1e-10)
    assert stats.power_proportions(p_a, p_b, 2 * n, ratio=ratio) > 0.8
    assert stats.power_proportions(p_a, p_b, n / 2, ratio=ratio) < 0.8


def test_results_do_not_depend_on_thread_count():
    rng = np.random.default_rng(7)
    n_a = rng.integers(1, 10_000, 50_000)
    n_b = rng.integers(1, 10_000, 50_000)
    x_a = rng.binomial(n_a, 0.1)
    x_b = rng.binomial(n_b, 0.11)
    out = []
    for threads in (1, 2, 3):
        sostac.set_num_threads(threads)
        r = stats.two_proportion_test(x_a, n_a, x_b, n_b, method="fisher")
        out.append((r.pvalue, r.log_pvalue))
    sostac.set_num_threads(0)
    for p, lp in out[1:]:
        assert np.array_equal(p, out[0][0]) and np.array_equal(lp, out[0][1])


def test_vectorised_equals_scalar_calls():
    rng = np.random.default_rng(3)
    n_a = rng.integers(1, 500, 40)
    n_b = rng.integers(1, 500, 40)
    x_a = rng.binomial(n_a, 0.2)
    x_b = rng.binomial(n_b, 0.25)
    for method in TESTS:
        vec = stats.two_proportion_test(x_a, n_a, x_b, n_b, method=method)
        for i in range(40):
            one = stats.two_proportion_test(int(x_a[i]), int(n_a[i]), int(x_b[i]), int(n_b[i]),
                                            method=method)
            assert one.pvalue == vec.pvalue[i] and one.statistic == vec.statistic[i] or (
                np.isnan(one.statistic) and np.isnan(vec.statistic[i]))
    grid = stats.two_proportion_test(np.array([[10], [20]]), 100, np.array([15, 25, 35]), 100)
    assert grid.pvalue.shape == (2, 3)


@given(wide_arms(), st.sampled_from(TESTS), st.sampled_from(["two-sided", "greater", "less"]))
def test_pvalues_stay_probabilities_up_to_a_billion_trials(t, method, alternative):
    r = stats.two_proportion_test(*t, method=method, alternative=alternative)
    assert 0.0 <= r.pvalue <= 1.0 and r.log_pvalue <= 0.0
    if r.pvalue > 1e-300:
        assert np.isclose(np.exp(r.log_pvalue), r.pvalue, rtol=1e-9)
    x_a, n_a, x_b, n_b = t
    swapped = stats.two_proportion_test(x_b, n_b, x_a, n_a, method=method,
                                        alternative={"greater": "less", "less": "greater"}.get(
                                            alternative, alternative))
    assert np.isclose(r.log_pvalue, swapped.log_pvalue, rtol=1e-9, atol=1e-12)
