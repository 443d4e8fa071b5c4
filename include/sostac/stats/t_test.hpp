#pragma once
/// Two-sample t tests (Welch and Student) from samples or from summary statistics.
/// Every result is for B - A and equals R's t.test(b, a, ...).

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>
#include <sostac/stats/common.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

namespace sostac::stats {

struct t_test_result {
  double statistic;  ///< t for mean_b - mean_a
  double df;  ///< degrees of freedom (Welch–Satterthwaite when unequal variances)
  double pvalue;
  double log_pvalue;
  double estimate;  ///< mean_b - mean_a
  double stderr_;   ///< standard error of the estimate
  double ci_low;    ///< confidence interval for mean_b - mean_a; one-sided
  double ci_high;   ///< alternatives give a half-infinite interval, as R does
};

/// Summary of one sample: mean, standard deviation (n - 1 denominator), size.
struct sample_summary {
  double mean;
  double sd;
  double n;
};

namespace detail {

/// Mean and sd by two passes (the second corrects the mean for rounding, as in
/// Chan, Golub & LeVeque 1983), rejecting non-finite values by index.
SOSTAC_INLINE sample_summary summarize(const char* name, const double* x, std::size_t n);

SOSTAC_INLINE void check_summary(const char* mean_name, double mean, const char* sd_name,
                                 double sd, const char* n_name, double n);

}  // namespace detail

namespace detail {

/// The test from validated summaries; `data` names the arguments a constant-data
/// error is about ("a, b" for samples, "sd_a, sd_b" for summaries).
SOSTAC_INLINE t_test_result t_test_summary(double mean_a, double sd_a, double n_a,
                                           double mean_b, double sd_b, double n_b,
                                           bool equal_var, alternative alt, double level,
                                           const char* data);

}  // namespace detail

/// Welch (equal_var = false) or Student two-sample t test of mean_b - mean_a from
/// summary statistics.
SOSTAC_INLINE t_test_result t_test_from_stats(double mean_a, double sd_a, double n_a,
                                              double mean_b, double sd_b, double n_b,
                                              bool equal_var = false,
                                              alternative alt = alternative::two_sided,
                                              double level = 0.95);

/// The same test from the samples themselves (a: control, b: variant).
SOSTAC_INLINE t_test_result t_test(const double* a, std::size_t n_a, const double* b,
                                   std::size_t n_b, bool equal_var = false,
                                   alternative alt = alternative::two_sided,
                                   double level = 0.95);

}  // namespace sostac::stats

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/stats/t_test-inl.hpp>
#endif
