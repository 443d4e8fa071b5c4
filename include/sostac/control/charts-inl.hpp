#pragma once
/// Definitions for <sostac/control/charts.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/control/charts.hpp>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/poisson.hpp>

namespace sostac::control::detail {

SOSTAC_INLINE void check_positive(const char* argument, double v) {
  if (!(std::isfinite(v) && v > 0))
    throw input_error(argument,
                      "expected a positive finite number, got " + format_value(v));
}

SOSTAC_INLINE void check_counts(const char* name, const double* x, const double* n,
                                std::size_t m, bool whole_n, bool bounded) {
  for (std::size_t i = 0; i < m; ++i) {
    const std::string at = std::string(name) + "[" + std::to_string(i) + "]";
    if (!(std::isfinite(x[i]) && x[i] >= 0 && x[i] == std::floor(x[i])))
      throw input_error(
          at, "expected a whole non-negative count, got " + format_value(x[i]));
    if (!(std::isfinite(n[i]) && n[i] > 0) || (whole_n && n[i] != std::floor(n[i])))
      throw input_error(
          "n[" + std::to_string(i) + "]",
          std::string(whole_n ? "expected a whole positive number of trials"
                              : "expected a positive finite exposure") +
              ", got " + format_value(n[i]));
    if (bounded && x[i] > n[i])
      throw input_error(at, "expected at most n[" + std::to_string(i) + "] = " +
                                format_value(n[i]) + ", got " + format_value(x[i]));
  }
}

SOSTAC_INLINE double estimated_centre(const double* x, const double* n, std::size_t m) {
  double sx = 0, sn = 0;
  for (std::size_t i = 0; i < m; ++i) sx += x[i], sn += n[i];
  return sx / sn;
}

SOSTAC_INLINE std::int8_t signal_of(double v, double lo, double hi) {
  return v > hi ? 1 : (v < lo ? -1 : 0);
}

SOSTAC_INLINE double shift_of(double v, double centre, double sd) {
  if (sd > 0) return (v - centre) / sd;
  if (v == centre) return 0;
  return v > centre ? std::numeric_limits<double>::infinity()
                    : -std::numeric_limits<double>::infinity();
}

SOSTAC_INLINE std::pair<double, double> counts_inside(double n, double lower, double upper) {
  double hi = std::floor(upper * n), lo = std::ceil(lower * n);
  while ((hi + 1) / n <= upper) ++hi;
  while (hi >= 0 && hi / n > upper) --hi;
  while (lo > 0 && (lo - 1) / n >= lower) --lo;
  while (lo / n < lower) ++lo;
  return {lo, hi};
}

SOSTAC_INLINE double laney_sigma_z(const std::vector<double>& z) {
  constexpr double d2 = 1.1283791670955126;  // 2 / sqrt(pi)
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t i = 1; i < z.size(); ++i) {
    if (!std::isfinite(z[i]) || !std::isfinite(z[i - 1])) continue;
    sum += std::fabs(z[i] - z[i - 1]);
    ++count;
  }
  return count ? sum / static_cast<double>(count) / d2 : 1.0;
}

SOSTAC_INLINE void apply_laney(chart& c, const std::vector<double>& sd, double ceiling) {
  std::vector<double> z(c.value.size());
  for (std::size_t i = 0; i < z.size(); ++i)
    z[i] = sd[i] > 0 ? (c.value[i] - c.centre[i]) / sd[i]
                     : std::numeric_limits<double>::quiet_NaN();
  const double sz = laney_sigma_z(z);
  const double L = c.sigma_multiplier;
  c.sigma_z = sz;
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double s = sd[i] * sz;
    c.lower[i] = std::max(0.0, c.centre[i] - L * s);
    c.upper[i] = std::min(ceiling, c.centre[i] + L * s);
    c.signal[i] = signal_of(c.value[i], c.lower[i], c.upper[i]);
    c.shift[i] = shift_of(c.value[i], c.centre[i], s);
    c.false_alarm[i] = std::numeric_limits<double>::quiet_NaN();
  }
}

