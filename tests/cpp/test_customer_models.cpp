// Tests for include/sostac/customer/models.hpp.
#include <sostac/customer/models.hpp>
#include <sostac/customer/optimize.hpp>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

using sostac::customer::fit_log_parametrised;
using sostac::customer::FitOptions;

namespace {

// Gamma(shape k, rate lambda) sample with a known maximum-likelihood solution:
// lambda = k / mean(x) and log k - digamma(k) = log mean(x) - mean(log x).
struct GammaNll {
  std::vector<double> x;
  double operator()(const Eigen::VectorXd& phi, Eigen::VectorXd* grad) const {
    const double k = std::exp(phi[0]), lam = std::exp(phi[1]);
    double f = 0, dk = 0, dl = 0;
    for (double v : x) {
      f -= (k - 1) * std::log(v) - lam * v + k * std::log(lam) - boost::math::lgamma(k);
      dk -= std::log(v) + std::log(lam) - boost::math::digamma(k);
      dl -= -v + k / lam;
    }
    if (grad) {
      (*grad)[0] = dk * k;
      (*grad)[1] = dl * lam;
    }
    return f;
  }
};

GammaNll gamma_sample(int n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> d(2.5, 1.0 / 0.7);
  GammaNll g;
  for (int i = 0; i < n; ++i) g.x.push_back(d(rng));
  return g;
}

}  // namespace

TEST_CASE(
    "optimize: Gamma MLE satisfies its closed-form equations, SEs from the information",
    "[customer][optimize]") {
  const GammaNll g = gamma_sample(500, 7);
  Eigen::VectorXd start(2);
  start << 1.0, 1.0;
  auto res = fit_log_parametrised(g, start, {"k", "lambda"}, FitOptions{}, 500.0);
  INFO(res.message);
  REQUIRE(res.converged);
  double mean = 0, mlog = 0;
  for (double v : g.x) {
    mean += v;
    mlog += std::log(v);
  }
  mean /= 500;
  mlog /= 500;
  const double k = res.params[0], lam = res.params[1];
  CHECK(lam == Approx(k / mean).epsilon(1e-8));
  CHECK(std::log(k) - boost::math::digamma(k) ==
        Approx(std::log(mean) - mlog).epsilon(1e-8));
  // Observed information (natural scale) n [[trigamma(k), -1/lam], [-1/lam, k/lam^2]].
  Eigen::Matrix2d info;
  info << boost::math::trigamma(k), -1 / lam, -1 / lam, k / (lam * lam);
  info *= 500;
  const Eigen::Matrix2d cov = info.inverse();
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      CHECK(res.covariance(i, j) == Approx(cov(i, j)).epsilon(1e-5));
  CHECK(res.standard_errors[0] == Approx(std::sqrt(cov(0, 0))).epsilon(1e-5));
  CHECK(res.aic == Approx(4 - 2 * res.log_likelihood));
  CHECK(res.bic == Approx(2 * std::log(500.0) - 2 * res.log_likelihood));
  CHECK(res.log_likelihood ==
        Approx(-g(Eigen::Vector2d(std::log(k), std::log(lam)), nullptr)));
}

TEST_CASE("optimize: random starts reach the same optimum", "[customer][optimize]") {
  const GammaNll g = gamma_sample(200, 11);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-4, 4);
  Eigen::VectorXd ref;
  for (int s = 0; s < 20; ++s) {
    Eigen::VectorXd start(2);
    start << std::exp(u(rng)), std::exp(u(rng));
    auto res = fit_log_parametrised(g, start, {"k", "lambda"}, FitOptions{}, 200.0);
    INFO("start " << start.transpose() << ": " << res.message);
    REQUIRE(res.converged);
    if (s == 0) ref = res.params;
    CHECK(res.params[0] == Approx(ref[0]).epsilon(1e-7));
    CHECK(res.params[1] == Approx(ref[1]).epsilon(1e-7));
  }
}

