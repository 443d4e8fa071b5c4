#pragma once
/// Definitions for <sostac/stats/bayes.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/stats/bayes.hpp>

#include <sostac/stats/detail/hypergeometric.hpp>
#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/beta.hpp>

namespace sostac::stats::detail {

// Boost's incomplete beta in double precision is off by an absolute 3e-13 for
// parameters up to 1e4, 3e-11 up to 1e6, 3.5e-10 at 1e7 and 4e-8 at 1e9 (measured
// against its long-double default). An integrated probability inherits at most that
// absolute error, so we use double up to 1e6, where it is 4x faster, and long double
// beyond.
using fast_policy =
    boost::math::policies::policy<boost::math::policies::promote_double<false>>;

SOSTAC_INLINE void check_prior(double alpha, double beta) {
  if (!(std::isfinite(alpha) && alpha > 0))
    fail("prior", "expected a positive finite alpha, got " + format_value(alpha));
  if (!(std::isfinite(beta) && beta > 0))
    fail("prior", "expected a positive finite beta, got " + format_value(beta));
  if (alpha < 0.01 || beta < 0.01)
    fail("prior", "alpha and beta below 0.01 are not supported (got " +
                      format_value(alpha) + ", " + format_value(beta) +
                      "): the posterior of an arm with no successes would sit below "
                      "1e-300, where the 1e-9 accuracy cannot be guaranteed");
}

SOSTAC_INLINE bool needs_promotion(const beta_posterior& d) noexcept {
  return std::max(d.a, d.b) > 1e6;
}

SOSTAC_INLINE double beta_cdf(const beta_posterior& d, double p) {
  if (p <= 0) return 0.0;
  if (p >= 1) return 1.0;
  return needs_promotion(d) ? boost::math::ibeta(d.a, d.b, p)
                            : boost::math::ibeta(d.a, d.b, p, fast_policy());
}

SOSTAC_INLINE double beta_sf(const beta_posterior& d, double p) {
  if (p <= 0) return 1.0;
  if (p >= 1) return 0.0;
  return needs_promotion(d) ? boost::math::ibetac(d.a, d.b, p)
                            : boost::math::ibetac(d.a, d.b, p, fast_policy());
}

/// Adaptive 15-point Gauss–Kronrod with an absolute error target. The integrals
/// here are probabilities (at most 1), so a piece is accepted once |K15 - G7| is
/// below 1e-12; K15's own error is far smaller (G7 is exact to degree 13, K15 to
/// degree 22). We take the raw difference rather than Boost's QUADPACK-style
/// estimate, which grows as 1 / (hi - lo) and so never converges on the narrow
/// posteriors of large experiments.
template <class F>
double gauss_kronrod(F& f, double lo, double hi, int depth = 24) {
  using gk = boost::math::quadrature::gauss_kronrod<double, 15>;
  using g7 = boost::math::quadrature::gauss<double, 7>;
  static const auto& xk = gk::abscissa();  // 0 and the 7 positive nodes
  static const auto& wk = gk::weights();
  static const auto& wg = g7::weights();  // G7's nodes are xk[0], xk[2], xk[4], xk[6]
  const double c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
  const double fc = f(c);
  double k = wk[0] * fc, g = wg[0] * fc;
  for (std::size_t i = 1; i < 8; ++i) {
    const double v = f(c - h * xk[i]) + f(c + h * xk[i]);
    k += wk[i] * v;
    if (i % 2 == 0) g += wg[i / 2] * v;
  }
  k *= h;
  g *= h;
  if (std::fabs(k - g) <= 1e-12 || depth == 0) return k;
  return gauss_kronrod(f, lo, c, depth - 1) + gauss_kronrod(f, c, hi, depth - 1);
}

/// The Beta(a, b) density at p with q = 1 - p passed separately, so that it stays
/// accurate where p is within rounding of 1. As R's dbeta: Loader's saddle-point
/// form (a + b - 1) dbinom(a - 1; a + b - 2, p) when a, b > 2, else the direct
/// formula with log B(a, b) computed once.
class beta_density {
 public:
  explicit beta_density(const beta_posterior& d) : a_(d.a), b_(d.b) {
    loader_ = a_ > 2 && b_ > 2;
    if (loader_) {
      // Loader eq. (6) with x = a - 1, n = a + b - 2: everything but the two bd0
      // terms depends on (a, b) only, so it is computed once here.
      x_ = a_ - 1;
      n_ = a_ + b_ - 2;
      log_norm_ = std::log(a_ + b_ - 1) + stirlerr(n_) - stirlerr(x_) -
                  stirlerr(n_ - x_) -
                  0.5 * (std::log(2.0 * boost::math::constants::pi<double>()) +
                         std::log(x_) + std::log1p(-x_ / n_));
    } else {
      log_norm_ = -std::log(boost::math::beta(a_, b_));
    }
  }
  double operator()(double p, double q) const {
    if (loader_) return std::exp(log_norm_ - bd0(x_, n_ * p) - bd0(n_ - x_, n_ * q));
    // Take each log from the side that is small: log(1 - p) of p = 1e-9 loses 1e-7
    // of its value to the rounding of q, which (b - 1) = 1e9 would multiply.
    const double lp = p < 0.5 ? std::log(p) : std::log1p(-q);
    const double lq = q < 0.5 ? std::log(q) : std::log1p(-p);
    return std::exp((a_ - 1) * lp + (b_ - 1) * lq + log_norm_);
  }

