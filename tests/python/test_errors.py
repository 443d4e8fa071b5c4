"""Bad input raises ValueError (sostac.InputError) naming the argument and index."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sostac
from sostac import stats


def raises(match):
    return pytest.raises(ValueError, match=match)


def test_input_error_is_a_value_error():
    assert issubclass(sostac.InputError, ValueError)


@pytest.mark.parametrize(
    "args, match",
    [
        ((-1, 10, 1, 10), r"^x_a: .*non-negative whole count, got -1"),
        ((1, 10, -2, 10), r"^x_b: "),
        ((11, 10, 1, 10), r"^x_a: successes 11 exceed the number of trials n_a = 10"),
        ((1, 10, 1, 0), r"^x_b: successes 1 exceed|^n_b: "),
        ((0, 0, 1, 10), r"^n_a: expected at least one trial"),
        ((math.nan, 10, 1, 10), r"^x_a: .*got nan"),
        ((1, math.inf, 1, 10), r"^n_a: .*got inf"),
        ((1.5, 10, 1, 10), r"^x_a: .*whole count, got 1.5"),
    ],
)
@pytest.mark.parametrize("method", ["z", "z-yates", "z-unpooled", "fisher", "g"])
def test_two_proportion_bad_counts(args, match, method):
    with raises(match):
        stats.two_proportion_test(*args, method=method)


def test_errors_name_the_index_for_arrays():
    with raises(r"^x_b\[2\]: successes 12 exceed the number of trials n_b = 10"):
        stats.two_proportion_test([1, 2, 3], 10, [1, 2, 12], 10)
    with raises(r"^n\[1\]: "):
        stats.proportion_ci([1, 2], [10, 0])
    with raises(r"^level\[1\]: "):
        stats.proportion_ci(1, 10, level=[0.9, 1.0])


def test_mismatched_shapes():
    with raises(r"x_a, n_a, x_b, n_b: shapes cannot be broadcast together"):
        stats.two_proportion_test([1, 2, 3], [10, 10], 1, 10)
    with raises(r"^n: expected 3 values"):
        stats.multi_proportion_test([1, 2, 3], [10, 10])
    with raises(r"^ratios: expected 2 allocation ratios"):
        stats.srm_test([100, 100], [0.2, 0.3, 0.5])


def test_non_numeric_input():
    with raises(r"^x_a: expected numbers"):
        stats.two_proportion_test("many", 10, 1, 10)


@pytest.mark.parametrize("level", [0, 1, -0.1, 1.5, math.nan])
def test_level_outside_unit_interval(level):
    with raises(r"^level: expected a level strictly between 0 and 1"):
        stats.proportion_ci(1, 10, level=level)
    with raises(r"^level"):
        stats.diff_ci(1, 10, 2, 10, level=level)
    with raises(r"^level"):
        stats.lift_ci(1, 10, 2, 10, level=level)
    with raises(r"^level"):
        stats.beta_binomial(1, 10, 2, 10, level=level)
    with raises(r"^level"):
        stats.t_test([1.0, 2.0, 3.0], [2.0, 3.0, 5.0], level=level)


@pytest.mark.parametrize(
    "fn, kwargs, match",
    [
        (stats.two_proportion_test, {"method": "t"}, r"^method: expected one of 'z'"),
        (stats.two_proportion_test, {"alternative": "bigger"}, r"^alternative: expected one of"),
        (stats.proportion_ci, {"method": "exactish"}, r"^method: "),
        (stats.diff_ci, {"method": "score"}, r"^method: "),
        (stats.lift_ci, {"method": "bootstrap"}, r"^method: "),
    ],
)
def test_unknown_options(fn, kwargs, match):
    args = (1, 10) if fn is stats.proportion_ci else (1, 10, 2, 10)
    with raises(match):
        fn(*args, **kwargs)


def test_lift_needs_conversions():
    with raises(r"^x_a: the relative lift needs at least one success"):
        stats.lift_ci(0, 10, 2, 10)
    with raises(r"^x_b: "):
        stats.lift_ci(1, 10, 0, 10)


def test_ratios_must_sum_to_one_and_be_positive():
    with raises(r"^ratios: expected ratios summing to 1, got a sum of 1.1"):
        stats.srm_test([100, 120], [0.5, 0.6])
    with raises(r"^ratios\[1\]: expected a positive allocation ratio"):
        stats.srm_test([100, 120], [1.0, 0.0])
    with raises(r"^counts\[0\]: "):
        stats.srm_test([-5, 120], [0.5, 0.5])
    with raises(r"^counts: all counts are 0"):
        stats.srm_test([0, 0], [0.5, 0.5])
    with raises(r"^counts: expected at least 2 arms"):
        stats.srm_test([10], [1.0])
    with raises(r"\(row 1\)"):
        stats.srm_test([[10, 12], [10, -1]], [0.5, 0.5])


def test_samples_need_two_finite_observations():
    with raises(r"^a: expected at least 2 observations, got 1"):
        stats.t_test([1.0], [1.0, 2.0])
    with raises(r"^b: expected at least 2 observations, got 0"):
        stats.t_test([1.0, 2.0], [])
    with raises(r"^b\[1\]: expected a finite number, got nan"):
        stats.t_test([1.0, 2.0], [1.0, math.nan, 3.0])
    with raises(r"^a\[0\]: expected a finite number, got inf"):
        stats.t_test([math.inf, 2.0], [1.0, 2.0])
    with raises(r"^a, b: the data are essentially constant"):
        stats.t_test([2.0, 2.0], [2.0, 2.0])
    with raises(r"^sd_a, sd_b: the data are essentially constant"):
        stats.t_test_from_stats(2.0, 0.0, 5, 2.0, 0.0, 5)
    with raises(r"^n_a: expected at least 2 observations"):
        stats.t_test_from_stats(1.0, 1.0, 1, 2.0, 1.0, 10)
    with raises(r"^sd_b: expected a finite non-negative standard deviation"):
        stats.t_test_from_stats(1.0, 1.0, 10, 2.0, -1.0, 10)
    with raises(r"^a: expected a one-dimensional sample"):
        stats.t_test(np.ones((2, 2)), [1.0, 2.0])


def test_mann_whitney_errors():
    with raises(r"^a: expected at least 1 observation"):
        stats.mann_whitney([], [1.0, 2.0])
    with raises(r"^b\[0\]: expected a number, got nan"):
        stats.mann_whitney([1.0], [math.nan])
    with raises(r"all observations are equal"):
        stats.mann_whitney([3.0, 3.0], [3.0])


def test_adjust_pvalues_errors():
    with raises(r"^p\[1\]: expected a p-value in \[0, 1\], got 1.5"):
        stats.adjust_pvalues([0.1, 1.5], "holm")
    with raises(r"^p\[0\]: .*got nan"):
        stats.adjust_pvalues([math.nan], "bh")
    with raises(r"^method: "):
        stats.adjust_pvalues([0.1], "fdr")
    with raises(r"^p: expected a one-dimensional array"):
        stats.adjust_pvalues(np.ones((2, 2)), "bh")


def test_power_errors():
    with raises(r"^p_a: expected a probability strictly between 0 and 1"):
        stats.sample_size_proportions(0.0, 0.1)
    with raises(r"^p_b: expected p_b different from p_a"):
        stats.sample_size_proportions(0.1, 0.1)
    with raises(r"^p_b: alternative 'greater' needs p_b > p_a"):
        stats.sample_size_proportions(0.1, 0.09, alternative="greater")
    with raises(r"^alpha: "):
        stats.sample_size_proportions(0.1, 0.2, alpha=0)
    with raises(r"^power: "):
        stats.sample_size_proportions(0.1, 0.2, power=1.0)
    with raises(r"^ratio: expected a finite positive allocation ratio"):
        stats.power_proportions(0.1, 0.2, 100, ratio=-1)
    with raises(r"^n: expected a finite positive group size"):
        stats.power_proportions(0.1, 0.2, 0)
    with raises(r"^n: group size 3 cannot reach the requested power"):
        stats.mde_proportions(0.5, 3, power=0.99)
    with raises(r"^delta: expected a non-zero difference"):
        stats.sample_size_means(0.0, 1.0)
    with raises(r"^sd: expected a finite positive number"):
        stats.sample_size_means(1.0, 0.0)
    with raises(r"^delta: alternative 'less' needs delta < 0"):
        stats.sample_size_means(1.0, 1.0, alternative="less")
    with raises(r"^n: expected a group size with n \(1 \+ ratio\) > 2"):
        stats.power_means(1.0, 1.0, 1.0)
    with raises(r"^sd: expected a finite positive number"):
        stats.mde_means(-1.0, 50)
    with raises(r"^n: expected a group size with n \(1 \+ ratio\) > 2"):
        stats.mde_means(1.0, 1)
    with raises(r"^strict: expected True, False or None"):
        stats.power_proportions(0.1, 0.2, 100, strict="yes")
    with raises(r"^p_a\[1\]: "):
        stats.sample_size_proportions([0.1, 2.0], 0.2)


def test_bayes_errors():
    with raises(r"^prior: expected a positive finite alpha"):
        stats.beta_binomial(1, 10, 2, 10, prior=(0, 1))
    with raises(r"^prior: expected a pair"):
        stats.beta_binomial(1, 10, 2, 10, prior=1)
    with raises(r"^prior: alpha and beta below 0.01 are not supported"):
        stats.beta_binomial(0, 10, 0, 10, prior=(0.005, 1))
    with raises(r"^prior: alpha and beta below 0.01"):
        stats.prob_best([0, 1], [10, 10], prior=(1, 0.001))
    with raises(r"^x_a: "):
        stats.beta_binomial(11, 10, 2, 10)
    with raises(r"^x: expected at least 2 arms"):
        stats.prob_best([1], [10])
    with raises(r"^prior: expected a pair"):
        stats.prob_best([1, 2], [10, 10], prior=("a", 1))
    with raises(r"^x\[1\]: successes 20 exceed"):
        stats.prob_best([1, 20], [10, 10])


def test_multi_proportion_errors():
    with raises(r"^control: expected an index in \[0, 2\], got 3"):
        stats.multi_proportion_test([1, 2, 3], [10, 10, 10], control=3)
    with raises(r"^control: expected an arm index"):
        stats.multi_proportion_test([1, 2, 3], [10, 10, 10], control="A")
    with raises(r"^correction: "):
        stats.multi_proportion_test([1, 2, 3], [10, 10, 10], correction="none")
    with raises(r"^x\[2\]: successes 30 exceed"):
        stats.multi_proportion_test([1, 2, 30], [10, 10, 10])


def test_thread_count_must_be_an_integer():
    with raises(r"^n: expected an integer number of threads"):
        sostac.set_num_threads(1.5)


def test_thread_setting_round_trips():
    sostac.set_num_threads(1)
    assert sostac.get_num_threads() == 1
    sostac.set_num_threads(0)
    assert sostac.get_num_threads() >= 1