TEST_CASE("optimize: Rosenbrock in the natural parameters", "[customer][optimize]") {
  auto rosen = [](const Eigen::VectorXd& phi, Eigen::VectorXd* grad) {
    const double x = std::exp(phi[0]), y = std::exp(phi[1]);
    const double f = 100 * (y - x * x) * (y - x * x) + (1 - x) * (1 - x);
    if (grad) {
      (*grad)[0] = (-400 * x * (y - x * x) - 2 * (1 - x)) * x;
      (*grad)[1] = 200 * (y - x * x) * y;
    }
    return f;
  };
  Eigen::VectorXd start(2);
  start << 0.2, 3.0;
  auto res = fit_log_parametrised(rosen, start, {"x", "y"}, FitOptions{});
  INFO(res.message);
  REQUIRE(res.converged);
  CHECK(res.params[0] == Approx(1.0).epsilon(1e-6));
  CHECK(res.params[1] == Approx(1.0).epsilon(1e-6));
  CHECK(std::isnan(res.bic));  // no sample size given
}

TEST_CASE("optimize: the penalty is lifetimes' penalizer * sum(theta^2) per customer",
          "[customer][optimize]") {
  // -LL = (theta - 2)^2 / 2; with the penalty c theta^2 the optimum is 2 / (1 + 2c).
  auto f = [](const Eigen::VectorXd& phi, Eigen::VectorXd* grad) {
    const double t = std::exp(phi[0]);
    if (grad) (*grad)[0] = (t - 2) * t;
    return 0.5 * (t - 2) * (t - 2);
  };
  FitOptions opt;
  opt.penalizer = 0.25;
  auto res = fit_log_parametrised(f, Eigen::VectorXd::Constant(1, 1.0), {"t"}, opt);
  REQUIRE(res.converged);
  CHECK(res.params[0] == Approx(2.0 / 1.5).epsilon(1e-8));
  const double t = res.params[0];
  CHECK(res.log_likelihood == Approx(-0.5 * (t - 2) * (t - 2)));
  CHECK(res.objective == Approx(0.5 * (t - 2) * (t - 2) + 0.25 * t * t));
  // With n = 4 rows the objective is -LL + 4 * c * theta^2 (lifetimes: -LL/n + c
  // theta^2).
  auto f4 = [&](const Eigen::VectorXd& phi, Eigen::VectorXd* grad) {
    const double v = f(phi, grad);
    if (grad) *grad *= 4.0;
    return 4.0 * v;
  };
  auto res4 =
      fit_log_parametrised(f4, Eigen::VectorXd::Constant(1, 1.0), {"t"}, opt, 4.0);
  REQUIRE(res4.converged);
  CHECK(res4.params[0] == Approx(2.0 / 1.5).epsilon(1e-8));
}

TEST_CASE(
    "optimize: never converged at a boundary, with NaN, or at the iteration limit",
    "[customer][optimize]") {
  Eigen::VectorXd start = Eigen::VectorXd::Constant(2, 1.0);
  SECTION("a parameter running to 0") {
    auto f = [](const Eigen::VectorXd& phi, Eigen::VectorXd* grad) {
      if (grad) {
        (*grad)[0] = std::exp(phi[0]);
        (*grad)[1] = 2 * phi[1];
      }
      return std::exp(phi[0]) + phi[1] * phi[1];
    };
    auto res = fit_log_parametrised(f, start, {"a", "b"}, FitOptions{});
    CHECK_FALSE(res.converged);
    CHECK_THAT(res.message, Catch::Contains("a"));
    CHECK_THAT(res.message, Catch::Contains("boundary"));
  }
  SECTION("a parameter running to infinity") {
    auto f = [](const Eigen::VectorXd& phi, Eigen::VectorXd* grad) {
      if (grad) {
        (*grad)[0] = -std::exp(-phi[0]);
        (*grad)[1] = 2 * phi[1];
      }
      return std::exp(-phi[0]) + phi[1] * phi[1];
    };
    auto res = fit_log_parametrised(f, start, {"a", "b"}, FitOptions{});
    CHECK_FALSE(res.converged);
    CHECK_THAT(res.message, Catch::Contains("boundary"));
  }
  SECTION("NaN objective at the start") {
    auto f = [](const Eigen::VectorXd&, Eigen::VectorXd*) { return std::nan(""); };
    auto res = fit_log_parametrised(f, start, {"a", "b"}, FitOptions{});
    CHECK_FALSE(res.converged);
    CHECK_THAT(res.message, Catch::Contains("not finite"));
  }
  SECTION("iteration limit") {
    const GammaNll g = gamma_sample(100, 5);
    FitOptions opt;
    opt.max_iterations = 1;
    auto res = fit_log_parametrised(g, Eigen::VectorXd::Constant(2, 50.0),
                                    {"k", "lambda"}, opt);
    CHECK_FALSE(res.converged);
    CHECK_THAT(res.message, Catch::Contains("iteration limit"));
    CHECK(std::isnan(res.standard_errors[0]));
  }
  SECTION("non-positive start") {
    auto res =
        fit_log_parametrised(GammaNll{{1.0, 2.0}}, Eigen::VectorXd::Constant(2, -1.0),
                             {"k", "lambda"}, FitOptions{});
    CHECK_FALSE(res.converged);
    CHECK_THAT(res.message, Catch::Contains("positive"));
  }
}

