"""Every semantic validation rule: each mutation of the (clean) example plan
triggers the rule at the stated path; the unmodified plan triggers none."""

from __future__ import annotations

from pathlib import Path

import pytest

from sostac import Plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "plans" / "b2b_paid_search.yaml"


def doc():
    return Plan.load(EXAMPLE).to_dict()


def find(d, kind, id_):
    return next(x for x in d[kind] if x["id"] == id_)


def mutate_cycle(d):
    find(d, "tactics", "t-research")["depends_on"] = ["t-scale"]


def mutate_action_cycle(d):
    find(d, "actions", "a-keywords")["depends_on"] = ["a-campaigns"]


RULES = [
    # (mutation, severity, code, path, text in the message)
    (lambda d: d["objectives"].append(dict(d["objectives"][0])), "error", "ids.duplicate",
     "objectives[3].id", "used twice"),
    (lambda d: d["strategies"][0]["serves"].append("o-ctrr"), "error", "ref.unknown-objective",
     "strategies[0].serves[3]", "did you mean 'o-ctr'?"),
    (lambda d: find(d, "tactics", "t-launch").update(strategy="s-longtail"), "error",
     "ref.unknown-strategy", "tactics[1].strategy", "did you mean 's-long-tail'?"),
    (lambda d: find(d, "actions", "a-review").update(tactic="t-scal"), "error",
     "ref.unknown-tactic", "actions[3].tactic", "'t-scal'"),
    (lambda d: find(d, "actions", "a-review").update(depends_on=["a-nope"]), "error",
     "ref.unknown-action", "actions[3].depends_on[0]", "'a-nope'"),
    (lambda d: d["control"]["targets"].append({"objective": "o-x"}), "error",
     "ref.unknown-objective", "control.targets[3].objective", "'o-x'"),
    (lambda d: find(d, "objectives", "o-ctr").update(kpi="ctrr"), "error", "kpi.unknown",
     "objectives[0].kpi", "did you mean 'ctr'?"),
    (lambda d: d.update(kpis=[{"id": "ctr", "numerator": "clicks", "denominator": "impressions"}]),
     "warning", "kpi.shadows-catalog", "kpis[0].id", "already a catalogue KPI"),
    (lambda d: d.update(kpis=[{"id": "profit", "numerator": "revenue cost"}]), "error",
     "kpi.formula", "kpis[0].numerator", "expected + or -"),
    (lambda d: d.update(kpis=[{"id": "profit", "numerator": "revenue - cost"}]), "warning",
     "trace.orphan-kpi", "kpis[0]", "no objective"),
    (lambda d: d["strategies"][0].update(serves=[]), "warning",
     "trace.objective-without-strategy", "objectives[0]", "no strategy serves"),
    (lambda d: d["strategies"].append({"id": "s-idle"}), "warning",
     "trace.strategy-serves-nothing", "strategies[1]", "serves no objective"),
    (lambda d: find(d, "tactics", "t-scale").pop("strategy"), "warning",
     "trace.tactic-without-strategy", "tactics[3]", "serves no strategy"),
    (lambda d: find(d, "actions", "a-review").pop("tactic"), "warning",
     "trace.action-without-tactic", "actions[3]", "serves no tactic"),
    (lambda d: find(d, "tactics", "t-research").update(end="2027-01-01"), "error",
     "schedule.reversed", "tactics[0].end", "ends (2027-01-01) before it starts"),
    (lambda d: d["plan"]["horizon"].update(end="2026-01-01"), "error", "schedule.reversed",
     "plan.horizon.end", "the plan ends"),
    (lambda d: find(d, "tactics", "t-scale").update(end="2028-03-31"), "warning",
     "schedule.outside-horizon", "tactics[3]", "outside the plan horizon"),
    (lambda d: find(d, "actions", "a-campaigns").update(start="2027-03-20"), "warning",
     "schedule.outside-tactic", "actions[2]", "outside its tactic's window"),
    (lambda d: find(d, "tactics", "t-scale").update(start="2027-06-01"), "warning",
     "schedule.dependency-order", "tactics[3].start", "before 't-launch'"),
    (mutate_cycle, "error", "schedule.cycle", "tactics[1].depends_on",
     "(each on the next): t-launch -> t-research -> t-scale -> t-launch"),
    (mutate_action_cycle, "error", "schedule.cycle", "actions[2].depends_on",
     "(each on the next): a-campaigns -> a-landing -> a-keywords -> a-campaigns"),
    (lambda d: d["plan"]["resources"].update(budget=100000), "error",
     "budget.tactics-exceed-plan", "plan.resources.budget", "116000.00"),
    (lambda d: d["strategies"][0]["channel_mix"].update(retargeting=0.1), "warning",
     "budget.tactics-exceed-share", "strategies[0].channel_mix.retargeting", "more than its share"),
    (lambda d: d["strategies"][0]["channel_mix"].update(display=0.2), "error",
     "budget.mix-over-100", "strategies[0].channel_mix", "120.00%"),
    (lambda d: find(d, "tactics", "t-research").update(budget=5000), "error",
     "budget.actions-exceed-tactic", "tactics[0].budget", "cost 6000.00"),
    (lambda d: find(d, "tactics", "t-research").update(min_budget=20000), "error",
     "budget.minimum-above-budget", "tactics[0].min_budget",
     "must keep at least 20000.00 but its budget is 6000.00"),
    (lambda d: find(d, "objectives", "o-ctr").pop("scope"), "warning", "smart.specific",
     "objectives[0].scope", "names no channel or segment"),
    (lambda d: find(d, "objectives", "o-ctr").update(target=1.5), "error",
     "smart.proportion-range", "objectives[0].target",
     "target 1.50 for 'ctr', a proportion between 0 and 1"),
    (lambda d: find(d, "objectives", "o-leads").update(baseline=-0.1), "error",
     "smart.proportion-range", "objectives[2].baseline", "a proportion between 0 and 1"),
    (lambda d: find(d, "objectives", "o-cpa")["scope"].update(channel="paid-search"), "warning",
     "trace.scope-channel-unused", "objectives[1].scope.channel",
     "'paid-search', which no tactic uses; did you mean 'paid_search'?"),
    (lambda d: find(d, "objectives", "o-cpa").pop("baseline"), "warning", "smart.measurable",
     "objectives[1].baseline", "no baseline"),
    (lambda d: find(d, "objectives", "o-ctr").update(target=0.009), "error", "smart.direction",
     "objectives[0].target", "should increase"),
    (lambda d: find(d, "objectives", "o-cpa").update(direction="increase", target=1200),
     "warning", "smart.direction", "objectives[1].direction", "lower is better"),
    (lambda d: find(d, "objectives", "o-leads").update(target=0.05), "warning",
     "smart.achievable", "objectives[2].target",
     "asks for a 138.10% change, more than three times the largest move in its history "
     "(10.00% between periods)"),
    (lambda d: find(d, "objectives", "o-leads").update(traffic_per_week=200), "warning",
     "smart.achievable", "objectives[2].traffic_per_week", "80% needs about"),
    (lambda d: find(d, "objectives", "o-ctr").pop("five_s"), "warning", "smart.relevant",
     "objectives[0]", "5S and a RACE stage"),
    (lambda d: find(d, "objectives", "o-ctr").pop("deadline"), "warning", "smart.time-bound",
     "objectives[0].deadline", "no deadline"),
    (lambda d: find(d, "objectives", "o-ctr").update(deadline="2028-06-30"), "error",
     "smart.time-bound", "objectives[0].deadline", "outside the plan horizon"),
]


