#pragma once
/// Tail probabilities of the normal, chi-square and Student t distributions, each
/// returned together with its natural logarithm so that p-values far below the
/// smallest double (1e-308) keep their magnitude in `log_p`.

#include <sostac/core/config.hpp>
#include <cmath>
#include <limits>

namespace sostac::stats::detail {

/// A probability and its logarithm, computed separately so neither loses precision.
struct tail_prob {
  double p;
  double log_p;
};

/// log Phi(x), the log of the standard normal CDF, accurate for every x.
/// For x >= -37 erfc is still a normal double; below that we use the asymptotic
/// expansion Phi(x) = phi(x)/|x| * sum_k (-1)^k (2k-1)!! / x^(2k) (Abramowitz &
/// Stegun 26.2.12), whose terms fall below 1e-17 long before they start to grow.
SOSTAC_INLINE double log_norm_cdf(double x);

/// Phi(x).
SOSTAC_INLINE double norm_cdf(double x);

/// Phi(x) and its log from a single erfc: the smaller tail q is computed directly
/// (accurate to an ulp), so log q is exact to rounding while q is a normal double,
/// and a probability near 1 takes its log as log1p(-q). Only where q underflows do we
/// fall back to the asymptotic series of log_norm_cdf.
SOSTAC_INLINE tail_prob norm_lower(double x);

SOSTAC_INLINE tail_prob norm_upper(double x);

/// 2 * Phi(-|z|): the two-sided normal p-value.
SOSTAC_INLINE tail_prob norm_two_sided(double z);

/// log Q(a, x) = log Gamma(a, x)/Gamma(a) for x > a + 1 by the Legendre continued
/// fraction (Numerical Recipes 6.2.7, modified Lentz), used only where gamma_q
/// underflows, so it never needs the series branch.
SOSTAC_INLINE double log_gamma_q_cf(double a, double x);

/// Upper tail of the chi-square distribution with `df` degrees of freedom.
SOSTAC_INLINE tail_prob chisq_upper(double stat, double df);

/// log I_x(a, b) for small x from I_x(a,b) = x^a (1-x)^b / (a B(a,b)) *
/// 2F1(a+b, 1; a+1; x) (DLMF 8.17.8); the series converges fast for x << 1, which is
/// the only place we call it (when ibeta has underflowed).
SOSTAC_INLINE double log_ibeta_small_x(double a, double b, double x);

/// P(T > t) for Student's t with `df` degrees of freedom.
SOSTAC_INLINE tail_prob t_upper(double t, double df);

SOSTAC_INLINE tail_prob t_lower(double t, double df);

SOSTAC_INLINE tail_prob t_two_sided(double t, double df);

}  // namespace sostac::stats::detail

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/stats/detail/tails-inl.hpp>
#endif
