#pragma once
/// Tests and intervals for binomial proportions: one arm (confidence intervals) and
/// two arms (B against control A: tests, intervals for the difference and the
/// relative lift). Formulas, references and the R/statsmodels function each method
/// equals are listed in docs/stats.md.

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>
#include <sostac/stats/common.hpp>

#include <algorithm>
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

SOSTAC_INLINE proportion_ci_method parse_proportion_ci_method(const std::string& s);

namespace detail {

/// Wilson score interval with R prop.test's one-sample continuity correction
/// `yates` (Wilson 1927; Newcombe 1998 methods 3 and 4). R clamps the bounds at 0
/// and 1 exactly when the corrected estimate crosses them; so do we.
SOSTAC_INLINE interval wilson_interval(double x, double n, double z, double yates);

/// Equal-tailed interval from Beta quantiles; the lower bound is 0 at x = 0 and the
/// upper 1 at x = n (Clopper & Pearson 1934; Brown, Cai & DasGupta 2001 for the
/// Jeffreys interval's boundary rule).
SOSTAC_INLINE interval beta_interval(double x, double n, double level, double prior);

SOSTAC_INLINE double clip01(double v) noexcept;

}  // namespace detail

/// Confidence interval for a binomial proportion x / n at confidence `level`.
SOSTAC_INLINE interval proportion_ci(
           double x, double n, double level = 0.95,
           proportion_ci_method method = proportion_ci_method::wilson);

// ---------------------------------------------------------------------------------
// Two proportions: B against control A
// ---------------------------------------------------------------------------------

enum class proportion_test_method { z, z_yates, z_unpooled, fisher, g };

SOSTAC_INLINE proportion_test_method parse_proportion_test_method(const std::string& s);

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
SOSTAC_INLINE double rate_difference(double x_a, double n_a, double x_b, double n_b);

SOSTAC_INLINE void check_two_arms(double x_a, double n_a, double x_b, double n_b);

/// A p-value from its logarithm, capped at 1 (sums of probabilities can round above).
SOSTAC_INLINE tail_prob finish_log_p(double log_p);

/// Fisher's exact test on the table (rows B, A; columns success, failure),
/// conditioning on the margins: x_b is hypergeometric. The two-sided p-value sums
/// the tables no more probable than the observed one, with R fisher.test's relative
/// tolerance of 1e-7 for ties. The tables form at most two tails of a unimodal
/// distribution, found by walking with pmf ratios (or by bisection when p is far
/// below 1e-300) and summed in log space: the cost grows only like sqrt(n) (the
/// significant terms of the tails), ~0.3 ms at n = 1e9.
SOSTAC_INLINE tail_prob fisher_pvalue(double x_a, double n_a, double x_b, double n_b,
                                      alternative alt);

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
SOSTAC_INLINE proportion_test_result two_proportion_test(
           double x_a, double n_a, double x_b, double n_b,
           proportion_test_method method = proportion_test_method::z,
           alternative alt = alternative::two_sided);

enum class diff_ci_method { wald, wald_cc, newcombe, agresti_caffo };

SOSTAC_INLINE diff_ci_method parse_diff_ci_method(const std::string& s);

/// Confidence interval for p_b - p_a.
/// - `wald`, `wald_cc`: R prop.test's interval (correct = FALSE / TRUE), clamped to
///   [-1, 1] as R does.
/// - `newcombe`: Newcombe (1998) hybrid score interval, method 10, from Wilson
///   intervals of each arm.
/// - `agresti_caffo`: Agresti & Caffo (2000): Wald after adding one success and one
///   failure to each arm.
SOSTAC_INLINE interval diff_ci(double x_a, double n_a, double x_b, double n_b,
                               double level = 0.95,
                               diff_ci_method method = diff_ci_method::newcombe);

enum class lift_ci_method { delta, log, fieller };

SOSTAC_INLINE lift_ci_method parse_lift_ci_method(const std::string& s);

/// Confidence interval for the relative lift p_b / p_a - 1; needs x_a >= 1 and
/// x_b >= 1.
/// - `delta`: delta method on the ratio scale, R ± z R sqrt(q_a/(n_a p_a) + q_b/(n_b
/// p_b)).
/// - `log`: Katz et al. (1978) log-ratio interval (statsmodels
///   confint_proportions_2indep(compare="ratio", method="log")).
/// - `fieller`: Fieller's (1954) interval for a ratio of independent normal means;
///   (-inf, inf) when p_a is not significantly different from 0 at this level.
SOSTAC_INLINE interval lift_ci(double x_a, double n_a, double x_b, double n_b,
                               double level = 0.95,
                               lift_ci_method method = lift_ci_method::delta);

}  // namespace sostac::stats

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/stats/proportions-inl.hpp>
#endif