TEST_CASE("BG/NBD and MBG/NBD: analytic gradients equal finite differences",
          "[customer][bgnbd]") {
  const std::vector<double> x{0, 1, 2, 5, 0, 12, 3}, tx{0, 3.5, 10, 20.25, 0, 30, 7},
      T{10, 12, 20, 30, 5, 31, 40}, w{1, 2, 1, 3, 1, 1, 0.5};
  const sostac::customer::RftData d{x.data(), tx.data(), T.data(), w.data(), x.size()};
  Eigen::VectorXd phi(4);
  phi << std::log(0.4), std::log(3.0), std::log(0.7), std::log(2.2);
  auto check = [&](auto nll) {
    Eigen::VectorXd g(4);
    nll(phi, &g);
    for (int k = 0; k < 4; ++k) {
      Eigen::VectorXd up = phi, dn = phi;
      up[k] += 1e-6;
      dn[k] -= 1e-6;
      const double fd = (nll(up, nullptr) - nll(dn, nullptr)) / 2e-6;
      CHECK(g[k] == Approx(fd).epsilon(1e-6));
    }
  };
  check(sostac::customer::BgNbdLikelihood(d));
  check(sostac::customer::MbgNbdLikelihood(d));
}

TEST_CASE("Gamma-Gamma: analytic gradient equals finite differences",
          "[customer][gg]") {
  const std::vector<double> x{0, 1, 2, 5, 12}, m{0, 10.5, 20, 7.25, 33},
      w{1, 2, 1, 3, 1};
  const sostac::customer::SpendData d{x.data(), m.data(), w.data(), x.size()};
  sostac::customer::GammaGammaLikelihood nll(d);
  Eigen::VectorXd phi(3);
  phi << std::log(3.0), std::log(2.5), std::log(12.0);
  Eigen::VectorXd g(3);
  nll(phi, &g);
  for (int k = 0; k < 3; ++k) {
    Eigen::VectorXd up = phi, dn = phi;
    up[k] += 1e-6;
    dn[k] -= 1e-6;
    CHECK(g[k] == Approx((nll(up, nullptr) - nll(dn, nullptr)) / 2e-6).epsilon(1e-6));
  }
}

TEST_CASE("BG/NBD: bad rows are named", "[customer][bgnbd]") {
  const std::vector<double> x{1, 2}, tx{2, 7}, T{5, 6};
  const sostac::customer::RftData d{x.data(), tx.data(), T.data(), nullptr, 2};
  CHECK_THROWS_WITH(sostac::customer::fit_bg_nbd(d, FitOptions{}),
                    Catch::Contains("recency[1]: recency 7 exceeds T = 6"));
  const std::vector<double> z{0, 0};
  const sostac::customer::RftData d0{z.data(), z.data(), T.data(), nullptr, 2};
  CHECK_THROWS_WITH(sostac::customer::fit_bg_nbd(d0, FitOptions{}),
                    Catch::Contains("without repeat purchases"));
}

