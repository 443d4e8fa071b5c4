#pragma once
/// Log densities of the binomial and hypergeometric distributions by Loader's
/// saddle-point method (C. Loader, "Fast and accurate computation of binomial
/// probabilities", 2000) — the method R's dbinom/dhyper use — and tail sums of the
/// hypergeometric distribution that stay accurate for populations of 1e9 and for
/// probabilities far below 1e-308 (everything is carried as logarithms).

#include <algorithm>
#include <boost/math/constants/constants.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <limits>

namespace sostac::stats::detail {

/// stirlerr(n) = log(n!) - log(sqrt(2 pi n) (n/e)^n), Loader eq. (3).
inline double stirlerr(double n) {
  constexpr double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680,
                   s4 = 1.0 / 1188;
  if (n <= 15.0) {
    // lgamma is accurate to an ulp here and n is small, so the subtraction is exact
    // enough (the result enters an exponent, where absolute error is what counts).
    const double half_log_2pi =
        0.5 * std::log(2.0 * boost::math::constants::pi<double>());
    return boost::math::lgamma(n + 1.0) - (n + 0.5) * std::log(n) + n - half_log_2pi;
  }
  const double nn = n * n;
  if (n > 500) return (s0 - s1 / nn) / n;
  if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
  if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
  return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

/// bd0(x, np) = x log(x/np) + np - x, the deviance term, Loader eq. (5): evaluated by
/// its series when x is near np, where the closed form cancels catastrophically.
inline double bd0(double x, double np) {
  if (std::fabs(x - np) < 0.1 * (x + np)) {
    double v = (x - np) / (x + np);
    double s = (x - np) * v;
    double ej = 2.0 * x * v;
    v *= v;
    for (int j = 1; j < 1000; ++j) {
      ej *= v;
      const double s1 = s + ej / (2 * j + 1);
      if (s1 == s) return s1;
      s = s1;
    }
    return s;
  }
  return x * std::log(x / np) + np - x;
}

/// log of the binomial probability of x successes in n trials, success probability
/// p (q = 1 - p passed separately so callers keep its precision), Loader eq. (6).
inline double log_dbinom_raw(double x, double n, double p, double q) {
  const double neg_inf = -std::numeric_limits<double>::infinity();
  if (p == 0) return x == 0 ? 0.0 : neg_inf;
  if (q == 0) return x == n ? 0.0 : neg_inf;
  if (x == 0) {
    if (n == 0) return 0.0;
    return p < 0.1 ? -bd0(n, n * q) - n * p : n * std::log(q);
  }
  if (x == n) return q < 0.1 ? -bd0(n, n * p) - n * q : n * std::log(p);
  if (x < 0 || x > n) return neg_inf;
  const double lc =
      stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n * p) - bd0(n - x, n * q);
  const double lf = std::log(2.0 * boost::math::constants::pi<double>()) + std::log(x) +
                    std::log1p(-x / n);
  return lc - 0.5 * lf;
}

/// The hypergeometric distribution of the number of white balls among `drawn` balls
/// taken without replacement from `white` white and `black` black ones.
class hypergeometric {
 public:
  hypergeometric(double white, double black, double drawn)
      : r_(white),
        b_(black),
        n_(drawn),
        lo_(std::max(0.0, drawn - black)),
        hi_(std::min(drawn, white)) {
    const double total = white + black;
    p_ = drawn / total;
    q_ = (total - drawn) / total;
    log_norm_ = log_dbinom_raw(n_, total, p_, q_);
    // The mode of the hypergeometric distribution (Johnson, Kotz & Kemp 6.3).
    mode_ = std::floor((n_ + 1.0) * (r_ + 1.0) / (total + 2.0));
    mode_ = std::min(std::max(mode_, lo_), hi_);
  }

  double lo() const noexcept { return lo_; }
  double hi() const noexcept { return hi_; }
  double mode() const noexcept { return mode_; }

  /// log P(X = k), Loader's saddle-point form of dhyper.
  double log_pmf(double k) const {
    if (k < lo_ || k > hi_) return -std::numeric_limits<double>::infinity();
    return log_dbinom_raw(k, r_, p_, q_) + log_dbinom_raw(n_ - k, b_, p_, q_) -
           log_norm_;
  }