SOSTAC_INLINE chart empty_chart(const char* kind, std::size_t m, double multiplier) {
  chart c;
  c.kind = kind;
  c.value.resize(m);
  c.centre.resize(m);
  c.lower.resize(m);
  c.upper.resize(m);
  c.signal.resize(m);
  c.shift.resize(m);
  c.false_alarm.assign(m, std::numeric_limits<double>::quiet_NaN());
  c.sigma_multiplier = multiplier;
  return c;
}

}  // namespace sostac::control::detail

namespace sostac::control {

SOSTAC_INLINE chart p_chart(const double* x, const double* n, std::size_t m, double target,
                            double L, bool laney) {
  detail::check_positive("sigma", L);
  detail::check_counts("x", x, n, m, true, true);
  if (!std::isnan(target) && !(target >= 0 && target <= 1))
    throw input_error("target",
                      "expected a rate in [0, 1], got " + detail::format_value(target));
  if (m == 0) return detail::empty_chart("p", 0, L);
  const double p0 = std::isnan(target) ? detail::estimated_centre(x, n, m) : target;
  chart c = detail::empty_chart("p", m, L);
  std::vector<double> sds(m);
  for (std::size_t i = 0; i < m; ++i) {
    const double sd = sds[i] = std::sqrt(p0 * (1 - p0) / n[i]);
    c.value[i] = x[i] / n[i];
    c.centre[i] = p0;
    c.lower[i] = std::max(0.0, p0 - L * sd);
    c.upper[i] = std::min(1.0, p0 + L * sd);
    c.signal[i] = detail::signal_of(c.value[i], c.lower[i], c.upper[i]);
    c.shift[i] = detail::shift_of(c.value[i], p0, sd);
    // P(x / n > upper) + P(x / n < lower) for x ~ Binomial(n, p0)
    if (p0 > 0 && p0 < 1) {
      const boost::math::binomial_distribution<> b(n[i], p0);
      const auto [lo, hi] = detail::counts_inside(n[i], c.lower[i], c.upper[i]);
      double fa = hi < n[i] ? boost::math::cdf(boost::math::complement(b, hi)) : 0.0;
      if (lo > 0) fa += boost::math::cdf(b, lo - 1);
      c.false_alarm[i] = fa;
    } else {
      c.false_alarm[i] = 0;  // the count is fixed at 0 or n
    }
  }
  if (laney) detail::apply_laney(c, sds, 1.0);
  return c;
}

SOSTAC_INLINE chart u_chart(const double* count, const double* n, std::size_t m, double target,
                            double L, bool laney) {
  detail::check_positive("sigma", L);
  detail::check_counts("count", count, n, m, false, false);
  if (!std::isnan(target) && !(std::isfinite(target) && target >= 0))
    throw input_error("target", "expected a non-negative finite rate, got " +
                                    detail::format_value(target));
  if (m == 0) return detail::empty_chart("u", 0, L);
  const double u0 = std::isnan(target) ? detail::estimated_centre(count, n, m) : target;
  chart c = detail::empty_chart("u", m, L);
  std::vector<double> sds(m);
  for (std::size_t i = 0; i < m; ++i) {
    const double sd = sds[i] = std::sqrt(u0 / n[i]);
    c.value[i] = count[i] / n[i];
    c.centre[i] = u0;
    c.lower[i] = std::max(0.0, u0 - L * sd);
    c.upper[i] = u0 + L * sd;
    c.signal[i] = detail::signal_of(c.value[i], c.lower[i], c.upper[i]);
    c.shift[i] = detail::shift_of(c.value[i], u0, sd);
    // P(c / n > upper) + P(c / n < lower) for c ~ Poisson(u0 n)
    if (u0 > 0) {
      const boost::math::poisson_distribution<> p(u0 * n[i]);
      const auto [lo, hi] = detail::counts_inside(n[i], c.lower[i], c.upper[i]);
      double fa = boost::math::cdf(boost::math::complement(p, hi));
      if (lo > 0) fa += boost::math::cdf(p, lo - 1);
      c.false_alarm[i] = fa;
    } else {
      c.false_alarm[i] = 0;
    }
  }
  if (laney) detail::apply_laney(c, sds, std::numeric_limits<double>::infinity());
  return c;
}

}  // namespace sostac::control

