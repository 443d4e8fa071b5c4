// Control charts on small hand-checked series: the p-chart's limits and exact
// false-alarm probability, the u-chart, the EWMA recursion and exact limits, the
// tabular CUSUM with its shift estimate, and the bad-input rules.
#include <sostac/control.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

namespace ct = sostac::control;

TEST_CASE("p-chart: centre, limits cut to [0, 1], signals and binomial false alarms") {
  const std::vector<double> x{10, 12, 30, 8}, n{500, 480, 510, 505};
  const auto c = ct::p_chart(x.data(), n.data(), 4, std::nan(""), 3);
  const double p0 = 60.0 / 1995.0;
  for (std::size_t i = 0; i < 4; ++i) {
    const double sd = std::sqrt(p0 * (1 - p0) / n[i]);
    CHECK(c.centre[i] == Approx(p0).epsilon(1e-15));
    CHECK(c.lower[i] == Approx(p0 - 3 * sd).epsilon(1e-13));
    CHECK(c.upper[i] == Approx(p0 + 3 * sd).epsilon(1e-13));
    CHECK(c.shift[i] == Approx((x[i] / n[i] - p0) / sd).epsilon(1e-13));
  }
  CHECK(c.signal == std::vector<std::int8_t>{0, 0, 1, 0});
  // period 0: inside are the counts 4..26 of Binomial(500, p0)
  double inside = 0;
  for (int k = 4; k <= 26; ++k)
    inside +=
        std::exp(std::lgamma(501.0) - std::lgamma(k + 1.0) - std::lgamma(501.0 - k) +
                 k * std::log(p0) + (500 - k) * std::log1p(-p0));
  CHECK(c.false_alarm[0] == Approx(1 - inside).epsilon(1e-9));
  // a target below 3 sd from 0: the lower limit is 0
  const std::vector<double> x2{0, 3}, n2{10, 10};
  const auto t = ct::p_chart(x2.data(), n2.data(), 2, 0.05, 3);
  CHECK(t.lower[0] == 0);
  CHECK(t.signal == std::vector<std::int8_t>{0, 1});
}

TEST_CASE("u-chart: events per exposure") {
  const std::vector<double> count{12, 9, 36, 14}, n{10, 8, 12, 11.5};
  const auto c = ct::u_chart(count.data(), n.data(), 4, std::nan(""), 3);
  const double u0 = 71 / 41.5;
  CHECK(c.upper[2] == Approx(u0 + 3 * std::sqrt(u0 / 12)).epsilon(1e-13));
  CHECK(c.signal == std::vector<std::int8_t>{0, 0, 1, 0});
}

TEST_CASE("Laney p'- and u'-charts: limits scaled by the moving-range sigma_z") {
  // rates that wander far more than binomial noise allows: 2.0 %, 2.3 %, 1.8 %, 2.2 %
  // of 100,000 trials each
  const std::vector<double> x{2000, 2300, 1800, 2200}, n{1e5, 1e5, 1e5, 1e5};
  const auto plain = ct::p_chart(x.data(), n.data(), 4, std::nan(""), 3);
  const auto c = ct::p_chart(x.data(), n.data(), 4, std::nan(""), 3, true);
  const double p0 = 8300 / 4e5, sd = std::sqrt(p0 * (1 - p0) / 1e5);
  double z[4], mr = 0;
  for (int i = 0; i < 4; ++i) z[i] = (x[i] / n[i] - p0) / sd;
  for (int i = 1; i < 4; ++i) mr += std::fabs(z[i] - z[i - 1]);
  const double sigma_z = mr / 3 / (2 / std::sqrt(M_PI));
  CHECK(c.sigma_z == Approx(sigma_z).epsilon(1e-13));
  CHECK(sigma_z > 5);  // about 7: the plain chart's limits are far too narrow
  CHECK(plain.sigma_z == 1);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(c.upper[i] == Approx(p0 + 3 * sd * sigma_z).epsilon(1e-13));
    CHECK(c.lower[i] == Approx(p0 - 3 * sd * sigma_z).epsilon(1e-13));
    CHECK(c.shift[i] == Approx(z[i] / sigma_z).epsilon(1e-12));
    CHECK(std::isnan(c.false_alarm[i]));
  }
  CHECK(plain.signal == std::vector<std::int8_t>{0, 1, -1, 0});
  CHECK(c.signal == std::vector<std::int8_t>{0, 0, 0, 0});
  // u': the same rule with sqrt(u0 / n_i)
  const std::vector<double> cnt{900, 1150, 980, 1300, 700}, ex{10, 11, 10, 12, 9};
  const auto u = ct::u_chart(cnt.data(), ex.data(), 5, std::nan(""), 3, true);
  const double u0 = 5030.0 / 52;
  double zu[5], mru = 0;
  for (int i = 0; i < 5; ++i) zu[i] = (cnt[i] / ex[i] - u0) / std::sqrt(u0 / ex[i]);
  for (int i = 1; i < 5; ++i) mru += std::fabs(zu[i] - zu[i - 1]);
  CHECK(u.sigma_z == Approx(mru / 4 * std::sqrt(M_PI) / 2).epsilon(1e-13));
  CHECK(u.upper[3] == Approx(u0 + 3 * std::sqrt(u0 / 12) * u.sigma_z).epsilon(1e-13));
  // one period: no moving range, sigma_z = 1 (the plain chart)
  const auto one = ct::p_chart(x.data(), n.data(), 1, 0.02, 3, true);
  CHECK(one.sigma_z == 1);
  CHECK(one.upper[0] == Approx(0.02 + 3 * std::sqrt(0.02 * 0.98 / 1e5)).epsilon(1e-13));
}

