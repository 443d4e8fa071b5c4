"""Power, sample size and minimum detectable effect (MDE).

Group A (control) has ``n`` units and group B ``ratio * n``. Sample sizes are
continuous; round up for planning.
"""

from __future__ import annotations

from typing import Any, Optional

from .. import _core
from ._util import ALTERNATIVES, call, check_choice, tails_option

_k = _core.stats

POWER_METHODS = ("pooled", "arcsine")



def sample_size_proportions(
    p_a: Any,
    p_b: Any,
    *,
    alpha: Any = 0.05,
    power: Any = 0.8,
    alternative: str = "two-sided",
    ratio: Any = 1.0,
    method: str = "pooled",
    strict: Optional[bool] = None,
):
    """Units needed in group A to detect ``p_b`` against baseline ``p_a``.

    Parameters
    ----------
    p_a, p_b : float or array_like
        Baseline and target conversion rates in (0, 1).
    alpha, power : float or array_like
        Significance level and desired power.
    alternative : {"two-sided", "greater", "less"}
        One-sided alternatives require p_b on their side of p_a.
    ratio : float or array_like
        n_b / n_a.
    method : {"pooled", "arcsine"}
        ``"pooled"``: the pooled z test, equal to R ``power.prop.test`` (ratio 1);
        ``"arcsine"``: Cohen's h, equal to ``pwr::pwr.2p.test`` (``pwr.2p2n.test``
        for ratio != 1).
    strict : bool or None
        Whether two-sided power counts the far tail too. None follows the reference:
        False for "pooled" (R's default), True for "arcsine" (pwr always does).

    Returns
    -------
    float or numpy.ndarray
        n per group A, solved to full double precision (closed form, or TOMS 748).

    Examples
    --------
    >>> from sostac.stats import sample_size_proportions
    >>> round(sample_size_proportions(0.10, 0.12), 3)
    3840.847
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    check_choice("method", method, POWER_METHODS)
    out = call(
        _k.sample_size_proportions,
        ("p_a", "p_b", "alpha", "power", "ratio"),
        (p_a, p_b, alpha, power, ratio),
        alternative,
        method,
        tails_option(strict),
    )
    return out["n"]


def power_proportions(
    p_a: Any,
    p_b: Any,
    n: Any,
    *,
    alpha: Any = 0.05,
    alternative: str = "two-sided",
    ratio: Any = 1.0,
    method: str = "pooled",
    strict: Optional[bool] = None,
):
    """Power to detect ``p_b`` against ``p_a`` with ``n`` units in group A (see
    :func:`sample_size_proportions` for the options).

    Parameters
    ----------
    p_a, p_b : float or array_like
        Baseline and target conversion rates in (0, 1).
    n : float or array_like
        Units in group A (group B has ``ratio * n``).
    alpha : float or array_like
        Significance level.
    alternative : {"two-sided", "greater", "less"}
        One-sided alternatives require p_b on their side of p_a.
    ratio : float or array_like
        n_b / n_a.
    method : {"pooled", "arcsine"}
        See :func:`sample_size_proportions`.
    strict : bool or None
        Whether two-sided power counts the far tail; None follows the reference.

    Returns
    -------
    float or numpy.ndarray
        Power in (0, 1).

    Examples
    --------
    >>> from sostac.stats import power_proportions
    >>> round(power_proportions(0.10, 0.12, 3841), 4)
    0.8
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    check_choice("method", method, POWER_METHODS)
    out = call(
        _k.power_proportions,
        ("p_a", "p_b", "n", "alpha", "ratio"),
        (p_a, p_b, n, alpha, ratio),
        alternative,
        method,
        tails_option(strict),
    )
    return out["power"]


