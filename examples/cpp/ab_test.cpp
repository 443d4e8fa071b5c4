// An A/B test read the way a marketer reports it: is B's conversion rate better,
// by how much, and how sure are we? Build against an installed sostac:
//   cmake -S examples/cpp -B build/example -DCMAKE_PREFIX_PATH=<prefix> && cmake
//   --build build/example
#include <sostac/sostac.hpp>

#include <cstdio>

int main() {
  namespace st = sostac::stats;
  const double x_a = 1210, n_a = 24000;  // control: conversions, visitors
  const double x_b = 1352, n_b = 24100;  // variant

  const auto test = st::two_proportion_test(x_a, n_a, x_b, n_b);
  const auto ci = st::diff_ci(x_a, n_a, x_b, n_b, 0.95, st::diff_ci_method::newcombe);
  const auto bayes = st::beta_binomial(x_a, n_a, x_b, n_b);

  std::printf("lift %+.2f%%, z = %.3f, p-value = %.4g\n", 100 * test.lift,
              test.statistic, test.pvalue);
  std::printf("95%% CI for p_b - p_a: [%.5f, %.5f]\n", ci.low, ci.high);
  std::printf("P(B > A) = %.4f\n", bayes.prob_b_better);
  return 0;
}
