"""Multiple-comparison adjustment and the sample-ratio-mismatch check."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from .._results import ChisqResult
from ._util import as_float_array, check_choice

_k = _core.stats

ADJUST_METHODS = ("bonferroni", "holm", "hochberg", "hommel", "bh", "by")


def adjust_pvalues(p: Any, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple comparisons; equals R ``p.adjust(p, method)``.

    Parameters
    ----------
    p : array_like, 1-D
        p-values in [0, 1] (NaN is an error, not skipped).
    method : {"bonferroni", "holm", "hochberg", "hommel", "bh", "by"}
        ``"bh"``: Benjamini-Hochberg false discovery rate; ``"by"``:
        Benjamini-Yekutieli. ``"hommel"`` costs O(n^2).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order.

    Examples
    --------
    >>> from sostac.stats import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.2], "bh").tolist()
    [0.04, 0.05333333333333333, 0.05333333333333333, 0.2]
    """
    check_choice("method", method, ADJUST_METHODS)
    a = as_float_array("p", p)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise _core.InputError(f"p: expected a one-dimensional array, got shape {a.shape}")
    return np.asarray(_k.adjust_pvalues(a, method))


def srm_test(counts: Any, ratios: Any = None) -> ChisqResult:
    """Sample-ratio-mismatch check: chi-square goodness of fit of the observed arm
    sizes to the planned allocation; equals R ``chisq.test(counts, p = ratios)``.

    Parameters
    ----------
    counts : array_like, shape (k,) or (m, k)
        Units (users, sessions) per arm; a 2-D array tests m experiments at once.
    ratios : array_like, shape (k,) or (m, k), optional
        Planned allocation, positive and summing to 1; equal split by default.

    Returns
    -------
    ChisqResult
        ``statistic``, ``df``, ``pvalue``, ``log_pvalue`` (arrays of length m for
        2-D input). A p-value below ~0.001 means the split is not what was planned:
        fix the assignment before reading any result.

    Examples
    --------
    >>> from sostac.stats import srm_test
    >>> r = srm_test([50_000, 51_000], [0.5, 0.5])
    >>> round(r.statistic, 4), round(r.pvalue, 6)
    (9.901, 0.001652)
    """
    c = as_float_array("counts", counts)
    if c.ndim not in (1, 2):
        raise _core.InputError(f"counts: expected shape (k,) or (m, k), got {c.shape}")
    k = c.shape[-1]
    r = np.full(k, 1.0 / k) if ratios is None else as_float_array("ratios", ratios)
    if r.shape[-1:] != c.shape[-1:] or r.ndim > 2:
        raise _core.InputError(
            f"ratios: expected {k} allocation ratios (one per arm), got shape {r.shape}"
        )
    c2 = np.ascontiguousarray(np.atleast_2d(c))
    r2 = np.ascontiguousarray(np.broadcast_to(np.atleast_2d(r), c2.shape))
    out = _k.srm_test(c2, r2)
    if c.ndim == 1:
        out = {k_: float(v[0]) for k_, v in out.items()}
    return ChisqResult(dict(out))
