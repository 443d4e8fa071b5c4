#include <sostac/plan/loading.hpp>
#include <sostac/plan/schedule.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <string>

namespace pl = sostac::plan;

TEST_CASE("day numbers follow the civil calendar") {
  CHECK(pl::detail::day_number("1970-01-01") == 0);
  CHECK(pl::detail::day_number("2000-03-01") - pl::detail::day_number("2000-02-28") ==
        2);
  CHECK(pl::detail::day_number("2100-03-01") - pl::detail::day_number("2100-02-28") ==
        1);
  CHECK(pl::detail::day_number("2027-12-31") - pl::detail::day_number("2027-01-01") ==
        364);
}

TEST_CASE("CPM slack and critical path") {
  const auto doc = pl::json::parse(R"({"tactics": [
    {"id": "a", "start": "2027-01-01", "end": "2027-01-10"},
    {"id": "b", "start": "2027-01-15", "end": "2027-01-20", "depends_on": ["a"]},
    {"id": "c", "start": "2027-01-21", "end": "2027-01-31", "depends_on": ["b"]},
    {"id": "d", "start": "2027-01-02", "end": "2027-01-12", "depends_on": ["a"]}],
    "actions": [{"id": "x", "tactic": "b", "start": "2027-01-15", "end": "2027-01-16"},
                {"id": "y", "tactic": "b", "start": "2027-01-17", "end": "2027-01-20",
                 "depends_on": ["x"]}]})");
  const auto s = pl::schedule_plan(doc);
  std::map<std::string, long long> slack;
  for (const auto& a : s.activities) slack[a.id] = a.slack_days;
  CHECK(slack["a"] == 4);  // b may start as late as 01-15: a may end 01-14
  CHECK(slack["b"] == 0);
  CHECK(slack["c"] == 0);
  CHECK(slack["d"] == 19);  // nothing depends on d: it may end 01-31
  CHECK(slack["x"] == 0);   // y fills the rest of tactic b's window
  CHECK(slack["y"] == 0);
  CHECK(s.critical_path == std::vector<std::string>{"b", "c"});
}

TEST_CASE("critical chains hold every zero-slack tactic, parallel chains included") {
  // two chains end on the last day (a -> b and c -> d), e is a lone critical tactic,
  // f has slack; b also has a second tight predecessor g, which starts a third chain
  const auto doc = pl::json::parse(R"({"tactics": [
    {"id": "a", "start": "2027-01-01", "end": "2027-01-10"},
    {"id": "b", "start": "2027-01-11", "end": "2027-01-31", "depends_on": ["a", "g"]},
    {"id": "c", "start": "2027-01-01", "end": "2027-01-20"},
    {"id": "d", "start": "2027-01-21", "end": "2027-01-31", "depends_on": ["c"]},
    {"id": "e", "start": "2027-01-05", "end": "2027-01-31"},
    {"id": "f", "start": "2027-01-01", "end": "2027-01-05"},
    {"id": "g", "start": "2027-01-03", "end": "2027-01-10"}]})");
  const auto s = pl::schedule_plan(doc);
  using chain = std::vector<std::string>;
  CHECK(s.critical_chains == std::vector<chain>{{"a", "b"}, {"c", "d"}, {"e"}, {"g", "b"}});
  std::map<std::string, int> on_chain;
  for (const auto& c : s.critical_chains)
    for (const auto& t : c) ++on_chain[t];
  for (const auto& a : s.activities)
    if (a.kind == "tactic") CHECK(a.critical == (on_chain.count(a.id) == 1));
  // the single path still runs back from the last-ending tactic (lowest id first)
  CHECK(s.critical_path == chain{"a", "b"});
}

TEST_CASE("unschedulable plans raise one clear error") {
  CHECK_THROWS_WITH(pl::schedule_plan(pl::json::parse(R"({"tactics": [{"id": "a"}]})")),
                    Catch::Contains("needs start and end dates"));
  CHECK_THROWS_WITH(
      pl::schedule_plan(pl::json::parse(
          R"({"actions": [{"id": "a", "start": "2027-01-01", "end": "2027-01-02", "depends_on": ["b"]},
                         {"id": "b", "start": "2027-01-01", "end": "2027-01-02", "depends_on": ["a"]}]})")),
      Catch::Contains("cycle"));
  CHECK(pl::schedule_plan(pl::json::parse("{}")).activities.empty());
}

TEST_CASE("loading spreads effort and budget over calendar days") {
  const auto doc = pl::json::parse(R"({
    "plan": {"resources": {"people_hours_per_week": 10}},
    "tactics": [{"id": "t", "start": "2027-01-04", "end": "2027-01-13", "budget": 1000}],
    "actions": [{"id": "a", "start": "2027-01-04", "end": "2027-01-05", "effort_hours": 30}]})");
  const auto days = pl::daily_loading(doc);
  REQUIRE(days.size() == 10);
  CHECK(pl::detail::iso_date(days.front().day) == "2027-01-04");
  CHECK(days[0].people_hours == Approx(15.0));
  CHECK(days[2].people_hours == 0.0);
  CHECK(days[9].money == Approx(100.0));
  const auto f = pl::check_loading(doc);
  REQUIRE(f.size() == 1);
  CHECK_THAT(f[0].message,
             Catch::StartsWith("1 week needs more people-hours than the 10.00"));
  CHECK_THAT(f[0].message, Catch::Contains("the week of 2027-01-04, needs 30.00"));
}
