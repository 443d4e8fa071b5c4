"""Result objects: named fields, ``to_dict()``, ``to_frame()``, readable reprs.

Every statistical function returns one of these. Fields are floats for scalar input
and numpy arrays (of the broadcast input shape) for array input.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from ._optional import require


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    if isinstance(v, np.ndarray):
        with np.printoptions(precision=6, threshold=6, edgeitems=3):
            return np.array2string(v, separator=", ")
    return repr(v)


class Result:
    """Base class of sostac results: a fixed set of named fields plus the options
    that produced them (``method``, ``alternative`` ...)."""

    _fields: tuple[str, ...] = ()
    _title = "Result"

    def __init__(self, fields: dict[str, Any], **options: Any) -> None:
        missing = [f for f in self._fields if f not in fields]
        if missing:  # pragma: no cover - programming error in sostac itself
            raise TypeError(f"{type(self).__name__} is missing fields {missing}")
        self._data = dict(fields)
        self._options = dict(options)

    def __getattr__(self, name: str) -> Any:
        data = self.__dict__.get("_data", {})
        if name in data:
            return data[name]
        options = self.__dict__.get("_options", {})
        if name in options:
            return options[name]
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._data) | set(self._options))

    def to_dict(self) -> dict[str, Any]:
        """Fields and options as a plain dict (floats, strings or numpy arrays)."""
        return {**self._data, **self._options}

    def to_frame(self):
        """The fields as a pandas DataFrame: one row per element of the input."""
        pd = require("pandas", "pandas", "to_frame() needs pandas")
        cols: dict[str, Any] = {}
        for k, v in self._data.items():
            if isinstance(v, ConfidenceInterval):
                cols[f"{k}_low"] = np.ravel(np.asarray(v.low))
                cols[f"{k}_high"] = np.ravel(np.asarray(v.high))
            else:
                cols[k] = np.ravel(np.asarray(v))
        frame = pd.DataFrame(cols)
        for k, v in self._options.items():
            if isinstance(v, (str, int, float, bool)):
                frame[k] = v
        return frame

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self._options.items())
        width = max((len(k) for k in self._data), default=0)
        lines = [f"{self._title}({opts})" if opts else self._title]
        lines += [f"  {k:<{width}} = {_fmt(v)}" for k, v in self._data.items()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = html.escape(self._title)
        opts = ", ".join(f"{k}={v}" for k, v in self._options.items())
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:right'>{html.escape(_fmt(v))}</td></tr>"
            for k, v in self._data.items()
        )
        sub = f"<br><small>{html.escape(opts)}</small>" if opts else ""
        return f"<div><b>{head}</b>{sub}<table>{rows}</table></div>"


class ConfidenceInterval(tuple):
    """An interval ``(low, high)`` that also has ``.low``, ``.high``, ``.level``,
    ``.method``, ``to_dict()`` and a readable repr. Unpacks like a tuple."""

    def __new__(cls, low: Any, high: Any, *, level: Any = None, method: str = ""):
        self = super().__new__(cls, (low, high))
        self._level = level
        self._method = method
        return self

    @property
    def low(self) -> Any:
        return self[0]

    @property
    def high(self) -> Any:
        return self[1]

    @property
    def level(self) -> Any:
        return self._level

    @property
    def method(self) -> str:
        return self._method

    def to_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "level": self.level, "method": self.method}

    def to_frame(self):
        """The bounds as a pandas DataFrame with columns low, high."""
        import pandas as pd

        return pd.DataFrame(
            {"low": np.ravel(self.low), "high": np.ravel(self.high)}
        )

    def __repr__(self) -> str:
        lvl = self._level
        lvl_s = f"{float(lvl):g}" if np.ndim(lvl) == 0 and lvl is not None else _fmt(lvl)
        return (
            f"ConfidenceInterval(low={_fmt(self.low)}, high={_fmt(self.high)}, "
            f"level={lvl_s}, method={self._method!r})"
        )

    def _repr_html_(self) -> str:
        return (
            f"<div><b>{html.escape(self._method)} interval</b> "
            f"[{html.escape(_fmt(self.low))}, {html.escape(_fmt(self.high))}]</div>"
        )


class ProportionTestResult(Result):
    """Two-proportion test of B against control A."""

    _fields = ("statistic", "pvalue", "log_pvalue", "diff", "lift")
    _title = "ProportionTestResult"


class OneSampleTestResult(Result):
    """A rate tested against a stated value (e.g. a plan's target)."""

    _fields = ("statistic", "pvalue", "log_pvalue", "estimate", "diff", "lift")
    _title = "OneSampleTestResult"


class TTestResult(Result):
    """Two-sample t test of mean_b - mean_a."""

    _fields = ("statistic", "df", "pvalue", "log_pvalue", "estimate", "stderr", "ci")
    _title = "TTestResult"


class MannWhitneyResult(Result):
    """Mann-Whitney U test of B against A."""

    _fields = ("statistic", "pvalue", "log_pvalue", "z", "auc")
    _title = "MannWhitneyResult"


class ChisqResult(Result):
    """Chi-square test."""

    _fields = ("statistic", "df", "pvalue", "log_pvalue")
    _title = "ChisqResult"


class MultiProportionResult(Result):
    """k-arm proportion test: omnibus chi-square plus pairwise tests against control."""

    _fields = ("statistic", "df", "pvalue", "log_pvalue", "comparisons")
    _title = "MultiProportionResult"

    def to_frame(self):
        """The pairwise comparisons against control as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.comparisons)

    def __repr__(self) -> str:
        head = (
            f"MultiProportionResult(control={self.control}, correction={self.correction!r})\n"
            f"  omnibus chi-square = {self.statistic:.6g} on {self.df:g} df, "
            f"p-value = {self.pvalue:.6g}\n"
        )
        c = self.comparisons
        rows = ["  arm        diff        lift   statistic      pvalue  p_adjusted"]
        for i in range(len(c["arm"])):
            rows.append(
                f"  {c['arm'][i]:>3} {c['diff'][i]:>11.5g} {c['lift'][i]:>11.5g} "
                f"{c['statistic'][i]:>11.5g} {c['pvalue'][i]:>11.5g} "
                f"{c['pvalue_adjusted'][i]:>11.5g}"
            )
        return head + "\n".join(rows)


class BetaBinomialResult(Result):
    """Bayesian comparison of two conversion rates with Beta priors."""

    _fields = (
        "prob_b_better",
        "expected_loss_a",
        "expected_loss_b",
        "mean_a",
        "mean_b",
        "ci_a",
        "ci_b",
    )
    _title = "BetaBinomialResult"
