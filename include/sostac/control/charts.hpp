#pragma once
/// Control charts for KPI series (the Control stage's "is this week different?"):
/// Shewhart p- and u-charts with limits per period, and the EWMA and tabular CUSUM
/// charts for small sustained shifts of a mean. Each returns, per period, the plotted
/// statistic, the centre line, the limits, a signal (+1 above the upper limit, -1
/// below the lower, 0 inside) and the size of the shift in standard deviations, so an
/// alert can name its period and its size.
///
/// Formulas (Montgomery, Introduction to Statistical Quality Control, 6th ed.):
///
///     p-chart   p_i = x_i / n_i, centre p0 (or sum x / sum n),
///               limits p0 -/+ L sqrt(p0 (1 - p0) / n_i), cut to [0, 1]
///     u-chart   u_i = c_i / n_i, centre u0 (or sum c / sum n),
///               limits u0 -/+ L sqrt(u0 / n_i), the lower cut at 0
///     EWMA      z_i = lambda x_i + (1 - lambda) z_{i-1}, z_0 = mu0, limits
///               mu0 -/+ L sigma sqrt(lambda / (2 - lambda) (1 - (1 - lambda)^(2i)))
///     Laney     p'- and u'-charts (Laney 2002, "Improved control charts for
///               attributes", Quality Engineering 14(4)): the limits above widened
///               (or narrowed) by sigma_z, the spread of the standardised values
///               z_i = (p_i - p0) / sigma_i between periods estimated from their
///               moving ranges, sigma_z = mean |z_i - z_{i-1}| / d2, d2 = 2/sqrt(pi)
///               = 1.128: centre -/+ L sigma_i sigma_z. For large samples whose true
///               rate wanders from period to period (web traffic), the binomial /
///               Poisson limits are far too narrow and signal nearly every period;
///               sigma_z = 1 gives back the plain chart.
///     CUSUM     C+_i = max(0, x_i - mu0 - k sigma + C+_{i-1}),
///               C-_i = max(0, mu0 - k sigma - x_i + C-_{i-1}), C+_0 = C-_0 = 0,
///               a signal when C+_i or C-_i exceeds h sigma; the shift estimate is
///               k + C+_i / (N+_i sigma) (or -(k + C-_i / (N-_i sigma))), N the
///               periods since the sum was last 0. The sums are not reset after a
///               signal.
///
/// A signal needs the statistic strictly beyond a limit. Shewhart shifts are
/// (statistic - centre) / sigma_i; EWMA's is (z_i - mu0) / sigma.

#include <sostac/core/error.hpp>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/poisson.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace sostac::control {

/// One chart, one entry per period.
struct chart {
  std::string kind;               ///< "p", "u", "ewma" or "cusum"
  std::vector<double> value;      ///< p_i, u_i, z_i, or C+_i for CUSUM
  std::vector<double> value_low;  ///< CUSUM's C-_i (empty for the others)
  std::vector<double> centre;     ///< the centre line (0 for CUSUM)
  std::vector<double> lower;  ///< lower limit (-h sigma for CUSUM's C-, drawn below)
  std::vector<double> upper;  ///< upper limit
  std::vector<std::int8_t> signal;  ///< +1 above, -1 below, 0 inside
  std::vector<double> shift;        ///< estimated shift, in standard deviations
  /// p- and u-charts: the probability that an in-control period falls outside its
  /// limits, exact (binomial / Poisson); NaN for EWMA and CUSUM (see their ARL).
  std::vector<double> false_alarm;
  double sigma_multiplier = 3;  ///< L (Shewhart, EWMA) or h (CUSUM)
  /// Laney's between-period spread of the standardised values (1 for the plain p-
  /// and u-charts, which assume none).
  double sigma_z = 1;
};

