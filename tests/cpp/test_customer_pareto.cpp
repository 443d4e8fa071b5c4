// Tests for include/sostac/customer/pareto.hpp.
#include <sostac/customer/pareto.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "golden.hpp"

using namespace sostac::customer;

TEST_CASE("hyp2f1: mpmath golden values (tests/golden/customer/hyp2f1.csv)", "[customer][hyp2f1]") {
  const auto rows = golden::read("customer/hyp2f1.csv");
  REQUIRE(rows.size() > 100);
  for (const auto& r : rows) {
    const double a = r.num("a"), b = r.num("b"), c = r.num("c"), z = r.num("z");
    INFO("case " << r.str("case") << " " << r.str("kind") << " a=" << a << " b=" << b
                 << " c=" << c << " z=" << z);
    const auto f = log_hyp2f1(a, b, c, z, true);
    // 1e-12 relative on the value = 1e-12 absolute on its log
    CHECK(std::fabs(f.log_abs - r.num("log_abs")) <= 1e-12);
    CHECK(f.sign == static_cast<int>(r.num("sign")));
    const bool poly_a = a <= 0 && a == std::floor(a), poly_b = b <= 0 && b == std::floor(b);
    if (poly_a) CHECK(std::isnan(f.d_a));  // documented: not computed
    else CHECK(golden::close(f.d_a, r.num("d_a"), 1e-7, 1e-9));
    if (poly_b) CHECK(std::isnan(f.d_b));
    else CHECK(golden::close(f.d_b, r.num("d_b"), 1e-7, 1e-9));
    CHECK(golden::close(f.d_c, r.num("d_c"), 1e-7, 1e-9));
    CHECK(golden::close(f.d_z, r.num("d_z"), 1e-7, 1e-9));
    const auto v = log_hyp2f1(a, b, c, z, false);
    CHECK(v.log_abs == Approx(f.log_abs).epsilon(1e-13).margin(1e-13));
  }
}

TEST_CASE("hyp2f1: closed forms and domain", "[customer][hyp2f1]") {
  // 2F1(1, 1; 2; z) = -log(1 - z) / z
  for (double z : {-0.9, -0.3, 0.2, 0.7, 0.85, 0.99}) {
    CHECK(hyp2f1(1.0, 1.0, 2.0, z) == Approx(-std::log1p(-z) / z).epsilon(1e-13));
  }
  // 2F1(a, b; b; z) = (1 - z)^(-a)
  CHECK(hyp2f1(0.7, 2.5, 2.5, 0.95) == Approx(std::pow(0.05, -0.7)).epsilon(1e-12));
  CHECK(hyp2f1(0.7, 2.5, 2.5, -4.0) == Approx(std::pow(5.0, -0.7)).epsilon(1e-12));
  // Gauss's theorem at z = 1: 2F1(1, 1; 3; 1) = G(3) G(1) / (G(2) G(2)) = 2
  CHECK(hyp2f1(1.0, 1.0, 3.0, 1.0) == Approx(2.0).epsilon(1e-14));
  CHECK(hyp2f1(0.5, 0.5, 1.5, 0.0) == 1.0);
  CHECK_THROWS_AS(hyp2f1(1.0, 1.0, -2.0, 0.5), std::domain_error);
  CHECK_THROWS_AS(hyp2f1(1.0, 1.0, 2.0, 1.5), std::domain_error);
  CHECK_THROWS_AS(hyp2f1(1.0, 1.0, 2.0, 1.0), std::domain_error);
  CHECK_THROWS_AS(hyp2f1(1.0, std::nan(""), 2.0, 0.5), std::domain_error);
}

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string shared_data(const std::string& name) {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("SOSTAC_SHARED_DATA")) dirs.emplace_back(env);
  dirs.emplace_back(std::string(SOSTAC_SOURCE_DIR) + "/../shared/data");
  dirs.emplace_back("/work/shared/data");
  for (const auto& d : dirs) {
    const std::string p = d + "/" + name;
    if (std::ifstream(p)) return p;
  }
  return "";
}

struct Columns {
  std::vector<double> a, b, c, w;
};

// Reads four numeric columns (by position after skipping `skip` leading columns).
Columns read_csv(const std::string& path, int skip) {
  Columns out;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string cell;
    std::vector<double> v;
    while (std::getline(ss, cell, ',')) v.push_back(std::stod(cell));
    out.a.push_back(v[static_cast<std::size_t>(skip)]);
    out.b.push_back(v[static_cast<std::size_t>(skip) + 1]);
    out.c.push_back(v[static_cast<std::size_t>(skip) + 2]);
    out.w.push_back(v.size() > static_cast<std::size_t>(skip) + 3 ? v[static_cast<std::size_t>(skip) + 3] : 1.0);
  }
  return out;
}

}  // namespace

