#pragma once
/// Definitions for <sostac/stats/chisq.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/stats/chisq.hpp>

namespace sostac::stats {

SOSTAC_INLINE chisq_result srm_test(const double* counts, const double* ratios,
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

SOSTAC_INLINE chisq_result homogeneity_test(const double* x, const double* n, std::size_t k) {
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
