// Tests of include/sostac/attribution/ (paths part).
#include <sostac/attribution.hpp>

#include <catch2/catch.hpp>

namespace at = sostac::attribution;

TEST_CASE("check_path_table names the path and the argument", "[attribution]") {
  at::path_table t;
  t.channels = {"a", "b"};
  const std::int32_t ab[] = {0, 1};
  t.push(ab, 2, 1.0, 10.0, 3.0);
  t.push(ab + 1, 1, 0.0, 0.0, 2.0);
  REQUIRE_NOTHROW(at::check_path_table(at::path_table_view::of(t)));
  t.conversions[1] = -1.0;
  REQUIRE_THROWS_WITH(at::check_path_table(at::path_table_view::of(t)),
                      Catch::Contains("conversions[1]"));
  t.conversions[1] = 0.0;
  t.steps[0] = 2;
  REQUIRE_THROWS_WITH(at::check_path_table(at::path_table_view::of(t)),
                      Catch::Contains("path[0]"));
}