TEST_CASE("Pareto/NBD: CDNOW reproduces the published fit", "[customer][pareto]") {
  const std::string path = shared_data("cdnow_customers_summary.csv");
  if (path.empty()) {
    WARN("shared data folder absent (SOSTAC_SHARED_DATA): skipping the CDNOW fit");
    return;
  }
  const Columns c = read_csv(path, 1);  // ID, frequency, recency, T
  REQUIRE(c.a.size() == 2357);
  PatternRows rows{c.a.data(), c.b.data(), c.c.data(), nullptr, c.a.size()};
  const auto t0 = std::chrono::steady_clock::now();
  const FitResult f = fit_pareto_nbd(rows, FitOptions{});
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  INFO(f.message << " iterations " << f.iterations << " evaluations " << f.evaluations << " in "
                 << ms << " ms");
  REQUIRE(f.converged);
  // Published (FHL 2005; lifetimes, BTYD): r 0.553, alpha 10.58, s 0.606, beta 11.67, LL -9594.98
  CHECK(std::round(f.params[0] * 1000) / 1000 == Approx(0.553));
  CHECK(std::round(f.params[1] * 100) / 100 == Approx(10.58));
  CHECK(std::round(f.params[2] * 1000) / 1000 == Approx(0.606));
  CHECK(std::round(f.params[3] * 100) / 100 == Approx(11.67));
  // -9594.98 is on exact weeks; the CSV's 2-decimal weeks give -9594.974
  CHECK(std::fabs(f.log_likelihood - (-9594.98)) < 0.01);
  CHECK(f.standard_errors.allFinite());
  WARN("Pareto/NBD CDNOW fit: " << ms << " ms, " << f.iterations << " iterations");
}

TEST_CASE("Pareto/NBD: analytic gradient matches central differences", "[customer][pareto]") {
  std::vector<double> x{0, 1, 2, 7, 30, 0, 3}, tx{0, 1.5, 30.43, 20.0, 38.0, 0, 38.86},
      T{38.86, 38.86, 38.86, 25.0, 39.0, 5.0, 38.86}, w{3, 1, 2, 1, 1, 4, 1};
  PatternRows d{x.data(), tx.data(), T.data(), w.data(), x.size()};
  for (auto p : {ParetoNbdParams{0.553, 10.58, 0.606, 11.67}, ParetoNbdParams{2.0, 1.0, 1.7, 40.0},
                 ParetoNbdParams{0.3, 80.0, 0.9, 0.5}, ParetoNbdParams{1.2, 3.0, 1.0, 3.0}}) {
    double g[4];
    pareto_nbd_log_likelihood(p, d, g);
    double th[4] = {p.r, p.alpha, p.s, p.beta};
    for (int k = 0; k < 4; ++k) {
      double up[4] = {th[0], th[1], th[2], th[3]}, dn[4] = {th[0], th[1], th[2], th[3]};
      const double h = 1e-6 * th[k];
      up[k] += h;
      dn[k] -= h;
      const double fu = pareto_nbd_log_likelihood({up[0], up[1], up[2], up[3]}, d);
      const double fd = pareto_nbd_log_likelihood({dn[0], dn[1], dn[2], dn[3]}, d);
      INFO("param " << k << " at r=" << p.r << " alpha=" << p.alpha << " s=" << p.s
                    << " beta=" << p.beta);
      CHECK(g[k] == Approx((fu - fd) / (2 * h)).epsilon(1e-6).margin(1e-6));
    }
  }
}