  /// log P(X <= k).
  double log_cdf(double k) const {
    if (k < lo_) return -std::numeric_limits<double>::infinity();
    if (k >= hi_) return 0.0;
    if (k < mode_) return log_sum_down(k);
    return log1m_exp(log_sum_up(k + 1.0));
  }

  /// log P(X >= k).
  double log_sf(double k) const {
    if (k <= lo_) return 0.0;
    if (k > hi_) return -std::numeric_limits<double>::infinity();
    if (k > mode_) return log_sum_up(k);
    return log1m_exp(log_sum_down(k - 1.0));
  }

  /// f(k+1) / f(k) and f(k-1) / f(k): consecutive pmf ratios (rational, exact to
  /// rounding).
  double up_ratio(double k) const noexcept {
    return (r_ - k) * (n_ - k) / ((k + 1.0) * (b_ - n_ + k + 1.0));
  }
  double down_ratio(double k) const noexcept {
    return k * (b_ - n_ + k) / ((r_ - k + 1.0) * (n_ - k + 1.0));
  }

  /// The same distribution counted from the other colour: K - X.
  hypergeometric mirrored() const { return hypergeometric(b_, r_, n_); }

  /// log of the two-sided p-value sum_{k : f(k) <= f(x) (1 + 1e-7)} f(k) for x at or
  /// below the mode, by one walk with pmf ratios: down from x for the left tail, then
  /// up across the mode to the first k whose pmf is back under the threshold, then on
  /// through the right tail. Needs f(mode) / f(x) < e^600 (no overflow); the caller
  /// checks.
  double log_two_sided_walk(double x, double log_fx) const {
    constexpr double thr = 1.0 + 1e-7;  // R fisher.test's relErr
    double total = 1.0, term = 1.0;
    for (double k = x; k > lo_; k -= 1.0) {  // left tail, decreasing terms
      term *= down_ratio(k);
      total += term;
      if (term < 1e-17 * total) break;
    }
    double r = 1.0, k = x;
    while (k < hi_) {  // ties just right of x belong to the p-value
      const double next = r * up_ratio(k);
      if (next > thr) break;
      r = next;
      k += 1.0;
      total += r;
    }
    if (k >= hi_) return 0.0;  // no table is more probable than x: p = 1 exactly
    while (k < hi_) {          // the more probable middle is skipped ...
      r *= up_ratio(k);
      k += 1.0;
      if (r <= thr) {      // ... until the pmf is back under the threshold:
        double right = r;  // the right tail, decreasing terms
        while (k < hi_) {
          r *= up_ratio(k);
          k += 1.0;
          right += r;
          if (r < 1e-17 * right) break;
        }
        total += right;
        break;
      }
    }
    return log_fx + std::log(total);
  }

  /// log P(X <= k) for k at or below the mode: sum the terms down from k. Each term
  /// is the previous times the pmf ratio f(j-1)/f(j), and they shrink monotonically,
  /// so we stop once a term no longer changes the sum.
  double log_sum_down(double k) const {
    double term = 1.0, sum = 1.0;
    for (double j = k; j > lo_; j -= 1.0) {
      term *= down_ratio(j);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return log_pmf(k) + std::log(sum);
  }

  /// log P(X >= k) for k at or above the mode, summing up from k.
  double log_sum_up(double k) const {
    double term = 1.0, sum = 1.0;
    for (double j = k; j < hi_; j += 1.0) {
      term *= up_ratio(j);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return log_pmf(k) + std::log(sum);
  }

 private:
  /// log(1 - exp(a)) for a <= 0, accurate at both ends (Maechler 2012).
  static double log1m_exp(double a) {
    if (a > -0.6931471805599453) return std::log(-std::expm1(a));
    return std::log1p(-std::exp(a));
  }

  double r_, b_, n_, lo_, hi_;
  double p_ = 0, q_ = 0, log_norm_ = 0, mode_ = 0;
};

/// log(exp(a) + exp(b)).
inline double log_add_exp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::fabs(a - b)));
}

}  // namespace sostac::stats::detail