namespace detail {

using ::sostac::detail::format_value;

inline void check_positive(const char* argument, double v) {
  if (!(std::isfinite(v) && v > 0))
    throw input_error(argument,
                      "expected a positive finite number, got " + format_value(v));
}

inline void check_counts(const char* name, const double* x, const double* n,
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

inline double estimated_centre(const double* x, const double* n, std::size_t m) {
  double sx = 0, sn = 0;
  for (std::size_t i = 0; i < m; ++i) sx += x[i], sn += n[i];
  return sx / sn;
}

inline std::int8_t signal_of(double v, double lo, double hi) {
  return v > hi ? 1 : (v < lo ? -1 : 0);
}

inline double shift_of(double v, double centre, double sd) {
  if (sd > 0) return (v - centre) / sd;
  if (v == centre) return 0;
  return v > centre ? std::numeric_limits<double>::infinity()
                    : -std::numeric_limits<double>::infinity();
}

/// The smallest and largest counts x whose rate x / n lies inside [lower, upper], as
/// the signal tests them (floor and ceil corrected for rounding).
inline std::pair<double, double> counts_inside(double n, double lower, double upper) {
  double hi = std::floor(upper * n), lo = std::ceil(lower * n);
  while ((hi + 1) / n <= upper) ++hi;
  while (hi >= 0 && hi / n > upper) --hi;
  while (lo > 0 && (lo - 1) / n >= lower) --lo;
  while (lo / n < lower) ++lo;
  return {lo, hi};
}

/// Laney's sigma_z of standardised values z (1 with fewer than two usable ones).
/// Periods whose sd is 0 (a rate of 0 or 1 at the centre) are left out.
inline double laney_sigma_z(const std::vector<double>& z) {
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

/// Widens (or narrows) a p- or u-chart's limits by Laney's sigma_z; `floor` and
/// `ceiling` cut them as the plain chart does. The exact false-alarm probabilities
/// no longer apply (NaN).
inline void apply_laney(chart& c, const std::vector<double>& sd, double ceiling) {
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

inline chart empty_chart(const char* kind, std::size_t m, double multiplier) {
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

}  // namespace detail

/// p-chart of x_i successes in n_i trials. `target` is the centre p0 (a plan's
/// target rate); NaN estimates it as sum x / sum n (Phase I). `L` > 0. `laney`:
/// Laney's p'-chart (limits scaled by sigma_z, see above).
inline chart p_chart(const double* x, const double* n, std::size_t m, double target,
                     double L = 3, bool laney = false) {
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

/// u-chart of c_i events over exposures n_i (visits, days, thousands of
/// impressions). `target` is the centre u0; NaN estimates it as sum c / sum n.
/// `laney`: Laney's u'-chart.
inline chart u_chart(const double* count, const double* n, std::size_t m, double target,
                     double L = 3, bool laney = false) {
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

namespace detail {
/// The in-control mean and standard deviation of a series chart.
inline void check_mean_sd(double mu0, double sd) {
  if (!std::isfinite(mu0))
    throw input_error("mu0", "expected a finite number, got " + format_value(mu0));
  check_positive("sd", sd);
}

inline void check_series(const double* x, std::size_t m) {
  for (std::size_t i = 0; i < m; ++i)
    if (!std::isfinite(x[i]))
      throw input_error("x[" + std::to_string(i) + "]",
                        "expected a finite number, got " + format_value(x[i]));
}
}  // namespace detail

/// EWMA chart of a series with in-control mean mu0 and standard deviation sigma (of
/// one observation), weight lambda in (0, 1], limits at L standard deviations of z_i
/// (exact, widening to the asymptotic ones).
inline chart ewma_chart(const double* x, std::size_t m, double mu0, double sigma,
                        double lambda = 0.2, double L = 3) {
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

/// Tabular CUSUM of a series with in-control mean mu0 and standard deviation sigma;
/// reference value k and decision interval h in standard deviations.
inline chart cusum_chart(const double* x, std::size_t m, double mu0, double sigma,
                         double k = 0.5, double h = 5) {
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