TEST_CASE("BG/BB: donations reproduce Fader, Hardie & Shang (2010)", "[customer][bgbb]") {
  const std::string path = shared_data("donations.csv");
  if (path.empty()) {
    WARN("shared data folder absent (SOSTAC_SHARED_DATA): skipping the donations fit");
    return;
  }
  const Columns c = read_csv(path, 0);  // frequency, recency, periods, weights
  REQUIRE(c.a.size() == 22);
  PatternRows rows{c.a.data(), c.b.data(), c.c.data(), c.w.data(), c.a.size()};
  const FitResult f = fit_bgbb(rows, FitOptions{});
  INFO(f.message);
  REQUIRE(f.converged);
  CHECK(f.n == 11104);
  CHECK(std::round(f.params[0] * 1000) / 1000 == Approx(1.204));
  CHECK(std::round(f.params[1] * 1000) / 1000 == Approx(0.750));
  CHECK(std::round(f.params[2] * 1000) / 1000 == Approx(0.657));
  CHECK(std::round(f.params[3] * 1000) / 1000 == Approx(2.783));
  CHECK(std::round(f.log_likelihood * 10) / 10 == Approx(-33225.6).epsilon(0).margin(1e-9));
  // analytic gradient vs central differences at the optimum's neighbourhood
  BgBbParams p{1.3, 0.7, 0.6, 2.9};
  double g[4];
  bgbb_log_likelihood(p, rows, g);
  double th[4] = {p.alpha, p.beta, p.gamma, p.delta};
  for (int k = 0; k < 4; ++k) {
    double up[4] = {th[0], th[1], th[2], th[3]}, dn[4] = {th[0], th[1], th[2], th[3]};
    const double h = 1e-6 * th[k];
    up[k] += h;
    dn[k] -= h;
    const double fu = bgbb_log_likelihood({up[0], up[1], up[2], up[3]}, rows);
    const double fd = bgbb_log_likelihood({dn[0], dn[1], dn[2], dn[3]}, rows);
    CHECK(g[k] == Approx((fu - fd) / (2 * h)).epsilon(1e-6));
  }
}

TEST_CASE("Pareto/NBD: the prepared (pair-cached) likelihood equals the row-wise one",
          "[customer][pareto]") {
  std::vector<double> x{0, 1, 2, 7, 30, 0, 3, 2, 2}, tx{0, 1.5, 30.43, 20.0, 38.0, 0, 38.86, 30.43, 5.0},
      T{38.86, 38.86, 38.86, 25.0, 39.0, 5.0, 38.86, 38.0, 38.86}, w{3, 1, 2, 1, 1, 4, 1, 2, 0};
  PatternRows d{x.data(), tx.data(), T.data(), w.data(), x.size()};
  const detail::ParetoPrepared prep(d);
  CHECK(prep.key_x.size() < 2 * x.size());
  for (auto p : {ParetoNbdParams{0.553, 10.58, 0.606, 11.67}, ParetoNbdParams{2.0, 1.0, 1.7, 40.0},
                 ParetoNbdParams{0.3, 80.0, 0.9, 0.5}}) {
    double g1[4], g2[4];
    const double a = pareto_nbd_log_likelihood(p, d, g1);
    const double b = prep.log_likelihood(p, g2);
    CHECK(b == Approx(a).epsilon(1e-13));
    for (int k = 0; k < 4; ++k) CHECK(g2[k] == Approx(g1[k]).epsilon(1e-11).margin(1e-12));
  }
}

TEST_CASE("Pareto/NBD: series-table 2F1 terms equal log_hyp2f1's (pareto_series.hpp)",
          "[customer][pareto]") {
  const std::vector<double> xs{0, 1, 2, 5, 17, 60, 250};
  // alpha > beta, alpha < beta (Pfaff), alpha = beta, z above 0.8 at t = 0 (fallback)
  for (auto p : {ParetoNbdParams{0.553, 10.58, 0.606, 11.67}, ParetoNbdParams{0.51, 9.27, 0.76, 21.4},
                 ParetoNbdParams{2.0, 40.0, 0.3, 30.0}, ParetoNbdParams{0.8, 3.0, 1.7, 3.0},
                 ParetoNbdParams{0.3, 80.0, 0.9, 0.5}, ParetoNbdParams{3.6, 3.9, 0.2, 0.65}}) {
    for (bool der : {false, true}) {
      const detail::ParetoATerms terms(p, xs.data(), xs.size(), der);
      for (std::size_t j = 0; j < xs.size(); ++j)
        for (double t : {0.0, 0.3, 2.0, 10.0, 38.86, 77.7, 500.0}) {
          INFO("r=" << p.r << " alpha=" << p.alpha << " s=" << p.s << " beta=" << p.beta
                    << " x=" << xs[j] << " t=" << t << " der=" << der);
          double g1[4], g2[4];
          const double a = detail::pareto_log_a_term(p, xs[j], t, der ? g1 : nullptr);
          const double b = terms.log_a(j, xs[j], t, der ? g2 : nullptr);
          CHECK(std::fabs(a - b) <= 1e-13 * std::max(1.0, std::fabs(a)));
          if (der)
            for (int k = 0; k < 4; ++k) CHECK(g2[k] == Approx(g1[k]).epsilon(1e-11).margin(1e-12));
        }
    }
  }
}