TEST_CASE("EWMA: recursion from mu0 and the exact limits") {
  const std::vector<double> x{0.3, -0.4, 1.1, 1.6, 1.2, 1.9};
  const double mu0 = 0.1, sd = 0.8, lam = 0.25, L = 2.5;
  const auto c = ct::ewma_chart(x.data(), x.size(), mu0, sd, lam, L);
  double z = mu0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    z = lam * x[i] + (1 - lam) * z;
    const double hw =
        L * sd *
        std::sqrt(lam / (2 - lam) *
                  (1 - std::pow(1 - lam, 2.0 * static_cast<double>(i + 1))));
    CHECK(c.value[i] == Approx(z).epsilon(1e-14));
    CHECK(c.upper[i] - mu0 == Approx(hw).epsilon(1e-12));
    CHECK(c.signal[i] == (z - mu0 > hw ? 1 : (z - mu0 < -hw ? -1 : 0)));
  }
}

TEST_CASE("CUSUM: tabular sums, signals beyond h sd, the new mean's estimate") {
  const std::vector<double> x{0.1, -0.2, 1.5, 1.2, 1.4, 0.9, 1.6};
  const auto c = ct::cusum_chart(x.data(), x.size(), 0, 1, 0.5, 2);
  const std::vector<double> want{0, 0, 1.0, 1.7, 2.6, 3.0, 4.1};
  for (std::size_t i = 0; i < x.size(); ++i)
    CHECK(c.value[i] == Approx(want[i]).margin(1e-12));
  CHECK(c.signal == std::vector<std::int8_t>{0, 0, 0, 0, 1, 1, 1});
  CHECK(c.shift[4] == Approx(0.5 + 2.6 / 3));  // three periods since C+ was 0
  CHECK(c.value_low == std::vector<double>(7, 0.0));
}

TEST_CASE("control charts: bad input names the argument and index") {
  const std::vector<double> x{1, 12}, n{10, 10}, bad{1, std::nan("")};
  CHECK_THROWS_WITH(ct::p_chart(x.data(), n.data(), 2, std::nan(""), 3),
                    "x[1]: expected at most n[1] = 10, got 12");
  CHECK_THROWS_WITH(ct::p_chart(bad.data(), n.data(), 2, std::nan(""), 3),
                    "x[1]: expected a whole non-negative count, got nan");
  CHECK_THROWS_WITH(ct::p_chart(n.data(), n.data(), 2, 2.0, 3),
                    "target: expected a rate in [0, 1], got 2");
  CHECK_THROWS_WITH(ct::u_chart(x.data(), bad.data(), 2, std::nan(""), 3),
                    "n[1]: expected a positive finite exposure, got nan");
  CHECK_THROWS_WITH(ct::ewma_chart(bad.data(), 2, 0, 1, 0.2, 3),
                    "x[1]: expected a finite number, got nan");
  CHECK_THROWS_WITH(ct::ewma_chart(x.data(), 2, 0, 1, 1.5, 3),
                    "lam: expected a weight in (0, 1], got 1.5");
  CHECK_THROWS_WITH(ct::cusum_chart(x.data(), 2, 0, -1, 0.5, 5),
                    "sd: expected a positive finite number, got -1");
  CHECK_THROWS_WITH(
      ct::cusum_chart(x.data(), 2, 0, 1, 0.5, std::numeric_limits<double>::infinity()),
      "h: expected a positive finite number, got inf");
}

