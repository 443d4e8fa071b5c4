#pragma once
/// Definitions for <sostac/stats/common.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/stats/common.hpp>

#include <boost/math/constants/constants.hpp>
#include <boost/math/special_functions/erf.hpp>

namespace sostac::stats {

SOSTAC_INLINE alternative parse_alternative(const std::string& s) {
  if (s == "two-sided" || s == "two_sided" || s == "two.sided")
    return alternative::two_sided;
  if (s == "greater" || s == "larger") return alternative::greater;
  if (s == "less" || s == "smaller") return alternative::less;
  throw input_error("alternative",
                    "expected 'two-sided', 'greater' or 'less', got '" + s + "'");
}

SOSTAC_INLINE const char* to_string(alternative a) noexcept {
  switch (a) {
    case alternative::greater:
      return "greater";
    case alternative::less:
      return "less";
    default:
      return "two-sided";
  }
}

SOSTAC_INLINE detail::tail_prob normal_pvalue(double z, alternative alt) {
  switch (alt) {
    case alternative::greater:
      return detail::norm_upper(z);
    case alternative::less:
      return detail::norm_lower(z);
    default:
      return detail::norm_two_sided(z);
  }
}

SOSTAC_INLINE detail::tail_prob t_pvalue(double t, double df, alternative alt) {
  switch (alt) {
    case alternative::greater:
      return detail::t_upper(t, df);
    case alternative::less:
      return detail::t_lower(t, df);
    default:
      return detail::t_two_sided(t, df);
  }
}

SOSTAC_INLINE double norm_quantile(double p) {
  return -boost::math::constants::root_two<double>() * boost::math::erfc_inv(2.0 * p);
}

SOSTAC_INLINE double two_sided_critical(double level) {
  thread_local double last_level = -1.0, last_z = 0.0;
  if (level != last_level) {
    last_z =
        boost::math::constants::root_two<double>() * boost::math::erfc_inv(1.0 - level);
    last_level = level;
  }
  return last_z;
}

}  // namespace sostac::stats
