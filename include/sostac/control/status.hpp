#pragma once
/// The status of a KPI against its target: a one-sided test of the value to date
/// against the target, a linear projection to the deadline with a prediction
/// interval, and a verdict — on track, at risk, off track or not enough data — by a
/// stated rule whose numbers travel with it (docs/control.md):
///
///   test       H0: the KPI meets its target (>= for higher-is-better objectives,
///              <= for lower-is-better); p small = credibly short of it.
///                rate of two counts (CTR, conversion): score test of x / n vs target
///                cost per count (CPC, CPA): k ~ Poisson(cost / target), exact
///                count per period (visitors): sum k ~ Poisson(periods * target),
///                exact; periods may be fractional (a first or last period the data
///                only partly cover counts for its covered share) other ratios and
///                sums: z = (per-period value - target) / se, se from the roll-up
///                interval (delta method / day-to-day spread)
///              rates, costs per count and counts first estimate the between-period
///              dispersion phi = X^2 / (m - 1), Pearson's X^2 of the m per-period
///              values about their pooled rate (McCullagh & Nelder 1989, sec. 4.5;
///              the quasi-binomial / quasi-Poisson scale); when phi > 1 the test is
///              the quasi-likelihood one: the score z / sqrt(phi) against Student's t
///              on m - 1 df (as R's summary.glm reads a quasi GLM), its p-value
///              never below the plain test's; else (phi <= 1, or fewer than 2
///              periods with trials / exposure: NaN) the plain test above
///   projection OLS line through the per-period values, at the deadline, with the
///              t prediction interval at `level` (3 periods or more)
///   verdict    before the deadline: on_track if the value to date or the projection's
///              pessimistic bound meets the target; off_track if p < alpha and the
///              projection's optimistic bound misses it; else at_risk. At or after
///              the deadline: on_track if the value meets the target, off_track if
///              p < alpha, else at_risk. insufficient_data without a denominator, or,
///              before the deadline, with fewer than 3 periods.

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>
#include <sostac/stats/one_sample.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace sostac::control {

/// How the KPI's value is tested (the roll-up's interval kinds).
enum class kpi_test { rate, cost_per_count, count, ratio };

SOSTAC_INLINE kpi_test parse_kpi_test(const std::string& interval);

/// A linear projection: the fitted value at x0 and its prediction interval.
struct projection {
  double estimate = std::numeric_limits<double>::quiet_NaN();
  double low = std::numeric_limits<double>::quiet_NaN();
  double high = std::numeric_limits<double>::quiet_NaN();
  double slope = std::numeric_limits<double>::quiet_NaN();  ///< per unit of x
};

/// OLS of y on x (n >= 3, x not all equal), predicted at x0 with the t prediction
/// interval at `level`: yhat +/- t(n - 2) s sqrt(1 + 1/n + (x0 - xbar)^2 / Sxx).
/// Fewer points, or a single x, give NaN.
SOSTAC_INLINE projection project_linear(const double* x, const double* y, std::size_t n,
                                        double x0, double level);

/// The value to date of one KPI, as the roll-up reports it.
struct kpi_to_date {
  kpi_test test = kpi_test::rate;
  double numerator = 0;      ///< sum of the numerator (cost for cost per count)
  double denominator = 0;    ///< sum of the denominator (NaN for a plain sum)
  double value = 0;          ///< the KPI to date (a total for plain sums)
  double low = 0, high = 0;  ///< its interval at `level` (ratios and sums)
  double periods = 0;  ///< periods the data cover (fractional for partly covered ones)
  /// Per period, the numerator and denominator as the roll-up gives them (for a
  /// plain sum, the denominator is the share of the period the data cover), for the
  /// between-period dispersion; empty: no dispersion estimate, the plain test.
  std::vector<double> period_numerator, period_denominator;
};

/// Pearson's dispersion of per-period counts about one pooled rate.
struct dispersion_estimate {
  double phi = std::numeric_limits<double>::quiet_NaN();  ///< X^2 / df
  double chi2 = std::numeric_limits<double>::quiet_NaN();  ///< Pearson's X^2
  double df = std::numeric_limits<double>::quiet_NaN();  ///< periods used - 1
  double p_value = std::numeric_limits<double>::quiet_NaN();  ///< P(chi2(df) >= X^2)
};

/// The dispersion of counts x_i over trials or exposures n_i (periods with n_i = 0
/// are left out): with the pooled rate r = sum x / sum n and m periods,
///   binomial: X^2 = sum (x_i - n_i r)^2 / (n_i r (1 - r))
///   Poisson:  X^2 = sum (x_i - n_i r)^2 / (n_i r)
/// and phi = X^2 / (m - 1), the scale a quasi GLM with an intercept estimates (R's
/// summary.glm, statsmodels' scale='X2'). NaN with fewer than 2 periods or a pooled
/// rate of 0 (or 1 for a binomial), where the counts cannot vary.
SOSTAC_INLINE dispersion_estimate pearson_dispersion(const std::vector<double>& x,
                                                     const std::vector<double>& n,
                                                     bool binomial);

struct kpi_status {
  std::string status;  ///< on_track, at_risk, off_track, insufficient_data
  /// "score", "poisson", "z", or with phi > 1 "quasi-binomial" / "quasi-poisson"
  std::string test;
  double statistic = std::numeric_limits<double>::quiet_NaN();
  double p_value = std::numeric_limits<double>::quiet_NaN();
  double compared =
      std::numeric_limits<double>::quiet_NaN();  ///< value tested (per period for sums)
  projection projected;
  dispersion_estimate dispersion;  ///< rates, costs per count and counts
};

/// Evaluates a KPI against `target`. `higher` is the objective's direction (true:
/// increase / higher is better). `series_x` / `series_y` are the per-period values
/// (x: day numbers of the period starts); `deadline` and `as_of` are day numbers.
SOSTAC_INLINE kpi_status evaluate_kpi(const kpi_to_date& d, double target, bool higher,
                                      const std::vector<double>& series_x,
                                      const std::vector<double>& series_y, double deadline,
                                      double as_of, double alpha = 0.05, double level = 0.95);

}  // namespace sostac::control

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/control/status-inl.hpp>
#endif
