"""Tests and intervals for conversion rates (binomial proportions).

Arm A is the control, arm B the variant; every difference is ``p_b - p_a`` and every
one-sided alternative is stated for B ("greater": B converts better).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from .._results import (
    ConfidenceInterval,
    MultiProportionResult,
    OneSampleTestResult,
    ProportionTestResult,
)
from ._util import ALTERNATIVES, as_float_array, call, check_choice

_k = _core.stats

TEST_METHODS = ("z", "z-yates", "z-unpooled", "fisher", "g")
ONE_SAMPLE_METHODS = ("score", "score-yates", "exact")
CI_METHODS = ("wilson", "wilson-cc", "clopper-pearson", "jeffreys", "agresti-coull", "wald")
DIFF_CI_METHODS = ("wald", "wald-cc", "newcombe", "agresti-caffo")
LIFT_CI_METHODS = ("delta", "log", "fieller")


def two_proportion_test(
    x_a: Any,
    n_a: Any,
    x_b: Any,
    n_b: Any,
    *,
    method: str = "z",
    alternative: str = "two-sided",
) -> ProportionTestResult:
    """Test whether arm B's conversion rate differs from control A's.

    Parameters
    ----------
    x_a, n_a : int or array_like
        Conversions and trials (visitors) of the control arm A.
    x_b, n_b : int or array_like
        Conversions and trials of the variant arm B. All four broadcast together, so
        one call runs millions of tests (the loop runs in C++ without the GIL).
    method : {"z", "z-yates", "z-unpooled", "fisher", "g"}
        ``"z"``: pooled z test, ``z**2`` equals R ``prop.test(correct=FALSE)``;
        ``"z-yates"``: with Yates' correction (``prop.test(correct=TRUE)``);
        ``"z-unpooled"``: Wald z with unpooled variance (statsmodels
        ``test_proportions_2indep(method="wald")``); ``"fisher"``: Fisher's exact test
        (R ``fisher.test``; statistic is the sample odds ratio); ``"g"``:
        likelihood-ratio test (statistic is ``sign(diff) * sqrt(G)``).
    alternative : {"two-sided", "greater", "less"}
        ``"greater"`` tests p_b > p_a.

    Returns
    -------
    ProportionTestResult
        ``statistic``, ``pvalue``, ``log_pvalue`` (finite even when ``pvalue``
        underflows to 0), ``diff`` (p_b - p_a) and ``lift`` (p_b / p_a - 1).

    Raises
    ------
    ValueError
        Negative or fractional counts, x > n, n = 0, NaN/inf, shapes that do not
        broadcast; the message names the argument and index.

    Examples
    --------
    >>> from sostac.stats import two_proportion_test
    >>> r = two_proportion_test(100, 1000, 130, 1000)
    >>> round(r.statistic, 4), round(r.pvalue, 4), round(r.lift, 2)
    (2.1027, 0.0355, 0.3)
    >>> two_proportion_test([100, 100], 1000, [130, 95], 1000).pvalue.round(3)
    array([0.035, 0.706])
    """
    check_choice("method", method, TEST_METHODS)
    check_choice("alternative", alternative, ALTERNATIVES)
    out = call(
        _k.two_proportion_test,
        ("x_a", "n_a", "x_b", "n_b"),
        (x_a, n_a, x_b, n_b),
        method,
        alternative,
    )
    return ProportionTestResult(out, method=method, alternative=alternative)


def one_proportion_test(
    x: Any,
    n: Any,
    p0: Any,
    *,
    method: str = "score",
    alternative: str = "two-sided",
) -> OneSampleTestResult:
    """Test an observed proportion x / n against a stated value p0 (a plan's target
    conversion rate, say).

    Parameters
    ----------
    x, n : int or array_like
        Successes and trials; broadcast with ``p0``.
    p0 : float or array_like
        The stated proportion: in (0, 1) for the score tests, [0, 1] for ``"exact"``.
    method : {"score", "score-yates", "exact"}
        ``"score"``: z = (x - n p0) / sqrt(n p0 (1 - p0)), ``z**2`` equals R
        ``prop.test(x, n, p0, correct=FALSE)``; ``"score-yates"``: with Yates'
        correction (``correct=TRUE``); ``"exact"``: R ``binom.test(x, n, p0)``
        (two-sided: every outcome no more likely than x, R's tolerance 1 + 1e-7).
    alternative : {"two-sided", "greater", "less"}
        ``"greater"`` tests a true proportion above p0.

    Returns
    -------
    OneSampleTestResult
        ``statistic`` (z, or x for the exact test), ``pvalue``, ``log_pvalue``
        (finite where the p-value underflows), ``estimate`` (x / n), ``diff``
        (x / n - p0) and ``lift`` (x / n / p0 - 1).

    Examples
    --------
    >>> from sostac.stats import one_proportion_test
    >>> r = one_proportion_test(180, 10000, 0.02, alternative="less")
    >>> round(r.statistic, 4), round(r.pvalue, 4), round(r.diff, 4)
    (-1.4286, 0.0766, -0.002)
    >>> round(one_proportion_test(180, 10000, 0.02, method="exact", alternative="less").pvalue, 4)
    0.0801
    """
    check_choice("method", method, ONE_SAMPLE_METHODS)
    check_choice("alternative", alternative, ALTERNATIVES)
    out = call(_k.one_proportion_test, ("x", "n", "p0"), (x, n, p0), method, alternative)
    return OneSampleTestResult(out, method=method, alternative=alternative)


def poisson_test(
    k: Any,
    exposure: Any,
    r0: Any,
    *,
    alternative: str = "two-sided",
) -> OneSampleTestResult:
    """Test an observed event rate k / exposure against a stated rate r0, exactly
    (k ~ Poisson(r0 * exposure)): R ``poisson.test(k, exposure, r0)``.

    Parameters
    ----------
    k : int or array_like
        Events (orders, sign-ups); whole and non-negative.
    exposure : float or array_like
        Time, visits or thousands of impressions over which they happened (> 0).
    r0 : float or array_like
        The stated rate per unit of exposure (> 0).
    alternative : {"two-sided", "greater", "less"}
        ``"greater"`` tests a true rate above r0.

    Returns
    -------
    OneSampleTestResult
        ``statistic`` (k), ``pvalue``, ``log_pvalue``, ``estimate`` (k / exposure),
        ``diff`` and ``lift`` against r0.

    Examples
    --------
    >>> from sostac.stats import poisson_test
    >>> r = poisson_test(130, 100, 1.0, alternative="greater")
    >>> round(r.pvalue, 5), round(r.lift, 2)
    (0.00228, 0.3)
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    out = call(_k.poisson_test, ("k", "exposure", "r0"), (k, exposure, r0), alternative)
    return OneSampleTestResult(out, alternative=alternative)


def proportion_ci(
    x: Any, n: Any, *, level: Any = 0.95, method: str = "wilson"
) -> ConfidenceInterval:
    """Confidence interval for one conversion rate ``x / n``.

    Parameters
    ----------
    x, n : int or array_like
        Successes and trials.
    level : float or array_like
        Confidence level in (0, 1).
    method : {"wilson", "wilson-cc", "clopper-pearson", "jeffreys", "agresti-coull", "wald"}
        ``"wilson"`` = R ``prop.test(x, n, correct=FALSE)$conf.int``;
        ``"wilson-cc"`` = ``prop.test(x, n)$conf.int`` (R's correction
        ``min(0.5, |x - n/2|)``); ``"clopper-pearson"`` = ``binom.test``;
        ``"jeffreys"``: Beta(1/2, 1/2) posterior quantiles, 0 at x = 0 and 1 at x = n;
        ``"agresti-coull"`` and ``"wald"`` as statsmodels ``proportion_confint``
        (clipped to [0, 1]).

    Returns
    -------
    ConfidenceInterval
        Unpacks as ``(low, high)``.

    Examples
    --------
    >>> from sostac.stats import proportion_ci
    >>> low, high = proportion_ci(45, 1000)
    >>> round(low, 5), round(high, 5)
    (0.0338, 0.05968)
    """
    check_choice("method", method, CI_METHODS)
    out = call(_k.proportion_ci, ("x", "n", "level"), (x, n, level), method)
    return ConfidenceInterval(out["low"], out["high"], level=level, method=method)


def diff_ci(
    x_a: Any,
    n_a: Any,
    x_b: Any,
    n_b: Any,
    *,
    level: Any = 0.95,
    method: str = "newcombe",
) -> ConfidenceInterval:
    """Confidence interval for the difference in conversion rates ``p_b - p_a``.

    Parameters
    ----------
    x_a, n_a, x_b, n_b : int or array_like
        Conversions and trials per arm (A is control).
    level : float or array_like
        Confidence level in (0, 1).
    method : {"wald", "wald-cc", "newcombe", "agresti-caffo"}
        ``"wald"``/``"wald-cc"`` equal R ``prop.test``'s interval without/with
        continuity correction (clamped to [-1, 1] as R does); ``"newcombe"`` is
        Newcombe's hybrid score interval (method 10); ``"agresti-caffo"`` adds one
        success and one failure to each arm.

    Returns
    -------
    ConfidenceInterval
        Unpacks as ``(low, high)``; arrays for array input.

    Examples
    --------
    >>> from sostac.stats import diff_ci
    >>> low, high = diff_ci(100, 1000, 130, 1000)
    >>> round(low, 4), round(high, 4)
    (0.002, 0.0581)
    """
    check_choice("method", method, DIFF_CI_METHODS)
    out = call(
        _k.diff_ci,
        ("x_a", "n_a", "x_b", "n_b", "level"),
        (x_a, n_a, x_b, n_b, level),
        method,
    )
    return ConfidenceInterval(out["low"], out["high"], level=level, method=method)


def lift_ci(
    x_a: Any,
    n_a: Any,
    x_b: Any,
    n_b: Any,
    *,
    level: Any = 0.95,
    method: str = "delta",
) -> ConfidenceInterval:
    """Confidence interval for the relative lift ``p_b / p_a - 1``.

    Parameters
    ----------
    x_a, n_a, x_b, n_b : int or array_like
        Conversions and trials per arm; both arms need at least one conversion.
    level : float or array_like
        Confidence level in (0, 1).
    method : {"delta", "log", "fieller"}
        ``"delta"``: delta method on the ratio scale; ``"log"``: Katz log-ratio
        interval (statsmodels ``confint_proportions_2indep(compare="ratio",
        method="log")`` minus 1); ``"fieller"``: Fieller's interval, ``(-inf, inf)``
        when the control rate is not distinguishable from 0.

    Returns
    -------
    ConfidenceInterval
        Unpacks as ``(low, high)``; arrays for array input.

    Examples
    --------
    >>> from sostac.stats import lift_ci
    >>> low, high = lift_ci(100, 1000, 130, 1000, method="log")
    >>> round(low, 3), round(high, 3)
    (0.017, 0.662)
    """
    check_choice("method", method, LIFT_CI_METHODS)
    out = call(
        _k.lift_ci,
        ("x_a", "n_a", "x_b", "n_b", "level"),
        (x_a, n_a, x_b, n_b, level),
        method,
    )
    return ConfidenceInterval(out["low"], out["high"], level=level, method=method)


def multi_proportion_test(
    x: Any,
    n: Any,
    *,
    control: int = 0,
    correction: str = "holm",
    method: str = "z",
    alternative: str = "two-sided",
) -> MultiProportionResult:
    """A/B/n test: an omnibus chi-square over k arms plus each arm against control.

    Parameters
    ----------
    x, n : array_like of length k >= 2
        Conversions and trials per arm.
    control : int
        Index of the control arm.
    correction : {"bonferroni", "holm", "hochberg", "hommel", "bh", "by"}
        Multiple-comparison adjustment of the k - 1 pairwise p-values (R
        ``p.adjust``).
    method, alternative
        As in :func:`two_proportion_test`, for the pairwise tests.

    Returns
    -------
    MultiProportionResult
        ``statistic``, ``df``, ``pvalue``, ``log_pvalue`` of the omnibus test (R
        ``chisq.test(cbind(x, n - x), correct=FALSE)``, equal to ``prop.test(x, n)``
        for k > 2), and ``comparisons``: a dict of arrays with ``arm``, ``diff``,
        ``lift``, ``statistic``, ``pvalue``, ``pvalue_adjusted`` (``to_frame()`` gives
        it as a DataFrame).

    Examples
    --------
    >>> from sostac.stats import multi_proportion_test
    >>> r = multi_proportion_test([100, 120, 135], [1000, 1000, 1000])
    >>> round(r.pvalue, 4), r.comparisons["pvalue_adjusted"].round(4).tolist()
    (0.0521, [0.1529, 0.0302])
    """
    from .multiple import ADJUST_METHODS, adjust_pvalues

    check_choice("correction", correction, ADJUST_METHODS)
    xa = as_float_array("x", x)
    na = as_float_array("n", n)
    if xa.ndim != 1 or na.ndim != 1:
        raise _core.InputError("x, n: expected one-dimensional arrays of per-arm counts")
    if xa.shape != na.shape:
        raise _core.InputError(
            f"n: expected {xa.shape[0]} values (one per arm in x), got {na.shape[0]}"
        )
    k = xa.shape[0]
    if isinstance(control, bool) or not isinstance(control, (int, np.integer)):
        raise _core.InputError(f"control: expected an arm index, got {control!r}")
    if not 0 <= control < k:
        raise _core.InputError(f"control: expected an index in [0, {k - 1}], got {control}")
    omni = _k.homogeneity_test(xa, na)
    arms = np.array([i for i in range(k) if i != control], dtype=np.int64)
    pair = two_proportion_test(
        xa[control], na[control], xa[arms], na[arms], method=method, alternative=alternative
    )
    comparisons = {
        "arm": arms,
        "diff": pair.diff,
        "lift": pair.lift,
        "statistic": pair.statistic,
        "pvalue": pair.pvalue,
        "pvalue_adjusted": adjust_pvalues(pair.pvalue, correction),
    }
    return MultiProportionResult(
        {**omni, "comparisons": comparisons},
        control=int(control),
        correction=correction,
        method=method,
        alternative=alternative,
    )
