// sostac/attribution/paths_builder.hpp: customer journeys from a touchpoint log.
#pragma once
/// The rules (docs/attribution.md, "Building paths from a touchpoint log"):
/// - A row is a touch (conversion = 0, a channel), a conversion with its own touch
///   (conversion = 1 and a channel: the converting session is the last interaction) or
///   a bare conversion (conversion = 1, channel -1). Rows may come in any order.
/// - Per user, events in time order; at equal times all touches come before the
///   conversions (a touch at the time of a conversion is on its path), touches at one
///   time ordered by channel code, conversions by value (the first of several at one
///   time gets the path, the others find no touch).
/// - A conversion closes a path: the user's touches since the previous conversion (not
///   reused by the next path, the ChannelAttribution / GA convention) within the
///   lookback window [t - lookback, t]. Older touches are dropped (`expired_touches`).
///   Then consecutive repeats are collapsed (optional) and the last max_length kept.
/// - A conversion with no touch on its path is left out of the table and counted in
///   `unattributed_conversions` / `unattributed_value`.
/// - Touches after a user's last conversion form one non-converting path (a null),
///   with the same window measured back from the user's last touch.
/// The accumulator is mergeable: add() chunks and merge() accumulators in any order
/// (users may be split across parts); finish() sorts, so the result equals one pass.
/// add() copies the rows into one set of columns, or with copy = false keeps only
/// views of the caller's arrays (no copy of the log). finish() makes one pass in add
/// order: when the rows come grouped by user, each user's in time order (a log
/// sorted by user and time), it reads them in place with no sort; otherwise a
/// counting sort of row numbers by user (4 bytes a row) and a sort of each user's few
/// rows by time. With `presorted` that order is required: the first row that breaks
/// it throws order_error. Users are cut into fixed chunks of codes, built in
/// parallel and merged in chunk order, so the table (its row order and every sum) is
/// the same for any thread count, and for given user codes the same whether or not
/// the rows came sorted.

#include <sostac/attribution/path_table.hpp>
#include <sostac/core/error.hpp>
#include <sostac/core/parallel.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace sostac::attribution {

struct path_builder_options {
  /// Lookback window in time ticks (ignored when has_lookback is false: no limit).
  bool has_lookback = false;
  std::int64_t lookback = 0;
  /// Keep the last max_length touches of a path (0: all).
  std::size_t max_length = 0;
  /// Collapse consecutive touches of one channel into one (the run takes the time of
  /// its latest touch).
  bool collapse_repeats = false;
  /// Real-time time decay: a touch dt ticks before the conversion weighs
  /// 2^(-dt / half_life), normalised over the path's touches (GA's time decay model).
  bool has_half_life = false;
  double half_life = 0;
  /// The rows (in add order, over every part) come grouped by user, each user's rows
  /// in time order: finish() checks it and throws order_error at the first row that
  /// breaks it instead of sorting. Without it finish() sorts whatever the order (and
  /// detects grouped input itself: the result is the same either way).
  bool presorted = false;
};

/// presorted input that is not: the first row (in add order) that breaks the order.
class order_error : public input_error {
 public:
  order_error(std::size_t row, std::int64_t user, bool regrouped)
      : input_error((regrouped ? "user[" : "time[") + std::to_string(row) + "]",
                    regrouped ? "the rows of user code " + std::to_string(user) +
                                    " resume after other users' rows (presorted=True)"
                              : "touchpoints not in time order for user code " +
                                    std::to_string(user) + " (presorted=True)"),
        row_(row), user_(user), regrouped_(regrouped) {}
  std::size_t row() const noexcept { return row_; }
  std::int64_t user() const noexcept { return user_; }
  /// true: the user's rows are not together; false: a time before the previous row's.
  bool regrouped() const noexcept { return regrouped_; }

 private:
  std::size_t row_;
  std::int64_t user_;
  bool regrouped_;
};

struct built_paths {
  path_table table;
  double unattributed_conversions = 0, unattributed_value = 0;
  std::uint64_t expired_touches = 0;
  std::uint64_t users = 0;
  /// With has_half_life: per touch (aligned with table.steps) the time-decay credit
  /// summed over the path's conversions, and the same for their value.
  std::vector<double> decay_conversions, decay_value;
};

