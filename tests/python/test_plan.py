"""Plan documents: load, check against the schema, save, round-trip; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sostac
from sostac import Plan, _core

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "plans").glob("*.yaml"))


def minimal():
    return {"sostac": 1, "plan": {"id": "p1", "name": "Plan"}}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_plans_conform(path):
    assert Plan.load(path).validate() == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt", [".json", ".yaml", ".yml"])
def test_round_trip_is_lossless(path, fmt, tmp_path):
    plan = Plan.load(path)
    out = tmp_path / f"copy{fmt}"
    plan.save(out)
    again = Plan.load(out)
    assert again.to_dict() == plan.to_dict()
    again.save(tmp_path / f"second{fmt}")
    assert (tmp_path / f"second{fmt}").read_text() == out.read_text()


@pytest.mark.parametrize("name", ["b2b_paid_search", "ecommerce_race"])
def test_the_json_examples_are_the_yaml_examples(name):
    # C++ loads JSON only: examples/cpp/plan_check and the C++ tests read the twins.
    plans = ROOT / "examples" / "plans"
    assert sorted(p.stem for p in plans.glob("*.yaml")) == sorted(p.stem for p in plans.glob("*.json"))
    assert Plan.load(plans / f"{name}.json").to_dict() == Plan.load(plans / f"{name}.yaml").to_dict()


def test_examples_ship_in_the_package():
    import importlib.resources as r

    shipped = {p.name for p in (r.files("sostac") / "data" / "plans").iterdir()}
    assert shipped == {p.name for p in (ROOT / "examples" / "plans").iterdir()}


def test_dates_are_kept_as_iso_text(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("sostac: 1\nplan: {id: p, name: P, horizon: {start: 2027-01-01, end: 2027-12-31}}\n")
    assert Plan.load(f).to_dict()["plan"]["horizon"] == {"start": "2027-01-01", "end": "2027-12-31"}


@pytest.mark.parametrize(
    "change, code, path",
    [
        (lambda d: d["plan"].pop("name"), "schema.required", "plan.name"),
        (lambda d: d.update(objectivs=[]), "schema.unknown-field", "objectivs"),
        (lambda d: d.update(sostac=2), "schema.enum", "sostac"),
        (lambda d: d.update(tactics={"id": "t"}), "schema.type", "tactics"),
        (lambda d: d.update(tactics=[{"id": "t", "channel": "seo", "budget": -10}]),
         "schema.minimum", "tactics[0].budget"),
        (lambda d: d["plan"].update(economics={"margin": 2}), "schema.maximum",
         "plan.economics.margin"),
        (lambda d: d["plan"].update(name=""), "schema.min-length", "plan.name"),
        (lambda d: d["plan"].update(currency="euro"), "schema.pattern", "plan.currency"),
        (lambda d: d["plan"].update(horizon={"start": "2027-13-01", "end": "2027-12-31"}),
         "schema.date", "plan.horizon.start"),
    ],
)
def test_each_schema_rule_triggers_and_names_the_path(change, code, path):
    doc = minimal()
    assert Plan.from_dict(doc).validate() == []  # the rule does not fire on a good plan
    change(doc)
    found = [f for f in Plan.from_dict(doc).validate() if f.code.startswith("schema.")]
    assert (code, path) in {(f.code, f.path) for f in found}
    assert all(f.severity == "error" and f.message for f in found)


def test_unknown_field_suggests_the_intended_name():
    doc = minimal()
    doc["objectives"] = [{"id": "o1", "kpi": "ctr", "target": 0.02, "dedline": "2027-06-30"}]
    (f,) = [f for f in Plan.from_dict(doc).validate() if f.code.startswith("schema.")]
    assert f.message == "unknown field 'dedline'; did you mean 'deadline'?"
    assert str(f) == (
        "error: objectives[0].dedline: unknown field 'dedline'; did you mean 'deadline'? "
        "[schema.unknown-field]"
    )


def test_bad_files_raise_one_clear_error(tmp_path):
    bad_json = tmp_path / "p.json"
    bad_json.write_text('{"sostac": 1, "plan": ')
    with pytest.raises(ValueError, match=r"^p.json: not valid JSON: .* line 1, column"):
        Plan.load(bad_json)
    bad_yaml = tmp_path / "p.yaml"
    bad_yaml.write_text("sostac: 1\nplan: [unclosed\n")
    with pytest.raises(ValueError, match=r"^p.yaml: not valid YAML"):
        Plan.load(bad_yaml)
    with pytest.raises(ValueError, match=r"^path: expected a .json, .yaml or .yml file"):
        Plan.load(tmp_path / "p.txt")
    with pytest.raises(ValueError, match=r"^document: expected a mapping"):
        Plan.from_dict(["not", "a", "plan"])
    with pytest.raises(ValueError, match=r"deeper than 64 levels"):
        _core.plan.check_document("[" * 100_000, "document")
    with pytest.raises(ValueError, match=r"^document: not valid JSON"):
        _core.plan.check_document("{'single': 'quotes'}", "document")
    # found by the fuzzer: number overflow is not a parse error in nlohmann
    with pytest.raises(ValueError, match=r"^document: not valid JSON: .*number overflow"):
        _core.plan.check_document('{"sostac": [1e99999]}', "document")


def test_non_finite_numbers_are_findings():
    doc = minimal()
    doc["tactics"] = [{"id": "t", "channel": "seo", "budget": float("inf")}]
    (f,) = [f for f in Plan.from_dict(doc).validate() if f.code.startswith("schema.")]
    assert (f.code, f.path) == ("schema.non-finite", "tactics[0].budget")


def test_schema_is_the_published_file():
    published = json.loads((ROOT / "docs" / "plan.schema.json").read_text())
    assert sostac.plan_schema() == published


def test_repr():
    plan = Plan.load(EXAMPLES[0])
    assert repr(plan).startswith("Plan(id='b2b-paid-search-2027'")


JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)
FIELDS = st.sampled_from(["sostac", "plan", "objectives", "tactics", "actions", "control",
                          "situation", "strategies", "kpis", "id", "name", "budget"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(FIELDS, JSON, max_size=6))
def test_any_document_gives_findings_never_a_crash(doc):
    found = Plan.from_dict(doc).validate()
    assert isinstance(found, list)
    assert all(f.severity in ("error", "warning", "info") and f.code for f in found)


def test_the_ecommerce_example_covers_race_and_the_5s():
    d = Plan.load(ROOT / "examples" / "plans" / "ecommerce_race.yaml").to_dict()
    assert {o["five_s"] for o in d["objectives"]} == {"sell", "serve", "speak", "save", "sizzle"}
    assert {o["race"] for o in d["objectives"]} >= {"reach", "act", "convert", "engage"}


def test_schedule_matches_hand_computed_cpm():
    plan = Plan.load(ROOT / "examples" / "plans" / "b2b_paid_search.yaml")
    s = plan.schedule().set_index("id")
    assert list(s.columns) == ["kind", "start", "end", "slack_days", "critical"]
    # t-research ends 03-26, t-launch (which depends on it) starts 04-01: 5 days.
    # t-retargeting depends on nothing after it: it may end as late as 12-31 (92 days).
    expected = {"t-research": 5, "t-launch": 0, "t-retargeting": 92, "t-scale": 0,
                # actions are bounded by their tactic's end and by their dependents:
                "a-keywords": 2, "a-landing": 0, "a-campaigns": 75, "a-review": 175}
    assert s["slack_days"].to_dict() == expected
    assert s["critical"].to_dict() == {k: v == 0 for k, v in expected.items()}
    assert str(s.loc["t-launch", "start"].date()) == "2027-04-01"
    assert plan.critical_path() == ["t-launch", "t-scale"]


def test_schedule_of_a_chain_is_all_critical():
    doc = minimal()
    doc["tactics"] = [
        {"id": "a", "channel": "x", "start": "2027-01-01", "end": "2027-01-10"},
        {"id": "b", "channel": "x", "start": "2027-01-11", "end": "2027-01-20", "depends_on": ["a"]},
        {"id": "c", "channel": "x", "start": "2027-01-21", "end": "2027-01-31", "depends_on": ["b"]},
        {"id": "side", "channel": "y", "start": "2027-01-05", "end": "2027-01-25"},
    ]
    plan = Plan.from_dict(doc)
    assert plan.critical_path() == ["a", "b", "c"]
    assert plan.schedule().set_index("id")["slack_days"].to_dict() == {"a": 0, "b": 0, "c": 0, "side": 6}


def test_schedule_errors_name_the_problem():
    doc = minimal()
    doc["tactics"] = [{"id": "a", "channel": "x", "start": "2027-01-01"}]
    with pytest.raises(ValueError, match=r"^tactics\[0\]: 'a' needs start and end dates"):
        Plan.from_dict(doc).schedule()
    doc["tactics"] = [
        {"id": "a", "channel": "x", "start": "2027-01-01", "end": "2027-01-02", "depends_on": ["b"]},
        {"id": "b", "channel": "x", "start": "2027-01-03", "end": "2027-01-04", "depends_on": ["a"]},
    ]
    with pytest.raises(ValueError, match=r"^tactics: the dependencies form a cycle"):
        Plan.from_dict(doc).critical_path()
    assert Plan.from_dict(minimal()).critical_path() == []


def test_loading_spreads_effort_and_budget():
    plan = Plan.load(ROOT / "examples" / "plans" / "b2b_paid_search.yaml")
    weekly = plan.loading("W")
    assert list(weekly.columns) == ["people_hours", "money", "people_hours_limit", "over_allocated"]
    assert weekly["money"].sum() == pytest.approx(116000, rel=1e-12)  # the tactic budgets
    assert weekly["people_hours"].sum() == pytest.approx(80 + 120 + 60 + 16, rel=1e-12)
    # a-keywords: 80 hours over 2027-01-04..02-05 (33 days) -> 80/33*7 in a full week
    assert weekly.loc["2027-01-10", "people_hours"] == pytest.approx(80 / 33 * 7)
    assert not weekly["over_allocated"].any()
    monthly = plan.loading("MS")
    assert monthly["money"].sum() == pytest.approx(116000, rel=1e-12)
    with pytest.raises(ValueError, match=r"^freq: not a pandas frequency"):
        plan.loading("fortnightly-ish")


def test_over_allocation_is_one_warning():
    d = Plan.load(ROOT / "examples" / "plans" / "b2b_paid_search.yaml").to_dict()
    d["plan"]["resources"]["people_hours_per_week"] = 10
    plan = Plan.from_dict(d)
    found = [f for f in plan.validate() if f.code == "resources.over-allocated"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].path == "plan.resources.people_hours_per_week"
    weekly = plan.loading("W")
    n_over = int(weekly["over_allocated"].sum())
    assert found[0].message.startswith(f"{n_over} weeks need more people-hours than the 10.00")
    assert "the busiest, the week of 2027-" in found[0].message


def test_plan_table():
    plan = Plan.load(ROOT / "examples" / "plans" / "b2b_paid_search.yaml")
    t = plan.table().set_index("objective")
    assert list(t.index) == ["o-ctr", "o-cpa", "o-leads"]
    assert t.loc["o-ctr", "motivation"] == "ctr = 0.01 as of 2026-12-31 (Industry benchmark (no own data yet))"
    assert t.loc["o-cpa", "tactics"] == "t-launch, t-retargeting, t-scale"
    assert t.loc["o-cpa", "kpis"] == "cpa, cpc, ctr, lead_conversion_rate, roas"
    assert t.loc["o-cpa", "motivation"] == ""  # no situation baseline for CPA
    html = plan._repr_html_()
    assert "<table" in html and "o-leads" in html


def test_gantt_draws_every_item_and_marks_the_critical_path():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plan = Plan.load(ROOT / "examples" / "plans" / "b2b_paid_search.yaml")
    fig, ax = plt.subplots()
    assert plan.gantt(ax=ax) is ax
    assert len(ax.patches) == len(plan.schedule())
    red = [p for p in ax.patches if p.get_facecolor()[:3] == matplotlib.colors.to_rgb("tab:red")]
    assert len(red) == int(plan.schedule()["critical"].sum())
    labels = [t.get_text().strip() for t in ax.get_yticklabels()]
    assert labels[:3] == ["t-research", "a-keywords", "a-landing"]  # actions under their tactic
    plt.close(fig)


def test_critical_chains_agree_with_the_schedule_on_the_demo_plan():
    # observed: schedule() marked 7 tactics critical, critical_path() returned one and
    # the report said "Critical path: t-content" above 7 red bars
    from importlib import resources

    from sostac.report import build_report

    plan = Plan.load(resources.files("sostac") / "data" / "demo_plan.yaml")
    sched = plan.schedule()
    critical = set(sched.loc[(sched["kind"] == "tactic") & sched["critical"], "id"])
    chains = plan.critical_chains()
    assert len(critical) == 7 and len(chains) > 1
    assert set(t for c in chains for t in c) == critical
    assert plan.critical_path() in chains
    rep = build_report(plan, None)
    html = rep.to_html()
    assert f"Critical: 7 tactics with no slack, in {len(chains)} parallel chains" in html
    for t in critical:
        assert t in rep.to_markdown()
    assert rep.to_dict()["schedule"]["critical_chains"] == chains


def test_critical_chains_of_a_plan_built_in_code():
    p = Plan(id="p", name="P", start="2027-01-01", end="2027-03-31").add_strategy("s")
    p.add_tactic("a", channel="seo", strategy="s", start="2027-01-01", end="2027-01-31")
    p.add_tactic("b", channel="seo", strategy="s", start="2027-02-01", end="2027-03-31",
                 depends_on=["a"])
    p.add_tactic("c", channel="email", strategy="s", start="2027-01-15", end="2027-03-31")
    p.add_tactic("d", channel="email", strategy="s", start="2027-01-01", end="2027-01-20")
    assert p.critical_chains() == [["a", "b"], ["c"]]
    assert p.critical_path() == ["a", "b"]
