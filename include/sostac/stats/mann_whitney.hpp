#pragma once
/// Mann–Whitney U (Wilcoxon rank-sum) test of B against A with the normal
/// approximation, tie correction and optional continuity correction; equals R's
/// wilcox.test(b, a, exact = FALSE, correct = continuity).

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>
#include <sostac/stats/common.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

namespace sostac::stats {

struct mann_whitney_result {
  double statistic;  ///< U of b: sum of b's ranks - n_b (n_b + 1) / 2 (R's W)
  double pvalue;
  double log_pvalue;
  double z;    ///< the standardised statistic the p-value is read from
  double auc;  ///< U / (n_a n_b) = P(B > A) + P(B = A) / 2
};

SOSTAC_INLINE mann_whitney_result mann_whitney(const double* a, std::size_t n_a,
                                               const double* b, std::size_t n_b,
                                               alternative alt = alternative::two_sided,
                                               bool continuity = true);

}  // namespace sostac::stats

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/stats/mann_whitney-inl.hpp>
#endif
