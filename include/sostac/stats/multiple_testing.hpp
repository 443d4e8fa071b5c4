#pragma once
/// Adjusted p-values for multiple comparisons, equal to R's p.adjust.

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace sostac::stats {

enum class adjust_method { bonferroni, holm, hochberg, hommel, bh, by };

SOSTAC_INLINE adjust_method parse_adjust_method(const std::string& s);

/// Writes the adjusted p-values of p[0..n) into out[0..n) (out may alias p).
/// Bonferroni; Holm (1979) step-down; Hochberg (1988) step-up; Hommel (1988) as in
/// Wright (1992), O(n^2); Benjamini & Hochberg (1995); Benjamini & Yekutieli (2001).
SOSTAC_INLINE void adjust_pvalues(const double* p, std::size_t n, adjust_method method,
                                  double* out);

SOSTAC_INLINE std::vector<double> adjust_pvalues(const std::vector<double>& p,
                                                 adjust_method method);

}  // namespace sostac::stats

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/stats/multiple_testing-inl.hpp>
#endif
