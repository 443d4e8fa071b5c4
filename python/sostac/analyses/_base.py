"""The interface every analysis of the Control stage implements (docs/ARCHITECTURE.md,
"How an analysis plugs in")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class Inputs:
    """What the Control stage hands each analysis.

    Attributes
    ----------
    plan : dict
        The plan's document (``Plan.to_dict()``).
    data : pandas.DataFrame
        The daily data after the input layer (:func:`sostac.io.clean`), rows up to
        ``as_of``.
    time, channel, variant : str
        The data's column names.
    as_of : pandas.Timestamp
    alpha, level : float
        The significance of tests and the level of intervals.
    catalog, custom : dict
        The KPI catalogue and the plan's own KPIs, by id.
    findings : list of dict
        The Control stage's findings; an analysis adds its own with :meth:`note`.
    extra : dict
        Further inputs by name (``"transactions"``: an order log), each already
        through the input layer; absent when the user gave none.
    """

    plan: dict
    data: Any
    time: str
    channel: str
    variant: str
    as_of: Any
    alpha: float
    level: float
    catalog: dict
    custom: dict
    findings: List[dict] = field(default_factory=list)
    extra: Dict[str, Any] = field(default_factory=dict)

    def note(self, message: str, objective: str = "") -> None:
        """Record a finding (shown under "Data findings" in the report)."""
        self.findings.append({"objective": objective, "message": message})


class Analysis:
    """One analysis: computes its part of the Control stage's result and renders it.

    A subclass sets ``key`` (the :class:`~sostac.control.ControlResult` attribute and
    the key under ``"control"`` in the report's JSON), ``title`` and ``anchor`` (the
    report's section heading and its HTML id), and implements :meth:`run`,
    :meth:`html` and :meth:`markdown`; :meth:`to_json` has a default for DataFrames.
    Register it in ``sostac/analyses/__init__.py`` (``ANALYSES``, in report order).
    """

    key: str = ""
    title: str = ""
    anchor: str = ""

    def prepare(self, inputs: Inputs, given: Dict[str, Any]) -> None:
        """Read this analysis's own inputs from ``given`` (the keyword arguments of
        :func:`sostac.control.evaluate` beyond the daily data, such as
        ``transactions``) through the input layer into ``inputs.extra``; by default
        there are none."""

    def kpi_rows(self, objective: dict, definition: dict, period: str, until: Any,
                 inputs: Inputs) -> Any:
        """For an objective whose KPI this analysis counts from its own input: the
        rows the KPI is computed from, as ``(per_period, whole, time_column)``: one row
        per period (at its start) and one row for the whole time to ``until``, with
        the KPI's measure columns, and optionally a fourth item ``(value, low, high)``,
        the value to date with its interval when the analysis has its own (a model's);
        or a message (str) why it cannot; or None when the daily data decide (the
        default)."""
        return None

    def run(self, inputs: Inputs) -> Any:
        """The analysis's part of the result (a DataFrame or a result object)."""
        raise NotImplementedError

    def to_json(self, part: Any) -> Any:
        """Plain Python values for the JSON document: records of a DataFrame, else the
        part's ``to_dict()``; [] when there is no part."""
        from .._render import _records

        if part is None:
            return []
        if hasattr(part, "to_dict") and not hasattr(part, "columns"):
            return part.to_dict()
        return _records(part)

    def html(self, part: Any, ctx: Any) -> List[str]:
        """The section's HTML blocks (headings, tables, inline SVG), escaped."""
        raise NotImplementedError

    def markdown(self, part: Any, ctx: Any) -> List[str]:
        """The section's Markdown lines, with the HTML page's titles and numbers."""
        raise NotImplementedError


def registry(analyses: List[Analysis]) -> Dict[str, Analysis]:
    """The analyses by key; a duplicate key is a programming error."""
    out: Dict[str, Analysis] = {}
    for a in analyses:
        if not a.key or a.key in out:
            raise ValueError(f"analysis key {a.key!r} is empty or registered twice")
        out[a.key] = a
    return out


def empty(part: Optional[Any]) -> bool:
    """True when a part holds nothing to show."""
    return part is None or (hasattr(part, "__len__") and len(part) == 0)
