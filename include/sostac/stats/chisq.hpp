#pragma once
/// Chi-square tests on counts: goodness of fit against planned allocation ratios
/// (the sample-ratio-mismatch check) and homogeneity of k proportions.

#include <sostac/core/error.hpp>
#include <sostac/stats/common.hpp>

#include <cmath>
#include <cstddef>
#include <string>

namespace sostac::stats {

struct chisq_result {
  double statistic;
  double df;
  double pvalue;
  double log_pvalue;
};

/// Pearson's goodness-of-fit test of `counts` against probabilities `ratios`
/// (equal to R chisq.test(counts, p = ratios)). ratios must be positive and sum to 1
/// within 1.5e-8, R's tolerance; counts are whole and not all zero.
inline chisq_result srm_test(const double* counts, const double* ratios,
                             std::size_t k) {
  if (k < 2)
    detail::fail("counts", "expected at least 2 arms, got " + std::to_string(k));
  double total = 0, psum = 0;
  for (std::size_t i = 0; i < k; ++i) {
    const std::string ci = "counts[" + std::to_string(i) + "]";
    const std::string ri = "ratios[" + std::to_string(i) + "]";
    detail::check_count(ci.c_str(), counts[i]);
    if (!(std::isfinite(ratios[i]) && ratios[i] > 0))
      detail::fail(ri.c_str(), "expected a positive allocation ratio, got " +
                                   detail::format_value(ratios[i]));
    total += counts[i];
    psum += ratios[i];
  }
  if (std::fabs(psum - 1.0) > 1.4901161193847656e-08)
    detail::fail("ratios", "expected ratios summing to 1, got a sum of " +
                               detail::format_value(psum));
  if (total == 0) detail::fail("counts", "all counts are 0");
  double stat = 0;
  for (std::size_t i = 0; i < k; ++i) {
    const double e = total * ratios[i];
    stat += (counts[i] - e) * (counts[i] - e) / e;
  }
  const double df = static_cast<double>(k - 1);
  const auto p = detail::chisq_upper(stat, df);
  return {stat, df, p.p, p.log_p};
}

/// Pearson's chi-square test that k proportions x[i]/n[i] are equal (the k x 2 table
/// without continuity correction; R chisq.test(cbind(x, n - x), correct = FALSE)).
/// All-success or all-failure tables carry no evidence: statistic 0, p-value 1.
inline chisq_result homogeneity_test(const double* x, const double* n, std::size_t k) {
  if (k < 2) detail::fail("x", "expected at least 2 arms, got " + std::to_string(k));
  double sx = 0, sn = 0;
  for (std::size_t i = 0; i < k; ++i) {
    const std::string xi = "x[" + std::to_string(i) + "]";
    const std::string ni = "n[" + std::to_string(i) + "]";
    detail::check_successes(xi.c_str(), x[i], ni.c_str(), n[i]);
    sx += x[i];
    sn += n[i];
  }
  const double p = sx / sn, q = 1 - p;
  const double df = static_cast<double>(k - 1);
  if (p == 0 || q == 0) return {0.0, df, 1.0, 0.0};
  double stat = 0;
  for (std::size_t i = 0; i < k; ++i) {
    const double d = x[i] - n[i] * p;
    stat += d * d / (n[i] * p * q);
  }
  const auto pv = detail::chisq_upper(stat, df);
  return {stat, df, pv.p, pv.log_p};
}

}  // namespace sostac::stats
