"""Attribution (models part): exact Markov-chain removal effects and Shapley values.

The kernels are in include/sostac/attribution/markov.hpp and shapley_values.hpp; this
module turns a path table into their arrays (``_table.encode``) and their output into
DataFrames. See docs/attribution.md for the definitions.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from .._core import InputError
from .._core import attribution as _attr
from .._results import Result, _fmt
from ._table import encode

__all__ = ["markov", "shapley", "MarkovResult"]

_START, _CONVERSION, _NULL = "(start)", "(conversion)", "(null)"


class MarkovResult(Result):
    """Markov-chain attribution: removal effects, attributed conversions and value,
    the transition matrix and the chain's conversion probability."""

    _fields = ("removal_effects", "transition_matrix", "conversion_probability",
               "expected_value")
    _title = "MarkovResult"

    def to_frame(self):
        """The per-channel table (``removal_effects``)."""
        return self.removal_effects.copy()

    def _head(self) -> str:
        return (f"{self._title}(order={self.order}, var_null={self.var_null}): "
                f"{len(self.removal_effects)} channels, {self.states} states, "
                f"P(conversion) = {self.conversion_probability:.6g}")

    def __repr__(self) -> str:
        t = self.removal_effects
        width = max([len("channel")] + [len(str(c)) for c in t["channel"]])
        lines = [self._head(),
                 f"  {'channel':<{width}} removal_effect  conversions        value"]
        for row in t.itertuples(index=False):
            lines.append(f"  {str(row.channel):<{width}} {row.removal_effect:>14.6g} "
                         f"{row.conversions:>12.6g} {row.value:>12.6g}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(r.channel))}</th>"
            f"<td style='text-align:right'>{_fmt(float(r.removal_effect))}</td>"
            f"<td style='text-align:right'>{_fmt(float(r.conversions))}</td>"
            f"<td style='text-align:right'>{_fmt(float(r.value))}</td></tr>"
            for r in self.removal_effects.itertuples(index=False)
        )
        return (f"<div><b>{html.escape(self._head())}</b><table><tr><th>channel</th>"
                f"<th>removal effect</th><th>conversions</th><th>value</th></tr>"
                f"{rows}</table></div>")


def _check_order(order: Any) -> int:
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) \
            or not 1 <= int(order) <= 4:
        raise InputError(f"order: expected 1, 2, 3 or 4, got {order!r}")
    return int(order)


def markov(paths: Any, order: int = 1, var_null: bool = True) -> MarkovResult:
    """Markov-chain attribution of a path table, solved exactly.

    The chain of order ``order`` (1 to 4) over (start), the channel tuples the paths
    pass through, (conversion) and (null), as ChannelAttribution's ``markov_model``
    forms it; the absorption probabilities come from a sparse LU solve (chains of
    more than 1,000 states: BiCGSTAB to a relative residual of 1e-14), not from
    simulated journeys, so the numbers are the same on every run and for any thread
    count. A channel's removal effect is ``1 - P(conversion without it) /
    P(conversion)``; conversions and value are split in proportion to the removal
    effects (value by its own, value-weighted ones).

    Parameters
    ----------
    paths : DataFrame
        A path table (columns path, conversions, value, nulls), e.g. from
        ``sostac.attribution.paths`` or ``read_paths``.
    order : int
        1 to 4: how many of the last channels a state remembers.
    var_null : bool
        True: the nulls (non-converting journeys) end in the (null) state, as
        ChannelAttribution with ``var_null`` given. False: nulls are ignored (paths
        without conversions drop out and the chain converts with probability 1).

    Returns
    -------
    MarkovResult
        ``.removal_effects`` (channel, removal_effect, conversions, value,
        value_removal_effect), ``.transition_matrix`` (channel_from, channel_to,
        transition_probability, count), ``.conversion_probability``.

    Examples
    --------
    >>> import pandas as pd, sostac
    >>> t = pd.DataFrame({"path": ["a > b", "b"], "conversions": [3, 1],
    ...                   "value": [30.0, 10.0], "nulls": [1, 3]})
    >>> r = sostac.attribution.markov(t)
    >>> round(r.conversion_probability, 4)
    0.5
    """
    import pandas as pd

    order = _check_order(order)
    e = encode(paths)
    r = _attr.markov(e.offsets, e.steps, e.conversions, e.value, e.nulls, len(e.channels),
                     order, bool(var_null))
    names = np.asarray(e.channels, dtype=object)
    removal = pd.DataFrame({
        "channel": list(e.channels),
        "removal_effect": r["removal_effect"],
        "conversions": r["conversions"],
        "value": r["value"],
        "value_removal_effect": r["value_removal_effect"],
    })
    n_states = int(r["n_states"])
    so, sc = r["state_offsets"], r["state_channels"]
    state_names = [_START] + [",".join(names[sc[so[s]:so[s + 1]]]) for s in range(n_states)] \
        + [_CONVERSION, _NULL]
    state_names = np.asarray(state_names, dtype=object)
    transitions = pd.DataFrame({
        "channel_from": state_names[r["from"]],
        "channel_to": state_names[r["to"]],
        "transition_probability": r["probability"],
        "count": r["count"],
    })
    return MarkovResult(
        {"removal_effects": removal, "transition_matrix": transitions,
         "conversion_probability": float(r["conversion_probability"]),
         "expected_value": float(r["expected_value"])},
        order=order, var_null=bool(var_null), states=n_states)


