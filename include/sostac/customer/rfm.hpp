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
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace sostac::customer {

namespace detail {

/// An unsigned key with the order of the doubles (NaN excluded): flip the sign bit of
/// non-negative values and all bits of negative ones.
inline std::uint64_t order_key(double v) noexcept {
  std::uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  return (u >> 63) ? ~u : u | (std::uint64_t{1} << 63);
}

/// The k-1 order statistics y_(ceil(j n / k)) of s * x, without a copy of x: a
/// histogram of the keys' top 16 bits finds the bucket of each wanted rank, then only
/// the values in those buckets are copied and selected (nth_element).
template <class T>
std::vector<double> quantile_cuts(const T* x, std::size_t n, int k, double sign) {
  constexpr int shift = 48;
  constexpr std::size_t buckets = std::size_t{1} << (64 - shift);
  const int threads = std::max(1, std::min(num_threads(), static_cast<int>(n >> 16) + 1));
  std::vector<std::vector<std::uint32_t>> hist(static_cast<std::size_t>(threads));
  parallel_for(
      static_cast<std::size_t>(threads),
      [&](std::size_t tb, std::size_t te) {
        for (std::size_t t = tb; t < te; ++t) {
          auto& h = hist[t];
          h.assign(buckets, 0);
          const std::size_t b = n * t / static_cast<std::size_t>(threads);
          const std::size_t e = n * (t + 1) / static_cast<std::size_t>(threads);
          for (std::size_t i = b; i < e; ++i)
            ++h[order_key(sign * static_cast<double>(x[i])) >> shift];
        }
      },
      1);
  std::vector<std::size_t> below(buckets + 1, 0);  // below[b] = #keys in buckets < b
  for (std::size_t b = 0; b < buckets; ++b) {
    std::size_t c = 0;
    for (const auto& h : hist) c += h[b];
    below[b + 1] = below[b] + c;
  }
  hist.clear();
  // wanted 0-based ranks and their buckets
  std::vector<std::size_t> rank, bucket;
  for (int j = 1; j < k && n > 0; ++j) {
    const std::size_t m = (static_cast<std::size_t>(j) * n + static_cast<std::size_t>(k) - 1) /
                          static_cast<std::size_t>(k);  // ceil(j n / k), 1-based
    rank.push_back(m - 1);
    bucket.push_back(static_cast<std::size_t>(
        std::upper_bound(below.begin(), below.end(), m - 1) - below.begin() - 1));
  }
  std::vector<std::size_t> wanted(bucket);
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());  // increasing
  std::vector<std::vector<double>> in(wanted.size());
  for (std::size_t w = 0; w < wanted.size(); ++w)
    in[w].reserve(below[wanted[w] + 1] - below[wanted[w]]);
  for (std::size_t i = 0; i < n; ++i) {
    const double v = sign * static_cast<double>(x[i]);
    const std::size_t b = order_key(v) >> shift;
    const auto it = std::lower_bound(wanted.begin(), wanted.end(), b);
    if (it != wanted.end() && *it == b) in[static_cast<std::size_t>(it - wanted.begin())].push_back(v);
  }
  std::vector<double> cut;
  for (std::size_t j = 0; j < rank.size(); ++j) {
    const auto w = static_cast<std::size_t>(
        std::lower_bound(wanted.begin(), wanted.end(), bucket[j]) - wanted.begin());
    auto& vals = in[w];
    const std::size_t r = rank[j] - below[bucket[j]];
    std::nth_element(vals.begin(), vals.begin() + static_cast<std::ptrdiff_t>(r), vals.end());
    cut.push_back(vals[r]);
  }
  return cut;
}

}  // namespace detail

/// Scores 1..k of x (n values; higher is better unless `lower_is_better`) by the
/// tie rule above. NaN is an input_error naming `name[i]`; k must be 1..100. T is
/// double or an integer type (counts, days); x is read, never copied.
///
/// No sort: with y_1 <= ... <= y_n the sorted values, L(x) >= m exactly when
/// x > y_m, so score(x) = 1 + #{j in 1..k-1 : x > y_(ceil(j n / k))}. Whole numbers
/// in a small range (recency in days, transaction counts) get L from a histogram in
/// O(n + range); other values get the k - 1 order statistics by a radix histogram
/// and a selection within the few buckets that hold them (detail::quantile_cuts).
template <class T>
std::vector<std::uint8_t> quantile_scores(const T* x, std::size_t n, int k, bool lower_is_better,
                                          const std::string& name = "x") {
  if (k < 1 || k > 100) throw input_error("bins", "expected 1..100, got " + std::to_string(k));
  const double sign = lower_is_better ? -1.0 : 1.0;
  // One pass: NaN, whole numbers, range (per block, then combined).
  const std::size_t grain = 1 << 16;
  const std::size_t blocks = (n + grain - 1) / grain;
  struct block_info {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    bool whole = true, nan = false;
  };
  std::vector<block_info> info(blocks);
  parallel_for(
      n,
      [&](std::size_t b, std::size_t e) {
        block_info o;
        for (std::size_t i = b; i < e; ++i) {
          const double v = sign * static_cast<double>(x[i]);
          if (std::isnan(v)) o.nan = true;
          o.whole = o.whole && v == std::floor(v) && std::abs(v) < 4e15;
          o.lo = std::min(o.lo, v);
          o.hi = std::max(o.hi, v);
        }
        info[b / grain] = o;
      },
      grain);
  block_info all;
  for (const auto& o : info) {
    all.nan = all.nan || o.nan;
    all.whole = all.whole && o.whole;
    all.lo = std::min(all.lo, o.lo);
    all.hi = std::max(all.hi, o.hi);
  }
  if (all.nan)
    for (std::size_t i = 0; i < n; ++i)
      if (std::isnan(static_cast<double>(x[i])))
        throw input_error(name + "[" + std::to_string(i) + "]", "NaN has no rank");
  std::vector<std::uint8_t> score(n);
  if (n == 0) return score;
  const auto kk = static_cast<std::size_t>(k);
  if (all.whole && all.hi - all.lo < static_cast<double>(std::max<std::size_t>(n, 1 << 16))) {
    const double lo = all.lo;
    const auto range = static_cast<std::size_t>(all.hi - lo) + 1;
    std::vector<std::size_t> below(range + 1, 0);  // below[b] = #values < lo + b
    for (std::size_t i = 0; i < n; ++i)
      ++below[static_cast<std::size_t>(sign * static_cast<double>(x[i]) - lo) + 1];
    std::partial_sum(below.begin(), below.end(), below.begin());
    parallel_for(n, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i)
        score[i] = static_cast<std::uint8_t>(
            1 + kk * below[static_cast<std::size_t>(sign * static_cast<double>(x[i]) - lo)] / n);
    });
    return score;
  }
  const std::vector<double> cut = detail::quantile_cuts(x, n, k, sign);
  const std::size_t cuts = cut.size();
  parallel_for(n, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const double y = sign * static_cast<double>(x[i]);
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
template <class F>
rfm_result rfm_scores(const double* recency, const F* frequency, const double* monetary,
                      std::size_t n, int bins) {
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
