#include <sostac/stats/chisq.hpp>
#include <sostac/stats/mann_whitney.hpp>
#include <sostac/stats/multiple_testing.hpp>
#include <sostac/stats/t_test.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace st = sostac::stats;
using sostac::input_error;

TEST_CASE("t_test equals R t.test(b / a) on a small example") {
  // R: t.test(c(6.2,6.4,5.9,7.1,6.8), c(5.1,4.9,5.6,5.8,6.0))
  const std::vector<double> a{5.1, 4.9, 5.6, 5.8, 6.0}, b{6.2, 6.4, 5.9, 7.1, 6.8};
  const auto r = st::t_test(a.data(), a.size(), b.data(), b.size());
  CHECK(r.statistic == Approx(3.3557802760701256).epsilon(1e-12));
  CHECK(r.df == Approx(7.9959439453243881).epsilon(1e-12));
  CHECK(r.pvalue == Approx(0.010001509249941486).epsilon(1e-10));
}

TEST_CASE("t_test rejects bad samples by index") {
  const std::vector<double> a{1.0, NAN, 2.0}, b{1.0, 2.0, 3.0}, one{1.0},
      flat{2.0, 2.0};
  CHECK_THROWS_WITH(st::t_test(a.data(), a.size(), b.data(), b.size()),
                    Catch::Contains("a[1]"));
  CHECK_THROWS_WITH(st::t_test(one.data(), one.size(), b.data(), b.size()),
                    Catch::Contains("at least 2"));
  CHECK_THROWS_WITH(st::t_test(flat.data(), flat.size(), flat.data(), flat.size()),
                    Catch::Contains("constant"));
  CHECK_THROWS_AS(st::t_test_from_stats(0, -1, 10, 0, 1, 10), input_error);
}

TEST_CASE("mann_whitney: ties / symmetry / errors") {
  const std::vector<double> a{1, 2, 2, 3, 4}, b{3, 4, 5, 5, 6};
  const auto r = st::mann_whitney(a.data(), a.size(), b.data(), b.size());
  CHECK(r.statistic == 23.0);  // R: wilcox.test(b, a)$statistic
  const auto s = st::mann_whitney(b.data(), b.size(), a.data(), a.size());
  CHECK(s.statistic == 25.0 - 23.0);
  CHECK(r.pvalue == Approx(s.pvalue).epsilon(1e-14));
  const std::vector<double> same{1, 1, 1};
  CHECK_THROWS_AS(st::mann_whitney(same.data(), same.size(), same.data(), same.size()),
                  input_error);
}

TEST_CASE("adjust_pvalues: monotone / bounded / errors") {
  const std::vector<double> p{0.01, 0.04, 0.03, 0.2, 0.0, 1.0};
  for (auto m : {st::adjust_method::bonferroni, st::adjust_method::holm,
                 st::adjust_method::hochberg, st::adjust_method::hommel,
                 st::adjust_method::bh, st::adjust_method::by}) {
    const auto q = st::adjust_pvalues(p, m);
    for (std::size_t i = 0; i < p.size(); ++i) {
      CHECK(q[i] >= p[i]);
      CHECK(q[i] <= 1.0);
    }
  }
  const std::vector<double> bad{0.1, 1.5};
  CHECK_THROWS_WITH(st::adjust_pvalues(bad, st::adjust_method::bh),
                    Catch::Contains("p[1]"));
}

TEST_CASE("srm_test validates ratios and counts") {
  const double c[] = {500, 520}, good[] = {0.5, 0.5}, bad[] = {0.5, 0.6},
               neg[] = {-0.5, 1.5};
  CHECK(st::srm_test(c, good, 2).df == 1.0);
  CHECK_THROWS_WITH(st::srm_test(c, bad, 2), Catch::Contains("ratios"));
  CHECK_THROWS_WITH(st::srm_test(c, neg, 2), Catch::Contains("ratios[0]"));
  const double negc[] = {-1, 3};
  CHECK_THROWS_WITH(st::srm_test(negc, good, 2), Catch::Contains("counts[0]"));
}