def shapley(paths: Any, ordered: bool = False, *, worth: str = "conversions"):
    """Exact Shapley values of the channels of a path table.

    The channels are the players; a coalition is worth what the paths whose channel
    set lies within it achieve (Shao and Li 2011; Dalessandro et al. 2012):
    ``worth="conversions"`` their conversions (exact for any number of channels: each
    path's conversions are split equally among its distinct channels), ``"rate"``
    their conversion rate, conversions / (conversions + nulls), over all 2^n
    coalitions (at most 20 channels).

    ``ordered=True`` is the ordered Shapley value of Zhao, Mahboobi and Bagheri (2018,
    arXiv:1804.05327): the conversions game's value of each channel split over the
    positions it is touched at. On a path with k distinct channels and c conversions
    a channel touched m times gets c / (k m) at each of its touches, so a channel's
    positions add up to its unordered value and all of them to the total conversions.
    Exact in one pass over the touches; paths of at most 1000 touches (an error names
    the longest path beyond that; keep the last touches with
    ``paths(..., max_length=k)``). Only for ``worth="conversions"``.

    Parameters
    ----------
    paths : DataFrame
        A path table (columns path, conversions, value, nulls).
    ordered : bool
        False: one value per channel. True: the ordered variant (Zhao et al. 2018),
        with the per-position breakdown as extra columns.
    worth : {"conversions", "rate"}
        The coalition value (``"conversions"`` only when ``ordered``).

    Returns
    -------
    DataFrame
        channel, shapley_value (of the game: conversions, or rate points summing to
        the overall rate), conversions and value (summing to the totals). With
        ``ordered=True`` also ``position_1`` ... ``position_k`` (k the longest path's
        touches): the conversions credited to the channel at its j-th touch from the
        start of the path, summing over j to ``conversions``; and
        ``value_position_1`` ... ``value_position_k``, the same for value.

    Examples
    --------
    >>> import pandas as pd, sostac
    >>> t = pd.DataFrame({"path": ["a > b", "b"], "conversions": [2, 1],
    ...                   "value": [20.0, 10.0], "nulls": [1, 3]})
    >>> sostac.attribution.shapley(t)["conversions"].tolist()
    [1.0, 2.0]
    >>> o = sostac.attribution.shapley(t, ordered=True)
    >>> o[["channel", "position_1", "position_2"]].values.tolist()
    [['a', 1.0, 0.0], ['b', 1.0, 1.0]]
    """
    import pandas as pd

    if not isinstance(ordered, (bool, np.bool_)):
        raise InputError(f"ordered: expected True or False, got {ordered!r}")
    if worth not in ("conversions", "rate"):
        raise InputError(f"worth: expected 'conversions' or 'rate', got {worth!r}")
    if ordered and worth != "conversions":
        raise InputError("worth: the ordered Shapley value (Zhao et al. 2018) splits "
                         "each path's conversions over its touches and is defined "
                         f"for worth='conversions' only, got {worth!r}")
    e = encode(paths)
    r = _attr.shapley(e.offsets, e.steps, e.conversions, e.value, e.nulls,
                      len(e.channels), worth, ordered=bool(ordered))
    columns = {
        "channel": list(e.channels),
        "shapley_value": r["shapley_value"],
        "conversions": r["conversions"],
        "value": r["value"],
    }
    if ordered:
        pc, pv = r["position_conversions"], r["position_value"]
        for j in range(pc.shape[1]):
            columns[f"position_{j + 1}"] = pc[:, j]
        for j in range(pv.shape[1]):
            columns[f"value_position_{j + 1}"] = pv[:, j]
    return pd.DataFrame(columns)
