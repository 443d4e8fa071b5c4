#pragma once
/// Definitions for <sostac/stats/power.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/stats/power.hpp>

#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/tools/roots.hpp>
#include <boost/math/tools/toms748_solve.hpp>

namespace sostac::stats {

SOSTAC_INLINE power_method parse_power_method(const std::string& s) {
  if (s == "pooled") return power_method::pooled;
  if (s == "arcsine" || s == "cohen-h") return power_method::arcsine;
  throw input_error("method", "expected 'pooled' or 'arcsine', got '" + s + "'");
}

}  // namespace sostac::stats

namespace sostac::stats::detail {

SOSTAC_INLINE bool count_both_tails(two_sided_tails tails, power_method m) {
  if (tails == two_sided_tails::reference) return m == power_method::arcsine;
  return tails == two_sided_tails::both;
}

SOSTAC_INLINE void check_power_common(double alpha, double ratio) {
  check_open_probability("alpha", alpha);
  if (!(std::isfinite(ratio) && ratio > 0))
    fail("ratio", "expected a finite positive allocation ratio n_b / n_a, got " +
                      format_value(ratio));
}

SOSTAC_INLINE double upper_critical(double alpha, alternative alt) {
  return -norm_quantile(alt == alternative::two_sided ? 0.5 * alpha : alpha);
}

/// Solves f(x) = 0 for increasing f: brackets the root from `guess` by halving
/// (not below `lower`) or quadrupling (not above `upper`), then refines it with
/// TOMS 748 to ~50 bits. Returns `lower` when f(lower) >= 0 already; throws
/// input_error naming `what` when f(upper) < 0.
template <class F>
double solve_increasing(F f, double guess, double lower, double upper,
                        const char* what) {
  double lo = guess, hi = guess, flo = f(guess), fhi = flo;
  if (flo >= 0) {
    while (flo >= 0) {
      if (lo <= lower) return lower;
      hi = lo;
      fhi = flo;
      lo = std::max(lower, 0.5 * lo);
      flo = f(lo);
    }
  } else {
    while (fhi < 0) {
      if (hi >= upper)
        fail(what, "the requested power cannot be reached (it needs more than " +
                       format_value(upper) + " units)");
      lo = hi;
      flo = fhi;
      hi = std::min(4.0 * hi, upper);
      fhi = f(hi);
    }
  }
  std::uintmax_t iters = 200;
  const auto r = boost::math::tools::toms748_solve(
      f, lo, hi, flo, fhi, boost::math::tools::eps_tolerance<double>(50), iters);
  return 0.5 * (r.first + r.second);
}

SOSTAC_INLINE double power_pooled(double pa, double pb, double n, double alpha,
                                  alternative alt, double ratio, bool both_tails) {
  const double nb = ratio * n;
  const double pbar = (pa + ratio * pb) / (1 + ratio);
  const double s0 = std::sqrt(pbar * (1 - pbar) * (1 / n + 1 / nb));
  const double s1 = std::sqrt(pa * (1 - pa) / n + pb * (1 - pb) / nb);
  const double d = pb - pa;
  const double z = upper_critical(alpha, alt);
  switch (alt) {
    case alternative::greater:
      return norm_cdf((d - z * s0) / s1);
    case alternative::less:
      return norm_cdf((-d - z * s0) / s1);
    default: {
      double pw = norm_cdf((std::fabs(d) - z * s0) / s1);
      if (both_tails) pw += norm_cdf((-std::fabs(d) - z * s0) / s1);
      return pw;
    }
  }
}

SOSTAC_INLINE double power_arcsine(double pa, double pb, double n, double alpha,
                                   alternative alt, double ratio, bool both_tails) {
  const double h = 2 * std::asin(std::sqrt(pb)) - 2 * std::asin(std::sqrt(pa));
  const double shift = h * std::sqrt(n * ratio / (1 + ratio));
  const double z = upper_critical(alpha, alt);
  switch (alt) {
    case alternative::greater:
      return norm_cdf(shift - z);
    case alternative::less:
      return norm_cdf(-shift - z);
    default: {
      double pw = norm_cdf(std::fabs(shift) - z);
      if (both_tails) pw += norm_cdf(-std::fabs(shift) - z);
      return pw;
    }
  }
}

SOSTAC_INLINE double power_props(double pa, double pb, double n, double alpha, alternative alt,
                                 double ratio, power_method m, bool both) {
  return m == power_method::pooled ? power_pooled(pa, pb, n, alpha, alt, ratio, both)
                                   : power_arcsine(pa, pb, n, alpha, alt, ratio, both);
}

SOSTAC_INLINE void check_direction(double pa, double pb, alternative alt) {
  if (pa == pb)
    fail("p_b", "expected p_b different from p_a, got both " + format_value(pa));
  if (alt == alternative::greater && pb < pa)
    fail("p_b", "alternative 'greater' needs p_b > p_a, got p_b = " + format_value(pb) +
                    " < p_a = " + format_value(pa));
  if (alt == alternative::less && pb > pa)
    fail("p_b", "alternative 'less' needs p_b < p_a, got p_b = " + format_value(pb) +
                    " > p_a = " + format_value(pa));
}

}  // namespace sostac::stats::detail

