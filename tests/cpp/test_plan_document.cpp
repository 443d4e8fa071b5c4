#include <sostac/plan/document.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace pl = sostac::plan;
using sostac::input_error;

namespace {
pl::json minimal() {
  return pl::json::parse(R"({"sostac": 1, "plan": {"id": "p1", "name": "Plan"}})");
}
bool has(const std::vector<pl::finding>& f, const std::string& code,
         const std::string& path) {
  for (const auto& x : f)
    if (x.code == code && x.path == path) return true;
  return false;
}
}  // namespace

TEST_CASE("a minimal plan conforms to the schema") {
  CHECK(pl::check_schema(minimal()).empty());
  CHECK(pl::plan_schema().at("properties").contains("objectives"));
}

TEST_CASE("schema findings name the JSON path") {
  auto doc = minimal();
  doc["objectives"] = pl::json::parse(
      R"([{"id": "o1", "kpi": "ctr", "target": 0.02, "deadline": "2027-02-30",
           "five_s": "sel", "race": "reach"},
          {"id": "o 2", "kpi": "cpa", "targte": 5}])");
  doc["tactics"] = pl::json::parse(R"([{"id": "t1", "channel": "", "budget": -1}])");
  doc["plan"]["economics"] = pl::json::parse(R"({"margin": 1.5})");
  doc["plan"]["revision"] = 1.5;
  doc["control"] = pl::json::parse(R"({"targets": "o1"})");
  const auto f = pl::check_schema(doc);
  CHECK(has(f, "schema.date", "objectives[0].deadline"));
  CHECK(has(f, "schema.enum", "objectives[0].five_s"));
  CHECK(has(f, "schema.pattern", "objectives[1].id"));
  CHECK(has(f, "schema.required", "objectives[1].target"));
  CHECK(has(f, "schema.unknown-field", "objectives[1].targte"));
  CHECK(has(f, "schema.min-length", "tactics[0].channel"));
  CHECK(has(f, "schema.minimum", "tactics[0].budget"));
  CHECK(has(f, "schema.maximum", "plan.economics.margin"));
  CHECK(has(f, "schema.type", "plan.revision"));
  CHECK(has(f, "schema.type", "control.targets"));
  for (const auto& x : f) CHECK(x.severity == "error");
  for (const auto& x : f)
    if (x.code == "schema.unknown-field")
      CHECK(x.message.find("did you mean 'target'") != std::string::npos);
}

TEST_CASE("dates follow the calendar") {
  auto doc = minimal();
  doc["plan"]["horizon"] = {{"start", "2028-02-29"}, {"end", "2027-02-29"}};
  const auto f = pl::check_schema(doc);
  CHECK_FALSE(has(f, "schema.date", "plan.horizon.start"));  // 2028 is a leap year
  CHECK(has(f, "schema.date", "plan.horizon.end"));
}

TEST_CASE("text that is not a JSON document raises one clear error") {
  CHECK_THROWS_WITH(pl::parse_document("{\"sostac\": 1,", "plan.json"),
                    Catch::StartsWith("plan.json: not valid JSON"));
  // Found by the fuzzer: a number too large for a double is nlohmann's out_of_range,
  // not a parse_error; it must still be one clear input_error.
  CHECK_THROWS_WITH(pl::parse_document("[1e99999]", "plan.json"),
                    Catch::StartsWith("plan.json: not valid JSON") &&
                        Catch::Contains("number overflow"));
  const std::string deep(100000, '[');
  CHECK_THROWS_WITH(pl::parse_document(deep, "x"),
                    Catch::Contains("deeper than 64 levels"));
  const std::string ok_depth = std::string(60, '[') + std::string(60, ']');
  CHECK_NOTHROW(pl::parse_document(ok_depth));
  // A non-object document is a finding, not a crash.
  CHECK(has(pl::check_schema(pl::parse_document("[1, 2]")), "schema.type", ""));
}