 private:
  double a_, b_, x_ = 0, n_ = 0, log_norm_ = 0;
  bool loader_ = false;
};

/// Integral of f_D(p) g(p) over D's support (mean +- 60 sd, clipped to [0, 1]), cut
/// into pieces at D's mean +- {0, 2, 4, 6, 10, 20, 40} sd and, for each of `others`
/// (whose CDF may be steeper than D's density), at its mean +- {0, 2, 4, 6} sd.
template <class G>
double integrate_against(const beta_posterior& d,
                         const std::vector<beta_posterior>& others, G g) {
  const double m = d.mean(), s = d.sd();
  double lo, hi;
  if (d.a < 1 || d.b < 1) {
    // A density that is infinite at an end: most mass hugs that end and the sd
    // understates how far the rest reaches (Beta(0.01, 10) has 3.5e-7 beyond
    // mean + 60 sd), so take the window from the 1e-18 quantiles.
    lo = 0.0;
    hi = 1.0;
    try {  // the full interval is correct too, only slower, if a quantile fails
      if (d.a >= 1) lo = boost::math::ibeta_inv(d.a, d.b, 1e-18, fast_policy());
      if (d.b >= 1) hi = boost::math::ibetac_inv(d.a, d.b, 1e-18, fast_policy());
    } catch (const std::runtime_error&) {
      lo = 0.0;
      hi = 1.0;
    }
  } else {
    lo = std::max(0.0, m - 60 * s);
    hi = std::min(1.0, m + 60 * s);
  }
  std::vector<double> cuts{lo, hi};
  auto add = [&](const beta_posterior& x, bool own) {
    const double mx = x.mean(), sx = x.sd();
    static constexpr double near[] = {-6, -4, -2, 0, 2, 4, 6};
    static constexpr double far[] = {-40, -20, -10, 10, 20, 40};
    for (double k : near) {
      const double c = mx + k * sx;
      if (c > lo && c < hi) cuts.push_back(c);
    }
    if (own)
      for (double k : far) {
        const double c = mx + k * sx;
        if (c > lo && c < hi) cuts.push_back(c);
      }
  };
  add(d, true);
  for (const auto& x : others) add(x, false);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

  const beta_density dens(d);
  double total = 0;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    const double a = cuts[i], b = cuts[i + 1];
    if (a == 0.0 && d.a < 1.0) {
      const double e = 1.0 / d.a;
      auto h = [&](double u) {
        const double p = b * std::pow(u, e);
        return p > 0 ? dens(p, 1.0 - p) * g(p) * (b * e) * std::pow(u, e - 1) : 0.0;
      };
      total += gauss_kronrod(h, 0.0, 1.0);
    } else if (b == 1.0 && d.b < 1.0) {
      const double e = 1.0 / d.b, w = 1.0 - a;
      auto h = [&](double u) {
        const double q = w * std::pow(u, e);  // 1 - p, kept exact near p = 1
        return q > 0 ? dens(1.0 - q, q) * g(1.0 - q) * (w * e) * std::pow(u, e - 1)
                     : 0.0;
      };
      total += gauss_kronrod(h, 0.0, 1.0);
    } else {
      auto h = [&](double p) { return dens(p, 1.0 - p) * g(p); };
      total += gauss_kronrod(h, a, b);
    }
  }
  return total;
}

SOSTAC_INLINE beta_posterior reflected(const beta_posterior& d) {
  return {d.b, d.a};
}

SOSTAC_INLINE double prob_greater_against(const beta_posterior& y, const beta_posterior& x,
                                          bool density_y) {
  const double r =
      density_y ? integrate_against(y, {}, [&](double p) { return beta_cdf(x, p); })
                : integrate_against(x, {}, [&](double p) { return beta_sf(y, p); });
  return std::min(1.0, std::max(0.0, r));
}

SOSTAC_INLINE double prob_greater(const beta_posterior& y, const beta_posterior& x) {
  const bool density_y = y.sd() <= x.sd();
  if ((density_y ? y : x).mean() > 0.5)
    return prob_greater_against(reflected(x), reflected(y), !density_y);
  return prob_greater_against(y, x, density_y);
}

SOSTAC_INLINE double expected_excess_against(const beta_posterior& x, const beta_posterior& y,
                                             bool density_y) {
  double r;
  if (density_y) {
    const beta_posterior xp{x.a + 1, x.b};
    const double mx = x.mean();
    r = integrate_against(y, {}, [&](double q) {
      return std::max(0.0, mx * beta_sf(xp, q) - q * beta_sf(x, q));
    });
  } else {
    const beta_posterior yp{y.a + 1, y.b};
    const double my = y.mean();
    r = integrate_against(x, {}, [&](double p) {
      return std::max(0.0, p * beta_cdf(y, p) - my * beta_cdf(yp, p));
    });
  }
  return std::max(0.0, r);
}

