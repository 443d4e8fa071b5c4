#pragma once
/// Power, sample size and minimum detectable effect for comparing two proportions
/// and two means. Group A (control) has n observations, group B ratio * n.
///
/// Sample sizes are continuous (round up yourself) and solved to full double
/// precision: closed forms where they exist, otherwise TOMS 748 root finding to a
/// relative tolerance of 2^-49 ~ 1.8e-15 (R's uniroot stops at ~1e-4 by default).

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>
#include <sostac/stats/common.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace sostac::stats {

enum class power_method { pooled, arcsine };

SOSTAC_INLINE power_method parse_power_method(const std::string& s);

/// Which tails count towards two-sided power. `reference` is what the reference
/// implementation does: R power.prop.test / power.t.test count only the tail in the
/// direction of the effect (strict = FALSE); pwr.2p.test counts both.
enum class two_sided_tails { reference, one, both };

namespace detail {

SOSTAC_INLINE bool count_both_tails(two_sided_tails tails, power_method m);

SOSTAC_INLINE void check_power_common(double alpha, double ratio);

/// z_{1 - alpha / sides}.
SOSTAC_INLINE double upper_critical(double alpha, alternative alt);

/// Power of the pooled two-proportion z test (R power.prop.test, generalised to
/// n_b = ratio n_a with the n-weighted pooled proportion under H0).
SOSTAC_INLINE double power_pooled(double pa, double pb, double n, double alpha,
                                  alternative alt, double ratio, bool both_tails);

/// Power of the arcsine test with Cohen's h = 2 asin(sqrt(p_b)) - 2 asin(sqrt(p_a))
/// (pwr.2p.test; pwr.2p2n.test for unequal groups: h sqrt(n_a n_b / (n_a + n_b))).
SOSTAC_INLINE double power_arcsine(double pa, double pb, double n, double alpha,
                                   alternative alt, double ratio, bool both_tails);

SOSTAC_INLINE double power_props(double pa, double pb, double n, double alpha, alternative alt,
                                 double ratio, power_method m, bool both);

SOSTAC_INLINE void check_direction(double pa, double pb, alternative alt);

}  // namespace detail

/// Power to detect p_b against p_a with n in group A and ratio * n in group B.
SOSTAC_INLINE double power_proportions(double p_a, double p_b, double n, double alpha = 0.05,
                                       alternative alt = alternative::two_sided,
                                       double ratio = 1.0,
                                       power_method method = power_method::pooled,
                                       two_sided_tails tails = two_sided_tails::reference);

/// Group-A size n (group B: ratio * n) giving `power` to detect p_b against p_a.
SOSTAC_INLINE double sample_size_proportions(
           double p_a, double p_b, double alpha = 0.05, double power = 0.8,
           alternative alt = alternative::two_sided, double ratio = 1.0,
           power_method method = power_method::pooled,
           two_sided_tails tails = two_sided_tails::reference);

/// The smallest |p_b - p_a| detectable with `power` when group A has n units,
/// returned signed as p_b - p_a (negative for alternative 'less').
SOSTAC_INLINE double mde_proportions(double p_a, double n, double alpha = 0.05,
                                     double power = 0.8,
                                     alternative alt = alternative::two_sided,
                                     double ratio = 1.0,
                                     power_method method = power_method::pooled,
                                     two_sided_tails tails = two_sided_tails::reference);

namespace detail {

/// Power of the two-sample t test (R power.t.test, type "two.sample"): with
/// nu = n_a + n_b - 2 and ncp = delta / (sd sqrt(1/n_a + 1/n_b)),
/// P(T'(nu, ncp) > t_crit) [+ P(T'(nu, ncp) < -t_crit) with both tails].
SOSTAC_INLINE double power_t(double delta, double sd, double n, double alpha, alternative alt,
                             double ratio, bool both_tails);

/// The two-sample t test needs nu = n (1 + ratio) - 2 > 0 degrees of freedom.
SOSTAC_INLINE void check_t_group_size(double n, double ratio);

SOSTAC_INLINE void check_means(double delta, double sd);

}  // namespace detail

/// Power of the two-sample t test to detect a difference `delta` in means.
SOSTAC_INLINE double power_means(double delta, double sd, double n, double alpha = 0.05,
                                 alternative alt = alternative::two_sided, double ratio = 1.0,
                                 bool strict = false);

/// Group-A size (group B: ratio * n) giving `power` for the two-sample t test; equals
/// R power.t.test(delta, sd, power, sig.level) for ratio = 1.
SOSTAC_INLINE double sample_size_means(double delta, double sd, double alpha = 0.05,
                                       double power = 0.8,
                                       alternative alt = alternative::two_sided,
                                       double ratio = 1.0, bool strict = false);

/// The smallest difference in means detectable with `power` by the two-sample t test
/// with n units in group A (ratio * n in B) and standard deviation sd; positive, or
/// negative for alternative 'less'. Equals R power.t.test(n, sd, power)$delta.
SOSTAC_INLINE double mde_means(double sd, double n, double alpha = 0.05, double power = 0.8,
                               alternative alt = alternative::two_sided, double ratio = 1.0,
                               bool strict = false);

}  // namespace sostac::stats

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/stats/power-inl.hpp>
#endif
