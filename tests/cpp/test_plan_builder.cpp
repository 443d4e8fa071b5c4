// Building and editing plans in C++ (marketing_plan and the typed model), and the
// lifecycle: the same plan built in code and loaded from JSON is the same document
// with the same findings; advance, review and diff behave as in Python.
#include <sostac/plan/marketing_plan.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace pl = sostac::plan;

namespace {

std::string example(const std::string& name) {
  return std::string(SOSTAC_SOURCE_DIR) + "/examples/plans/" + name + ".json";
}

// The same plan as test_plan_validate.cpp's base(), as JSON ...
pl::json base_json() {
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

// ... and built in code.
pl::marketing_plan base_built() {
  pl::marketing_plan plan("p", "P");
  plan.set_horizon("2027-01-01", "2027-12-31").set_resources(std::nullopt, 1000);
  pl::objective o;
  o.id = "o1";
  o.kpi = "ctr";
  o.baseline = 0.01;
  o.target = 0.015;
  o.direction = "increase";
  o.deadline = "2027-06-30";
  o.scope.channel = "search";
  o.five_s = "speak";
  o.race = "reach";
  pl::strategy s;
  s.id = "s1";
  s.serves = {"o1"};
  s.channel_mix = {{"search", 1.0}};
  pl::tactic t1;
  t1.id = "t1";
  t1.channel = "search";
  t1.strategy = "s1";
  t1.start = "2027-01-01";
  t1.end = "2027-03-31";
  t1.budget = 400;
  pl::tactic t2 = t1;
  t2.id = "t2";
  t2.start = "2027-04-01";
  t2.end = "2027-06-30";
  t2.budget = 500;
  t2.depends_on = {"t1"};
  pl::action a;
  a.id = "a1";
  a.tactic = "t1";
  a.title = "Set up";
  a.start = "2027-01-02";
  a.end = "2027-01-20";
  a.cost = 100;
  plan.add(o).add(s).add(t1).add(t2).add(a);
  return plan;
}

std::vector<std::string> codes_and_paths(const std::vector<pl::finding>& found) {
  std::vector<std::string> out;
  for (const auto& f : found) out.push_back(f.severity + " " + f.code + " " + f.path);
  return out;
}

}  // namespace

TEST_CASE("a plan built in code is the document loaded from JSON") {
  const auto built = base_built();
  const pl::marketing_plan loaded(base_json());
  CHECK(built == loaded);
  CHECK(built.diff(loaded).empty());
  CHECK(built.validate().empty());
  CHECK(built.critical_path() == std::vector<std::string>{"t1", "t2"});
  CHECK(built.loading().size() == loaded.loading().size());
}

TEST_CASE("edits in code give the findings the same edits give in JSON") {
  auto built = base_built();
  auto doc = base_json();
  pl::tactic t3;
  t3.id = "t3";
  t3.channel = "display";
  t3.strategy = "s9";  // unknown strategy
  t3.start = "2027-05-01";
  t3.end = "2027-04-01";  // reversed
  t3.budget = 900;        // tactics now exceed the plan budget
  built.add(t3);
  doc["tactics"].push_back({{"id", "t3"},
                            {"channel", "display"},
                            {"strategy", "s9"},
                            {"start", "2027-05-01"},
                            {"end", "2027-04-01"},
                            {"budget", 900}});
  auto a = *built.get<pl::action>("a1");
  a.end = "2027-05-01";  // outside its tactic's window
  built.replace(a);
  doc["actions"][0]["end"] = "2027-05-01";
  built.remove<pl::strategy>("s1");  // the tactics' strategy is gone
  doc["strategies"].erase(0);

  const auto found = codes_and_paths(built.validate());
  CHECK(found == codes_and_paths(pl::validate_document(doc)));
  for (const char* expected :
       {"error ref.unknown-strategy tactics[2].strategy",
        "error schedule.reversed tactics[2].end",
        "warning schedule.outside-tactic actions[0]",
        "error budget.tactics-exceed-plan plan.resources.budget",
        "warning trace.objective-without-strategy objectives[0]"}) {
    INFO(expected);
    CHECK(std::find(found.begin(), found.end(), expected) != found.end());
  }
}

TEST_CASE("the typed model reads every item of the example plans without loss") {
  for (const char* name : {"b2b_paid_search", "ecommerce_race"}) {
    INFO(name);
    const auto original = pl::marketing_plan::load(example(name));
    auto rebuilt = original;
    std::size_t items = 0;
    // replacing every item by its typed reading leaves the document unchanged
    auto round_trip = [&](auto tag) {
      using T = decltype(tag);
      for (const auto& item : original.all<T>()) {
        rebuilt.replace(item);
        ++items;
      }
    };
    round_trip(pl::objective{});
    round_trip(pl::kpi_spec{});
    round_trip(pl::strategy{});
    round_trip(pl::tactic{});
    round_trip(pl::action{});
    round_trip(pl::baseline{});
    round_trip(pl::control_target{});
    round_trip(pl::experiment{});
    CHECK(items > 15);
    // the one loss, as documented: an empty list reads as absent ("kpis": [])
    for (const auto& c : rebuilt.diff(original)) {
      INFO(c.path);
      CHECK(c.before.is_null());
      CHECK(c.after == pl::json::array());
    }
    CHECK(rebuilt.validate().empty());
  }
}

TEST_CASE("save and load give an identical plan") {
  const auto plan = base_built();
  const std::string path = std::string(SOSTAC_BUILD_DIR) + "/builder_round_trip.json";
  plan.save(path);
  const auto again = pl::marketing_plan::load(path);
  CHECK(again == plan);
  CHECK(again.dump() == plan.dump());  // key order kept too
}

TEST_CASE("editing refuses what would corrupt the document") {
  auto plan = base_built();
  pl::objective dup;
  dup.id = "o1";
  dup.kpi = "cpa";
  CHECK_THROWS_WITH(plan.add(dup), "id: 'o1' is already one of the plan's objectives");
  pl::baseline b;
  b.kpi = "ctr";
  b.value = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(plan.add(b), "value: expected a finite number, got nan");
  b.value = 0.01;
  b.history = {{"2026-06-30", std::numeric_limits<double>::infinity()}};
  CHECK_THROWS_WITH(plan.add(b), "history[0].value: expected a finite number, got inf");
  b.history.clear();
  plan.add(b);
  CHECK_THROWS_WITH(plan.add(b), "kpi: 'ctr' is already one of the plan's baselines");
  pl::tactic t;
  t.id = "t9";
  t.channel = "seo";
  CHECK_THROWS_WITH(plan.replace(t), "id: 't9' is not one of the plan's tactics");
  CHECK_THROWS_WITH(plan.remove<pl::action>("a9"),
                    "id: 'a9' is not one of the plan's actions");
  CHECK_THROWS_WITH(plan.add_swot("strenghts", "x"),
                    Catch::StartsWith("quadrant: expected strengths"));
  CHECK_FALSE(plan.get<pl::tactic>("t9").has_value());

  // a document whose lists hold the wrong types: reading names the path
  auto doc = base_json();
  doc["tactics"][1]["budget"] = "lots";
  doc["objectives"] = {"o1"};
  const pl::marketing_plan odd(doc);
  CHECK_THROWS_WITH(odd.get<pl::tactic>("t2"),
                    "tactics[1].budget: expected a number, got text");
  CHECK(odd.all<pl::objective>().empty());  // entries that are not objects are skipped
  doc["tactics"] = "t1";
  pl::marketing_plan broken(doc);
  CHECK_THROWS_WITH(broken.add(t), "tactics: the plan's tactics is not a list");
  CHECK_THROWS_WITH(pl::marketing_plan(pl::json::array()),
                    "document: expected an object at the top of a plan, got a list");
  CHECK_THROWS_WITH(pl::marketing_plan::load("/nonexistent/plan.json"),
                    "path: cannot read '/nonexistent/plan.json'");
}

TEST_CASE("advance moves forward only when the earlier stages are clean") {
  auto plan = pl::marketing_plan::load(example("b2b_paid_search"));
  CHECK(plan.stage() == "tactics");
  CHECK(plan.advance().stage() == "actions");
  CHECK(plan.advance("review").stage() == "review");
  CHECK_THROWS_WITH(plan.advance(), Catch::StartsWith("to: the plan is at 'review'; it "
                                                      "can only move forward"));
  auto fresh = pl::marketing_plan::load(example("b2b_paid_search"));
  CHECK_THROWS_WITH(fresh.advance("launch"),
                    Catch::StartsWith("to: expected one of situation, objectives"));
  CHECK_THROWS_WITH(fresh.advance("objectives"),
                    Catch::StartsWith("to: the plan is at 'tactics'"));

  auto doc = fresh.tree();
  doc["objectives"][0]["kpi"] = "ctrr";  // an objectives-stage error
  CHECK_THROWS_WITH(
      pl::marketing_plan(doc).advance(),
      Catch::Contains("cannot move to 'actions' while earlier stages have errors: "
                      "error: objectives[0].kpi"));
  doc = fresh.tree();
  doc["actions"][0]["depends_on"] = {"a-nope"};  // an actions-stage error ...
  CHECK(pl::marketing_plan(doc).advance().stage() == "actions");  // ... does not block
  CHECK_THROWS_WITH(pl::marketing_plan(doc).advance("control"),
                    Catch::Contains("cannot move to 'control'"));
  doc = fresh.tree();
  doc["plan"]["currency"] = "euro";  // a header error blocks every move
  CHECK_THROWS_WITH(pl::marketing_plan(doc).advance(),
                    Catch::Contains("error: plan.currency"));
}

TEST_CASE("review opens the next revision with the Control results") {
  const auto plan = pl::marketing_plan::load(example("b2b_paid_search"));
  const auto before = plan.tree();
  const auto next = plan.review({{"ctr", 0.013}, {"cpa", 910.0}}, "2027-06-30");
  CHECK(plan.tree() == before);  // the reviewed revision is unchanged
  CHECK(next.revision() == 2);
  CHECK(next.stage() == "situation");
  const auto ctr = *next.get<pl::baseline>("ctr");
  CHECK(ctr.value == 0.013);
  CHECK(ctr.as_of == "2027-06-30");
  CHECK(ctr.source == "control review of revision 1");
  REQUIRE(ctr.history.size() == 1);
  CHECK(ctr.history[0].date == "2026-12-31");
  CHECK(ctr.history[0].value == 0.01);
  const auto cpa = *next.get<pl::baseline>("cpa");
  CHECK(cpa.value == 910.0);
  CHECK(cpa.history.empty());
  for (const auto& o : next.all<pl::objective>())
    if (o.kpi == "ctr") CHECK(o.baseline == 0.013);
  CHECK(next.validate().empty());

  const auto changes = plan.diff(next);
  auto find = [&](const std::string& path) -> const pl::change* {
    for (const auto& c : changes)
      if (c.path == path) return &c;
    return nullptr;
  };
  REQUIRE(find("plan.revision") != nullptr);
  CHECK(find("plan.revision")->before == 1);
  CHECK(find("plan.revision")->after == 2);
  CHECK(find("plan.stage")->after == "situation");
  CHECK(find("objectives[0].baseline")->before == 0.01);
  CHECK(find("objectives[0].baseline")->after == 0.013);
  // a list item present on one side only: null on the other
  CHECK(find("situation.baselines[0].history")->before.is_null());

  CHECK_THROWS_WITH(plan.review({{"ctr", std::nan("")}}, "2027-06-30"),
                    "results['ctr']: expected a finite number, got nan");
  CHECK_THROWS_WITH(plan.review({{"ctr", 0.01}}, "June"),
                    "as_of: expected a date YYYY-MM-DD, got 'June'");
  CHECK_THROWS_WITH(plan.review({{"ctr", 0.01}}, "2027-02-30"),
                    Catch::StartsWith("as_of: expected a date"));
  CHECK_THROWS_WITH(plan.review({}, "2027-06-30"), Catch::StartsWith("results: "));
}

TEST_CASE("diff lists changed, added and removed values by path") {
  const pl::json a = pl::json::parse(R"({"x": 1, "l": [1, 2], "o": {"k": "v"}})");
  const pl::json b =
      pl::json::parse(R"({"o": {"k": "w"}, "x": 1.0, "l": [1], "n": true})");
  const auto d = pl::diff(a, b);
  REQUIRE(d.size() == 3);
  CHECK(d[0].path == "l[1]");
  CHECK(d[0].before == 2);
  CHECK(d[0].after.is_null());
  CHECK(d[1].path == "o.k");
  CHECK(d[2].path == "n");
  CHECK(d[2].before.is_null());
  CHECK(pl::diff(a, a).empty());
}
