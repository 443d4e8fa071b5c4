#pragma once
/// Vocabulary shared by the statistical tests: alternatives, result structs and the
/// conversion of statistics into (log) p-values.

#include <sostac/core/error.hpp>
#include <sostac/stats/detail/tails.hpp>

#include <boost/math/constants/constants.hpp>
#include <boost/math/special_functions/erf.hpp>
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

inline alternative parse_alternative(const std::string& s) {
  if (s == "two-sided" || s == "two_sided" || s == "two.sided")
    return alternative::two_sided;
  if (s == "greater" || s == "larger") return alternative::greater;
  if (s == "less" || s == "smaller") return alternative::less;
  throw input_error("alternative",
                    "expected 'two-sided', 'greater' or 'less', got '" + s + "'");
}

inline const char* to_string(alternative a) noexcept {
  switch (a) {
    case alternative::greater:
      return "greater";
    case alternative::less:
      return "less";
    default:
      return "two-sided";
  }
}

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
inline detail::tail_prob normal_pvalue(double z, alternative alt) {
  switch (alt) {
    case alternative::greater:
      return detail::norm_upper(z);
    case alternative::less:
      return detail::norm_lower(z);
    default:
      return detail::norm_two_sided(z);
  }
}

/// p-value of a Student-t statistic under `alt`.
inline detail::tail_prob t_pvalue(double t, double df, alternative alt) {
  switch (alt) {
    case alternative::greater:
      return detail::t_upper(t, df);
    case alternative::less:
      return detail::t_lower(t, df);
    default:
      return detail::t_two_sided(t, df);
  }
}

/// The standard normal quantile z with P(Z <= z) = p, for 0 < p < 1.
inline double norm_quantile(double p) {
  return -boost::math::constants::root_two<double>() * boost::math::erfc_inv(2.0 * p);
}

/// z_{(1+level)/2}: the critical value of a two-sided interval at `level`. Written
/// with erfc_inv(1 - level) so that levels close to 1 keep their precision. The last
/// level seen is cached per thread: vectorised calls pass the same level millions
/// of times, and erfc_inv costs more than the interval itself.
inline double two_sided_critical(double level) {
  thread_local double last_level = -1.0, last_z = 0.0;
  if (level != last_level) {
    last_z =
        boost::math::constants::root_two<double>() * boost::math::erfc_inv(1.0 - level);
    last_level = level;
  }
  return last_z;
}

}  // namespace sostac::stats
