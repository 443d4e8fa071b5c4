#include <sostac/plan/kpi.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <string>

namespace pl = sostac::plan;

TEST_CASE("the KPI catalogue has the SOSTAC/RACE KPIs with parsable formulas") {
  std::set<std::string> ids;
  for (const auto& k : pl::kpi_catalog()) {
    INFO(k.id);
    CHECK(ids.insert(k.id).second);  // ids are unique
    CHECK_NOTHROW(pl::parse_measure_expression(k.numerator, "numerator"));
    if (!k.denominator.empty())
      CHECK_NOTHROW(pl::parse_measure_expression(k.denominator, "denominator"));
    CHECK(k.scale > 0);
    CHECK_FALSE(k.name.empty());
  }
  for (const char* id :
       {"ctr", "cpc", "cpm", "cpl", "cpa", "conversion_rate", "lead_conversion_rate",
        "roas", "roi", "aov", "revenue_per_visit", "bounce_rate", "unique_visitors",
        "repeat_purchase_rate", "churn_rate", "clv"})
    CHECK(pl::find_kpi(id) != nullptr);
  CHECK(pl::find_kpi("nope") == nullptr);
  const auto* cpa = pl::find_kpi("cpa");
  CHECK(cpa->numerator == "cost");
  CHECK(cpa->denominator == "orders");
  CHECK(cpa->better == pl::direction::lower);
  CHECK(pl::find_kpi("cpm")->scale == 1000);
}

TEST_CASE("measure expressions parse into signed terms") {
  const auto t =
      pl::parse_measure_expression("revenue - cost + refunds_2", "numerator");
  REQUIRE(t.size() == 3);
  CHECK(t[0].coefficient == 1.0);
  CHECK(t[0].measure == "revenue");
  CHECK(t[1].coefficient == -1.0);
  CHECK(t[1].measure == "cost");
  CHECK(t[2].measure == "refunds_2");
}

TEST_CASE("bad measure expressions name the argument and position") {
  CHECK_THROWS_WITH(pl::parse_measure_expression("", "kpis[0].numerator"),
                    Catch::StartsWith("kpis[0].numerator: expected a measure name"));
  CHECK_THROWS_WITH(pl::parse_measure_expression("revenue -", "x"),
                    Catch::Contains("expected a measure name"));
  CHECK_THROWS_WITH(pl::parse_measure_expression("revenue cost", "x"),
                    Catch::Contains("expected + or -"));
  CHECK_THROWS_WITH(pl::parse_measure_expression("Revenue", "x"),
                    Catch::Contains("unexpected character 'R'"));
  CHECK_THROWS_WITH(pl::parse_measure_expression("- cost", "x"),
                    Catch::Contains("position 0"));
}
