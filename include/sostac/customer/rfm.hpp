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

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace sostac::customer {

namespace detail {

/// Order-preserving map of a double to an unsigned key (-0 and +0 adjacent).
inline std::uint64_t sort_key(double v) noexcept {
  std::uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  return (u >> 63) ? ~u : (u | (std::uint64_t{1} << 63));
}

/// Indices 0..n-1 in increasing key order (stable LSD radix sort, 16-bit digits;
/// digits equal in every key are skipped).
inline std::vector<std::uint32_t> radix_order(const std::vector<std::uint64_t>& key) {
  const std::size_t n = key.size();
  std::vector<std::uint32_t> idx(n), tmp(n);
  for (std::size_t i = 0; i < n; ++i) idx[i] = static_cast<std::uint32_t>(i);
  std::vector<std::size_t> count(65537);
  for (int pass = 0; pass < 4; ++pass) {
    const int shift = 16 * pass;
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t i = 0; i < n; ++i) ++count[((key[i] >> shift) & 0xFFFF) + 1];
    bool single = false;
    for (std::size_t d = 1; d <= 65536; ++d)
      if (count[d] == n) single = true;
    if (single) continue;
    for (std::size_t d = 1; d <= 65536; ++d) count[d] += count[d - 1];
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t j = idx[i];
      tmp[count[(key[j] >> shift) & 0xFFFF]++] = j;
    }
    idx.swap(tmp);
  }
  return idx;
}

}  // namespace detail

/// Scores 1..k of x (n values; higher is better unless `lower_is_better`) by the
/// tie rule above. NaN is an input_error naming `name[i]`; k must be 1..100.
inline std::vector<std::uint8_t> quantile_scores(const double* x, std::size_t n, int k,
                                                 bool lower_is_better,
                                                 const std::string& name = "x") {
  if (k < 1 || k > 100) throw input_error("bins", "expected 1..100, got " + std::to_string(k));
  if (n > 0xFFFFFFFFu) throw input_error(name, "more than 2^32 customers");
  std::vector<std::uint64_t> key(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(x[i]))
      throw input_error(name + "[" + std::to_string(i) + "]", "NaN has no rank");
    key[i] = detail::sort_key(lower_is_better ? -x[i] : x[i]);
  }
  const auto order = detail::radix_order(key);
  std::vector<std::uint8_t> score(n);
  std::size_t run = 0;  // position of the first value of the current tie
  for (std::size_t p = 0; p < n; ++p) {
    if (p > 0 && x[order[p]] != x[order[p - 1]]) run = p;
    score[order[p]] =
        static_cast<std::uint8_t>(1 + (static_cast<std::uint64_t>(k) * run) / n);
  }
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
