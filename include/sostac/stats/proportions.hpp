#pragma once
/// Tests and intervals for binomial proportions: one arm (confidence intervals) and
/// two arms (B against control A: tests, intervals for the difference and the
/// relative lift). Formulas, references and the R/statsmodels function each method
/// equals are listed in docs/stats.md.

#include <sostac/core/error.hpp>
#include <sostac/stats/common.hpp>
#include <sostac/stats/detail/hypergeometric.hpp>

#include <algorithm>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <limits>
#include <string>

namespace sostac::stats {

// ---------------------------------------------------------------------------------
// One proportion
// ---------------------------------------------------------------------------------

enum class proportion_ci_method {
  wilson,
  wilson_cc,
  clopper_pearson,
  jeffreys,
  agresti_coull,
  wald
};

inline proportion_ci_method parse_proportion_ci_method(const std::string& s) {
  if (s == "wilson") return proportion_ci_method::wilson;
  if (s == "wilson-cc") return proportion_ci_method::wilson_cc;
  if (s == "clopper-pearson" || s == "exact")
    return proportion_ci_method::clopper_pearson;
  if (s == "jeffreys") return proportion_ci_method::jeffreys;
  if (s == "agresti-coull") return proportion_ci_method::agresti_coull;
  if (s == "wald" || s == "normal") return proportion_ci_method::wald;
  throw input_error(
      "method",
      "expected one of 'wilson', 'wilson-cc', 'clopper-pearson', 'jeffreys', "
      "'agresti-coull', 'wald', got '" +
          s + "'");
}

namespace detail {

/// Wilson score interval with R prop.test's one-sample continuity correction
/// `yates` (Wilson 1927; Newcombe 1998 methods 3 and 4). R clamps the bounds at 0
/// and 1 exactly when the corrected estimate crosses them; so do we.
inline interval wilson_interval(double x, double n, double z, double yates) {
  const double est = x / n;
  const double z22n = z * z / (2.0 * n);
  double pc = est + yates / n;
  const double up =
      pc >= 1 ? 1.0
              : (pc + z22n + z * std::sqrt(pc * (1 - pc) / n + z22n / (2 * n))) /
                    (1 + 2 * z22n);
  pc = est - yates / n;
  const double lo =
      pc <= 0 ? 0.0
              : (pc + z22n - z * std::sqrt(pc * (1 - pc) / n + z22n / (2 * n))) /
                    (1 + 2 * z22n);
  return {std::max(lo, 0.0), std::min(up, 1.0)};
}

/// Equal-tailed interval from Beta quantiles; the lower bound is 0 at x = 0 and the
/// upper 1 at x = n (Clopper & Pearson 1934; Brown, Cai & DasGupta 2001 for the
/// Jeffreys interval's boundary rule).
inline interval beta_interval(double x, double n, double level, double prior) {
  const double tail = 0.5 * (1.0 - level);
  const double lo =
      x == 0 ? 0.0 : boost::math::ibeta_inv(x + prior, n - x + 1.0 - prior, tail);
  const double hi =
      x == n ? 1.0 : boost::math::ibetac_inv(x + 1.0 - prior, n - x + prior, tail);
  return {lo, hi};
}

inline double clip01(double v) noexcept {
  return std::min(1.0, std::max(0.0, v));
}

}  // namespace detail

/// Confidence interval for a binomial proportion x / n at confidence `level`.
inline interval proportion_ci(
    double x, double n, double level = 0.95,
    proportion_ci_method method = proportion_ci_method::wilson) {
  detail::check_successes("x", x, "n", n);
  detail::check_level("level", level);
  const double z = two_sided_critical(level);
  const double p = x / n;
  switch (method) {
    case proportion_ci_method::wilson:
      return detail::wilson_interval(x, n, z, 0.0);
    case proportion_ci_method::wilson_cc:
      // R's prop.test(x, n) corrects by min(0.5, |x - n p0|) with its default p0 = 0.5.
      return detail::wilson_interval(x, n, z, std::min(0.5, std::fabs(x - 0.5 * n)));
    case proportion_ci_method::clopper_pearson:
      return detail::beta_interval(x, n, level, 0.0);
    case proportion_ci_method::jeffreys:
      return detail::beta_interval(x, n, level, 0.5);
    case proportion_ci_method::agresti_coull: {
      // Agresti & Coull (1998): Wald interval around (x + z^2/2) / (n + z^2);
      // clipped to [0, 1] as statsmodels' proportion_confint does.
      const double nc = n + z * z;
      const double pc = (x + 0.5 * z * z) / nc;
      const double half = z * std::sqrt(pc * (1 - pc) / nc);
      return {detail::clip01(pc - half), detail::clip01(pc + half)};
    }
    case proportion_ci_method::wald:
    default: {
      const double half = z * std::sqrt(p * (1 - p) / n);
      return {detail::clip01(p - half), detail::clip01(p + half)};
    }
  }
}

// ---------------------------------------------------------------------------------
// Two proportions: B against control A
// ---------------------------------------------------------------------------------

enum class proportion_test_method { z, z_yates, z_unpooled, fisher, g };

inline proportion_test_method parse_proportion_test_method(const std::string& s) {
  if (s == "z") return proportion_test_method::z;
  if (s == "z-yates") return proportion_test_method::z_yates;
  if (s == "z-unpooled") return proportion_test_method::z_unpooled;
  if (s == "fisher") return proportion_test_method::fisher;
  if (s == "g") return proportion_test_method::g;
  throw input_error("method",
                    "expected one of 'z', 'z-yates', 'z-unpooled', 'fisher', 'g', "
                    "got '" +
                        s + "'");
}

/// Result of comparing two proportions. `diff` = p_b - p_a, `lift` = p_b/p_a - 1
/// (+inf when p_a = 0 < p_b, nan when both are 0).
struct proportion_test_result {
  double statistic;
  double pvalue;
  double log_pvalue;
  double diff;
  double lift;
};

namespace detail {

/// x_b/n_b - x_a/n_a rounded once: the numerator x_b n_a - x_a n_b is formed exactly
/// from fused multiply-adds (Dekker's two-product), so rates that agree to 9 digits
/// (5e8 vs 5e8 + 1 out of 1e9) do not lose their difference to cancellation.
inline double rate_difference(double x_a, double n_a, double x_b, double n_b) {
  const double p1 = x_b * n_a, e1 = std::fma(x_b, n_a, -p1);
  const double p2 = x_a * n_b, e2 = std::fma(x_a, n_b, -p2);
  return ((p1 - p2) + (e1 - e2)) / (n_a * n_b);
}

inline void check_two_arms(double x_a, double n_a, double x_b, double n_b) {
  check_successes("x_a", x_a, "n_a", n_a);
  check_successes("x_b", x_b, "n_b", n_b);
}

/// A p-value from its logarithm, capped at 1 (sums of probabilities can round above).
inline tail_prob finish_log_p(double log_p) {
  log_p = std::min(0.0, log_p);
  return {std::exp(log_p), log_p};
}

/// Fisher's exact test on the table (rows B, A; columns success, failure),
/// conditioning on the margins: x_b is hypergeometric. The two-sided p-value sums
/// the tables no more probable than the observed one, with R fisher.test's relative
/// tolerance of 1e-7 for ties. The tables form at most two tails of a unimodal
/// distribution, found by walking with pmf ratios (or by bisection when p is far
/// below 1e-300) and summed in log space: the cost grows only like sqrt(n) (the
/// significant terms of the tails), ~0.3 ms at n = 1e9.
inline tail_prob fisher_pvalue(double x_a, double n_a, double x_b, double n_b,
                               alternative alt) {
  const hypergeometric h(x_a + x_b, (n_a - x_a) + (n_b - x_b), n_b);
  double log_p;
  if (alt == alternative::greater) {
    log_p = h.log_sf(x_b);
  } else if (alt == alternative::less) {
    log_p = h.log_cdf(x_b);
  } else {
    // Fast path: one walk with pmf ratios from the observed count across the mode
    // (counting from the other colour when x_b is above the mode), valid while the
    // ratios cannot overflow. Otherwise (p far below 1e-300) bisect for the tails.
    const double log_fx = h.log_pmf(x_b);
    const double mode = h.mode();
    if (h.log_pmf(mode) - log_fx < 600.0) {
      if (x_b <= mode) return finish_log_p(h.log_two_sided_walk(x_b, log_fx));
      const hypergeometric m = h.mirrored();
      if (n_b - x_b <= m.mode())
        return finish_log_p(m.log_two_sided_walk(n_b - x_b, log_fx));
    }
    const double threshold = log_fx + std::log1p(1e-7);
    auto below = [&](double k) { return h.log_pmf(k) <= threshold; };
    // Left tail [lo, left], right tail [right, hi]; the pmf rises to the mode and
    // falls after it, so each boundary is found by bisection.
    double left = h.lo() - 1, right = h.hi() + 1;
    {
      double a = h.lo(), b = mode;  // last k in [lo, mode] with pmf <= threshold
      if (below(a)) {
        while (b - a > 0) {
          const double mid = std::floor(0.5 * (a + b + 1));
          if (below(mid))
            a = mid;
          else
            b = mid - 1;
        }
        left = a;
      }
    }
    {
      double a = std::max(mode, left + 1), b = h.hi();  // first k in [.., hi] below
      if (below(b)) {
        while (b - a > 0) {
          const double mid = std::floor(0.5 * (a + b));
          if (below(mid))
            b = mid;
          else
            a = mid + 1;
        }
        right = a;
      }
    }
    if (right <= left + 1) {
      log_p = 0.0;
    } else {
      const double l =
          left >= h.lo() ? h.log_cdf(left) : -std::numeric_limits<double>::infinity();
      const double r =
          right <= h.hi() ? h.log_sf(right) : -std::numeric_limits<double>::infinity();
      log_p = std::min(0.0, log_add_exp(l, r));
    }
  }
  return finish_log_p(log_p);
}

}  // namespace detail

/// Test H0: p_a = p_b from x_a successes in n_a trials (control) and x_b in n_b.
///
/// - `z`: pooled-variance z; z^2 equals R prop.test(correct = FALSE)'s X-squared.
/// - `z_yates`: the same with Yates' correction, equal to prop.test(correct = TRUE):
///   |diff| is reduced by min(0.5 (1/n_a + 1/n_b), |diff|).
/// - `z_unpooled`: Wald z with the unpooled variance (statsmodels
///   test_proportions_2indep(method="wald")).
/// - `fisher`: Fisher's exact conditional test (R fisher.test); statistic is the
///   sample odds ratio of B against A (as scipy.stats.fisher_exact reports it).
/// - `g`: likelihood-ratio test; statistic is the signed root sign(diff) sqrt(G) with
///   G = 2 sum O log(O/E), referred to N(0, 1) (G to chi-square(1) when two-sided).
///
/// When both arms have no successes (or both only successes) the pooled variance is
/// 0 and there is no evidence either way: the statistic is 0 and its p-value is read
/// off N(0, 1) (1 two-sided, 0.5 one-sided); Fisher's conditional distribution is
/// then a single point and both one-sided p-values are 1, as in R.
inline proportion_test_result two_proportion_test(
    double x_a, double n_a, double x_b, double n_b,
    proportion_test_method method = proportion_test_method::z,
    alternative alt = alternative::two_sided) {
  detail::check_two_arms(x_a, n_a, x_b, n_b);
  const double pa = x_a / n_a, pb = x_b / n_b;
  const double diff = detail::rate_difference(x_a, n_a, x_b, n_b);
  const double lift = pb / pa - 1.0;  // IEEE: +inf when pa = 0 < pb, nan when both 0
  const double inv_n = 1.0 / n_a + 1.0 / n_b;
  const double pooled = (x_a + x_b) / (n_a + n_b);
  const double pooled_var = pooled * (1.0 - pooled);
  proportion_test_result r{0.0, 1.0, 0.0, diff, lift};

  switch (method) {
    case proportion_test_method::z:
    case proportion_test_method::z_yates: {
      if (pooled_var == 0.0) break;
      double num = diff;
      if (method == proportion_test_method::z_yates) {
        const double shrink = std::min(0.5 * inv_n, std::fabs(diff));
        num = std::copysign(std::fabs(diff) - shrink, diff);
      }
      r.statistic = num / std::sqrt(pooled_var * inv_n);
      break;
    }
    case proportion_test_method::z_unpooled: {
      const double var = pa * (1 - pa) / n_a + pb * (1 - pb) / n_b;
      if (diff == 0.0) break;
      r.statistic = var == 0.0
                        ? std::copysign(std::numeric_limits<double>::infinity(), diff)
                        : diff / std::sqrt(var);
      break;
    }
    case proportion_test_method::g: {
      if (pooled_var == 0.0) break;
      // G = 2 sum bd0(O, E): each cell's O log(O/E) - (O - E) is non-negative and
      // evaluated without the cancellation of the textbook form.
      const double cells[4][2] = {{x_b, n_b * pooled},
                                  {n_b - x_b, n_b * (1 - pooled)},
                                  {x_a, n_a * pooled},
                                  {n_a - x_a, n_a * (1 - pooled)}};
      double g = 0;
      for (const auto& c : cells) g += c[0] == 0 ? c[1] : detail::bd0(c[0], c[1]);
      g *= 2.0;
      r.statistic = std::copysign(std::sqrt(g), diff);
      if (diff == 0.0) r.statistic = 0.0;
      break;
    }
    case proportion_test_method::fisher: {
      const double num = x_b * (n_a - x_a), den = x_a * (n_b - x_b);
      r.statistic = num / den;  // sample odds ratio: inf or nan on zero cells
      const auto p = detail::fisher_pvalue(x_a, n_a, x_b, n_b, alt);
      r.pvalue = p.p;
      r.log_pvalue = p.log_p;
      return r;
    }
  }
  const auto p = normal_pvalue(r.statistic, alt);
  r.pvalue = p.p;
  r.log_pvalue = p.log_p;
  return r;
}

enum class diff_ci_method { wald, wald_cc, newcombe, agresti_caffo };

inline diff_ci_method parse_diff_ci_method(const std::string& s) {
  if (s == "wald") return diff_ci_method::wald;
  if (s == "wald-cc") return diff_ci_method::wald_cc;
  if (s == "newcombe" || s == "newcomb") return diff_ci_method::newcombe;
  if (s == "agresti-caffo") return diff_ci_method::agresti_caffo;
  throw input_error("method",
                    "expected one of 'wald', 'wald-cc', 'newcombe', "
                    "'agresti-caffo', got '" +
                        s + "'");
}

/// Confidence interval for p_b - p_a.
/// - `wald`, `wald_cc`: R prop.test's interval (correct = FALSE / TRUE), clamped to
///   [-1, 1] as R does.
/// - `newcombe`: Newcombe (1998) hybrid score interval, method 10, from Wilson
///   intervals of each arm.
/// - `agresti_caffo`: Agresti & Caffo (2000): Wald after adding one success and one
///   failure to each arm.
inline interval diff_ci(double x_a, double n_a, double x_b, double n_b,
                        double level = 0.95,
                        diff_ci_method method = diff_ci_method::newcombe) {
  detail::check_two_arms(x_a, n_a, x_b, n_b);
  detail::check_level("level", level);
  const double z = two_sided_critical(level);
  const double pa = x_a / n_a, pb = x_b / n_b;
  const double d = detail::rate_difference(x_a, n_a, x_b, n_b);
  switch (method) {
    case diff_ci_method::wald:
    case diff_ci_method::wald_cc: {
      const double inv_n = 1.0 / n_a + 1.0 / n_b;
      const double yates =
          method == diff_ci_method::wald_cc ? std::min(0.5, std::fabs(d) / inv_n) : 0.0;
      const double width =
          z * std::sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b) + yates * inv_n;
      return {std::max(d - width, -1.0), std::min(d + width, 1.0)};
    }
    case diff_ci_method::agresti_caffo: {
      const double qa = (x_a + 1) / (n_a + 2), qb = (x_b + 1) / (n_b + 2);
      const double half =
          z * std::sqrt(qa * (1 - qa) / (n_a + 2) + qb * (1 - qb) / (n_b + 2));
      return {qb - qa - half, qb - qa + half};
    }
    case diff_ci_method::newcombe:
    default: {
      const interval a = detail::wilson_interval(x_a, n_a, z, 0.0);
      const interval b = detail::wilson_interval(x_b, n_b, z, 0.0);
      const double lo =
          d - std::sqrt((pb - b.low) * (pb - b.low) + (a.high - pa) * (a.high - pa));
      const double hi =
          d + std::sqrt((b.high - pb) * (b.high - pb) + (pa - a.low) * (pa - a.low));
      return {lo, hi};
    }
  }
}