TEST_CASE("Pareto/NBD: continuous times are not merged, and give the row-wise likelihood",
          "[customer][pareto]") {
  std::vector<double> x, tx, T;
  for (int i = 0; i < 3000; ++i) {  // every (x, t) distinct
    const double Ti = 1.0 + std::fmod(i * 0.61803398875, 77.0);
    const double xi = static_cast<double>(i % 7);
    x.push_back(xi);
    T.push_back(Ti);
    tx.push_back(xi > 0 ? Ti * std::fmod(i * 0.414213562, 1.0) + 1e-3 : 0.0);
  }
  for (std::size_t i = 0; i < x.size(); ++i) tx[i] = std::min(tx[i], T[i]);
  PatternRows d{x.data(), tx.data(), T.data(), nullptr, x.size()};
  const detail::ParetoPrepared prep(d);
  CHECK_FALSE(prep.merged);
  CHECK_FALSE(detail::worth_compressing(d));
  for (auto p : {ParetoNbdParams{0.553, 10.58, 0.606, 11.67}, ParetoNbdParams{0.3, 80.0, 0.9, 0.5}}) {
    double g1[4], g2[4];
    const double a = pareto_nbd_log_likelihood(p, d, g1);
    const double b = prep.log_likelihood(p, g2);
    CHECK(b == Approx(a).epsilon(1e-13));
    for (int k = 0; k < 4; ++k) CHECK(g2[k] == Approx(g1[k]).epsilon(1e-11).margin(1e-12));
    // batched scoring equals the scalar predictions
    std::vector<double> alive(x.size()), cond(x.size()), hsum(x.size()), t(x.size(), 13.0);
    pareto_nbd_score(p, nullptr, x.data(), tx.data(), T.data(), x.size(), alive.data());
    pareto_nbd_score(p, t.data(), x.data(), tx.data(), T.data(), x.size(), cond.data());
    const double ht[3] = {4.345, 8.69, 13.035}, hw[3] = {0.5, -0.25, 2.0};
    pareto_nbd_score(p, nullptr, x.data(), tx.data(), T.data(), x.size(), hsum.data(),
                     ParetoHorizons{ht, hw, 3});
    for (std::size_t i = 0; i < x.size(); i += 7) {
      CHECK(alive[i] == Approx(pareto_nbd_prob_alive(p, x[i], tx[i], T[i])).epsilon(1e-13));
      CHECK(cond[i] == Approx(pareto_nbd_conditional_expected(p, 13.0, x[i], tx[i], T[i])).epsilon(1e-13));
      double want = 0.0;
      for (int k = 0; k < 3; ++k)
        want += hw[k] * pareto_nbd_conditional_expected(p, ht[k], x[i], tx[i], T[i]);
      CHECK(hsum[i] == Approx(want).epsilon(1e-12));
    }
  }
}

TEST_CASE("Pareto/NBD: the subsample warm start reaches the cold fit's optimum",
          "[customer][pareto]") {
  std::vector<double> x, tx, T;
  for (int i = 0; i < 120000; ++i) {
    const double Ti = 1.0 + std::fmod(i * 0.61803398875, 77.0);
    const double u = std::fmod(i * 0.7548776662, 1.0);
    const double xi = std::floor(-std::log(1.0 - u) * 1.5 * (1.0 + std::fmod(i * 0.5698402910, 1.0)));
    x.push_back(xi);
    T.push_back(Ti);
    tx.push_back(xi > 0 ? Ti * (0.05 + 0.95 * std::fmod(i * 0.414213562, 1.0)) : 0.0);
  }
  PatternRows d{x.data(), tx.data(), T.data(), nullptr, x.size()};
  FitOptions o;
  const FitResult warm = fit_pareto_nbd(d, o);
  Eigen::VectorXd start(4);
  start << 1.0, 39.0, 1.0, 39.0;
  const FitResult cold = fit_pareto_nbd(d, o, start);  // an explicit start: no subsample
  REQUIRE(warm.converged);
  REQUIRE(cold.converged);
  CHECK(warm.iterations < cold.iterations);
  CHECK(warm.log_likelihood == Approx(cold.log_likelihood).epsilon(1e-12));
  for (int k = 0; k < 4; ++k) {
    CHECK(warm.params[k] == Approx(cold.params[k]).epsilon(1e-4));
    CHECK(warm.standard_errors[k] == Approx(cold.standard_errors[k]).epsilon(1e-3));
  }
}

