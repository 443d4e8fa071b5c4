"""Attribution: every model's conversions per channel in one table (``compare``)."""

from __future__ import annotations

import html
from typing import Any, Sequence

import numpy as np

from .._core import InputError
from .._optional import require

__all__ = ["compare", "Comparison", "COMPARE_MODELS"]

#: The models :func:`compare` knows, in its default order.
COMPARE_MODELS = ("last", "first", "linear", "position", "time_decay", "last_non_direct",
                  "markov", "shapley")
_HEURISTIC = ("last", "first", "linear", "position", "time_decay", "last_non_direct")
_DEFAULT = ("last", "first", "linear", "position", "time_decay", "markov", "shapley")


class Comparison:
    """Conversions (and value) per channel under several models (:func:`compare`).

    Behaves like its table (``result["markov_conversions"]``, ``len(result)``);
    ``to_frame()`` returns a copy (channel, then ``{model}_conversions`` and
    ``{model}_value`` per model), ``to_dict()`` the columns as lists, ``models`` the
    models in order; ``plot(ax=None)`` draws grouped bars.
    """

    def __init__(self, frame, models):
        self._frame = frame
        self.models = tuple(models)

    def to_frame(self):
        return self._frame.copy()

    def to_dict(self) -> dict:
        out = {c: self._frame[c].tolist() for c in self._frame.columns}
        out["models"] = list(self.models)
        return out

    def __getitem__(self, key):
        return self._frame[key]

    def __getattr__(self, name: str):
        frame = self.__dict__.get("_frame")
        if frame is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(frame, name)

    def __len__(self) -> int:
        return len(self._frame)

    def __repr__(self) -> str:
        cols = ["channel"] + [f"{m}_conversions" for m in self.models]
        return f"Comparison of {', '.join(self.models)}\n{self._frame[cols].to_string()}"

    def _repr_html_(self) -> str:
        cols = ["channel"] + [f"{m}_conversions" for m in self.models]
        return (f"<p>{html.escape('Conversions per channel by model')}</p>"
                + self._frame[cols].to_html(index=False, escape=True))

    def plot(self, ax=None):
        """Grouped horizontal bars: one group per channel, one bar per model.
        Returns the Axes."""
        require("matplotlib", "plot", "plots need matplotlib")
        import matplotlib.pyplot as plt

        k, n = len(self.models), len(self._frame)
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 0.35 * n * max(k, 2) / 2 + 1.5))
        height = 0.8 / max(k, 1)
        y = np.arange(n)
        for i, m in enumerate(self.models):
            ax.barh(y + (i - (k - 1) / 2) * height, self._frame[f"{m}_conversions"],
                    height=height, label=m)
        ax.set_yticks(y)
        ax.set_yticklabels([str(c) for c in self._frame["channel"]])
        ax.set_xlabel("conversions")
        ax.set_title("Conversions per channel by attribution model")
        ax.legend(fontsize="small")
        return ax


def compare(paths: Any, models: Sequence[str] = _DEFAULT, *, order: int = 1,
            var_null: bool = True, direct: str = "direct") -> Comparison:
    """Every model's conversions and value per channel, side by side.

    Parameters
    ----------
    paths : path table DataFrame
        From :func:`paths` or :func:`read_paths`.
    models : sequence of str
        Any of ``COMPARE_MODELS``: the heuristics of :func:`heuristic`, "markov"
        (:func:`markov` of ``order`` with ``var_null``) and "shapley" (:func:`shapley`,
        the conversions game).
    direct : str
        The direct channel for "last_non_direct".

    Returns
    -------
    Comparison: channel (sorted), then ``{model}_conversions`` and ``{model}_value``;
    every model's conversions sum to the table's total conversions.

    Examples
    --------
    >>> import pandas as pd
    >>> from sostac.attribution import compare
    >>> t = pd.DataFrame({"path": ["a > b", "b"], "conversions": [2.0, 1.0],
    ...                   "value": [20.0, 5.0], "nulls": [1.0, 3.0]})
    >>> compare(t, models=("last", "first", "linear"))["linear_conversions"].tolist()
    [1.0, 2.0]
    """
    from . import _models, _paths

    if isinstance(models, str):
        models = (models,)
    models = list(models)
    if not models:
        raise InputError(f"models: expected one or more of {list(COMPARE_MODELS)}")
    for m in models:
        if m not in COMPARE_MODELS:
            raise InputError(f"models: unknown model {m!r}; expected one of "
                             f"{list(COMPARE_MODELS)}")
    if len(set(models)) != len(models):
        raise InputError(f"models: a model is listed twice in {models}")
    heur = [m for m in models if m in _HEURISTIC]
    parts = {}
    if heur:
        h = _paths.heuristic(paths, models=tuple(heur), direct=direct)
        channel = h["channel"]
        for m in heur:
            parts[m] = (h[f"{m}_conversions"].to_numpy(float), h[f"{m}_value"].to_numpy(float))
    if "markov" in models:
        re = _models.markov(paths, order=order, var_null=var_null).removal_effects
        channel = re["channel"]
        parts["markov"] = (re["conversions"].to_numpy(float), re["value"].to_numpy(float))
    if "shapley" in models:
        sh = _models.shapley(paths)
        channel = sh["channel"]
        parts["shapley"] = (sh["conversions"].to_numpy(float), sh["value"].to_numpy(float))
    import pandas as pd

    cols = {"channel": list(channel)}
    for m in models:
        cols[f"{m}_conversions"], cols[f"{m}_value"] = parts[m]
    return Comparison(pd.DataFrame(cols), models)
