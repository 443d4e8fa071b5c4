#include <sostac/stats/bayes.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace st = sostac::stats;
using sostac::input_error;

namespace {
// Evan Miller's closed form of P(p_B > p_A) for integer posteriors A = Beta(aa, ba),
// B = Beta(ab, bb), summed directly (fine for small ab).
double miller(double aa, double ba, double ab, double bb) {
  double total = 0;
  for (int i = 0; i < static_cast<int>(ab); ++i) {
    total += std::exp(std::lgamma(aa + i) + std::lgamma(ba + bb) -
                      std::lgamma(aa + i + ba + bb) - std::log(bb + i) -
                      (std::lgamma(1 + i) + std::lgamma(bb) - std::lgamma(1 + i + bb)) -
                      (std::lgamma(aa) + std::lgamma(ba) - std::lgamma(aa + ba)));
  }
  return total;
}
}  // namespace

TEST_CASE("P(B > A) equals the closed form for integer posteriors") {
  for (auto [xa, na, xb, nb] : std::vector<std::array<double, 4>>{
           {3, 10, 5, 10}, {0, 5, 0, 7}, {12, 40, 9, 40}, {40, 400, 55, 400}}) {
    // Evan Miller: P(p_B > p_A) = sum_{i < a_B} B(a_A+i, b_A+b_B) / ((b_B+i) B(1+i,
    // b_B) B(a_A, b_A))
    const auto r = st::beta_binomial(xa, na, xb, nb);
    CHECK(r.prob_b_better ==
          Approx(miller(1 + xa, 1 + na - xa, 1 + xb, 1 + nb - xb)).margin(1e-12));
  }
}

TEST_CASE("P(B > A) + P(A > B) = 1 and the losses differ by the mean difference") {
  const auto r = st::beta_binomial(120, 2000, 150, 2100, 0.5, 0.5);
  const auto s = st::beta_binomial(150, 2100, 120, 2000, 0.5, 0.5);
  CHECK(r.prob_b_better + s.prob_b_better == Approx(1.0).epsilon(1e-12));
  CHECK(r.expected_loss_a - r.expected_loss_b ==
        Approx(r.mean_b - r.mean_a).epsilon(1e-12));
  CHECK(r.expected_loss_a == Approx(s.expected_loss_b).epsilon(1e-10));
}

TEST_CASE("prob_best sums to 1 and agrees with beta_binomial for two arms") {
  const std::vector<double> x{100, 120, 135}, n{1000, 1000, 1000};
  const auto p = st::prob_best(x, n);
  CHECK(p[0] + p[1] + p[2] == Approx(1.0).epsilon(1e-12));
  const auto two =
      st::prob_best(std::vector<double>{100, 130}, std::vector<double>{1000, 1000});
  CHECK(two[1] ==
        Approx(st::beta_binomial(100, 1000, 130, 1000).prob_b_better).epsilon(1e-12));
}

TEST_CASE("beta_binomial: bad input") {
  CHECK_THROWS_WITH(st::beta_binomial(1, 10, 1, 10, 0, 1), Catch::Contains("prior"));
  CHECK_THROWS_WITH(st::beta_binomial(11, 10, 1, 10), Catch::Contains("x_a"));
  CHECK_THROWS_AS(st::prob_best(std::vector<double>{1}, std::vector<double>{10}),
                  input_error);
}

TEST_CASE("identical arms give exactly 1/2 at the edges and at n = 1e9") {
  // Regression tests: windows from quantiles for skewed posteriors, reflection
  // above 1/2, log1p in the density and long-double incomplete beta above 1e6.
  const double cases[][3] = {{1e9, 1e9, 0.5}, {0, 1e9, 2.0},  {0, 999999999, 2.0},
                             {0, 10, 0.01},   {10, 10, 0.01}, {5e8, 1e9, 1.0}};
  for (const auto& c : cases) {
    INFO("x = " << c[0] << ", n = " << c[1] << ", prior = " << c[2]);
    const auto r = st::beta_binomial(c[0], c[1], c[0], c[1], c[2], c[2]);
    CHECK(r.prob_b_better == Approx(0.5).margin(1e-10));
    CHECK(r.expected_loss_a == Approx(r.expected_loss_b).margin(1e-15));
  }
}

TEST_CASE("priors below 0.01 are refused") {
  CHECK_THROWS_WITH(st::beta_binomial(0, 10, 0, 10, 0.005, 1), Catch::Contains("0.01"));
  CHECK_NOTHROW(st::beta_binomial(0, 10, 0, 10, 0.01, 0.01));
}
