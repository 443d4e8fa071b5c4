#include <sostac/core/error.hpp>
#include <sostac/core/memory.hpp>
#include <sostac/core/parallel.hpp>
#include <sostac/stats/detail/hypergeometric.hpp>
#include <sostac/stats/detail/tails.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <cmath>
#include <stdexcept>
#include <vector>

using sostac::input_error;

TEST_CASE("input_error names the argument and can be re-addressed to an index") {
  const input_error e("x_a", "expected a non-negative whole count, got -1");
  CHECK(std::string(e.what()) == "x_a: expected a non-negative whole count, got -1");
  const input_error at = e.at_index(3);
  CHECK(at.argument() == "x_a[3]");
  CHECK(std::string(at.what()) ==
        "x_a[3]: expected a non-negative whole count, got -1");
  // It is an invalid_argument, which pybind11 turns into ValueError.
  CHECK_THROWS_AS(throw at, std::invalid_argument);
}

TEST_CASE("argument checks reject what they should and nothing else") {
  using namespace sostac::detail;
  CHECK_NOTHROW(check_count("n", 0));
  CHECK_NOTHROW(check_count("n", 1e9));
  CHECK_THROWS_AS(check_count("n", -1), input_error);
  CHECK_THROWS_AS(check_count("n", 2.5), input_error);
  CHECK_THROWS_AS(check_count("n", NAN), input_error);
  CHECK_THROWS_AS(check_count("n", INFINITY), input_error);
  CHECK_THROWS_AS(check_successes("x", 5, "n", 4), input_error);
  CHECK_THROWS_AS(check_successes("x", 0, "n", 0), input_error);
  CHECK_THROWS_AS(check_level("level", 0), input_error);
  CHECK_THROWS_AS(check_level("level", 1), input_error);
  CHECK_THROWS_AS(check_level("level", NAN), input_error);
  CHECK_NOTHROW(check_level("level", 0.5));
}

TEST_CASE("parallel_for covers every index once / whatever the thread count") {
  for (int threads : {1, 2, 3, 8}) {
    sostac::set_num_threads(threads);
    std::vector<int> hits(100003, 0);
    sostac::parallel_for(
        hits.size(),
        [&](std::size_t b, std::size_t e) {
          for (std::size_t i = b; i < e; ++i) ++hits[i];
        },
        1000);
    for (int h : hits) REQUIRE(h == 1);
  }
  sostac::set_num_threads(0);
}

TEST_CASE("parallel_for rethrows the error of the lowest failing chunk") {
  sostac::set_num_threads(4);
  try {
    sostac::parallel_for(
        10000,
        [](std::size_t b, std::size_t) {
          if (b >= 3000) throw input_error("x[" + std::to_string(b) + "]", "bad");
        },
        1000);
    FAIL("no exception");
  } catch (const input_error& e) {
    CHECK(e.argument() == "x[3000]");
  }
  sostac::set_num_threads(0);
}

TEST_CASE("log normal tail is accurate far beyond double underflow") {
  using sostac::stats::detail::log_norm_cdf;
  // Reference values from R: pnorm(q, log.p = TRUE).
  CHECK(log_norm_cdf(0.0) == Approx(std::log(0.5)).epsilon(1e-15));
  CHECK(log_norm_cdf(-10.0) == Approx(-53.23128515051247).epsilon(1e-13));
  CHECK(log_norm_cdf(-40.0) == Approx(-804.6084420137538).epsilon(1e-13));
  CHECK(log_norm_cdf(-1e5) == Approx(-5000000012.4318638).epsilon(1e-13));
  CHECK(log_norm_cdf(10.0) == Approx(-7.6198530241605269e-24).epsilon(1e-10));
  // Continuity at the switch between erfc and the asymptotic series.
  const double below = log_norm_cdf(-37.0 - 1e-9), above = log_norm_cdf(-37.0);
  CHECK(std::fabs(below - above) < 1e-6);
}

TEST_CASE("Loader's bd0 and the hypergeometric pmf sum to 1") {
  using sostac::stats::detail::hypergeometric;
  const hypergeometric h(30, 50, 25);
  double total = 0;
  for (double k = h.lo(); k <= h.hi(); k += 1) total += std::exp(h.log_pmf(k));
  CHECK(total == Approx(1.0).epsilon(1e-13));
  // Tail sums agree with direct sums at every k (each accumulated from its own
  // tail, so the references do not cancel).
  double cdf = 0;
  for (double k = h.lo(); k <= h.hi(); k += 1) {
    cdf += std::exp(h.log_pmf(k));
    REQUIRE(std::exp(h.log_cdf(k)) == Approx(cdf).epsilon(1e-12));
  }
  double sf = 0;
  for (double k = h.hi(); k >= h.lo(); k -= 1) {
    sf += std::exp(h.log_pmf(k));
    REQUIRE(std::exp(h.log_sf(k)) == Approx(sf).epsilon(1e-12));
  }
}

TEST_CASE("big_allocator: small blocks as std::allocator, large ones 2 MiB aligned") {
  std::vector<double, sostac::big_allocator<double>> small(10, 1.5), large;
  CHECK(small[9] == 1.5);
  large.assign(std::size_t{1} << 20, 2.5);  // 8 MiB
  CHECK(reinterpret_cast<std::uintptr_t>(large.data()) % (std::size_t{2} << 20) == 0);
  CHECK(large.back() == 2.5);
  large.resize(std::size_t{3} << 20, 1.0);  // regrows into a new large block
  CHECK(large[(std::size_t{1} << 20) - 1] == 2.5);
  CHECK(large.back() == 1.0);
  large.clear();
  large.shrink_to_fit();
  CHECK(large.capacity() == 0);
}
