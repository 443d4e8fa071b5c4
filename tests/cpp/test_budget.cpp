// Tests of include/sostac/budget/ (transforms part); the Python tests check every kind
// against R (tests/golden/budget/transforms.csv).
#include <sostac/budget.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace bu = sostac::budget;

TEST_CASE("geometric adstock: the infinite recursion and a truncated kernel", "[budget]") {
  const std::vector<double> x{100, 10, 0, 0, 0, 0};  // 3 periods x 2 channels
  std::vector<double> y(6);
  bu::adstock_params p;
  p.theta = {0.5, 0.2};
  bu::adstock(x.data(), 3, 2, p, y.data());
  CHECK(y[0] == 100);
  CHECK(y[2] == 50);
  CHECK(y[4] == 25);
  CHECK(y[1] == 10);
  CHECK(y[3] == Approx(2));
  CHECK(y[5] == Approx(0.4));
  p.max_lag = 2;
  p.normalise = true;
  bu::adstock(x.data(), 3, 2, p, y.data());
  CHECK(y[4] == Approx(0.0));
  CHECK(y[0] == Approx(100 / 1.5));
  CHECK(y[1] == Approx(10 / 1.2));
  CHECK(y[3] == Approx(2 / 1.2));
}

TEST_CASE("Weibull CDF kernel: R's quantile and round half to even", "[budget]") {
  // L = 4, scale 0.5: quantile(1:4, 0.5) = 2.5 rounds to 2
  const auto w = bu::adstock_weights(bu::adstock_kind::weibull_cdf, 4, 0, 0, 1.0, 0.5, false);
  REQUIRE(w.size() == 4);
  CHECK(w[0] == 1.0);
  CHECK(w[1] == Approx(std::exp(-0.5)).epsilon(1e-15));
  CHECK(w[3] == Approx(std::exp(-0.5 - 1.0 - 1.5)).epsilon(1e-14));
  const auto flat = bu::adstock_weights(bu::adstock_kind::weibull_pdf, 3, 0, 0, 0.0, 0.5, false);
  CHECK(flat == std::vector<double>{1, 0, 0});
}

TEST_CASE("saturation curves", "[budget]") {
  const std::vector<double> x{0, 50, 100};
  std::vector<double> y(3);
  bu::saturation_params p;
  p.half = {50};
  p.shape = {2};
  bu::saturation(x.data(), 3, 1, p, y.data());
  CHECK(y[0] == 0.0);
  CHECK(y[1] == Approx(0.5));
  CHECK(y[2] == Approx(0.8));
  p.kind = bu::saturation_kind::logistic;
  p.lam = {std::log(3.0) / 50};
  bu::saturation(x.data(), 3, 1, p, y.data());
  CHECK(y[1] == Approx(0.5));
}

TEST_CASE("budget transforms reject bad input naming the argument", "[budget]") {
  std::vector<double> x{1, -1}, y(2);
  bu::adstock_params p;
  p.theta = {0.5};
  CHECK_THROWS_WITH(bu::adstock(x.data(), 2, 1, p, y.data()), Catch::Contains("x[1, 0]"));
  x[1] = 1;
  p.theta = {1.0};
  CHECK_THROWS_WITH(bu::adstock(x.data(), 2, 1, p, y.data()), Catch::Contains("decay[0]"));
  p.theta = {0.5, 0.5};
  CHECK_THROWS_WITH(bu::adstock(x.data(), 2, 1, p, y.data()), Catch::Contains("one per channel"));
  p.kind = bu::adstock_kind::delayed;
  p.theta = {0.5};
  p.peak = {1};
  CHECK_THROWS_WITH(bu::adstock(x.data(), 2, 1, p, y.data()), Catch::Contains("max_lag"));
  bu::saturation_params s;
  s.half = {0};
  s.shape = {1};
  CHECK_THROWS_WITH(bu::saturation(x.data(), 2, 1, s, y.data()),
                    Catch::Contains("half_saturation[0]"));
}

TEST_CASE("allocator: equal marginal returns, by hand", "[budget]") {
  // f1 = 100 x / (x + 2000), f2 = 60 y / (y + 1000), x + y = 3000:
  // sqrt(200000) (4000 - x) = sqrt(60000) (x + 2000)
  std::vector<bu::response_curve> c(2);
  c[0].beta = 100;
  c[0].half = 2000;
  c[1].beta = 60;
  c[1].half = 1000;
  const auto a = bu::allocate(c, 3000, bu::allocation_objective::conversions);
  const double s1 = std::sqrt(200000.0), s2 = std::sqrt(60000.0);
  const double x = (4000 * s1 - 2000 * s2) / (s1 + s2);
  CHECK(a.spend[0] == Approx(x).epsilon(1e-12));
  CHECK(a.spend[0] + a.spend[1] == Approx(3000).epsilon(1e-14));
  CHECK(a.marginal[0] == Approx(a.marginal[1]).epsilon(1e-9));
  // profit with a worth of 80 per conversion: 100 * 2000 / (x + 2000)^2 = 1 / 80
  const auto p = bu::allocate(c, 1e9, bu::allocation_objective::profit, 80);
  CHECK(p.spend[0] == Approx(2000).epsilon(1e-12));
  CHECK(bu::scale_limits(c, 80)[0] == Approx(2000).epsilon(1e-12));
  c[0].lower = 2000;
  c[1].lower = 1500;
  CHECK_THROWS_WITH(bu::allocate(c, 3000, bu::allocation_objective::conversions),
                    Catch::Contains("minimums add up to 3500"));
}