def mde_proportions(
    p_a: Any,
    n: Any,
    *,
    alpha: Any = 0.05,
    power: Any = 0.8,
    alternative: str = "two-sided",
    ratio: Any = 1.0,
    method: str = "pooled",
    strict: Optional[bool] = None,
):
    """Minimum detectable effect: the smallest ``p_b - p_a`` that ``n`` units in
    group A detect with the given power (negative for ``alternative="less"``). For
    the pooled method it equals R ``power.prop.test(n, p1, power)$p2 - p1``.

    Parameters
    ----------
    p_a : float or array_like
        Baseline conversion rate in (0, 1).
    n : float or array_like
        Units in group A (group B has ``ratio * n``).
    power : float or array_like
        Desired power.
    alpha : float or array_like
        Significance level.
    alternative : {"two-sided", "greater", "less"}
        One-sided alternatives require p_b on their side of p_a.
    ratio : float or array_like
        n_b / n_a.
    method : {"pooled", "arcsine"}
        See :func:`sample_size_proportions`.
    strict : bool or None
        Whether two-sided power counts the far tail; None follows the reference.

    Returns
    -------
    float or numpy.ndarray
        The minimum detectable ``p_b - p_a`` (absolute; divide by ``p_a`` for the
        relative MDE).

    Examples
    --------
    >>> from sostac.stats import mde_proportions
    >>> round(mde_proportions(0.10, 3840.8474824362779), 6)
    0.02
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    check_choice("method", method, POWER_METHODS)
    out = call(
        _k.mde_proportions,
        ("p_a", "n", "alpha", "power", "ratio"),
        (p_a, n, alpha, power, ratio),
        alternative,
        method,
        tails_option(strict),
    )
    return out["mde"]


def sample_size_means(
    delta: Any,
    sd: Any,
    *,
    alpha: Any = 0.05,
    power: Any = 0.8,
    alternative: str = "two-sided",
    ratio: Any = 1.0,
    strict: bool = False,
):
    """Units in group A for a two-sample t test to detect a difference ``delta`` in
    means with common standard deviation ``sd``; equals R ``power.t.test(delta=,
    sd=, power=, sig.level=, strict=)`` (type "two.sample") for ratio 1.

    Parameters
    ----------
    delta : float or array_like
        Difference in means to detect (non-zero).
    sd : float or array_like
        Common standard deviation (positive).
    power : float or array_like
        Desired power.
    alpha : float or array_like
        Significance level.
    alternative : {"two-sided", "greater", "less"}
        One-sided alternatives need delta on their side of 0.
    ratio : float or array_like
        n_b / n_a.
    strict : bool
        Whether two-sided power counts the far tail too (R's ``strict``).

    Returns
    -------
    float or numpy.ndarray
        Units in group A (continuous; round up).

    Examples
    --------
    >>> from sostac.stats import sample_size_means
    >>> round(sample_size_means(1.0, 1.0), 4)
    16.7148
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    out = call(
        _k.sample_size_means,
        ("delta", "sd", "alpha", "power", "ratio"),
        (delta, sd, alpha, power, ratio),
        alternative,
        bool(strict),
    )
    return out["n"]


def power_means(
    delta: Any,
    sd: Any,
    n: Any,
    *,
    alpha: Any = 0.05,
    alternative: str = "two-sided",
    ratio: Any = 1.0,
    strict: bool = False,
):
    """Power of the two-sample t test (noncentral t); equals R ``power.t.test(n=,
    delta=, sd=)$power``.

    Parameters
    ----------
    delta, sd : float or array_like
        Difference in means and common standard deviation.
    n : float or array_like
        Units in group A; ``n * (1 + ratio)`` must exceed 2.
    alpha : float or array_like
        Significance level.
    alternative : {"two-sided", "greater", "less"}
        One-sided alternatives need delta on their side of 0.
    ratio : float or array_like
        n_b / n_a.
    strict : bool
        Whether two-sided power counts the far tail too (R's ``strict``).

    Returns
    -------
    float or numpy.ndarray
        Power in (0, 1).

    Examples
    --------
    >>> from sostac.stats import power_means
    >>> round(power_means(0.5, 1.0, 64), 4)
    0.8015
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    out = call(
        _k.power_means,
        ("delta", "sd", "n", "alpha", "ratio"),
        (delta, sd, n, alpha, ratio),
        alternative,
        bool(strict),
    )
    return out["power"]


def mde_means(
    sd: Any,
    n: Any,
    *,
    alpha: Any = 0.05,
    power: Any = 0.8,
    alternative: str = "two-sided",
    ratio: Any = 1.0,
    strict: bool = False,
):
    """Minimum detectable difference in means (e.g. revenue per visitor) for the
    two-sample t test with ``n`` units in group A; equals R ``power.t.test(n=, sd=,
    power=)$delta``. Negative for ``alternative="less"``.

    Parameters
    ----------
    sd : float or array_like
        Common standard deviation (positive).
    n : float or array_like
        Units in group A; ``n * (1 + ratio)`` must exceed 2.
    power : float or array_like
        Desired power.
    alpha : float or array_like
        Significance level.
    alternative : {"two-sided", "greater", "less"}
        One-sided alternatives need delta on their side of 0.
    ratio : float or array_like
        n_b / n_a.
    strict : bool
        Whether two-sided power counts the far tail too (R's ``strict``).

    Returns
    -------
    float or numpy.ndarray
        The minimum detectable difference in means.

    Examples
    --------
    >>> from sostac.stats import mde_means
    >>> round(mde_means(1.0, 64), 4)
    0.4991
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    out = call(
        _k.mde_means,
        ("sd", "n", "alpha", "power", "ratio"),
        (sd, n, alpha, power, ratio),
        alternative,
        bool(strict),
    )
    return out["mde"]
