#include <sostac/stats/power.hpp>

#include <catch2/catch.hpp>

#include <cmath>

namespace st = sostac::stats;
using sostac::input_error;

TEST_CASE("sample size and power are inverse to each other") {
  for (auto method : {st::power_method::pooled, st::power_method::arcsine}) {
    for (auto alt : {st::alternative::two_sided, st::alternative::greater}) {
      for (double ratio : {0.5, 1.0, 3.0}) {
        const double n =
            st::sample_size_proportions(0.05, 0.06, 0.05, 0.9, alt, ratio, method);
        CHECK(st::power_proportions(0.05, 0.06, n, 0.05, alt, ratio, method) ==
              Approx(0.9).epsilon(1e-12));
        const double mde = st::mde_proportions(0.05, n, 0.05, 0.9, alt, ratio, method);
        CHECK(mde == Approx(0.01).epsilon(1e-9));
      }
    }
  }
  const double n = st::sample_size_means(0.3, 1.2, 0.05, 0.8);
  CHECK(st::power_means(0.3, 1.2, n, 0.05) == Approx(0.8).epsilon(1e-10));
}

TEST_CASE("power grows with n and with the effect") {
  double last = 0;
  for (double n : {100.0, 1000.0, 10000.0, 100000.0}) {
    const double p = st::power_proportions(0.1, 0.11, n);
    CHECK(p > last);
    last = p;
  }
  CHECK(st::power_proportions(0.1, 0.12, 2000) >
        st::power_proportions(0.1, 0.11, 2000));
}

TEST_CASE("power: bad input") {
  CHECK_THROWS_WITH(st::sample_size_proportions(0, 0.1), Catch::Contains("p_a"));
  CHECK_THROWS_WITH(st::sample_size_proportions(0.1, 0.1), Catch::Contains("p_b"));
  CHECK_THROWS_WITH(
      st::sample_size_proportions(0.1, 0.09, 0.05, 0.8, st::alternative::greater),
      Catch::Contains("greater"));
  CHECK_THROWS_WITH(st::sample_size_proportions(0.1, 0.2, 1.5),
                    Catch::Contains("alpha"));
  CHECK_THROWS_WITH(st::sample_size_proportions(0.1, 0.2, 0.05, 0.8,
                                                st::alternative::two_sided, -1.0),
                    Catch::Contains("ratio"));
  CHECK_THROWS_WITH(st::power_proportions(0.1, 0.2, 0), Catch::Contains("n"));
  CHECK_THROWS_WITH(st::mde_proportions(0.5, 3, 0.05, 0.99), Catch::Contains("n"));
  CHECK_THROWS_WITH(st::sample_size_means(0, 1), Catch::Contains("delta"));
  CHECK_THROWS_WITH(st::sample_size_means(1, 0), Catch::Contains("sd"));
}