SOSTAC_INLINE double expected_excess(const beta_posterior& x, const beta_posterior& y) {
  const bool density_y = y.sd() <= x.sd();
  if ((density_y ? y : x).mean() > 0.5)
    return expected_excess_against(reflected(y), reflected(x), !density_y);
  return expected_excess_against(x, y, density_y);
}

SOSTAC_INLINE void posterior_interval(const beta_posterior& d, double level, double& lo,
                                      double& hi) {
  const double tail = 0.5 * (1 - level);
  if (needs_promotion(d)) {
    lo = boost::math::ibeta_inv(d.a, d.b, tail);
    hi = boost::math::ibetac_inv(d.a, d.b, tail);
  } else {
    lo = boost::math::ibeta_inv(d.a, d.b, tail, fast_policy());
    hi = boost::math::ibetac_inv(d.a, d.b, tail, fast_policy());
  }
}

}  // namespace sostac::stats::detail

namespace sostac::stats {

SOSTAC_INLINE beta_binomial_result beta_binomial(double x_a, double n_a, double x_b,
                                                 double n_b, double prior_alpha,
                                                 double prior_beta,
                                                 double level) {
  detail::check_successes("x_a", x_a, "n_a", n_a);
  detail::check_successes("x_b", x_b, "n_b", n_b);
  detail::check_prior(prior_alpha, prior_beta);
  detail::check_level("level", level);
  const beta_posterior a{prior_alpha + x_a, prior_beta + n_a - x_a};
  const beta_posterior b{prior_alpha + x_b, prior_beta + n_b - x_b};
  beta_binomial_result r{};
  r.prob_b_better = detail::prob_greater(b, a);
  r.mean_a = a.mean();
  r.mean_b = b.mean();
  // The two losses differ by exactly mean_b - mean_a. Integrate the smaller one and
  // add the (non-negative) difference to get the larger, so neither cancels.
  if (r.mean_b >= r.mean_a) {
    r.expected_loss_b = detail::expected_excess(a, b);
    r.expected_loss_a = r.expected_loss_b + (r.mean_b - r.mean_a);
  } else {
    r.expected_loss_a = detail::expected_excess(b, a);
    r.expected_loss_b = r.expected_loss_a + (r.mean_a - r.mean_b);
  }
  detail::posterior_interval(a, level, r.ci_a_low, r.ci_a_high);
  detail::posterior_interval(b, level, r.ci_b_low, r.ci_b_high);
  return r;
}

SOSTAC_INLINE void prob_best(const double* x, const double* n, std::size_t k, double* out,
                             double prior_alpha, double prior_beta) {
  if (k < 2) detail::fail("x", "expected at least 2 arms, got " + std::to_string(k));
  detail::check_prior(prior_alpha, prior_beta);
  std::vector<beta_posterior> post(k);
  for (std::size_t i = 0; i < k; ++i) {
    const std::string xi = "x[" + std::to_string(i) + "]",
                      ni = "n[" + std::to_string(i) + "]";
    detail::check_successes(xi.c_str(), x[i], ni.c_str(), n[i]);
    post[i] = {prior_alpha + x[i], prior_beta + n[i] - x[i]};
  }
  for (std::size_t i = 0; i < k; ++i) {
    // P(p_i is the largest) = integral f_i prod_j F_j, or, on the reflected side
    // (q = 1 - p, when arm i's posterior sits above 1/2), integral f_i' prod_j S_j'.
    const bool flip = post[i].mean() > 0.5;
    std::vector<beta_posterior> others;
    for (std::size_t j = 0; j < k; ++j)
      if (j != i) others.push_back(flip ? detail::reflected(post[j]) : post[j]);
    const beta_posterior di = flip ? detail::reflected(post[i]) : post[i];
    const double r = detail::integrate_against(di, others, [&](double p) {
      double prod = 1.0;
      for (const auto& o : others) {
        prod *= flip ? detail::beta_sf(o, p) : detail::beta_cdf(o, p);
        if (prod == 0.0) break;
      }
      return prod;
    });
    out[i] = std::min(1.0, std::max(0.0, r));
  }
}

SOSTAC_INLINE std::vector<double> prob_best(const std::vector<double>& x,
                                            const std::vector<double>& n,
                                            double prior_alpha,
                                            double prior_beta) {
  if (x.size() != n.size())
    detail::fail("n", "expected as many trial counts as success counts (" +
                          std::to_string(x.size()) + "), got " +
                          std::to_string(n.size()));
  std::vector<double> out(x.size());
  prob_best(x.data(), n.data(), x.size(), out.data(), prior_alpha, prior_beta);
  return out;
}

}  // namespace sostac::stats
