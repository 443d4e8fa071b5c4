#pragma once
/// Definitions for <sostac/stats/multiple_testing.hpp>: compiled into the sostac library
/// (src/), or included by the header when SOSTAC_HEADER_ONLY is defined.

#include <sostac/stats/multiple_testing.hpp>

namespace sostac::stats {

SOSTAC_INLINE adjust_method parse_adjust_method(const std::string& s) {
  if (s == "bonferroni") return adjust_method::bonferroni;
  if (s == "holm") return adjust_method::holm;
  if (s == "hochberg") return adjust_method::hochberg;
  if (s == "hommel") return adjust_method::hommel;
  if (s == "bh" || s == "BH" || s == "fdr_bh" || s == "fdr") return adjust_method::bh;
  if (s == "by" || s == "BY" || s == "fdr_by") return adjust_method::by;
  throw input_error("method",
                    "expected one of 'bonferroni', 'holm', 'hochberg', 'hommel', "
                    "'bh', 'by', got '" +
                        s + "'");
}

SOSTAC_INLINE void adjust_pvalues(const double* p, std::size_t n, adjust_method method,
                                  double* out) {
  for (std::size_t i = 0; i < n; ++i)
    if (!(p[i] >= 0 && p[i] <= 1))
      throw input_error(
          "p[" + std::to_string(i) + "]",
          "expected a p-value in [0, 1], got " + detail::format_value(p[i]));
  if (n == 0) return;
  const double dn = static_cast<double>(n);
  if (method == adjust_method::bonferroni) {
    for (std::size_t i = 0; i < n; ++i) out[i] = std::min(1.0, dn * p[i]);
    return;
  }
  // Sort (p, index) pairs: contiguous keys sort several times faster than an
  // indirect comparison, and the index tie-break keeps ties in input order (R's
  // order() is stable).
  std::vector<std::pair<double, std::size_t>> sorted(n);
  for (std::size_t i = 0; i < n; ++i) sorted[i] = {p[i], i};
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> adj(n);  // adjusted values in ascending order of p
  switch (method) {
    case adjust_method::holm: {
      double run = 0;
      for (std::size_t k = 0; k < n; ++k) {
        run = std::max(run, (dn - static_cast<double>(k)) * sorted[k].first);
        adj[k] = std::min(1.0, run);
      }
      break;
    }
    case adjust_method::hochberg:
    case adjust_method::bh:
    case adjust_method::by: {
      double q = 1.0;  // BY's harmonic factor sum_{i<=n} 1/i
      if (method == adjust_method::by) {
        q = 0.0;
        for (std::size_t i = 1; i <= n; ++i) q += 1.0 / static_cast<double>(i);
      }
      double run = INFINITY;
      for (std::size_t k = n; k-- > 0;) {
        const double rank = static_cast<double>(k + 1);
        const double f =
            method == adjust_method::hochberg ? (dn - rank + 1) : q * dn / rank;
        run = std::min(run, f * sorted[k].first);
        adj[k] = std::min(1.0, run);
      }
      break;
    }
    case adjust_method::hommel: {
      std::vector<double> ps(n);
      for (std::size_t k = 0; k < n; ++k) ps[k] = sorted[k].first;
      double m0 = INFINITY;
      for (std::size_t k = 0; k < n; ++k)
        m0 = std::min(m0, dn * ps[k] / static_cast<double>(k + 1));
      std::vector<double> q(n, m0), pa(n, m0);
      for (std::size_t m = n - 1; m >= 2; --m) {
        const std::size_t split = n - m + 1;  // i1 = [0, split), i2 = [split, n)
        double q1 = INFINITY;
        for (std::size_t j = split; j < n; ++j)
          q1 = std::min(
              q1, static_cast<double>(m) * ps[j] / static_cast<double>(j - split + 2));
        for (std::size_t j = 0; j < split; ++j)
          q[j] = std::min(static_cast<double>(m) * ps[j], q1);
        for (std::size_t j = split; j < n; ++j) q[j] = q[split - 1];
        for (std::size_t j = 0; j < n; ++j) pa[j] = std::max(pa[j], q[j]);
      }
      for (std::size_t k = 0; k < n; ++k) adj[k] = std::max(pa[k], ps[k]);
      break;
    }
    default:
      break;
  }
  for (std::size_t k = 0; k < n; ++k) out[sorted[k].second] = adj[k];
}

SOSTAC_INLINE std::vector<double> adjust_pvalues(const std::vector<double>& p,
                                                 adjust_method method) {
  std::vector<double> out(p.size());
  adjust_pvalues(p.data(), p.size(), method, out.data());
  return out;
}

}  // namespace sostac::stats