TEST_CASE("Pareto/NBD: likelihood and scoring are the same bits for 1 and 2 threads",
          "[customer][pareto][threads]") {
  std::vector<double> x, tx, T;
  for (int i = 0; i < 20000; ++i) {  // continuous times, several chunks of rows
    const double Ti = 1.0 + std::fmod(i * 0.61803398875, 77.0);
    const double xi = static_cast<double>(i % 9);
    x.push_back(xi);
    T.push_back(Ti);
    tx.push_back(xi > 0 ? Ti * (0.05 + 0.95 * std::fmod(i * 0.414213562, 1.0)) : 0.0);
  }
  PatternRows d{x.data(), tx.data(), T.data(), nullptr, x.size()};
  const detail::ParetoPrepared prep(d);
  for (auto p : {ParetoNbdParams{0.553, 10.58, 0.606, 11.67}, ParetoNbdParams{0.3, 80.0, 0.9, 0.5}}) {
    double g[2][4], g_rows[2][4], f[2], f_rows[2];
    std::vector<double> alive[2], cond[2], t(x.size(), 10.0);
    for (int th = 0; th < 2; ++th) {
      sostac::set_num_threads(th + 1);
      f[th] = prep.log_likelihood(p, g[th]);
      f_rows[th] = pareto_nbd_log_likelihood(p, d, g_rows[th]);
      alive[th].resize(x.size());
      cond[th].resize(x.size());
      pareto_nbd_score(p, nullptr, x.data(), tx.data(), T.data(), x.size(), alive[th].data());
      pareto_nbd_score(p, t.data(), x.data(), tx.data(), T.data(), x.size(), cond[th].data());
    }
    sostac::set_num_threads(0);
    CHECK(f[0] == f[1]);
    CHECK(f_rows[0] == f_rows[1]);
    for (int k = 0; k < 4; ++k) {
      CHECK(g[0][k] == g[1][k]);
      CHECK(g_rows[0][k] == g_rows[1][k]);
    }
    CHECK(alive[0] == alive[1]);
    CHECK(cond[0] == cond[1]);
  }
}

TEST_CASE("Pareto/NBD: batched scoring equals the scalar predictions on every row",
          "[customer][pareto]") {
  std::vector<double> x, tx, T, t;
  for (int i = 0; i < 5000; ++i) {
    const double Ti = 0.5 + std::fmod(i * 0.61803398875, 120.0);
    const double xi = i % 13 == 0 ? 0.0 : std::floor(std::fmod(i * 0.7548776662, 1.0) * 40.0);
    x.push_back(xi);
    T.push_back(Ti);
    tx.push_back(xi > 0 ? Ti * (0.01 + 0.99 * std::fmod(i * 0.414213562, 1.0)) : 0.0);
    t.push_back(i % 17 == 0 ? 0.0 : 0.25 + std::fmod(i * 0.31, 60.0));
  }
  tx[7] = T[7];  // recency = T
  // Pfaff (alpha < beta), alpha > beta, alpha = beta, z above 0.8 at t = 0 (fallback)
  for (auto p : {ParetoNbdParams{0.553, 10.58, 0.606, 11.67}, ParetoNbdParams{0.51, 9.27, 0.76, 21.4},
                 ParetoNbdParams{2.0, 40.0, 0.3, 30.0}, ParetoNbdParams{0.8, 3.0, 1.7, 3.0},
                 ParetoNbdParams{0.3, 80.0, 0.9, 0.5}, ParetoNbdParams{3.6, 3.9, 0.2, 0.65}}) {
    std::vector<double> alive(x.size()), cond(x.size());
    pareto_nbd_score(p, nullptr, x.data(), tx.data(), T.data(), x.size(), alive.data());
    pareto_nbd_score(p, t.data(), x.data(), tx.data(), T.data(), x.size(), cond.data());
    for (std::size_t i = 0; i < x.size(); ++i) {
      INFO("i=" << i << " r=" << p.r << " alpha=" << p.alpha << " s=" << p.s << " beta=" << p.beta);
      CHECK(alive[i] == Approx(pareto_nbd_prob_alive(p, x[i], tx[i], T[i])).epsilon(1e-12));
      CHECK(cond[i] ==
            Approx(pareto_nbd_conditional_expected(p, t[i], x[i], tx[i], T[i])).epsilon(1e-12));
    }
  }
}
