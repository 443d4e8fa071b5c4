#include <sostac/stats/proportions.hpp>

#include <catch2/catch.hpp>

#include <cmath>

namespace st = sostac::stats;
using sostac::input_error;

TEST_CASE("two_proportion_test: direction / symmetry and degenerate tables") {
  const auto g = st::two_proportion_test(
      100, 1000, 130, 1000, st::proportion_test_method::z, st::alternative::greater);
  const auto l = st::two_proportion_test(
      130, 1000, 100, 1000, st::proportion_test_method::z, st::alternative::less);
  CHECK(g.statistic == Approx(-l.statistic));
  CHECK(g.pvalue == Approx(l.pvalue).epsilon(1e-14));
  CHECK(g.diff == Approx(0.03));
  CHECK(g.lift == Approx(0.3));
  for (auto m : {st::proportion_test_method::z, st::proportion_test_method::z_yates,
                 st::proportion_test_method::g, st::proportion_test_method::z_unpooled,
                 st::proportion_test_method::fisher}) {
    const auto r = st::two_proportion_test(0, 50, 0, 70, m);
    CHECK(r.pvalue == 1.0);
    CHECK(r.log_pvalue == 0.0);
  }
}

TEST_CASE("two_proportion_test: tiny p-values keep their logarithm") {
  const auto r = st::two_proportion_test(1e7, 1e9, 1.03e7, 1e9);
  CHECK(r.pvalue == 0.0);
  CHECK(std::isfinite(r.log_pvalue));
  CHECK(r.log_pvalue < -700);
}

TEST_CASE("two_proportion_test: bad input names the argument") {
  CHECK_THROWS_WITH(st::two_proportion_test(-1, 10, 1, 10), Catch::Contains("x_a"));
  CHECK_THROWS_WITH(st::two_proportion_test(1, 10, 11, 10), Catch::Contains("x_b"));
  CHECK_THROWS_WITH(st::two_proportion_test(1, 0, 1, 10), Catch::Contains("n_a"));
  CHECK_THROWS_WITH(st::two_proportion_test(1, 10, NAN, 10), Catch::Contains("x_b"));
  CHECK_THROWS_AS(st::two_proportion_test(1, 10, 1, INFINITY), input_error);
  CHECK_THROWS_AS(st::parse_proportion_test_method("t"), input_error);
  CHECK_THROWS_AS(st::parse_alternative("bigger"), input_error);
}

TEST_CASE("intervals contain the estimate and nest as the level grows") {
  for (auto m :
       {st::proportion_ci_method::wilson, st::proportion_ci_method::wilson_cc,
        st::proportion_ci_method::clopper_pearson, st::proportion_ci_method::jeffreys,
        st::proportion_ci_method::agresti_coull, st::proportion_ci_method::wald}) {
    for (double x : {0.0, 1.0, 17.0, 50.0}) {
      const auto narrow = st::proportion_ci(x, 50, 0.8, m);
      const auto wide = st::proportion_ci(x, 50, 0.99, m);
      CHECK(narrow.low <= x / 50);
      CHECK(narrow.high >= x / 50);
      CHECK(wide.low <= narrow.low);
      CHECK(wide.high >= narrow.high);
      CHECK(wide.low >= 0.0);
      CHECK(wide.high <= 1.0);
    }
  }
  const auto j0 = st::proportion_ci(0, 20, 0.95, st::proportion_ci_method::jeffreys);
  CHECK(j0.low == 0.0);
  const auto jn = st::proportion_ci(20, 20, 0.95, st::proportion_ci_method::jeffreys);
  CHECK(jn.high == 1.0);
  CHECK_THROWS_WITH(st::proportion_ci(1, 10, 1.5), Catch::Contains("level"));
}

TEST_CASE("lift intervals need conversions in both arms") {
  CHECK_THROWS_WITH(st::lift_ci(0, 100, 5, 100), Catch::Contains("x_a"));
  CHECK_THROWS_WITH(st::lift_ci(5, 100, 0, 100), Catch::Contains("x_b"));
  const auto f = st::lift_ci(1, 10, 5, 10, 0.99, st::lift_ci_method::fieller);
  CHECK(std::isinf(f.low));
  CHECK(std::isinf(f.high));
  const auto d = st::lift_ci(100, 1000, 130, 1000, 0.95, st::lift_ci_method::fieller);
  CHECK(d.low < 0.3);
  CHECK(d.high > 0.3);
}