/// n rows given as column pointers (the layout of add()). user codes come from user64
/// minus user_offset, or from user32 (one of the two is set).
struct touch_columns {
  std::size_t n = 0;
  const std::int64_t* user64 = nullptr;
  const std::int32_t* user32 = nullptr;
  std::int64_t user_offset = 0;
  const std::int64_t* time = nullptr;
  const std::int32_t* channel = nullptr;
  const std::uint8_t* conversion = nullptr;
  const double* value = nullptr;  // nullptr: 0

  std::int64_t user(std::size_t i) const noexcept {
    return user64 != nullptr ? user64[i] - user_offset : user32[i];
  }
};

namespace detail {

inline std::uint64_t hash_path(const std::int32_t* p, std::size_t len) noexcept {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ len;
  for (std::size_t j = 0; j < len; ++j) {
    h ^= static_cast<std::uint32_t>(p[j]);
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
  }
  return h ^ (h >> 32);
}

/// Distinct paths of a part of the users: the table and an open-addressing index
/// over it (slot = row + 1; the row's hash kept for the merge).
struct path_set {
  built_paths out;
  std::vector<std::uint64_t> hash;
  std::vector<std::uint32_t> slot;
  std::size_t mask = 0;

  void grow() {
    const std::size_t cap = slot.empty() ? 1024 : slot.size() * 2;
    slot.assign(cap, 0);
    mask = cap - 1;
    for (std::size_t r = 0; r < hash.size(); ++r) {
      std::size_t s = hash[r] & mask;
      while (slot[s] != 0) s = (s + 1) & mask;
      slot[s] = static_cast<std::uint32_t>(r + 1);
    }
  }
  /// The row of path p (added with zero counts when new) and whether it is new.
  std::pair<std::size_t, bool> row_of(const std::int32_t* p, std::size_t len,
                                      std::uint64_t h) {
    if ((hash.size() + 1) * 2 > slot.size()) grow();
    path_table& t = out.table;
    std::size_t s = h & mask;
    for (; slot[s] != 0; s = (s + 1) & mask) {
      const std::size_t r = slot[s] - 1;
      if (hash[r] != h) continue;
      const std::size_t b = static_cast<std::size_t>(t.offsets[r]);
      if (static_cast<std::size_t>(t.offsets[r + 1]) - b == len &&
          std::equal(p, p + len, t.steps.data() + b))
        return {r, false};
    }
    if (t.size() >= std::numeric_limits<std::uint32_t>::max() - 1)
      throw input_error("touchpoints", "more than 2^32 distinct paths");
    slot[s] = static_cast<std::uint32_t>(t.size() + 1);
    hash.push_back(h);
    t.push(p, len, 0.0, 0.0, 0.0);
    return {t.size() - 1, true};
  }
};

}  // namespace detail

class path_accumulator {
 public:
  path_accumulator() = default;
  path_accumulator(const path_accumulator&) = delete;
  path_accumulator& operator=(const path_accumulator&) = delete;
  path_accumulator(path_accumulator&&) = default;
  path_accumulator& operator=(path_accumulator&&) = default;

  /// Appends n rows: user codes >= 0, int64 time ticks, channel codes (-1: none, on
  /// conversion rows only), conversion flags 0/1, conversion value (nullptr: 0). The
  /// rows are copied into the accumulator's own columns.
  void add(const std::int64_t* user, const std::int64_t* time, const std::int32_t* channel,
           const std::uint8_t* conversion, const double* value, std::size_t n) {
    touch_columns c;
    c.n = n;
    c.user64 = user;
    c.time = time;
    c.channel = channel;
    c.conversion = conversion;
    c.value = value;
    add(c, true);
  }

