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

#include <sostac/core/error.hpp>
#include <sostac/stats/one_sample.hpp>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace sostac::control {

/// How the KPI's value is tested (the roll-up's interval kinds).
enum class kpi_test { rate, cost_per_count, count, ratio };

inline kpi_test parse_kpi_test(const std::string& interval) {
  if (interval == "wilson") return kpi_test::rate;
  if (interval == "poisson-gamma") return kpi_test::cost_per_count;
  if (interval == "poisson") return kpi_test::count;
  if (interval == "delta" || interval == "normal") return kpi_test::ratio;
  throw input_error("interval",
                    "expected wilson, poisson-gamma, poisson, delta or normal, got '" +
                        interval + "'");
}

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
inline projection project_linear(const double* x, const double* y, std::size_t n,
                                 double x0, double level) {
  projection p;
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
      throw input_error("series[" + std::to_string(i) + "]",
                        "expected finite times and values");
  if (n < 3 || !std::isfinite(x0)) return p;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  const double dn = static_cast<double>(n);
  mx /= dn;
  my /= dn;
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  if (sxx == 0) return p;
  const double b = sxy / sxx, a = my - b * mx;
  double sse = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double e = y[i] - (a + b * x[i]);
    sse += e * e;
  }
  const double s = std::sqrt(sse / (dn - 2));
  const boost::math::students_t t(dn - 2);
  const double q = boost::math::quantile(t, (1 + level) / 2);
  const double half = q * s * std::sqrt(1 + 1 / dn + (x0 - mx) * (x0 - mx) / sxx);
  p.estimate = a + b * x0;
  p.low = p.estimate - half;
  p.high = p.estimate + half;
  p.slope = b;
  return p;
}

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
inline dispersion_estimate pearson_dispersion(const std::vector<double>& x,
                                              const std::vector<double>& n,
                                              bool binomial) {
  if (x.size() != n.size())
    throw input_error("n", "expected " + std::to_string(x.size()) +
                               " values (one per count in x), got " +
                               std::to_string(n.size()));
  double sx = 0, sn = 0, m = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    if (!(std::isfinite(x[i]) && x[i] >= 0))
      throw input_error("x" + at, "expected a finite count >= 0, got " +
                                      sostac::detail::format_value(x[i]));
    if (!(std::isfinite(n[i]) && n[i] >= 0))
      throw input_error("n" + at, "expected finite trials or exposure >= 0, got " +
                                      sostac::detail::format_value(n[i]));
    if (binomial && x[i] > n[i])
      throw input_error("x" + at, "expected at most n" + at + " = " +
                                      sostac::detail::format_value(n[i]) + ", got " +
                                      sostac::detail::format_value(x[i]));
    if (n[i] == 0) continue;
    sx += x[i], sn += n[i], m += 1;
  }
  dispersion_estimate e;
  const double r = sn > 0 ? sx / sn : 0;
  const double v = binomial ? r * (1 - r) : r;
  if (m < 2 || !(v > 0)) return e;
  double chi2 = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (n[i] > 0) chi2 += (x[i] - n[i] * r) * (x[i] - n[i] * r) / (n[i] * v);
  e.chi2 = chi2;
  e.df = m - 1;
  e.phi = chi2 / e.df;
  e.p_value = boost::math::cdf(boost::math::complement(boost::math::chi_squared(e.df), chi2));
  return e;
}

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
inline kpi_status evaluate_kpi(const kpi_to_date& d, double target, bool higher,
                               const std::vector<double>& series_x,
                               const std::vector<double>& series_y, double deadline,
                               double as_of, double alpha = 0.05, double level = 0.95) {
  if (!std::isfinite(target)) throw input_error("target", "expected a finite target");
  if (!(alpha > 0 && alpha < 1))
    throw input_error("alpha", "expected a level in (0, 1)");
  if (!(level > 0 && level < 1))
    throw input_error("level", "expected a level in (0, 1)");
  if (series_x.size() != series_y.size())
    throw input_error("series", "expected as many times as values");
  kpi_status r;
  const auto alt = higher ? stats::alternative::less : stats::alternative::greater;
  const bool plain_sum = std::isnan(d.denominator);
  if (!(d.periods >= 0))
    throw input_error("periods", "expected a number of periods >= 0");
  if (d.period_numerator.size() != d.period_denominator.size())
    throw input_error("period_denominator",
                      "expected " + std::to_string(d.period_numerator.size()) +
                          " values (one per period numerator), got " +
                          std::to_string(d.period_denominator.size()));
  for (std::size_t i = 0; i < d.period_numerator.size(); ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    if (!(std::isfinite(d.period_numerator[i]) && d.period_numerator[i] >= 0))
      throw input_error("period_numerator" + at,
                        "expected a finite value >= 0, got " +
                            sostac::detail::format_value(d.period_numerator[i]));
    if (!(std::isfinite(d.period_denominator[i]) && d.period_denominator[i] >= 0))
      throw input_error("period_denominator" + at,
                        "expected a finite value >= 0, got " +
                            sostac::detail::format_value(d.period_denominator[i]));
    if (d.test == kpi_test::rate && d.period_numerator[i] > d.period_denominator[i])
      throw input_error("period_numerator" + at,
                        "expected at most period_denominator" + at + " = " +
                            sostac::detail::format_value(d.period_denominator[i]) +
                            " for a rate, got " +
                            sostac::detail::format_value(d.period_numerator[i]));
  }
  const bool usable =
      d.periods > 0 && (plain_sum || d.denominator > 0) && std::isfinite(d.numerator);
  // with more between-period variation than the binomial / Poisson allows (phi > 1),
  // the quasi-likelihood test: the score z over sqrt(phi), Student's t on m - 1 df;
  // its p-value is never below the plain test's (allowing for the dispersion never
  // makes a verdict more confident, e.g. t against an exact Poisson lower tail)
  auto quasi = [&r](double z, stats::alternative side, const char* name) {
    const auto& e = r.dispersion;
    if (!(e.phi > 1) || !std::isfinite(z)) return;
    r.test = name;
    r.statistic = z / std::sqrt(e.phi);
    r.p_value = std::max(r.p_value, stats::t_pvalue(r.statistic, e.df, side).p);
  };
  if (usable) {
    switch (d.test) {
      case kpi_test::rate: {
        r.test = "score";
        r.compared = d.value;
        r.dispersion = pearson_dispersion(d.period_numerator, d.period_denominator, true);
        if (target > 0 && target < 1) {
          const auto t =
              stats::one_proportion_test(d.numerator, d.denominator, target,
                                         stats::one_proportion_method::score, alt);
          r.statistic = t.statistic;
          r.p_value = t.pvalue;
          quasi(t.statistic, alt, "quasi-binomial");
        }
        break;
      }
      case kpi_test::cost_per_count: {
        // cost / count vs target: count ~ Poisson(cost / target) at the target; a
        // lower cost per count is a higher count rate, so the sides swap
        r.test = "poisson";
        r.compared = d.value;
        // the dispersion of the counts per period over the period's cost
        r.dispersion =
            pearson_dispersion(d.period_denominator, d.period_numerator, false);
        if (target > 0 && d.numerator > 0) {
          const auto side =
              higher ? stats::alternative::greater : stats::alternative::less;
          const auto t = stats::poisson_test(d.denominator, d.numerator, 1 / target, side);
          r.statistic = t.statistic;
          r.p_value = t.pvalue;
          const double mu = d.numerator / target;
          quasi((d.denominator - mu) / std::sqrt(mu), side, "quasi-poisson");
        }
        break;
      }
      case kpi_test::count: {
        r.test = "poisson";
        const double per = d.periods;
        r.compared = d.numerator / per;
        r.dispersion = pearson_dispersion(d.period_numerator, d.period_denominator, false);
        if (target > 0) {
          const auto t = stats::poisson_test(d.numerator, per, target, alt);
          r.statistic = t.statistic;
          r.p_value = t.pvalue;
          const double mu = per * target;
          quasi((d.numerator - mu) / std::sqrt(mu), alt, "quasi-poisson");
        }
        break;
      }
      case kpi_test::ratio: {
        r.test = "z";
        const double per = plain_sum ? d.periods : 1.0;
        r.compared = d.value / per;
        const double se =
            (d.high - d.low) / (2 * stats::two_sided_critical(level)) / per;
        if (std::isfinite(se) && se > 0) {
          r.statistic = (r.compared - target) / se;
          r.p_value = stats::normal_pvalue(r.statistic, alt).p;
        }
        break;
      }
    }
  }
  const bool before = as_of < deadline;
  r.projected = project_linear(series_x.data(), series_y.data(), series_x.size(),
                               deadline, level);
  auto meets = [&](double v) { return higher ? v >= target : v <= target; };
  if (!usable || (before && series_x.size() < 3)) {
    r.status = "insufficient_data";
    return r;
  }
  const bool short_of_it = std::isfinite(r.p_value) && r.p_value < alpha;
  if (!before) {
    r.status = meets(r.compared) ? "on_track" : (short_of_it ? "off_track" : "at_risk");
    return r;
  }
  const double pessimistic = higher ? r.projected.low : r.projected.high;
  const double optimistic = higher ? r.projected.high : r.projected.low;
  if (meets(r.compared) || (std::isfinite(pessimistic) && meets(pessimistic)))
    r.status = "on_track";
  else if (short_of_it && std::isfinite(optimistic) && !meets(optimistic))
    r.status = "off_track";
  else
    r.status = "at_risk";
  return r;
}

}  // namespace sostac::control
