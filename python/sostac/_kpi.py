"""The built-in KPI catalogue (the plan layer's vocabulary)."""

from __future__ import annotations

from . import _core
from ._optional import require

COLUMNS = [
    "id", "name", "numerator", "denominator", "scale", "unit",
    "direction", "race", "cadence", "description", "distinct",
]


def kpi_catalog():
    """The built-in KPI catalogue as a pandas DataFrame.

    Each KPI is ``scale * numerator / denominator`` over base measures
    (impressions, clicks, sessions, leads, orders, revenue, cost, customers, ...); an
    empty denominator means a plain count or sum. Plans add their own KPIs in the
    same form.

    Parameters
    ----------
    None

    Returns
    -------
    pandas.DataFrame
        One row per KPI: id, name, numerator, denominator, scale, unit
        ("ratio", "currency", "count", "seconds"), direction ("higher" or "lower" is
        better), race (plan, reach, act, convert, engage), cadence (default review
        cadence), description and distinct (True when the KPI reads a measure that
        counts distinct people, such as visitors or customers, and so does not add
        across rows; see ``sostac.metrics.kpi_table(..., user=)``).

    Examples
    --------
    >>> import sostac
    >>> cat = sostac.kpi_catalog()
    >>> cat.set_index("id").loc["cpa", ["numerator", "denominator", "direction", "race"]].tolist()
    ['cost', 'orders', 'lower', 'convert']
    """
    pd = require("pandas", "pandas", "kpi_catalog() needs pandas")
    return pd.DataFrame(_core.plan.kpi_catalog(), columns=COLUMNS)