  /// Appends the rows of c. copy = false keeps only the pointers (no copy of the
  /// rows): the caller keeps the arrays alive and unchanged until the last finish().
  void add(const touch_columns& c, bool copy) {
    const std::int64_t mx = check(c);
    if (c.n == 0) return;
    if (!copy) {
      parts_.push_back({c, nullptr, mx});
      return;
    }
    if (parts_.empty() || !parts_.back().own) parts_.push_back({{}, std::make_unique<owned>()});
    owned& s = *parts_.back().own;
    s.user.reserve(s.user.size() + c.n);
    for (std::size_t i = 0; i < c.n; ++i) s.user.push_back(c.user(i));
    s.time.insert(s.time.end(), c.time, c.time + c.n);
    s.channel.insert(s.channel.end(), c.channel, c.channel + c.n);
    s.conversion.insert(s.conversion.end(), c.conversion, c.conversion + c.n);
    if (c.value != nullptr) {
      s.value.reserve(s.value.size() + c.n);
      for (std::size_t i = 0; i < c.n; ++i)
        s.value.push_back(c.conversion[i] ? c.value[i] : 0.0);
    } else {
      s.value.insert(s.value.end(), c.n, 0.0);
    }
    parts_.back().cols = s.view();
    parts_.back().max_user = std::max(parts_.back().max_user, mx);
  }

  /// Appends o's rows (copied) after this accumulator's.
  void merge(const path_accumulator& o) {
    for (const part& p : o.parts_) add(p.cols, true);
  }

  std::size_t rows() const noexcept {
    std::size_t n = 0;
    for (const part& p : parts_) n += p.cols.n;
    return n;
  }