def test_the_example_plan_triggers_no_rule():
    assert Plan.from_dict(doc()).validate() == []


@pytest.mark.parametrize("mutate, severity, code, path, text", RULES, ids=[r[2] + ":" + r[3] for r in RULES])
def test_rule(mutate, severity, code, path, text):
    d = doc()
    mutate(d)
    found = [f for f in Plan.from_dict(d).validate() if f.code == code and f.path == path]
    assert found, f"{code} at {path} not reported"
    assert found[0].severity == severity
    assert text in found[0].message, found[0].message


def test_power_check_agrees_with_sostac_stats():
    import datetime as dt

    from sostac import stats

    d = doc()
    find(d, "objectives", "o-leads").update(traffic_per_week=200)
    (f,) = [f for f in Plan.from_dict(d).validate() if f.code == "smart.achievable"]
    weeks = (dt.date(2027, 9, 30) - dt.date(2027, 1, 1)).days / 7
    power = stats.power_proportions(0.021, 0.026, 200 * weeks / 2)
    needed = 2 * stats.sample_size_proportions(0.021, 0.026) / weeks
    assert f"with {100 * power:.2f}% power" in f.message
    assert f"80% needs about {int(-(-needed // 1))}.00 per week" in f.message


def test_a_broken_document_still_gets_semantic_findings():
    d = doc()
    d["tactics"][0]["budget"] = "a lot"  # a schema error ...
    find(d, "objectives", "o-ctr").update(kpi="ctrr")  # ... does not hide the rest
    codes = {f.code for f in Plan.from_dict(d).validate()}
    assert {"schema.type", "kpi.unknown"} <= codes


def test_a_direction_word_outside_the_vocabulary_is_named_once():
    d = doc()
    d["objectives"][0]["direction"] = "up"
    found = [f for f in Plan.from_dict(d).validate() if f.path == "objectives[0].direction"]
    assert [(f.severity, f.code, f.message) for f in found] == [
        ("error", "schema.enum", 'expected one of "increase", "decrease", got "up"')]
