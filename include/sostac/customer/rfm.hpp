// sostac/customer/rfm.hpp: RFM scores 1..k by quantile bins, with a stated tie rule.
#pragma once
/// The tie rule (docs/customer.md): a customer's score is
///     1 + floor(k * L / n)
/// where n is the number of customers and L the number of customers with a strictly
/// worse value (smaller frequency or monetary, larger recency). Tied values share a
/// score: the one of the lowest rank in the tie, as SQL's
/// `1 + floor(k * (RANK() OVER (ORDER BY x) - 1) / n)` and pandas'
/// `1 + (k * (x.rank(method="min") - 1) // n)` compute it. Without ties the bins hold
/// n/k customers each, give or take one.

#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

namespace sostac::customer {

/// Scores 1..k of x (n values; higher is better unless `lower_is_better`) by the
/// tie rule above. NaN is an input_error naming `name[i]`; k must be 1..100.
///
/// No sort: with y_1 <= ... <= y_n the sorted values, L(x) >= m exactly when
/// x > y_m, so score(x) = 1 + #{j in 1..k-1 : x > y_(ceil(j n / k))}; the k - 1
/// order statistics come from nth_element (O(n) each, on shrinking ranges).
inline std::vector<std::uint8_t> quantile_scores(const double* x, std::size_t n, int k,
                                                 bool lower_is_better,
                                                 const std::string& name = "x") {
  if (k < 1 || k > 100) throw input_error("bins", "expected 1..100, got " + std::to_string(k));
  const double sign = lower_is_better ? -1.0 : 1.0;
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(x[i]))
      throw input_error(name + "[" + std::to_string(i) + "]", "NaN has no rank");
    v[i] = sign * x[i];
  }
  std::vector<std::uint8_t> score(n);
  // Whole numbers in a small range (recency in days, transaction counts): L from a
  // histogram, in O(n + range).
  bool whole = n > 0;
  double lo = n ? v[0] : 0, hi = lo;
  for (std::size_t i = 0; i < n && whole; ++i) {
    whole = v[i] == std::floor(v[i]) && std::abs(v[i]) < 4e15;
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  if (whole && hi - lo < static_cast<double>(std::max<std::size_t>(n, 1 << 16))) {
    const auto range = static_cast<std::size_t>(hi - lo) + 1;
    std::vector<std::size_t> below(range + 1, 0);  // below[b] = #values < lo + b
    for (std::size_t i = 0; i < n; ++i) ++below[static_cast<std::size_t>(v[i] - lo) + 1];
    std::partial_sum(below.begin(), below.end(), below.begin());
    const auto kk = static_cast<std::size_t>(k);
    parallel_for(n, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i)
        score[i] = static_cast<std::uint8_t>(
            1 + kk * below[static_cast<std::size_t>(v[i] - lo)] / n);
    });
    return score;
  }
  std::vector<double> cut;  // y_(m_j), increasing in j
  std::size_t from = 0;
  for (int j = 1; j < k && n > 0; ++j) {
    const std::size_t m =
        (static_cast<std::size_t>(j) * n + static_cast<std::size_t>(k) - 1) /
        static_cast<std::size_t>(k);  // ceil(j n / k), 1-based
    std::nth_element(v.begin() + static_cast<std::ptrdiff_t>(from),
                     v.begin() + static_cast<std::ptrdiff_t>(m - 1), v.end());
    cut.push_back(v[m - 1]);
    from = m - 1;
  }
  const std::size_t cuts = cut.size();
  parallel_for(n, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const double y = sign * x[i];
      unsigned s = 1;
      for (std::size_t j = 0; j < cuts; ++j) s += y > cut[j] ? 1u : 0u;
      score[i] = static_cast<std::uint8_t>(s);
    }
  });
  return score;
}

struct rfm_result {
  std::vector<std::uint8_t> r_score, f_score, m_score;
};

/// The three scores: recency (days since the last purchase; lower is better),
/// frequency and monetary (higher is better), computed side by side.
inline rfm_result rfm_scores(const double* recency, const double* frequency,
                             const double* monetary, std::size_t n, int bins) {
  rfm_result r;
  parallel_for(
      3,
      [&](std::size_t b, std::size_t e) {
        for (std::size_t j = b; j < e; ++j) {
          if (j == 0) r.r_score = quantile_scores(recency, n, bins, true, "recency");
          if (j == 1) r.f_score = quantile_scores(frequency, n, bins, false, "frequency");
          if (j == 2) r.m_score = quantile_scores(monetary, n, bins, false, "monetary");
        }
      },
      1);
  return r;
}

}  // namespace sostac::customer
