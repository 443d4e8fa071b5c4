#pragma once
/// Bayesian comparison of conversion rates with Beta priors: posterior probability
/// that B beats A (or that each of k arms is best), expected loss and credible
/// intervals. Everything is computed by deterministic quadrature to ~1e-12, never by
/// Monte Carlo.
///
/// Method. With posteriors Beta(a, b) per arm, P(p_B > p_A) = integral of
/// f_B(p) F_A(p) dp = integral of f_A(p) S_B(p) dp; we integrate against the
/// narrower posterior D, reflected to q = 1 - p when D sits above 1/2 (doubles
/// resolve values near 0, not near 1). The range is D's mean +- 60 sd, or its 1e-18
/// quantiles when D is skewed (a < 1 or b < 1), cut at D's mean +- {0, 2, 4, 6, 10,
/// 20, 40} sd so each piece is smooth on its own scale; each piece by adaptive
/// 15-point Gauss–Kronrod until |K15 - G7| < 1e-12. A density with a < 1 (b < 1) is
/// infinite at 0 (1); on the piece touching that end we substitute p = c u^(1/a),
/// which makes the integrand bounded. Priors below 0.01 are refused (check_prior).

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>
#include <sostac/stats/common.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace sostac::stats {

/// A Beta(a, b) distribution.
struct beta_posterior {
  double a;
  double b;
  double mean() const noexcept { return a / (a + b); }
  double sd() const noexcept {
    const double s = a + b;
    return std::sqrt(a * b / (s * s * (s + 1)));
  }
};

struct beta_binomial_result {
  double prob_b_better;    ///< P(p_B > p_A)
  double expected_loss_a;  ///< E[max(p_B - p_A, 0)]: expected loss of choosing A
  double expected_loss_b;  ///< E[max(p_A - p_B, 0)]: expected loss of choosing B
  double mean_a;           ///< posterior means
  double mean_b;
  double ci_a_low;  ///< equal-tailed credible intervals at `level`
  double ci_a_high;
  double ci_b_low;
  double ci_b_high;
};

namespace detail {

/// Priors below 0.01 leave a posterior (after 0 successes) whose mass sits below
/// 1e-300, beyond double precision; there the quadrature cannot promise its
/// accuracy, so they are refused rather than answered approximately.
SOSTAC_INLINE void check_prior(double alpha, double beta);

SOSTAC_INLINE bool needs_promotion(const beta_posterior& d) noexcept;

SOSTAC_INLINE double beta_cdf(const beta_posterior& d, double p);
SOSTAC_INLINE double beta_sf(const beta_posterior& d, double p);

/// Beta(b, a): the distribution of 1 - p. Integrals are taken on whichever side of
/// 1/2 the density sits nearer 0, where doubles resolve it: near p = 1, q = 1 - p
/// keeps only absolute precision (x = n = 1e9 lost 3e-8 before this).
SOSTAC_INLINE beta_posterior reflected(const beta_posterior& d);

/// P(p_Y > p_X) = integral f_Y F_X (density_y) or integral f_X S_Y.
SOSTAC_INLINE double prob_greater_against(const beta_posterior& y, const beta_posterior& x,
                                          bool density_y);

/// P(p_Y > p_X), integrating against the narrower posterior so that the other's
/// CDF is smooth on the scale of the pieces; if that posterior sits above 1/2, as
/// P(q_X > q_Y) on the reflected side (the density keeps its role).
SOSTAC_INLINE double prob_greater(const beta_posterior& y, const beta_posterior& x);

/// E[max(p_X - p_Y, 0)] as integral f_Y(q) [mean_X S_{X+}(q) - q S_X(q)] dq
/// (density_y) or integral f_X(p) [p F_Y(p) - mean_Y F_{Y+}(p)] dp, where
/// X+ = Beta(a_X + 1, b_X) and the brackets are E[(p_X - q)^+] and E[(p - p_Y)^+].
SOSTAC_INLINE double expected_excess_against(const beta_posterior& x, const beta_posterior& y,
                                             bool density_y);

/// E[max(p_X - p_Y, 0)] against the narrower posterior; on the reflected side,
/// E[(q_Y - q_X)^+], when that posterior sits above 1/2.
SOSTAC_INLINE double expected_excess(const beta_posterior& x, const beta_posterior& y);

SOSTAC_INLINE void posterior_interval(const beta_posterior& d, double level, double& lo,
                                      double& hi);

}  // namespace detail

/// Beta-binomial A/B comparison with prior Beta(prior_alpha, prior_beta) on each arm.
SOSTAC_INLINE beta_binomial_result beta_binomial(double x_a, double n_a, double x_b,
                                                 double n_b, double prior_alpha = 1.0,
                                                 double prior_beta = 1.0,
                                                 double level = 0.95);

/// P(arm i has the highest rate) for k arms, written to out[0..k):
/// integral f_i(p) prod_{j != i} F_j(p) dp.
SOSTAC_INLINE void prob_best(const double* x, const double* n, std::size_t k, double* out,
                             double prior_alpha = 1.0, double prior_beta = 1.0);

SOSTAC_INLINE std::vector<double> prob_best(const std::vector<double>& x,
                                            const std::vector<double>& n,
                                            double prior_alpha = 1.0,
                                            double prior_beta = 1.0);

}  // namespace sostac::stats

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/stats/bayes-inl.hpp>
#endif