namespace sostac::stats {

SOSTAC_INLINE double power_proportions(double p_a, double p_b, double n, double alpha,
                                       alternative alt,
                                       double ratio,
                                       power_method method,
                                       two_sided_tails tails) {
  detail::check_open_probability("p_a", p_a);
  detail::check_open_probability("p_b", p_b);
  detail::check_power_common(alpha, ratio);
  if (!(std::isfinite(n) && n > 0))
    detail::fail(
        "n", "expected a finite positive group size, got " + detail::format_value(n));
  return detail::power_props(p_a, p_b, n, alpha, alt, ratio, method,
                             detail::count_both_tails(tails, method));
}

SOSTAC_INLINE double sample_size_proportions(
           double p_a, double p_b, double alpha, double power,
           alternative alt, double ratio,
           power_method method,
           two_sided_tails tails) {
  detail::check_open_probability("p_a", p_a);
  detail::check_open_probability("p_b", p_b);
  detail::check_open_probability("power", power);
  detail::check_power_common(alpha, ratio);
  detail::check_direction(p_a, p_b, alt);
  const bool both = detail::count_both_tails(tails, method);
  const double za = detail::upper_critical(alpha, alt);
  const double zb = norm_quantile(power);
  // One-tail closed forms: power = Phi((|d| - za s0) / s1), s = sigma / sqrt(n).
  double n1;
  if (method == power_method::pooled) {
    const double pbar = (p_a + ratio * p_b) / (1 + ratio);
    const double sig0 = std::sqrt(pbar * (1 - pbar) * (1 + 1 / ratio));
    const double sig1 = std::sqrt(p_a * (1 - p_a) + p_b * (1 - p_b) / ratio);
    const double t = (za * sig0 + zb * sig1) / std::fabs(p_b - p_a);
    n1 = t * t;
  } else {
    const double h = 2 * std::asin(std::sqrt(p_b)) - 2 * std::asin(std::sqrt(p_a));
    const double t = (za + zb) / h;
    n1 = t * t * (1 + ratio) / ratio;
  }
  if (alt != alternative::two_sided || !both || !(n1 > 0)) return n1;
  // Counting the far tail too only adds power, so the root lies below n1.
  auto f = [&](double n) {
    return detail::power_props(p_a, p_b, n, alpha, alt, ratio, method, true) - power;
  };
  return detail::solve_increasing(f, n1, 1e-300, 2 * n1, "power");
}

SOSTAC_INLINE double mde_proportions(double p_a, double n, double alpha,
                                     double power,
                                     alternative alt,
                                     double ratio,
                                     power_method method,
                                     two_sided_tails tails) {
  detail::check_open_probability("p_a", p_a);
  detail::check_open_probability("power", power);
  detail::check_power_common(alpha, ratio);
  if (!(std::isfinite(n) && n > 0))
    detail::fail(
        "n", "expected a finite positive group size, got " + detail::format_value(n));
  const bool both = detail::count_both_tails(tails, method);
  const double sign = alt == alternative::less ? -1.0 : 1.0;
  const double room = alt == alternative::less ? p_a : 1 - p_a;
  // power as a function of the effect size d in (0, room): increasing.
  auto f = [&](double d) {
    return detail::power_props(p_a, p_a + sign * d, n, alpha, alt, ratio, method,
                               both) -
           power;
  };
  double hi = room * (1 - 1e-15);
  if (f(hi) < 0)
    detail::fail("n", "group size " + detail::format_value(n) +
                          " cannot reach the requested power for any p_b");
  double lo = room * 1e-12;
  if (f(lo) >= 0) return sign * lo;
  std::uintmax_t iters = 300;
  const auto r = boost::math::tools::toms748_solve(
      f, lo, hi, boost::math::tools::eps_tolerance<double>(50), iters);
  return sign * 0.5 * (r.first + r.second);
}

}  // namespace sostac::stats

