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
