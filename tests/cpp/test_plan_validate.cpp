#include <sostac/plan/validate.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace pl = sostac::plan;

namespace {
pl::json base() {
  return pl::json::parse(R"({
    "sostac": 1,
    "plan": {"id": "p", "name": "P", "horizon": {"start": "2027-01-01", "end": "2027-12-31"},
             "resources": {"budget": 1000}},
    "objectives": [{"id": "o1", "kpi": "ctr", "baseline": 0.01, "target": 0.015,
                    "direction": "increase", "deadline": "2027-06-30",
                    "scope": {"channel": "search"}, "five_s": "speak", "race": "reach"}],
    "strategies": [{"id": "s1", "serves": ["o1"], "channel_mix": {"search": 1.0}}],
    "tactics": [{"id": "t1", "channel": "search", "strategy": "s1", "start": "2027-01-01",
                 "end": "2027-03-31", "budget": 400},
                {"id": "t2", "channel": "search", "strategy": "s1", "start": "2027-04-01",
                 "end": "2027-06-30", "budget": 500, "depends_on": ["t1"]}],
    "actions": [{"id": "a1", "tactic": "t1", "title": "Set up", "start": "2027-01-02",
                 "end": "2027-01-20", "cost": 100}]
  })");
}
const pl::finding* get(const std::vector<pl::finding>& f, const std::string& code) {
  for (const auto& x : f)
    if (x.code == code) return &x;
  return nullptr;
}
}  // namespace

TEST_CASE("a consistent plan has no findings") {
  CHECK(pl::validate_document(base()).empty());
}

TEST_CASE("dependency cycles are named, starting from the lowest id") {
  auto d = base();
  d["tactics"][0]["depends_on"] = {"t2"};
  const auto f = pl::validate_document(d);
  const auto* c = get(f, "schedule.cycle");
  REQUIRE(c != nullptr);
  CHECK(c->severity == "error");
  CHECK(c->path == "tactics[0].depends_on");
  CHECK_THAT(c->message, Catch::EndsWith("t1 -> t2 -> t1"));
}

TEST_CASE("budget rules") {
  auto d = base();
  d["plan"]["resources"]["budget"] = 800;
  d["actions"][0]["cost"] = 450;
  d["strategies"][0]["channel_mix"] = {{"search", 0.7}, {"display", 0.5}};
  const auto f = pl::validate_document(d);
  CHECK(get(f, "budget.tactics-exceed-plan") != nullptr);
  CHECK(get(f, "budget.actions-exceed-tactic")->path == "tactics[0].budget");
  CHECK(get(f, "budget.mix-over-100")->message.find("120.00%") != std::string::npos);
  CHECK(get(f, "budget.tactics-exceed-share")->path ==
        "strategies[0].channel_mix.search");
}

TEST_CASE("references, KPIs and SMART") {
  auto d = base();
  d["tactics"][1]["strategy"] = "s2";
  d["objectives"][0]["kpi"] = "ctrr";
  d["objectives"][0]["target"] = 0.005;
  d["objectives"][0]["deadline"] = "2028-01-31";
  const auto f = pl::validate_document(d);
  CHECK_THAT(get(f, "ref.unknown-strategy")->message,
             Catch::Contains("did you mean 's1'"));
  CHECK_THAT(get(f, "kpi.unknown")->message, Catch::Contains("did you mean 'ctr'"));
  CHECK(get(f, "smart.direction")->severity == "error");
  CHECK(get(f, "smart.time-bound")->path == "objectives[0].deadline");
}

TEST_CASE("wrong types are schema findings and do not stop the other rules") {
  auto d = base();
  d["tactics"][0]["budget"] = "lots";
  d["tactics"][1]["depends_on"] = "t1";
  d["actions"] = 7;
  d["objectives"][0]["kpi"] = "nope";
  const auto f = pl::validate_document(d);
  CHECK(get(f, "schema.type") != nullptr);
  CHECK(get(f, "kpi.unknown") != nullptr);
}

TEST_CASE("achievable: history and power") {
  auto d = base();  // objective o1: ctr from 0.01 to 0.015 (+50%) by 2027-06-30
  // The history moved up to 18.75% per period (0.008 -> 0.0095): 3 x 18.75% = 56%,
  // so +50% is within reach.
  d["situation"]["baselines"] = pl::json::parse(R"([{"kpi": "ctr", "value": 0.010,
      "as_of": "2026-12-31", "history": [{"date": "2026-10-31", "value": 0.008},
                                         {"date": "2026-11-30", "value": 0.0095}]}])");
  CHECK(get(pl::validate_document(d), "smart.achievable") == nullptr);
  d["objectives"][0]["target"] = 0.03;            // +200% is more than 3 x 18.75%
  const auto history = pl::validate_document(d);  // keep the findings alive
  const auto* h = get(history, "smart.achievable");
  REQUIRE(h != nullptr);
  CHECK(h->path == "objectives[0].target");
  // Power: 1% -> 1.5% needs ~7,750 per group; 300 a week for 25.7 weeks gives
  // ~3,860 per group (power ~51%); 100,000 a week is plenty.
  d["objectives"][0]["target"] = 0.015;
  d["situation"]["baselines"][0].erase("history");
  d["objectives"][0]["traffic_per_week"] = 300;
  const auto power = pl::validate_document(d);
  const auto* f = get(power, "smart.achievable");
  REQUIRE(f != nullptr);
  CHECK(f->path == "objectives[0].traffic_per_week");
  d["objectives"][0]["traffic_per_week"] = 100000;
  CHECK(get(pl::validate_document(d), "smart.achievable") == nullptr);
}
