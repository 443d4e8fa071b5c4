#pragma once
/// Definitions for <sostac/stats/t_test.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/stats/t_test.hpp>

#include <boost/math/distributions/students_t.hpp>

namespace sostac::stats::detail {

SOSTAC_INLINE sample_summary summarize(const char* name, const double* x, std::size_t n) {
  if (n < 2) fail(name, "expected at least 2 observations, got " + std::to_string(n));
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i]))
      throw input_error(std::string(name) + "[" + std::to_string(i) + "]",
                        "expected a finite number, got " + format_value(x[i]));
    sum += x[i];
  }
  double mean = sum / static_cast<double>(n);
  double ss = 0, comp = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = x[i] - mean;
    ss += d * d;
    comp += d;
  }
  const double dn = static_cast<double>(n);
  mean += comp / dn;
  const double var = (ss - comp * comp / dn) / (dn - 1.0);
  return {mean, std::sqrt(std::max(var, 0.0)), dn};
}

SOSTAC_INLINE void check_summary(const char* mean_name, double mean, const char* sd_name,
                                 double sd, const char* n_name, double n) {
  check_finite(mean_name, mean);
  if (!(std::isfinite(sd) && sd >= 0))
    fail(sd_name,
         "expected a finite non-negative standard deviation, got " + format_value(sd));
  check_count(n_name, n);
  if (n < 2) fail(n_name, "expected at least 2 observations, got " + format_value(n));
}

SOSTAC_INLINE t_test_result t_test_summary(double mean_a, double sd_a, double n_a,
                                           double mean_b, double sd_b, double n_b,
                                           bool equal_var, alternative alt, double level,
                                           const char* data) {
  const double va = sd_a * sd_a / n_a, vb = sd_b * sd_b / n_b;
  double se, df;
  if (equal_var) {
    df = n_a + n_b - 2.0;
    const double pooled = ((n_a - 1) * sd_a * sd_a + (n_b - 1) * sd_b * sd_b) / df;
    se = std::sqrt(pooled * (1.0 / n_a + 1.0 / n_b));
  } else {
    se = std::sqrt(va + vb);
    // Welch–Satterthwaite; written as a ratio of squares of se to avoid overflow.
    df = (va + vb) * (va + vb) / (va * va / (n_a - 1) + vb * vb / (n_b - 1));
  }
  const double est = mean_b - mean_a;
  // R's t.test: "data are essentially constant".
  if (!(se >= 10 * std::numeric_limits<double>::epsilon() *
                  std::max(std::fabs(mean_a), std::fabs(mean_b))) ||
      se == 0)
    throw input_error(data, "the data are essentially constant (standard error " +
                                format_value(se) + "); the t test is undefined");
  const double t = est / se;
  const auto p = t_pvalue(t, df, alt);
  const boost::math::students_t_distribution<double> dist(df);
  double lo, hi;
  const double inf = std::numeric_limits<double>::infinity();
  if (alt == alternative::two_sided) {
    const double q =
        boost::math::quantile(boost::math::complement(dist, 0.5 * (1 - level)));
    lo = est - q * se;
    hi = est + q * se;
  } else {
    const double q = boost::math::quantile(boost::math::complement(dist, 1 - level));
    lo = alt == alternative::greater ? est - q * se : -inf;
    hi = alt == alternative::less ? est + q * se : inf;
  }
  return {t, df, p.p, p.log_p, est, se, lo, hi};
}

}  // namespace sostac::stats::detail

namespace sostac::stats {

SOSTAC_INLINE t_test_result t_test_from_stats(double mean_a, double sd_a, double n_a,
                                              double mean_b, double sd_b, double n_b,
                                              bool equal_var,
                                              alternative alt,
                                              double level) {
  detail::check_summary("mean_a", mean_a, "sd_a", sd_a, "n_a", n_a);
  detail::check_summary("mean_b", mean_b, "sd_b", sd_b, "n_b", n_b);
  detail::check_level("level", level);
  return detail::t_test_summary(mean_a, sd_a, n_a, mean_b, sd_b, n_b, equal_var, alt,
                                level, "sd_a, sd_b");
}

SOSTAC_INLINE t_test_result t_test(const double* a, std::size_t n_a, const double* b,
                                   std::size_t n_b, bool equal_var,
                                   alternative alt,
                                   double level) {
  const auto sa = detail::summarize("a", a, n_a);
  const auto sb = detail::summarize("b", b, n_b);
  detail::check_level("level", level);
  return detail::t_test_summary(sa.mean, sa.sd, sa.n, sb.mean, sb.sd, sb.n, equal_var,
                                alt, level, "a, b");
}

}  // namespace sostac::stats