  /// The path table (channel codes as given; `channels` their names).
  built_paths finish(std::vector<std::string> channels, const path_builder_options& o) const {
    if (o.has_lookback && o.lookback < 0)
      throw input_error("lookback", "expected a window >= 0");
    if (o.has_half_life && !(std::isfinite(o.half_life) && o.half_life > 0))
      throw input_error("half_life", "expected a duration > 0");
    const std::size_t n = rows();
    std::int64_t users = 0;
    for (const part& p : parts_) users = std::max(users, p.max_user + 1);
    const auto U = static_cast<std::size_t>(users);
    const auto n_channels = static_cast<std::int64_t>(channels.size());
    // One pass in add order: rows per user, each user's first row, and whether the
    // rows come grouped by user in time order (then no sort is needed).
    std::vector<std::uint64_t> first(U, 0);
    std::vector<std::uint32_t> count(U, 0);
    bool grouped = true;
    {
      std::size_t g = 0;
      std::int64_t prev_user = -1, prev_time = 0;
      for (const part& p : parts_) {
        const touch_columns& c = p.cols;
        for (std::size_t i = 0; i < c.n; ++i, ++g) {
          const std::int64_t u = c.user(i), t = c.time[i];
          if (c.channel[i] >= n_channels)
            throw input_error("channel[" + std::to_string(g) + "]",
                              "channel code outside 0.." + std::to_string(channels.size()));
          auto& k = count[static_cast<std::size_t>(u)];
          if (k == std::numeric_limits<std::uint32_t>::max())
            throw input_error("user[" + std::to_string(g) + "]",
                              "more than 2^32 - 1 rows of one user");
          if (u != prev_user) {
            if (k != 0 && grouped) {
              if (o.presorted) throw order_error(g, u, true);
              grouped = false;
            }
            if (k == 0) first[static_cast<std::size_t>(u)] = g;
          } else if (t < prev_time && grouped) {
            if (o.presorted) throw order_error(g, u, false);
            grouped = false;
          }
          ++k;
          prev_user = u;
          prev_time = t;
        }
      }
    }
    // Otherwise each user's rows (in add order) by a counting sort of row numbers,
    // split over fixed user ranges (the same numbers for any thread count).
    std::vector<std::uint32_t> perm32;
    std::vector<std::uint64_t> perm64;
    if (!grouped) {
      std::uint64_t at = 0;
      for (std::size_t u = 0; u < U; ++u) {
        first[u] = at;
        at += count[u];
      }
      const bool narrow = n <= std::numeric_limits<std::uint32_t>::max();
      if (narrow)
        perm32.resize(n);
      else
        perm64.resize(n);
      const std::size_t ranges = std::max(1, num_threads());
      const std::size_t width = (U + ranges - 1) / ranges;
      parallel_for(
          ranges,
          [&](std::size_t rb, std::size_t re) {
            const auto lo = static_cast<std::int64_t>(rb * width);
            const auto hi = static_cast<std::int64_t>(std::min(U, re * width));
            std::vector<std::uint64_t> fill(first.begin() + lo, first.begin() + hi);
            std::size_t g = 0;
            for (const part& p : parts_) {
              const touch_columns& c = p.cols;
              for (std::size_t i = 0; i < c.n; ++i, ++g) {
                const std::int64_t u = c.user(i);
                if (u < lo || u >= hi) continue;
                const std::uint64_t to = fill[static_cast<std::size_t>(u - lo)]++;
                if (narrow)
                  perm32[to] = static_cast<std::uint32_t>(g);
                else
                  perm64[to] = g;
              }
            }
          },
          1);
    }
    // Where global row g lives: the part starting at or before it.
    std::vector<std::size_t> base;
    for (std::size_t b = 0, k = 0; k < parts_.size(); b += parts_[k++].cols.n) base.push_back(b);
    auto locate = [&](std::uint64_t g) -> std::pair<const touch_columns*, std::size_t> {
      std::size_t k = 0;
      if (parts_.size() > 1)
        k = static_cast<std::size_t>(std::upper_bound(base.begin(), base.end(), g) -
                                     base.begin()) - 1;
      return {&parts_[k].cols, static_cast<std::size_t>(g - base[k])};
    };
    constexpr std::size_t grain = 32768;  // users per chunk (fixed: thread-count free)
    const std::size_t chunks = U == 0 ? 0 : (U + grain - 1) / grain;
    std::vector<detail::path_set> sets(chunks);
    parallel_for(
        chunks,
        [&](std::size_t cb, std::size_t ce) {
          for (std::size_t c = cb; c < ce; ++c)
            build_chunk(sets[c], c * grain, std::min(U, (c + 1) * grain), o, first, count,
                        grouped, perm32, perm64, locate);
        },
        1);
    // Chunks in order: the first appearance of a path (by user code) fixes its row.
    detail::path_set all;
    all.out.table.channels = std::move(channels);
    built_paths& res = all.out;
    for (auto& ps : sets) {
      built_paths& p = ps.out;
      res.unattributed_conversions += p.unattributed_conversions;
      res.unattributed_value += p.unattributed_value;
      res.expired_touches += p.expired_touches;
      res.users += p.users;
      for (std::size_t i = 0; i < p.table.size(); ++i) {
        const path_view pv = p.table.path(i);
        const auto [r, added] = all.row_of(pv.steps, pv.length, ps.hash[i]);
        res.table.conversions[r] += pv.conversions;
        res.table.value[r] += pv.value;
        res.table.nulls[r] += pv.nulls;
        if (o.has_half_life) {
          if (added) {
            res.decay_conversions.resize(res.table.steps.size(), 0.0);
            res.decay_value.resize(res.table.steps.size(), 0.0);
          }
          const auto to = static_cast<std::size_t>(res.table.offsets[r]);
          const auto from = static_cast<std::size_t>(p.table.offsets[i]);
          for (std::size_t j = 0; j < pv.length; ++j) {
            res.decay_conversions[to + j] += p.decay_conversions[from + j];
            res.decay_value[to + j] += p.decay_value[from + j];
          }
        }
      }
      ps = detail::path_set{};
    }
    return std::move(res);
  }

 private:
  struct event {
    std::int64_t time;
    double value;
    std::int32_t channel;
    std::uint8_t conversion;
  };
  struct owned {
    std::vector<std::int64_t> user, time;
    std::vector<std::int32_t> channel;
    std::vector<std::uint8_t> conversion;
    std::vector<double> value;
    touch_columns view() const {
      touch_columns c;
      c.n = user.size();
      c.user64 = user.data();
      c.time = time.data();
      c.channel = channel.data();
      c.conversion = conversion.data();
      c.value = value.data();
      return c;
    }
  };
  struct part {
    touch_columns cols;
    std::unique_ptr<owned> own;  // null: a view of the caller's arrays
    std::int64_t max_user = -1;
  };

