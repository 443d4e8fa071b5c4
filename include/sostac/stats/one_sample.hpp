#pragma once
/// One-sample tests of an observed rate against a stated value — a plan's target:
/// a proportion x / n against p0 (R's prop.test(x, n, p0) score test, with or without
/// Yates' correction, and binom.test's exact test) and an event rate k / T against r0
/// (R's poisson.test(k, T, r0), exact).
///
/// Exact two-sided p-values follow R: the probability of every outcome no more likely
/// than the observed one, with R's relative tolerance 1 + 1e-7 on "no more likely".
/// Exact tails are Boost's incomplete beta / gamma; where a tail underflows (below
/// 1e-300) its logarithm is summed term by term from Loader's log densities, so
/// log_pvalue stays finite.

#include <sostac/core/config.hpp>
#include <sostac/stats/common.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace sostac::stats {

enum class one_proportion_method { score, score_yates, exact };

SOSTAC_INLINE one_proportion_method parse_one_proportion_method(const std::string& s);

/// A one-sample test: the statistic (z for the score tests, the count for the exact
/// ones), the p-value and its log, the observed rate, and its difference from and
/// ratio to the stated value (diff = rate - value, lift = rate / value - 1).
struct one_sample_result {
  double statistic;
  double pvalue;
  double log_pvalue;
  double estimate;
  double diff;
  double lift;
};

namespace detail {

/// log of the Poisson probability of x events with mean m (Loader; R's dpois_raw).
SOSTAC_INLINE double log_dpois_raw(double x, double m);

}  // namespace detail

/// Tests x successes in n trials against the proportion p0. score: z = (x - n p0) /
/// sqrt(n p0 (1 - p0)), z^2 = R prop.test(x, n, p0, correct = FALSE)$statistic;
/// score-yates: |x - n p0| shrunk by min(0.5, |x - n p0|) (correct = TRUE); exact:
/// binom.test(x, n, p0). "greater" tests a true proportion above p0.
SOSTAC_INLINE one_sample_result one_proportion_test(
           double x, double n, double p0,
           one_proportion_method method = one_proportion_method::score,
           alternative alt = alternative::two_sided);

/// Tests k events over exposure T (time, visits, thousands of impressions) against
/// the rate r0, exactly: k ~ Poisson(r0 T), as R's poisson.test(k, T, r0).
/// "greater" tests a true rate above r0.
SOSTAC_INLINE one_sample_result poisson_test(double k, double exposure, double r0,
                                             alternative alt = alternative::two_sided);

}  // namespace sostac::stats

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/stats/one_sample-inl.hpp>
#endif
