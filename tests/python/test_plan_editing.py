"""Building and editing plans in code, and the SOSTAC lifecycle (stages, review,
revisions, diff)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sostac import Plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "plans" / "b2b_paid_search.yaml"


def built():
    return (
        Plan(id="q1", name="Q1", start="2027-01-01", end="2027-03-31", budget=1000,
             people_hours_per_week=40, currency="EUR")
        .add_baseline("ctr", 0.01, as_of="2026-12-31", source="benchmark")
        .add_objective("o1", kpi="ctr", baseline=0.01, target=0.015, direction="increase",
                       deadline="2027-03-31", scope={"channel": "search"}, five_s="speak",
                       race="reach")
        .add_strategy("s1", serves=["o1"], channel_mix={"search": 1.0})
        .add_tactic("t1", channel="search", strategy="s1", start="2027-01-04",
                    end="2027-03-26", budget=900, kpis=["ctr"])
        .add_action("a1", title="Keywords", tactic="t1", start="2027-01-04",
                    end="2027-01-15", effort_hours=20, cost=100)
    )


def test_a_plan_built_in_code_validates_like_a_loaded_one(tmp_path):
    plan = built()
    assert plan.validate() == []
    assert plan.to_dict()["plan"] == {
        "id": "q1", "name": "Q1", "horizon": {"start": "2027-01-01", "end": "2027-03-31"},
        "resources": {"budget": 1000, "people_hours_per_week": 40}, "currency": "EUR",
    }
    plan.save(tmp_path / "q1.yaml")
    assert Plan.load(tmp_path / "q1.yaml").to_dict() == plan.to_dict()
    assert plan.critical_path() == ["t1"]


def test_editing_rejects_unknown_fields_and_duplicate_ids():
    plan = built()
    with pytest.raises(ValueError, match=r"^tactc: not a field of actions; did you mean 'tactic'\?"):
        plan.add_action("a2", title="x", tactc="t1")
    with pytest.raises(ValueError, match=r"^id: 'o1' is already one of the plan's objectives"):
        plan.add_objective("o1", kpi="ctr", target=0.02)
    with pytest.raises(ValueError, match=r"^buget: not a plan field; did you mean 'budget'\?"):
        Plan(id="p", name="P", buget=5)
    with pytest.raises(ValueError, match=r"^fields: give either a document or keyword fields"):
        Plan({"sostac": 1}, id="p")
    with pytest.raises(ValueError, match=r"^sorce: not a field of baselines"):
        plan.add_baseline("ctr", 0.02, sorce="x")
    # an edit that breaks a rule shows up in validate()
    plan.add_tactic("t2", channel="search", strategy="s9")
    assert ("ref.unknown-strategy", "tactics[1].strategy") in {(f.code, f.path) for f in plan.validate()}


def test_advance_moves_forward_when_earlier_stages_are_clean():
    plan = Plan.load(EXAMPLE)
    assert plan.stage == "tactics"
    assert plan.advance().stage == "actions"
    assert plan.advance(to="review").stage == "review"
    with pytest.raises(ValueError, match=r"^to: the plan is at 'review'; it can only move forward"):
        plan.advance()
    with pytest.raises(ValueError, match=r"^to: expected one of situation, objectives"):
        Plan.load(EXAMPLE).advance(to="launch")
    with pytest.raises(ValueError, match=r"^to: the plan is at 'tactics'"):
        Plan.load(EXAMPLE).advance(to="objectives")


def test_advance_is_blocked_by_errors_in_earlier_stages_only():
    d = Plan.load(EXAMPLE).to_dict()
    d["objectives"][0]["kpi"] = "ctrr"  # an objectives-stage error
    with pytest.raises(ValueError, match=r"cannot move to 'actions' while earlier stages have errors: "
                                         r"error: objectives\[0\]\.kpi"):
        Plan.from_dict(d).advance()
    d = Plan.load(EXAMPLE).to_dict()
    d["actions"][0]["depends_on"] = ["a-nope"]  # an actions-stage error ...
    assert Plan.from_dict(d).advance().stage == "actions"  # ... does not block reaching it
    with pytest.raises(ValueError, match=r"cannot move to 'control'"):
        Plan.from_dict(d).advance(to="control")  # but blocks going past it


def test_review_opens_the_next_revision_with_control_results():
    plan = Plan.load(EXAMPLE)
    before = plan.to_dict()
    nxt = plan.review({"ctr": 0.013, "cpa": 910.0}, as_of="2027-06-30")
    assert plan.to_dict() == before  # the reviewed revision is unchanged
    d = nxt.to_dict()
    assert (d["plan"]["revision"], d["plan"]["stage"]) == (2, "situation")
    ctr = next(b for b in d["situation"]["baselines"] if b["kpi"] == "ctr")
    assert ctr == {"kpi": "ctr", "value": 0.013, "as_of": "2027-06-30",
                   "source": "control review of revision 1",
                   "history": [{"date": "2026-12-31", "value": 0.01}]}
    cpa = next(b for b in d["situation"]["baselines"] if b["kpi"] == "cpa")
    assert cpa["value"] == 910.0 and "history" not in cpa
    assert next(o for o in d["objectives"] if o["kpi"] == "ctr")["baseline"] == 0.013
    assert nxt.validate() == []
    changes = dict(((p, (a, b)) for p, a, b in plan.diff(nxt)))
    assert changes["plan.revision"] == (1, 2) and changes["plan.stage"] == ("tactics", "situation")
    assert changes["objectives[0].baseline"] == (0.01, 0.013)
    with pytest.raises(ValueError, match=r"^results\['ctr'\]: expected a finite number"):
        plan.review({"ctr": float("nan")}, as_of="2027-06-30")
    with pytest.raises(ValueError, match=r"^as_of: expected a date"):
        plan.review({"ctr": 0.01}, as_of="June")
    with pytest.raises(ValueError, match=r"^as_of: expected a date"):
        plan.review({"ctr": 0.01}, as_of="2027-02-30")
    with pytest.raises(ValueError, match=r"^other: expected a Plan"):
        plan.diff(d)


def test_control_items_and_removal():
    plan = built().add_target("o1", cadence="weekly", alert=0.008).add_experiment(
        "x1", kpi="ctr", tactic="t1", variants=["A", "B"])
    assert plan.validate() == []
    assert plan.to_dict()["control"] == {
        "targets": [{"objective": "o1", "cadence": "weekly", "alert": 0.008}],
        "experiments": [{"id": "x1", "kpi": "ctr", "tactic": "t1", "variants": ["A", "B"]}]}
    with pytest.raises(ValueError, match=r"^objective: 'o1' is already one of the plan's targets"):
        plan.add_target("o1")
    with pytest.raises(ValueError, match=r"^kpi: 'ctr' is already one of the plan's baselines"):
        plan.add_baseline("ctr", 0.02)
    with pytest.raises(ValueError, match=r"^varaints: not a field of experiments; did you mean 'variants'"):
        plan.add_experiment("x2", kpi="ctr", varaints=["A"])
    # removing the tactic leaves the references to it, which validation reports
    plan.remove("tactics", "t1")
    assert {(f.code, f.path) for f in plan.validate()} >= {
        ("ref.unknown-tactic", "actions[0].tactic"), ("ref.unknown-tactic", "control.experiments[0].tactic")}
    plan.remove("targets", "o1").remove("baselines", "ctr")
    assert "targets" not in plan.to_dict()["control"] or plan.to_dict()["control"]["targets"] == []
    with pytest.raises(ValueError, match=r"^id: 't1' is not one of the plan's tactics"):
        plan.remove("tactics", "t1")
    with pytest.raises(ValueError, match=r"^kind: expected one of objectives, kpis"):
        plan.remove("tactic", "t1")
    with pytest.raises(ValueError, match=r"^situation: the plan's situation is not a mapping"):
        Plan.from_dict({"sostac": 1, "plan": {"id": "p", "name": "P"}, "situation": []}).add_baseline("ctr", 1)


def test_python_and_cpp_lifecycle_agree_on_key_order():
    # the core keeps the document's key order, so a reviewed plan saves as it was written
    plan = Plan.load(EXAMPLE)
    nxt = plan.review({"ctr": 0.013}, as_of="2027-06-30")
    assert list(nxt.to_dict()) == list(plan.to_dict())
    assert list(nxt.to_dict()["plan"]) == list(plan.to_dict()["plan"])
    assert plan.diff(plan) == []
    with pytest.raises(ValueError, match=r"^results\['ctr'\]: expected a KPI id and a number"):
        plan.review({"ctr": True}, as_of="2027-06-30")
    with pytest.raises(ValueError, match=r"^to: expected a stage name"):
        plan.advance(to=3)
