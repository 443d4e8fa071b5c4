"""Adstock (carry-over) and saturation curves over spend arrays (C++:
sostac/budget/transforms.hpp; definitions and sources in docs/budget.md)."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np

from .. import _core
from .._core import InputError

__all__ = ["adstock", "saturation", "ADSTOCK_KINDS", "SATURATION_KINDS"]

_cb = _core.budget

#: The adstock kinds and the parameters each takes.
ADSTOCK_KINDS = {
    "geometric": ("decay",),
    "delayed": ("decay", "peak"),
    "weibull_cdf": ("shape", "scale"),
    "weibull_pdf": ("shape", "scale"),
}
#: The saturation kinds and their parameters (hill: half_saturation, or Robyn's gamma).
SATURATION_KINDS = {"hill": ("half_saturation", "shape"), "logistic": ("lam",)}


def _matrix(x: Any) -> Tuple[np.ndarray, Any]:
    """(periods x channels float64 array, a function giving the output its input's
    form: a Series, a DataFrame, a 1-D or 2-D array)."""
    import pandas as pd

    if isinstance(x, pd.DataFrame):
        cols, idx = x.columns, x.index
        bad = [c for c in cols if not pd.api.types.is_numeric_dtype(x[c].dtype)
               or pd.api.types.is_bool_dtype(x[c].dtype)]
        if bad:
            raise InputError(f"x: column {bad[0]!r} is not numeric ({x[bad[0]].dtype})")
        arr = x.to_numpy(dtype=np.float64, na_value=np.nan)
        return arr, lambda y: pd.DataFrame(y, index=idx, columns=cols)
    if isinstance(x, pd.Series):
        if not pd.api.types.is_numeric_dtype(x.dtype) or pd.api.types.is_bool_dtype(x.dtype):
            raise InputError(f"x: expected numbers, got {x.dtype} values")
        idx, name = x.index, x.name
        arr = x.to_numpy(dtype=np.float64, na_value=np.nan)[:, None]
        return arr, lambda y: pd.Series(y[:, 0], index=idx, name=name)
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"x: expected an array of spend, got {type(x).__name__}") from None
    if arr.ndim == 1:
        return arr[:, None], lambda y: y[:, 0]
    if arr.ndim == 2:
        return arr, lambda y: y
    raise InputError(f"x: expected a 1-D or 2-D array (axis 0 is time), got {arr.ndim}-D")


def _per_channel(value: Any, name: str, channels: int, columns=None) -> List[float]:
    """A parameter as one float per channel: a scalar, a sequence or (for a DataFrame)
    a mapping by column name."""
    if isinstance(value, dict):
        if columns is None:
            raise InputError(f"{name}: a mapping needs a DataFrame's column names")
        missing = [c for c in columns if c not in value]
        if missing:
            raise InputError(f"{name}: no value for column {missing[0]!r}")
        value = [value[c] for c in columns]
    v = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if v.ndim != 1 or (len(v) != 1 and len(v) != channels):
        raise InputError(f"{name}: expected a number or {channels} (one per channel), got "
                         f"{np.shape(value)}")
    if len(v) == 1:
        v = np.repeat(v, channels)
    bad = ~np.isfinite(v)
    if bad.any():
        raise InputError(f"{name}[{int(np.flatnonzero(bad)[0])}]: expected a finite number, "
                         f"got {v[bad][0]!r}")
    return [float(t) for t in v]


def _check_spend(arr: np.ndarray) -> None:
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        t, c = (int(i) for i in np.argwhere(bad)[0])
        what = "missing (NaN)" if np.isnan(arr[t, c]) else repr(float(arr[t, c]))
        raise InputError(f"x[{t}, {c}]: expected a finite spend >= 0, got {what}")


def _spend(x: Any):
    """(array, output form, periods, channels, column names) of checked spend: at least
    one period, every value finite and >= 0."""
    arr, out = _matrix(x)
    n, c = arr.shape
    if n == 0:
        raise InputError("x: no periods")
    _check_spend(arr)
    return arr, out, n, c, getattr(x, "columns", None)


def adstock(x: Any, kind: str = "geometric", *, decay: Any = None, peak: Any = None,
            shape: Any = None, scale: Any = None, max_lag: Optional[int] = None,
            normalise: bool = False):
    """Carry-over of spend: y[t] = sum over k < max_lag of w[k] x[t - k].

    Parameters
    ----------
    x : array (periods,) or (periods, channels), pandas Series or DataFrame
        Spend (or exposure) per period, >= 0; axis 0 is time.
    kind : {"geometric", "delayed", "weibull_cdf", "weibull_pdf"}
        * ``geometric``: w[k] = decay^k (Robyn's theta, PyMC-Marketing's alpha); with
          ``max_lag=None`` the infinite recursion y[t] = x[t] + decay y[t-1] (Robyn's
          ``adstock_geometric``), else PyMC-Marketing's ``geometric_adstock(l_max=)``.
        * ``delayed``: w[k] = decay^((k - peak)^2) (PyMC-Marketing's
          ``delayed_adstock``; Jin et al. 2017), ``max_lag`` required.
        * ``weibull_cdf`` / ``weibull_pdf``: Robyn's ``adstock_weibull`` (3.10)
          with ``shape`` >= 0 and ``scale`` in [0, 1] (a share of the window
          ``max_lag``, default the length of x: Robyn's ``windlen``).
    decay, peak, shape, scale : number, sequence (one per channel) or dict by column
    max_lag : int, optional
        The kernel's length in periods.
    normalise : bool
        Scale the kernel to sum to 1 (the carried-over total equals the spend; for
        the infinite geometric kernel, multiply by 1 - decay).

    Returns
    -------
    The carried-over spend, in the form of ``x`` (array, Series or DataFrame).

    Examples
    --------
    >>> from sostac.budget import adstock
    >>> adstock([100.0, 0.0, 0.0], decay=0.5)
    array([100.,  50.,  25.])
    >>> adstock([100.0, 0.0, 0.0, 0.0], "weibull_cdf", shape=1.0, scale=0.5).round(2)
    array([100.  ,  60.65,  22.31,   4.98])
    """
    if kind not in ADSTOCK_KINDS:
        raise InputError(f"kind: unknown adstock {kind!r}; expected one of "
                         f"{', '.join(ADSTOCK_KINDS)}")
    arr, out, n, c, cols = _spend(x)
    given = {"decay": decay, "peak": peak, "shape": shape, "scale": scale}
    wanted = ADSTOCK_KINDS[kind]
    for name, v in given.items():
        if name in wanted and v is None:
            raise InputError(f"{name}: the {kind} adstock needs {' and '.join(wanted)}")
        if name not in wanted and v is not None:
            raise InputError(f"{name}: not a parameter of the {kind} adstock (it takes "
                             f"{' and '.join(wanted)})")
    if max_lag is not None and (isinstance(max_lag, bool) or
                                not isinstance(max_lag, (int, np.integer)) or max_lag < 1):
        raise InputError(f"max_lag: expected a whole number >= 1 or None, got {max_lag!r}")
    if kind == "delayed" and max_lag is None:
        raise InputError("max_lag: the delayed adstock needs a kernel length (e.g. 12 weeks)")
    lag = int(max_lag) if max_lag is not None else (n if kind.startswith("weibull") else 0)
    p = {k: (_per_channel(v, k, c, cols) if v is not None else []) for k, v in given.items()}
    y = _cb.adstock(np.ascontiguousarray(arr), kind, lag, bool(normalise), p["decay"],
                    p["peak"], p["shape"], p["scale"])
    return out(y)


def saturation(x: Any, kind: str = "hill", *, half_saturation: Any = None,
               gamma: Any = None, shape: Any = None, lam: Any = None):
    """Diminishing returns of (carried-over) spend, in [0, 1).

    Parameters
    ----------
    x : array (periods,) or (periods, channels), pandas Series or DataFrame, >= 0
    kind : {"hill", "logistic"}
        * ``hill``: x^shape / (x^shape + K^shape), K = ``half_saturation`` (the
          spend at half the maximum effect); or Robyn's ``saturation_hill``
          parametrisation ``gamma`` in [0, 1]: K = (1 - gamma) min(x) + gamma max(x)
          per channel, over the x given (Robyn's alpha is ``shape``).
        * ``logistic``: (1 - e^(-lam x)) / (1 + e^(-lam x)) (PyMC-Marketing's
          ``logistic_saturation``).

    Returns
    -------
    The saturated values, in the form of ``x``.

    Examples
    --------
    >>> from sostac.budget import saturation
    >>> saturation([0.0, 50.0, 100.0], half_saturation=50.0, shape=2.0)
    array([0. , 0.5, 0.8])
    """
    if kind not in SATURATION_KINDS:
        raise InputError(f"kind: unknown saturation {kind!r}; expected one of "
                         f"{', '.join(SATURATION_KINDS)}")
    arr, out, n, c, cols = _spend(x)
    if kind == "hill":
        if lam is not None:
            raise InputError("lam: not a parameter of the hill saturation (it takes "
                             "half_saturation or gamma, and shape)")
        if (half_saturation is None) == (gamma is None):
            raise InputError("half_saturation: the hill saturation needs exactly one of "
                             "half_saturation (a spend) and gamma (Robyn's share of x's range)")
        if shape is None:
            raise InputError("shape: the hill saturation needs shape (Robyn's alpha)")
        if gamma is not None:
            g = np.asarray(_per_channel(gamma, "gamma", c, cols))
            if ((g < 0) | (g > 1)).any():
                i = int(np.flatnonzero((g < 0) | (g > 1))[0])
                raise InputError(f"gamma[{i}]: expected a share in [0, 1], got {g[i]!r}")
            # Robyn 3.10: c(range(x) %*% c(1 - gamma, gamma))
            half = [float(v) for v in (1 - g) * arr.min(axis=0) + g * arr.max(axis=0)]
        else:
            half = _per_channel(half_saturation, "half_saturation", c, cols)
        y = _cb.saturation(np.ascontiguousarray(arr), "hill", half,
                           _per_channel(shape, "shape", c, cols), [])
    else:
        for name, v in (("half_saturation", half_saturation), ("gamma", gamma), ("shape", shape)):
            if v is not None:
                raise InputError(f"{name}: not a parameter of the logistic saturation "
                                 f"(it takes lam)")
        if lam is None:
            raise InputError("lam: the logistic saturation needs lam")
        y = _cb.saturation(np.ascontiguousarray(arr), "logistic", [], [],
                           _per_channel(lam, "lam", c, cols))
    return out(y)
