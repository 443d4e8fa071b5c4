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

TEST_CASE("KPI status: Pearson dispersion of per-period counts about their pooled rate") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // binomial: 10, 20, 30 of 1,000 each: r = 0.02, expected 20, X^2 = 200 / 19.6
  const auto b = ct::pearson_dispersion({10, 20, 30}, {1000, 1000, 1000}, true);
  const double x2 = 200 / (1000 * 0.02 * 0.98);
  CHECK(b.chi2 == Approx(x2).epsilon(1e-14));
  CHECK(b.df == 2);
  CHECK(b.phi == Approx(x2 / 2).epsilon(1e-14));
  CHECK(b.p_value == Approx(std::exp(-x2 / 2)).epsilon(1e-12));  // chi2(2) tail
  // Poisson with exposures (a period without exposure is left out): 4 over 1 and
  // 12 over 2, r = 16/3: X^2 = (4/3)^2 / (16/3) + (4/3)^2 / (32/3) = 1/3 + 1/6
  const auto p = ct::pearson_dispersion({4, 7, 12}, {1, 0, 2}, false);
  CHECK(p.chi2 == Approx(0.5).epsilon(1e-14));
  CHECK(p.df == 1);
  CHECK(p.phi == Approx(0.5).epsilon(1e-14));
  CHECK(p.p_value == Approx(std::erfc(0.5)).epsilon(1e-12));  // chi2(1) tail at 1/2
  // fewer than 2 periods with trials, no events, or every trial a success: NaN
  CHECK(std::isnan(ct::pearson_dispersion({3}, {10}, true).phi));
  CHECK(std::isnan(ct::pearson_dispersion({3, 0}, {10, 0}, false).phi));
  CHECK(std::isnan(ct::pearson_dispersion({}, {}, false).df));
  CHECK(std::isnan(ct::pearson_dispersion({0, 0}, {5, 5}, false).phi));
  CHECK(std::isnan(ct::pearson_dispersion({5, 5}, {5, 5}, true).p_value));
  CHECK(ct::pearson_dispersion({5, 5}, {5, 5}, false).phi == 0);  // Poisson: no spread
  // bad input names the argument and index
  CHECK_THROWS_WITH(ct::pearson_dispersion({1, 2}, {3}, true),
                    "n: expected 2 values (one per count in x), got 1");
  CHECK_THROWS_WITH(ct::pearson_dispersion({1, nan}, {3, 3}, true),
                    "x[1]: expected a finite count >= 0, got nan");
  CHECK_THROWS_WITH(ct::pearson_dispersion({1, 1}, {-1, 3}, false),
                    "n[0]: expected finite trials or exposure >= 0, got -1");
  CHECK_THROWS_WITH(ct::pearson_dispersion({1, 12}, {3, 10}, true),
                    "x[1]: expected at most n[1] = 10, got 12");
  CHECK(ct::pearson_dispersion({1, 12}, {3, 10}, false).df == 1);  // fine for counts
}

