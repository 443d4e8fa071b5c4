"""Attribution (bootstrap part): seeded, multithreaded bootstrap intervals for the
attribution models' per-channel numbers.

The kernel is include/sostac/attribution/bootstrap.hpp: a Poisson bootstrap over the
journeys of the path table, each replicate's counts drawn from streams keyed by
(seed, replicate, path), so the numbers are the same for any thread count. See
docs/attribution.md, "Uncertainty: the bootstrap (bootstrap part)".
"""

from __future__ import annotations

from typing import Any, Dict, Sequence

import numpy as np

from .._core import InputError
from .._core import attribution as _attr
from ._table import encode

__all__ = ["bootstrap", "bootstrap_draws", "BOOTSTRAP_MODELS", "MAX_REPLICATES"]

_HEURISTICS = ("first", "last", "last_non_direct", "linear", "time_decay", "position")
#: The models :func:`bootstrap` resamples.
BOOTSTRAP_MODELS = ("markov", "shapley", "assists") + _HEURISTICS
#: At most this many replicates (bootstrap.hpp's bootstrap_max_replicates).
MAX_REPLICATES = 1_000_000
_UNITS = ("journeys", "paths")

_STATISTICS = {
    "markov": ("removal_effect", "conversions", "value", "value_removal_effect"),
    "shapley": ("shapley_value", "conversions", "value"),
    "assists": ("assist_ratio", "assisted", "last_interaction"),
}


