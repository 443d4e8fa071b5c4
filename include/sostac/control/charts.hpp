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

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>

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

SOSTAC_INLINE void check_positive(const char* argument, double v);

SOSTAC_INLINE void check_counts(const char* name, const double* x, const double* n,
                                std::size_t m, bool whole_n, bool bounded);

SOSTAC_INLINE double estimated_centre(const double* x, const double* n, std::size_t m);

SOSTAC_INLINE std::int8_t signal_of(double v, double lo, double hi);

SOSTAC_INLINE double shift_of(double v, double centre, double sd);

/// The smallest and largest counts x whose rate x / n lies inside [lower, upper], as
/// the signal tests them (floor and ceil corrected for rounding).
SOSTAC_INLINE std::pair<double, double> counts_inside(double n, double lower, double upper);

/// Laney's sigma_z of standardised values z (1 with fewer than two usable ones).
/// Periods whose sd is 0 (a rate of 0 or 1 at the centre) are left out.
SOSTAC_INLINE double laney_sigma_z(const std::vector<double>& z);

/// Widens (or narrows) a p- or u-chart's limits by Laney's sigma_z; `floor` and
/// `ceiling` cut them as the plain chart does. The exact false-alarm probabilities
/// no longer apply (NaN).
SOSTAC_INLINE void apply_laney(chart& c, const std::vector<double>& sd, double ceiling);

SOSTAC_INLINE chart empty_chart(const char* kind, std::size_t m, double multiplier);

}  // namespace detail

/// p-chart of x_i successes in n_i trials. `target` is the centre p0 (a plan's
/// target rate); NaN estimates it as sum x / sum n (Phase I). `L` > 0. `laney`:
/// Laney's p'-chart (limits scaled by sigma_z, see above).
SOSTAC_INLINE chart p_chart(const double* x, const double* n, std::size_t m, double target,
                            double L = 3, bool laney = false);

/// u-chart of c_i events over exposures n_i (visits, days, thousands of
/// impressions). `target` is the centre u0; NaN estimates it as sum c / sum n.
/// `laney`: Laney's u'-chart.
SOSTAC_INLINE chart u_chart(const double* count, const double* n, std::size_t m, double target,
                            double L = 3, bool laney = false);

namespace detail {
/// The in-control mean and standard deviation of a series chart.
SOSTAC_INLINE void check_mean_sd(double mu0, double sd);

SOSTAC_INLINE void check_series(const double* x, std::size_t m);
}  // namespace detail

/// EWMA chart of a series with in-control mean mu0 and standard deviation sigma (of
/// one observation), weight lambda in (0, 1], limits at L standard deviations of z_i
/// (exact, widening to the asymptotic ones).
SOSTAC_INLINE chart ewma_chart(const double* x, std::size_t m, double mu0, double sigma,
                               double lambda = 0.2, double L = 3);

/// Tabular CUSUM of a series with in-control mean mu0 and standard deviation sigma;
/// reference value k and decision interval h in standard deviations.
SOSTAC_INLINE chart cusum_chart(const double* x, std::size_t m, double mu0, double sigma,
                                double k = 0.5, double h = 5);

}  // namespace sostac::control

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/control/charts-inl.hpp>
#endif