  /// The row checks, in fixed chunks (the first bad row wins for any thread count).
  static std::int64_t check(const touch_columns& c) {
    using sostac::detail::format_value;
    if (c.n > 0 && (c.time == nullptr || c.channel == nullptr || c.conversion == nullptr ||
                    (c.user64 == nullptr && c.user32 == nullptr)))
      throw input_error("touchpoints", "missing column");
    constexpr std::size_t grain = 1 << 18;
    const std::size_t chunks = (c.n + grain - 1) / grain;
    std::vector<std::int64_t> top(chunks, -1);
    auto at = [](const char* name, std::size_t i) {
      return std::string(name) + "[" + std::to_string(i) + "]";
    };
    parallel_for(
        c.n,
        [&](std::size_t b, std::size_t e) {
          std::int64_t mx = -1;
          for (std::size_t i = b; i < e; ++i) {
            const std::int64_t u = c.user(i);
            if (u < 0) throw input_error(at("user", i), "expected a user code >= 0");
            mx = std::max(mx, u);
            if (c.time[i] == std::numeric_limits<std::int64_t>::min())
              throw input_error(at("time", i), "missing time");
            if (c.conversion[i] > 1)
              throw input_error(at("conversion", i), "expected 0 or 1, got " +
                                                         std::to_string(c.conversion[i]));
            if (c.channel[i] < -1 || (c.channel[i] == -1 && c.conversion[i] == 0))
              throw input_error(at("channel", i), "missing channel on a touch (a row that "
                                                  "is not a conversion)");
            if (c.value != nullptr && c.conversion[i] == 1 && !std::isfinite(c.value[i]))
              throw input_error(at("value", i), "expected a finite conversion value, got " +
                                                    format_value(c.value[i]));
          }
          top[b / grain] = mx;
        },
        grain);
    std::int64_t mx = -1;
    for (std::int64_t t : top) mx = std::max(mx, t);
    return mx;
  }