TEST_CASE("KPI status: OLS projection interval and the verdict rule") {
  // OLS by hand; the prediction interval at x0 = 10 with qt(0.975, 3)
  const std::vector<double> x{0, 1, 2, 3, 4}, y{0, 4, 4, 8, 9};
  const auto p = ct::project_linear(x.data(), y.data(), 5, 10, 0.95);
  double mx = 2, my = (0 + 4 + 4 + 8 + 9) / 5.0, sxx = 10, sxy = 0;
  for (int i = 0; i < 5; ++i) sxy += (x[i] - mx) * (y[i] - my);
  const double slope = sxy / sxx, icpt = my - slope * mx;
  double sse = 0;
  for (int i = 0; i < 5; ++i) sse += std::pow(y[i] - icpt - slope * x[i], 2);
  const double t975 = 3.182446305284263;  // qt(0.975, 3)
  const double half = t975 * std::sqrt(sse / 3) * std::sqrt(1 + 0.2 + 64.0 / 10);
  CHECK(p.slope == Approx(slope).epsilon(1e-14));
  CHECK(p.estimate == Approx(icpt + 10 * slope).epsilon(1e-14));
  CHECK(p.low == Approx(icpt + 10 * slope - half).epsilon(1e-12));
  // fewer than 3 points or one x: no projection
  CHECK(std::isnan(ct::project_linear(x.data(), y.data(), 2, 10, 0.95).estimate));
  const std::vector<double> same{1, 1, 1};
  CHECK(std::isnan(ct::project_linear(same.data(), y.data(), 3, 10, 0.95).estimate));

  // a rate: 180 of 10,000 against 2.2 %, flat series -> off track; at 1.8 % target on
  ct::kpi_to_date d;
  d.test = ct::kpi_test::rate;
  d.numerator = 180;
  d.denominator = 10000;
  d.value = 0.018;
  d.periods = 4;
  const std::vector<double> sx{0, 7, 14, 21}, sy{0.0179, 0.0181, 0.018, 0.018};
  const auto off = ct::evaluate_kpi(d, 0.022, true, sx, sy, 100, 21);
  CHECK(off.status == "off_track");
  CHECK(off.statistic == Approx((180 - 220) / std::sqrt(10000 * 0.022 * 0.978)));
  CHECK(ct::evaluate_kpi(d, 0.018, true, sx, sy, 100, 21).status == "on_track");
  // lower is better: 1.8 % against a ceiling of 1.5 % is off track
  CHECK(ct::evaluate_kpi(d, 0.015, false, sx, sy, 100, 21).status == "off_track");
  // two periods before the deadline: not enough data; after it, the test decides
  const std::vector<double> sx2{0, 7}, sy2{0.018, 0.018};
  CHECK(ct::evaluate_kpi(d, 0.022, true, sx2, sy2, 100, 7).status ==
        "insufficient_data");
  CHECK(ct::evaluate_kpi(d, 0.022, true, sx2, sy2, 7, 7).status == "off_track");
  CHECK(ct::evaluate_kpi(d, 0.0185, true, sx2, sy2, 7, 7).status == "at_risk");
  d.denominator = 0;
  CHECK(ct::evaluate_kpi(d, 0.022, true, sx, sy, 100, 21).status ==
        "insufficient_data");
  d.periods = -1;
  CHECK_THROWS_WITH(ct::evaluate_kpi(d, 0.022, true, sx, sy, 100, 21),
                    Catch::Contains("periods"));

  // a count over 2.5 periods (the last one half covered): 250 per period, as the
  // target, so the exact Poisson test of 625 against 2.5 x 250 has p > 0.5
  ct::kpi_to_date c;
  c.test = ct::kpi_test::count;
  c.numerator = 625;
  c.denominator = std::numeric_limits<double>::quiet_NaN();
  c.value = 625;
  c.periods = 2.5;
  const auto cnt = ct::evaluate_kpi(c, 250, true, sx, {250, 250, 250, 250}, 100, 21);
  CHECK(cnt.compared == Approx(250).epsilon(1e-15));
  CHECK(cnt.p_value > 0.5);
  CHECK(cnt.status == "on_track");
  CHECK_THROWS_WITH(ct::parse_kpi_test("odd"),
                    Catch::Contains("expected wilson, poisson-gamma, poisson"));
}
