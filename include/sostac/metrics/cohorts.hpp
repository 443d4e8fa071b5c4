#pragma once
/// Acquisition cohorts: a user's cohort is the period of their first event; the age
/// of an event is the number of periods since the cohort's. The accumulator keeps
/// the distinct (user, period) pairs with the summed value, so chunks and partitions
/// merge exactly; finish() counts active users and value per (cohort, age).

#include <sostac/core/error.hpp>
#include <sostac/metrics/columns.hpp>
#include <sostac/metrics/period.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sostac::metrics {

/// One cell of the cohort matrix.
struct cohort_cell {
  std::int64_t cohort;  ///< period index of the cohort
  std::int64_t age;     ///< periods since the cohort's
  std::int64_t users;   ///< distinct users of the cohort active at this age
  double value;         ///< summed value of their events at this age
};

class cohort_accumulator {
 public:
  cohort_accumulator(period p, std::int64_t ticks_per_day,
                     std::int64_t offset_ticks = 0)
      : period_(p), ticks_per_day_(ticks_per_day), offset_ticks_(offset_ticks) {
    if (ticks_per_day <= 0)
      throw input_error("ticks_per_day", "expected a positive number of ticks per day");
  }

  /// Adds events: user codes in [0, 2^32), times in ticks, optional values (finite).
  void add(const integer_column& user, const integer_column& time,
           const numeric_column* value = nullptr) {
    const std::size_t n = user.size;
    if (time.size != n || (value && value->size != n))
      throw input_error(time.size != n ? time.name : value->name,
                        "expected " + std::to_string(n) + " values (one per row of " +
                            user.name + ")");
    std::vector<std::pair<std::uint64_t, double>> rows(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t u = user[i];
      if (u < 0 || u > std::numeric_limits<std::uint32_t>::max())
        throw input_error(
            user.name + "[" + std::to_string(i) + "]",
            "expected a user code in [0, 2^32), got " + std::to_string(u));
      const std::int64_t p =
          period_index(day_of(time[i], ticks_per_day_, offset_ticks_), period_);
      if (p < std::numeric_limits<std::int32_t>::min() ||
          p > std::numeric_limits<std::int32_t>::max())
        throw input_error(time.name + "[" + std::to_string(i) + "]",
                          "the time is outside the supported calendar");
      const double v = value ? (*value)[i] : 0.0;
      if (!std::isfinite(v))
        throw input_error(
            value->name + "[" + std::to_string(i) + "]",
            "expected a finite number, got " + sostac::detail::format_value(v));
      rows[i] = {key(u, p), v};
    }
    absorb(std::move(rows));
  }

  /// Adds another accumulator's pairs; its user code u becomes user_map[u] when a
  /// map is given.
  void merge(const cohort_accumulator& other,
             const std::vector<std::int64_t>& user_map = {}) {
    if (other.period_ != period_)
      throw input_error("other", "expected an accumulator with the same period");
    std::vector<std::pair<std::uint64_t, double>> rows(other.pairs_);
    if (!user_map.empty())
      for (auto& r : rows) {
        const std::uint64_t u = r.first >> 32;
        if (u >= user_map.size())
          throw input_error("user_map",
                            "has no entry for user code " + std::to_string(u));
        r.first = key(user_map[u], period_of(r.first));
      }
    absorb(std::move(rows));
  }

  /// Cells sorted by cohort and age, and the last period index seen (the horizon).
  std::vector<cohort_cell> finish(std::int64_t* last_period = nullptr) const {
    std::map<std::pair<std::int64_t, std::int64_t>, std::pair<std::int64_t, double>>
        cells;
    std::int64_t last = std::numeric_limits<std::int64_t>::min();
    for (std::size_t i = 0; i < pairs_.size();) {
      const std::uint64_t u = pairs_[i].first >> 32;
      const std::int64_t cohort =
          period_of(pairs_[i].first);  // sorted: first is earliest
      for (; i < pairs_.size() && (pairs_[i].first >> 32) == u; ++i) {
        const std::int64_t p = period_of(pairs_[i].first);
        last = std::max(last, p);
        auto& c = cells[{cohort, p - cohort}];
        c.first += 1;
        c.second += pairs_[i].second;
      }
    }
    if (last_period) *last_period = last;
    std::vector<cohort_cell> out;
    out.reserve(cells.size());
    for (const auto& [k, v] : cells)
      out.push_back({k.first, k.second, v.first, v.second});
    return out;
  }

 private:
  static std::uint64_t key(std::int64_t user, std::int64_t p) {
    // period index biased so that the unsigned order is the numeric order
    return (static_cast<std::uint64_t>(user) << 32) |
           (static_cast<std::uint32_t>(static_cast<std::int32_t>(p)) ^ 0x80000000u);
  }
  static std::int64_t period_of(std::uint64_t k) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(k & 0xffffffffu) ^
                                     0x80000000u);
  }

  /// Merges rows (unsorted, with duplicates) into the sorted, distinct pairs.
  void absorb(std::vector<std::pair<std::uint64_t, double>> rows) {
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<std::uint64_t, double>> merged;
    merged.reserve(pairs_.size() + rows.size());
    std::size_t i = 0, j = 0;
    while (i < pairs_.size() || j < rows.size()) {
      const bool take_old =
          j == rows.size() || (i < pairs_.size() && pairs_[i].first <= rows[j].first);
      const auto& next = take_old ? pairs_[i++] : rows[j++];
      if (!merged.empty() && merged.back().first == next.first)
        merged.back().second += next.second;
      else
        merged.push_back(next);
    }
    pairs_ = std::move(merged);
  }

  period period_;
  std::int64_t ticks_per_day_, offset_ticks_;
  std::vector<std::pair<std::uint64_t, double>> pairs_;  // sorted by (user, period)
};

}  // namespace sostac::metrics