  /// The paths of users [b, e): each user's rows in time order (gathered from the
  /// caller's columns), then the rules of the header.
  template <class Locate>
  void build_chunk(detail::path_set& ps, std::size_t b, std::size_t e,
                   const path_builder_options& o, const std::vector<std::uint64_t>& first,
                   const std::vector<std::uint32_t>& count, bool grouped,
                   const std::vector<std::uint32_t>& perm32,
                   const std::vector<std::uint64_t>& perm64, const Locate& locate) const {
    built_paths& out = ps.out;
    std::vector<event> rows;
    std::vector<std::pair<std::int64_t, std::int32_t>> seg;  // touches since a conversion
    std::vector<std::int32_t> path;
    std::vector<std::int64_t> ptime;
    std::vector<double> weight;
    auto emit = [&](std::int64_t until, double conv, double val, double nul) {
      std::size_t from = 0;
      if (o.has_lookback) {
        constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
        const std::int64_t lo = until < lowest + o.lookback ? lowest : until - o.lookback;
        while (from < seg.size() && seg[from].first < lo) ++from;
      }
      out.expired_touches += from;
      path.clear();
      ptime.clear();
      for (std::size_t j = from; j < seg.size(); ++j) {
        if (!o.collapse_repeats || path.empty() || path.back() != seg[j].second) {
          path.push_back(seg[j].second);
          ptime.push_back(seg[j].first);
        } else {
          ptime.back() = seg[j].first;
        }
      }
      seg.clear();
      std::size_t skip = 0;
      if (o.max_length > 0 && path.size() > o.max_length) skip = path.size() - o.max_length;
      if (path.size() == skip) {
        out.unattributed_conversions += conv;
        out.unattributed_value += val;
        return;
      }
      const std::size_t len = path.size() - skip;
      if (o.has_half_life) {
        // Relative to the latest kept touch (no underflow), then normalised.
        weight.resize(len);
        double total = 0;
        const std::int64_t latest = ptime.back();
        for (std::size_t j = 0; j < len; ++j)
          total += weight[j] =
              std::exp2(-static_cast<double>(latest - ptime[skip + j]) / o.half_life);
        for (double& w : weight) w /= total;
      }
      const std::int32_t* p = path.data() + skip;
      const auto [r, added] = ps.row_of(p, len, detail::hash_path(p, len));
      out.table.conversions[r] += conv;
      out.table.value[r] += val;
      out.table.nulls[r] += nul;
      if (o.has_half_life) {
        if (added) {
          out.decay_conversions.resize(out.table.steps.size(), 0.0);
          out.decay_value.resize(out.table.steps.size(), 0.0);
        }
        const auto at = static_cast<std::size_t>(out.table.offsets[r]);
        if (conv > 0)
          for (std::size_t j = 0; j < len; ++j) {
            out.decay_conversions[at + j] += conv * weight[j];
            out.decay_value[at + j] += val * weight[j];
          }
      }
    };
    auto read = [](const touch_columns& c, std::size_t i) {
      const std::uint8_t cv = c.conversion[i];
      return event{c.time[i], cv && c.value != nullptr ? c.value[i] : 0.0, c.channel[i], cv};
    };
    std::vector<std::int32_t> group_touch;
    std::vector<double> group_value;
    std::uint64_t f0 = 0;
    if (!grouped && b < e) {
      // The chunk's rows, gathered from the columns in one sweep with prefetching
      // (the row numbers jump across the log).
      f0 = first[b];
      const std::uint64_t f1 = first[e - 1] + count[e - 1];
      rows.resize(static_cast<std::size_t>(f1 - f0));
      auto row = [&](std::uint64_t k) -> std::uint64_t {
        return perm64.empty() ? perm32[k] : perm64[k];
      };
      constexpr std::uint64_t ahead = 16;
      for (std::uint64_t k = f0; k < f1; ++k) {
        if (k + ahead < f1) {
          const auto [c, i] = locate(row(k + ahead));
#if defined(__GNUC__) || defined(__clang__)
          __builtin_prefetch(c->time + i);
          __builtin_prefetch(c->channel + i);
          __builtin_prefetch(c->conversion + i);
          if (c->value != nullptr) __builtin_prefetch(c->value + i);
#else
          (void)c;
          (void)i;
#endif
        }
        const auto [c, i] = locate(row(k));
        rows[static_cast<std::size_t>(k - f0)] = read(*c, i);
      }
    }
    std::vector<event> own;  // a grouped user's rows
    for (std::size_t u = b; u < e; ++u) {
      const std::size_t m = count[u];
      if (m == 0) continue;
      ++out.users;
      event* ur;
      if (grouped) {  // contiguous in add order (possibly over several parts)
        own.resize(m);
        auto [c, i] = locate(first[u]);
        for (std::size_t k = 0; k < m; ++k, ++i) {
          if (i == c->n) std::tie(c, i) = locate(first[u] + k);
          own[k] = read(*c, i);
        }
        ur = own.data();
      } else {
        ur = rows.data() + (first[u] - f0);
        if (m > 1)
          std::sort(ur, ur + m, [](const event& x, const event& y) { return x.time < y.time; });
      }
      const event* rows_u = ur;
      seg.clear();
      // Rows at one time: all their touches first (by channel code), then each
      // conversion in turn by value (the first closes the path, the others find none).
      for (std::size_t k = 0; k < m;) {
        const std::int64_t t = rows_u[k].time;
        std::size_t end = k + 1;
        while (end < m && rows_u[end].time == t) ++end;
        if (end == k + 1) {
          if (rows_u[k].channel >= 0) seg.emplace_back(t, rows_u[k].channel);
          if (rows_u[k].conversion) emit(t, 1.0, rows_u[k].value, 0.0);
        } else {
          group_touch.clear();
          group_value.clear();
          for (std::size_t q = k; q < end; ++q) {
            if (rows_u[q].channel >= 0) group_touch.push_back(rows_u[q].channel);
            if (rows_u[q].conversion) group_value.push_back(rows_u[q].value);
          }
          std::sort(group_touch.begin(), group_touch.end());
          std::sort(group_value.begin(), group_value.end());
          for (std::int32_t ch : group_touch) seg.emplace_back(t, ch);
          for (double v : group_value) emit(t, 1.0, v, 0.0);
        }
        k = end;
      }
      if (!seg.empty()) emit(seg.back().first, 0.0, 0.0, 1.0);
    }
  }

  std::vector<part> parts_;
};

}  // namespace sostac::attribution
