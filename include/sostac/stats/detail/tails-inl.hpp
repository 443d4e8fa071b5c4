#pragma once
/// Definitions for <sostac/stats/detail/tails.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/stats/detail/tails.hpp>

#include <boost/math/constants/constants.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>

namespace sostac::stats::detail {

SOSTAC_INLINE double log_norm_cdf(double x) {
  using boost::math::constants::root_two;
  if (x >= -37.0) {
    if (x > 5.0) return std::log1p(-0.5 * boost::math::erfc(x / root_two<double>()));
    return std::log(0.5 * boost::math::erfc(-x / root_two<double>()));
  }
  if (std::isinf(x)) return -std::numeric_limits<double>::infinity();
  const double x2 = x * x;
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 60; ++k) {
    term *= -(2.0 * k - 1.0) / x2;
    sum += term;
    if (std::fabs(term) < 1e-17 * sum) break;
  }
  const double log_phi =
      -0.5 * x2 - 0.5 * std::log(2.0 * boost::math::constants::pi<double>());
  return log_phi - std::log(-x) + std::log(sum);
}

SOSTAC_INLINE double norm_cdf(double x) {
  return 0.5 * boost::math::erfc(-x / boost::math::constants::root_two<double>());
}

SOSTAC_INLINE tail_prob norm_lower(double x) {
  using boost::math::constants::root_two;
  if (x <= 0) {
    const double p = 0.5 * boost::math::erfc(-x / root_two<double>());
    return {p, p > 1e-300 ? std::log(p) : log_norm_cdf(x)};
  }
  const double q = 0.5 * boost::math::erfc(x / root_two<double>());
  return {1.0 - q, std::log1p(-q)};
}

SOSTAC_INLINE tail_prob norm_upper(double x) {
  return norm_lower(-x);
}

SOSTAC_INLINE tail_prob norm_two_sided(double z) {
  const tail_prob t = norm_lower(-std::fabs(z));
  return {std::fmin(1.0, 2.0 * t.p),
          std::fmin(0.0, boost::math::constants::ln_two<double>() + t.log_p)};
}

SOSTAC_INLINE double log_gamma_q_cf(double a, double x) {
  const double tiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < 1e-16) break;
  }
  return -x + a * std::log(x) - boost::math::lgamma(a) + std::log(h);
}

SOSTAC_INLINE tail_prob chisq_upper(double stat, double df) {
  if (!(stat > 0)) return {1.0, 0.0};
  if (std::isinf(stat)) return {0.0, -std::numeric_limits<double>::infinity()};
  if (df == 1.0) return norm_two_sided(std::sqrt(stat));
  const double p = boost::math::gamma_q(0.5 * df, 0.5 * stat);
  if (p > 1e-280) return {p, std::log(p)};
  return {p, log_gamma_q_cf(0.5 * df, 0.5 * stat)};
}

SOSTAC_INLINE double log_ibeta_small_x(double a, double b, double x) {
  double term = 1.0, sum = 1.0;
  for (int n = 0; n < 100000; ++n) {
    term *= (a + b + n) / (a + 1.0 + n) * x;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return a * std::log(x) + b * std::log1p(-x) - std::log(a) - boost::math::lgamma(a) -
         boost::math::lgamma(b) + boost::math::lgamma(a + b) + std::log(sum);
}

SOSTAC_INLINE tail_prob t_upper(double t, double df) {
  if (std::isinf(t))
    return t > 0 ? tail_prob{0.0, -std::numeric_limits<double>::infinity()}
                 : tail_prob{1.0, 0.0};
  // P(|T| > |t|) = I_x(df/2, 1/2) with x = df/(df+t^2). For small t, x is close to 1
  // and 1 - x would cancel, so use I_x(a, b) = 1 - I_y(b, a), y = t^2/(df+t^2).
  const double t2 = t * t;
  const double x = df / (df + t2);
  const double y = t2 / (df + t2);
  const double tail2 = x < 0.5 ? boost::math::ibeta(0.5 * df, 0.5, x)
                               : boost::math::ibetac(0.5, 0.5 * df, y);
  double half = 0.5 * tail2;
  if (t > 0) {
    if (half > 1e-280) return {half, std::log(half)};
    return {half, std::log(0.5) + log_ibeta_small_x(0.5 * df, 0.5, x)};
  }
  const double p = 1.0 - half;
  return {p, std::log1p(-half)};
}

SOSTAC_INLINE tail_prob t_lower(double t, double df) {
  return t_upper(-t, df);
}

SOSTAC_INLINE tail_prob t_two_sided(double t, double df) {
  const tail_prob up = t_upper(std::fabs(t), df);
  return {std::fmin(1.0, 2.0 * up.p), std::fmin(0.0, std::log(2.0) + up.log_p)};
}

}  // namespace sostac::stats::detail
