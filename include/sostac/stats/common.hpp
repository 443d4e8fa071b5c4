#pragma once
/// Vocabulary shared by the statistical tests: alternatives, result structs and the
/// conversion of statistics into (log) p-values.

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>
#include <sostac/stats/detail/tails.hpp>

#include <string>

namespace sostac::stats {

namespace detail {
// The shared argument checks (sostac::detail) are used unqualified throughout the
// stats kernels' own detail namespace.
using namespace ::sostac::detail;
}  // namespace detail

/// Direction of the alternative hypothesis, always stated for arm B against arm A:
/// `greater` means B's parameter exceeds A's.
enum class alternative { two_sided, greater, less };

SOSTAC_INLINE alternative parse_alternative(const std::string& s);

SOSTAC_INLINE const char* to_string(alternative a) noexcept;

/// A closed interval [low, high].
struct interval {
  double low;
  double high;
};

/// The result of a test: the statistic, the p-value and its natural log (which stays
/// finite when the p-value underflows to 0).
struct test_result {
  double statistic;
  double pvalue;
  double log_pvalue;
};

/// p-value of a standard-normal statistic z under `alt`.
SOSTAC_INLINE detail::tail_prob normal_pvalue(double z, alternative alt);

/// p-value of a Student-t statistic under `alt`.
SOSTAC_INLINE detail::tail_prob t_pvalue(double t, double df, alternative alt);

/// The standard normal quantile z with P(Z <= z) = p, for 0 < p < 1.
SOSTAC_INLINE double norm_quantile(double p);

/// z_{(1+level)/2}: the critical value of a two-sided interval at `level`. Written
/// with erfc_inv(1 - level) so that levels close to 1 keep their precision. The last
/// level seen is cached per thread: vectorised calls pass the same level millions
/// of times, and erfc_inv costs more than the interval itself.
SOSTAC_INLINE double two_sided_critical(double level);

}  // namespace sostac::stats

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/stats/common-inl.hpp>
#endif