enum class lift_ci_method { delta, log, fieller };

inline lift_ci_method parse_lift_ci_method(const std::string& s) {
  if (s == "delta") return lift_ci_method::delta;
  if (s == "log" || s == "katz") return lift_ci_method::log;
  if (s == "fieller") return lift_ci_method::fieller;
  throw input_error("method",
                    "expected one of 'delta', 'log', 'fieller', got '" + s + "'");
}

/// Confidence interval for the relative lift p_b / p_a - 1; needs x_a >= 1 and
/// x_b >= 1.
/// - `delta`: delta method on the ratio scale, R ± z R sqrt(q_a/(n_a p_a) + q_b/(n_b
/// p_b)).
/// - `log`: Katz et al. (1978) log-ratio interval (statsmodels
///   confint_proportions_2indep(compare="ratio", method="log")).
/// - `fieller`: Fieller's (1954) interval for a ratio of independent normal means;
///   (-inf, inf) when p_a is not significantly different from 0 at this level.
inline interval lift_ci(double x_a, double n_a, double x_b, double n_b,
                        double level = 0.95,
                        lift_ci_method method = lift_ci_method::delta) {
  detail::check_two_arms(x_a, n_a, x_b, n_b);
  detail::check_level("level", level);
  if (x_a == 0)
    detail::fail("x_a",
                 "the relative lift needs at least one success in the "
                 "control arm A, got x_a = 0");
  if (x_b == 0)
    detail::fail("x_b",
                 "the relative lift interval needs at least one success "
                 "in arm B, got x_b = 0");
  const double z = two_sided_critical(level);
  const double pa = x_a / n_a, pb = x_b / n_b, ratio = pb / pa;
  switch (method) {
    case lift_ci_method::log: {
      const double se = std::sqrt(1 / x_b - 1 / n_b + 1 / x_a - 1 / n_a);
      return {std::expm1(std::log(ratio) - z * se),
              std::expm1(std::log(ratio) + z * se)};
    }
    case lift_ci_method::fieller: {
      const double va = pa * (1 - pa) / n_a, vb = pb * (1 - pb) / n_b;
      const double a = pa * pa - z * z * va;
      if (!(a > 0))
        return {-std::numeric_limits<double>::infinity(),
                std::numeric_limits<double>::infinity()};
      // Roots of a t^2 - 2 pa pb t + (pb^2 - z^2 vb) = 0; the discriminant/4 simplifies
      // to z^2 (pb^2 va + pa^2 vb - z^2 va vb) >= 0.
      const double disc = z * z * (pb * pb * va + pa * pa * vb - z * z * va * vb);
      const double root = std::sqrt(std::max(disc, 0.0));
      return {(pa * pb - root) / a - 1.0, (pa * pb + root) / a - 1.0};
    }
    case lift_ci_method::delta:
    default: {
      const double se =
          ratio * std::sqrt((1 - pa) / (n_a * pa) + (1 - pb) / (n_b * pb));
      return {ratio - 1.0 - z * se, ratio - 1.0 + z * se};
    }
  }
}

}  // namespace sostac::stats