namespace {
// Synthetic BG/NBD-like rows with continuous times (every row distinct).
struct Rows {
  std::vector<double> x, tx, T;
  sostac::customer::RftData data() const {
    return {x.data(), tx.data(), T.data(), nullptr, x.size()};
  }
};
Rows synthetic_rows(int n) {
  // simulated from BG/NBD (r, alpha, a, b) = (0.25, 4, 0.8, 2.5) over T ~ U(1, 78)
  std::mt19937_64 rng(20271204);
  std::gamma_distribution<double> lam_d(0.25, 1.0 / 4.0);
  std::gamma_distribution<double> ga(0.8, 1.0), gb(2.5, 1.0);
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  Rows r;
  for (int i = 0; i < n; ++i) {
    const double lam = lam_d(rng), ya = ga(rng), p = ya / (ya + gb(rng));
    const double Ti = 1.0 + 77.0 * unif(rng);
    double t = 0.0, last = 0.0, x = 0.0;
    while (true) {
      t += -std::log(1.0 - unif(rng)) / lam;
      if (t >= Ti) break;
      x += 1.0;
      last = t;
      if (unif(rng) < p) break;
    }
    r.x.push_back(x);
    r.tx.push_back(last);
    r.T.push_back(Ti);
  }
  return r;
}
}  // namespace

TEST_CASE("GaussSeriesTable equals log_hyp2f1's series (hyp2f1.hpp)", "[customer][hyp2f1]") {
  using sostac::customer::detail::GaussSeriesTable;
  int tables = 0;
  for (double a : {0.25, 1.0, 3.3, 20.2, 119.25})
    for (double b : {0.5, 2.4, 25.0, 121.5})
      for (double c : {0.2, 1.2, 3.1, 122.0}) {
        const GaussSeriesTable S(a, b, c, 0.7);
        if (!S.ok()) {  // terms beyond 1e250 (large a, b over a small c): the callers fall back
          CHECK(a * b / c > 1000.0);
          continue;
        }
        ++tables;
        for (double z : {0.0, 1e-3, 0.1, 0.33, 0.5, 0.69, 0.7}) {
          INFO("a=" << a << " b=" << b << " c=" << c << " z=" << z);
          const double want = sostac::customer::log_hyp2f1(a, b, c, z).log_abs;
          CHECK(std::fabs(S.log_value(z) - want) <= 1e-14 * std::max(1.0, std::fabs(want)));
        }
      }
  CHECK(tables > 60);
  CHECK_FALSE(GaussSeriesTable(1.0, 1.0, -0.5, 0.5).ok());  // c <= 0: the caller falls back
  CHECK_FALSE(GaussSeriesTable(1.0, 1.0, 2.0, 0.9).ok());   // zmax above 0.8
  CHECK_FALSE(GaussSeriesTable(1e4, 1e4, 1.0, 0.8, 200).ok());  // table too long
}

TEST_CASE("BG/NBD and MBG/NBD: batched E[Y(t)] equals the scalar kernels",
          "[customer][bgnbd]") {
  using namespace sostac::customer;
  Rows r = synthetic_rows(4000);
  r.x.push_back(250);  // a large frequency
  r.tx.push_back(30);
  r.T.push_back(31);
  std::vector<double> t(r.x.size());
  for (std::size_t i = 0; i < t.size(); ++i)
    t[i] = i % 11 == 0 ? 400.0 : 0.5 + std::fmod(static_cast<double>(i) * 0.37, 52.0);  // z above 0.8 too
  std::vector<double> out(r.x.size());
  // typical; a + b < 1 (c <= 0 at x = 0); a near 1 (interpolated); a + b near 1
  for (auto p : {BgNbdParams{0.243, 4.414, 0.793, 2.426}, BgNbdParams{1.7, 0.8, 0.3, 0.4},
                 BgNbdParams{0.5, 6.0, 1.00003, 2.0}, BgNbdParams{0.5, 6.0, 0.6, 0.40002},
                 BgNbdParams{4.0, 60.0, 3.5, 0.2}}) {
    bg_family_expected_batch<false>(p, t.data(), r.x.data(), r.tx.data(), r.T.data(),
                                    r.x.size(), out.data());
    for (std::size_t i = 0; i < r.x.size(); ++i) {
      INFO("i=" << i << " a=" << p.a << " b=" << p.b);
      CHECK(out[i] ==
            Approx(bg_nbd_conditional_expected(p, t[i], r.x[i], r.tx[i], r.T[i])).epsilon(1e-11));
    }
    bg_family_expected_batch<true>(p, t.data(), r.x.data(), r.tx.data(), r.T.data(),
                                   r.x.size(), out.data());
    for (std::size_t i = 0; i < r.x.size(); ++i) {
      INFO("i=" << i << " a=" << p.a << " b=" << p.b);
      CHECK(out[i] ==
            Approx(mbg_nbd_conditional_expected(p, t[i], r.x[i], r.tx[i], r.T[i])).epsilon(1e-11));
    }
  }
}

