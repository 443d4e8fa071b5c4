"""Bayesian A/B comparison of conversion rates (Beta-binomial), computed exactly by
deterministic quadrature rather than Monte Carlo."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import _core
from .._results import BetaBinomialResult, ConfidenceInterval
from ._util import as_float_array, call

_k = _core.stats


def _prior(prior: Any) -> tuple:
    try:
        a, b = prior
    except (TypeError, ValueError):
        raise _core.InputError(
            f"prior: expected a pair (alpha, beta) of positive numbers, got {prior!r}"
        ) from None
    return a, b


def beta_binomial(
    x_a: Any,
    n_a: Any,
    x_b: Any,
    n_b: Any,
    *,
    prior: Sequence[float] = (1.0, 1.0),
    level: Any = 0.95,
) -> BetaBinomialResult:
    """Posterior comparison of two conversion rates with a Beta(alpha, beta) prior on
    each arm.

    Parameters
    ----------
    x_a, n_a, x_b, n_b : int or array_like
        Conversions and trials per arm (A is control); broadcast together.
    prior : (alpha, beta)
        Beta prior shared by both arms; (1, 1) is uniform, (0.5, 0.5) Jeffreys. Both
        must be at least 0.01 (below that the posterior of an arm with no successes
        lies under 1e-300 and the stated accuracy cannot be kept).
    level : float
        Level of the equal-tailed credible intervals.

    Returns
    -------
    BetaBinomialResult
        ``prob_b_better`` = P(p_B > p_A) (quadrature, absolute error below 1e-12),
        ``expected_loss_a`` = E[max(p_B - p_A, 0)] (the expected loss of shipping A),
        ``expected_loss_b`` = E[max(p_A - p_B, 0)], posterior means ``mean_a``,
        ``mean_b`` and credible intervals ``ci_a``, ``ci_b``.

    Examples
    --------
    >>> from sostac.stats import beta_binomial
    >>> r = beta_binomial(100, 1000, 130, 1000)
    >>> round(r.prob_b_better, 6), round(r.expected_loss_b, 7)
    (0.982165, 9.24e-05)
    """
    pa, pb = _prior(prior)
    out = call(
        _k.beta_binomial,
        ("x_a", "n_a", "x_b", "n_b", "prior", "prior", "level"),
        (x_a, n_a, x_b, n_b, pa, pb, level),
    )
    ci_a = ConfidenceInterval(out.pop("ci_a_low"), out.pop("ci_a_high"), level=level, method="equal-tailed")
    ci_b = ConfidenceInterval(out.pop("ci_b_low"), out.pop("ci_b_high"), level=level, method="equal-tailed")
    return BetaBinomialResult({**out, "ci_a": ci_a, "ci_b": ci_b}, prior=(pa, pb))


def prob_best(x: Any, n: Any, *, prior: Sequence[float] = (1.0, 1.0)) -> np.ndarray:
    """P(arm i has the highest conversion rate) for k arms under Beta priors,
    by quadrature (sums to 1 within 1e-12).

    Parameters
    ----------
    x, n : array_like of length k >= 2
        Conversions and trials per arm.
    prior : (alpha, beta)
        Beta prior shared by all arms.

    Returns
    -------
    numpy.ndarray
        P(arm i is best) for each arm.

    Examples
    --------
    >>> from sostac.stats import prob_best
    >>> prob_best([100, 120, 135], [1000, 1000, 1000]).round(4).tolist()
    [0.0038, 0.1566, 0.8396]
    """
    pa, pb = _prior(prior)
    xa = as_float_array("x", x)
    na = as_float_array("n", n)
    if xa.ndim != 1 or na.ndim != 1:
        raise _core.InputError("x, n: expected one-dimensional arrays of per-arm counts")
    try:
        alpha, beta = float(pa), float(pb)
    except (TypeError, ValueError):
        raise _core.InputError(
            f"prior: expected a pair (alpha, beta) of positive numbers, got {prior!r}"
        ) from None
    return np.asarray(_k.prob_best(xa, na, alpha, beta))
