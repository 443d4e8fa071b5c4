"""Tests of means and distributions: t tests and the Mann-Whitney U test."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from .._results import ConfidenceInterval, MannWhitneyResult, TTestResult
from ._util import ALTERNATIVES, as_float_array, call, check_choice

_k = _core.stats


def _sample(name: str, values: Any) -> np.ndarray:
    a = as_float_array(name, values)
    if a.ndim != 1:
        raise _core.InputError(f"{name}: expected a one-dimensional sample, got shape {a.shape}")
    return a


def _t_result(out: dict, equal_var: bool, alternative: str, level: Any) -> TTestResult:
    ci = ConfidenceInterval(
        out.pop("ci_low"), out.pop("ci_high"), level=level, method="t"
    )
    return TTestResult(
        {**out, "ci": ci}, equal_var=equal_var, alternative=alternative
    )


def t_test(
    a: Any,
    b: Any,
    *,
    equal_var: bool = False,
    alternative: str = "two-sided",
    level: float = 0.95,
) -> TTestResult:
    """Two-sample t test of ``mean(b) - mean(a)``; equals R ``t.test(b, a)``.

    Parameters
    ----------
    a, b : array_like, 1-D
        Control and variant samples (at least 2 finite values each).
    equal_var : bool
        False: Welch's test (Welch-Satterthwaite df); True: Student's pooled test.
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: mean_b > mean_a. One-sided alternatives give a half-infinite
        ``ci``, as R does.
    level : float
        Confidence level of ``ci``.

    Returns
    -------
    TTestResult
        ``statistic``, ``df``, ``pvalue``, ``log_pvalue``, ``estimate``
        (mean_b - mean_a), ``stderr``, ``ci``.

    Examples
    --------
    >>> from sostac.stats import t_test
    >>> r = t_test([5.1, 4.9, 5.6, 5.8, 6.0], [6.2, 6.4, 5.9, 7.1, 6.8])
    >>> round(r.statistic, 4), round(r.df, 3), round(r.pvalue, 5)
    (3.3558, 7.996, 0.01)
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    out = dict(_k.t_test(_sample("a", a), _sample("b", b), bool(equal_var), alternative, float(level)))
    return _t_result(out, bool(equal_var), alternative, level)


def t_test_from_stats(
    mean_a: Any,
    sd_a: Any,
    n_a: Any,
    mean_b: Any,
    sd_b: Any,
    n_b: Any,
    *,
    equal_var: bool = False,
    alternative: str = "two-sided",
    level: Any = 0.95,
) -> TTestResult:
    """The t test from summary statistics (means, standard deviations with n - 1
    denominators, sizes); all arguments broadcast.

    Parameters
    ----------
    mean_a, sd_a, n_a : float or array_like
        Mean, standard deviation (n - 1 denominator) and size of the control sample.
    mean_b, sd_b, n_b : float or array_like
        The same for the variant; sizes at least 2.
    equal_var, alternative
        As in :func:`t_test`.
    level : float or array_like
        Confidence level of ``ci``.

    Returns
    -------
    TTestResult
        As :func:`t_test`, with arrays for array input.

    Examples
    --------
    >>> from sostac.stats import t_test_from_stats
    >>> r = t_test_from_stats(52.0, 20.0, 400, 55.0, 21.0, 410)
    >>> round(r.statistic, 4), round(r.pvalue, 5)
    (2.0823, 0.03763)
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    out = call(
        _k.t_test_from_stats,
        ("mean_a", "sd_a", "n_a", "mean_b", "sd_b", "n_b", "level"),
        (mean_a, sd_a, n_a, mean_b, sd_b, n_b, level),
        bool(equal_var),
        alternative,
    )
    return _t_result(out, bool(equal_var), alternative, level)


def mann_whitney(
    a: Any, b: Any, *, alternative: str = "two-sided", continuity: bool = True
) -> MannWhitneyResult:
    """Mann-Whitney U (Wilcoxon rank-sum) test of B against A, normal approximation
    with tie correction; equals R ``wilcox.test(b, a, exact=FALSE,
    correct=continuity)``.

    Returns
    -------
    MannWhitneyResult
        ``statistic`` (U of b, R's W), ``pvalue``, ``log_pvalue``, ``z`` and ``auc``
        (U / (n_a n_b) = P(B > A) + P(B = A) / 2).

    Parameters
    ----------
    a, b : array_like, 1-D
        Control and variant samples (at least one value each; NaN is an error).
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: B tends to be larger than A.
    continuity : bool
        Apply the 0.5 continuity correction to the normal approximation.

    Examples
    --------
    >>> from sostac.stats import mann_whitney
    >>> r = mann_whitney([1, 2, 2, 3, 4], [3, 4, 5, 5, 6])
    >>> r.statistic, round(r.pvalue, 4)
    (23.0, 0.0345)
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    out = _k.mann_whitney(_sample("a", a), _sample("b", b), alternative, bool(continuity))
    return MannWhitneyResult(dict(out), alternative=alternative, continuity=bool(continuity))
