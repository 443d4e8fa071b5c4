#pragma once
/// Definitions for <sostac/stats/one_sample.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/stats/one_sample.hpp>

#include <sostac/stats/detail/hypergeometric.hpp>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/poisson.hpp>

namespace sostac::stats {

SOSTAC_INLINE one_proportion_method parse_one_proportion_method(const std::string& s) {
  if (s == "score") return one_proportion_method::score;
  if (s == "score-yates") return one_proportion_method::score_yates;
  if (s == "exact") return one_proportion_method::exact;
  throw input_error("method",
                    "expected 'score', 'score-yates' or 'exact', got '" + s + "'");
}

}  // namespace sostac::stats

namespace sostac::stats::detail {

SOSTAC_INLINE double log_dpois_raw(double x, double m) {
  if (m == 0) return x == 0 ? 0.0 : -std::numeric_limits<double>::infinity();
  if (x == 0) return -m;
  return -stirlerr(x) - bd0(x, m) -
         0.5 * std::log(2.0 * boost::math::constants::pi<double>() * x);
}

/// log P(X <= x) (lower) or log P(X >= x) (upper) by summing densities outward from
/// x in log space; for tails far from the mode, where the terms fall fast.
template <class LogDensity>
double log_tail_sum(double x, bool lower, double last, LogDensity log_d) {
  const double first = log_d(x);
  double sum = 0;  // of exp(log_d(i) - first)
  for (double i = x, step = lower ? -1 : 1;; i += step) {
    if ((lower && i < 0) || (!lower && i > last)) break;
    const double term = std::exp(log_d(i) - first);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return first + std::log(sum);
}

/// A tail probability and its log: Boost's p, its log where it is a normal number,
/// else the term-by-term log sum.
template <class LogTail>
tail_prob tail(double p, LogTail log_tail) {
  p = std::min(1.0, std::max(0.0, p));
  if (p > 1e-300) return {p, std::log(p)};
  const double lp = log_tail();
  return {p > 0 ? p : std::exp(lp), lp};
}

/// R's two-sided exact p-value for a unimodal discrete law with mean m: P(X <= x) plus
/// the far tail of outcomes with density <= d(x) (1 + 1e-7), found by bisection on
/// the monotone side of the mode; `cdf_le(k)` = P(X <= k), `sf_ge(k)` = P(X >= k).
template <class LogDensity, class CdfLe, class SfGe, class LogLe, class LogGe>
tail_prob two_sided_exact(double x, double m, double last, LogDensity log_d,
                          CdfLe cdf_le, SfGe sf_ge, LogLe log_le, LogGe log_ge) {
  if (x == m) return {1.0, 0.0};
  const double log_threshold = log_d(x) + std::log1p(1e-7);
  tail_prob near, far;
  if (x < m) {
    // outcomes above m with density <= threshold: [first, last], density falling
    double lo = std::ceil(m), hi = last;
    if (log_d(hi) > log_threshold) {
      near = tail(cdf_le(x), [&] { return log_le(x); });
      return near;
    }
    while (lo < hi) {  // first k >= ceil(m) with density <= threshold
      const double mid = std::floor((lo + hi) / 2);
      if (log_d(mid) <= log_threshold)
        hi = mid;
      else
        lo = mid + 1;
    }
    near = tail(cdf_le(x), [&] { return log_le(x); });
    far = tail(sf_ge(lo), [&] { return log_ge(lo); });
  } else {
    // outcomes below m with density <= threshold: [0, first), density rising
    double lo = 0, hi = std::floor(m);
    if (log_d(0) > log_threshold) return tail(sf_ge(x), [&] { return log_ge(x); });
    while (lo < hi) {  // last k <= floor(m) with density <= threshold
      const double mid = std::ceil((lo + hi) / 2);
      if (log_d(mid) <= log_threshold)
        lo = mid;
      else
        hi = mid - 1;
    }
    near = tail(sf_ge(x), [&] { return log_ge(x); });
    far = tail(cdf_le(lo), [&] { return log_le(lo); });
  }
  const double lp = log_add_exp(near.log_p, far.log_p);
  const double p = near.p + far.p;
  if (p >= 1) return {1.0, 0.0};
  return {p, lp};
}

}  // namespace sostac::stats::detail

namespace sostac::stats {

SOSTAC_INLINE one_sample_result one_proportion_test(
           double x, double n, double p0,
           one_proportion_method method,
           alternative alt) {
  detail::check_count("n", n);
  if (n == 0) detail::fail("n", "expected at least one trial");
  detail::check_count("x", x);
  if (x > n)
    detail::fail("x", "expected at most n = " + detail::format_value(n) +
                          " successes, got " + detail::format_value(x));
  const bool exact = method == one_proportion_method::exact;
  if (!(std::isfinite(p0) && (exact ? (p0 >= 0 && p0 <= 1) : (p0 > 0 && p0 < 1))))
    detail::fail("p0", std::string(exact ? "expected a proportion in [0, 1]"
                                         : "expected a proportion in (0, 1)") +
                           ", got " + detail::format_value(p0));
  const double rate = x / n;
  one_sample_result r{0, 1, 0, rate, rate - p0, rate / p0 - 1};
  if (!exact) {
    const double dev = x - n * p0;
    double num = dev;
    if (method == one_proportion_method::score_yates)
      num = std::copysign(std::fabs(dev) - std::min(0.5, std::fabs(dev)), dev);
    r.statistic = num / std::sqrt(n * p0 * (1 - p0));
    const auto p = normal_pvalue(r.statistic, alt);
    r.pvalue = p.p;
    r.log_pvalue = p.log_p;
    return r;
  }
  r.statistic = x;
  const double q0 = 1 - p0;
  auto log_d = [&](double k) { return detail::log_dbinom_raw(k, n, p0, q0); };
  if (p0 == 0 || p0 == 1) {  // one possible outcome: the p-value is 0 or 1
    const double only = p0 == 0 ? 0 : n;
    const bool in_tail = alt == alternative::less      ? only <= x
                         : alt == alternative::greater ? only >= x
                                                       : only == x;
    r.pvalue = in_tail ? 1.0 : 0.0;
    r.log_pvalue = in_tail ? 0.0 : -std::numeric_limits<double>::infinity();
    return r;
  }
  const boost::math::binomial_distribution<> b(n, p0);
  auto cdf_le = [&](double k) { return k < 0 ? 0.0 : boost::math::cdf(b, k); };
  auto sf_ge = [&](double k) {
    return k <= 0 ? 1.0
                  : (k > n ? 0.0 : boost::math::cdf(boost::math::complement(b, k - 1)));
  };
  auto log_le = [&](double k) { return detail::log_tail_sum(k, true, n, log_d); };
  auto log_ge = [&](double k) { return detail::log_tail_sum(k, false, n, log_d); };
  detail::tail_prob p{};
  switch (alt) {
    case alternative::less:
      p = detail::tail(cdf_le(x), [&] { return log_le(x); });
      break;
    case alternative::greater:
      p = detail::tail(sf_ge(x), [&] { return log_ge(x); });
      break;
    default:
      p = detail::two_sided_exact(x, n * p0, n, log_d, cdf_le, sf_ge, log_le, log_ge);
  }
  r.pvalue = p.p;
  r.log_pvalue = p.log_p;
  return r;
}

SOSTAC_INLINE one_sample_result poisson_test(double k, double exposure, double r0,
                                             alternative alt) {
  detail::check_count("k", k);
  if (!(std::isfinite(exposure) && exposure > 0))
    detail::fail("exposure", "expected a positive finite exposure, got " +
                                 detail::format_value(exposure));
  if (!(std::isfinite(r0) && r0 > 0))
    detail::fail("r0",
                 "expected a positive finite rate, got " + detail::format_value(r0));
  const double m = r0 * exposure, rate = k / exposure;
  one_sample_result r{k, 1, 0, rate, rate - r0, rate / r0 - 1};
  const boost::math::poisson_distribution<> d(m);
  const double last = std::numeric_limits<double>::max();
  auto log_d = [&](double i) { return detail::log_dpois_raw(i, m); };
  auto cdf_le = [&](double i) { return i < 0 ? 0.0 : boost::math::cdf(d, i); };
  auto sf_ge = [&](double i) {
    return i <= 0 ? 1.0 : boost::math::cdf(boost::math::complement(d, i - 1));
  };
  auto log_le = [&](double i) { return detail::log_tail_sum(i, true, last, log_d); };
  auto log_ge = [&](double i) { return detail::log_tail_sum(i, false, last, log_d); };
  detail::tail_prob p{};
  switch (alt) {
    case alternative::less:
      p = detail::tail(cdf_le(k), [&] { return log_le(k); });
      break;
    case alternative::greater:
      p = detail::tail(sf_ge(k), [&] { return log_ge(k); });
      break;
    default: {
      // the upper side has no end: its search stops where the density falls below
      // the threshold, past 2 m - k (R doubles N from there)
      double hi = std::max(std::ceil(2 * m - k), std::ceil(m));
      const double log_threshold = log_d(k) + std::log1p(1e-7);
      if (k < m)
        while (log_d(hi) > log_threshold) hi *= 2;
      p = detail::two_sided_exact(k, m, k < m ? hi : last, log_d, cdf_le, sf_ge, log_le,
                                  log_ge);
    }
  }
  r.pvalue = p.p;
  r.log_pvalue = p.log_p;
  return r;
}

}  // namespace sostac::stats