TEST_CASE("BG/NBD: likelihood, fit and scoring are the same bits for 1 and 2 threads",
          "[customer][bgnbd][threads]") {
  using namespace sostac::customer;
  const Rows r = synthetic_rows(120000);  // above 100,000 rows: the warm start runs too
  Eigen::VectorXd phi(4), g1(4), g2(4);
  phi << std::log(0.3), std::log(4.0), std::log(0.8), std::log(2.5);
  std::vector<double> t(r.x.size(), 10.0), e1(r.x.size()), e2(r.x.size());
  const BgNbdParams p{0.243, 4.414, 0.793, 2.426};
  sostac::set_num_threads(1);
  const double f1 = BgNbdLikelihood(r.data())(phi, &g1);
  const FitResult a = fit_bg_nbd(r.data(), FitOptions{});
  bg_family_expected_batch<false>(p, t.data(), r.x.data(), r.tx.data(), r.T.data(),
                                  r.x.size(), e1.data());
  sostac::set_num_threads(2);
  const double f2 = BgNbdLikelihood(r.data())(phi, &g2);
  const FitResult b = fit_bg_nbd(r.data(), FitOptions{});
  bg_family_expected_batch<false>(p, t.data(), r.x.data(), r.tx.data(), r.T.data(),
                                  r.x.size(), e2.data());
  sostac::set_num_threads(0);
  CHECK(f1 == f2);
  for (int k = 0; k < 4; ++k) CHECK(g1[k] == g2[k]);
  REQUIRE(a.converged);
  CHECK(a.log_likelihood == b.log_likelihood);
  for (int k = 0; k < 4; ++k) {
    CHECK(a.params[k] == b.params[k]);
    CHECK(a.standard_errors[k] == b.standard_errors[k]);
  }
  CHECK(e1 == e2);
}

TEST_CASE("BG/NBD and MBG/NBD: the subsample warm start reaches the cold fit's optimum",
          "[customer][bgnbd]") {
  using namespace sostac::customer;
  const Rows r = synthetic_rows(120000);
  Eigen::VectorXd start(4);
  start << 1.0, 10.0, 1.0, 1.0;
  for (bool modified : {false, true}) {
    INFO("modified=" << modified);
    const FitResult warm = modified ? fit_mbg_nbd(r.data(), FitOptions{})
                                    : fit_bg_nbd(r.data(), FitOptions{});
    // an explicit start: no subsample
    const FitResult cold = modified ? fit_mbg_nbd(r.data(), FitOptions{}, start)
                                    : fit_bg_nbd(r.data(), FitOptions{}, start);
    REQUIRE(warm.converged);
    REQUIRE(cold.converged);
    CHECK(warm.evaluations < cold.evaluations);
    CHECK(warm.log_likelihood == Approx(cold.log_likelihood).epsilon(1e-12));
    for (int k = 0; k < 4; ++k) {
      CHECK(warm.params[k] == Approx(cold.params[k]).epsilon(1e-5));
      CHECK(warm.standard_errors[k] == Approx(cold.standard_errors[k]).epsilon(1e-4));
    }
  }
}
