#pragma once
/// Definitions for <sostac/control/status.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/control/status.hpp>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/students_t.hpp>

namespace sostac::control {

SOSTAC_INLINE kpi_test parse_kpi_test(const std::string& interval) {
  if (interval == "wilson") return kpi_test::rate;
  if (interval == "poisson-gamma") return kpi_test::cost_per_count;
  if (interval == "poisson") return kpi_test::count;
  if (interval == "delta" || interval == "normal") return kpi_test::ratio;
  throw input_error("interval",
                    "expected wilson, poisson-gamma, poisson, delta or normal, got '" +
                        interval + "'");
}

SOSTAC_INLINE projection project_linear(const double* x, const double* y, std::size_t n,
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

SOSTAC_INLINE dispersion_estimate pearson_dispersion(const std::vector<double>& x,
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

SOSTAC_INLINE kpi_status evaluate_kpi(const kpi_to_date& d, double target, bool higher,
                                      const std::vector<double>& series_x,
                                      const std::vector<double>& series_y, double deadline,
                                      double as_of, double alpha, double level) {
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