namespace sostac::control::detail {

SOSTAC_INLINE void check_mean_sd(double mu0, double sd) {
  if (!std::isfinite(mu0))
    throw input_error("mu0", "expected a finite number, got " + format_value(mu0));
  check_positive("sd", sd);
}

SOSTAC_INLINE void check_series(const double* x, std::size_t m) {
  for (std::size_t i = 0; i < m; ++i)
    if (!std::isfinite(x[i]))
      throw input_error("x[" + std::to_string(i) + "]",
                        "expected a finite number, got " + format_value(x[i]));
}

}  // namespace sostac::control::detail

namespace sostac::control {

SOSTAC_INLINE chart ewma_chart(const double* x, std::size_t m, double mu0, double sigma,
                               double lambda, double L) {
  detail::check_mean_sd(mu0, sigma);
  if (!(lambda > 0 && lambda <= 1))
    throw input_error(
        "lam", "expected a weight in (0, 1], got " + detail::format_value(lambda));
  detail::check_positive("sigma", L);
  detail::check_series(x, m);
  chart c = detail::empty_chart("ewma", m, L);
  double z = mu0, decay = 1;  // decay = (1 - lambda)^(2i)
  const double keep = (1 - lambda) * (1 - lambda), ratio = lambda / (2 - lambda);
  for (std::size_t i = 0; i < m; ++i) {
    z = lambda * x[i] + (1 - lambda) * z;
    decay *= keep;
    const double sd = sigma * std::sqrt(ratio * (1 - decay));
    c.value[i] = z;
    c.centre[i] = mu0;
    c.lower[i] = mu0 - L * sd;
    c.upper[i] = mu0 + L * sd;
    c.signal[i] = detail::signal_of(z, c.lower[i], c.upper[i]);
    c.shift[i] = (z - mu0) / sigma;
  }
  return c;
}

SOSTAC_INLINE chart cusum_chart(const double* x, std::size_t m, double mu0, double sigma,
                                double k, double h) {
  detail::check_mean_sd(mu0, sigma);
  if (!(std::isfinite(k) && k >= 0))
    throw input_error(
        "k", "expected a non-negative finite number, got " + detail::format_value(k));
  detail::check_positive("h", h);
  detail::check_series(x, m);
  chart c = detail::empty_chart("cusum", m, h);
  c.value_low.resize(m);
  double up = 0, down = 0;
  std::size_t n_up = 0, n_down = 0;
  const double limit = h * sigma;
  for (std::size_t i = 0; i < m; ++i) {
    up = std::max(0.0, x[i] - (mu0 + k * sigma) + up);
    down = std::max(0.0, (mu0 - k * sigma) - x[i] + down);
    n_up = up > 0 ? n_up + 1 : 0;
    n_down = down > 0 ? n_down + 1 : 0;
    c.value[i] = up;
    c.value_low[i] = down;
    c.centre[i] = 0;
    c.lower[i] = -limit;
    c.upper[i] = limit;
    // the larger excess decides the sign when both sums cross (a noisy series)
    const bool hi = up > limit, lo = down > limit;
    c.signal[i] = hi && (!lo || up - limit >= down - limit) ? 1 : (lo ? -1 : 0);
    if (c.signal[i] > 0 || (c.signal[i] == 0 && up >= down))
      c.shift[i] = n_up ? k + up / (static_cast<double>(n_up) * sigma) : 0.0;
    else
      c.shift[i] = n_down ? -(k + down / (static_cast<double>(n_down) * sigma)) : 0.0;
  }
  return c;
}

}  // namespace sostac::control
