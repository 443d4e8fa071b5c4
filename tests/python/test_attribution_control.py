"""The Control stage's attribution (issue 15): what works credits orders by the chosen
model of a touchpoint log, with last touch beside it; ControlResult.attribution
compares the models; the report shows the section (docs/attribution.md, "Attribution
in the Control stage")."""

from __future__ import annotations

import importlib.resources as resources
import io
import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from sostac import InputError, Plan, cli
from sostac import attribution as at
from sostac.report import build_report

DATA = resources.files("sostac") / "data"
ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text())


@pytest.fixture(scope="module")
def plan():
    return Plan.load(DATA / "demo_plan.yaml")


@pytest.fixture(scope="module")
def daily():
    return pd.read_csv(DATA / "demo_daily.csv", parse_dates=["date"])


@pytest.fixture(scope="module")
def touches():
    return pd.read_csv(DATA / "demo_touchpoints.csv.gz", parse_dates=["timestamp"])


@pytest.fixture(scope="module")
def result(plan, daily, touches):
    return plan.control(daily, touchpoints=touches)


def test_every_model_credits_all_conversions_and_last_touch_is_the_daily_data(result, daily):
    a = result.attribution
    assert a is not None and a.model == "markov"
    total = a.journeys["conversions"]
    assert total == len(pd.read_csv(DATA / "demo_touchpoints.csv.gz")
                         .query("conversion == 1"))
    for col in [c for c in a.comparison.columns if c.endswith("_conversions")]:
        assert a.comparison[col].sum() == pytest.approx(total, rel=1e-9), col
    # every order is a converting touch: last touch gives the daily rows' orders
    orders = daily.groupby("channel")["orders"].sum()
    last = a.comparison.set_index("channel")["last_conversions"]
    assert (last.reindex(orders.index) == orders).all()


def test_what_works_rests_on_the_model_with_last_touch_beside_it(result, daily):
    w = result.what_works.set_index("channel")
    a = result.attribution.comparison.set_index("channel")
    orders = daily.groupby("channel")["orders"].sum()
    cost = daily.groupby("channel")["cost"].sum()
    assert (w["attribution"] == "markov").all()
    assert (w["last_touch_orders"] == orders.reindex(w.index)).all()
    assert np.allclose(w["orders"], a.loc[w.index, "markov_conversions"])
    paid = w[w["cost"] > 0]
    assert np.allclose(paid["cpa"], cost[paid.index] / paid["orders"])
    assert ((paid["cpa_low"] <= paid["cpa"]) & (paid["cpa"] <= paid["cpa_high"])).all()
    # display mostly assists: the journeys credit it far more than its last touches,
    # and with them it no longer loses money
    assert w.loc["display", "orders"] > 1.5 * w.loc["display", "last_touch_orders"]
    assert w.loc["display", "last_touch_verdict"] == "losing"
    assert w.loc["display", "verdict"] != "losing"


def test_the_recommendations_rest_on_the_model(plan, daily, touches, result):
    # last touch: display loses money and its unspent budget moves; under the Markov
    # chain it does not lose, so nothing moves from it
    last = plan.control(daily, touchpoints=touches, attribution="last").recommendations
    assert len(last) and (last["from_channel"] == "display").all()
    assert (last["attribution"] == "last").all()
    markov = result.recommendations
    assert "display" not in set(markov["from_channel"])
    assert (markov["attribution"] == "markov").all()
    # journeys of one touch each: every model is last touch, display loses under the
    # Markov chain too, and the evidence names the model
    single = plan.control(daily, touchpoints=touches[touches["conversion"] == 1])
    w = single.what_works.set_index("channel")
    assert np.allclose(w["orders"], w["last_touch_orders"])
    rec = single.recommendations
    assert len(rec) and (rec["from_channel"] == "display").all()
    assert all(e.startswith("under the Markov chain (order 1) model") for e in rec["evidence"])
    assert np.allclose(rec["amount"], last["amount"])


def test_the_verdict_follows_the_bootstrap_interval(result):
    be = 60 * 0.45
    for r in result.what_works.to_dict("records"):
        if r["cost"] > 0 and r["orders"] > 0:
            expected = ("profitable" if r["cpa_high"] < be else
                        "losing" if r["cpa_low"] > be else "unclear")
            assert r["verdict"] == expected, r["channel"]


def test_last_touch_model_reproduces_the_daily_data_numbers(plan, daily, touches):
    r = plan.control(daily, touchpoints=touches, attribution="last")
    w = r.what_works
    assert (w["attribution"] == "last").all()
    assert (w["orders"] == w["last_touch_orders"]).all()


def test_as_of_cuts_the_journeys(plan, daily, touches):
    r = plan.control(daily, touchpoints=touches, as_of="2027-03-31")
    n = ((touches["conversion"] == 1)
         & (touches["timestamp"] < pd.Timestamp("2027-04-01"))).sum()
    assert r.attribution.journeys["conversions"] == n


def test_a_path_table_works_too(plan, daily, touches):
    table = at.paths(touches, value="value")
    r = plan.control(daily, touchpoints=table)
    ref = plan.control(daily, touchpoints=touches)
    pd.testing.assert_frame_equal(r.attribution.comparison, ref.attribution.comparison)


def test_bad_attribution_input(plan, daily, touches):
    with pytest.raises(InputError, match="attribution"):
        plan.control(daily, touchpoints=touches, attribution="magic")
    with pytest.raises(InputError, match="user"):
        plan.control(daily, touchpoints=touches.rename(columns={"user_id": "who"}))
    r = plan.control(daily, touchpoints=touches.rename(columns={"user_id": "who"}), user="who")
    assert r.attribution is not None


def test_the_report_has_the_section_in_every_format(plan, daily, touches):
    rep = build_report(plan, daily, touchpoints=touches)
    doc = json.loads(rep.to_json())
    jsonschema.validate(doc, SCHEMA)
    part = doc["control"]["attribution"]
    assert part["model"] == "markov" and len(part["comparison"]) == 8
    html = rep.to_html()
    assert "id='attribution'" in html and "mostly assists" in html
    md = rep.to_markdown()
    assert "## Attribution" in md and "Markov chain (order 1)" in md and "| Markov |" in md
    # without touchpoints the section is absent and the JSON part null
    plain = json.loads(build_report(plan, daily).to_json())
    assert plain["control"]["attribution"] is None


def test_cli_reads_touchpoints(tmp_path, capsys):
    out = io.StringIO()
    with resources.as_file(DATA / "demo_plan.yaml") as p, \
            resources.as_file(DATA / "demo_daily.csv") as d, \
            resources.as_file(DATA / "demo_touchpoints.csv.gz") as t:
        assert cli.control(str(p), str(d), touchpoints=str(t), out=out, fmt="json") == 0
        doc = json.loads(out.getvalue())
        assert doc["attribution"]["model"] == "markov"
        code = cli.main(["report", str(p), "--touchpoints", str(t), "--no-progress"])
        assert code == 2 and "--touchpoints needs --data" in capsys.readouterr().err
        code = cli.main(["report", str(p), "--data", str(d), "--touchpoints", str(t),
                         "--attribution", "linear", "--format", "json", "--no-progress",
                         "-o", str(tmp_path / "r.json")])
    assert code == 0
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["control"]["attribution"]["model"] == "linear"
