// Every semantic validation rule, each triggered by a few JSON-pointer edits of the
// (clean) example plan, at the stated path and severity; the unedited plan triggers
// none. Mirrors tests/python/test_plan_rules.py.
#include <sostac/plan/validate.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pl = sostac::plan;

namespace {

pl::json example() {
  std::ifstream in(std::string(SOSTAC_SOURCE_DIR) +
                   "/examples/plans/b2b_paid_search.json");
  std::stringstream text;
  text << in.rdbuf();
  return pl::parse_document(text.str());
}

struct edit {
  const char* kind;  // "set", "add" (append with "/-"), "remove", "copy" (from value)
  const char* pointer;
  const char* value;  // JSON text, or the source pointer for "copy"
};

struct rule {
  std::vector<edit> edits;
  const char* severity;
  const char* code;
  const char* path;
  const char* text;
};

void apply(pl::json& doc, const edit& e) {
  const pl::json::json_pointer ptr(e.pointer);
  const std::string kind = e.kind;
  if (kind == "remove") {
    doc.at(ptr.parent_pointer()).erase(ptr.back());
  } else if (kind == "copy") {
    doc[ptr] = doc.at(pl::json::json_pointer(e.value));
  } else {
    doc[ptr] = pl::json::parse(e.value);  // "set", or "add" with a "/-" pointer
  }
}

const std::vector<rule>& rules() {
  static const std::vector<rule> r{
      {{{"copy", "/objectives/-", "/objectives/0"}},
       "error",
       "ids.duplicate",
       "objectives[3].id",
       "used twice"},
      {{{"add", "/strategies/0/serves/-", R"("o-ctrr")"}},
       "error",
       "ref.unknown-objective",
       "strategies[0].serves[3]",
       "did you mean 'o-ctr'?"},
      {{{"set", "/tactics/1/strategy", R"("s-longtail")"}},
       "error",
       "ref.unknown-strategy",
       "tactics[1].strategy",
       "did you mean 's-long-tail'?"},
      {{{"set", "/actions/3/tactic", R"("t-scal")"}},
       "error",
       "ref.unknown-tactic",
       "actions[3].tactic",
       "'t-scal'"},
      {{{"set", "/actions/3/depends_on", R"(["a-nope"])"}},
       "error",
       "ref.unknown-action",
       "actions[3].depends_on[0]",
       "'a-nope'"},
      {{{"add", "/control/targets/-", R"({"objective": "o-x"})"}},
       "error",
       "ref.unknown-objective",
       "control.targets[3].objective",
       "'o-x'"},
      {{{"set", "/objectives/0/kpi", R"("ctrr")"}},
       "error",
       "kpi.unknown",
       "objectives[0].kpi",
       "did you mean 'ctr'?"},
      {{{"set", "/kpis", R"([{"id": "ctr", "numerator": "clicks"}])"}},
       "warning",
       "kpi.shadows-catalog",
       "kpis[0].id",
       "already a catalogue KPI"},
      {{{"set", "/kpis", R"([{"id": "profit", "numerator": "revenue cost"}])"}},
       "error",
       "kpi.formula",
       "kpis[0].numerator",
       "expected + or -"},
      {{{"set", "/kpis", R"([{"id": "profit", "numerator": "revenue - cost"}])"}},
       "warning",
       "trace.orphan-kpi",
       "kpis[0]",
       "no objective"},
      {{{"set", "/strategies/0/serves", "[]"}},
       "warning",
       "trace.objective-without-strategy",
       "objectives[0]",
       "no strategy serves"},
      {{{"add", "/strategies/-", R"({"id": "s-idle"})"}},
       "warning",
       "trace.strategy-serves-nothing",
       "strategies[1]",
       "serves no objective"},
      {{{"remove", "/tactics/3/strategy", ""}},
       "warning",
       "trace.tactic-without-strategy",
       "tactics[3]",
       "serves no strategy"},
      {{{"remove", "/actions/3/tactic", ""}},
       "warning",
       "trace.action-without-tactic",
       "actions[3]",
       "serves no tactic"},
      {{{"set", "/tactics/0/end", R"("2027-01-01")"}},
       "error",
       "schedule.reversed",
       "tactics[0].end",
       "before it starts"},
      {{{"set", "/plan/horizon/end", R"("2026-01-01")"}},
       "error",
       "schedule.reversed",
       "plan.horizon.end",
       "the plan ends"},
      {{{"set", "/tactics/3/end", R"("2028-03-31")"}},
       "warning",
       "schedule.outside-horizon",
       "tactics[3]",
       "outside the plan horizon"},
      {{{"set", "/actions/2/start", R"("2027-03-20")"}},
       "warning",
       "schedule.outside-tactic",
       "actions[2]",
       "outside its tactic's window"},
      {{{"set", "/tactics/3/start", R"("2027-06-01")"}},
       "warning",
       "schedule.dependency-order",
       "tactics[3].start",
       "before 't-launch'"},
      {{{"set", "/tactics/0/depends_on", R"(["t-scale"])"}},
       "error",
       "schedule.cycle",
       "tactics[1].depends_on",
       "t-launch -> t-research -> t-scale -> t-launch"},
      {{{"set", "/actions/0/depends_on", R"(["a-campaigns"])"}},
       "error",
       "schedule.cycle",
       "actions[2].depends_on",
       "a-campaigns -> a-landing -> a-keywords -> a-campaigns"},
      {{{"set", "/plan/resources/budget", "100000"}},
       "error",
       "budget.tactics-exceed-plan",
       "plan.resources.budget",
       "116000.00"},
      {{{"set", "/tactics/0/min_budget", "20000"}},
       "error",
       "budget.minimum-above-budget",
       "tactics[0].min_budget",
       "must keep at least 20000.00 but its budget is 6000.00"},
      {{{"set", "/strategies/0/channel_mix/retargeting", "0.1"}},
       "warning",
       "budget.tactics-exceed-share",
       "strategies[0].channel_mix.retargeting",
       "more than its share"},
      {{{"set", "/strategies/0/channel_mix/display", "0.2"}},
       "error",
       "budget.mix-over-100",
       "strategies[0].channel_mix",
       "120.00%"},
      {{{"set", "/tactics/0/budget", "5000"}},
       "error",
       "budget.actions-exceed-tactic",
       "tactics[0].budget",
       "cost 6000.00"},
      {{{"remove", "/objectives/0/scope", ""}},
       "warning",
       "smart.specific",
       "objectives[0].scope",
       "names no channel or segment"},
      {{{"set", "/objectives/0/target", "1.5"}},
       "error",
       "smart.proportion-range",
       "objectives[0].target",
       "target 1.50 for 'ctr', a proportion between 0 and 1"},
      {{{"set", "/objectives/2/baseline", "-0.1"}},
       "error",
       "smart.proportion-range",
       "objectives[2].baseline",
       "a proportion between 0 and 1"},
      {{{"set", "/objectives/1/scope/channel", R"("paid-search")"}},
       "warning",
       "trace.scope-channel-unused",
       "objectives[1].scope.channel",
       "'paid-search', which no tactic uses; did you mean 'paid_search'?"},
      {{{"remove", "/objectives/1/baseline", ""}},
       "warning",
       "smart.measurable",
       "objectives[1].baseline",
       "no baseline"},
      {{{"set", "/objectives/0/target", "0.009"}},
       "error",
       "smart.direction",
       "objectives[0].target",
       "should increase"},
      {{{"set", "/objectives/1/direction", R"("increase")"},
        {"set", "/objectives/1/target", "1200"}},
       "warning",
       "smart.direction",
       "objectives[1].direction",
       "lower is better"},
      {{{"set", "/objectives/2/target", "0.05"}},
       "warning",
       "smart.achievable",
       "objectives[2].target",
       "more than three times the largest move"},
      {{{"set", "/objectives/2/traffic_per_week", "200"}},
       "warning",
       "smart.achievable",
       "objectives[2].traffic_per_week",
       "80% needs about"},
      {{{"remove", "/objectives/0/five_s", ""}},
       "warning",
       "smart.relevant",
       "objectives[0]",
       "5S and a RACE stage"},
      {{{"remove", "/objectives/0/deadline", ""}},
       "warning",
       "smart.time-bound",
       "objectives[0].deadline",
       "no deadline"},
      {{{"set", "/objectives/0/deadline", R"("2028-06-30")"}},
       "error",
       "smart.time-bound",
       "objectives[0].deadline",
       "outside the plan horizon"},
      {{{"set", "/plan/resources/people_hours_per_week", "10"}},
       "warning",
       "resources.over-allocated",
       "plan.resources.people_hours_per_week",
       "more people-hours than the 10.00 available"},
  };
  return r;
}

}  // namespace

TEST_CASE("the example plan triggers no rule") {
  CHECK(pl::validate_document(example()).empty());
}

TEST_CASE("each rule triggers at its path with its severity") {
  for (const auto& r : rules()) {
    INFO(r.code << " at " << r.path);
    auto doc = example();
    for (const auto& e : r.edits) apply(doc, e);
    const auto found = pl::validate_document(doc);
    const pl::finding* hit = nullptr;
    for (const auto& f : found)
      if (f.code == r.code && f.path == r.path) hit = &f;
    REQUIRE(hit != nullptr);
    CHECK(hit->severity == r.severity);
    CHECK_THAT(hit->message, Catch::Contains(r.text));
  }
}