def _run(paths: Any, model: str, replicates: Any, level: Any, seed: Any, order: Any,
         var_null: bool, worth: str, unit: str, direct: str, half_life: Any,
         position_weights: Sequence[float], draws: bool = False):
    if not isinstance(model, str) or model not in BOOTSTRAP_MODELS:
        raise InputError(f"model: expected one of {list(BOOTSTRAP_MODELS)}, got {model!r}")
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) \
            or not 1 <= int(replicates) <= MAX_REPLICATES:
        raise InputError(f"replicates: expected a whole number from 1 to {MAX_REPLICATES:,}, "
                         f"got {replicates!r}")
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) \
            or not 0 < float(level) < 1:
        raise InputError(f"level: expected a confidence level in (0, 1), got {level!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not 0 <= int(seed) < 2**64:
        raise InputError(f"seed: expected a whole number from 0 to 2**64 - 1, got {seed!r}")
    if unit not in _UNITS:
        raise InputError(f"unit: expected one of {list(_UNITS)}, got {unit!r}")
    if worth not in ("conversions", "rate"):
        raise InputError(f"worth: expected 'conversions' or 'rate', got {worth!r}")
    if model == "markov" and (isinstance(order, bool) or not isinstance(order, (int, np.integer))
                              or not 1 <= int(order) <= 4):
        raise InputError(f"order: expected 1, 2, 3 or 4, got {order!r}")
    w = np.asarray(position_weights, dtype=np.float64).ravel()
    if w.size != 3:
        raise InputError(f"position_weights: expected (first, middle, last), got "
                         f"{position_weights!r}")
    enc = encode(paths)
    heuristic = model if model in _HEURISTICS else "last"
    direct_code = enc.channels.index(direct) if direct in enc.channels else -1
    r = _attr.bootstrap(enc.offsets, enc.steps, enc.conversions, enc.value, enc.nulls,
                        len(enc.channels), "heuristic" if model in _HEURISTICS else model,
                        int(replicates), float(level), int(seed), unit, int(order),
                        bool(var_null), worth, heuristic, direct_code,
                        1.0 if half_life is None else float(half_life),
                        float(w[0]), float(w[1]), float(w[2]), bool(draws))
    return enc, r


def _method(model: str, unit: str, replicates: int, level: float) -> str:
    what = ("journeys (conversions and nulls of each path Poisson-resampled)"
            if unit == "journeys" else "distinct paths (one Poisson(1) weight per path)")
    return (f"Poisson bootstrap over {what}, {replicates:,} replicates, "
            f"{level:.0%} percentile interval")


def bootstrap(paths: Any, model: str = "markov", replicates: int = 1000, level: float = 0.95,
              seed: int = 0, *, order: int = 1, var_null: bool = True,
              worth: str = "conversions", unit: str = "journeys", direct: str = "direct",
              half_life: float | None = None,
              position_weights: Sequence[float] = (0.4, 0.2, 0.4)):
    """Bootstrap intervals of an attribution model's per-channel numbers.

    Each replicate resamples the journeys of the path table (Poisson bootstrap: path
    i's conversions and nulls are redrawn as Poisson counts with the observed means,
    its value follows its conversions) and reruns the model; the interval is the
    percentile interval of the replicates, ``se`` their standard deviation. The
    counts of replicate r and path i come from their own random stream keyed by
    (seed, r, i), so the result is the same for any thread count
    (``sostac.set_num_threads``) and on every run with the same seed.

    Parameters
    ----------
    paths : DataFrame
        A path table (columns path, conversions, value, nulls).
    model : str
        "markov" (removal effects, attributed conversions and value of the chain of
        ``order``, with ``var_null``), "shapley" (Shapley values of ``worth``),
        "assists" (assist ratios, assisted and last-interaction conversions), or a
        heuristic: "first", "last", "last_non_direct", "linear", "time_decay",
        "position" (conversions and value; ``direct``, ``half_life`` and
        ``position_weights`` as in :func:`heuristic`, time decay by position).
    replicates : int
        1 to 1,000,000 bootstrap replicates.
    level : float
        Confidence level of the percentile intervals, in (0, 1).
    seed : int
        0 to 2**64 - 1; the same seed gives the same replicates.
    unit : {"journeys", "paths"}
        What is resampled: the individual journeys (default; a path table aggregates
        them), or the distinct paths as whole units (one Poisson(1) weight per row
        multiplies its conversions, value and nulls: right when each row is one
        independent unit).

    Returns
    -------
    DataFrame
        One row per channel: ``channel``, then for each statistic ``{s}`` (the
        estimate on the data), ``{s}_se``, ``{s}_low`` and ``{s}_high``. Statistics:
        markov: removal_effect, conversions, value, value_removal_effect; shapley:
        shapley_value, conversions, value; assists: assist_ratio, assisted,
        last_interaction; heuristics: conversions, value. ``.attrs``: model,
        replicates, seed, level, unit, method, statistics, empty_replicates
        (replicates without a conversion), and order/var_null or worth.

    Examples
    --------
    >>> import pandas as pd, sostac
    >>> t = pd.DataFrame({"path": ["a > b", "b", "a"], "conversions": [30, 10, 20],
    ...                   "value": [300.0, 100.0, 200.0], "nulls": [10, 30, 40]})
    >>> b = sostac.attribution.bootstrap(t, replicates=200, seed=1)
    >>> list(b.columns[:5])
    ['channel', 'removal_effect', 'removal_effect_se', 'removal_effect_low', 'removal_effect_high']
    >>> bool((b["conversions_low"] <= b["conversions"]).all())
    True
    """
    import pandas as pd

    enc, r = _run(paths, model, replicates, level, seed, order, var_null, worth, unit,
                  direct, half_life, position_weights)
    names = _STATISTICS.get(model, ("conversions", "value"))
    cols: Dict[str, Any] = {"channel": list(enc.channels)}
    for s in names:
        st = r["statistics"][s]
        cols[s] = st["estimate"]
        cols[f"{s}_se"] = st["se"]
        cols[f"{s}_low"] = st["low"]
        cols[f"{s}_high"] = st["high"]
    out = pd.DataFrame(cols)
    out.attrs.update({"model": model, "replicates": int(replicates), "seed": int(seed),
                      "level": float(level), "unit": unit,
                      "method": _method(model, unit, int(replicates), float(level)),
                      "statistics": list(names),
                      "empty_replicates": int(r["empty_replicates"])})
    if model == "markov":
        out.attrs.update({"order": int(order), "var_null": bool(var_null)})
    elif model == "shapley":
        out.attrs["worth"] = worth
    return out


def bootstrap_draws(paths: Any, statistic: str = "conversions", model: str = "markov",
                    replicates: int = 1000, seed: int = 0, *, order: int = 1,
                    var_null: bool = True, worth: str = "conversions",
                    unit: str = "journeys", direct: str = "direct",
                    half_life: float | None = None,
                    position_weights: Sequence[float] = (0.4, 0.2, 0.4)):
    """The replicate matrix behind :func:`bootstrap`: one row per replicate, one column
    per channel, of one statistic (the same numbers :func:`bootstrap` summarises with
    the same arguments).

    Examples
    --------
    >>> import pandas as pd, sostac
    >>> t = pd.DataFrame({"path": ["a > b", "b"], "conversions": [30, 10],
    ...                   "value": [300.0, 100.0], "nulls": [10, 30]})
    >>> sostac.attribution.bootstrap_draws(t, replicates=3, seed=1).shape
    (3, 2)
    """
    import pandas as pd

    names = _STATISTICS.get(model, ("conversions", "value"))
    if model in BOOTSTRAP_MODELS and statistic not in names:
        raise InputError(f"statistic: expected one of {list(names)} for model {model!r}, got "
                         f"{statistic!r}")
    enc, r = _run(paths, model, replicates, 0.95, seed, order, var_null, worth, unit,
                  direct, half_life, position_weights, draws=True)
    out = pd.DataFrame(r["statistics"][statistic]["draws"], columns=list(enc.channels))
    out.index.name = "replicate"
    out.columns.name = "channel"
    out.attrs.update({"model": model, "statistic": statistic,
                      "replicates": int(replicates), "seed": int(seed), "unit": unit})
    return out
