#pragma once
/// Definitions for <sostac/stats/proportions.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/stats/proportions.hpp>

#include <sostac/stats/detail/hypergeometric.hpp>
#include <boost/math/special_functions/beta.hpp>

namespace sostac::stats {

SOSTAC_INLINE proportion_ci_method parse_proportion_ci_method(const std::string& s) {
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

}  // namespace sostac::stats

namespace sostac::stats::detail {

SOSTAC_INLINE interval wilson_interval(double x, double n, double z, double yates) {
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

SOSTAC_INLINE interval beta_interval(double x, double n, double level, double prior) {
  const double tail = 0.5 * (1.0 - level);
  const double lo =
      x == 0 ? 0.0 : boost::math::ibeta_inv(x + prior, n - x + 1.0 - prior, tail);
  const double hi =
      x == n ? 1.0 : boost::math::ibetac_inv(x + 1.0 - prior, n - x + prior, tail);
  return {lo, hi};
}

SOSTAC_INLINE double clip01(double v) noexcept {
  return std::min(1.0, std::max(0.0, v));
}

}  // namespace sostac::stats::detail

namespace sostac::stats {

SOSTAC_INLINE interval proportion_ci(
           double x, double n, double level,
           proportion_ci_method method) {
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

SOSTAC_INLINE proportion_test_method parse_proportion_test_method(const std::string& s) {
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

}  // namespace sostac::stats

namespace sostac::stats::detail {

SOSTAC_INLINE double rate_difference(double x_a, double n_a, double x_b, double n_b) {
  const double p1 = x_b * n_a, e1 = std::fma(x_b, n_a, -p1);
  const double p2 = x_a * n_b, e2 = std::fma(x_a, n_b, -p2);
  return ((p1 - p2) + (e1 - e2)) / (n_a * n_b);
}

SOSTAC_INLINE void check_two_arms(double x_a, double n_a, double x_b, double n_b) {
  check_successes("x_a", x_a, "n_a", n_a);
  check_successes("x_b", x_b, "n_b", n_b);
}

SOSTAC_INLINE tail_prob finish_log_p(double log_p) {
  log_p = std::min(0.0, log_p);
  return {std::exp(log_p), log_p};
}

SOSTAC_INLINE tail_prob fisher_pvalue(double x_a, double n_a, double x_b, double n_b,
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

}  // namespace sostac::stats::detail

namespace sostac::stats {

SOSTAC_INLINE proportion_test_result two_proportion_test(
           double x_a, double n_a, double x_b, double n_b,
           proportion_test_method method,
           alternative alt) {
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

SOSTAC_INLINE diff_ci_method parse_diff_ci_method(const std::string& s) {
  if (s == "wald") return diff_ci_method::wald;
  if (s == "wald-cc") return diff_ci_method::wald_cc;
  if (s == "newcombe" || s == "newcomb") return diff_ci_method::newcombe;
  if (s == "agresti-caffo") return diff_ci_method::agresti_caffo;
  throw input_error("method",
                    "expected one of 'wald', 'wald-cc', 'newcombe', "
                    "'agresti-caffo', got '" +
                        s + "'");
}

SOSTAC_INLINE interval diff_ci(double x_a, double n_a, double x_b, double n_b,
                               double level,
                               diff_ci_method method) {
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

SOSTAC_INLINE lift_ci_method parse_lift_ci_method(const std::string& s) {
  if (s == "delta") return lift_ci_method::delta;
  if (s == "log" || s == "katz") return lift_ci_method::log;
  if (s == "fieller") return lift_ci_method::fieller;
  throw input_error("method",
                    "expected one of 'delta', 'log', 'fieller', got '" + s + "'");
}

SOSTAC_INLINE interval lift_ci(double x_a, double n_a, double x_b, double n_b,
                               double level,
                               lift_ci_method method) {
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
