#pragma once
/// Definitions for <sostac/stats/mann_whitney.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/stats/mann_whitney.hpp>

namespace sostac::stats {

SOSTAC_INLINE mann_whitney_result mann_whitney(const double* a, std::size_t n_a,
                                               const double* b, std::size_t n_b,
                                               alternative alt,
                                               bool continuity) {
  if (n_a < 1) detail::fail("a", "expected at least 1 observation, got 0");
  if (n_b < 1) detail::fail("b", "expected at least 1 observation, got 0");
  const std::size_t n = n_a + n_b;
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n_a; ++i) {
    if (std::isnan(a[i]))
      throw input_error("a[" + std::to_string(i) + "]", "expected a number, got nan");
    v[i] = a[i];
  }
  for (std::size_t i = 0; i < n_b; ++i) {
    if (std::isnan(b[i]))
      throw input_error("b[" + std::to_string(i) + "]", "expected a number, got nan");
    v[n_a + i] = b[i];
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t i, std::size_t j) { return v[i] < v[j]; });
  // Midranks; accumulate b's rank sum and sum(t^3 - t) over tie groups.
  double rank_sum_b = 0, ties = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && v[order[j + 1]] == v[order[i]]) ++j;
    const double mid = 0.5 * static_cast<double>(i + j) + 1.0;
    const double t = static_cast<double>(j - i + 1);
    ties += t * t * t - t;
    for (std::size_t k = i; k <= j; ++k)
      if (order[k] >= n_a) rank_sum_b += mid;
    i = j + 1;
  }
  const double na = static_cast<double>(n_a), nb = static_cast<double>(n_b),
               nn = static_cast<double>(n);
  const double u = rank_sum_b - nb * (nb + 1) / 2;
  const double sigma = std::sqrt(na * nb / 12.0 * ((nn + 1) - ties / (nn * (nn - 1))));
  if (!(sigma > 0))
    throw input_error("a, b", "all observations are equal; the rank test is undefined");
  double zc = u - na * nb / 2;
  if (continuity) {
    const double c = alt == alternative::greater ? 0.5
                     : alt == alternative::less
                         ? -0.5
                         : (zc > 0 ? 0.5 : (zc < 0 ? -0.5 : 0.0));
    zc -= c;
  }
  const double z = zc / sigma;
  const auto p = normal_pvalue(z, alt);
  return {u, p.p, p.log_p, z, u / (na * nb)};
}

}  // namespace sostac::stats
