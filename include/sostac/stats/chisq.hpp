#pragma once
/// Chi-square tests on counts: goodness of fit against planned allocation ratios
/// (the sample-ratio-mismatch check) and homogeneity of k proportions.

#include <sostac/core/config.hpp>
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
SOSTAC_INLINE chisq_result srm_test(const double* counts, const double* ratios,
                                    std::size_t k);

/// Pearson's chi-square test that k proportions x[i]/n[i] are equal (the k x 2 table
/// without continuity correction; R chisq.test(cbind(x, n - x), correct = FALSE)).
/// All-success or all-failure tables carry no evidence: statistic 0, p-value 1.
SOSTAC_INLINE chisq_result homogeneity_test(const double* x, const double* n, std::size_t k);

}  // namespace sostac::stats

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/stats/chisq-inl.hpp>
#endif