namespace sostac::stats::detail {

SOSTAC_INLINE double power_t(double delta, double sd, double n, double alpha, alternative alt,
                             double ratio, bool both_tails) {
  const double nb = ratio * n;
  const double nu = n + nb - 2;
  double ncp = delta / (sd * std::sqrt(1 / n + 1 / nb));
  if (alt == alternative::less) ncp = -ncp;
  if (alt == alternative::two_sided) ncp = std::fabs(ncp);
  const double tail = alt == alternative::two_sided ? 0.5 * alpha : alpha;
  const boost::math::students_t_distribution<double> central(nu);
  const double tc = boost::math::quantile(boost::math::complement(central, tail));
  const boost::math::non_central_t_distribution<double> dist(nu, ncp);
  double pw = boost::math::cdf(boost::math::complement(dist, tc));
  if (alt == alternative::two_sided && both_tails) pw += boost::math::cdf(dist, -tc);
  return pw;
}

SOSTAC_INLINE void check_t_group_size(double n, double ratio) {
  if (!(std::isfinite(n) && n * (1 + ratio) > 2))
    fail("n",
         "expected a group size with n (1 + ratio) > 2 (positive degrees of "
         "freedom), got " +
             format_value(n));
}

SOSTAC_INLINE void check_means(double delta, double sd) {
  check_finite("delta", delta);
  if (delta == 0) fail("delta", "expected a non-zero difference in means, got 0");
  check_positive("sd", sd);
}

}  // namespace sostac::stats::detail

namespace sostac::stats {

SOSTAC_INLINE double power_means(double delta, double sd, double n, double alpha,
                                 alternative alt, double ratio,
                                 bool strict) {
  detail::check_means(delta, sd);
  detail::check_power_common(alpha, ratio);
  detail::check_t_group_size(n, ratio);
  return detail::power_t(delta, sd, n, alpha, alt, ratio, strict);
}

SOSTAC_INLINE double sample_size_means(double delta, double sd, double alpha,
                                       double power,
                                       alternative alt,
                                       double ratio, bool strict) {
  detail::check_means(delta, sd);
  detail::check_open_probability("power", power);
  detail::check_power_common(alpha, ratio);
  if (alt == alternative::greater && delta < 0)
    detail::fail("delta", "alternative 'greater' needs delta > 0, got " +
                              detail::format_value(delta));
  if (alt == alternative::less && delta > 0)
    detail::fail("delta", "alternative 'less' needs delta < 0, got " +
                              detail::format_value(delta));
  auto f = [&](double n) {
    return detail::power_t(delta, sd, n, alpha, alt, ratio, strict) - power;
  };
  // Start from the normal approximation, which is a little below the t answer.
  const double za = detail::upper_critical(alpha, alt), zb = norm_quantile(power);
  const double guess =
      (za + zb) * (za + zb) * sd * sd * (1 + 1 / ratio) / (delta * delta);
  // The t distribution needs nu = n (1 + ratio) - 2 > 0; we search from nu = 0.5.
  const double lower = 2.5 / (1 + ratio);
  return detail::solve_increasing(f, std::max(lower, guess), lower, 1e15, "power");
}

SOSTAC_INLINE double mde_means(double sd, double n, double alpha, double power,
                               alternative alt, double ratio,
                               bool strict) {
  detail::check_positive("sd", sd);
  detail::check_open_probability("power", power);
  detail::check_power_common(alpha, ratio);
  detail::check_t_group_size(n, ratio);
  const double sign = alt == alternative::less ? -1.0 : 1.0;
  auto f = [&](double d) {
    return detail::power_t(sign * d, sd, n, alpha, alt, ratio, strict) - power;
  };
  const double za = detail::upper_critical(alpha, alt), zb = norm_quantile(power);
  const double guess = (za + zb) * sd * std::sqrt(1 / n + 1 / (ratio * n));
  return sign * detail::solve_increasing(f, guess, 1e-300 * sd, 1e300, "power");
}

}  // namespace sostac::stats
