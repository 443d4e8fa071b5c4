"""The KPI catalogue: contents and the measure-expression parser."""

from __future__ import annotations

import pandas as pd
import pytest

import sostac
from sostac import _core

REQUIRED = {
    "ctr", "cpc", "cpm", "cpl", "cpa", "conversion_rate", "lead_conversion_rate",
    "roas", "roi", "aov", "revenue_per_visit", "bounce_rate", "unique_visitors",
    "repeat_purchase_rate", "churn_rate", "clv",
}


def test_catalog_frame():
    cat = sostac.kpi_catalog()
    assert isinstance(cat, pd.DataFrame)
    assert list(cat.columns) == [
        "id", "name", "numerator", "denominator", "scale", "unit",
        "direction", "race", "cadence", "description", "distinct",
    ]
    assert REQUIRED <= set(cat["id"]) and cat["id"].is_unique
    assert set(cat["direction"]) == {"higher", "lower"}
    assert set(cat["race"]) <= {"plan", "reach", "act", "convert", "engage"}
    assert set(cat["cadence"]) <= {"daily", "weekly", "monthly", "quarterly"}
    roi = cat.set_index("id").loc["roi"]
    assert (roi.numerator, roi.denominator, roi.direction) == ("revenue - cost", "cost", "higher")


def test_measure_expressions():
    assert _core.plan.parse_measure_expression("revenue - cost", "n") == [
        (1.0, "revenue"), (-1.0, "cost"),
    ]
    with pytest.raises(ValueError, match=r"^kpis\[2\]\.numerator: expected \+ or -"):
        _core.plan.parse_measure_expression("revenue cost", "kpis[2].numerator")
    with pytest.raises(ValueError, match="unexpected character"):
        _core.plan.parse_measure_expression("revenue*2", "n")