TEST_CASE("KPI status: quasi-binomial / quasi-Poisson test when the periods vary more") {
  const std::vector<double> sx{0, 7, 14}, sy{0.01, 0.02, 0.03};
  // a rate: 10, 20, 30 of 1,000 (phi = 200 / 19.6 / 2) against 2.5 %, at the deadline
  ct::kpi_to_date d;
  d.test = ct::kpi_test::rate;
  d.numerator = 60;
  d.denominator = 3000;
  d.value = 0.02;
  d.periods = 3;
  const auto plain = ct::evaluate_kpi(d, 0.025, true, sx, sy, 14, 14);
  CHECK(plain.test == "score");
  CHECK(std::isnan(plain.dispersion.phi));  // no per-period values: the plain test
  CHECK(plain.status == "off_track");       // z = -1.754, p = 0.040
  d.period_numerator = {10, 20, 30};
  d.period_denominator = {1000, 1000, 1000};
  const auto q = ct::evaluate_kpi(d, 0.025, true, sx, sy, 14, 14);
  const double phi = 200 / (1000 * 0.02 * 0.98) / 2;
  const double z = (60 - 75) / std::sqrt(3000 * 0.025 * 0.975), t = z / std::sqrt(phi);
  CHECK(q.test == "quasi-binomial");
  CHECK(q.dispersion.phi == Approx(phi).epsilon(1e-14));
  CHECK(q.dispersion.df == 2);
  CHECK(q.statistic == Approx(t).epsilon(1e-13));
  // Student's t on 2 df: P(T <= t) = 1/2 + t / (2 sqrt(2 + t^2))
  CHECK(q.p_value == Approx(0.5 + t / (2 * std::sqrt(2 + t * t))).epsilon(1e-12));
  CHECK(q.p_value > plain.p_value);
  CHECK(q.status == "at_risk");  // p = 0.27: short, but not credibly so
  // phi <= 1 (19, 20, 21 of 1,000): the plain test, unchanged
  d.period_numerator = {19, 20, 21};
  const auto same = ct::evaluate_kpi(d, 0.025, true, sx, sy, 14, 14);
  CHECK(same.dispersion.phi == Approx(2 / 19.6 / 2).epsilon(1e-13));
  CHECK(same.test == "score");
  CHECK(same.statistic == plain.statistic);
  CHECK(same.p_value == plain.p_value);
  CHECK(same.status == "off_track");
  // fewer than 2 periods: NaN dispersion, the plain test
  d.period_numerator = {60};
  d.period_denominator = {3000};
  const auto one = ct::evaluate_kpi(d, 0.025, true, sx, sy, 14, 14);
  CHECK(std::isnan(one.dispersion.phi));
  CHECK(one.test == "score");
  CHECK(one.p_value == plain.p_value);
  // the p-value is never below the plain test's: above the target (z > 0), the
  // shrunk statistic's t tail is smaller than the plain one, which is kept
  d.numerator = 120;
  d.value = 0.04;
  d.period_numerator = {20, 40, 60};
  d.period_denominator = {1000, 1000, 1000};
  const auto above = ct::evaluate_kpi(d, 0.025, true, sx, sy, 14, 14);
  const double z_above = (120 - 75) / std::sqrt(3000 * 0.025 * 0.975);
  CHECK(above.test == "quasi-binomial");
  CHECK(above.statistic == Approx(z_above / std::sqrt(above.dispersion.phi)));
  CHECK(above.p_value ==
        Approx(0.5 + 0.5 * std::erf(z_above / std::sqrt(2.0))).epsilon(1e-12));

  // a cost per count: 10 and 30 orders for 500 each (r = 0.04, phi = 200 / 20), CPA 25
  // against a ceiling of 20: z = (40 - 50) / sqrt(50), t(1) is Cauchy
  ct::kpi_to_date c;
  c.test = ct::kpi_test::cost_per_count;
  c.numerator = 1000;
  c.denominator = 40;
  c.value = 25;
  c.periods = 2;
  c.period_numerator = {500, 500};  // cost
  c.period_denominator = {10, 30};  // orders
  const auto cq = ct::evaluate_kpi(c, 20, false, {0, 7}, {50, 16.7}, 7, 7);
  const double tc = (40 - 50) / std::sqrt(50.0) / std::sqrt(10.0);
  CHECK(cq.test == "quasi-poisson");
  CHECK(cq.dispersion.phi == Approx(10).epsilon(1e-14));
  CHECK(cq.statistic == Approx(tc).epsilon(1e-13));
  CHECK(cq.p_value == Approx(0.5 + std::atan(tc) / M_PI).epsilon(1e-12));
  CHECK(cq.status == "at_risk");

  // a count: 100 and 300 in two weeks of 7 days (phi = 100) against 250 a period
  ct::kpi_to_date k;
  k.test = ct::kpi_test::count;
  k.numerator = 400;
  k.denominator = std::numeric_limits<double>::quiet_NaN();
  k.value = 400;
  k.periods = 2;
  k.period_numerator = {100, 300};
  k.period_denominator = {7, 7};
  const auto kp = ct::evaluate_kpi(k, 250, true, {0, 7}, {100, 300}, 7, 7);
  const double tk = (400 - 500) / std::sqrt(500.0) / 10;
  CHECK(kp.test == "quasi-poisson");
  CHECK(kp.dispersion.phi == Approx(100).epsilon(1e-14));
  CHECK(kp.statistic == Approx(tk).epsilon(1e-13));
  CHECK(kp.p_value == Approx(0.5 + std::atan(tk) / M_PI).epsilon(1e-12));
  k.period_numerator.clear();
  k.period_denominator.clear();
  CHECK(ct::evaluate_kpi(k, 250, true, {0, 7}, {100, 300}, 7, 7).status == "off_track");
  CHECK(kp.status == "at_risk");

  // bad per-period input names the argument and index
  d.period_denominator = {1000, 1000};
  CHECK_THROWS_WITH(ct::evaluate_kpi(d, 0.025, true, sx, sy, 14, 14),
                    "period_denominator: expected 3 values (one per period numerator), got 2");
  d.period_numerator = {10, std::nan("")};
  CHECK_THROWS_WITH(ct::evaluate_kpi(d, 0.025, true, sx, sy, 14, 14),
                    "period_numerator[1]: expected a finite value >= 0, got nan");
  d.period_numerator = {12, 1};
  d.period_denominator = {10, -1};
  CHECK_THROWS_WITH(ct::evaluate_kpi(d, 0.025, true, sx, sy, 14, 14),
                    "period_numerator[0]: expected at most period_denominator[0] = 10 for a "
                    "rate, got 12");
  d.period_numerator = {1, 1};
  CHECK_THROWS_WITH(ct::evaluate_kpi(d, 0.025, true, sx, sy, 14, 14),
                    "period_denominator[1]: expected a finite value >= 0, got -1");
}
