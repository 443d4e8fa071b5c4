"""The Engage section of the Control stage and the report (issue 14): the demo's order
log through sostac.report, checked against the customer kernels called directly and
against counts made here with pandas."""

from __future__ import annotations

import importlib.resources as resources
import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

import sostac
from sostac import customer as cu
from sostac.io import read_table
from sostac.report import build_report

ROOT = Path(__file__).resolve().parents[2]
DATA = resources.files("sostac") / "data"
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text())


@pytest.fixture(scope="module")
def log():
    return read_table(str(DATA / "demo_transactions.csv.gz"))


@pytest.fixture(scope="module")
def rep(log):
    plan = sostac.Plan.load(DATA / "demo_plan.yaml")
    return build_report(plan, read_table(str(DATA / "demo_daily.csv")), transactions=log)


@pytest.fixture(scope="module")
def engage(rep):
    return rep.control.engage


@pytest.fixture(scope="module")
def orders(log):
    out = log.copy()
    out["timestamp"] = pd.to_datetime(out["timestamp"])
    return out


def test_counts_agree_with_the_log(engage, orders):
    assert engage.customers == orders["customer_id"].nunique() == 60_085
    assert engage.orders == len(orders)
    days = orders.assign(day=orders["timestamp"].dt.normalize()).groupby(
        "customer_id")["day"].nunique()
    assert engage.repeat_customers == int((days > 1).sum())
    seg = engage.segments
    assert seg["customers"].sum() == engage.customers
    assert seg["share"].sum() == pytest.approx(1.0)
    assert seg["revenue"].sum() == pytest.approx(orders["amount"].sum(), rel=1e-12)
    # best segments first, in the default map's order
    assert list(seg.index) == [k for k in cu.DEFAULT_SEGMENTS if k in seg.index]


def test_the_segments_are_the_kernels(engage, orders):
    direct = cu.rfm_segments(cu.rfm(orders, end="2027-06-30"))
    pd.testing.assert_frame_equal(engage.segments, direct.loc[engage.segments.index])


def test_the_models_are_fitted_on_the_summary(engage, orders):
    s = cu.summary(orders, value="amount", end="2027-06-30")
    s = s[s["T"] > 0]
    bg = cu.BetaGeo().fit(s)
    assert engage.transaction_model.params_ == pytest.approx(bg.params_, rel=1e-9)
    assert engage.transaction_model.converged_ and engage.spend_model.converged_
    # the generator's purchase rates: Gamma(0.6, 1/250 per day) = alpha 35.7 weeks
    assert 0.5 < bg.params_["r"] < 0.8 and 30 < bg.params_["alpha"] < 45
    clv = engage.summary["clv"]
    assert engage.clv["total"] == pytest.approx(clv.sum(), rel=1e-12)
    assert engage.clv["low"] < engage.clv["mean"] < engage.clv["high"]
    assert (engage.summary["p_alive"].between(0, 1)).all()
    h = engage.clv["histogram"]
    assert sum(h["counts"]) == len(clv) and len(h["edges"]) == len(h["counts"]) + 1


def test_the_calibration_check_holds_on_the_demo(engage, orders):
    cal = engage.calibration
    assert cal["frequency"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    s = cu.summary(orders, end=pd.Timestamp("2027-06-30") - pd.Timedelta(weeks=13),
                   holdout_end="2027-06-30")
    s = s[s["T"] > 0]
    assert cal["customers"].sum() == len(s)
    zero = s[s["frequency"] == 0]
    assert cal["actual"].iloc[0] == pytest.approx(zero["frequency_holdout"].mean())
    # the model predicts the customers without a repeat purchase within 5 %
    assert cal["predicted"].iloc[0] == pytest.approx(cal["actual"].iloc[0], rel=0.05)


def test_at_risk_rule(engage):
    s = engage.summary
    repeaters = s[s["frequency"] > 0]
    line = np.quantile(repeaters["p_alive"], 0.1)
    assert engage.risk_line == pytest.approx(line)
    risk = engage.at_risk
    assert len(risk) == 10 and (risk["p_alive"] <= line).all()
    assert risk["revenue"].is_monotonic_decreasing
    # nobody below the line has more revenue than the last listed
    rfm = engage.rfm
    below = repeaters.index[repeaters["p_alive"] <= line]
    assert rfm.loc[below, "monetary"].nlargest(10).tolist() == risk["revenue"].tolist()


def test_the_section_in_every_format(rep):
    html = rep.to_html()
    for needle in ("<h2 id='engage'>Engage: customers</h2>", "RFM segments: revenue by segment",
                   "Model check: the last 13 weeks held out",
                   "Customer lifetime value over 12 months", "Valuable customers at risk",
                   "60,085 customers bought up to 30 Jun 2027"):
        assert needle in html, needle
    md = rep.to_markdown()
    assert "## Engage: customers" in md and "### RFM segments" in md
    doc = json.loads(rep.to_json())
    jsonschema.validate(doc, SCHEMA)
    e = doc["control"]["engage"]
    assert e["customers"] == 60_085 and e["transaction_model"]["model"] == "BetaGeo"
    assert {r["customer"] for r in e["at_risk"]} == set(rep.control.engage.at_risk.index)


def test_without_a_log_there_is_no_section():
    plan = sostac.Plan.load(DATA / "demo_plan.yaml")
    r = build_report(plan, read_table(str(DATA / "demo_daily.csv")))
    assert r.control.engage is None
    assert "id='engage'" not in r.to_html()
    doc = json.loads(r.to_json())
    assert doc["control"]["engage"] is None
    jsonschema.validate(doc, SCHEMA)


def test_too_few_repeat_buyers_is_a_note_not_a_failure():
    log = pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": [10.0, 20.0, 5.0],
                        "timestamp": ["2027-01-02", "2027-01-05", "2027-02-01"]})
    daily = pd.DataFrame({"date": pd.date_range("2027-01-01", "2027-03-01"), "sessions": 3})
    plan = sostac.Plan.load(DATA / "demo_plan.yaml")
    e = plan.control(daily, transactions=log).engage
    assert e.transaction_model is None and e.clv == {}
    assert e.notes == ["1 repeat buyers: too few to fit the BG/NBD and Gamma-Gamma models "
                       "(20 or more needed)"]
    assert e.segments["customers"].sum() == 2
